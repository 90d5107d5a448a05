/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* Every fault a remote API and a CDN can throw: survived, or a clear
 * error; no task paid for twice, no partial file passed off as whole, the
 * key kept where it belongs. */
#include "common/harness.h"

#include <gst/app/gstappsink.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>
#include <string.h>

static void
add_fault (SeedanceSim * sim, SeedanceSimEndpoint ep, SeedanceSimFaultKind k,
    guint times, guint status, guint retry_after, guint64 bytes)
{
  SeedanceSimFaultParams fp = { 0, };

  fp.status = status;
  fp.retry_after_s = retry_after;
  fp.bytes = bytes;
  fp.code = status == 429 ? "RateLimitExceeded.EndpointRPM" :
      "InternalServiceError";
  fp.message = "injected";
  seedance_sim_add_fault (sim, ep, k, times, &fp);
}

/* Runs "PROPS ! filesink" and checks that the file written is the
 * simulator's video, byte for byte. */
static void
run_and_compare (SeedanceSim * sim, const gchar * props)
{
  gchar *dir = g_dir_make_tmp ("seedance-faults-XXXXXX", NULL);
  gchar *out = g_build_filename (dir, "out.mp4", NULL);
  gchar *rest = g_strdup_printf ("%s ! filesink location=\"%s\"", props, out);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstMessage *msg = test_pipeline_run (pipeline, 120, NULL);
  gchar *task_id = NULL, *data = NULL;
  GBytes *video;
  gsize len = 0;

  test_assert_eos (msg);
  g_object_get (test_pipeline_get_src (pipeline), "task-id", &task_id, NULL);
  video = seedance_sim_get_task_video (sim, task_id);
  fail_unless (g_file_get_contents (out, &data, &len, NULL));
  fail_unless_equals_int (len, g_bytes_get_size (video));
  fail_unless (memcmp (data, g_bytes_get_data (video, NULL), len) == 0,
      "the output differs from the server's file");

  g_unlink (out);
  g_rmdir (dir);
  g_free (data);
  g_bytes_unref (video);
  g_free (task_id);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (rest);
  g_free (out);
  g_free (dir);
}

static GstMessage *
run_expecting_error (SeedanceSim * sim, const gchar * props)
{
  gchar *rest = g_strdup_printf ("%s ! fakesink", props);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstMessage *msg = test_pipeline_run (pipeline, 120, NULL);

  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
      "expected an error");
  gst_object_unref (pipeline);
  g_free (rest);
  return msg;
}

/* --- retries --- */

