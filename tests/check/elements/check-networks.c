/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */

/* The networks users really have: HTTPS with private CAs, proxies (by
 * property and by libcurl's variables, with credentials, refusing), CDNs
 * over HTTP/2, hosts that send no length, IPv6.  tinyproxy and nginx are
 * real, started by each test on a free loopback port (tests/common/
 * servers.h); without them the suite skips (exit 77), it never passes. */
#include "common/harness.h"
#include "common/servers.h"
#include "seedance/http.h"

#include <gst/app/gstappsink.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- the simulator's test PKI --- */

typedef struct
{
  gchar *dir;
  gchar *ca;                    /* ca.pem */
  gchar *cert;                  /* server.pem: 127.0.0.1-3, ::1, localhost */
  gchar *key;
  gchar *self_cert;             /* selfsigned.pem, the same names */
  gchar *self_key;
} Pki;

static Pki *
pki_new (void)
{
  Pki *pki = g_new0 (Pki, 1);
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

static void
remove_dir (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d))) {
    g_autofree gchar *path = g_build_filename (dir, name, NULL);

    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      remove_dir (path);
    else
      g_unlink (path);
  }
  g_dir_close (d);
  g_rmdir (dir);
}

static void
pki_free (Pki * pki)
{
  remove_dir (pki->dir);
  g_free (pki->dir);
  g_free (pki->ca);
  g_free (pki->cert);
  g_free (pki->key);
  g_free (pki->self_cert);
  g_free (pki->self_key);
  g_free (pki);
}

/* --- a CDN: nginx serving random files --- */

typedef struct
{
  gchar *root;
  GBytes *file;                 /* root/clip.mp4 */
  TestServer *nginx;
} Cdn;

static Cdn *
cdn_new (Pki * pki, gsize size, const gchar * cert, const gchar * key)
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
  remove_dir (cdn->root);
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

  fail_unless_equals_uint64 (g_bytes_get_size (got), size - offset);
  fail_unless (memcmp (g_bytes_get_data (got, NULL),
          (const guint8 *) g_bytes_get_data (file, NULL) + offset,
          size - offset) == 0, "wrong bytes from offset %" G_GUINT64_FORMAT,
      offset);
}

GST_START_TEST (test_redact_url)
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

    fail_unless_equals_string (r, cases[i][1]);
    g_free (r);
  }
  fail_unless (seedance_http_redact_url (NULL) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_http2_ranges_and_pauses)
{
  Pki *pki = pki_new ();
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
    fail_unless_equals_int (status, 206);
    fail_unless_equals_int64 (total, size);
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
  pki_free (pki);
}

GST_END_TEST;

/* A consumer slower than the stall timeout pauses the transfer: that is
 * not a stall, over HTTP/2 as over HTTP/1.1. */
GST_START_TEST (test_http2_pause_longer_than_stall_timeout)
{
  Pki *pki = pki_new ();
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
  pki_free (pki);
}

GST_END_TEST;

/* A host that goes silent mid-body over HTTP/2 is a stall, detected. */
GST_START_TEST (test_http2_stall_is_detected)
{
  Pki *pki = pki_new ();
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
  pki_free (pki);
}

GST_END_TEST;

GST_START_TEST (test_http_host_without_length)
{
  Pki *pki = pki_new ();
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
    fail_unless_equals_int (status, 200);
    fail_unless_equals_int64 (total, i == 0 ? -1 :
        (gint64) g_bytes_get_size (cdn->file));
    assert_tail_equal (got, cdn->file, 1000);
    g_bytes_unref (got);
  }
  seedance_http_free (http);
  cdn_free (cdn);
  pki_free (pki);
}

GST_END_TEST;

GST_START_TEST (test_http_tls_failure_names_the_host)
{
  Pki *pki = pki_new ();
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
  pki_free (pki);
}

GST_END_TEST;

static void
assert_connects_logged (const gchar * log, guint port, guint times)
{
  g_autofree gchar *line = g_strdup_printf ("CONNECT 127.0.0.1:%u ", port);

  fail_unless (test_count_occurrences (log, line) >= times,
      "fewer than %u \"%s\" in the proxy's log: %s", times, line, log);
}

GST_START_TEST (test_http_through_proxy_tunnel)
{
  Pki *pki = pki_new ();
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
  fail_unless_equals_int (status, 206);
  fail_unless_equals_int64 (total, g_bytes_get_size (cdn->file));
  assert_tail_equal (got, cdn->file, 0);
  g_bytes_unref (got);
  log = test_server_read_log (proxy);
  assert_connects_logged (log, test_server_get_port (cdn->nginx), 1);

  g_free (log);
  seedance_http_free (http);
  test_server_stop (proxy);
  cdn_free (cdn);
  pki_free (pki);
}

GST_END_TEST;

GST_START_TEST (test_http_proxy_from_environment)
{
  Pki *pki = pki_new ();
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
  fail_unless_equals_int (test_count_occurrences (log, "CONNECT 127.0.0.1"), 1);

  g_free (log);
  seedance_http_free (http);
  test_server_stop (proxy);
  cdn_free (cdn);
  pki_free (pki);
}

