/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* Every request the API would refuse is refused by the element first, with
 * an error naming the property and the rule, and nothing is sent. */
#include "common/harness.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* A 1x1 PNG and the start of a WAV file: content, not names, decide. */
static const guint8 png_1x1[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
  0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
  0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
  0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
  0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00,
  0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82
};

static const guint8 wav_header[] = {
  'R', 'I', 'F', 'F', 0x24, 0x00, 0x00, 0x00, 'W', 'A', 'V', 'E',
  'f', 'm', 't', ' ', 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
  0x40, 0x1f, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x00, 0x02, 0x00, 0x10, 0x00,
  'd', 'a', 't', 'a', 0x00, 0x00, 0x00, 0x00
};

/* Runs "seedancesrc <props> ! fakesink" and expects the state change to
 * fail with RESOURCE/code naming `needle`, and no request at all. */
static void
expect_refused (const gchar * props, GstResourceError code,
    const gchar * needle)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *rest = g_strdup_printf ("%s ! fakesink", props);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstMessage *msg;

  fail_unless_equals_int (gst_element_set_state (pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline), GST_MESSAGE_ERROR);
  test_assert_error (msg, GST_RESOURCE_ERROR, code, needle);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (rest);
  seedance_sim_free (sim);
}

#define REFUSED(name, props, needle) \
GST_START_TEST (name) \
{ \
  expect_refused (props, GST_RESOURCE_ERROR_SETTINGS, needle); \
} \
GST_END_TEST;

REFUSED (test_unknown_model, "prompt=x model=seedance-3", "model:");
REFUSED (test_duration_too_short, "prompt=x duration=4",
    "duration: must be 5 to 15");
REFUSED (test_duration_too_long, "prompt=x duration=16",
    "duration: must be 5 to 15");
REFUSED (test_fast_model_1080p,
    "prompt=x model=doubao-seedance-2-fast resolution=1080p",
    "resolution: doubao-seedance-2-fast");
REFUSED (test_bad_resolution, "prompt=x resolution=4k", "resolution:");
REFUSED (test_bad_ratio, "prompt=x ratio=4:3", "ratio:");
REFUSED (test_bad_seed, "prompt=x seed=-2", "seed:");
REFUSED (test_last_frame_needs_first, "prompt=x last-frame=https://e.com/l.png",
    "last-frame: a last frame needs a first-frame");
REFUSED (test_frames_and_references_exclusive,
    "prompt=x first-frame=https://e.com/f.png "
    "reference-images=<\"https://e.com/r.png\">", "separate modes");
REFUSED (test_ten_reference_images,
    "prompt=x reference-images=<\"asset://1\",\"asset://2\",\"asset://3\","
    "\"asset://4\",\"asset://5\",\"asset://6\",\"asset://7\",\"asset://8\","
    "\"asset://9\",\"asset://10\">", "reference-images: at most 9");
REFUSED (test_four_reference_videos,
    "prompt=x reference-videos=<\"asset://1\",\"asset://2\",\"asset://3\","
    "\"asset://4\">", "reference-videos: at most 3");
REFUSED (test_four_reference_audios,
    "prompt=x reference-images=<\"asset://i\"> reference-audios=<\"asset://1\","
    "\"asset://2\",\"asset://3\",\"asset://4\">",
    "reference-audios: at most 3");
REFUSED (test_audio_needs_image_or_video,
    "prompt=x reference-audios=<\"https://e.com/a.mp3\">",
    "audio needs a reference image or a reference video");
REFUSED (test_draft_stands_alone, "prompt=x draft-task-id=cgt-1",
    "draft-task-id: a draft task stands alone");
REFUSED (test_nothing_to_generate, "resolution=480p",
    "prompt: nothing to generate");
REFUSED (test_video_as_data_uri,
    "prompt=x reference-videos=<\"data:video/mp4;base64,AAAA\">",
    "reference-videos: the API takes a video only as an http(s) URL");
REFUSED (test_image_data_uri_shape,
    "prompt=x first-frame=\"data:text/plain;base64,AAAA\"",
    "first-frame: a data: URI must be of the form data:image/");
REFUSED (test_bad_service_tier, "prompt=x service-tier=gold", "service-tier:");
REFUSED (test_priority_out_of_range, "prompt=x priority=10",
    "priority: must be 0 to 9");
REFUSED (test_callback_not_http, "prompt=x callback-url=ftp://e.com/cb",
    "callback-url: must be an http");