GST_START_TEST (test_query_429_honours_retry_after)
{
  SeedanceSim *sim = test_sim_new ();
  GPtrArray *reqs;
  gint64 t429 = 0, tnext = 0;
  guint i;

  add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_STATUS, 1, 429, 1, 0);
  run_and_compare (sim, "prompt=x resolution=480p");
  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint != SEEDANCE_SIM_QUERY)
      continue;
    if (r->status == 429)
      t429 = r->time_us;
    else if (t429 && !tnext)
      tnext = r->time_us;
  }
  fail_unless (t429 && tnext);
  fail_unless (tnext - t429 >= 950000, "retried after %" G_GINT64_FORMAT
      " us, before the Retry-After of 1 s", tnext - t429);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  g_ptr_array_unref (reqs);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_query_5xx_burst_is_survived)
{
  SeedanceSim *sim = test_sim_new ();

  add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_STATUS, 3, 503, 0, 0);
  run_and_compare (sim, "prompt=x resolution=480p");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_query_gives_up_after_retries)
{
  SeedanceSim *sim = test_sim_new ();
  GstMessage *msg;

  add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_STATUS, 0, 500, 0, 0);
  msg = run_expecting_error (sim, "prompt=x retries=2");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "failed 3 times in a row");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "HTTP 500");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_QUERY), 3);
  gst_message_unref (msg);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_create_5xx_is_not_repeated)
{
  SeedanceSim *sim = test_sim_new ();
  GstMessage *msg;

  add_fault (sim, SEEDANCE_SIM_CREATE, SEEDANCE_SIM_FAULT_STATUS, 1, 502, 0, 0);
  msg = run_expecting_error (sim, "prompt=x");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      "may or may not exist");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  gst_message_unref (msg);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_create_without_answer_is_not_repeated)
{
  SeedanceSim *sim = test_sim_new ();
  GstMessage *msg;

  /* The request reached the server, which never answers. */
  add_fault (sim, SEEDANCE_SIM_CREATE, SEEDANCE_SIM_FAULT_STALL, 1, 0, 0, 0);
  msg = run_expecting_error (sim, "prompt=x stall-timeout=1");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      "may or may not exist");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  gst_message_unref (msg);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_create_429_is_repeated)
{
  SeedanceSim *sim = test_sim_new ();

  add_fault (sim, SEEDANCE_SIM_CREATE, SEEDANCE_SIM_FAULT_STATUS, 1, 429, 0, 0);
  run_and_compare (sim, "prompt=x resolution=480p");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 2);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_create_connection_refused_is_repeated)
{
  /* Nothing listens on that port at first: the request cannot have
   * reached a server, so it is tried again (and fails again here). */
  guint port;
  /* Bound but not listening: connections are refused. */
  GSocket *sock = test_loopback_socket (FALSE, &port);
  GstElement *pipeline;
  GstMessage *msg;
  gchar *desc;

  desc = g_strdup_printf ("seedancesrc base-url=http://127.0.0.1:%u/api/v3 "
      "api-key=" TEST_API_KEY " prompt=x retries=2 ! fakesink", port);
  pipeline = gst_parse_launch (desc, NULL);
  msg = test_pipeline_run (pipeline, 30, NULL);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "failed 3 times in a row");

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (desc);
  g_object_unref (sock);
}

GST_END_TEST;

/* --- download integrity --- */

GST_START_TEST (test_dropped_download_resumes_identically)
{
  SeedanceSim *sim = test_sim_new ();
  GPtrArray *reqs;
  guint i, ranged = 0;

  add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_DROP_AFTER, 2, 0, 0,
      50000);
  run_and_compare (sim, "prompt=x resolution=480p");
  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint == SEEDANCE_SIM_VIDEO && r->range &&
        g_str_has_prefix (r->range, "bytes=50000-"))
      ranged++;
  }
  fail_unless (ranged >= 1, "no Range request from where it stopped");
  g_ptr_array_unref (reqs);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_stalled_download_resumes_identically)
{
  SeedanceSim *sim = test_sim_new ();

  add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_STALL_AFTER, 1, 0, 0,
      100000);
  run_and_compare (sim, "prompt=x resolution=480p stall-timeout=1");
  fail_unless (seedance_sim_count_requests (sim, SEEDANCE_SIM_VIDEO) >= 2);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_expired_url_is_refreshed)
{
  SeedanceSim *sim = test_sim_new ();
  guint queries;

  add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_EXPIRED_URL, 1, 0, 0,
      0);
  run_and_compare (sim, "prompt=x resolution=480p");
  queries = seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY);
  fail_unless (queries >= 3, "the task was not queried again");
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_short_body_once_is_completed)
{
  SeedanceSim *sim = test_sim_new ();

  add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_SHORT_BODY, 1, 0, 0,
      30000);
  run_and_compare (sim, "prompt=x resolution=480p");
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_short_bodies_that_progress_complete_the_file)
{
  SeedanceSim *sim = test_sim_new ();

  /* Every answer stops short, but each brings bytes: failures in a row
   * without progress are what count, so the file is completed. */
  add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_SHORT_BODY, 0, 0, 0,
      60000);
  run_and_compare (sim, "prompt=x resolution=480p retries=2");
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_short_body_without_progress_is_an_error_and_no_file)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = g_dir_make_tmp ("seedance-faults-XXXXXX", NULL);
  gchar *props = g_strdup_printf ("prompt=x resolution=480p retries=2 "
      "location=\"%s/clip.mp4\"", dir);
  GstMessage *msg;
  GDir *d;
  guint files = 0;

  add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_SHORT_BODY, 0, 0, 0,
      0);
  msg = run_expecting_error (sim, props);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "failed 3 times in a row");
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d))
    files++;
  g_dir_close (d);
  fail_unless_equals_int (files, 0);

  g_rmdir (dir);
  g_free (dir);
  g_free (props);
  gst_message_unref (msg);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_disk_full_is_a_clear_error_and_no_file)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = g_dir_make_tmp ("seedance-faults-XXXXXX", NULL);
  gchar *id, *status = NULL, *props;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  struct rlimit old, small;
  GstMessage *msg;
  GDir *d;
  guint files = 0;

  id = seedance_sim_create_task (sim, "{\"model\":\"doubao-seedance-2.0\","
      "\"content\":[{\"type\":\"text\",\"text\":\"Full\"}],"
      "\"resolution\":\"480p\"}", NULL);
  while (g_get_monotonic_time () < deadline && g_strcmp0 (status,
          "succeeded") != 0) {
    g_free (status);
    status = seedance_sim_get_task_status (sim, id);
    g_usleep (50000);
  }
  fail_unless_equals_string (status, "succeeded");

  /* Writes past 100 kB now fail, as on a full disk (EFBIG for ENOSPC). */
  signal (SIGXFSZ, SIG_IGN);
  getrlimit (RLIMIT_FSIZE, &old);
  small = old;
  small.rlim_cur = 100000;
  setrlimit (RLIMIT_FSIZE, &small);
  props = g_strdup_printf ("task-id=%s location=\"%s/clip.mp4\"", id, dir);
  msg = run_expecting_error (sim, props);
  setrlimit (RLIMIT_FSIZE, &old);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
      "location: cannot write");
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d))
    files++;
  g_dir_close (d);
  fail_unless_equals_int (files, 0);

  g_rmdir (dir);
  g_free (dir);
  g_free (props);
  g_free (status);
  g_free (id);
  gst_message_unref (msg);
  seedance_sim_free (sim);
}