GST_END_TEST;

/* The proxy's error names it and its status, never the credentials. */
static void
check_proxy_refusal (const TestProxyOptions * options, const gchar * userinfo,
    gint code, const gchar * status_text)
{
  Pki *pki = pki_new ();
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
  pki_free (pki);
}

GST_START_TEST (test_http_proxy_refusals)
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

GST_END_TEST;

GST_START_TEST (test_http_proxy_credentials)
{
  Pki *pki = pki_new ();
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
  pki_free (pki);
}

GST_END_TEST;

/* --- through the element --- */

/* The run's temporary directory, made by main(): files the tests share
 * (the 20 MB clip, rendered once by the first test that needs it) and
 * every other temporary directory. */
static gchar *shared_dir;

static SeedanceSim *
sim_new_tls (const gchar * cert, const gchar * key)
{
  SeedanceSim *sim = seedance_sim_new ();
  GError *err = NULL;

  seedance_sim_set_schedule (sim, 100, 300);
  seedance_sim_set_tls (sim, cert, key);
  fail_unless (seedance_sim_start (sim, 0, &err), "simulator: %s",
      err ? err->message : "?");
  fail_unless (g_str_has_prefix (seedance_sim_get_base_url (sim), "https://"));
  return sim;
}

/* "host:port" of a URL such as the simulator's. */
static gchar *
host_of (const gchar * url)
{
  const gchar *start = strstr (url, "://") + 3;

  return g_strndup (start, strcspn (start, "/"));
}

static void
write_file (const gchar * path, GBytes * bytes)
{
  g_autofree gchar *tmp = g_strconcat (path, ".part", NULL);

  fail_unless (g_file_set_contents (tmp, g_bytes_get_data (bytes, NULL),
          g_bytes_get_size (bytes), NULL));
  fail_unless (g_rename (tmp, path) == 0);
}

/* The offset of the first top-level MP4 box of `type`, -1 if none. */
static gint64
find_box (GBytes * file, const gchar * type)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (file, &size);
  guint64 pos = 0;

  while (pos + 8 <= size) {
    guint64 box = GST_READ_UINT32_BE (data + pos);

    if (memcmp (data + pos + 4, type, 4) == 0)
      return (gint64) pos;
    if (box == 1 && pos + 16 <= size)
      box = GST_READ_UINT64_BE (data + pos + 8);
    if (box < 8)
      return -1;
    pos += box;
  }
  return -1;
}

#define BIG_CLIP_SIZE (20 * 1000 * 1000)
#define BIG_CLIP_FRAMES (5 * 24)

/* A moov-at-end MP4 over 20 MB, rendered by the simulator (noise at a
 * high bitrate) the first time a test asks, then shared. */
static GBytes *
big_clip (gchar ** path_out)
{
  g_autofree gchar *path = g_build_filename (shared_dir, "moov-at-end.mp4",
      NULL);
  GBytes *file;
  gchar *data = NULL;
  gsize len = 0;

  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    SeedanceSim *sim = test_sim_new ();
    gint64 deadline = g_get_monotonic_time () + 170 * G_USEC_PER_SEC;
    g_autofree gchar *id = NULL;
    gchar *status = NULL;
    GBytes *video;
    GError *err = NULL;

    seedance_sim_set_schedule (sim, 0, 0);
    seedance_sim_set_render (sim, 40000, TRUE, FALSE);
    id = seedance_sim_create_task (sim, "{\"model\":\"doubao-seedance-2.0\","
        "\"content\":[{\"type\":\"text\",\"text\":\"Noise\"}],"
        "\"resolution\":\"480p\",\"duration\":5}", &err);
    fail_unless (id != NULL, "%s", err ? err->message : "?");
    while (g_strcmp0 (status, "succeeded") != 0 &&
        g_get_monotonic_time () < deadline) {
      g_free (status);
      g_usleep (100 * 1000);
      status = seedance_sim_get_task_status (sim, id);
    }
    fail_unless_equals_string (status, "succeeded");
    video = seedance_sim_get_task_video (sim, id);
    write_file (path, video);
    g_bytes_unref (video);
    g_free (status);
    seedance_sim_free (sim);
  }
  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  file = g_bytes_new_take (data, len);
  fail_unless (len > BIG_CLIP_SIZE, "the clip is only %" G_GSIZE_FORMAT
      " bytes", len);
  fail_unless (find_box (file, "mdat") >= 0 &&
      find_box (file, "moov") > find_box (file, "mdat"),
      "the moov atom does not come after the media data");
  if (path_out)
    *path_out = g_steal_pointer (&path);
  return file;
}

/* Runs "seedancesrc PROPS ! filesink" and compares what was written with
 * the simulator's video, byte for byte.  `setup`, when not NULL, is
 * called on the source before it starts. */
