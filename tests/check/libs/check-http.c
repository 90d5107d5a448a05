/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */

/* The transport (seedance/http.h) alone, with no GStreamer (bare libcheck),
 * against real servers: nginx as a CDN over HTTP/2 with ranges, hosts that
 * send no length or ignore Range, a host that goes silent, TLS failures,
 * and tinyproxy as a proxy (by URL and by libcurl's variables, with
 * credentials, refusing).  tinyproxy and nginx are started by each test on
 * a free loopback port (tests/common/servers.h), with the simulator's test
 * PKI (tests/common/pki.h); without them the suite skips (exit 77), it
 * never passes.  check-networks tests the same networks through the
 * element. */
#include "common/pki.h"
#include "common/servers.h"
#include "common/tmpdir.h"
#include "seedance/http.h"

#include <check.h>
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* --- a CDN: nginx serving random files --- */

typedef struct
{
  gchar *root;
  GBytes *file;                 /* root/clip.mp4 */
  TestServer *nginx;
} Cdn;

static Cdn *
cdn_new (TestPki * pki, gsize size, const gchar * cert, const gchar * key)
{
  Cdn *cdn = g_new0 (Cdn, 1);
  g_autofree gchar *path = NULL;
  guint8 *data = g_malloc (size);
  GRand *rand = g_rand_new_with_seed (size);
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;
  g_rand_free (rand);
  cdn->root = g_dir_make_tmp ("seedance-cdn-XXXXXX", NULL);
  path = g_build_filename (cdn->root, "clip.mp4", NULL);
  fail_unless (g_file_set_contents (path, (const gchar *) data, size, NULL));
  cdn->file = g_bytes_new_take (data, size);
  cdn->nginx = test_nginx_start (cdn->root, cert ? cert : pki->cert,
      key ? key : pki->key);
  return cdn;
}

static gchar *
cdn_url (Cdn * cdn, const gchar * prefix)
{
  return g_strdup_printf ("%s%s/clip.mp4",
      test_server_get_url (cdn->nginx), prefix);
}

static void
cdn_free (Cdn * cdn)
{
  test_server_stop (cdn->nginx);
  test_remove_tree (cdn->root);
  g_free (cdn->root);
  g_bytes_unref (cdn->file);
  g_free (cdn);
}

/* --- the transport alone, through http.h --- */

typedef struct
{
  GByteArray *data;
  guint chunks;
  guint pause_every;            /* ask for a pause every N chunks, 0: never */
} Collect;

static gboolean
collect_sink (const guint8 * data, gsize len, gpointer user_data)
{
  Collect *c = user_data;

  g_byte_array_append (c->data, data, len);
  c->chunks++;
  return c->pause_every && c->chunks % c->pause_every == 0;
}

static SeedanceHttp *
http_new (const gchar * proxy, const gchar * ca_file, gboolean strict,
    guint stall_timeout_s)
{
  SeedanceHttpConfig config = { 0, };

  config.connect_timeout_s = 10;
  config.stall_timeout_s = stall_timeout_s;
  config.proxy = proxy;
  config.ssl_strict = strict;
  config.ca_file = ca_file;
  return seedance_http_new (&config, NULL);
}

/* GET `url` from `offset` to the end; the bytes, or NULL with `error`.
 * `*status` and `*total` receive what the answer said. */
static GBytes *
fetch (SeedanceHttp * http, const gchar * url, guint64 offset,
    guint pause_every, guint * status, gint64 * total, GError ** error)
{
  Collect c = { g_byte_array_new (), 0, pause_every };
  SeedanceHttpStream *stream;
  gboolean eof = FALSE;

  stream = seedance_http_stream_start (http, url, offset, collect_sink, &c,
      error);
  if (stream == NULL) {
    g_byte_array_unref (c.data);
    return NULL;
  }
  *status = seedance_http_stream_get_status (stream);
  *total = seedance_http_stream_get_total_size (stream);
  while (!eof) {
    if (!seedance_http_stream_pump (stream, &eof, error)) {
      seedance_http_stream_free (stream);
      g_byte_array_unref (c.data);
      return NULL;
    }
  }
  seedance_http_stream_free (stream);
  return g_byte_array_free_to_bytes (c.data);
}