REFUSED (test_safety_identifier_too_long,
    "prompt=x safety-identifier="
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "safety-identifier: at most 64");
REFUSED (test_unsupported_scheme, "prompt=x first-frame=ftp://e.com/f.png",
    "first-frame: \"ftp:\" references are not supported");
REFUSED (test_bad_base_url, "prompt=x base-url=localhost:8080", "base-url:");

GST_START_TEST (test_frames_and_duration_exclusive_in_properties)
{
  GstElement *src = gst_element_factory_make ("seedancesrc", NULL);
  gint duration, frames;

  /* Setting one unsets the other: both can never be sent. */
  g_object_set (src, "frames", 121, NULL);
  g_object_get (src, "duration", &duration, "frames", &frames, NULL);
  fail_unless_equals_int (duration, 0);
  fail_unless_equals_int (frames, 121);
  g_object_set (src, "duration", 8, NULL);
  g_object_get (src, "duration", &duration, "frames", &frames, NULL);
  fail_unless_equals_int (duration, 8);
  fail_unless_equals_int (frames, 0);
  gst_object_unref (src);
}

GST_END_TEST;

GST_START_TEST (test_local_video_refused)
{
  gchar *path = test_write_temp_file ("clip.mp4", png_1x1, sizeof (png_1x1));
  gchar *props = g_strdup_printf ("prompt=x reference-videos=<\"%s\">",
      path);

  expect_refused (props, GST_RESOURCE_ERROR_SETTINGS,
      "is a local file, but the API takes a video only as");
  g_free (props);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_missing_file)
{
  expect_refused ("prompt=x first-frame=/nonexistent/dir/first.png",
      GST_RESOURCE_ERROR_NOT_FOUND, "first-frame: cannot read");
}

GST_END_TEST;

GST_START_TEST (test_file_of_the_wrong_kind)
{
  gchar *path = test_write_temp_file ("looks.png",
      (const guint8 *) "hello, not an image\n", 20);
  gchar *props = g_strdup_printf ("prompt=x first-frame=\"%s\"", path);

  expect_refused (props, GST_RESOURCE_ERROR_SETTINGS, "is not an image");
  g_free (props);
  g_free (path);
}

GST_END_TEST;

static JsonObject *
run_and_get_body (SeedanceSim * sim, const gchar * props, JsonParser * parser)
{
  gchar *rest = g_strdup_printf ("%s resolution=480p ! fakesink", props);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstMessage *msg = test_pipeline_run (pipeline, 60, NULL);
  GPtrArray *bodies;

  test_assert_eos (msg);
  bodies = test_sim_create_bodies (sim);
  fail_unless_equals_int (bodies->len, 1);
  fail_unless (json_parser_load_from_data (parser,
          g_ptr_array_index (bodies, 0), -1, NULL));
  g_ptr_array_unref (bodies);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (rest);
  return json_node_get_object (json_parser_get_root (parser));
}

static JsonObject *
content_item (JsonObject * body, guint i)
{
  return json_array_get_object_element (json_object_get_array_member (body,
          "content"), i);
}