static GstMessage *
run_to_file (SeedanceSim * sim, const gchar * props,
    void (*setup) (GstElement * src, gpointer data), gpointer data,
    GPtrArray * messages, GBytes ** written)
{
  gchar *dir = g_dir_make_tmp ("seedance-networks-XXXXXX", NULL);
  gchar *out = g_build_filename (dir, "out.mp4", NULL);
  gchar *rest = g_strdup_printf ("%s ! filesink location=\"%s\"", props, out);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstMessage *msg;
  gchar *contents = NULL;
  gsize len = 0;

  if (setup)
    setup (test_pipeline_get_src (pipeline), data);
  msg = test_pipeline_run (pipeline, 150, messages);
  if (written && g_file_get_contents (out, &contents, &len, NULL))
    *written = g_bytes_new_take (contents, len);
  else if (written)
    *written = NULL;
  g_unlink (out);
  g_rmdir (dir);
  gst_object_unref (pipeline);
  g_free (rest);
  g_free (out);
  g_free (dir);
  return msg;
}

static gchar *
only_task_id (SeedanceSim * sim)
{
  GPtrArray *reqs = seedance_sim_get_requests (sim);
  gchar *id = NULL;
  guint i;

  /* The id is the last part of a query's path. */
  for (i = 0; i < reqs->len && id == NULL; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint == SEEDANCE_SIM_QUERY)
      id = g_path_get_basename (r->path);
  }
  g_ptr_array_unref (reqs);
  fail_unless (id != NULL, "no task was queried");
  return id;
}

static void
assert_same_bytes (GBytes * got, GBytes * want)
{
  fail_unless (got != NULL, "nothing was written");
  fail_unless_equals_uint64 (g_bytes_get_size (got), g_bytes_get_size (want));
  fail_unless (g_bytes_equal (got, want),
      "the bytes delivered differ from the file");
}

/* A run to EOS whose output is the task's video, byte for byte. */
static void
run_and_compare (SeedanceSim * sim, const gchar * props,
    void (*setup) (GstElement * src, gpointer data), gpointer data,
    GPtrArray * messages)
{
  GBytes *written = NULL, *video;
  GstMessage *msg = run_to_file (sim, props, setup, data, messages, &written);
  g_autofree gchar *id = NULL;

  test_assert_eos (msg);
  id = only_task_id (sim);
  video = seedance_sim_get_task_video (sim, id);
  assert_same_bytes (written, video);
  g_bytes_unref (video);
  g_bytes_unref (written);
  gst_message_unref (msg);
}

static GstMessage *
run_expecting_error (SeedanceSim * sim, const gchar * props)
{
  g_autofree gchar *rest = g_strdup_printf ("%s ! fakesink", props);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstMessage *msg = test_pipeline_run (pipeline, 120, NULL);

  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
      "expected an error");
  gst_object_unref (pipeline);
  return msg;
}

static gchar *
error_text (GstMessage * msg)
{
  GError *err = NULL;
  gchar *debug = NULL, *text;

  gst_message_parse_error (msg, &err, &debug);
  text = g_strdup_printf ("%s\n%s", err->message, debug ? debug : "");
  g_error_free (err);
  g_free (debug);
  return text;
}

/* Both hosts in the proxy's log, each through a tunnel. */
static void
assert_both_hosts_tunnelled (TestServer * proxy, SeedanceSim * sim)
{
  g_autofree gchar *api = g_strdup_printf ("CONNECT %s ",
      seedance_sim_get_api_host (sim));
  g_autofree gchar *files = g_strdup_printf ("CONNECT %s ",
      seedance_sim_get_file_host (sim));
  g_autofree gchar *log = test_server_wait_for_log (proxy, files, 5000);

  fail_unless (strstr (log, api) != NULL, "no \"%s\" in the proxy's log: %s",
      api, log);
  fail_unless (strstr (log, files) != NULL, "no \"%s\" in the proxy's log: "
      "%s", files, log);
}

GST_START_TEST (test_https_with_ca_file)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = sim_new_tls (pki->cert, pki->key);
  g_autofree gchar *props = g_strdup_printf ("prompt=x resolution=480p "
      "ssl-ca-file=\"%s\"", pki->ca);

  fail_unless (g_str_has_prefix (seedance_sim_get_file_host_url (sim),
          "https://"));
  run_and_compare (sim, props, NULL, NULL, NULL);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);

  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

static GString *debug_log;
static GMutex debug_lock;

static void
capture_log (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message);

  g_mutex_lock (&debug_lock);
  /* "LEVEL CATEGORY text", the level as a number. */
  g_string_append_printf (debug_log, "%d %s %s\n", level,
      gst_debug_category_get_name (category), text ? text : "");
  g_mutex_unlock (&debug_lock);
}

static void
start_capture (void)
{
  debug_log = g_string_new (NULL);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);
  gst_debug_set_active (TRUE);
  gst_debug_add_log_function (capture_log, NULL, NULL);
  /* Only into the capture, not megabytes onto stderr. */
  gst_debug_remove_log_function (gst_debug_log_default);
}