static void
assert_tail_equal (GBytes * got, GBytes * file, guint64 offset)
{
  gsize size = g_bytes_get_size (file);

  ck_assert_uint_eq (g_bytes_get_size (got), size - offset);
  fail_unless (memcmp (g_bytes_get_data (got, NULL),
          (const guint8 *) g_bytes_get_data (file, NULL) + offset,
          size - offset) == 0, "wrong bytes from offset %" G_GUINT64_FORMAT,
      offset);
}

START_TEST (test_redact_url)
{
  const gchar *cases[][2] = {
    {"http://user:secret@proxy:3128", "http://***@proxy:3128"},
    {"http://user:secret@proxy:3128/", "http://***@proxy:3128/"},
    {"user:secret@proxy:3128", "***@proxy:3128"},
    {"http://user@[::1]:3128", "http://***@[::1]:3128"},
    {"http://us%40er:p@ss@proxy", "http://***@proxy"},
    {"http://proxy:3128", "http://proxy:3128"},
    {"proxy:3128", "proxy:3128"},
    /* A signed URL keeps its query; an '@' past the host is no user. */
    {"https://cdn.example/v.mp4?X-Sig=a%2Fb&e=me@x",
        "https://cdn.example/v.mp4?X-Sig=a%2Fb&e=me@x"},
    {"https://k:s@cdn.example/v.mp4?X-Sig=1", "https://***@cdn.example/v.mp4"
          "?X-Sig=1"},
    {"", ""},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *r = seedance_http_redact_url (cases[i][0]);

    ck_assert_pstr_eq (r, cases[i][1]);
    g_free (r);
  }
  fail_unless (seedance_http_redact_url (NULL) == NULL);
}

END_TEST
START_TEST (test_http2_ranges_and_pauses)
{
  TestPki *pki = test_pki_new ();
  Cdn *cdn = cdn_new (pki, 3 * 1000 * 1000 + 17, NULL, NULL);
  SeedanceHttp *http = http_new (NULL, pki->ca, TRUE, 5);
  g_autofree gchar *url = cdn_url (cdn, "");
  gsize size = g_bytes_get_size (cdn->file);
  guint64 offsets[] = { 0, size / 2, size - 1000, 1 };
  gchar *log;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (offsets); i++) {
    GError *err = NULL;
    guint status = 0;
    gint64 total = -2;
    GBytes *got = fetch (http, url, offsets[i], 3, &status, &total, &err);

    fail_unless (got != NULL, "%s", err ? err->message : "?");
    /* Range from byte 0 too: the total comes in Content-Range. */
    ck_assert_int_eq (status, 206);
    ck_assert_int_eq (total, size);
    assert_tail_equal (got, cdn->file, offsets[i]);
    g_bytes_unref (got);
  }
  log = test_server_wait_for_log (cdn->nginx, "\"bytes=1-\"", 5000);
  fail_unless (test_count_occurrences (log, " 206 HTTP/2.0 ") == 4,
      "not four 206 answers over HTTP/2: %s", log);
  fail_unless (strstr (log, "\"bytes=0-\""), "no Range from byte 0: %s", log);

  g_free (log);
  seedance_http_free (http);
  cdn_free (cdn);
  test_pki_free (pki);
}

END_TEST
/* A consumer slower than the stall timeout pauses the transfer: that is
 * not a stall, over HTTP/2 as over HTTP/1.1. */
