/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* The resumable download (download.h) against the simulator's file host,
 * with no GStreamer in the test: the file comes out identical whatever the
 * host does (drops, short bodies, Range ignored), a file that changes size
 * or a signed URL that expired is reported, failures without progress end
 * in RETRIES_EXHAUSTED, and a cancel ends any wait at once. */
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

  g_assert_true (g_file_set_contents (path, data, len, NULL));
}

/* The task's video URL, as a query answers it now. */
static gchar *
query_video_url (Fixture * f)
{
  GError *err = NULL;
  SeedanceTask *task = seedance_client_get_task (f->client, f->task_id, NULL,
      &err);
  gchar *url;

  g_assert_no_error (err);
  g_assert_nonnull (task->video_url);
  url = g_strdup (task->video_url);
  seedance_task_free (task);
  return url;
}

static void
fixture_set_up (Fixture * f, gconstpointer data)
{
  SeedanceHttpConfig http_config = { 0, };
  SeedanceClientConfig client_config = { 0, };
  GError *err = NULL;
  gint64 deadline;

  f->dir = g_dir_make_tmp ("seedance-download-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->video_path = g_build_filename (f->dir, "video.mp4", NULL);
  f->video = random_bytes (FILE_SIZE, 7);
  replace_file (f->video_path, f->video);

  f->sim = seedance_sim_new ();
  seedance_sim_set_api_key (f->sim, API_KEY);
  seedance_sim_set_schedule (f->sim, 10, 10);
  seedance_sim_set_video_file (f->sim, f->video_path);
  g_assert_true (seedance_sim_start (f->sim, 0, &err));
  g_assert_no_error (err);

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
  g_assert_no_error (err);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;) {
    gchar *status = seedance_sim_get_task_status (f->sim, f->task_id);
    gboolean done = g_strcmp0 (status, "succeeded") == 0;

    g_free (status);
    if (done)
      break;
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_usleep (10000);
  }
  f->url = query_video_url (f);
  /* What the test does from here on is all that is in the log. */
  seedance_sim_clear_log (f->sim);
  f->log = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture * f, gconstpointer data)
{
  g_ptr_array_unref (f->log);
  g_free (f->url);
  g_free (f->task_id);
  seedance_client_free (f->client);   /* and its transport, f->http */
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

  g_assert_cmpuint (got->len, ==, len - from);
  /* (Not g_assert_cmpmem: it would print megabytes.) */
  g_assert_true (memcmp (got->data, data + from, got->len) == 0);
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

static void
test_whole_file (Fixture * f, gconstpointer data)
{
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *ranges;
  gboolean eof = FALSE;

  g_assert_cmpint (seedance_download_get_size (d), ==, -1);
  g_assert_true (pump_all (d, got, &err));
  g_assert_no_error (err);
  assert_same (got, f->video, 0);
  g_assert_cmpint (seedance_download_get_size (d), ==, FILE_SIZE);
  g_assert_cmpuint (seedance_download_get_position (d), ==, FILE_SIZE);
  g_assert_cmpuint (seedance_download_get_host_status (d), ==, 0);
  /* One request, asking for the file from byte 0; nothing logged. */
  ranges = video_ranges (f);
  g_assert_cmpstr (ranges, ==, "bytes=0-");
  g_assert_cmpuint (f->log->len, ==, 0);
  /* Another pump at the end: the end again, no request. */
  g_assert_true (seedance_download_pump (d, collect, got, &eof, &err));
  g_assert_true (eof);
  g_assert_cmpuint (seedance_sim_count_requests (f->sim,
          SEEDANCE_SIM_VIDEO), ==, 1);

  g_free (ranges);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

static void
test_seek (Fixture * f, gconstpointer data)
{
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *ranges;

  seedance_download_seek (d, 1000000);
  g_assert_cmpuint (seedance_download_get_position (d), ==, 1000000);
  g_assert_true (pump_all (d, got, &err));
  g_assert_no_error (err);
  assert_same (got, f->video, 1000000);
  ranges = video_ranges (f);
  g_assert_cmpstr (ranges, ==, "bytes=1000000-");

  g_free (ranges);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

/* --- resumption --- */

static void
test_resumes_after_a_drop (Fixture * f, gconstpointer data)
{
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *ranges;

  add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 1, 0, 300000);
  g_assert_true (pump_all (d, got, &err));
  g_assert_no_error (err);
  assert_same (got, f->video, 0);
  /* The second request asks for what the first did not bring. */
  ranges = video_ranges (f);
  g_assert_cmpstr (ranges, ==, "bytes=0- bytes=300000-");
  g_assert_cmpuint (f->log->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (f->log, 0), "at byte 300000"));

  g_free (ranges);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

static void
test_resumes_after_a_short_body (Fixture * f, gconstpointer data)
{
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *ranges;

  /* A clean end of the message, short of the length announced. */
  add_fault (f, SEEDANCE_SIM_FAULT_SHORT_BODY, 1, 0, 123456);
  g_assert_true (pump_all (d, got, &err));
  g_assert_no_error (err);
  assert_same (got, f->video, 0);
  ranges = video_ranges (f);
  g_assert_cmpstr (ranges, ==, "bytes=0- bytes=123456-");

  g_free (ranges);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

static void
test_resumes_when_range_is_ignored (Fixture * f, gconstpointer data)
{
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
    g_assert_true (pump_all (d, got, &err));
    g_assert_no_error (err);
    assert_same (got, f->video, 0);
    g_assert_cmpuint (seedance_sim_count_requests (f->sim,
            SEEDANCE_SIM_VIDEO), ==, 2);

    /* A seek on such a host too. */
    g_byte_array_set_size (got, 0);
    seedance_download_seek (d, 777777);
    g_assert_true (pump_all (d, got, &err));
    g_assert_no_error (err);
    assert_same (got, f->video, 777777);

    g_byte_array_unref (got);
    seedance_download_free (d);
  }
}

static void
test_drops_that_progress_complete_the_file (Fixture * f, gconstpointer data)
{
  /* Every answer breaks after 400 kB; each brings more, so one retry is
   * enough every time. */
  SeedanceDownload *d = download_new (f, 1);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;

  add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 0, 0, 400000);
  g_assert_true (pump_all (d, got, &err));
  g_assert_no_error (err);
  assert_same (got, f->video, 0);
  g_assert_cmpuint (seedance_sim_count_requests (f->sim,
          SEEDANCE_SIM_VIDEO), ==, (FILE_SIZE + 399999) / 400000);

  g_byte_array_unref (got);
  seedance_download_free (d);
}

/* --- what is reported --- */

static void
test_size_changed (Fixture * f, gconstpointer data)
{
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;

  /* The first answer breaks; by the second, the file is another. */
  f->replacement = random_bytes (FILE_SIZE + 1000, 8);
  add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 1, 0, 250000);
  g_assert_false (pump_all (d, got, &err));
  g_assert_error (err, SEEDANCE_DOWNLOAD_ERROR,
      SEEDANCE_DOWNLOAD_ERROR_SIZE_CHANGED);
  {
    gchar *old_size = g_strdup_printf ("%d", FILE_SIZE);

    g_assert_nonnull (strstr (err->message, old_size));
    g_free (old_size);
  }
  g_assert_null (f->replacement);
  g_assert_cmpuint (seedance_sim_count_requests (f->sim,
          SEEDANCE_SIM_VIDEO), ==, 2);
  /* Nothing of the other file was given. */
  g_assert_cmpuint (got->len, ==, 250000);

  g_clear_error (&err);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

static void
test_expired_url_is_reported_and_replaced (Fixture * f, gconstpointer data)
{
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;
  gchar *fresh, *ranges;

  /* Half way, the signed URL expires. */
  add_fault (f, SEEDANCE_SIM_FAULT_DROP_AFTER, 1, 0, 600000);
  add_fault (f, SEEDANCE_SIM_FAULT_EXPIRED_URL, 1, 0, 0);
  g_assert_false (pump_all (d, got, &err));
  g_assert_error (err, SEEDANCE_DOWNLOAD_ERROR,
      SEEDANCE_DOWNLOAD_ERROR_EXPIRED);
  g_assert_nonnull (strstr (err->message, "403"));
  g_assert_cmpuint (seedance_download_get_host_status (d), ==, 403);
  g_assert_cmpuint (seedance_download_get_position (d), ==, 600000);
  g_clear_error (&err);
  /* The download itself never asked the API. */
  g_assert_cmpuint (seedance_sim_count_requests (f->sim,
          SEEDANCE_SIM_QUERY), ==, 0);

  /* The caller asks the task for a fresh URL and goes on from there. */
  fresh = query_video_url (f);
  g_assert_cmpstr (fresh, !=, f->url);
  seedance_download_set_url (d, fresh);
  g_assert_true (pump_all (d, got, &err));
  g_assert_no_error (err);
  assert_same (got, f->video, 0);
  g_assert_cmpuint (seedance_download_get_host_status (d), ==, 0);
  ranges = video_ranges (f);
  g_assert_cmpstr (ranges, ==, "bytes=0- bytes=600000- bytes=600000-");

  g_free (ranges);
  g_free (fresh);
  g_byte_array_unref (got);
  seedance_download_free (d);
}

static void
test_host_status (Fixture * f, gconstpointer data)
{
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
    g_assert_false (pump_all (d, got, &err));
    g_assert_error (err, SEEDANCE_DOWNLOAD_ERROR, (gint) cases[i].code);
    g_assert_cmpuint (seedance_download_get_host_status (d), ==,
        cases[i].status);
    /* Not retried: retrying cannot mend it. */
    g_assert_cmpuint (seedance_sim_count_requests (f->sim,
            SEEDANCE_SIM_VIDEO), ==, 1);
    g_assert_cmpuint (got->len, ==, 0);
    g_clear_error (&err);
    g_byte_array_unref (got);
    seedance_download_free (d);
  }
}

