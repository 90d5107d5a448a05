/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* The resumable download (download.h) against the simulator's file host,
 * with no GStreamer in the test: the file comes out identical whatever the
 * host does (drops, short bodies, Range ignored), a file that changes size
 * or a signed URL that expired is reported, failures without progress end
 * in RETRIES_EXHAUSTED, and a cancel ends any wait at once. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <string.h>

#include "client.h"
#include "download.h"
#include "seedance-sim.h"

#define API_KEY "sim-key"
#define FILE_SIZE (2 * 1024 * 1024 + 321)
#define CREATE_BODY "{\"model\": \"doubao-seedance-2.0\", \"content\": " \
    "[{\"type\": \"text\", \"text\": \"download\"}], \"duration\": 5, " \
    "\"resolution\": \"480p\", \"ratio\": \"16:9\"}"

typedef struct
{
  gchar *dir;
  gchar *video_path;            /* what the simulator serves */
  GBytes *video;
  SeedanceSim *sim;
  GCancellable *cancellable;
  SeedanceHttp *http;
  SeedanceClient *client;
  gchar *task_id;
  gchar *url;                   /* the task's signed video URL */
  GPtrArray *log;               /* what the download logged */
  /* test_size_changed: replace the file at the first failure */
  GBytes *replacement;
} Fixture;

/* The running test's (each test runs in a process of its own). */
static Fixture fixture;

static GBytes *
random_bytes (gsize len, guint32 seed)
{
  guint8 *data = g_malloc (len);
  GRand *rand = g_rand_new_with_seed (seed);
  gsize i;

  for (i = 0; i < len; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  return g_bytes_new_take (data, len);
}

/* Writes `bytes` over `path` by rename, as a new file: a mapping the
 * simulator holds of the old one stays valid. */
static void
replace_file (const gchar * path, GBytes * bytes)
{
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);

  ck_assert (g_file_set_contents (path, data, len, NULL));
}

/* The task's video URL, as a query answers it now. */
static gchar *
query_video_url (Fixture * f)
{
  GError *err = NULL;
  SeedanceTask *task = seedance_client_get_task (f->client, f->task_id, NULL,
      &err);
  gchar *url;

  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert_ptr_nonnull (task->video_url);
  url = g_strdup (task->video_url);
  seedance_task_free (task);
  return url;
}

static void
fixture_set_up (void)
{
  Fixture *f = &fixture;
  SeedanceHttpConfig http_config = { 0, };
  SeedanceClientConfig client_config = { 0, };
  GError *err = NULL;
  gint64 deadline;

  memset (f, 0, sizeof (*f));
  f->dir = g_dir_make_tmp ("seedance-download-XXXXXX", NULL);
  ck_assert_ptr_nonnull (f->dir);
  f->video_path = g_build_filename (f->dir, "video.mp4", NULL);
  f->video = random_bytes (FILE_SIZE, 7);
  replace_file (f->video_path, f->video);

  f->sim = seedance_sim_new ();
  seedance_sim_set_api_key (f->sim, API_KEY);
  seedance_sim_set_schedule (f->sim, 10, 10);
  seedance_sim_set_video_file (f->sim, f->video_path);
  ck_assert (seedance_sim_start (f->sim, 0, &err));
  ck_assert_msg (err == NULL, "%s", err->message);

  f->cancellable = g_cancellable_new ();
  http_config.connect_timeout_s = 5;
  http_config.stall_timeout_s = 30;
  http_config.proxy = "";       /* loopback: never through a proxy */
  http_config.ssl_strict = TRUE;
  client_config.base_url = seedance_sim_get_base_url (f->sim);
  client_config.api_key = API_KEY;
  client_config.retries = 3;
  client_config.backoff_ms = 50;
  f->client = seedance_client_new (&client_config, &http_config,
      f->cancellable);
  f->http = seedance_client_get_http (f->client);

  f->task_id = seedance_sim_create_task (f->sim, CREATE_BODY, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;) {
    gchar *status = seedance_sim_get_task_status (f->sim, f->task_id);
    gboolean done = g_strcmp0 (status, "succeeded") == 0;

    g_free (status);
    if (done)
      break;
    ck_assert_int_lt (g_get_monotonic_time (), deadline);
    g_usleep (10000);
  }
  f->url = query_video_url (f);
  /* What the test does from here on is all that is in the log. */
  seedance_sim_clear_log (f->sim);
  f->log = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (void)
{
  Fixture *f = &fixture;

  g_ptr_array_unref (f->log);
  g_free (f->url);
  g_free (f->task_id);
  seedance_client_free (f->client);     /* and its transport, f->http */
  g_object_unref (f->cancellable);
  seedance_sim_free (f->sim);
  g_clear_pointer (&f->replacement, g_bytes_unref);
  g_bytes_unref (f->video);
  g_unlink (f->video_path);
  g_rmdir (f->dir);
  g_free (f->video_path);
  g_free (f->dir);
}

static void
log_message (const gchar * message, gpointer user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->log, g_strdup (message));
  /* The first failure: the file changes before the download resumes. */
  if (f->replacement && strstr (message, "resuming")) {
    replace_file (f->video_path, f->replacement);
    g_clear_pointer (&f->replacement, g_bytes_unref);
  }
}