GST_END_TEST;

static GstPadProbeReturn
count_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_not_an_mp4_pushes_nothing)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline, *sink;
  GstPad *pad;
  GstMessage *msg;
  gint n_buffers = 0;

  add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_NOT_MP4, 0, 0, 0, 0);
  pipeline = test_pipeline_new (sim, "prompt=x ! fakesink name=sink");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffers, &n_buffers,
      NULL);
  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_error (msg, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE,
      "not an MP4");
  fail_unless_equals_int (n_buffers, 0);

  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* --- bad answers --- */

static void
bad_answer_once_is_survived (SeedanceSimFaultKind kind)
{
  SeedanceSim *sim = test_sim_new ();

  add_fault (sim, SEEDANCE_SIM_QUERY, kind, 1, 0, 0, 0);
  run_and_compare (sim, "prompt=x resolution=480p");
  seedance_sim_free (sim);
}

GST_START_TEST (test_malformed_answer_once)
{
  bad_answer_once_is_survived (SEEDANCE_SIM_FAULT_MALFORMED);
}

GST_END_TEST;

GST_START_TEST (test_html_gateway_page_once)
{
  bad_answer_once_is_survived (SEEDANCE_SIM_FAULT_HTML);
}

GST_END_TEST;

GST_START_TEST (test_wrong_types_once)
{
  bad_answer_once_is_survived (SEEDANCE_SIM_FAULT_WRONG_TYPES);
}

GST_END_TEST;

GST_START_TEST (test_oversized_answer_once)
{
  bad_answer_once_is_survived (SEEDANCE_SIM_FAULT_OVERSIZED);
}

GST_END_TEST;

static void
bad_answer_always_is_an_error (SeedanceSimFaultKind kind, const gchar * words)
{
  SeedanceSim *sim = test_sim_new ();
  GstMessage *msg;

  add_fault (sim, SEEDANCE_SIM_QUERY, kind, 0, 0, 0, 0);
  msg = run_expecting_error (sim, "prompt=x retries=1");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, words);
  gst_message_unref (msg);
  seedance_sim_free (sim);
}

GST_START_TEST (test_malformed_answer_always)
{
  bad_answer_always_is_an_error (SEEDANCE_SIM_FAULT_MALFORMED, "not JSON");
}

GST_END_TEST;

