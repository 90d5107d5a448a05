/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* test-sim: the simulator's own tests, through a plain libsoup client. */
#include <gst/check/gstcheck.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "seedance-sim.h"

#define AUTH "Bearer sim-key"
#define BODY_480P(extra) "{\"model\": \"doubao-seedance-2.0\", \"content\": " \
  "[{\"type\": \"text\", \"text\": \"a red fox runs through snow\"}], " \
  "\"resolution\": \"480p\", \"ratio\": \"16:9\", \"duration\": 5" extra "}"

static SeedanceSim *
sim_start (guint queued_ms, guint running_ms)
{
  SeedanceSim *sim = seedance_sim_new ();
  GError *error = NULL;

  seedance_sim_set_schedule (sim, queued_ms, running_ms);
  fail_unless (seedance_sim_start (sim, 0, &error), "start: %s",
      error ? error->message : "");
  return sim;
}

typedef struct
{
  guint status;
  GBytes *body;
  SoupMessageHeaders *headers;
} Reply;

static void
reply_clear (Reply * r)
{
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
}

/* The request on `session`; *error set (and status 0) when it failed
 * before an answer, a test failure when error is NULL. */
static Reply
http_on (SoupSession * session, const gchar * method, const gchar * url,
    const gchar * auth, const gchar * body, const gchar * range,
    GError ** error)
{
  SoupMessage *msg = soup_message_new (method, url);
  SoupMessageHeaders *hdrs = soup_message_get_request_headers (msg);
  GError *local = NULL;
  Reply r = { 0, };

  if (auth)
    soup_message_headers_replace (hdrs, "Authorization", auth);
  if (range)
    soup_message_headers_replace (hdrs, "Range", range);
  if (body) {
    GBytes *b = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", b);
    g_bytes_unref (b);
  }
  r.body = soup_session_send_and_read (session, msg, NULL, &local);
  if (r.body == NULL) {
    fail_unless (error != NULL, "%s %s: %s", method, url, local->message);
    g_propagate_error (error, local);
  } else {
    r.status = soup_message_get_status (msg);
    r.headers = soup_message_headers_ref (soup_message_get_response_headers
        (msg));
  }
  g_object_unref (msg);
  return r;
}

static Reply
http (const gchar * method, const gchar * url, const gchar * auth,
    const gchar * body, const gchar * range)
{
  SoupSession *session = soup_session_new ();
  SoupMessage *msg = soup_message_new (method, url);
  SoupMessageHeaders *hdrs = soup_message_get_request_headers (msg);
  GError *error = NULL;
  Reply r = { 0, };

  if (auth)
    soup_message_headers_replace (hdrs, "Authorization", auth);
  if (range)
    soup_message_headers_replace (hdrs, "Range", range);
  if (body) {
    GBytes *b = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", b);
    g_bytes_unref (b);
  }
  r.body = soup_session_send_and_read (session, msg, NULL, &error);
  fail_unless (r.body != NULL, "%s %s: %s", method, url,
      error ? error->message : "");
  r.status = soup_message_get_status (msg);
  r.headers = soup_message_headers_ref (soup_message_get_response_headers
      (msg));
  g_object_unref (msg);
  g_object_unref (session);
  return r;
}

static gchar *
api_url (SeedanceSim * sim, const gchar * suffix)
{
  return g_strconcat (seedance_sim_get_base_url (sim),
      "/contents/generations/tasks", suffix, NULL);
}

static JsonNode *
parse (GBytes * body)
{
  JsonParser *parser = json_parser_new ();
  JsonNode *root;
  GError *error = NULL;

  fail_unless (json_parser_load_from_data (parser, g_bytes_get_data (body,
              NULL), g_bytes_get_size (body), &error), "not JSON: %s",
      error ? error->message : "");
  root = json_node_copy (json_parser_get_root (parser));
  g_object_unref (parser);
  fail_unless (JSON_NODE_HOLDS_OBJECT (root));
  return root;
}

static gchar *
create (SeedanceSim * sim, const gchar * body)
{
  gchar *url = api_url (sim, "");
  Reply r = http ("POST", url, AUTH, body, NULL);
  JsonNode *root;
  gchar *id;

  fail_unless_equals_int (r.status, 200);
  root = parse (r.body);
  id = g_strdup (json_object_get_string_member (json_node_get_object (root),
          "id"));
  fail_unless (g_str_has_prefix (id, "cgt-"));
  fail_unless_equals_int (strlen (id), strlen ("cgt-20261124221530-ab12c"));
  json_node_unref (root);
  reply_clear (&r);
  g_free (url);
  return id;
}

/* GET the task; its object, or NULL and *status. */
static JsonNode *
query (SeedanceSim * sim, const gchar * id, guint * status)
{
  gchar *suffix = g_strconcat ("/", id, NULL);
  gchar *url = api_url (sim, suffix);
  Reply r = http ("GET", url, AUTH, NULL, NULL);
  JsonNode *root = parse (r.body);

  if (status)
    *status = r.status;
  else
    fail_unless_equals_int (r.status, 200);
  reply_clear (&r);
  g_free (url);
  g_free (suffix);
  return root;
}

static void
wait_status (SeedanceSim * sim, const gchar * id, const gchar * want)
{
  gint64 deadline = g_get_monotonic_time () + 50 * G_USEC_PER_SEC;

  for (;;) {
    gchar *status = seedance_sim_get_task_status (sim, id);

    if (g_strcmp0 (status, want) == 0) {
      g_free (status);
      return;
    }
    fail_unless (g_get_monotonic_time () < deadline, "task %s is %s, not %s",
        id, status, want);
    g_free (status);
    g_usleep (20 * 1000);
  }
}

static gchar *
video_url (SeedanceSim * sim, const gchar * id)
{
  JsonNode *root = query (sim, id, NULL);
  JsonObject *content = json_object_get_object_member (json_node_get_object
      (root), "content");
  gchar *url = g_strdup (json_object_get_string_member (content,
          "video_url"));

  json_node_unref (root);
  return url;
}

static void
expect_400 (SeedanceSim * sim, const gchar * body, const gchar * param)
{
  gchar *url = api_url (sim, "");
  Reply r = http ("POST", url, AUTH, body, NULL);
  JsonNode *root;
  JsonObject *err;

  fail_unless (r.status == 400, "%u for %s", r.status, body);
  root = parse (r.body);
  err = json_object_get_object_member (json_node_get_object (root), "error");
  fail_unless (err != NULL);
  fail_unless (g_strcmp0 (json_object_get_string_member (err, "param"),
          param) == 0, "param '%s', expected '%s', for %s (%s)",
      json_object_get_string_member (err, "param"), param, body,
      json_object_get_string_member (err, "message"));
  fail_unless (g_strcmp0 (json_object_get_string_member (err, "type"),
          "BadRequest") == 0);
  json_node_unref (root);
  reply_clear (&r);
  g_free (url);
}

/* ---- decoding -------------------------------------------------------- */

typedef struct
{
  guint video_buffers;
  guint audio_buffers;
  gint width, height;
} Decoded;

static void
on_video (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  Decoded *d = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstStructure *s = gst_caps_get_structure (caps, 0);

  gst_structure_get_int (s, "width", &d->width);
  gst_structure_get_int (s, "height", &d->height);
  gst_caps_unref (caps);
  d->video_buffers++;
}

static void
on_audio (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  ((Decoded *) data)->audio_buffers++;
}

static Decoded
decode (GBytes * video, gboolean audio)
{
  Decoded d = { 0, };
  GError *error = NULL;
  gchar *path;
  gint fd;
  GstElement *pipeline, *e;
  GstBus *bus;
  GstMessage *msg;

  fd = g_file_open_tmp ("test-sim-XXXXXX.mp4", &path, &error);
  fail_unless (fd >= 0);
  close (fd);
  fail_unless (g_file_set_contents (path, g_bytes_get_data (video, NULL),
          g_bytes_get_size (video), NULL));

  pipeline = gst_parse_launch (audio ?
      "filesrc name=src ! decodebin name=d "
      "d. ! video/x-raw ! queue ! fakesink name=vsink signal-handoffs=true "
      "d. ! audio/x-raw ! queue ! fakesink name=asink signal-handoffs=true" :
      "filesrc name=src ! decodebin name=d "
      "d. ! video/x-raw ! queue ! fakesink name=vsink signal-handoffs=true",
      &error);
  fail_unless (pipeline != NULL && error == NULL);
  e = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (e, "location", path, NULL);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (pipeline), "vsink");
  g_signal_connect (e, "handoff", G_CALLBACK (on_video), &d);
  gst_object_unref (e);
  if (audio) {
    e = gst_bin_get_by_name (GST_BIN (pipeline), "asink");
    g_signal_connect (e, "handoff", G_CALLBACK (on_audio), &d);
    gst_object_unref (e);
  }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "decoding timed out");
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS, "decoding failed");
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_unlink (path);
  g_free (path);
  return d;
}

/* ---- tests ----------------------------------------------------------- */

