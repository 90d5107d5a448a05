/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* seedancesrc end to end against the simulator: prompt in, MP4 out. */
#include "common/harness.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct
{
  gint buffers;
  gint width, height;
} FrameCount;

static GstPadProbeReturn
count_frame (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  FrameCount *fc = user_data;
  GstCaps *caps = gst_pad_get_current_caps (pad);

  if (caps) {
    GstStructure *s = gst_caps_get_structure (caps, 0);

    gst_structure_get_int (s, "width", &fc->width);
    gst_structure_get_int (s, "height", &fc->height);
    gst_caps_unref (caps);
  }
  g_atomic_int_inc (&fc->buffers);
  return GST_PAD_PROBE_OK;
}

static void
attach_counter (GstElement * pipeline, const gchar * sink_name, FrameCount * fc)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), sink_name);
  GstPad *pad = gst_element_get_static_pad (sink, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, fc, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
}

static JsonObject *
parse_body (JsonParser * parser, const gchar * body)
{
  fail_unless (json_parser_load_from_data (parser, body, -1, NULL));
  return json_node_get_object (json_parser_get_root (parser));
}

GST_START_TEST (test_text_to_video_decodes_every_frame)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline = test_pipeline_new (sim,
      "prompt=\"A red fox in the snow\" resolution=480p duration=5 "
      "! decodebin ! video/x-raw ! fakesink name=vsink sync=false");
  FrameCount fc = { 0, };
  GstMessage *msg;

  attach_counter (pipeline, "vsink", &fc);
  msg = test_pipeline_run (pipeline, 60, NULL);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS, "no EOS");
  fail_unless_equals_int (fc.buffers, 5 * 24);
  fail_unless_equals_int (fc.width, 854);
  fail_unless_equals_int (fc.height, 480);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_vertical_with_audio)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline = test_pipeline_new (sim,
      "prompt=\"Rain on a window\" resolution=480p ratio=9:16 duration=6 "
      "generate-audio=true ! decodebin name=d "
      "d. ! video/x-raw ! fakesink name=vsink sync=false "
      "d. ! audio/x-raw ! fakesink name=asink sync=false");
  FrameCount video = { 0, }, audio = { 0, };
  GstMessage *msg;

  attach_counter (pipeline, "vsink", &video);
  attach_counter (pipeline, "asink", &audio);
  msg = test_pipeline_run (pipeline, 60, NULL);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  fail_unless_equals_int (video.buffers, 6 * 24);
  fail_unless_equals_int (video.width, 480);
  fail_unless_equals_int (video.height, 854);
  fail_unless (audio.buffers > 0, "no audio decoded");

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_create_body_matches_properties)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline = test_pipeline_new (sim,
      "prompt=\"A lighthouse at dusk\" model=doubao-seedance-2-fast "
      "resolution=480p ratio=1:1 duration=7 seed=1234 generate-audio=true "
      "! fakesink");
  JsonParser *parser = json_parser_new ();
  GPtrArray *bodies;
  JsonObject *body, *item;
  JsonArray *content;
  GstMessage *msg;

  msg = test_pipeline_run (pipeline, 60, NULL);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  bodies = test_sim_create_bodies (sim);
  fail_unless_equals_int (bodies->len, 1);
  body = parse_body (parser, g_ptr_array_index (bodies, 0));

  fail_unless_equals_string (json_object_get_string_member (body, "model"),
      "doubao-seedance-2-fast");
  fail_unless_equals_string (json_object_get_string_member (body,
          "resolution"), "480p");
  fail_unless_equals_string (json_object_get_string_member (body, "ratio"),
      "1:1");
  fail_unless_equals_int (json_object_get_int_member (body, "duration"), 7);
  fail_unless_equals_int (json_object_get_int_member (body, "seed"), 1234);
  fail_unless (json_object_get_boolean_member (body, "generate_audio"));
  fail_if (json_object_has_member (body, "frames"));
  fail_if (json_object_has_member (body, "prompt"));
  content = json_object_get_array_member (body, "content");
  fail_unless_equals_int (json_array_get_length (content), 1);
  item = json_array_get_object_element (content, 0);
  fail_unless_equals_string (json_object_get_string_member (item, "type"),
      "text");
  fail_unless_equals_string (json_object_get_string_member (item, "text"),
      "A lighthouse at dusk");

  g_ptr_array_unref (bodies);
  g_object_unref (parser);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