static SeedanceDownload *
download_new (Fixture * f, guint retries)
{
  return seedance_download_new (f->http, f->url, retries, 10, log_message, f);
}

static gboolean
collect (const guint8 * data, gsize len, gpointer user_data)
{
  g_byte_array_append (user_data, data, len);
  return FALSE;
}

/* Pumps to the end or the first error; what came is appended to `out`. */
static gboolean
pump_all (SeedanceDownload * d, GByteArray * out, GError ** error)
{
  gboolean eof = FALSE;

  while (!eof)
    if (!seedance_download_pump (d, collect, out, &eof, error))
      return FALSE;
  return TRUE;
}

static void
assert_same (GByteArray * got, GBytes * want, gsize from)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (want, &len);

  ck_assert_uint_eq (got->len, len - from);
  /* (Not g_assert_cmpmem: it would print megabytes.) */
  ck_assert (memcmp (got->data, data + from, got->len) == 0);
}

/* The Range headers of the video requests, in order, "-" for none. */
static gchar *
video_ranges (Fixture * f)
{
  GPtrArray *reqs = seedance_sim_get_requests (f->sim);
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint != SEEDANCE_SIM_VIDEO)
      continue;
    if (s->len)
      g_string_append_c (s, ' ');
    g_string_append (s, r->range ? r->range : "-");
  }
  g_ptr_array_unref (reqs);
  return g_string_free (s, FALSE);
}

static void
add_fault (Fixture * f, SeedanceSimFaultKind kind, guint times,
    guint status, guint64 bytes)
{
  SeedanceSimFaultParams fp = { 0, };

  fp.status = status;
  fp.bytes = bytes;
  fp.code = "InternalServiceError";
  fp.message = "injected";
  seedance_sim_add_fault (f->sim, SEEDANCE_SIM_VIDEO, kind, times, &fp);
}

/* --- the file, whole --- */