START_TEST (test_http2_pause_longer_than_stall_timeout)
{
  TestPki *pki = test_pki_new ();
  Cdn *cdn = cdn_new (pki, 4 * 1000 * 1000, NULL, NULL);
  SeedanceHttp *http = http_new (NULL, pki->ca, TRUE, 1);
  g_autofree gchar *url = cdn_url (cdn, "");
  Collect c = { g_byte_array_new (), 0, 1 };
  SeedanceHttpStream *stream;
  GError *err = NULL;
  gboolean eof = FALSE;
  guint pumps = 0;
  GBytes *got;

  stream = seedance_http_stream_start (http, url, 0, collect_sink, &c, &err);
  fail_unless (stream != NULL, "%s", err ? err->message : "?");
  while (!eof) {
    fail_unless (seedance_http_stream_pump (stream, &eof, &err), "after %u "
        "bytes: %s", c.data->len, err ? err->message : "?");
    /* Twice a consumer that takes longer than the stall timeout. */
    if (++pumps == 3 || pumps == 40)
      g_usleep (2500 * 1000);
  }
  seedance_http_stream_free (stream);
  got = g_byte_array_free_to_bytes (c.data);
  assert_tail_equal (got, cdn->file, 0);

  g_bytes_unref (got);
  seedance_http_free (http);
  cdn_free (cdn);
  test_pki_free (pki);
}

END_TEST
/* A host that goes silent mid-body over HTTP/2 is a stall, detected. */
START_TEST (test_http2_stall_is_detected)
{
  TestPki *pki = test_pki_new ();
  Cdn *cdn = cdn_new (pki, 32 * 1000 * 1000, NULL, NULL);
  SeedanceHttp *http = http_new (NULL, pki->ca, TRUE, 1);
  g_autofree gchar *url = cdn_url (cdn, "");
  Collect c = { g_byte_array_new (), 0, 1 };
  SeedanceHttpStream *stream;
  GError *err = NULL;
  gboolean eof = FALSE, ok = TRUE;
  gint64 t0;
  GPid pid;

  stream = seedance_http_stream_start (http, url, 0, collect_sink, &c, &err);
  fail_unless (stream != NULL, "%s", err ? err->message : "?");
  fail_unless (seedance_http_stream_pump (stream, &eof, &err));
  /* nginx freezes; what it has sent already (socket buffers, the HTTP/2
   * window) drains, then nothing comes. */
  pid = test_server_get_pid (cdn->nginx);
  kill (pid, SIGSTOP);
  t0 = g_get_monotonic_time ();
  while (ok && !eof)
    ok = seedance_http_stream_pump (stream, &eof, &err);
  kill (pid, SIGCONT);
  fail_if (ok, "the transfer ended without an error");
  fail_unless (g_error_matches (err, SEEDANCE_HTTP_ERROR,
          SEEDANCE_HTTP_ERROR_STALLED), "not a stall: %s", err->message);
  fail_unless (g_get_monotonic_time () - t0 < 10 * G_USEC_PER_SEC);
  fail_unless (c.data->len < g_bytes_get_size (cdn->file));

  g_error_free (err);
  seedance_http_stream_free (stream);
  g_byte_array_unref (c.data);
  seedance_http_free (http);
  cdn_free (cdn);
  test_pki_free (pki);
}

END_TEST
START_TEST (test_http_host_without_length)
{
  TestPki *pki = test_pki_new ();
  Cdn *cdn = cdn_new (pki, 2 * 1000 * 1000, NULL, NULL);
  SeedanceHttp *http = http_new (NULL, pki->ca, TRUE, 5);
  const gchar *prefixes[] = { "/nolength", "/noranges" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (prefixes); i++) {
    g_autofree gchar *url = cdn_url (cdn, prefixes[i]);
    GError *err = NULL;
    guint status = 0;
    gint64 total = -2;
    GBytes *got;

    /* A Range the host ignores: the whole file, with the bytes before
     * the offset dropped. */
    got = fetch (http, url, 1000, 2, &status, &total, &err);
    fail_unless (got != NULL, "%s", err ? err->message : "?");
    ck_assert_int_eq (status, 200);
    ck_assert_int_eq (total,
        i == 0 ? -1 : (gint64) g_bytes_get_size (cdn->file));
    assert_tail_equal (got, cdn->file, 1000);
    g_bytes_unref (got);
  }
  seedance_http_free (http);
  cdn_free (cdn);
  test_pki_free (pki);
}