static void
check_failed_outcome (const gchar * status, const gchar * code,
    const gchar * message, const gchar * words)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  GstMessage *msg;
  const GstStructure *details = NULL;

  seedance_sim_set_outcome (sim, status, code, message);
  pipeline = test_pipeline_new (sim, "prompt=\"x\" resolution=480p "
      "! fakesink");
  msg = test_pipeline_run (pipeline, 30, NULL);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED, words);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED, code);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      message);
  gst_message_parse_error_details (msg, &details);
  fail_unless (details != NULL);
  fail_unless_equals_string (gst_structure_get_string (details, "code"), code);
  fail_unless_equals_string (gst_structure_get_string (details, "status"),
      status);
  /* No video was fetched. */
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_VIDEO), 0);

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_START_TEST (test_failed_task_is_an_error)
{
  check_failed_outcome ("failed", "OutputVideoSensitiveContentDetected",
      "The output video may contain sensitive content", "failed");
}

GST_END_TEST;

GST_START_TEST (test_expired_task_is_an_error)
{
  check_failed_outcome ("expired", "TaskExpired",
      "The task was not run before it expired", "expired");
}

GST_END_TEST;

GST_START_TEST (test_wrong_key_is_not_authorized)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  GstMessage *msg;

  seedance_sim_set_api_key (sim, "another-key");
  pipeline = test_pipeline_new (sim, "prompt=\"x\" ! fakesink");
  msg = test_pipeline_run (pipeline, 30, NULL);
  test_assert_error (msg, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, "401");
  /* One try: a wrong key does not get better by repeating it. */
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_bad_request_carries_the_server_message)
{
  SeedanceSim *sim = test_sim_new ();
  SeedanceSimFaultParams fp = { 0, };
  GstElement *pipeline;
  GstMessage *msg;

  fp.status = 400;
  fp.code = "InvalidParameter";
  fp.message = "The parameter `content` specified in the request is not "
      "valid: prompt too long";
  seedance_sim_add_fault (sim, SEEDANCE_SIM_CREATE, SEEDANCE_SIM_FAULT_STATUS,
      1, &fp);
  pipeline = test_pipeline_new (sim, "prompt=\"x\" ! fakesink");
  msg = test_pipeline_run (pipeline, 30, NULL);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "prompt too long");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "InvalidParameter");

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_no_key_fails_before_any_request)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *src = gst_element_factory_make ("seedancesrc", NULL);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstMessage *msg;

  g_unsetenv ("SEEDANCE_API_KEY");
  g_unsetenv ("ARK_API_KEY");
  g_object_set (src, "base-url", seedance_sim_get_base_url (sim), "prompt",
      "x", NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  fail_unless_equals_int (gst_element_set_state (pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline), GST_MESSAGE_ERROR);
  test_assert_error (msg, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, "SEEDANCE_API_KEY");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_key_from_environment)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  GstMessage *msg;
  gchar *desc;
  GPtrArray *reqs;
  guint i;

  g_setenv ("SEEDANCE_BASE_URL", seedance_sim_get_base_url (sim), TRUE);
  g_setenv ("ARK_API_KEY", TEST_API_KEY, TRUE);
  desc = g_strdup ("seedancesrc prompt=\"From the environment\" "
      "resolution=480p poll-interval=100 ! fakesink");
  pipeline = gst_parse_launch (desc, NULL);
  msg = test_pipeline_run (pipeline, 60, NULL);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);

  /* The key went to the API host, and only there. */
  reqs = seedance_sim_get_requests (sim);
  fail_unless (reqs->len >= 3);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint == SEEDANCE_SIM_VIDEO) {
      fail_unless (r->authorization == NULL, "the key went to the file host");
      fail_unless_equals_string (r->host, seedance_sim_get_file_host (sim));
    } else {
      fail_unless_equals_string (r->authorization, "Bearer " TEST_API_KEY);
      fail_unless_equals_string (r->host, seedance_sim_get_api_host (sim));
    }
  }
  g_ptr_array_unref (reqs);
  g_unsetenv ("SEEDANCE_BASE_URL");
  g_unsetenv ("ARK_API_KEY");

  g_free (desc);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_moov_at_end_over_10mb_through_qtdemux)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  FrameCount fc = { 0, };
  GstMessage *msg;
  GPtrArray *reqs;
  guint i, ranged = 0;
  GstElement *src;
  gint64 size = -1;

  /* Noise at a high bitrate: about 16 MB for 5 s, moov after the mdat. */
  seedance_sim_set_render (sim, 26000, TRUE, FALSE);
  /* __i__ 0: nothing kept on disk, so seeks are Range requests; 1: the
   * default cache, whose file is pushed while it is written and serves
   * the jumps itself. */
  pipeline = test_pipeline_new (sim, __i__ == 0 ?
      "prompt=\"Static\" resolution=480p cache=false ! qtdemux ! "
      "video/x-h264 ! fakesink name=vsink sync=false" :
      "prompt=\"Static\" resolution=480p ! qtdemux ! "
      "video/x-h264 ! fakesink name=vsink sync=false");
  attach_counter (pipeline, "vsink", &fc);
  src = test_pipeline_get_src (pipeline);
  msg = test_pipeline_run (pipeline, 120, NULL);
  test_assert_eos (msg);
  fail_unless_equals_int (fc.buffers, 5 * 24);

  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    /* Every download asks for a Range, from byte 0 too (for the total
     * in Content-Range): the jumps are the ones from further on. */
    if (r->endpoint == SEEDANCE_SIM_VIDEO && r->range &&
        !g_str_has_prefix (r->range, "bytes=0-"))
      ranged++;
  }
  g_ptr_array_unref (reqs);
  {
    GBytes *video = NULL;
    gchar *task_id = NULL;

    g_object_get (src, "task-id", &task_id, NULL);
    video = seedance_sim_get_task_video (sim, task_id);
    fail_unless (video != NULL);
    size = g_bytes_get_size (video);
    g_bytes_unref (video);
    g_free (task_id);
  }
  fail_unless (size > 10 * 1024 * 1024, "the file is only %" G_GINT64_FORMAT
      " bytes", size);
  if (__i__ == 0) {
    /* qtdemux jumped to the moov atom and back: Range requests. */
    fail_unless (ranged >= 1, "no Range request past byte 0 was made");
  } else {
    /* The spool served the jumps: the file was downloaded once. */
    fail_unless_equals_int (seedance_sim_count_requests (sim,
            SEEDANCE_SIM_VIDEO), 1);
  }

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_stop_during_long_poll_interval)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  GstMessage *msg;
  gdouble ms;

  seedance_sim_set_schedule (sim, 600000, 600000);
  pipeline = test_pipeline_new (sim, "prompt=\"x\" ! fakesink");
  g_object_set (test_pipeline_get_src (pipeline), "poll-interval", 60000, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = test_wait_for_task_message (pipeline, "created", 10);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  g_usleep (200 * 1000);
  ms = test_time_to_null (pipeline);
  fail_unless (ms < 3000, "stopping took %.0f ms", ms);

  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_stop_during_download)
{
  SeedanceSim *sim = test_sim_new ();
  SeedanceSimFaultParams fp = { 0, };
  GstElement *pipeline;
  GstMessage *msg;
  gdouble ms;

  /* The file host sends 100 kB and then nothing, for ever. */
  fp.bytes = 100000;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_STALL_AFTER, 0, &fp);
  pipeline = test_pipeline_new (sim, "prompt=\"x\" resolution=480p "
      "! fakesink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = test_wait_for_task_message (pipeline, "succeeded", 30);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  g_usleep (500 * 1000);
  fail_unless (seedance_sim_count_requests (sim, SEEDANCE_SIM_VIDEO) >= 1);
  ms = test_time_to_null (pipeline);
  fail_unless (ms < 3000, "stopping took %.0f ms", ms);

  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* Reads what the peer sent on `conn` until it closes its end (TRUE), or
 * until `timeout_s` passes with the connection still open (FALSE). */
static gboolean
read_until_closed (GSocket * conn, guint timeout_s, GString * received)
{
  gchar buf[4096];

  g_socket_set_blocking (conn, TRUE);
  g_socket_set_timeout (conn, timeout_s);
  for (;;) {
    GError *err = NULL;
    gssize n = g_socket_receive (conn, buf, sizeof (buf), NULL, &err);

    if (n > 0) {
      g_string_append_len (received, buf, n);
      continue;
    }
    if (n == 0)
      return TRUE;
    /* A reset is a close too; a timeout is not. */
    n = !g_error_matches (err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    g_error_free (err);
    return n;
  }
}

GST_START_TEST (test_stop_while_connecting)
{
  /* A loopback listener that never accepts and never answers: the kernel
   * completes the handshake and queues the connection, the element waits
   * for an answer that never comes, and must not hold the stop. */
  guint port;
  GSocket *sock = test_loopback_socket (TRUE, &port);
  GSocket *conn;
  GstElement *pipeline, *src, *sink;
  GString *received = g_string_new (NULL);
  GError *err = NULL;
  gchar *url;
  gdouble ms;

  url = g_strdup_printf ("http://127.0.0.1:%u/api/v3", port);
  pipeline = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("seedancesrc", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (src, "base-url", url, "api-key", TEST_API_KEY, "prompt", "x",
      NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  gst_element_link (src, sink);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* A connection waiting in the listener's queue: the element is in the
   * middle of its create when it is stopped. */
  fail_unless (g_socket_condition_timed_wait (sock, G_IO_IN,
          10 * G_USEC_PER_SEC, NULL, NULL),
      "the element never connected to the listener");
  ms = test_time_to_null (pipeline);
  fail_unless (ms < 3000, "stopping took %.0f ms", ms);
  gst_object_unref (pipeline);

  /* That connection was the element's create, and it is given up: its end
   * is closed, not left open. */
  conn = g_socket_accept (sock, NULL, &err);
  fail_unless (conn != NULL, "accept: %s", err ? err->message : "?");
  fail_unless (read_until_closed (conn, 5, received),
      "the element left its connection open after stopping");
  GST_INFO ("the element sent %" G_GSIZE_FORMAT " bytes: %.60s",
      received->len, received->str);
  fail_unless (received->len == 0 || g_str_has_prefix (received->str,
          "POST /api/v3/contents/generations/tasks "),
      "not a create: %.80s", received->str);

  g_string_free (received, TRUE);
  g_object_unref (conn);
  g_free (url);
  g_object_unref (sock);
}

GST_END_TEST;

static Suite *
seedancesrc_suite (void)
{
  Suite *s = suite_create ("seedancesrc");
  TCase *tc = tcase_create ("end-to-end");

  tcase_set_timeout (tc, 180);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_text_to_video_decodes_every_frame);
  tcase_add_test (tc, test_vertical_with_audio);
  tcase_add_test (tc, test_create_body_matches_properties);
  tcase_add_test (tc, test_failed_task_is_an_error);
  tcase_add_test (tc, test_expired_task_is_an_error);
  tcase_add_test (tc, test_wrong_key_is_not_authorized);
  tcase_add_test (tc, test_bad_request_carries_the_server_message);
  tcase_add_test (tc, test_no_key_fails_before_any_request);
  tcase_add_test (tc, test_key_from_environment);
  tcase_add_loop_test (tc, test_moov_at_end_over_10mb_through_qtdemux, 0,
      2);
  tcase_add_test (tc, test_stop_during_long_poll_interval);
  tcase_add_test (tc, test_stop_during_download);
  tcase_add_test (tc, test_stop_while_connecting);
  return s;
}

TEST_CHECK_MAIN_REQUIRING (seedancesrc, TEST_SIM_ELEMENTS,
    TEST_SIM_AUDIO_ELEMENTS, TEST_DECODE_ELEMENTS);