START_TEST (test_whole_file)
{
  Fixture *f = &fixture;
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *ranges;
  gboolean eof = FALSE;

  ck_assert_int_eq (seedance_download_get_size (d), -1);
  ck_assert (pump_all (d, got, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  assert_same (got, f->video, 0);
  ck_assert_int_eq (seedance_download_get_size (d), FILE_SIZE);
  ck_assert_uint_eq (seedance_download_get_position (d), FILE_SIZE);
  ck_assert_uint_eq (seedance_download_get_host_status (d), 0);
  /* One request, asking for the file from byte 0; nothing logged. */
  ranges = video_ranges (f);
  ck_assert_pstr_eq (ranges, "bytes=0-");
  ck_assert_uint_eq (f->log->len, 0);
  /* Another pump at the end: the end again, no request. */
  ck_assert (seedance_download_pump (d, collect, got, &eof, &err));
  ck_assert (eof);
  ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_VIDEO),
      1);

  g_free (ranges);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

END_TEST
START_TEST (test_seek)
{
  Fixture *f = &fixture;
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *ranges;

  seedance_download_seek (d, 1000000);
  ck_assert_uint_eq (seedance_download_get_position (d), 1000000);
  ck_assert (pump_all (d, got, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  assert_same (got, f->video, 1000000);
  ranges = video_ranges (f);
  ck_assert_pstr_eq (ranges, "bytes=1000000-");

  g_free (ranges);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

END_TEST
/* --- resumption --- */
START_TEST (test_resumes_after_a_drop)
{
  Fixture *f = &fixture;
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *ranges;

  add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 1, 0, 300000);
  ck_assert (pump_all (d, got, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  assert_same (got, f->video, 0);
  /* The second request asks for what the first did not bring. */
  ranges = video_ranges (f);
  ck_assert_pstr_eq (ranges, "bytes=0- bytes=300000-");
  ck_assert_uint_eq (f->log->len, 1);
  ck_assert_ptr_nonnull (strstr (g_ptr_array_index (f->log, 0),
          "at byte 300000"));

  g_free (ranges);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

END_TEST
START_TEST (test_resumes_after_a_short_body)
{
  Fixture *f = &fixture;
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *ranges;

  /* A clean end of the message, short of the length announced. */
  add_fault (f, SEEDANCE_SIM_FAULT_SHORT_BODY, 1, 0, 123456);
  ck_assert (pump_all (d, got, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  assert_same (got, f->video, 0);
  ranges = video_ranges (f);
  ck_assert_pstr_eq (ranges, "bytes=0- bytes=123456-");

  g_free (ranges);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

END_TEST
START_TEST (test_resumes_when_range_is_ignored)
{
  Fixture *f = &fixture;
  const SeedanceSimFaultKind kinds[] = { SEEDANCE_SIM_FAULT_IGNORE_RANGE,
    SEEDANCE_SIM_FAULT_NO_RANGES
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++) {
    SeedanceDownload *d = download_new (f, 2);
    GByteArray *got = g_byte_array_new ();
    GError *err = NULL;

    /* A drop, then a host that answers 200 with the whole file from byte
     * 0: the bytes already had are skipped, not given twice. */
    seedance_sim_clear_faults (f->sim);
    seedance_sim_clear_log (f->sim);
    add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 1, 0, 500000);
    add_fault (f, kinds[i], 0, 0, 0);
    ck_assert (pump_all (d, got, &err));
    ck_assert_msg (err == NULL, "%s", err->message);
    assert_same (got, f->video, 0);
    ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_VIDEO),
        2);

    /* A seek on such a host too. */
    g_byte_array_set_size (got, 0);
    seedance_download_seek (d, 777777);
    ck_assert (pump_all (d, got, &err));
    ck_assert_msg (err == NULL, "%s", err->message);
    assert_same (got, f->video, 777777);

    g_byte_array_unref (got);
    seedance_download_free (d);
  }
}

END_TEST
START_TEST (test_drops_that_progress_complete_the_file)
{
  Fixture *f = &fixture;
  /* Every answer breaks after 400 kB; each brings more, so one retry is
   * enough every time. */
  SeedanceDownload *d = download_new (f, 1);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;

  add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 0, 0, 400000);
  ck_assert (pump_all (d, got, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  assert_same (got, f->video, 0);
  ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_VIDEO),
      (FILE_SIZE + 399999) / 400000);

  g_byte_array_unref (got);
  seedance_download_free (d);
}

END_TEST
/* --- what is reported --- */
START_TEST (test_size_changed)
{
  Fixture *f = &fixture;
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;

  /* The first answer breaks; by the second, the file is another. */
  f->replacement = random_bytes (FILE_SIZE + 1000, 8);
  add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 1, 0, 250000);
  ck_assert (!pump_all (d, got, &err));
  ck_assert_msg (g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_SIZE_CHANGED), "%s",
      err ? err->message : "no error");
  {
    gchar *old_size = g_strdup_printf ("%d", FILE_SIZE);

    ck_assert_ptr_nonnull (strstr (err->message, old_size));
    g_free (old_size);
  }
  ck_assert_ptr_null (f->replacement);
  ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_VIDEO),
      2);
  /* Nothing of the other file was given. */
  ck_assert_uint_eq (got->len, 250000);

  g_clear_error (&err);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

END_TEST
START_TEST (test_expired_url_is_reported_and_replaced)
{
  Fixture *f = &fixture;
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *fresh, *ranges;

  /* Half way, the signed URL expires. */
  add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 1, 0, 600000);
  add_fault (f, SEEDANCE_SIM_FAULT_EXPIRED_URL, 1, 0, 0);
  ck_assert (!pump_all (d, got, &err));
  ck_assert_msg (g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_EXPIRED), "%s",
      err ? err->message : "no error");
  ck_assert_ptr_nonnull (strstr (err->message, "403"));
  ck_assert_uint_eq (seedance_download_get_host_status (d), 403);
  ck_assert_uint_eq (seedance_download_get_position (d), 600000);
  g_clear_error (&err);
  /* The download itself never asked the API. */
  ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_QUERY),
      0);

  /* The caller asks the task for a fresh URL and goes on from there. */
  fresh = query_video_url (f);
  ck_assert_pstr_ne (fresh, f->url);
  seedance_download_set_url (d, fresh);
  ck_assert (pump_all (d, got, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  assert_same (got, f->video, 0);
  ck_assert_uint_eq (seedance_download_get_host_status (d), 0);
  ranges = video_ranges (f);
  ck_assert_pstr_eq (ranges, "bytes=0- bytes=600000- bytes=600000-");

  g_free (ranges);
  g_free (fresh);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

END_TEST
START_TEST (test_host_status)
{
  Fixture *f = &fixture;
  const struct
  {
    guint status;
    SeedanceDownloadError code;
  } cases[] = {
    {404, SEEDANCE_DOWNLOAD_ERROR_EXPIRED},
    {410, SEEDANCE_DOWNLOAD_ERROR_EXPIRED},
    {400, SEEDANCE_DOWNLOAD_ERROR_HOST_STATUS},
    {405, SEEDANCE_DOWNLOAD_ERROR_HOST_STATUS},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    SeedanceDownload *d = download_new (f, 3);
    GByteArray *got = g_byte_array_new ();
    GError *err = NULL;

    seedance_sim_clear_log (f->sim);
    add_fault (f, SEEDANCE_SIM_FAULT_STATUS, 1, cases[i].status, 0);
    ck_assert (!pump_all (d, got, &err));
    ck_assert_msg (g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
            (gint) cases[i].code), "%s", err ? err->message : "no error");
    ck_assert_uint_eq (seedance_download_get_host_status (d), cases[i].status);
    /* Not retried: retrying cannot mend it. */
    ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_VIDEO),
        1);
    ck_assert_uint_eq (got->len, 0);
    g_clear_error (&err);
    g_byte_array_unref (got);
    seedance_download_free (d);
  }
}