END_TEST
START_TEST (test_http_tls_failure_names_the_host)
{
  TestPki *pki = test_pki_new ();
  Cdn *cdn = cdn_new (pki, 1000, pki->self_cert, pki->self_key);
  g_autofree gchar *url = cdn_url (cdn, "");
  g_autofree gchar *host = g_strdup_printf ("127.0.0.1:%u",
      test_server_get_port (cdn->nginx));
  SeedanceHttp *http;
  GError *err = NULL;
  guint status = 0;
  gint64 total;
  GBytes *got;

  /* Not signed by the CA given. */
  http = http_new (NULL, pki->ca, TRUE, 5);
  got = fetch (http, url, 0, 0, &status, &total, &err);
  fail_unless (got == NULL);
  fail_unless (g_error_matches (err, SEEDANCE_HTTP_ERROR,
          SEEDANCE_HTTP_ERROR_TLS), "%s", err->message);
  fail_unless (strstr (err->message, host) != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "certificate") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  seedance_http_free (http);

  /* ssl-strict off: accepted. */
  http = http_new (NULL, pki->ca, FALSE, 5);
  got = fetch (http, url, 0, 0, &status, &total, &err);
  fail_unless (got != NULL, "%s", err ? err->message : "?");
  assert_tail_equal (got, cdn->file, 0);
  g_bytes_unref (got);
  seedance_http_free (http);

  cdn_free (cdn);
  test_pki_free (pki);
}

END_TEST static void
assert_connects_logged (const gchar * log, guint port, guint times)
{
  g_autofree gchar *line = g_strdup_printf ("CONNECT 127.0.0.1:%u ", port);

  fail_unless (test_count_occurrences (log, line) >= times,
      "fewer than %u \"%s\" in the proxy's log: %s", times, line, log);
}

START_TEST (test_http_through_proxy_tunnel)
{
  TestPki *pki = test_pki_new ();
  Cdn *cdn = cdn_new (pki, 1000 * 1000, NULL, NULL);
  TestServer *proxy = test_tinyproxy_start (NULL);
  SeedanceHttp *http = http_new (test_server_get_url (proxy), pki->ca, TRUE,
      5);
  g_autofree gchar *url = cdn_url (cdn, "");
  GError *err = NULL;
  guint status = 0;
  gint64 total = -2;
  GBytes *got;
  gchar *log;

  /* The proxy's "200 Connection established" is not the host's answer. */
  got = fetch (http, url, 0, 0, &status, &total, &err);
  fail_unless (got != NULL, "%s", err ? err->message : "?");
  ck_assert_int_eq (status, 206);
  ck_assert_int_eq (total, g_bytes_get_size (cdn->file));
  assert_tail_equal (got, cdn->file, 0);
  g_bytes_unref (got);
  log = test_server_read_log (proxy);
  assert_connects_logged (log, test_server_get_port (cdn->nginx), 1);

  g_free (log);
  seedance_http_free (http);
  test_server_stop (proxy);
  cdn_free (cdn);
  test_pki_free (pki);
}