static void
test_5xx_and_429_are_retried (Fixture * f, gconstpointer data)
{
  SeedanceDownload *d = download_new (f, 3);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;

  add_fault (f, SEEDANCE_SIM_FAULT_STATUS, 1, 503, 0);
  add_fault (f, SEEDANCE_SIM_FAULT_STATUS, 1, 429, 0);
  add_fault (f, SEEDANCE_SIM_FAULT_HTML, 1, 0, 0);
  g_assert_true (pump_all (d, got, &err));
  g_assert_no_error (err);
  assert_same (got, f->video, 0);
  g_assert_cmpuint (seedance_sim_count_requests (f->sim,
          SEEDANCE_SIM_VIDEO), ==, 4);
  g_assert_cmpuint (f->log->len, ==, 3);

  g_byte_array_unref (got);
  seedance_download_free (d);
}

static void
test_retries_exhausted (Fixture * f, gconstpointer data)
{
  SeedanceDownload *d = download_new (f, 2);
  GByteArray *got = g_byte_array_new ();
  GError *err = NULL;

  add_fault (f, SEEDANCE_SIM_FAULT_STATUS, 0, 503, 0);
  g_assert_false (pump_all (d, got, &err));
  g_assert_error (err, SEEDANCE_DOWNLOAD_ERROR,
      SEEDANCE_DOWNLOAD_ERROR_RETRIES_EXHAUSTED);
  /* The message says the last failure. */
  g_assert_nonnull (strstr (err->message, "503"));
  /* The first try and two more. */
  g_assert_cmpuint (seedance_sim_count_requests (f->sim,
          SEEDANCE_SIM_VIDEO), ==, 3);
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
  g_assert_false (pump_all (d, got, &err));
  g_assert_error (err, SEEDANCE_DOWNLOAD_ERROR,
      SEEDANCE_DOWNLOAD_ERROR_RETRIES_EXHAUSTED);
  g_assert_cmpuint (seedance_sim_count_requests (f->sim,
          SEEDANCE_SIM_VIDEO), ==, 3);
  g_clear_error (&err);

  g_byte_array_unref (got);
  seedance_download_free (d);
}

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

  g_assert_false (pump_all (d, got, &err));
  ms = (g_get_monotonic_time () - c.cancelled_at) / 1000;
  g_thread_join (thread);
  g_assert_error (err, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (c.cancelled_at, >, 0);
  if (ms > 1000)
    g_error ("the pump ended %" G_GINT64_FORMAT " ms after the cancel", ms);
  g_clear_error (&err);
  g_byte_array_unref (got);
}