GST_START_TEST (test_auth)
{
  SeedanceSim *sim = sim_start (50, 100);
  gchar *url = api_url (sim, "");
  Reply r;
  JsonNode *root;
  JsonObject *err;
  gchar *text;

  r = http ("POST", url, NULL, BODY_480P (""), NULL);
  fail_unless_equals_int (r.status, 401);
  root = parse (r.body);
  err = json_object_get_object_member (json_node_get_object (root), "error");
  fail_unless_equals_string (json_object_get_string_member (err, "code"),
      "AuthenticationError");
  fail_unless_equals_string (json_object_get_string_member (err, "type"),
      "Unauthorized");
  json_node_unref (root);
  reply_clear (&r);

  r = http ("GET", url, "Bearer wrong-key-4711", NULL, NULL);
  fail_unless_equals_int (r.status, 401);
  text = g_strndup (g_bytes_get_data (r.body, NULL),
      g_bytes_get_size (r.body));
  fail_unless (strstr (text, "wrong-key-4711") == NULL);
  g_free (text);
  reply_clear (&r);

  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_LIST), 1);

  seedance_sim_set_api_key (sim, "other");
  r = http ("GET", url, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 401);
  reply_clear (&r);
  r = http ("GET", url, "Bearer other", NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  reply_clear (&r);

  g_free (url);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_create_query_render)
{
  SeedanceSim *sim = sim_start (50, 100);
  gchar *id = create (sim, BODY_480P (""));
  JsonNode *root;
  JsonObject *o, *content, *usage;
  guint status;
  gchar *url, *prefix;
  GBytes *video;
  Reply r;
  Decoded d;

  root = query (sim, id, NULL);
  o = json_node_get_object (root);
  fail_unless (g_strcmp0 (json_object_get_string_member (o, "status"),
          "queued") == 0 || g_strcmp0 (json_object_get_string_member (o,
              "status"), "running") == 0);
  fail_unless (!json_object_has_member (o, "content"));
  json_node_unref (root);

  wait_status (sim, id, "succeeded");
  root = query (sim, id, &status);
  fail_unless_equals_int (status, 200);
  o = json_node_get_object (root);
  fail_unless_equals_string (json_object_get_string_member (o, "id"), id);
  fail_unless_equals_string (json_object_get_string_member (o, "model"),
      "doubao-seedance-2-0-260128");
  fail_unless_equals_string (json_object_get_string_member (o, "status"),
      "succeeded");
  fail_unless (json_object_get_null_member (o, "error"));
  fail_unless (json_object_get_int_member (o, "created_at") > 1700000000);
  fail_unless (json_object_get_int_member (o, "updated_at") >=
      json_object_get_int_member (o, "created_at"));
  fail_unless (json_object_get_int_member (o, "seed") >= 0);
  fail_unless_equals_string (json_object_get_string_member (o, "resolution"),
      "480p");
  fail_unless_equals_string (json_object_get_string_member (o, "ratio"),
      "16:9");
  fail_unless_equals_int (json_object_get_int_member (o, "duration"), 5);
  fail_unless (!json_object_has_member (o, "frames"));
  fail_unless_equals_int (json_object_get_int_member (o, "framespersecond"),
      24);
  fail_unless (!json_object_get_boolean_member (o, "generate_audio"));
  fail_unless_equals_string (json_object_get_string_member (o,
          "service_tier"), "default");
  fail_unless_equals_int (json_object_get_int_member (o,
          "execution_expires_after"), 172800);
  usage = json_object_get_object_member (o, "usage");
  fail_unless (json_object_get_int_member (usage, "completion_tokens") > 0);
  fail_unless (json_object_get_int_member (usage, "total_tokens") > 0);
  content = json_object_get_object_member (o, "content");
  url = g_strdup (json_object_get_string_member (content, "video_url"));
  fail_unless (!json_object_has_member (content, "last_frame_url"));
  json_node_unref (root);

  prefix = g_strdup_printf ("http://%s/videos/%s.mp4?",
      seedance_sim_get_file_host (sim), id);
  fail_unless (g_str_has_prefix (url, prefix), "%s", url);
  g_free (prefix);

  r = http ("GET", url, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless_equals_string (soup_message_headers_get_content_type (r.headers,
          NULL), "video/mp4");
  video = seedance_sim_get_task_video (sim, id);
  fail_unless (g_bytes_equal (video, r.body));
  g_bytes_unref (video);

  d = decode (r.body, FALSE);
  fail_unless_equals_int (d.video_buffers, 5 * 24);
  fail_unless_equals_int (d.width, 854);
  fail_unless_equals_int (d.height, 480);
  reply_clear (&r);

  g_free (url);
  g_free (id);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_render_audio_frames)
{
  SeedanceSim *sim = sim_start (0, 0);
  gchar *id, *url;
  GBytes *video;
  Decoded d;
  JsonNode *root;
  JsonObject *o, *content;
  Reply r;

  id = create (sim, BODY_480P (", \"generate_audio\": true, "
          "\"return_last_frame\": true"));
  wait_status (sim, id, "succeeded");
  video = seedance_sim_get_task_video (sim, id);
  d = decode (video, TRUE);
  fail_unless_equals_int (d.video_buffers, 120);
  fail_unless_equals_int (d.width, 854);
  fail_unless_equals_int (d.height, 480);
  fail_unless (d.audio_buffers > 0);
  g_bytes_unref (video);

  root = query (sim, id, NULL);
  o = json_node_get_object (root);
  fail_unless (json_object_get_boolean_member (o, "generate_audio"));
  content = json_object_get_object_member (o, "content");
  url = g_strdup (json_object_get_string_member (content, "last_frame_url"));
  fail_unless (url && strstr (url, "/frames/") != NULL);
  json_node_unref (root);
  r = http ("GET", url, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless_equals_string (soup_message_headers_get_content_type (r.headers,
          NULL), "image/png");
  fail_unless (memcmp (g_bytes_get_data (r.body, NULL), "\x89PNG", 4) == 0);
  reply_clear (&r);
  g_free (url);
  g_free (id);

  /* frames instead of duration; 9:16 is the transpose */
  id = create (sim, "{\"model\": \"doubao-seedance-2-fast\", \"content\": "
      "[{\"type\": \"text\", \"text\": \"tall\"}], \"resolution\": \"480p\", "
      "\"ratio\": \"9:16\", \"frames\": 30}");
  wait_status (sim, id, "succeeded");
  root = query (sim, id, NULL);
  o = json_node_get_object (root);
  fail_unless_equals_int (json_object_get_int_member (o, "frames"), 30);
  fail_unless (!json_object_has_member (o, "duration"));
  fail_unless_equals_string (json_object_get_string_member (o, "model"),
      "doubao-seedance-2-0-fast-260128");
  json_node_unref (root);
  video = seedance_sim_get_task_video (sim, id);
  d = decode (video, FALSE);
  fail_unless_equals_int (d.video_buffers, 30);
  fail_unless_equals_int (d.width, 480);
  fail_unless_equals_int (d.height, 854);
  g_bytes_unref (video);
  g_free (id);

  seedance_sim_free (sim);
}

GST_END_TEST;

#define IMG(role) "{\"type\": \"image_url\", \"image_url\": {\"url\": " \
  "\"https://example.com/a.png\"}, \"role\": \"" role "\"}"
#define TEXT "{\"type\": \"text\", \"text\": \"hello\"}"
#define M20 "\"model\": \"doubao-seedance-2.0\""

GST_START_TEST (test_validation)
{
  SeedanceSim *sim = sim_start (50, 100);
  static const struct
  {
    const gchar *body;
    const gchar *param;
  } cases[] = {
    {"{\"content\": [" TEXT "]}", "model"},
    {"{\"model\": \"seedance-1\", \"content\": [" TEXT "]}", "model"},
    {"{" M20 "}", "content"},
    {"{" M20 ", \"content\": []}", "content"},
    {"[1, 2]", "body"},
    {"not json", "body"},
    {"{" M20 ", \"content\": [" TEXT "], \"duration\": 5, \"frames\": 48}",
        "frames"},
    {"{" M20 ", \"content\": [" TEXT "], \"duration\": 4}", "duration"},
    {"{" M20 ", \"content\": [" TEXT "], \"duration\": \"5\"}", "duration"},
    {"{\"model\": \"doubao-seedance-2-fast\", \"content\": [" TEXT "], "
          "\"resolution\": \"1080p\"}", "resolution"},
    {"{" M20 ", \"content\": [" TEXT "], \"ratio\": \"4:3\"}", "ratio"},
    {"{" M20 ", \"content\": [" TEXT ", " IMG ("last_frame") "]}",
        "content.role"},
    {"{" M20 ", \"content\": [" IMG ("first_frame") ", "
          IMG ("reference_image") "]}", "content.role"},
    {"{" M20 ", \"content\": [" TEXT ", {\"type\": \"audio_url\", "
          "\"audio_url\": {\"url\": \"https://example.com/a.mp3\"}, "
          "\"role\": \"reference_audio\"}]}", "content"},
    {"{" M20 ", \"content\": [" IMG ("reference_image") ", "
          IMG ("reference_image") ", " IMG ("reference_image") ", "
          IMG ("reference_image") ", " IMG ("reference_image") ", "
          IMG ("reference_image") ", " IMG ("reference_image") ", "
          IMG ("reference_image") ", " IMG ("reference_image") ", "
          IMG ("reference_image") "]}", "content.role"},
    {"{" M20 ", \"content\": [{\"type\": \"video_url\", \"video_url\": "
          "{\"url\": \"data:video/mp4;base64,AAAA\"}, \"role\": "
          "\"reference_video\"}]}", "content.video_url.url"},
    {"{" M20 ", \"content\": [{\"type\": \"image_url\", \"image_url\": "
          "{\"url\": \"data:image/png;base64,@@@\"}}]}",
        "content.image_url.url"},
    {"{" M20 ", \"content\": [" TEXT "], \"prompt\": \"a cat\"}", "prompt"},
    {"{" M20 ", \"content\": [" TEXT "], \"size\": \"1280x720\"}", "size"},
    {"{" M20 ", \"content\": [" TEXT ", " TEXT "]}", "content.text"},
    {"{" M20 ", \"content\": [{\"type\": \"text\", \"text\": \"\"}]}",
        "content.text"},
    {"{" M20 ", \"content\": [{\"type\": \"draft_task\", \"draft_task\": "
          "{\"id\": \"cgt-nope\"}}]}", "content.draft_task.id"},
    {"{" M20 ", \"content\": [" TEXT "], \"seed\": 4294967296}", "seed"},
    {"{" M20 ", \"content\": [" TEXT "], \"watermark\": \"yes\"}",
        "watermark"},
    {"{" M20 ", \"content\": [" TEXT "], \"service_tier\": \"fast\"}",
        "service_tier"},
    {"{" M20 ", \"content\": [" TEXT "], \"priority\": 10}", "priority"},
    {"{" M20 ", \"content\": [" TEXT "], \"callback_url\": \"ftp://x\"}",
        "callback_url"},
    {"{" M20 ", \"content\": [" TEXT "], \"safety_identifier\": \"\"}",
        "safety_identifier"},
    {"{" M20 ", \"content\": [" TEXT "], \"execution_expires_after\": 0}",
        "execution_expires_after"},
    {"{" M20 ", \"content\": [{\"type\": \"video_url\", \"video_url\": "
          "{\"url\": \"https://example.com/v.mp4\"}}]}", "content.role"},
  };
  static const gchar *valid[] = {
    "{" M20 ", \"content\": [" TEXT ", " IMG ("first_frame") ", "
        IMG ("last_frame") "], \"resolution\": \"720p\", \"ratio\": "
        "\"16:9\", \"duration\": 5}",
    "{" M20 ", \"content\": [{\"type\": \"image_url\", \"image_url\": "
        "{\"url\": \"data:image/png;base64,iVBORw0KGgo=\"}}]}",
    "{" M20 ", \"content\": [" IMG ("reference_image") ", {\"type\": "
        "\"audio_url\", \"audio_url\": {\"url\": \"asset://aud-1\"}, "
        "\"role\": \"reference_audio\"}], \"seed\": 4294967295, "
        "\"priority\": 9, \"service_tier\": \"flex\", \"safety_identifier\": "
        "\"user-1\", \"watermark\": true}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    expect_400 (sim, cases[i].body, cases[i].param);
  for (i = 0; i < G_N_ELEMENTS (valid); i++) {
    GError *error = NULL;
    gchar *id = seedance_sim_create_task (sim, valid[i], &error);

    fail_unless (id != NULL, "valid body %u refused: %s", i,
        error ? error->message : "");
    g_free (id);
  }
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_range_and_log)
{
  SeedanceSim *sim = sim_start (0, 0);
  gchar *id = create (sim, BODY_480P (""));
  gchar *url, *bad, *expect, *total_s;
  GBytes *video;
  gsize total;
  Reply r;
  GPtrArray *log;
  guint i, file_requests = 0;

  wait_status (sim, id, "succeeded");
  url = video_url (sim, id);
  video = seedance_sim_get_task_video (sim, id);
  total = g_bytes_get_size (video);

  r = http ("GET", url, NULL, NULL, "bytes=0-99");
  fail_unless_equals_int (r.status, 206);
  fail_unless_equals_int (g_bytes_get_size (r.body), 100);
  expect = g_strdup_printf ("bytes 0-99/%" G_GSIZE_FORMAT, total);
  fail_unless_equals_string (soup_message_headers_get_one (r.headers,
          "Content-Range"), expect);
  g_free (expect);
  fail_unless (memcmp (g_bytes_get_data (r.body, NULL),
          g_bytes_get_data (video, NULL), 100) == 0);
  reply_clear (&r);

  r = http ("GET", url, NULL, NULL, "bytes=100-");
  fail_unless_equals_int (r.status, 206);
  fail_unless_equals_int (g_bytes_get_size (r.body), total - 100);
  reply_clear (&r);

  total_s = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-", total);
  r = http ("GET", url, NULL, NULL, total_s);
  fail_unless_equals_int (r.status, 416);
  expect = g_strdup_printf ("bytes */%" G_GSIZE_FORMAT, total);
  fail_unless_equals_string (soup_message_headers_get_one (r.headers,
          "Content-Range"), expect);
  g_free (expect);
  g_free (total_s);
  reply_clear (&r);

  r = http ("GET", url, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless_equals_string (soup_message_headers_get_one (r.headers,
          "Accept-Ranges"), "bytes");
  fail_unless_equals_int (g_bytes_get_size (r.body), total);
  reply_clear (&r);

  r = http ("HEAD", url, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless_equals_int (soup_message_headers_get_content_length (r.headers),
      total);
  reply_clear (&r);

  /* a tampered signature */
  bad = g_strconcat (url, "0", NULL);
  r = http ("GET", bad, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 403);
  reply_clear (&r);
  g_free (bad);

  log = seedance_sim_get_requests (sim);
  for (i = 0; i < log->len; i++) {
    SeedanceSimRequest *req = log->pdata[i];

    if (req->endpoint == SEEDANCE_SIM_VIDEO) {
      file_requests++;
      fail_unless (req->authorization == NULL);
      fail_unless_equals_string (req->host, seedance_sim_get_file_host (sim));
      fail_unless (strstr (req->query, "X-Sim-Signature=") != NULL);
    } else {
      fail_unless_equals_string (req->host, seedance_sim_get_api_host (sim));
      fail_unless_equals_string (req->authorization, AUTH);
      fail_unless (strstr (req->headers, "Authorization: ") != NULL);
    }
    fail_unless (req->status != 0);
  }
  fail_unless_equals_int (file_requests, 6);
  fail_unless (strstr (((SeedanceSimRequest *) log->pdata[0])->body,
          "red fox") != NULL);
  g_ptr_array_unref (log);
  seedance_sim_clear_log (sim);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);

  g_bytes_unref (video);
  g_free (url);
  g_free (id);
  seedance_sim_free (sim);
}

GST_END_TEST;

static guint
delete_task (SeedanceSim * sim, const gchar * id)
{
  gchar *suffix = g_strconcat ("/", id, NULL);
  gchar *url = api_url (sim, suffix);
  Reply r = http ("DELETE", url, AUTH, NULL, NULL);
  guint status = r.status;
  JsonNode *root = parse (r.body);

  if (status == 200) {
    fail_unless_equals_int (json_object_get_size (json_node_get_object
            (root)), 0);
  } else {
    fail_unless (json_object_has_member (json_node_get_object (root),
            "error"));
  }
  json_node_unref (root);
  reply_clear (&r);
  g_free (url);
  g_free (suffix);
  return status;
}

GST_START_TEST (test_delete)
{
  SeedanceSim *sim = sim_start (60000, 100);
  gchar *id, *status_s;
  guint status;
  JsonNode *root;
  gchar *url;
  Reply r;

  /* queued -> cancelled, then refused */
  id = create (sim, BODY_480P (""));
  fail_unless_equals_int (delete_task (sim, id), 200);
  status_s = seedance_sim_get_task_status (sim, id);
  fail_unless_equals_string (status_s, "cancelled");
  g_free (status_s);
  root = query (sim, id, NULL);
  fail_unless_equals_string (json_object_get_string_member
      (json_node_get_object (root), "status"), "cancelled");
  json_node_unref (root);
  fail_unless (delete_task (sim, id) == 409);
  g_free (id);

  /* running: refused */
  seedance_sim_set_schedule (sim, 0, 60000);
  id = create (sim, BODY_480P (""));
  wait_status (sim, id, "running");
  fail_unless_equals_int (delete_task (sim, id), 409);
  g_free (id);

  /* succeeded: deleted */
  seedance_sim_set_schedule (sim, 0, 0);
  id = create (sim, BODY_480P (""));
  wait_status (sim, id, "succeeded");
  fail_unless_equals_int (delete_task (sim, id), 200);
  root = query (sim, id, &status);
  fail_unless_equals_int (status, 404);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (json_node_get_object (root), "error"),
          "code"), "ResourceNotFound");
  json_node_unref (root);
  fail_unless (seedance_sim_get_task_status (sim, id) == NULL);
  fail_unless_equals_int (delete_task (sim, id), 404);
  g_free (id);

  /* the list holds the two left */
  url = api_url (sim, "?page_num=1&page_size=10&filter.status=cancelled");
  r = http ("GET", url, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  root = parse (r.body);
  fail_unless_equals_int (json_object_get_int_member (json_node_get_object
          (root), "total"), 1);
  fail_unless_equals_int (json_array_get_length (json_object_get_array_member
          (json_node_get_object (root), "items")), 1);
  json_node_unref (root);
  reply_clear (&r);
  g_free (url);

  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_outcome_failed)
{
  SeedanceSim *sim = sim_start (0, 0);
  gchar *id;
  JsonNode *root;
  JsonObject *o, *err;

  seedance_sim_set_outcome (sim, "failed",
      "OutputVideoSensitiveContentDetected", "the output was refused");
  id = create (sim, BODY_480P (""));
  seedance_sim_set_outcome (sim, NULL, NULL, NULL);
  wait_status (sim, id, "failed");
  root = query (sim, id, NULL);
  o = json_node_get_object (root);
  fail_unless_equals_string (json_object_get_string_member (o, "status"),
      "failed");
  err = json_object_get_object_member (o, "error");
  fail_unless_equals_string (json_object_get_string_member (err, "code"),
      "OutputVideoSensitiveContentDetected");
  fail_unless_equals_string (json_object_get_string_member (err, "message"),
      "the output was refused");
  fail_unless (!json_object_has_member (o, "content"));
  json_node_unref (root);
  g_free (id);

  /* the outcome was captured at creation: the next one succeeds */
  id = create (sim, BODY_480P (""));
  wait_status (sim, id, "succeeded");
  g_free (id);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_fault_status)
{
  SeedanceSim *sim = sim_start (0, 0);
  SeedanceSimFaultParams p = { 0, };
  gchar *id = create (sim, BODY_480P (""));
  gchar *suffix = g_strconcat ("/", id, NULL);
  gchar *url = api_url (sim, suffix);
  JsonNode *root;
  Reply r;

  wait_status (sim, id, "succeeded");
  p.status = 429;
  p.code = "RateLimitExceeded.EndpointRPM";
  p.message = "slow down";
  p.retry_after_s = 7;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_STATUS,
      1, &p);
  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_HTML, 1,
      NULL);

  r = http ("GET", url, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 429);
  fail_unless_equals_string (soup_message_headers_get_one (r.headers,
          "Retry-After"), "7");
  root = parse (r.body);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (json_node_get_object (root), "error"),
          "code"), "RateLimitExceeded.EndpointRPM");
  json_node_unref (root);
  reply_clear (&r);

  r = http ("GET", url, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 502);
  fail_unless_equals_string (soup_message_headers_get_content_type (r.headers,
          NULL), "text/html");
  reply_clear (&r);

  r = http ("GET", url, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  reply_clear (&r);

  /* oversized and wrong types, then a forever fault cleared */
  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY,
      SEEDANCE_SIM_FAULT_OVERSIZED, 1, NULL);
  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY,
      SEEDANCE_SIM_FAULT_WRONG_TYPES, 0, NULL);
  r = http ("GET", url, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless (g_bytes_get_size (r.body) > 1024 * 1024);
  root = parse (r.body);
  json_node_unref (root);
  reply_clear (&r);
  r = http ("GET", url, AUTH, NULL, NULL);
  root = parse (r.body);
  fail_unless_equals_int (json_object_get_int_member (json_node_get_object
          (root), "status"), 7);
  json_node_unref (root);
  reply_clear (&r);
  r = http ("GET", url, AUTH, NULL, NULL);
  root = parse (r.body);
  fail_unless_equals_int (json_object_get_int_member (json_node_get_object
          (root), "status"), 7);
  json_node_unref (root);
  reply_clear (&r);
  seedance_sim_clear_faults (sim);
  r = http ("GET", url, AUTH, NULL, NULL);
  root = parse (r.body);
  fail_unless_equals_string (json_object_get_string_member
      (json_node_get_object (root), "status"), "succeeded");
  json_node_unref (root);
  reply_clear (&r);

  g_free (url);
  g_free (suffix);
  g_free (id);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* Read a body until the end or an error; the number of bytes read. */
static gsize
read_all (const gchar * url, goffset * content_length, gboolean * failed)
{
  SoupSession *session = soup_session_new_with_options ("timeout", 20, NULL);
  SoupMessage *msg = soup_message_new ("GET", url);
  GError *error = NULL;
  GInputStream *in;
  gchar buf[16384];
  gssize n;
  gsize total = 0;

  in = soup_session_send (session, msg, NULL, &error);
  fail_unless (in != NULL);
  fail_unless_equals_int (soup_message_get_status (msg), 200);
  *content_length = soup_message_headers_get_content_length
      (soup_message_get_response_headers (msg));
  while ((n = g_input_stream_read (in, buf, sizeof (buf), NULL, &error)) > 0)
    total += n;
  *failed = n < 0;
  g_clear_error (&error);
  g_object_unref (in);
  g_object_unref (msg);
  g_object_unref (session);
  return total;
}

GST_START_TEST (test_fault_drop_after)
{
  SeedanceSim *sim = sim_start (0, 0);
  SeedanceSimFaultParams p = { 0, };
  gchar *id = create (sim, BODY_480P (""));
  gchar *url;
  goffset length;
  gboolean failed;
  gsize got;
  GBytes *video;

  wait_status (sim, id, "succeeded");
  url = video_url (sim, id);
  video = seedance_sim_get_task_video (sim, id);

  p.bytes = 1000;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_DROP_AFTER, 1, &p);
  got = read_all (url, &length, &failed);
  fail_unless_equals_int (length, g_bytes_get_size (video));
  fail_unless (got < (gsize) length, "got %" G_GSIZE_FORMAT, got);
  fail_unless_equals_int (got, 1000);

  p.bytes = 500;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_SHORT_BODY, 1, &p);
  got = read_all (url, &length, &failed);
  fail_unless_equals_int (got, 500);

  /* and then whole again */
  got = read_all (url, &length, &failed);
  fail_unless_equals_int (got, g_bytes_get_size (video));
  fail_unless (!failed);

  g_bytes_unref (video);
  g_free (url);
  g_free (id);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_fault_expired_url)
{
  SeedanceSim *sim = sim_start (0, 0);
  gchar *id = create (sim, BODY_480P (""));
  gchar *url, *fresh, *text;
  Reply r;

  wait_status (sim, id, "succeeded");
  url = video_url (sim, id);
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_EXPIRED_URL, 1, NULL);
  r = http ("GET", url, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 403);
  text = g_strndup (g_bytes_get_data (r.body, NULL),
      g_bytes_get_size (r.body));
  fail_unless (strstr (text, "Request has expired") != NULL);
  g_free (text);
  reply_clear (&r);

  fresh = video_url (sim, id);
  fail_unless (g_strcmp0 (url, fresh) != 0);
  r = http ("GET", fresh, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  reply_clear (&r);

  /* redirect: the same path on the other host */
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_REDIRECT, 1, NULL);
  r = http ("GET", fresh, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  reply_clear (&r);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_VIDEO), 4);

  g_free (fresh);
  g_free (url);
  g_free (id);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* The callback goes to the simulator's own file host, whose log keeps it. */