GST_START_TEST (test_oversized_answer_always)
{
  bad_answer_always_is_an_error (SEEDANCE_SIM_FAULT_OVERSIZED,
      "larger than allowed");
}

GST_END_TEST;

GST_START_TEST (test_html_gateway_page_always)
{
  bad_answer_always_is_an_error (SEEDANCE_SIM_FAULT_HTML, "HTTP 502");
}

GST_END_TEST;

GST_START_TEST (test_succeeded_without_video_url)
{
  SeedanceSim *sim = test_sim_new ();
  GstMessage *msg;

  add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_NO_VIDEO_URL, 0, 0,
      0, 0);
  seedance_sim_set_schedule (sim, 0, 0);
  msg = run_expecting_error (sim, "prompt=x");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "no video URL");
  gst_message_unref (msg);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* --- the key --- */

GST_START_TEST (test_redirect_to_another_host_carries_no_key)
{
  SeedanceSim *sim = test_sim_new ();
  GstMessage *msg;
  GPtrArray *reqs;
  guint i, on_file_host = 0;

  add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_REDIRECT, 1, 0, 0, 0);
  msg = run_expecting_error (sim, "prompt=x");
  test_assert_error (msg, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, NULL);
  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (g_strcmp0 (r->host, seedance_sim_get_file_host (sim)) == 0) {
      on_file_host++;
      fail_unless (r->authorization == NULL,
          "the key followed a redirect to another host");
    }
  }
  fail_unless (on_file_host >= 1, "the redirect was not followed");
  g_ptr_array_unref (reqs);
  gst_message_unref (msg);
  seedance_sim_free (sim);
}

GST_END_TEST;

#define SECRET_KEY "sk-TOPSECRET-9c1f2e7a4b"

static GString *debug_log;
static GMutex debug_lock;

static void
capture_log (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message);

  g_mutex_lock (&debug_lock);
  g_string_append (debug_log, text ? text : "");
  g_string_append_c (debug_log, '\n');
  g_mutex_unlock (&debug_lock);
}

static void
append_message (GString * all, GstMessage * m)
{
  gchar *s = NULL;
  const GstStructure *st = gst_message_get_structure (m);

  if (st) {
    s = gst_structure_to_string (st);
    g_string_append (all, s);
    g_free (s);
  }
}