static void
test_cancel_while_stalled (Fixture * f, gconstpointer data)
{
  /* Some bytes, then silence (the stall timeout is 30 s). */
  SeedanceDownload *d = download_new (f, 2);

  add_fault (f, SEEDANCE_SIM_FAULT_STALL_AFTER, 0, 0, 100000);
  assert_cancel_ends_pump (f, d);
  seedance_download_free (d);
}

static void
test_cancel_during_backoff (Fixture * f, gconstpointer data)
{
  /* A first backoff of a minute. */
  SeedanceDownload *d = seedance_download_new (f->http, f->url, 5, 60000,
      log_message, f);

  add_fault (f, SEEDANCE_SIM_FAULT_STATUS, 0, 503, 0);
  assert_cancel_ends_pump (f, d);
  g_assert_cmpuint (seedance_sim_count_requests (f->sim,
          SEEDANCE_SIM_VIDEO), ==, 1);
  seedance_download_free (d);
}

static void
test_cancel_while_waiting_for_headers (Fixture * f, gconstpointer data)
{
  SeedanceDownload *d = download_new (f, 2);

  add_fault (f, SEEDANCE_SIM_FAULT_STALL, 0, 0, 0);
  assert_cancel_ends_pump (f, d);
  seedance_download_free (d);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/download/whole-file", test_whole_file);
  ADD ("/download/seek", test_seek);
  ADD ("/download/resumes-after-a-drop", test_resumes_after_a_drop);
  ADD ("/download/resumes-after-a-short-body", test_resumes_after_a_short_body);
  ADD ("/download/resumes-when-range-is-ignored",
      test_resumes_when_range_is_ignored);
  ADD ("/download/drops-that-progress-complete-the-file",
      test_drops_that_progress_complete_the_file);
  ADD ("/download/size-changed", test_size_changed);
  ADD ("/download/expired-url-is-reported-and-replaced",
      test_expired_url_is_reported_and_replaced);
  ADD ("/download/host-status", test_host_status);
  ADD ("/download/5xx-and-429-are-retried", test_5xx_and_429_are_retried);
  ADD ("/download/retries-exhausted", test_retries_exhausted);
  ADD ("/download/cancel-while-stalled", test_cancel_while_stalled);
  ADD ("/download/cancel-during-backoff", test_cancel_during_backoff);
  ADD ("/download/cancel-while-waiting-for-headers",
      test_cancel_while_waiting_for_headers);
#undef ADD

  return g_test_run ();
}