GST_START_TEST (test_local_files_become_typed_data_uris)
{
  SeedanceSim *sim = test_sim_new ();
  JsonParser *parser = json_parser_new ();
  /* Misleading names: the type comes from the bytes. */
  gchar *img = test_write_temp_file ("picture.jpg", png_1x1,
      sizeof (png_1x1));
  gchar *wav = test_write_temp_file ("sound.mp3", wav_header,
      sizeof (wav_header));
  gchar *img_uri = g_filename_to_uri (img, NULL, NULL);
  gchar *props = g_strdup_printf ("prompt=x reference-images=<\"%s\"> "
      "reference-audios=<\"%s\">", img_uri, wav);
  gchar *b64 = g_base64_encode (png_1x1, sizeof (png_1x1));
  gchar *expected = g_strdup_printf ("data:image/png;base64,%s", b64);
  JsonObject *body, *item;

  body = run_and_get_body (sim, props, parser);
  item = content_item (body, 1);
  fail_unless_equals_string (json_object_get_string_member (item, "type"),
      "image_url");
  fail_unless_equals_string (json_object_get_string_member (item, "role"),
      "reference_image");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (item, "image_url"), "url"), expected);
  item = content_item (body, 2);
  fail_unless_equals_string (json_object_get_string_member (item, "role"),
      "reference_audio");
  fail_unless (g_str_has_prefix (json_object_get_string_member
          (json_object_get_object_member (item, "audio_url"), "url"),
          "data:audio/"));

  g_free (expected);
  g_free (b64);
  g_free (props);
  g_free (img_uri);
  g_free (img);
  g_free (wav);
  g_object_unref (parser);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_first_and_last_frame_body)
{
  SeedanceSim *sim = test_sim_new ();
  JsonParser *parser = json_parser_new ();
  JsonObject *body, *item;

  body = run_and_get_body (sim, "prompt=\"Move\" "
      "first-frame=https://example.com/first.png "
      "last-frame=asset://asset-20260101-last", parser);
  fail_unless_equals_int (json_array_get_length
      (json_object_get_array_member (body, "content")), 3);
  item = content_item (body, 1);
  fail_unless_equals_string (json_object_get_string_member (item, "role"),
      "first_frame");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (item, "image_url"), "url"),
      "https://example.com/first.png");
  item = content_item (body, 2);
  fail_unless_equals_string (json_object_get_string_member (item, "role"),
      "last_frame");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (item, "image_url"), "url"),
      "asset://asset-20260101-last");

  g_object_unref (parser);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_multimodal_references_body)
{
  SeedanceSim *sim = test_sim_new ();
  JsonParser *parser = json_parser_new ();
  JsonObject *body;

  body = run_and_get_body (sim, "prompt=\"Ad\" "
      "reference-images=<\"https://e.com/a.png\",\"asset://b\"> "
      "reference-videos=<\"https://e.com/v.mp4\"> "
      "reference-audios=<\"https://e.com/m.mp3\">", parser);
  fail_unless_equals_int (json_array_get_length
      (json_object_get_array_member (body, "content")), 5);
  fail_unless_equals_string (json_object_get_string_member (content_item
          (body, 2), "role"), "reference_image");
  fail_unless_equals_string (json_object_get_string_member (content_item
          (body, 3), "type"), "video_url");
  fail_unless_equals_string (json_object_get_string_member (content_item
          (body, 4), "type"), "audio_url");

  g_object_unref (parser);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_optional_fields_sent_only_when_set)
{
  SeedanceSim *sim = test_sim_new ();
  JsonParser *parser = json_parser_new ();
  JsonObject *body;
  static const gchar *optional[] = { "seed", "watermark", "return_last_frame",
    "service_tier", "execution_expires_after", "priority", "callback_url",
    "safety_identifier", "frames"
  };
  guint i;

  body = run_and_get_body (sim, "prompt=\"Plain\"", parser);
  for (i = 0; i < G_N_ELEMENTS (optional); i++)
    fail_if (json_object_has_member (body, optional[i]), "%s was sent",
        optional[i]);
  seedance_sim_free (sim);

  sim = test_sim_new ();
  body = run_and_get_body (sim, "prompt=\"All\" frames=121 seed=7 "
      "watermark=true service-tier=flex execution-expires-after=3600 "
      "priority=9 callback-url=http://127.0.0.1:9/cb "
      "safety-identifier=user-42", parser);
  fail_unless_equals_int (json_object_get_int_member (body, "frames"), 121);
  fail_if (json_object_has_member (body, "duration"));
  fail_unless_equals_int (json_object_get_int_member (body, "seed"), 7);
  fail_unless (json_object_get_boolean_member (body, "watermark"));
  fail_unless_equals_string (json_object_get_string_member (body,
          "service_tier"), "flex");
  fail_unless_equals_int (json_object_get_int_member (body,
          "execution_expires_after"), 3600);
  fail_unless_equals_int (json_object_get_int_member (body, "priority"), 9);
  fail_unless_equals_string (json_object_get_string_member (body,
          "callback_url"), "http://127.0.0.1:9/cb");
  fail_unless_equals_string (json_object_get_string_member (body,
          "safety_identifier"), "user-42");

  g_object_unref (parser);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_draft_task_body)
{
  SeedanceSim *sim = test_sim_new ();
  JsonParser *parser = json_parser_new ();
  GError *err = NULL;
  gchar *draft = seedance_sim_create_task (sim, "{\"model\":"
      "\"doubao-seedance-2.0\",\"content\":[{\"type\":\"text\","
      "\"text\":\"Draft\"}],\"resolution\":\"480p\"}", &err);
  gchar *props, *status = NULL;
  JsonObject *body, *item;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  fail_unless (draft != NULL, "%s", err ? err->message : "");
  /* The final video is made from a draft that has succeeded. */
  while (g_get_monotonic_time () < deadline) {
    g_free (status);
    status = seedance_sim_get_task_status (sim, draft);
    if (g_strcmp0 (status, "succeeded") == 0)
      break;
    g_usleep (50000);
  }
  fail_unless_equals_string (status, "succeeded");
  seedance_sim_clear_log (sim);

  props = g_strdup_printf ("draft-task-id=%s", draft);
  body = run_and_get_body (sim, props, parser);
  fail_unless_equals_int (json_array_get_length
      (json_object_get_array_member (body, "content")), 1);
  item = content_item (body, 0);
  fail_unless_equals_string (json_object_get_string_member (item, "type"),
      "draft_task");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (item, "draft_task"), "id"), draft);

  g_free (status);
  g_free (props);
  g_free (draft);
  g_object_unref (parser);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_user_agent_is_sent)
{
  SeedanceSim *sim = test_sim_new ();
  JsonParser *parser = json_parser_new ();
  GPtrArray *reqs;
  guint i;

  run_and_get_body (sim, "prompt=x user-agent=\"BroadcastBot/2.1\"", parser);
  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    fail_unless (strstr (r->headers, "User-Agent: BroadcastBot/2.1") != NULL,
        "%s %s without the User-Agent", r->method, r->path);
  }
  g_ptr_array_unref (reqs);
  g_object_unref (parser);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_reference_images_array_from_launch_syntax)
{
  /* What gst-launch-1.0 makes of the shell words
   *   reference-images='<"a.png", "https://x/b.jpg">'
   * (it escapes the space). */
  GstElement *src = gst_parse_launch ("seedancesrc "
      "reference-images=<\"a.png\",\\ \"https://x/b.jpg\">", NULL);
  GValue value = G_VALUE_INIT;

  fail_unless (src != NULL);
  g_value_init (&value, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (src), "reference-images", &value);
  fail_unless_equals_int (gst_value_array_get_size (&value), 2);
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
          (&value, 0)), "a.png");
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
          (&value, 1)), "https://x/b.jpg");
  g_value_unset (&value);
  gst_object_unref (src);
}