END_TEST
START_TEST (test_http_proxy_from_environment)
{
  TestPki *pki = test_pki_new ();
  Cdn *cdn = cdn_new (pki, 100 * 1000, NULL, NULL);
  TestServer *proxy = test_tinyproxy_start (NULL);
  SeedanceHttp *http = http_new (NULL, pki->ca, TRUE, 5);
  g_autofree gchar *url = cdn_url (cdn, "");
  GError *err = NULL;
  guint status = 0;
  gint64 total = -2;
  GBytes *got;
  gchar *log;

  g_setenv ("https_proxy", test_server_get_url (proxy), TRUE);
  got = fetch (http, url, 0, 0, &status, &total, &err);
  g_unsetenv ("https_proxy");
  fail_unless (got != NULL, "%s", err ? err->message : "?");
  assert_tail_equal (got, cdn->file, 0);
  g_bytes_unref (got);
  log = test_server_read_log (proxy);
  assert_connects_logged (log, test_server_get_port (cdn->nginx), 1);
  g_free (log);

  /* no_proxy names the host: straight there. */
  g_setenv ("https_proxy", test_server_get_url (proxy), TRUE);
  g_setenv ("no_proxy", "127.0.0.1", TRUE);
  got = fetch (http, url, 0, 0, &status, &total, &err);
  g_unsetenv ("https_proxy");
  g_unsetenv ("no_proxy");
  fail_unless (got != NULL, "%s", err ? err->message : "?");
  g_bytes_unref (got);
  log = test_server_read_log (proxy);
  ck_assert_int_eq (test_count_occurrences (log, "CONNECT 127.0.0.1"), 1);

  g_free (log);
  seedance_http_free (http);
  test_server_stop (proxy);
  cdn_free (cdn);
  test_pki_free (pki);
}

END_TEST
/* The proxy's error names it and its status, never the credentials. */
    static void
check_proxy_refusal (const TestProxyOptions * options, const gchar * userinfo,
    gint code, const gchar * status_text)
{
  TestPki *pki = test_pki_new ();
  Cdn *cdn = cdn_new (pki, 1000, NULL, NULL);
  TestServer *proxy = test_tinyproxy_start (options);
  g_autofree gchar *proxy_url = g_strdup_printf ("http://%s127.0.0.1:%u",
      userinfo, test_server_get_port (proxy));
  g_autofree gchar *proxy_name = g_strdup_printf ("127.0.0.1:%u",
      test_server_get_port (proxy));
  g_autofree gchar *target = g_strdup_printf ("127.0.0.1:%u",
      test_server_get_port (cdn->nginx));
  SeedanceHttp *http = http_new (proxy_url, pki->ca, TRUE, 5);
  g_autofree gchar *url = cdn_url (cdn, "");
  GError *err = NULL;
  guint status = 0;
  gint64 total;
  GBytes *got;

  got = fetch (http, url, 0, 0, &status, &total, &err);
  fail_unless (got == NULL, "the proxy let it through");
  fail_unless (g_error_matches (err, SEEDANCE_HTTP_ERROR, code), "%s",
      err->message);
  fail_unless (strstr (err->message, proxy_name) != NULL, "%s", err->message);
  fail_unless (strstr (err->message, target) != NULL, "%s", err->message);
  fail_unless (strstr (err->message, status_text) != NULL, "%s", err->message);
  fail_if (strstr (err->message, "secret") != NULL, "%s", err->message);
  g_error_free (err);

  seedance_http_free (http);
  test_server_stop (proxy);
  cdn_free (cdn);
  test_pki_free (pki);
}

START_TEST (test_http_proxy_refusals)
{
  TestProxyOptions auth = { "user", "secret", 0 };
  TestProxyOptions other_port = { NULL, NULL, 1 };

  check_proxy_refusal (&other_port, "", SEEDANCE_HTTP_ERROR_PROXY_REFUSED,
      "HTTP 403");
  check_proxy_refusal (&auth, "", SEEDANCE_HTTP_ERROR_PROXY_AUTH, "HTTP 407");
  /* tinyproxy answers wrong credentials 401, where others say 407. */
  check_proxy_refusal (&auth, "user:wrong-secret@",
      SEEDANCE_HTTP_ERROR_PROXY_AUTH, "refused the credentials");
}