GST_START_TEST (test_key_never_in_logs_messages_or_errors)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  GString *all = g_string_new (NULL);
  GstMessage *msg;
  GPtrArray *reqs;
  gchar *desc;
  guint i;

  seedance_sim_set_api_key (sim, SECRET_KEY);
  debug_log = g_string_new (NULL);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);
  gst_debug_set_active (TRUE);
  gst_debug_add_log_function (capture_log, NULL, NULL);

  /* Once with a success and a fault or two, once with an error. */
  add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_STATUS, 1, 503, 0, 0);
  /* Not in the launch string: GStreamer's own parser logs those words,
   * which is why the README says to use the environment. */
  desc = g_strdup_printf ("seedancesrc name=src base-url=\"%s\" "
      "poll-interval=100 prompt=x resolution=480p return-last-frame=true "
      "! fakesink", seedance_sim_get_base_url (sim));
  pipeline = gst_parse_launch (desc, NULL);
  g_object_set (test_pipeline_get_src (pipeline), "api-key", SECRET_KEY, NULL);
  msg = test_pipeline_run (pipeline, 60, messages);
  test_assert_eos (msg);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (desc);

  seedance_sim_set_api_key (sim, "another");
  desc = g_strdup_printf ("seedancesrc base-url=\"%s\" poll-interval=100 "
      "prompt=x ! fakesink", seedance_sim_get_base_url (sim));
  g_setenv ("SEEDANCE_API_KEY", SECRET_KEY, TRUE);
  pipeline = gst_parse_launch (desc, NULL);
  msg = test_pipeline_run (pipeline, 60, messages);
  g_unsetenv ("SEEDANCE_API_KEY");
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  g_ptr_array_add (messages, msg);
  gst_object_unref (pipeline);
  g_free (desc);

  gst_debug_remove_log_function (capture_log);
  gst_debug_set_default_threshold (GST_LEVEL_NONE);

  for (i = 0; i < messages->len; i++) {
    GstMessage *m = g_ptr_array_index (messages, i);

    append_message (all, m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR ||
        GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      GError *err = NULL;
      gchar *dbg = NULL;

      if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
        gst_message_parse_error (m, &err, &dbg);
      else
        gst_message_parse_warning (m, &err, &dbg);
      g_string_append_printf (all, "%s %s\n", err->message, dbg ? dbg : "");
      g_error_free (err);
      g_free (dbg);
    }
  }
  fail_unless (debug_log->len > 10000, "the debug log is nearly empty");
  fail_if (strstr (debug_log->str, SECRET_KEY) != NULL,
      "the key is in the debug log");
  fail_if (strstr (all->str, SECRET_KEY) != NULL,
      "the key is in a message or an error");

  /* Sent to the API host, never to the file host. */
  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);
    gboolean file_host = g_strcmp0 (r->host,
        seedance_sim_get_file_host (sim)) == 0;

    if (file_host)
      fail_if (r->headers && strstr (r->headers, SECRET_KEY),
          "the key went to the file host");
  }

  g_ptr_array_unref (reqs);
  g_string_free (all, TRUE);
  g_string_free (debug_log, TRUE);
  g_ptr_array_unref (messages);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_key_never_in_gst_inspect)
{
  gchar *out = NULL, *err_out = NULL;
  gchar *argv[] = { (gchar *) "gst-inspect-1.0", (gchar *) "seedancesrc",
    NULL
  };
  gchar **envp = g_get_environ ();
  gint status = -1;

  envp = g_environ_setenv (envp, "SEEDANCE_API_KEY", SECRET_KEY, TRUE);
  fail_unless (g_spawn_sync (NULL, argv, envp, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &out, &err_out, &status, NULL));
  fail_unless (strstr (out, "api-key") != NULL, "no api-key in: %s", out);
  fail_unless (strstr (out, "Write only") != NULL);
  fail_if (strstr (out, SECRET_KEY) != NULL || strstr (err_out,
          SECRET_KEY) != NULL, "gst-inspect shows the key");
  g_strfreev (envp);
  g_free (out);
  g_free (err_out);
}

GST_END_TEST;

/* --- ranges and seeks --- */

static void
range_matrix (SeedanceSimFaultKind host_behaviour)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline, *appsink, *src;
  GBytes *file, *head;
  gchar *task_id = NULL;
  gint64 duration = -1;
  gsize size;

  if (host_behaviour != SEEDANCE_SIM_FAULT_STATUS)
    add_fault (sim, SEEDANCE_SIM_VIDEO, host_behaviour, 0, 0, 0, 0);
  pipeline = test_pipeline_new (sim, "prompt=x resolution=480p "
      "! appsink name=sink sync=false max-buffers=4");
  appsink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  src = test_pipeline_get_src (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  head = test_pull_bytes (appsink, 1, 10 * GST_SECOND);
  fail_unless (g_bytes_get_size (head) > 0, "no data");
  g_object_get (src, "task-id", &task_id, NULL);
  file = seedance_sim_get_task_video (sim, task_id);
  size = g_bytes_get_size (file);
  fail_unless (memcmp (g_bytes_get_data (head, NULL),
          g_bytes_get_data (file, NULL), g_bytes_get_size (head)) == 0);

  /* The total size, not what remains. */
  fail_unless (gst_element_query_duration (src, GST_FORMAT_BYTES, &duration));
  fail_unless_equals_int64 (duration, size);

  test_seek_and_check (pipeline, appsink, file, size / 2, 10 * GST_SECOND);
  test_seek_and_check (pipeline, appsink, file, size - 1000, 10 * GST_SECOND);
  test_seek_and_check (pipeline, appsink, file, 0, 10 * GST_SECOND);
  test_seek_and_check (pipeline, appsink, file, size / 3, 10 * GST_SECOND);
  test_seek_and_check (pipeline, appsink, file, size / 2, 10 * GST_SECOND);
  test_seek_and_check (pipeline, appsink, file, size / 3, 10 * GST_SECOND);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_bytes_unref (head);
  g_bytes_unref (file);
  g_free (task_id);
  gst_object_unref (appsink);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_START_TEST (test_seeks_with_ranges)
{
  range_matrix (SEEDANCE_SIM_FAULT_STATUS);
}

GST_END_TEST;

GST_START_TEST (test_seeks_with_a_host_that_ignores_range)
{
  range_matrix (SEEDANCE_SIM_FAULT_IGNORE_RANGE);
}

GST_END_TEST;

GST_START_TEST (test_seeks_with_accept_ranges_none)
{
  range_matrix (SEEDANCE_SIM_FAULT_NO_RANGES);
}

GST_END_TEST;

GST_START_TEST (test_moov_at_end_with_a_host_that_ignores_range)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  GstMessage *msg;
  gint n_buffers = 0;
  GstElement *sink;
  GstPad *pad;

  seedance_sim_set_render (sim, 26000, TRUE, FALSE);
  add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_IGNORE_RANGE, 0, 0,
      0, 0);
  pipeline = test_pipeline_new (sim, "prompt=x resolution=480p "
      "! qtdemux ! video/x-h264 ! fakesink name=sink sync=false");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffers, &n_buffers,
      NULL);
  msg = test_pipeline_run (pipeline, 120, NULL);
  test_assert_eos (msg);
  fail_unless_equals_int (n_buffers, 5 * 24);

  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* --- state changes --- */

