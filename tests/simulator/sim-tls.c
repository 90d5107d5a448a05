/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */

/* sim-tls: a test PKI made with the openssl command, for tests and
 * benchmarks that need HTTPS on loopback.  No TLS code of its own: the
 * openssl program makes the files, GIO (glib-networking) serves them.
 */
#include "seedance-sim.h"

#include <string.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

/* One file for every step; -extensions picks the section. */
static const gchar openssl_config[] =
    "[req]\n"
    "distinguished_name = dn\n"
    "[dn]\n"
    "[ca_ext]\n"
    "basicConstraints = critical,CA:TRUE\n"
    "keyUsage = critical,keyCertSign,cRLSign\n"
    "subjectKeyIdentifier = hash\n"
    "[server_ext]\n"
    "basicConstraints = critical,CA:FALSE\n"
    "keyUsage = critical,digitalSignature\n"
    "extendedKeyUsage = serverAuth\n"
    "subjectAltName = @names\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid\n"
    "[self_ext]\n"
    "basicConstraints = critical,CA:FALSE\n"
    "keyUsage = critical,digitalSignature\n"
    "extendedKeyUsage = serverAuth\n"
    "subjectAltName = @names\n"
    "subjectKeyIdentifier = hash\n"
    "[names]\n"
    "DNS.1 = localhost\n"
    "IP.1 = 127.0.0.1\n"
    "IP.2 = 127.0.0.2\n"
    "IP.3 = 127.0.0.3\n"
    "IP.4 = ::1\n";

/* Run openssl with `args` (NULL-terminated) in `dir`. */
static gboolean
run_openssl (const gchar * openssl, const gchar * dir, GError ** error,
    const gchar * first, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *arg;
  gchar *err_text = NULL;
  gint wait_status;
  gboolean ok;
  va_list args;

  g_ptr_array_add (argv, (gpointer) openssl);
  va_start (args, first);
  arg = first;
  while (arg != NULL) {
    g_ptr_array_add (argv, (gpointer) arg);
    arg = va_arg (args, const gchar *);
  }
  va_end (args);
  g_ptr_array_add (argv, NULL);

  ok = g_spawn_sync (dir, (gchar **) argv->pdata, NULL,
      G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err_text, &wait_status,
      error);
  if (ok && !g_spawn_check_wait_status (wait_status, NULL)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "openssl %s failed: %s", first, g_strstrip (err_text));
    ok = FALSE;
  }
  g_free (err_text);
  g_ptr_array_unref (argv);
  return ok;
}

gboolean
seedance_sim_make_test_pki (const gchar * dir, GError ** error)
{
  gchar *openssl, *config, *serial, *csr;
  gboolean ok;

  openssl = g_find_program_in_path ("openssl");
  if (openssl == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "the openssl command is not installed (Debian package openssl)");
    return FALSE;
  }
  config = g_build_filename (dir, "sim-pki.cnf", NULL);
  if (!g_file_set_contents (config, openssl_config, -1, error)) {
    g_free (config);
    g_free (openssl);
    return FALSE;
  }
  /* a fresh serial each time, as a client may cache by issuer and serial */
  serial = g_strdup_printf ("0x%08x%08x", g_random_int () | 1u << 30,
      g_random_int ());

#define KEY "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", \
  "-nodes"
  ok = run_openssl (openssl, dir, error, "req", "-x509", "-new", "-config",
      "sim-pki.cnf", "-extensions", "ca_ext", KEY, "-keyout", "ca.key",
      "-out", "ca.pem", "-days", "30", "-subj", "/CN=seedance-sim test CA",
      NULL)
      && run_openssl (openssl, dir, error, "req", "-new", "-config",
      "sim-pki.cnf", KEY, "-keyout", "server.key", "-out", "server.csr",
      "-subj", "/CN=localhost", NULL)
      && run_openssl (openssl, dir, error, "x509", "-req", "-in",
      "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial",
      serial, "-days", "30", "-extfile", "sim-pki.cnf", "-extensions",
      "server_ext", "-out", "server.pem", NULL)
      && run_openssl (openssl, dir, error, "req", "-x509", "-new", "-config",
      "sim-pki.cnf", "-extensions", "self_ext", KEY, "-keyout",
      "selfsigned.key", "-out", "selfsigned.pem", "-days", "30", "-subj",
      "/CN=localhost", NULL);
#undef KEY

  csr = g_build_filename (dir, "server.csr", NULL);
  g_unlink (csr);
  g_free (csr);
  g_unlink (config);
  g_free (config);
  g_free (serial);
  g_free (openssl);
  return ok;
}