END_TEST
START_TEST (test_http_proxy_credentials)
{
  TestPki *pki = test_pki_new ();
  Cdn *cdn = cdn_new (pki, 100 * 1000, NULL, NULL);
  TestProxyOptions auth = { "user", "secret", 0 };
  TestServer *proxy = test_tinyproxy_start (&auth);
  g_autofree gchar *proxy_url = g_strdup_printf ("http://user:secret@"
      "127.0.0.1:%u", test_server_get_port (proxy));
  SeedanceHttp *http = http_new (proxy_url, pki->ca, TRUE, 5);
  g_autofree gchar *url = cdn_url (cdn, "");
  GError *err = NULL;
  guint status = 0;
  gint64 total;
  GBytes *got;

  got = fetch (http, url, 0, 0, &status, &total, &err);
  fail_unless (got != NULL, "%s", err ? err->message : "?");
  assert_tail_equal (got, cdn->file, 0);
  g_bytes_unref (got);

  seedance_http_free (http);
  test_server_stop (proxy);
  cdn_free (cdn);
  test_pki_free (pki);
}

END_TEST static Suite *
http_suite (void)
{
  Suite *s = suite_create ("http");
  TCase *transport = tcase_create ("transport");

  suite_add_tcase (s, transport);
  tcase_set_timeout (transport, 120);
  tcase_add_test (transport, test_redact_url);
  tcase_add_test (transport, test_http2_ranges_and_pauses);
  tcase_add_test (transport, test_http2_pause_longer_than_stall_timeout);
  tcase_add_test (transport, test_http2_stall_is_detected);
  tcase_add_test (transport, test_http_host_without_length);
  tcase_add_test (transport, test_http_tls_failure_names_the_host);
  tcase_add_test (transport, test_http_through_proxy_tunnel);
  tcase_add_test (transport, test_http_proxy_from_environment);
  tcase_add_test (transport, test_http_proxy_refusals);
  tcase_add_test (transport, test_http_proxy_credentials);

  return s;
}

int
main (int argc, char **argv)
{
  gchar *missing[3] = { test_tinyproxy_missing (), test_nginx_missing (),
    NULL
  };
  g_autofree gchar *openssl = g_find_program_in_path ("openssl");
  const gchar *proxy_vars[] = { "http_proxy", "https_proxy", "HTTPS_PROXY",
    "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"
  };
  gboolean skip = FALSE;
  gchar *shared_dir;
  const gchar *tmp;
  SRunner *sr;
  gint failed;
  guint i;

  if (openssl == NULL)
    missing[2] = g_strdup ("openssl is not installed (Debian package "
        "openssl)");
  for (i = 0; i < G_N_ELEMENTS (missing); i++) {
    if (missing[i]) {
      g_print ("SKIP http: %s\n", missing[i]);
      g_free (missing[i]);
      skip = TRUE;
    }
  }
  if (skip)
    return 77;

  /* Every temporary directory of the run (the servers', the PKI's, the
   * CDN's) goes under one, removed at the end: a failed test stops before
   * it cleans up.  Before anything asks GLib for TMPDIR. */
  tmp = g_getenv ("TMPDIR");
  shared_dir = g_build_filename (tmp && tmp[0] ? tmp : "/tmp",
      "seedance-http-XXXXXX", NULL);
  if (mkdtemp (shared_dir) == NULL) {
    g_printerr ("cannot make %s\n", shared_dir);
    return 1;
  }
  g_setenv ("TMPDIR", shared_dir, TRUE);
  /* The tests choose the proxies; none from the caller's environment. */
  for (i = 0; i < G_N_ELEMENTS (proxy_vars); i++)
    g_unsetenv (proxy_vars[i]);
  /* As GStreamer's check framework does: a GLib warning or critical fails
   * the test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING |
      G_LOG_LEVEL_CRITICAL);

  sr = srunner_create (http_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  test_remove_tree (shared_dir);
  g_free (shared_dir);
  return failed == 0 ? 0 : 1;
}