GST_START_TEST (test_callbacks_and_faults)
{
  SeedanceSim *sim = sim_start (0, 0);
  gchar *body, *id, *url, *suffix, *qurl;
  GPtrArray *log;
  guint i, posts = 0;
  gint64 deadline;
  SeedanceSimFaultParams p = { 0, };
  Reply r;
  JsonNode *root;
  JsonParser *parser;

  body = g_strdup_printf (BODY_480P (", \"callback_url\": \"%s/cb\""),
      seedance_sim_get_file_host_url (sim));
  id = create (sim, body);
  wait_status (sim, id, "succeeded");
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (posts < 3 && g_get_monotonic_time () < deadline) {
    posts = 0;
    log = seedance_sim_get_requests (sim);
    for (i = 0; i < log->len; i++) {
      SeedanceSimRequest *req = log->pdata[i];

      if (g_strcmp0 (req->path, "/cb") == 0) {
        fail_unless_equals_string (req->method, "POST");
        fail_unless (strstr (req->body, id) != NULL);
        posts++;
      }
    }
    g_ptr_array_unref (log);
    g_usleep (20 * 1000);
  }
  fail_unless_equals_int (posts, 3);

  url = video_url (sim, id);
  suffix = g_strconcat ("/", id, NULL);
  qurl = api_url (sim, suffix);

  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_NO_RANGES, 1, NULL);
  r = http ("GET", url, NULL, NULL, "bytes=0-9");
  fail_unless_equals_int (r.status, 200);
  fail_unless_equals_string (soup_message_headers_get_one (r.headers,
          "Accept-Ranges"), "none");
  fail_unless (g_bytes_get_size (r.body) > 10);
  reply_clear (&r);
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_IGNORE_RANGE, 1, NULL);
  r = http ("GET", url, NULL, NULL, "bytes=0-9");
  fail_unless_equals_int (r.status, 200);
  fail_unless (g_bytes_get_size (r.body) > 10);
  reply_clear (&r);
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_NOT_MP4, 1, NULL);
  r = http ("GET", url, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless (memcmp (g_bytes_get_data (r.body, NULL), "<!DOCTYPE", 9) == 0);
  reply_clear (&r);

  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY,
      SEEDANCE_SIM_FAULT_NO_VIDEO_URL, 1, NULL);
  root = query (sim, id, NULL);
  fail_unless_equals_string (json_object_get_string_member
      (json_node_get_object (root), "status"), "succeeded");
  fail_unless (!json_object_has_member (json_object_get_object_member
          (json_node_get_object (root), "content"), "video_url"));
  json_node_unref (root);

  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY,
      SEEDANCE_SIM_FAULT_MALFORMED, 1, NULL);
  r = http ("GET", qurl, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  parser = json_parser_new ();
  fail_unless (!json_parser_load_from_data (parser, g_bytes_get_data (r.body,
              NULL), g_bytes_get_size (r.body), NULL));
  g_object_unref (parser);
  reply_clear (&r);

  p.delay_ms = 300;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_DELAY,
      1, &p);
  deadline = g_get_monotonic_time ();
  r = http ("GET", qurl, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless (g_get_monotonic_time () - deadline >= 290 * 1000);
  reply_clear (&r);

  /* redirect of the API to the file host: the other host serves the same
   * path, but libsoup drops Authorization on a cross-host redirect */
  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_REDIRECT,
      1, NULL);
  r = http ("GET", qurl, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 401);
  reply_clear (&r);
  log = seedance_sim_get_requests (sim);
  fail_unless_equals_int (((SeedanceSimRequest *) log->pdata[log->len -
              2])->status, 302);
  fail_unless_equals_string (((SeedanceSimRequest *) log->pdata[log->len -
              1])->host, seedance_sim_get_file_host (sim));
  g_ptr_array_unref (log);

  /* stall after some bytes: the client times out or the sim is freed */
  p.bytes = 2000;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_STALL_AFTER, 1, &p);
  {
    SoupSession *session = soup_session_new_with_options ("timeout", 1,
        NULL);
    SoupMessage *msg = soup_message_new ("GET", url);
    GError *error = NULL;
    GBytes *b = soup_session_send_and_read (session, msg, NULL, &error);

    fail_unless (b == NULL && error != NULL);
    g_clear_error (&error);
    g_object_unref (msg);
    g_object_unref (session);
  }

  g_free (qurl);
  g_free (suffix);
  g_free (url);
  g_free (id);
  g_free (body);
  seedance_sim_free (sim);
}