static gchar *
stop_capture (void)
{
  gst_debug_remove_log_function (capture_log);
  gst_debug_set_default_threshold (GST_LEVEL_NONE);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  return g_string_free (g_steal_pointer (&debug_log), FALSE);
}

GST_START_TEST (test_https_ssl_strict_false_accepts_a_bad_certificate)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = sim_new_tls (pki->self_cert, pki->self_key);
  g_autofree gchar *log = NULL;
  g_autofree gchar *prefix = g_strdup_printf ("%d seedancesrc ",
      GST_LEVEL_WARNING);
  gchar **lines;
  guint i, warnings = 0;

  start_capture ();
  run_and_compare (sim, "prompt=x resolution=480p ssl-strict=false", NULL,
      NULL, NULL);
  log = stop_capture ();
  /* Said once, where a user looks. */
  lines = g_strsplit (log, "\n", -1);
  for (i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix) && strstr (lines[i], "ssl-strict"))
      warnings++;
  fail_unless_equals_int (warnings, 1);

  g_strfreev (lines);
  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

GST_START_TEST (test_https_bad_certificate_is_a_clear_error)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = sim_new_tls (pki->self_cert, pki->self_key);
  g_autofree gchar *host = host_of (seedance_sim_get_base_url (sim));
  g_autofree gchar *props = g_strdup_printf ("prompt=x ssl-ca-file=\"%s\"",
      pki->ca);
  GstMessage *msg;

  /* Against the CA given, and against the system's store. */
  msg = run_expecting_error (sim, props);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      host);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "certificate");
  gst_message_unref (msg);
  msg = run_expecting_error (sim, "prompt=x");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      host);
  gst_message_unref (msg);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);

  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

GST_START_TEST (test_proxy_by_property)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = sim_new_tls (pki->cert, pki->key);
  TestServer *proxy = test_tinyproxy_start (NULL);
  g_autofree gchar *props = g_strdup_printf ("prompt=x resolution=480p "
      "ssl-ca-file=\"%s\" proxy=%s", pki->ca, test_server_get_url (proxy));

  run_and_compare (sim, props, NULL, NULL, NULL);
  assert_both_hosts_tunnelled (proxy, sim);

  test_server_stop (proxy);
  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

GST_START_TEST (test_proxy_by_https_proxy_variable)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = sim_new_tls (pki->cert, pki->key);
  TestServer *proxy = test_tinyproxy_start (NULL);
  g_autofree gchar *props = g_strdup_printf ("prompt=x resolution=480p "
      "ssl-ca-file=\"%s\"", pki->ca);

  g_setenv ("https_proxy", test_server_get_url (proxy), TRUE);
  run_and_compare (sim, props, NULL, NULL, NULL);
  g_unsetenv ("https_proxy");
  assert_both_hosts_tunnelled (proxy, sim);

  test_server_stop (proxy);
  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

/* The error names the proxy and its status, says nothing about a task
 * that may exist, and no create reached the service. */
static void
assert_refused_by_proxy (GstMessage * msg, SeedanceSim * sim,
    TestServer * proxy, gint code, const gchar * status)
{
  g_autofree gchar *name = g_strdup_printf ("127.0.0.1:%u",
      test_server_get_port (proxy));
  g_autofree gchar *text = error_text (msg);

  test_assert_error (msg, GST_RESOURCE_ERROR, code, name);
  test_assert_error (msg, GST_RESOURCE_ERROR, code, status);
  fail_if (strstr (text, "may or may not") != NULL, "%s", text);
  fail_if (strstr (text, "secret") != NULL, "%s", text);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 0);
}

GST_START_TEST (test_proxy_refuses_the_tunnel)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = sim_new_tls (pki->cert, pki->key);
  TestProxyOptions options = { NULL, NULL, 1 };
  TestServer *proxy = test_tinyproxy_start (&options);
  g_autofree gchar *props = g_strdup_printf ("prompt=x ssl-ca-file=\"%s\" "
      "proxy=%s", pki->ca, test_server_get_url (proxy));
  GstMessage *msg;

  msg = run_expecting_error (sim, props);
  assert_refused_by_proxy (msg, sim, proxy, GST_RESOURCE_ERROR_OPEN_READ,
      "HTTP 403");
  /* And the host it was asked for. */
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      seedance_sim_get_api_host (sim));

  gst_message_unref (msg);
  test_server_stop (proxy);
  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

GST_START_TEST (test_proxy_authentication_required)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = sim_new_tls (pki->cert, pki->key);
  TestProxyOptions options = { "user", "secret", 0 };
  TestServer *proxy = test_tinyproxy_start (&options);
  g_autofree gchar *props = g_strdup_printf ("prompt=x ssl-ca-file=\"%s\" "
      "proxy=%s", pki->ca, test_server_get_url (proxy));
  GstMessage *msg;

  msg = run_expecting_error (sim, props);
  assert_refused_by_proxy (msg, sim, proxy,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, "HTTP 407");

  gst_message_unref (msg);
  test_server_stop (proxy);
  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

