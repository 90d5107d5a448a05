/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */

/* The simulator's test PKI (seedance_sim_make_test_pki) in a temporary
 * directory of its own, for the suites that start HTTPS servers: the
 * element's (check-networks) and the transport's (check-http). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gchar *dir;
  gchar *ca;                    /* ca.pem */
  gchar *cert;                  /* server.pem: 127.0.0.1-3, ::1, localhost */
  gchar *key;
  gchar *self_cert;             /* selfsigned.pem, the same names */
  gchar *self_key;
} TestPki;

/* Fails the test if openssl cannot make it. */
TestPki *test_pki_new (void);

/* Deletes the directory; frees. */
void test_pki_free (TestPki * pki);

G_END_DECLS