GST_END_TEST;

static gpointer
stalled_client (gpointer data)
{
  gchar *url = data;
  SoupSession *session = soup_session_new_with_options ("timeout", 30, NULL);
  SoupMessage *msg = soup_message_new ("GET", url);
  GBytes *body;

  soup_message_headers_replace (soup_message_get_request_headers (msg),
      "Authorization", AUTH);
  body = soup_session_send_and_read (session, msg, NULL, NULL);
  if (body)
    g_bytes_unref (body);
  g_object_unref (msg);
  g_object_unref (session);
  return NULL;
}

GST_START_TEST (test_free_with_stall)
{
  SeedanceSim *sim = sim_start (0, 0);
  SeedanceSimFaultParams p = { 0, };
  gchar *url = api_url (sim, "/cgt-20260101000000-abcde");
  GThread *client, *client2;
  gint64 start;

  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_STALL,
      1, NULL);
  p.delay_ms = 60000;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_DELAY,
      1, &p);
  client = g_thread_new ("client", stalled_client, url);
  while (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY) < 1)
    g_usleep (10 * 1000);
  client2 = g_thread_new ("client2", stalled_client, url);
  while (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY) < 2)
    g_usleep (10 * 1000);

  start = g_get_monotonic_time ();
  seedance_sim_free (sim);
  fail_unless (g_get_monotonic_time () - start < 3 * G_USEC_PER_SEC);
  g_thread_join (client);
  g_thread_join (client2);
  fail_unless (g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC);
  g_free (url);
}