/* Records every ERROR and WARNING message as it is posted: a pipeline
 * going to NULL flushes its bus, so popping afterwards would miss some. */
static GstBusSyncReply
record_problems (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  GString *problems = user_data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR ||
      GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    GError *err = NULL;
    gchar *debug = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, &debug);
    else
      gst_message_parse_warning (msg, &err, &debug);
    GST_OBJECT_LOCK (bus);
    g_string_append_printf (problems, " [%s from %s: %s (%s)]",
        GST_MESSAGE_TYPE_NAME (msg), GST_MESSAGE_SRC_NAME (msg),
        err->message, debug ? debug : "");
    GST_OBJECT_UNLOCK (bus);
    g_error_free (err);
    g_free (debug);
  }
  return GST_BUS_PASS;
}

GST_START_TEST (test_random_state_changes)
{
  SeedanceSim *sim = test_sim_new ();
  GRand *rand = g_rand_new_with_seed (20261124);
  guint round;
  gdouble worst = 0;

  /* Creation, polling and download at varying moments: a slow file host
   * keeps some downloads going.  Every change must succeed (or go async)
   * and none may post an error or a warning; a critical or a warning
   * logged anywhere aborts the test (GstCheck makes them fatal). */
  seedance_sim_set_schedule (sim, 150, 150);
  add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_DELAY, 0, 0, 0, 0);
  for (round = 0; round < 120; round++) {
    GstElement *pipeline = test_pipeline_new (sim, "prompt=x "
        "resolution=480p ! queue ! fakesink sync=true");
    GstBus *bus = gst_element_get_bus (pipeline);
    GString *problems = g_string_new (NULL);
    GstState targets[] = { GST_STATE_PLAYING, GST_STATE_PAUSED,
      GST_STATE_READY, GST_STATE_PLAYING, GST_STATE_NULL
    };
    GstStateChangeReturn ret;
    gint64 t0;
    guint step;

    gst_bus_set_sync_handler (bus, record_problems, problems, NULL);
    for (step = 0; step < 4; step++) {
      GstState target = targets[g_rand_int_range (rand, 0, 5)];
      gdouble ms;

      t0 = g_get_monotonic_time ();
      ret = gst_element_set_state (pipeline, target);
      fail_if (ret == GST_STATE_CHANGE_FAILURE,
          "round %u, step %u: the change to %s failed", round, step,
          gst_element_state_get_name (target));
      if (target == GST_STATE_PLAYING && g_rand_boolean (rand))
        gst_element_seek_simple (pipeline, GST_FORMAT_BYTES,
            GST_SEEK_FLAG_FLUSH, g_rand_int_range (rand, 0, 100000));
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      worst = MAX (worst, ms);
      g_usleep (g_rand_int_range (rand, 0, 250) * 1000);
    }
    t0 = g_get_monotonic_time ();
    ret = gst_element_set_state (pipeline, GST_STATE_NULL);
    worst = MAX (worst, (g_get_monotonic_time () - t0) / 1000.0);
    fail_unless_equals_int (ret, GST_STATE_CHANGE_SUCCESS);
    gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
    fail_unless (problems->len == 0, "round %u:%s", round, problems->str);

    g_string_free (problems, TRUE);
    gst_object_unref (bus);
    gst_object_unref (pipeline);
  }
  fail_unless (worst < 2000, "a state change took %.0f ms", worst);
  GST_INFO ("slowest state change: %.1f ms", worst);

  g_rand_free (rand);
  seedance_sim_free (sim);
}