/* The API host may be tunnelled to, the file host not: the download's
 * error names the proxy, its status and the file host. */
GST_START_TEST (test_proxy_refuses_the_file_host)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = sim_new_tls (pki->cert, pki->key);
  const gchar *api = seedance_sim_get_api_host (sim);
  TestProxyOptions options = { NULL, NULL,
    (guint) g_ascii_strtoull (strrchr (api, ':') + 1, NULL, 10)
  };
  TestServer *proxy = test_tinyproxy_start (&options);
  g_autofree gchar *props = g_strdup_printf ("prompt=x retries=1 "
      "ssl-ca-file=\"%s\" proxy=%s", pki->ca, test_server_get_url (proxy));
  g_autofree gchar *name = g_strdup_printf ("127.0.0.1:%u",
      test_server_get_port (proxy));
  GstMessage *msg;

  msg = run_expecting_error (sim, props);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      name);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "HTTP 403");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      seedance_sim_get_file_host (sim));
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_VIDEO), 0);

  gst_message_unref (msg);
  test_server_stop (proxy);
  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

#define PROXY_SECRET "s3cr3t-Proxy-Pa55"

static void
set_proxy (GstElement * src, gpointer url)
{
  g_object_set (src, "proxy", url, NULL);
}

static void
append_messages (GString * all, GPtrArray * messages)
{
  guint i;

  for (i = 0; i < messages->len; i++) {
    GstMessage *m = g_ptr_array_index (messages, i);
    const GstStructure *st = gst_message_get_structure (m);

    if (st) {
      gchar *s = gst_structure_to_string (st);

      g_string_append_printf (all, "%s\n", s);
      g_free (s);
    }
  }
}

GST_START_TEST (test_proxy_credentials_work_and_are_never_shown)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = sim_new_tls (pki->cert, pki->key);
  TestProxyOptions options = { "user", PROXY_SECRET, 0 };
  TestServer *proxy = test_tinyproxy_start (&options);
  g_autofree gchar *proxy_url = g_strdup_printf ("http://user:"
      PROXY_SECRET "@127.0.0.1:%u", test_server_get_port (proxy));
  g_autofree gchar *props = g_strdup_printf ("prompt=x resolution=480p "
      "ssl-ca-file=\"%s\"", pki->ca);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  GString *all = g_string_new (NULL);
  g_autofree gchar *log = NULL, *dot = NULL, *read_back = NULL;
  GstElement *pipeline;
  GstMessage *msg;

  /* Through the property (not the launch string, which GStreamer's
   * parser logs as it is). */
  start_capture ();
  run_and_compare (sim, props, set_proxy, proxy_url, messages);
  assert_both_hosts_tunnelled (proxy, sim);

  /* A pipeline graph, and the property read back. */
  pipeline = test_pipeline_new (sim, "prompt=x ! fakesink");
  g_object_set (test_pipeline_get_src (pipeline), "proxy", proxy_url, NULL);
  gst_element_set_state (pipeline, GST_STATE_READY);
  dot = gst_debug_bin_to_dot_data (GST_BIN (pipeline),
      GST_DEBUG_GRAPH_SHOW_ALL);
  g_object_get (test_pipeline_get_src (pipeline), "proxy", &read_back, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  /* And an error: the wrong password. */
  g_free (proxy_url);
  proxy_url = g_strdup_printf ("http://user:" PROXY_SECRET "-not@"
      "127.0.0.1:%u", test_server_get_port (proxy));
  msg = run_to_file (sim, "prompt=x", set_proxy, proxy_url, messages, NULL);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  {
    g_autofree gchar *text = error_text (msg);

    g_string_append (all, text);
  }
  gst_message_unref (msg);
  log = stop_capture ();

  append_messages (all, messages);
  fail_unless (strlen (log) > 10000, "the debug log is nearly empty");
  fail_if (strstr (log, PROXY_SECRET) != NULL,
      "the proxy's password is in the debug log");
  fail_if (strstr (all->str, PROXY_SECRET) != NULL,
      "the proxy's password is in a message or an error: %s", all->str);
  fail_if (strstr (dot, PROXY_SECRET) != NULL,
      "the proxy's password is in the pipeline graph");
  fail_if (read_back && strstr (read_back, PROXY_SECRET) != NULL,
      "the proxy property reads back the password: %s", read_back);

  g_string_free (all, TRUE);
  g_ptr_array_unref (messages);
  test_server_stop (proxy);
  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

/* --- hosts that send no length, a 20 MB moov-at-end clip --- */

typedef struct
{
  guint64 start;
  guint64 end;
} ByteRange;

typedef struct
{
  GBytes *file;
  GArray *ranges;               /* of ByteRange, each buffer's */
  guint mismatches;
  gchar *first_mismatch;
  gint frames;
  GMutex lock;
} Delivery;

static GstPadProbeReturn
check_delivered (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Delivery *d = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 offset = GST_BUFFER_OFFSET (buf);
  gsize size = g_bytes_get_size (d->file);
  GstMapInfo map;

  if (buf == NULL)
    return GST_PAD_PROBE_OK;
  gst_buffer_map (buf, &map, GST_MAP_READ);
  g_mutex_lock (&d->lock);

  if (offset == GST_BUFFER_OFFSET_NONE || offset + map.size > size ||
      memcmp ((const guint8 *) g_bytes_get_data (d->file, NULL) + offset,
          map.data, map.size) != 0) {
    if (d->mismatches++ == 0)
      d->first_mismatch = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes at %"
          G_GUINT64_FORMAT, map.size, offset);
  } else {
    ByteRange range = { offset, offset + map.size };

    g_array_append_val (d->ranges, range);
  }
  g_mutex_unlock (&d->lock);
  gst_buffer_unmap (buf, &map);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_frames (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_atomic_int_inc (&((Delivery *) user_data)->frames);
  return GST_PAD_PROBE_OK;
}

static gint
compare_ranges (gconstpointer a, gconstpointer b)
{
  const ByteRange *x = a, *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

/* The bytes of the file no delivered buffer covered. */
static guint64
bytes_not_delivered (Delivery * d)
{
  guint64 covered_to = 0, missing = 0;
  guint i;

  g_array_sort (d->ranges, compare_ranges);
  for (i = 0; i < d->ranges->len; i++) {
    ByteRange *r = &g_array_index (d->ranges, ByteRange, i);

    if (r->start > covered_to)
      missing += r->start - covered_to;
    covered_to = MAX (covered_to, r->end);
  }
  return missing + (g_bytes_get_size (d->file) - covered_to);
}

/* Through qtdemux to EOS, every frame; every byte delivered is the
 * file's at its offset. */
static void
play_and_check (SeedanceSim * sim, const gchar * props, GBytes * file)
{
  g_autofree gchar *rest = g_strdup_printf ("%s ! qtdemux ! video/x-h264 "
      "! fakesink name=vsink sync=false", props);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "vsink");
  GstPad *srcpad = gst_element_get_static_pad (test_pipeline_get_src
      (pipeline), "src");
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
  Delivery d = {.file = file,.ranges = g_array_new (FALSE, FALSE,
        sizeof (ByteRange))
  };
  GstMessage *msg;
  guint64 missing;

  g_mutex_init (&d.lock);
  gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_PUSH | GST_PAD_PROBE_TYPE_PULL, check_delivered, &d,
      NULL);
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, count_frames, &d,
      NULL);
  msg = test_pipeline_run (pipeline, 150, NULL);
  test_assert_eos (msg);
  fail_unless_equals_int (d.frames, BIG_CLIP_FRAMES);
  fail_unless (d.mismatches == 0, "%u buffers are not the file's bytes at "
      "their offsets, the first %s", d.mismatches, d.first_mismatch);
  /* qtdemux read every sample and the moov. */
  missing = bytes_not_delivered (&d);
  fail_unless (missing == 0, "%" G_GUINT64_FORMAT " bytes of the file "
      "were never delivered", missing);

  g_free (d.first_mismatch);
  g_array_unref (d.ranges);
  g_mutex_clear (&d.lock);
  gst_object_unref (sinkpad);
  gst_object_unref (srcpad);
  gst_object_unref (sink);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
}