GST_END_TEST;

/* ---- fleet scale ----------------------------------------------------- */

static const gchar *
error_code (GBytes * body)
{
  static gchar code[128];
  JsonNode *root = parse (body);
  JsonObject *err = json_object_get_object_member (json_node_get_object
      (root), "error");

  fail_unless (err != NULL);
  g_strlcpy (code, json_object_get_string_member_with_default (err, "code",
          ""), sizeof (code));
  json_node_unref (root);
  return code;
}

static guint
get_status (const gchar * url, const gchar * auth)
{
  Reply r = http ("GET", url, auth, NULL, NULL);
  guint status = r.status;

  reply_clear (&r);
  return status;
}

GST_START_TEST (test_rate_limit)
{
  SeedanceSim *sim = sim_start (0, 0);
  gchar *list = api_url (sim, "");
  gchar *unknown = api_url (sim, "/cgt-20260101000000-abcde");
  gchar *id, *vurl;
  const gchar *retry;
  gint64 first_call, elapsed_s;
  guint i;
  Reply r;

  seedance_sim_set_rate_limit (sim, 3);
  /* a refused key and the file host do not count */
  fail_unless_equals_int (get_status (list, "Bearer nope"), 401);
  first_call = g_get_monotonic_time ();
  id = create (sim, BODY_480P (""));
  wait_status (sim, id, "succeeded");
  vurl = video_url (sim, id);
  for (i = 0; i < 5; i++)
    fail_unless_equals_int (get_status (vurl, NULL), 200);
  /* create, query: two calls; a 404 is a call too */
  fail_unless_equals_int (get_status (unknown, AUTH), 404);

  r = http ("GET", list, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 429);
  fail_unless_equals_string (error_code (r.body),
      "RateLimitExceeded.EndpointRPM");
  retry = soup_message_headers_get_one (r.headers, "Retry-After");
  fail_unless (retry != NULL);
  /* the oldest call (the create) leaves the window 60 s after it was made */
  elapsed_s = (g_get_monotonic_time () - first_call) / G_USEC_PER_SEC;
  fail_unless (atoi (retry) >= 60 - elapsed_s - 1 && atoi (retry) <= 60,
      "Retry-After %s, %" G_GINT64_FORMAT " s after the first call", retry,
      elapsed_s);
  reply_clear (&r);
  fail_unless_equals_int (get_status (list, AUTH), 429);

  /* the two 429s did not count: with room for 5, two more pass */
  seedance_sim_set_rate_limit (sim, 5);
  fail_unless_equals_int (get_status (list, AUTH), 200);
  fail_unless_equals_int (get_status (unknown, AUTH), 404);
  fail_unless_equals_int (get_status (list, AUTH), 429);

  /* another key has a window of its own */
  seedance_sim_set_api_key (sim, "other");
  fail_unless_equals_int (get_status (list, "Bearer other"), 200);

  fail_unless_equals_int (seedance_sim_count_status (sim,
          SEEDANCE_SIM_ANY_ENDPOINT, 429), 3);
  fail_unless_equals_int (seedance_sim_count_status (sim, SEEDANCE_SIM_LIST,
          429), 3);
  fail_unless_equals_int (seedance_sim_count_status (sim, SEEDANCE_SIM_QUERY,
          404), 2);
  fail_unless_equals_int (seedance_sim_count_status (sim, SEEDANCE_SIM_VIDEO,
          200), 5);
  fail_unless_equals_int (seedance_sim_count_status (sim, SEEDANCE_SIM_LIST,
          401), 1);

  /* no limit */
  seedance_sim_set_rate_limit (sim, 0);
  fail_unless_equals_int (get_status (list, "Bearer other"), 200);

  g_free (vurl);
  g_free (id);
  g_free (unknown);
  g_free (list);
  seedance_sim_free (sim);
}

GST_END_TEST;

static gint64
list_total (SeedanceSim * sim, const gchar * query_string)
{
  gchar *url = api_url (sim, query_string);
  Reply r = http ("GET", url, AUTH, NULL, NULL);
  JsonNode *root;
  gint64 total;

  fail_unless_equals_int (r.status, 200);
  root = parse (r.body);
  total = json_object_get_int_member (json_node_get_object (root), "total");
  json_node_unref (root);
  reply_clear (&r);
  g_free (url);
  return total;
}