END_TEST
START_TEST (test_5xx_and_429_are_retried)
{
  Fixture *f = &fixture;
  SeedanceDownload *d = download_new (f, 3);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;

  add_fault (f, SEEDANCE_SIM_FAULT_STATUS, 1, 503, 0);
  add_fault (f, SEEDANCE_SIM_FAULT_STATUS, 1, 429, 0);
  add_fault (f, SEEDANCE_SIM_FAULT_HTML, 1, 0, 0);
  ck_assert (pump_all (d, got, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  assert_same (got, f->video, 0);
  ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_VIDEO),
      4);
  ck_assert_uint_eq (f->log->len, 3);

  g_byte_array_unref (got);
  seedance_download_free (d);
}

END_TEST
START_TEST (test_retries_exhausted)
{
  Fixture *f = &fixture;
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;

  add_fault (f, SEEDANCE_SIM_FAULT_STATUS, 0, 503, 0);
  ck_assert (!pump_all (d, got, &err));
  ck_assert_msg (g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_RETRIES_EXHAUSTED), "%s",
      err ? err->message : "no error");
  /* The message says the last failure. */
  ck_assert_ptr_nonnull (strstr (err->message, "503"));
  /* The first try and two more. */
  ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_VIDEO),
      3);
  g_clear_error (&err);

  /* Failures after progress count again from zero, but the same drop at
   * the same byte does not progress. */
  seedance_sim_clear_faults (f->sim);
  seedance_sim_clear_log (f->sim);
  seedance_download_free (d);
  d = download_new (f, 2);
  g_byte_array_set_size (got, 0);
  seedance_download_seek (d, FILE_SIZE - 1000);
  add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 0, 0, 0);
  ck_assert (!pump_all (d, got, &err));
  ck_assert_msg (g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_RETRIES_EXHAUSTED), "%s",
      err ? err->message : "no error");
  ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_VIDEO),
      3);
  g_clear_error (&err);

  g_byte_array_unref (got);
  seedance_download_free (d);
}