static const struct
{
  const gchar *name;
  guint flags;
} file_host_modes[] = {
  {"chunked, Range honoured", SEEDANCE_SIM_FILE_HOST_CHUNKED},
  {"chunked, Range ignored", SEEDANCE_SIM_FILE_HOST_CHUNKED |
        SEEDANCE_SIM_FILE_HOST_IGNORE_RANGE},
  {"ended by closing, Range honoured", SEEDANCE_SIM_FILE_HOST_EOF_BODY},
  {"ended by closing, Range ignored", SEEDANCE_SIM_FILE_HOST_EOF_BODY |
        SEEDANCE_SIM_FILE_HOST_IGNORE_RANGE},
  {"chunked, Accept-Ranges: none", SEEDANCE_SIM_FILE_HOST_CHUNKED |
        SEEDANCE_SIM_FILE_HOST_NO_RANGES},
  {"redirected to another host, chunked", SEEDANCE_SIM_FILE_HOST_REDIRECT_HOST
        | SEEDANCE_SIM_FILE_HOST_CHUNKED},
  {"redirected to another host, chunked, Range ignored",
      SEEDANCE_SIM_FILE_HOST_REDIRECT_HOST | SEEDANCE_SIM_FILE_HOST_CHUNKED |
        SEEDANCE_SIM_FILE_HOST_IGNORE_RANGE},
};