GST_START_TEST (test_max_queued)
{
  SeedanceSim *sim = sim_start (60000, 0);
  gchar *url = api_url (sim, "");
  gchar *a, *b, *c;
  GError *error = NULL;
  Reply r;

  seedance_sim_set_max_queued (sim, 2);
  a = create (sim, BODY_480P (""));
  b = create (sim, BODY_480P (""));
  r = http ("POST", url, AUTH, BODY_480P (""), NULL);
  fail_unless_equals_int (r.status, 429);
  fail_unless_equals_string (error_code (r.body), "QuotaExceeded");
  reply_clear (&r);
  fail_unless_equals_int (list_total (sim, ""), 2);

  /* a direct create is not held to it */
  c = seedance_sim_create_task (sim, BODY_480P (""), &error);
  fail_unless (c != NULL);
  fail_unless_equals_int (list_total (sim, "?filter.status=queued"), 3);

  /* cancelling makes room only below the limit */
  fail_unless_equals_int (delete_task (sim, c), 200);
  fail_unless_equals_int (get_status (url, AUTH), 200);
  r = http ("POST", url, AUTH, BODY_480P (""), NULL);
  fail_unless_equals_int (r.status, 429);
  reply_clear (&r);
  fail_unless_equals_int (delete_task (sim, a), 200);
  g_free (c);
  c = create (sim, BODY_480P (""));

  seedance_sim_set_max_queued (sim, 0);
  g_free (a);
  a = create (sim, BODY_480P (""));
  fail_unless_equals_int (list_total (sim, "?filter.status=queued"), 3);
  fail_unless_equals_int (seedance_sim_count_status (sim,
          SEEDANCE_SIM_CREATE, 429), 2);

  g_free (a);
  g_free (b);
  g_free (c);
  g_free (url);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_list)
{
  SeedanceSim *sim = sim_start (0, 0);
  gchar *ids[3], *url, *q, *single, *listed;
  static const gchar *bad[] = {
    "?page_size=501", "?page_size=0", "?page_num=0", "?page_num=-1",
    "?page_num=abc", "?page_size=1.5", "?page_size=", "?page_num=501",
    "?page_size=+5", "?filter.status=done", "?filter.service_tier=fast",
  };
  JsonNode *root, *one;
  JsonArray *items;
  guint i;
  Reply r;

  for (i = 0; i < 3; i++) {
    ids[i] = create (sim, BODY_480P (""));
    wait_status (sim, ids[i], "succeeded");
  }

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    url = api_url (sim, bad[i]);
    r = http ("GET", url, AUTH, NULL, NULL);
    fail_unless (r.status == 400, "%u for %s", r.status, bad[i]);
    fail_unless_equals_string (error_code (r.body), "InvalidParameter");
    reply_clear (&r);
    g_free (url);
  }

  /* page 2 of 2 per page: the oldest; items are the query answers */
  url = api_url (sim, "?page_num=2&page_size=2");
  r = http ("GET", url, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  root = parse (r.body);
  fail_unless_equals_int (json_object_get_int_member (json_node_get_object
          (root), "total"), 3);
  items = json_object_get_array_member (json_node_get_object (root), "items");
  fail_unless_equals_int (json_array_get_length (items), 1);
  one = query (sim, ids[0], NULL);
  single = json_to_string (one, FALSE);
  listed = json_to_string (json_array_get_element (items, 0), FALSE);
  fail_unless_equals_string (listed, single);
  g_free (single);
  g_free (listed);
  json_node_unref (one);
  json_node_unref (root);
  reply_clear (&r);
  g_free (url);

  /* filters: repeated task ids, model, status, tier */
  q = g_strdup_printf ("?filter.task_ids=%s&filter.task_ids=%s", ids[0],
      ids[2]);
  fail_unless_equals_int (list_total (sim, q), 2);
  g_free (q);
  q = g_strdup_printf ("?filter.task_ids=%s,%s", ids[0], ids[2]);
  fail_unless_equals_int (list_total (sim, q), 0);
  g_free (q);
  fail_unless_equals_int (list_total (sim,
          "?filter.model=doubao-seedance-2.0&page_size=500"), 3);
  fail_unless_equals_int (list_total (sim,
          "?filter.model=doubao-seedance-2-0-260128"), 3);
  fail_unless_equals_int (list_total (sim,
          "?filter.model=doubao-seedance-2-fast"), 0);
  fail_unless_equals_int (list_total (sim, "?filter.status=succeeded"), 3);
  fail_unless_equals_int (list_total (sim, "?filter.status=running"), 0);
  fail_unless_equals_int (list_total (sim, "?filter.service_tier=flex"), 0);
  fail_unless_equals_int (list_total (sim, "?filter.status=&unknown=1"), 3);

  /* a gateway without the endpoint, whatever the key */
  url = api_url (sim, "?page_size=10");
  seedance_sim_set_list_status (sim, 404);
  r = http ("GET", url, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 404);
  fail_unless_equals_string (error_code (r.body), "NotFound");
  reply_clear (&r);
  seedance_sim_set_list_status (sim, 405);
  r = http ("GET", url, AUTH, NULL, NULL);
  fail_unless_equals_int (r.status, 405);
  fail_unless_equals_string (soup_message_headers_get_one (r.headers,
          "Allow"), "POST");
  error_code (r.body);
  reply_clear (&r);
  seedance_sim_set_list_status (sim, 400);
  fail_unless_equals_int (get_status (url, AUTH), 400);
  /* the rest still works */
  root = query (sim, ids[1], NULL);
  json_node_unref (root);
  seedance_sim_set_list_status (sim, 0);
  fail_unless_equals_int (get_status (url, AUTH), 200);
  g_free (url);

  for (i = 0; i < 3; i++)
    g_free (ids[i]);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* A file to serve as every task's video; its contents do not matter. */
static gchar *
write_video_file (gsize size)
{
  GError *error = NULL;
  gchar *path, *data = g_malloc (size);
  gsize i;
  gint fd;

  for (i = 0; i < size; i++)
    data[i] = (gchar) g_random_int ();
  fd = g_file_open_tmp ("test-sim-XXXXXX.mp4", &path, &error);
  fail_unless (fd >= 0);
  close (fd);
  fail_unless (g_file_set_contents (path, data, size, NULL));
  g_free (data);
  return path;
}

GST_START_TEST (test_schedule_wall_clock)
{
  SeedanceSim *sim = sim_start (200, 300);
  gchar *path = write_video_file (100 * 1000);
  gchar *id, *id2, *contents, *url, *url2;
  gsize length;
  gint64 created, succeeded;
  GBytes *video;
  JsonNode *root;
  Reply r, r2;

  seedance_sim_set_video_file (sim, path);
  created = g_get_monotonic_time ();
  id = create (sim, BODY_480P (""));
  fail_unless_equals_int (seedance_sim_get_task_succeeded_us (sim, id), 0);
  fail_unless_equals_int (seedance_sim_get_task_succeeded_us (sim, "cgt-x"),
      0);
  /* nobody queries: the task succeeds on time all the same */
  wait_status (sim, id, "succeeded");
  succeeded = seedance_sim_get_task_succeeded_us (sim, id);
  fail_unless (succeeded - created >= 500 * 1000);
  fail_unless (succeeded - created < 5 * G_USEC_PER_SEC);
  fail_unless (succeeded <= g_get_monotonic_time ());
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_QUERY), 0);
  video = seedance_sim_get_task_video (sim, id);
  fail_unless (g_file_get_contents (path, &contents, &length, NULL));
  fail_unless_equals_int (g_bytes_get_size (video), length);
  fail_unless (memcmp (g_bytes_get_data (video, NULL), contents, length) == 0);
  g_bytes_unref (video);
  g_free (contents);
  g_free (id);

  /* the last frame of two prompts: one shared picture, not one each */
  seedance_sim_set_schedule (sim, 0, 0);
  id = create (sim, BODY_480P (", \"return_last_frame\": true"));
  id2 = create (sim, "{\"model\": \"doubao-seedance-2.0\", \"content\": "
      "[{\"type\": \"text\", \"text\": \"another prompt\"}], \"resolution\": "
      "\"480p\", \"ratio\": \"16:9\", \"duration\": 10, "
      "\"return_last_frame\": true}");
  wait_status (sim, id, "succeeded");
  wait_status (sim, id2, "succeeded");
  root = query (sim, id, NULL);
  url = g_strdup (json_object_get_string_member (json_object_get_object_member
          (json_node_get_object (root), "content"), "last_frame_url"));
  json_node_unref (root);
  root = query (sim, id2, NULL);
  url2 = g_strdup (json_object_get_string_member (json_object_get_object_member
          (json_node_get_object (root), "content"), "last_frame_url"));
  json_node_unref (root);
  r = http ("GET", url, NULL, NULL, NULL);
  r2 = http ("GET", url2, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless_equals_int (r2.status, 200);
  fail_unless (g_bytes_equal (r.body, r2.body));
  reply_clear (&r);
  reply_clear (&r2);

  g_free (url);
  g_free (url2);
  g_free (id);
  g_free (id2);
  seedance_sim_free (sim);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* ---- networks -------------------------------------------------------- */

/* Made once by main () when openssl is there, NULL otherwise. */
static gchar *pki_dir;
static gboolean have_ipv6;

static gchar *
pki_file (const gchar * name)
{
  return g_build_filename (pki_dir, name, NULL);
}

/* A session that trusts only the test CA. */
static SoupSession *
session_trusting_ca (void)
{
  gchar *ca = pki_file ("ca.pem");
  GError *error = NULL;
  GTlsDatabase *db = g_tls_file_database_new (ca, &error);
  SoupSession *session;

  fail_unless (db != NULL, "%s", error ? error->message : "");
  session = soup_session_new_with_options ("tls-database", db, "timeout", 20,
      NULL);
  g_object_unref (db);
  g_free (ca);
  return session;
}

static SeedanceSim *
sim_start_tls (const gchar * cert, const gchar * key)
{
  SeedanceSim *sim = seedance_sim_new ();
  gchar *cert_path = pki_file (cert), *key_path = pki_file (key);
  GError *error = NULL;

  seedance_sim_set_schedule (sim, 0, 0);
  seedance_sim_set_tls (sim, cert_path, key_path);
  fail_unless (seedance_sim_start (sim, 0, &error), "start: %s",
      error ? error->message : "");
  g_free (cert_path);
  g_free (key_path);
  return sim;
}

GST_START_TEST (test_https)
{
  SeedanceSim *sim = sim_start_tls ("server.pem", "server.key");
  SoupSession *trusting = session_trusting_ca ();
  SoupSession *plain = soup_session_new_with_options ("timeout", 20, NULL);
  gchar *url = api_url (sim, ""), *qurl, *suffix, *vurl, *body, *id;
  GError *error = NULL;
  GBytes *video;
  GPtrArray *log;
  JsonNode *root;
  guint i, posts;
  gint64 deadline;
  Reply r;

  fail_unless (g_str_has_prefix (seedance_sim_get_base_url (sim),
          "https://127.0.0.1:"));
  fail_unless (g_str_has_prefix (seedance_sim_get_file_host_url (sim),
          "https://127.0.0.2:"));

  /* a client that does not know the CA refuses the server */
  r = http_on (plain, "GET", url, AUTH, NULL, NULL, &error);
  fail_unless (r.body == NULL);
  fail_unless (error->domain == G_TLS_ERROR, "%s", error->message);
  g_clear_error (&error);

  /* one that does: create, query, download, all verified against ca.pem;
   * the callback to the simulator's own HTTPS file host goes through */
  body = g_strdup_printf (BODY_480P (", \"callback_url\": \"%s/cb\""),
      seedance_sim_get_file_host_url (sim));
  r = http_on (trusting, "POST", url, AUTH, body, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  root = parse (r.body);
  id = g_strdup (json_object_get_string_member (json_node_get_object (root),
          "id"));
  json_node_unref (root);
  reply_clear (&r);
  wait_status (sim, id, "succeeded");

  suffix = g_strconcat ("/", id, NULL);
  qurl = api_url (sim, suffix);
  r = http_on (trusting, "GET", qurl, AUTH, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  root = parse (r.body);
  vurl = g_strdup (json_object_get_string_member (json_object_get_object_member
          (json_node_get_object (root), "content"), "video_url"));
  fail_unless (g_str_has_prefix (vurl, seedance_sim_get_file_host_url (sim)));
  json_node_unref (root);
  reply_clear (&r);

  video = seedance_sim_get_task_video (sim, id);
  r = http_on (trusting, "GET", vurl, NULL, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless (g_bytes_equal (r.body, video));
  reply_clear (&r);

  /* through the second file host, whose address the certificate names */
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_REDIRECT_HOST, 1, NULL);
  r = http_on (trusting, "GET", vurl, NULL, NULL, "bytes=10-19", NULL);
  fail_unless_equals_int (r.status, 206);
  fail_unless (memcmp (g_bytes_get_data (r.body, NULL),
          (const guint8 *) g_bytes_get_data (video, NULL) + 10, 10) == 0);
  reply_clear (&r);
  fail_unless_equals_int (seedance_sim_count_status (sim, SEEDANCE_SIM_VIDEO,
          302), 1);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  do {
    posts = 0;
    log = seedance_sim_get_requests (sim);
    for (i = 0; i < log->len; i++) {
      SeedanceSimRequest *req = log->pdata[i];

      if (g_strcmp0 (req->path, "/cb") == 0)
        posts++;
    }
    g_ptr_array_unref (log);
    if (posts < 3)
      g_usleep (20 * 1000);
  } while (posts < 3 && g_get_monotonic_time () < deadline);
  fail_unless_equals_int (posts, 3);

  g_bytes_unref (video);
  g_free (vurl);
  g_free (qurl);
  g_free (suffix);
  g_free (id);
  g_free (body);
  seedance_sim_free (sim);

  /* a self-signed certificate does not check out against the CA */
  sim = sim_start_tls ("selfsigned.pem", "selfsigned.key");
  g_free (url);
  url = api_url (sim, "");
  r = http_on (trusting, "GET", url, AUTH, NULL, NULL, &error);
  fail_unless (r.body == NULL);
  fail_unless (g_error_matches (error, G_TLS_ERROR,
          G_TLS_ERROR_BAD_CERTIFICATE), "%s", error->message);
  g_clear_error (&error);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);
  seedance_sim_free (sim);

  /* files that cannot be loaded fail the start */
  sim = seedance_sim_new ();
  seedance_sim_set_tls (sim, "/nonexistent/cert.pem", "/nonexistent/key.pem");
  fail_unless (!seedance_sim_start (sim, 0, &error));
  g_clear_error (&error);
  seedance_sim_free (sim);

  g_free (url);
  g_object_unref (plain);
  g_object_unref (trusting);
}

GST_END_TEST;

GST_START_TEST (test_ipv6)
{
  SeedanceSim *sim = seedance_sim_new ();
  GError *error = NULL;
  gchar *expect, *url, *id;
  GPtrArray *log;
  guint port;

  seedance_sim_set_schedule (sim, 0, 0);
  seedance_sim_set_ipv6 (sim, TRUE);
  fail_unless (seedance_sim_start (sim, 0, &error), "start: %s",
      error ? error->message : "");
  fail_unless (sscanf (seedance_sim_get_api_host (sim), "[::1]:%u",
          &port) == 1);
  expect = g_strdup_printf ("http://[::1]:%u/api/v3", port);
  fail_unless_equals_string (seedance_sim_get_base_url (sim), expect);
  g_free (expect);
  fail_unless (g_str_has_prefix (seedance_sim_get_file_host_url (sim),
          "http://127.0.0."));

  id = create (sim, BODY_480P (""));
  wait_status (sim, id, "succeeded");
  url = video_url (sim, id);
  fail_unless_equals_int (get_status (url, NULL), 200);
  log = seedance_sim_get_requests (sim);
  fail_unless_equals_string (((SeedanceSimRequest *) log->pdata[0])->host,
      seedance_sim_get_api_host (sim));
  g_ptr_array_unref (log);

  g_free (url);
  g_free (id);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* GET on a session that follows no redirect, for the headers. */
static Reply
get_no_redirect (const gchar * url, const gchar * range)
{
  SoupSession *session = soup_session_new ();
  SoupMessage *msg = soup_message_new ("GET", url);
  Reply r = { 0, };

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (range)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Range", range);
  r.body = soup_session_send_and_read (session, msg, NULL, NULL);
  fail_unless (r.body != NULL);
  r.status = soup_message_get_status (msg);
  r.headers = soup_message_headers_ref (soup_message_get_response_headers
      (msg));
  g_object_unref (msg);
  g_object_unref (session);
  return r;
}

GST_START_TEST (test_file_host_modes)
{
  SeedanceSim *sim = sim_start (0, 0);
  gchar *id = create (sim, BODY_480P (""));
  gchar *url, *expect, *location;
  GBytes *video;
  gsize total;
  GPtrArray *log;
  SeedanceSimRequest *last;
  Reply r;

  wait_status (sim, id, "succeeded");
  url = video_url (sim, id);
  video = seedance_sim_get_task_video (sim, id);
  total = g_bytes_get_size (video);

  /* chunked: no Content-Length; a Range answer still tells the total */
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_CHUNKED,
      2, NULL);
  r = get_no_redirect (url, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless (soup_message_headers_get_one (r.headers,
          "Content-Length") == NULL);
  fail_unless_equals_int (soup_message_headers_get_encoding (r.headers),
      SOUP_ENCODING_CHUNKED);
  fail_unless (g_bytes_equal (r.body, video));
  reply_clear (&r);
  r = get_no_redirect (url, "bytes=100-199");
  fail_unless_equals_int (r.status, 206);
  fail_unless (soup_message_headers_get_one (r.headers,
          "Content-Length") == NULL);
  fail_unless_equals_int (soup_message_headers_get_encoding (r.headers),
      SOUP_ENCODING_CHUNKED);
  expect = g_strdup_printf ("bytes 100-199/%" G_GSIZE_FORMAT, total);
  fail_unless_equals_string (soup_message_headers_get_one (r.headers,
          "Content-Range"), expect);
  g_free (expect);
  fail_unless_equals_int (g_bytes_get_size (r.body), 100);
  reply_clear (&r);

  /* chunked and ignoring Range at once, as a mode */
  seedance_sim_set_file_host_mode (sim, SEEDANCE_SIM_FILE_HOST_CHUNKED |
      SEEDANCE_SIM_FILE_HOST_IGNORE_RANGE);
  r = get_no_redirect (url, "bytes=100-199");
  fail_unless_equals_int (r.status, 200);
  fail_unless (soup_message_headers_get_one (r.headers,
          "Content-Length") == NULL);
  fail_unless (soup_message_headers_get_one (r.headers,
          "Content-Range") == NULL);
  fail_unless_equals_int (soup_message_headers_get_encoding (r.headers),
      SOUP_ENCODING_CHUNKED);
  fail_unless (g_bytes_equal (r.body, video));
  reply_clear (&r);
  /* a fault adds to the mode */
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_NO_RANGES, 1, NULL);
  r = get_no_redirect (url, "bytes=100-199");
  fail_unless_equals_int (r.status, 200);
  fail_unless_equals_string (soup_message_headers_get_one (r.headers,
          "Accept-Ranges"), "none");
  fail_unless_equals_int (soup_message_headers_get_encoding (r.headers),
      SOUP_ENCODING_CHUNKED);
  reply_clear (&r);
  seedance_sim_set_file_host_mode (sim, SEEDANCE_SIM_FILE_HOST_NORMAL);

  /* the end of the body is the end of the connection */
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_EOF_BODY, 1, NULL);
  r = get_no_redirect (url, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless (soup_message_headers_get_one (r.headers,
          "Content-Length") == NULL);
  fail_unless (soup_message_headers_get_one (r.headers,
          "Transfer-Encoding") == NULL);
  fail_unless_equals_int (soup_message_headers_get_encoding (r.headers),
      SOUP_ENCODING_EOF);
  fail_unless (g_bytes_equal (r.body, video));
  reply_clear (&r);

  /* a redirect to the third host, which serves the file */
  fail_unless (seedance_sim_get_second_file_host (sim) != NULL);
  fail_unless (g_strcmp0 (seedance_sim_get_second_file_host (sim),
          seedance_sim_get_file_host (sim)) != 0);
  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
      SEEDANCE_SIM_FAULT_REDIRECT_HOST, 1, NULL);
  r = get_no_redirect (url, NULL);
  fail_unless_equals_int (r.status, 302);
  location = g_strdup (soup_message_headers_get_one (r.headers, "Location"));
  reply_clear (&r);
  expect = g_strdup_printf ("http://%s/videos/%s.mp4?",
      seedance_sim_get_second_file_host (sim), id);
  fail_unless (g_str_has_prefix (location, expect), "%s", location);
  fail_unless_equals_string (strchr (location, '?'), strchr (url, '?'));
  g_free (expect);
  r = get_no_redirect (location, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless (g_bytes_equal (r.body, video));
  reply_clear (&r);
  g_free (location);

  /* as a mode, combined: the third host answers chunked */
  seedance_sim_set_file_host_mode (sim, SEEDANCE_SIM_FILE_HOST_REDIRECT_HOST |
      SEEDANCE_SIM_FILE_HOST_CHUNKED);
  r = http ("GET", url, NULL, NULL, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless_equals_int (soup_message_headers_get_encoding (r.headers),
      SOUP_ENCODING_CHUNKED);
  fail_unless (g_bytes_equal (r.body, video));
  reply_clear (&r);
  log = seedance_sim_get_requests (sim);
  last = log->pdata[log->len - 1];
  fail_unless_equals_string (last->host,
      seedance_sim_get_second_file_host (sim));
  fail_unless_equals_int (last->status, 200);
  fail_unless_equals_int (((SeedanceSimRequest *) log->pdata[log->len -
              2])->status, 302);
  g_ptr_array_unref (log);

  /* and back to normal */
  seedance_sim_set_file_host_mode (sim, SEEDANCE_SIM_FILE_HOST_NORMAL);
  r = get_no_redirect (url, NULL);
  fail_unless_equals_int (r.status, 200);
  fail_unless_equals_int (soup_message_headers_get_content_length (r.headers),
      total);
  reply_clear (&r);

  g_bytes_unref (video);
  g_free (url);
  g_free (id);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_video_base_url)
{
  SeedanceSim *sim = sim_start (0, 0);
  gchar *dir = g_dir_make_tmp ("test-sim-cdn-XXXXXX", NULL);
  gchar *id, *url, *prefix, *path, *contents, *missing;
  JsonNode *root;
  JsonObject *o;
  GBytes *video;
  gsize length;

  fail_unless (dir != NULL);
  seedance_sim_set_video_base_url (sim, "http://127.0.0.1:9/cdn/", dir);
  id = create (sim, BODY_480P (", \"return_last_frame\": true"));
  wait_status (sim, id, "succeeded");
  root = query (sim, id, NULL);
  o = json_object_get_object_member (json_node_get_object (root), "content");
  prefix = g_strdup_printf ("http://127.0.0.1:9/cdn/%s.mp4?X-Sim-Expires=",
      id);
  fail_unless (g_str_has_prefix (json_object_get_string_member (o,
              "video_url"), prefix), "%s", json_object_get_string_member (o,
          "video_url"));
  fail_unless (g_str_has_prefix (json_object_get_string_member (o,
              "last_frame_url"), seedance_sim_get_file_host_url (sim)));
  g_free (prefix);
  json_node_unref (root);

  path = g_strdup_printf ("%s/%s.mp4", dir, id);
  fail_unless (g_file_get_contents (path, &contents, &length, NULL));
  video = seedance_sim_get_task_video (sim, id);
  fail_unless_equals_int (length, g_bytes_get_size (video));
  fail_unless (memcmp (contents, g_bytes_get_data (video, NULL), length) == 0);
  g_bytes_unref (video);
  g_free (contents);
  g_free (id);

  /* a directory that is not there: the task fails, saying why */
  missing = g_build_filename (dir, "missing", NULL);
  seedance_sim_set_video_base_url (sim, "http://127.0.0.1:9/cdn", missing);
  id = create (sim, BODY_480P (""));
  wait_status (sim, id, "failed");
  root = query (sim, id, NULL);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (json_node_get_object (root), "error"),
          "code"), "InternalServiceError");
  json_node_unref (root);
  g_free (id);
  g_free (missing);

  /* NULL: the simulator's own file host again */
  seedance_sim_set_video_base_url (sim, NULL, NULL);
  id = create (sim, BODY_480P (""));
  wait_status (sim, id, "succeeded");
  url = video_url (sim, id);
  fail_unless (g_str_has_prefix (url, seedance_sim_get_file_host_url (sim)));
  fail_unless_equals_int (get_status (url, NULL), 200);
  g_free (url);
  g_free (id);

  /* the files written are removed with the simulator */
  seedance_sim_free (sim);
  fail_unless (!g_file_test (path, G_FILE_TEST_EXISTS));
  fail_unless_equals_int (g_rmdir (dir), 0);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static Suite *
seedance_sim_suite (void)
{
  Suite *s = suite_create ("seedance-sim");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_auth);
  tcase_add_test (tc, test_validation);
  tcase_add_test (tc, test_create_query_render);
  tcase_add_test (tc, test_render_audio_frames);
  tcase_add_test (tc, test_range_and_log);
  tcase_add_test (tc, test_delete);
  tcase_add_test (tc, test_outcome_failed);
  tcase_add_test (tc, test_fault_status);
  tcase_add_test (tc, test_fault_drop_after);
  tcase_add_test (tc, test_fault_expired_url);
  tcase_add_test (tc, test_callbacks_and_faults);
  tcase_add_test (tc, test_free_with_stall);
  tcase_add_test (tc, test_rate_limit);
  tcase_add_test (tc, test_max_queued);
  tcase_add_test (tc, test_list);
  tcase_add_test (tc, test_schedule_wall_clock);
  tcase_add_test (tc, test_file_host_modes);
  tcase_add_test (tc, test_video_base_url);
  if (pki_dir)
    tcase_add_test (tc, test_https);
  if (have_ipv6)
    tcase_add_test (tc, test_ipv6);
  return s;
}

static gboolean
probe_ipv6 (void)
{
  GSocket *sock;
  GInetAddress *loopback;
  GSocketAddress *addr;
  gboolean ok;

  sock = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  if (sock == NULL)
    return FALSE;
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  addr = g_inet_socket_address_new (loopback, 0);
  ok = g_socket_bind (sock, addr, FALSE, NULL);
  g_object_unref (addr);
  g_object_unref (loopback);
  g_object_unref (sock);
  return ok;
}

static void
remove_dir (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL) {
    gchar *file = g_build_filename (path, name, NULL);

    g_unlink (file);
    g_free (file);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
}

/* GST_CHECK_MAIN, plus what the network tests need: what cannot run here
 * makes the whole run a SKIP (77) once the rest has passed, never a pass. */
int
main (int argc, char **argv)
{
  GError *error = NULL;
  GString *skipped = g_string_new (NULL);
  Suite *s;
  gint failed;
  gboolean skipped_any;

  gst_check_init (&argc, &argv);

  pki_dir = g_dir_make_tmp ("test-sim-pki-XXXXXX", &error);
  if (pki_dir && !seedance_sim_make_test_pki (pki_dir, &error)) {
    remove_dir (pki_dir);
    g_clear_pointer (&pki_dir, g_free);
  }
  if (pki_dir == NULL) {
    g_string_append_printf (skipped, "SKIP: test_https (%s)\n",
        error->message);
    g_clear_error (&error);
  } else if (!g_tls_backend_supports_tls (g_tls_backend_get_default ())) {
    g_string_append (skipped, "SKIP: test_https (GIO has no TLS backend: "
        "install glib-networking)\n");
    remove_dir (pki_dir);
    g_clear_pointer (&pki_dir, g_free);
  }
  have_ipv6 = probe_ipv6 ();
  if (!have_ipv6)
    g_string_append (skipped, "SKIP: test_ipv6 (this machine has no IPv6 "
        "loopback)\n");

  skipped_any = skipped->len > 0;
  s = seedance_sim_suite ();
  failed = gst_check_run_suite (s, "seedance_sim", __FILE__);

  if (pki_dir)
    remove_dir (pki_dir);
  g_free (pki_dir);
  g_print ("%s", skipped->str);
  g_string_free (skipped, TRUE);
  if (failed > 0)
    return 1;
  return skipped_any ? 77 : 0;
}