END_TEST
/* --- cancellation --- */
    typedef struct
{
  Fixture *f;
  gint64 cancelled_at;
} Canceller;

/* Once the simulator has seen a video request and the download has had
 * time to settle into its wait, cancels. */
static gpointer
cancel_when_waiting (gpointer data)
{
  Canceller *c = data;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (seedance_sim_count_requests (c->f->sim, SEEDANCE_SIM_VIDEO) == 0 &&
      g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_usleep (200000);
  c->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (c->f->cancellable);
  return NULL;
}

/* Pumps with a canceller running; asserts that the pump ended in
 * G_IO_ERROR_CANCELLED within 1 s of the cancel. */
static void
assert_cancel_ends_pump (Fixture * f, SeedanceDownload * d)
{
  Canceller c = { f, 0 };
  GThread *thread = g_thread_new ("cancel", cancel_when_waiting, &c);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gint64 ms;

  ck_assert (!pump_all (d, got, &err));
  ms = (g_get_monotonic_time () - c.cancelled_at) / 1000;
  g_thread_join (thread);
  ck_assert_msg (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED), "%s",
      err ? err->message : "no error");
  ck_assert_int_gt (c.cancelled_at, 0);
  if (ms > 1000)
    g_error ("the pump ended %" G_GINT64_FORMAT " ms after the cancel", ms);
  g_clear_error (&err);
  g_byte_array_unref (got);
}

START_TEST (test_cancel_while_stalled)
{
  Fixture *f = &fixture;
  /* Some bytes, then silence (the stall timeout is 30 s). */
  SeedanceDownload *d = download_new (f, 2);

  add_fault (f, SEEDANCE_SIM_FAULT_STALL_AFTER, 0, 0, 100000);
  assert_cancel_ends_pump (f, d);
  seedance_download_free (d);
}

END_TEST
START_TEST (test_cancel_during_backoff)
{
  Fixture *f = &fixture;
  /* A first backoff of a minute. */
  SeedanceDownload *d = seedance_download_new (f->http, f->url, 5, 60000,
      log_message, f);

  add_fault (f, SEEDANCE_SIM_FAULT_STATUS, 0, 503, 0);
  assert_cancel_ends_pump (f, d);
  ck_assert_uint_eq (seedance_sim_count_requests (f->sim, SEEDANCE_SIM_VIDEO),
      1);
  seedance_download_free (d);
}

END_TEST
START_TEST (test_cancel_while_waiting_for_headers)
{
  Fixture *f = &fixture;
  SeedanceDownload *d = download_new (f, 2);

  add_fault (f, SEEDANCE_SIM_FAULT_STALL, 0, 0, 0);
  assert_cancel_ends_pump (f, d);
  seedance_download_free (d);
}

END_TEST static Suite *
download_suite (void)
{
  Suite *s = suite_create ("download");
  TCase *tc = tcase_create ("download");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, fixture_set_up, fixture_tear_down);
  tcase_add_test (tc, test_whole_file);
  tcase_add_test (tc, test_seek);
  tcase_add_test (tc, test_resumes_after_a_drop);
  tcase_add_test (tc, test_resumes_after_a_short_body);
  tcase_add_test (tc, test_resumes_when_range_is_ignored);
  tcase_add_test (tc, test_drops_that_progress_complete_the_file);
  tcase_add_test (tc, test_size_changed);
  tcase_add_test (tc, test_expired_url_is_reported_and_replaced);
  tcase_add_test (tc, test_host_status);
  tcase_add_test (tc, test_5xx_and_429_are_retried);
  tcase_add_test (tc, test_retries_exhausted);
  tcase_add_test (tc, test_cancel_while_stalled);
  tcase_add_test (tc, test_cancel_during_backoff);
  tcase_add_test (tc, test_cancel_while_waiting_for_headers);
  return s;
}

int
main (int argc, char **argv)
{
  SRunner *sr;
  int failed;

  /* As GTest and GStreamer's check framework did: a GLib warning or
   * critical fails the test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING |
      G_LOG_LEVEL_CRITICAL);
  sr = srunner_create (download_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