GST_END_TEST;

static Suite *
faults_suite (void)
{
  Suite *s = suite_create ("faults");
  TCase *retries = tcase_create ("retries");
  TCase *download = tcase_create ("download");
  TCase *answers = tcase_create ("answers");
  TCase *key = tcase_create ("key");
  TCase *seeks = tcase_create ("seeks");
  TCase *states = tcase_create ("states");

  suite_add_tcase (s, retries);
  tcase_set_timeout (retries, 120);
  tcase_add_test (retries, test_query_429_honours_retry_after);
  tcase_add_test (retries, test_query_5xx_burst_is_survived);
  tcase_add_test (retries, test_query_gives_up_after_retries);
  tcase_add_test (retries, test_create_5xx_is_not_repeated);
  tcase_add_test (retries, test_create_without_answer_is_not_repeated);
  tcase_add_test (retries, test_create_429_is_repeated);
  tcase_add_test (retries, test_create_connection_refused_is_repeated);

  suite_add_tcase (s, download);
  tcase_set_timeout (download, 120);
  tcase_add_test (download, test_dropped_download_resumes_identically);
  tcase_add_test (download, test_stalled_download_resumes_identically);
  tcase_add_test (download, test_expired_url_is_refreshed);
  tcase_add_test (download, test_short_body_once_is_completed);
  tcase_add_test (download, test_short_bodies_that_progress_complete_the_file);
  tcase_add_test (download,
      test_short_body_without_progress_is_an_error_and_no_file);
  tcase_add_test (download, test_not_an_mp4_pushes_nothing);
  tcase_add_test (download, test_disk_full_is_a_clear_error_and_no_file);

  suite_add_tcase (s, answers);
  tcase_set_timeout (answers, 120);
  tcase_add_test (answers, test_malformed_answer_once);
  tcase_add_test (answers, test_html_gateway_page_once);
  tcase_add_test (answers, test_wrong_types_once);
  tcase_add_test (answers, test_oversized_answer_once);
  tcase_add_test (answers, test_malformed_answer_always);
  tcase_add_test (answers, test_oversized_answer_always);
  tcase_add_test (answers, test_html_gateway_page_always);
  tcase_add_test (answers, test_succeeded_without_video_url);

  suite_add_tcase (s, key);
  tcase_set_timeout (key, 120);
  tcase_add_test (key, test_redirect_to_another_host_carries_no_key);
  tcase_add_test (key, test_key_never_in_logs_messages_or_errors);
  tcase_add_test (key, test_key_never_in_gst_inspect);

  suite_add_tcase (s, seeks);
  tcase_set_timeout (seeks, 120);
  tcase_add_test (seeks, test_seeks_with_ranges);
  tcase_add_test (seeks, test_seeks_with_a_host_that_ignores_range);
  tcase_add_test (seeks, test_seeks_with_accept_ranges_none);
  tcase_add_test (seeks, test_moov_at_end_with_a_host_that_ignores_range);

  suite_add_tcase (s, states);
  tcase_set_timeout (states, 600);
  tcase_add_test (states, test_random_state_changes);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  if (!test_have_elements (TEST_SIM_ELEMENTS, "qtdemux", "appsink", NULL) ||
      !test_have_program ("gst-inspect-1.0", "gstreamer1.0-tools"))
    return TEST_EXIT_SKIP;
  return gst_check_run_suite (faults_suite (), "faults", __FILE__);
}