GST_START_TEST (test_moov_at_end_from_hosts_of_every_shape)
{
  SeedanceSim *sim = test_sim_new ();
  g_autofree gchar *path = NULL;
  GBytes *file = big_clip (&path), *written = NULL;
  GstMessage *msg;
  GPtrArray *reqs;
  guint i, on_second_host = 0;

  /* __i__ is the row of file_host_modes (in a failure's ":N:"). */
  GST_INFO ("file host: %s", file_host_modes[__i__].name);
  seedance_sim_set_video_file (sim, path);
  seedance_sim_set_file_host_mode (sim, file_host_modes[__i__].flags);
  play_and_check (sim, "prompt=x resolution=480p", file);
  msg = run_to_file (sim, "prompt=x resolution=480p", NULL, NULL, NULL,
      &written);
  test_assert_eos (msg);
  assert_same_bytes (written, file);

  /* The key never went to a file host; a redirect was followed. */
  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint == SEEDANCE_SIM_VIDEO)
      fail_unless (r->authorization == NULL, "the key went to %s", r->host);
    if (g_strcmp0 (r->host, seedance_sim_get_second_file_host (sim)) == 0)
      on_second_host++;
  }
  if (file_host_modes[__i__].flags & SEEDANCE_SIM_FILE_HOST_REDIRECT_HOST)
    fail_unless (on_second_host > 0, "the redirect was not followed");

  g_ptr_array_unref (reqs);
  g_bytes_unref (written);
  gst_message_unref (msg);
  g_bytes_unref (file);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* --- a real CDN: nginx over HTTP/2 --- */

typedef struct
{
  TestServer *nginx;
  gchar *root;
} RealCdn;

/* nginx serves the simulator's videos at PREFIX/<task id>.mp4. */
static RealCdn *
real_cdn_new (SeedanceSim * sim, Pki * pki, const gchar * prefix)
{
  RealCdn *cdn = g_new0 (RealCdn, 1);
  g_autofree gchar *base = NULL;

  cdn->root = g_dir_make_tmp ("seedance-cdn-XXXXXX", NULL);
  cdn->nginx = test_nginx_start (cdn->root, pki->cert, pki->key);
  base = g_strconcat (test_server_get_url (cdn->nginx), prefix, NULL);
  seedance_sim_set_video_base_url (sim, base, cdn->root);
  return cdn;
}

static void
real_cdn_free (RealCdn * cdn)
{
  test_server_stop (cdn->nginx);
  remove_dir (cdn->root);
  g_free (cdn->root);
  g_free (cdn);
}

GST_START_TEST (test_http2_cdn_seek_matrix)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = test_sim_new ();
  RealCdn *cdn = real_cdn_new (sim, pki, "");
  g_autofree gchar *path = NULL, *rest = NULL, *log = NULL;
  GBytes *file = big_clip (&path), *head;
  GstElement *pipeline, *appsink, *src;
  gint64 duration = -1;
  gsize size = g_bytes_get_size (file);
  guint64 offsets[] = { size / 2, size - 1000, 0, size / 3, size / 2,
    size / 3, 1
  };
  guint i;

  seedance_sim_set_video_file (sim, path);
  /* cache=false: every seek is then a Range request over HTTP/2, which is
   * what this checks (with the cache, seeks read the spool). */
  rest = g_strdup_printf ("prompt=x resolution=480p cache=false "
      "ssl-ca-file=\"%s\" stall-timeout=5 ! appsink name=sink sync=false "
      "max-buffers=4", pki->ca);
  pipeline = test_pipeline_new (sim, rest);
  appsink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  src = test_pipeline_get_src (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  head = test_pull_bytes (appsink, 100000, 20 * GST_SECOND);
  fail_unless (g_bytes_get_size (head) >= 100000, "no data");
  fail_unless (memcmp (g_bytes_get_data (head, NULL),
          g_bytes_get_data (file, NULL), 100000) == 0);
  fail_unless (gst_element_query_duration (src, GST_FORMAT_BYTES, &duration));
  fail_unless_equals_int64 (duration, size);
  for (i = 0; i < G_N_ELEMENTS (offsets); i++)
    test_seek_and_check (pipeline, appsink, file, offsets[i], 20 * GST_SECOND);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  /* From nginx, over HTTP/2, with ranges. */
  log = test_server_wait_for_log (cdn->nginx, "HTTP/2.0", 5000);
  fail_unless (test_count_occurrences (log, " 206 HTTP/2.0 ") >= 1 +
      G_N_ELEMENTS (offsets) - 1, "too few ranged HTTP/2 answers: %s", log);
  fail_if (strstr (log, "HTTP/1.") != NULL, "not all over HTTP/2: %s", log);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_VIDEO), 0);

  g_bytes_unref (head);
  g_bytes_unref (file);
  gst_object_unref (appsink);
  gst_object_unref (pipeline);
  real_cdn_free (cdn);
  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

/* A CDN that rewrites on the fly: HTTP/2, no length, Range ignored. */
GST_START_TEST (test_http2_cdn_without_length)
{
  Pki *pki = pki_new ();
  SeedanceSim *sim = test_sim_new ();
  RealCdn *cdn = real_cdn_new (sim, pki, "/nolength");
  g_autofree gchar *path = NULL, *props = NULL, *log = NULL;
  GBytes *file = big_clip (&path);

  seedance_sim_set_video_file (sim, path);
  props = g_strdup_printf ("prompt=x resolution=480p ssl-ca-file=\"%s\"",
      pki->ca);
  play_and_check (sim, props, file);
  log = test_server_wait_for_log (cdn->nginx, "HTTP/2.0", 5000);
  fail_unless (strstr (log, " 200 HTTP/2.0 ") != NULL, "%s", log);

  g_bytes_unref (file);
  real_cdn_free (cdn);
  seedance_sim_free (sim);
  pki_free (pki);
}

