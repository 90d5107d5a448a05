/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
#include "pki.h"
#include "tmpdir.h"
#include "seedance-sim.h"

#include <check.h>

TestPki *
test_pki_new (void)
{
  TestPki *pki = g_new0 (TestPki, 1);
  GError *err = NULL;

  pki->dir = g_dir_make_tmp ("seedance-pki-XXXXXX", NULL);
  fail_unless (seedance_sim_make_test_pki (pki->dir, &err), "test PKI: %s",
      err ? err->message : "?");
  pki->ca = g_build_filename (pki->dir, "ca.pem", NULL);
  pki->cert = g_build_filename (pki->dir, "server.pem", NULL);
  pki->key = g_build_filename (pki->dir, "server.key", NULL);
  pki->self_cert = g_build_filename (pki->dir, "selfsigned.pem", NULL);
  pki->self_key = g_build_filename (pki->dir, "selfsigned.key", NULL);
  return pki;
}

void
test_pki_free (TestPki * pki)
{
  test_remove_tree (pki->dir);
  g_free (pki->dir);
  g_free (pki->ca);
  g_free (pki->cert);
  g_free (pki->key);
  g_free (pki->self_cert);
  g_free (pki->self_key);
  g_free (pki);
}