GST_END_TEST;

static Suite *
request_suite (void)
{
  Suite *s = suite_create ("request");
  TCase *rules = tcase_create ("rules");
  TCase *bodies = tcase_create ("bodies");

  suite_add_tcase (s, rules);
  tcase_add_test (rules, test_unknown_model);
  tcase_add_test (rules, test_duration_too_short);
  tcase_add_test (rules, test_duration_too_long);
  tcase_add_test (rules, test_fast_model_1080p);
  tcase_add_test (rules, test_bad_resolution);
  tcase_add_test (rules, test_bad_ratio);
  tcase_add_test (rules, test_bad_seed);
  tcase_add_test (rules, test_last_frame_needs_first);
  tcase_add_test (rules, test_frames_and_references_exclusive);
  tcase_add_test (rules, test_ten_reference_images);
  tcase_add_test (rules, test_four_reference_videos);
  tcase_add_test (rules, test_four_reference_audios);
  tcase_add_test (rules, test_audio_needs_image_or_video);
  tcase_add_test (rules, test_draft_stands_alone);
  tcase_add_test (rules, test_nothing_to_generate);
  tcase_add_test (rules, test_video_as_data_uri);
  tcase_add_test (rules, test_image_data_uri_shape);
  tcase_add_test (rules, test_bad_service_tier);
  tcase_add_test (rules, test_priority_out_of_range);
  tcase_add_test (rules, test_callback_not_http);
  tcase_add_test (rules, test_safety_identifier_too_long);
  tcase_add_test (rules, test_unsupported_scheme);
  tcase_add_test (rules, test_bad_base_url);
  tcase_add_test (rules, test_frames_and_duration_exclusive_in_properties);
  tcase_add_test (rules, test_local_video_refused);
  tcase_add_test (rules, test_missing_file);
  tcase_add_test (rules, test_file_of_the_wrong_kind);

  suite_add_tcase (s, bodies);
  tcase_set_timeout (bodies, 120);
  tcase_add_test (bodies, test_local_files_become_typed_data_uris);
  tcase_add_test (bodies, test_first_and_last_frame_body);
  tcase_add_test (bodies, test_multimodal_references_body);
  tcase_add_test (bodies, test_optional_fields_sent_only_when_set);
  tcase_add_test (bodies, test_reference_images_array_from_launch_syntax);
  tcase_add_test (bodies, test_draft_task_body);
  tcase_add_test (bodies, test_user_agent_is_sent);
  return s;
}

TEST_CHECK_MAIN_REQUIRING (request, TEST_SIM_ELEMENTS);