GST_END_TEST;

/* --- IPv6 --- */

static gboolean
have_ipv6_loopback (void)
{
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0);
  gboolean ok = sock && g_socket_bind (sock, addr, FALSE, NULL);

  g_object_unref (addr);
  g_object_unref (lo);
  g_clear_object (&sock);
  return ok;
}

GST_START_TEST (test_ipv6_base_url)
{
  SeedanceSim *sim = seedance_sim_new ();
  GError *err = NULL;

  seedance_sim_set_schedule (sim, 100, 300);
  seedance_sim_set_ipv6 (sim, TRUE);
  fail_unless (seedance_sim_start (sim, 0, &err), "simulator: %s",
      err ? err->message : "?");
  fail_unless (g_str_has_prefix (seedance_sim_get_base_url (sim),
          "http://[::1]:"), "%s", seedance_sim_get_base_url (sim));
  run_and_compare (sim, "prompt=x resolution=480p", NULL, NULL, NULL);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  seedance_sim_free (sim);
}

GST_END_TEST;

static Suite *
networks_suite (void)
{
  Suite *s = suite_create ("networks");
  TCase *transport = tcase_create ("transport");
  TCase *tls = tcase_create ("tls");
  TCase *proxies = tcase_create ("proxies");
  TCase *hosts = tcase_create ("hosts");

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

  suite_add_tcase (s, tls);
  tcase_set_timeout (tls, 120);
  tcase_add_test (tls, test_https_with_ca_file);
  tcase_add_test (tls, test_https_ssl_strict_false_accepts_a_bad_certificate);
  tcase_add_test (tls, test_https_bad_certificate_is_a_clear_error);

  suite_add_tcase (s, proxies);
  tcase_set_timeout (proxies, 120);
  tcase_add_test (proxies, test_proxy_by_property);
  tcase_add_test (proxies, test_proxy_by_https_proxy_variable);
  tcase_add_test (proxies, test_proxy_refuses_the_tunnel);
  tcase_add_test (proxies, test_proxy_authentication_required);
  tcase_add_test (proxies, test_proxy_refuses_the_file_host);
  tcase_add_test (proxies, test_proxy_credentials_work_and_are_never_shown);

  suite_add_tcase (s, hosts);
  /* The first test renders the 20 MB clip. */
  tcase_set_timeout (hosts, 300);
  tcase_add_loop_test (hosts, test_moov_at_end_from_hosts_of_every_shape, 0,
      G_N_ELEMENTS (file_host_modes));
  tcase_add_test (hosts, test_http2_cdn_seek_matrix);
  tcase_add_test (hosts, test_http2_cdn_without_length);

  if (have_ipv6_loopback ()) {
    TCase *ipv6 = tcase_create ("ipv6");

    suite_add_tcase (s, ipv6);
    tcase_set_timeout (ipv6, 60);
    tcase_add_test (ipv6, test_ipv6_base_url);
  } else {
    g_print ("SKIP networks/test_ipv6_base_url: this machine has no IPv6 "
        "loopback (::1)\n");
  }
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
  const gchar *tmp;
  gint status;
  guint i;

  if (openssl == NULL)
    missing[2] = g_strdup ("openssl is not installed (Debian package "
        "openssl)");
  else if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    missing[2] = g_strdup ("GIO has no TLS backend for the simulator "
        "(Debian package glib-networking)");
  for (i = 0; i < G_N_ELEMENTS (missing); i++) {
    if (missing[i]) {
      g_print ("SKIP networks: %s\n", missing[i]);
      g_free (missing[i]);
      skip = TRUE;
    }
  }
  if (skip)
    return 77;

  /* Every temporary directory of the run (the servers', the PKI's, the
   * simulator's) goes under one, removed at the end: a failed test stops
   * before it cleans up.  Before anything asks GLib for TMPDIR. */
  tmp = g_getenv ("TMPDIR");
  shared_dir = g_build_filename (tmp && tmp[0] ? tmp : "/tmp",
      "seedance-networks-XXXXXX", NULL);
  if (mkdtemp (shared_dir) == NULL) {
    g_printerr ("cannot make %s\n", shared_dir);
    return 1;
  }
  g_setenv ("TMPDIR", shared_dir, TRUE);
  /* The tests choose the proxies; none from the caller's environment. */
  for (i = 0; i < G_N_ELEMENTS (proxy_vars); i++)
    g_unsetenv (proxy_vars[i]);
  gst_check_init (&argc, &argv);
  status = gst_check_run_suite (networks_suite (), "networks", __FILE__);
  remove_dir (shared_dir);
  g_free (shared_dir);
  return status;
}
