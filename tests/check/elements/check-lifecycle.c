/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* What applications see and steer: messages, progress, tags, resuming a
 * task, seedance: URIs, `location`, the last frame, cancelling. */
#include "common/harness.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

GST_START_TEST (test_messages_progress_and_reports)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline = test_pipeline_new (sim,
      "prompt=\"Messages\" resolution=480p seed=77 ! fakesink");
  GstElement *src = test_pipeline_get_src (pipeline);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  const GstStructure *s;
  GstMessage *msg;
  gchar *task_id = NULL, *status = NULL, *video_url = NULL;
  gint64 seed = 0, tokens = 0, v = 0;
  GstProgressType types[8];
  guint i, n_progress = 0;

  msg = test_pipeline_run (pipeline, 60, messages);
  test_assert_eos (msg);

  s = test_find_message (messages, "seedance-task", "created");
  fail_unless (s != NULL, "no 'created' message");
  fail_unless (g_str_has_prefix (gst_structure_get_string (s, "task-id"),
          "cgt-"));
  s = test_find_message (messages, "seedance-task", "status");
  fail_unless (s != NULL, "no 'status' message");
  fail_unless (gst_structure_has_field (s, "elapsed"));
  s = test_find_message (messages, "seedance-task", "succeeded");
  fail_unless (s != NULL, "no final message");
  fail_unless_equals_string (gst_structure_get_string (s, "model"),
      "doubao-seedance-2-0-260128");
  fail_unless (gst_structure_get_int64 (s, "seed", &v) && v == 77);
  fail_unless_equals_string (gst_structure_get_string (s, "resolution"),
      "480p");
  fail_unless (gst_structure_get_int64 (s, "duration", &v) && v == 5);
  fail_unless (gst_structure_get_int64 (s, "framespersecond", &v) && v == 24);
  fail_unless (gst_structure_get_int64 (s, "total-tokens", &v) && v > 0);
  fail_unless (g_str_has_prefix (gst_structure_get_string (s, "video-url"),
          seedance_sim_get_file_host_url (sim)));

  for (i = 0; i < messages->len && n_progress < G_N_ELEMENTS (types); i++) {
    GstMessage *m = g_ptr_array_index (messages, i);

    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_PROGRESS)
      gst_message_parse_progress (m, &types[n_progress++], NULL, NULL);
  }
  fail_unless (n_progress >= 2);
  fail_unless_equals_int (types[0], GST_PROGRESS_TYPE_START);
  fail_unless_equals_int (types[n_progress - 1], GST_PROGRESS_TYPE_COMPLETE);

  g_object_get (src, "task-id", &task_id, "status", &status, "video-url",
      &video_url, "actual-seed", &seed, "usage-tokens", &tokens, NULL);
  fail_unless (task_id != NULL);
  fail_unless_equals_string (status, "succeeded");
  fail_unless (video_url != NULL);
  fail_unless_equals_int (seed, 77);
  fail_unless (tokens > 0);

  g_free (task_id);
  g_free (status);
  g_free (video_url);
  gst_message_unref (msg);
  g_ptr_array_unref (messages);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

static GstPadProbeReturn
grab_tags (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstTagList **tags = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_TAG && *tags == NULL) {
    GstTagList *t;

    gst_event_parse_tag (event, &t);
    *tags = gst_tag_list_copy (t);
  }
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_tags_downstream)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline = test_pipeline_new (sim,
      "prompt=\"A tagged clip\" resolution=480p seed=5 ! fakesink name=sink");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstTagList *tags = NULL;
  GstMessage *msg;
  gchar *title = NULL, *comment = NULL;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, grab_tags,
      &tags, NULL);
  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_eos (msg);
  fail_unless (tags != NULL, "no tag event");
  fail_unless (gst_tag_list_get_string (tags, GST_TAG_TITLE, &title));
  fail_unless_equals_string (title, "A tagged clip");
  fail_unless (gst_tag_list_get_string (tags, GST_TAG_COMMENT, &comment));
  fail_unless (strstr (comment, "doubao-seedance-2-0-260128") != NULL);
  fail_unless (strstr (comment, "seed 5") != NULL);

  g_free (title);
  g_free (comment);
  gst_tag_list_unref (tags);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

static gchar *
sim_task (SeedanceSim * sim, const gchar * body)
{
  GError *err = NULL;
  gchar *id = seedance_sim_create_task (sim, body, &err);

  fail_unless (id != NULL, "%s", err ? err->message : "?");
  return id;
}

GST_START_TEST (test_resume_by_task_id_creates_nothing)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *id = sim_task (sim, "{\"model\":\"doubao-seedance-2.0\","
      "\"content\":[{\"type\":\"text\",\"text\":\"Resumed\"}],"
      "\"resolution\":\"480p\"}");
  gchar *rest = g_strdup_printf ("task-id=%s ! fakesink", id);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstMessage *msg;
  gchar *status = NULL;

  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_eos (msg);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 0);
  fail_unless (seedance_sim_count_requests (sim, SEEDANCE_SIM_VIDEO) >= 1);
  g_object_get (test_pipeline_get_src (pipeline), "status", &status, NULL);
  fail_unless_equals_string (status, "succeeded");

  g_free (status);
  g_free (rest);
  g_free (id);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_resume_unknown_task_is_not_found)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline = test_pipeline_new (sim,
      "task-id=cgt-20000101000000-nope ! fakesink");
  GstMessage *msg = test_pipeline_run (pipeline, 30, NULL);

  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "cgt-20000101000000-nope");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 0);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_uri_generate_with_playbin)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *playbin = gst_element_factory_make ("playbin", NULL);
  GstElement *vsink = gst_element_factory_make ("fakesink", NULL);
  GstElement *asink = gst_element_factory_make ("fakesink", NULL);
  GPtrArray *bodies;
  GstMessage *msg;

  g_setenv ("SEEDANCE_BASE_URL", seedance_sim_get_base_url (sim), TRUE);
  g_setenv ("SEEDANCE_API_KEY", TEST_API_KEY, TRUE);
  g_object_set (vsink, "sync", FALSE, NULL);
  g_object_set (asink, "sync", FALSE, NULL);
  /* Video and audio only: playsink 1.22 leaks its soft-volume element in
   * front of a custom audio sink, which the leaks tracer would report. */
  gst_util_set_object_arg (G_OBJECT (playbin), "flags", "video+audio");
  g_object_set (playbin, "uri", "seedance://generate?prompt=A%20cat%20on%20a"
      "%20roof&duration=6&resolution=480p&poll-interval=100"
      "&generate-audio=true&reference-image=https%3A%2F%2Fe.com%2Fa.png"
      "&reference-image=asset%3A%2F%2Fb", "video-sink", vsink, "audio-sink",
      asink, NULL);
  msg = test_pipeline_run (playbin, 60, NULL);
  test_assert_eos (msg);

  bodies = test_sim_create_bodies (sim);
  fail_unless_equals_int (bodies->len, 1);
  fail_unless (strstr (g_ptr_array_index (bodies, 0),
          "\"text\":\"A cat on a roof\"") != NULL);
  fail_unless (strstr (g_ptr_array_index (bodies, 0), "\"duration\":6"));
  fail_unless (strstr (g_ptr_array_index (bodies, 0), "asset://b"));
  fail_unless (strstr (g_ptr_array_index (bodies, 0), "https://e.com/a.png"));
  g_unsetenv ("SEEDANCE_BASE_URL");
  g_unsetenv ("SEEDANCE_API_KEY");

  g_ptr_array_unref (bodies);
  gst_message_unref (msg);
  gst_object_unref (playbin);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_uri_task_and_bad_uris)
{
  GstElement *src = gst_element_make_from_uri (GST_URI_SRC,
      "seedance://task/cgt-20260518175249-8x55h", NULL, NULL);
  GError *err = NULL;
  gchar *id = NULL;

  fail_unless (src != NULL);
  g_object_get (src, "task-id", &id, NULL);
  fail_unless_equals_string (id, "cgt-20260518175249-8x55h");
  g_free (id);

  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "seedance://generate?api-key=secret", &err));
  fail_unless (strstr (err->message, "api-key cannot be given in a URI"));
  fail_if (strstr (err->message, "secret"));
  g_clear_error (&err);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "seedance://generate?no-such-thing=1", &err));
  fail_unless (strstr (err->message, "no-such-thing"));
  g_clear_error (&err);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "seedance://generate?duration=five", &err));
  g_clear_error (&err);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "seedance://elsewhere/x", &err));
  g_clear_error (&err);
  gst_object_unref (src);
}

GST_END_TEST;

/* Runs `src` (in its pipeline) after `first` then `second` were set as its
 * URI; returns the create bodies the simulator got. */
static GPtrArray *
run_after_two_uris (SeedanceSim * sim, const gchar * first,
    const gchar * second_uri)
{
  GstElement *pipeline = test_pipeline_new (sim, "! fakesink");
  GstElement *src = test_pipeline_get_src (pipeline);
  GError *err = NULL;
  GstMessage *msg;

  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src), first, &err),
      "%s", err ? err->message : "");
  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src), second_uri,
          &err), "%s", err ? err->message : "");
  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_eos (msg);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  return test_sim_create_bodies (sim);
}

/* A second URI replaces the first whole: its request is the one sent, and
 * nothing of the first (a task id, a seed, cache=false) stays. */
GST_START_TEST (test_second_uri_replaces_the_first)
{
  SeedanceSim *sim = test_sim_new ();
  const gchar *rest = "&resolution=480p&frames=24&poll-interval=100";
  gchar *second_uri = g_strconcat ("seedance://generate?prompt=second", rest,
      NULL);
  gchar *body = g_strdup_printf ("{\"model\":\"doubao-seedance-2.0\","
      "\"content\":[{\"type\":\"text\",\"text\":\"resumed\"}],"
      "\"resolution\":\"480p\",\"frames\":24}");
  gchar *id = seedance_sim_create_task (sim, body, NULL);
  gchar *task_uri = g_strconcat ("seedance://task/", id, NULL);
  GPtrArray *bodies;

  /* A task, then a prompt: the prompt is generated, the task not asked. */
  bodies = run_after_two_uris (sim, "seedance://task/cgt-not-this-one",
      second_uri);
  fail_unless_equals_int (bodies->len, 1);
  fail_unless (strstr (g_ptr_array_index (bodies, 0), "\"second\""));
  fail_unless_equals_int (seedance_sim_count_status (sim, SEEDANCE_SIM_QUERY,
          404), 0);
  g_ptr_array_unref (bodies);

  /* A prompt with a seed and cache=false, then another prompt: neither the
   * seed nor cache=false stays (the same request is served by the cache:
   * no second create). */
  seedance_sim_clear_log (sim);
  bodies = run_after_two_uris (sim, "seedance://generate?prompt=first"
      "&seed=7&cache=false", second_uri);
  fail_unless_equals_int (bodies->len, 0);
  g_ptr_array_unref (bodies);

  /* A prompt, then a task: the task is resumed, nothing created. */
  seedance_sim_clear_log (sim);
  bodies = run_after_two_uris (sim, "seedance://generate?prompt=first"
      "&cache=false", task_uri);
  fail_unless_equals_int (bodies->len, 0);
  fail_unless (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY) > 0);
  g_ptr_array_unref (bodies);

  g_free (task_uri);
  g_free (id);
  g_free (body);
  g_free (second_uri);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* A URI from a playlist says what to generate, never where the key, files
 * or traffic go; a refused URI applies nothing at all. */
GST_START_TEST (test_uri_may_set_only_what_a_uri_should)
{
  const gchar *refused[][2] = {
    {"base-url=http%3A%2F%2Fattacker%2Fapi%2Fv3", "base-url"},
    {"proxy=http%3A%2F%2Fattacker%3A3128&ssl-strict=false", "proxy"},
    {"ssl-strict=false", "ssl-strict"},
    {"location=%2Fhome%2Fuser%2F.bashrc", "location"},
    {"cache-dir=%2Ftmp%2Fx", "cache-dir"},
    {"user-agent=x%0D%0AHost%3A%20evil", "user-agent"},
    {"callback-url=http%3A%2F%2Fattacker%2F", "callback-url"},
    {"first-frame=%2Fhome%2Fuser%2Fphoto.png", "first-frame"},
    {"last-frame=file%3A%2F%2F%2Fetc%2Fpasswd", "last-frame"},
    {"reference-image=%2Fetc%2Fpasswd", "reference-image"},
    {"reference-audio=data%3Aaudio%2Fmp3%3Bbase64%2CAAAA", "reference-audio"},
    {"reference-images=https%3A%2F%2Fe.com%2Fa.png", "reference-images"},
    {"dry-run=true", "dry-run"},
    {"api-key=secret", "api-key"},
  };
  GstElement *src = gst_element_factory_make ("seedancesrc", NULL);
  guint i;

  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "seedance://generate?prompt=kept&seed=3", NULL));
  for (i = 0; i < G_N_ELEMENTS (refused); i++) {
    gchar *uri = g_strdup_printf ("seedance://generate?prompt=changed&"
        "seed=9&%s", refused[i][0]);
    gchar *prompt = NULL, *base_url = NULL, *location = NULL, *now = NULL;
    gint64 seed = 0;
    GError *err = NULL;

    fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src), uri, &err),
        "%s was taken", uri);
    fail_unless (err && strstr (err->message, refused[i][1]), "%s: %s", uri,
        err ? err->message : "no error");
    fail_if (strstr (err->message, "secret"));
    g_object_get (src, "prompt", &prompt, "seed", &seed, "base-url",
        &base_url, "location", &location, NULL);
    fail_unless_equals_string (prompt, "kept");
    fail_unless_equals_int64 (seed, 3);
    fail_if (base_url && strstr (base_url, "attacker"));
    fail_unless (location == NULL);
    now = gst_uri_handler_get_uri (GST_URI_HANDLER (src));
    fail_unless_equals_string (now, "seedance://generate?prompt=kept&seed=3");
    g_free (now);
    g_free (prompt);
    g_free (base_url);
    g_free (location);
    g_clear_error (&err);
    g_free (uri);
  }
  /* Remote media and the request's fields are what a URI is for. */
  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "seedance://generate?prompt=p&first-frame=https%3A%2F%2Fe.com%2Fa.png"
          "&reference-video=asset%3A%2F%2Fv&watermark=true&priority=3"
          "&poll-interval=200&cache=false", NULL));
  gst_object_unref (src);
}

GST_END_TEST;

GST_START_TEST (test_location_keeps_the_exact_file)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = g_dir_make_tmp ("seedance-loc-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "clip.mp4", NULL);
  gchar *rest = g_strdup_printf ("prompt=\"Kept\" resolution=480p "
      "location=\"%s\" ! qtdemux ! fakesink", path);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstElement *src = test_pipeline_get_src (pipeline);
  GstMessage *msg;
  gchar *contents = NULL, *task_id = NULL;
  gsize len = 0;
  GBytes *video;
  GDir *d;
  const gchar *name;
  guint files = 0;

  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_eos (msg);
  g_object_get (src, "task-id", &task_id, NULL);
  video = seedance_sim_get_task_video (sim, task_id);
  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless_equals_int (len, g_bytes_get_size (video));
  fail_unless (memcmp (contents, g_bytes_get_data (video, NULL), len) == 0);
  /* An ordinary file: the permissions any new file gets, not 0600. */
  {
    GStatBuf st;
    mode_t mask = umask (022);

    umask (mask);
    fail_unless (g_stat (path, &st) == 0);
    fail_unless_equals_int (st.st_mode & 0777, 0666 & ~mask);
  }
  /* No temporary file is left beside it. */
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)))
    files++;
  g_dir_close (d);
  fail_unless_equals_int (files, 1);

  g_unlink (path);
  g_rmdir (dir);
  g_bytes_unref (video);
  g_free (contents);
  g_free (task_id);
  g_free (rest);
  g_free (path);
  g_free (dir);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_location_not_left_on_failure)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = g_dir_make_tmp ("seedance-loc-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "clip.mp4", NULL);
  gchar *rest = g_strdup_printf ("prompt=\"Broken\" resolution=480p "
      "location=\"%s\" ! fakesink", path);
  GstElement *pipeline;
  GstMessage *msg;
  GDir *d;
  guint files = 0;

  seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_NOT_MP4,
      0, NULL);
  pipeline = test_pipeline_new (sim, rest);
  msg = test_pipeline_run (pipeline, 60, NULL);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d))
    files++;
  g_dir_close (d);
  fail_unless_equals_int (files, 0);

  g_rmdir (dir);
  g_free (rest);
  g_free (path);
  g_free (dir);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_unwritable_location_fails_before_any_request)
{
  SeedanceSim *sim = test_sim_new ();
  /* A directory under a regular file cannot exist, even for root. */
  gchar *file = test_write_temp_file ("plain", (const guint8 *) "x", 1);
  gchar *rest = g_strdup_printf ("prompt=x location=\"%s/sub/clip.mp4\" "
      "! fakesink", file);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstMessage *msg;

  fail_unless_equals_int (gst_element_set_state (pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline), GST_MESSAGE_ERROR);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
      "location:");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);

  gst_message_unref (msg);
  g_free (rest);
  g_free (file);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_last_frame_sample)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline = test_pipeline_new (sim,
      "prompt=\"Chain me\" resolution=480p return-last-frame=true "
      "! fakesink");
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  const GstStructure *s;
  GstSample *sample = NULL;
  GstMessage *msg;
  GPtrArray *reqs;
  guint i, frames = 0;

  msg = test_pipeline_run (pipeline, 60, messages);
  test_assert_eos (msg);
  s = test_find_message (messages, "seedance-task", "succeeded");
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_string (s, "last-frame-url") != NULL);
  fail_unless (gst_structure_get (s, "last-frame", GST_TYPE_SAMPLE, &sample,
          NULL));
  fail_unless (gst_structure_has_name (gst_caps_get_structure
          (gst_sample_get_caps (sample), 0), "image/png"));
  fail_unless (gst_buffer_get_size (gst_sample_get_buffer (sample)) > 100);

  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint == SEEDANCE_SIM_LAST_FRAME) {
      frames++;
      fail_unless (r->authorization == NULL, "the key went to the file host");
    }
  }
  fail_unless_equals_int (frames, 1);

  g_ptr_array_unref (reqs);
  gst_sample_unref (sample);
  gst_message_unref (msg);
  g_ptr_array_unref (messages);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

static guint
count_deletes (SeedanceSim * sim)
{
  return seedance_sim_count_requests (sim, SEEDANCE_SIM_DELETE);
}

/* Starts a pipeline on a task that stays queued, and waits until the
 * element has seen it queued. */
static GstElement *
start_queued (SeedanceSim * sim, const gchar * props, gchar ** task_id)
{
  gchar *rest = g_strdup_printf ("prompt=x %s ! fakesink", props);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GstMessage *msg;

  seedance_sim_set_schedule (sim, 600000, 600000);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = test_wait_for_task_message (pipeline, "status", 10);
  fail_unless (msg != NULL);
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (msg), "status"), "queued");
  *task_id = g_strdup (gst_structure_get_string (gst_message_get_structure
          (msg), "task-id"));
  gst_message_unref (msg);
  g_free (rest);
  return pipeline;
}

GST_START_TEST (test_cancel_on_stop_while_queued)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *id = NULL, *status;
  GstElement *pipeline = start_queued (sim, "cancel-on-stop=true", &id);
  gdouble ms = test_time_to_null (pipeline);

  fail_unless (ms < 3500, "stopping took %.0f ms", ms);
  fail_unless_equals_int (count_deletes (sim), 1);
  status = seedance_sim_get_task_status (sim, id);
  fail_unless_equals_string (status, "cancelled");

  g_free (status);
  g_free (id);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_no_cancel_on_stop_without_the_property)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *id = NULL, *status;
  GstElement *pipeline = start_queued (sim, "", &id);

  test_time_to_null (pipeline);
  fail_unless_equals_int (count_deletes (sim), 0);
  status = seedance_sim_get_task_status (sim, id);
  fail_unless_equals_string (status, "queued");

  g_free (status);
  g_free (id);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_no_cancel_on_stop_while_running_or_after_success)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  GstMessage *msg;

  /* Running: */
  seedance_sim_set_schedule (sim, 50, 600000);
  pipeline = test_pipeline_new (sim, "prompt=x cancel-on-stop=true "
      "! fakesink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    msg = test_wait_for_task_message (pipeline, "status", 10);
    fail_unless (msg != NULL);
    if (g_strcmp0 (gst_structure_get_string (gst_message_get_structure (msg),
                "status"), "running") == 0)
      break;
    gst_message_unref (msg);
  }
  gst_message_unref (msg);
  test_time_to_null (pipeline);
  gst_object_unref (pipeline);
  fail_unless_equals_int (count_deletes (sim), 0);

  /* Succeeded and delivered: */
  seedance_sim_set_schedule (sim, 50, 100);
  pipeline = test_pipeline_new (sim, "prompt=x resolution=480p "
      "cancel-on-stop=true ! fakesink");
  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_eos (msg);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  fail_unless_equals_int (count_deletes (sim), 0);

  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_cancel_signal_while_queued)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *id = NULL, *status;
  GstElement *pipeline = start_queued (sim, "", &id);
  GstMessage *msg;

  g_signal_emit_by_name (test_pipeline_get_src (pipeline), "cancel");
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      10 * GST_SECOND, GST_MESSAGE_ERROR);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      "was cancelled");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED, id);
  status = seedance_sim_get_task_status (sim, id);
  fail_unless_equals_string (status, "cancelled");
  fail_unless_equals_int (count_deletes (sim), 1);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_free (status);
  g_free (id);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_cancel_signal_wakes_a_long_poll_interval)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *id, *rest;
  GstElement *pipeline;
  GstMessage *msg;
  gint64 t0;

  seedance_sim_set_schedule (sim, 600000, 600000);
  id = sim_task (sim, "{\"model\":\"doubao-seedance-2.0\","
      "\"content\":[{\"type\":\"text\",\"text\":\"Wait\"}]}");
  /* A resumed task is queried at once, then every minute. */
  rest = g_strdup_printf ("task-id=%s ! fakesink", id);
  pipeline = test_pipeline_new (sim, rest);
  g_object_set (test_pipeline_get_src (pipeline), "poll-interval", 60000, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = test_wait_for_task_message (pipeline, "status", 10);
  fail_unless (msg != NULL);
  gst_message_unref (msg);

  t0 = g_get_monotonic_time ();
  g_signal_emit_by_name (test_pipeline_get_src (pipeline), "cancel");
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      20 * GST_SECOND, GST_MESSAGE_ERROR);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      "was cancelled");
  /* Not a minute later: the interval was cut short. */
  fail_unless (g_get_monotonic_time () - t0 < 5 * G_USEC_PER_SEC);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (rest);
  g_free (id);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_cancel_signal_while_running_is_a_warning)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  GstMessage *msg;
  GError *err = NULL;

  seedance_sim_set_schedule (sim, 50, 2000);
  pipeline = test_pipeline_new (sim, "prompt=x resolution=480p ! fakesink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    msg = test_wait_for_task_message (pipeline, "status", 10);
    fail_unless (msg != NULL);
    if (g_strcmp0 (gst_structure_get_string (gst_message_get_structure (msg),
                "status"), "running") == 0)
      break;
    gst_message_unref (msg);
  }
  gst_message_unref (msg);
  g_signal_emit_by_name (test_pipeline_get_src (pipeline), "cancel");
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      5 * GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (strstr (err->message, "cannot be cancelled"));
  g_error_free (err);
  gst_message_unref (msg);
  fail_unless_equals_int (count_deletes (sim), 0);
  /* It carries on to the end. */
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  test_assert_eos (msg);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_cancelled_by_someone_else)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *id = NULL;
  GstElement *pipeline = start_queued (sim, "", &id);
  GstMessage *msg;
  gchar *url = g_strdup_printf ("%s/contents/generations/tasks/%s",
      seedance_sim_get_base_url (sim), id);
  gchar *argv[] = { (gchar *) "curl", (gchar *) "-s", (gchar *) "-X",
    (gchar *) "DELETE", (gchar *) "-H",
    (gchar *) "Authorization: Bearer " TEST_API_KEY, url, NULL
  };

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
          G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      10 * GST_SECOND, GST_MESSAGE_ERROR);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      "was cancelled");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED, id);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_free (url);
  g_free (id);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_error_details_carry_what_the_service_said)
{
  SeedanceSim *sim = test_sim_new ();
  SeedanceSimFaultParams fp = { 0, };
  GstElement *pipeline;
  GstMessage *msg;
  const GstStructure *details = NULL;
  guint status = 0;

  fp.status = 429;
  fp.code = "QuotaExceeded";
  fp.message = "Too many queued tasks";
  seedance_sim_add_fault (sim, SEEDANCE_SIM_CREATE, SEEDANCE_SIM_FAULT_STATUS,
      0, &fp);
  /* A 429 is "later", not "failed": it does not count toward retries, and
   * the create is sent again until the timeout. */
  pipeline = test_pipeline_new (sim, "prompt=x retries=1 timeout=2 ! "
      "fakesink");
  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "QuotaExceeded");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "too many tasks are queued");
  gst_message_parse_error_details (msg, &details);
  fail_unless (details != NULL);
  fail_unless_equals_string (gst_structure_get_string (details, "code"),
      "QuotaExceeded");
  fail_unless (gst_structure_get_uint (details, "http-status-code", &status));
  fail_unless_equals_int (status, 429);
  fail_unless (gst_structure_has_field (details, "type"));
  /* A 429 on a create is retried past `retries`: it cannot have started
   * a task. */
  fail_unless (seedance_sim_count_requests (sim, SEEDANCE_SIM_CREATE) > 2);

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_timeout_says_how_to_resume)
{
  SeedanceSim *sim = test_sim_new ();
  GstElement *pipeline;
  GstMessage *msg;
  gchar *id = NULL;
  gint64 t0;

  seedance_sim_set_schedule (sim, 600000, 600000);
  pipeline = test_pipeline_new (sim, "prompt=x timeout=1 ! fakesink");
  t0 = g_get_monotonic_time ();
  msg = test_pipeline_run (pipeline, 30, NULL);
  g_object_get (test_pipeline_get_src (pipeline), "task-id", &id, NULL);
  fail_unless (id != NULL);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "did not finish within 1 s");
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, id);
  fail_unless (g_get_monotonic_time () - t0 < 10 * G_USEC_PER_SEC);

  g_free (id);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* A port that answers in plain HTTP, at once, whatever it is sent. */
static gpointer
plain_http_peer (gpointer data)
{
  GSocket *listener = data;
  GSocket *conn = g_socket_accept (listener, NULL, NULL);
  static const gchar answer[] = "HTTP/1.1 400 Bad Request\r\n"
      "Content-Length: 0\r\nConnection: close\r\n\r\n";

  if (conn) {
    g_socket_send (conn, answer, sizeof (answer) - 1, NULL, NULL);
    g_socket_close (conn, NULL);
    g_object_unref (conn);
  }
  return NULL;
}

GST_START_TEST (test_tls_failure_is_a_clear_error)
{
  guint port;
  GSocket *sock = test_loopback_socket (TRUE, &port);
  GstElement *pipeline;
  GstMessage *msg;
  GThread *peer;
  gchar *desc;

  peer = g_thread_new ("plain-http", plain_http_peer, sock);
  desc = g_strdup_printf ("seedancesrc base-url=https://127.0.0.1:%u/api/v3 "
      "api-key=" TEST_API_KEY " prompt=x ! fakesink", port);
  pipeline = gst_parse_launch (desc, NULL);
  msg = test_pipeline_run (pipeline, 30, NULL);
  test_assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "TLS failed");

  g_thread_join (peer);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (desc);
  g_object_unref (sock);
}

GST_END_TEST;

/* A small receiver for callback_url, in its own thread and context. */
typedef struct
{
  GMutex lock;
  GCond cond;
  GPtrArray *statuses;
  GMainContext *context;
  GMainLoop *loop;
  guint port;
} Receiver;

static void
on_callback (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  Receiver *r = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  GBytes *bytes = soup_message_body_flatten (body);
  JsonParser *parser = json_parser_new ();
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);

  if (json_parser_load_from_data (parser, data, len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));

    g_mutex_lock (&r->lock);
    g_ptr_array_add (r->statuses, g_strdup (json_object_get_string_member
            (o, "status")));
    g_cond_signal (&r->cond);
    g_mutex_unlock (&r->lock);
  }
  soup_server_message_set_status (msg, 200, NULL);
  g_object_unref (parser);
  g_bytes_unref (bytes);
}

static gpointer
receiver_thread (gpointer data)
{
  Receiver *r = data;
  SoupServer *server;
  GSList *listeners;
  GSocketAddress *addr;

  g_main_context_push_thread_default (r->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/cb", on_callback, r, NULL);
  fail_unless (soup_server_listen_local (server, 0,
          SOUP_SERVER_LISTEN_IPV4_ONLY, NULL));
  listeners = soup_server_get_listeners (server);
  addr = g_socket_get_local_address (listeners->data, NULL);
  g_mutex_lock (&r->lock);
  r->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr));
  g_cond_signal (&r->cond);
  g_mutex_unlock (&r->lock);
  g_object_unref (addr);
  g_main_loop_run (r->loop);
  soup_server_disconnect (server);
  g_object_unref (server);
  g_main_context_pop_thread_default (r->context);
  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

GST_START_TEST (test_callbacks_arrive_in_order)
{
  SeedanceSim *sim = test_sim_new ();
  Receiver r = { 0, };
  GThread *thread;
  GstElement *pipeline;
  GstMessage *msg;
  gchar *rest;
  gint64 deadline;

  g_mutex_init (&r.lock);
  g_cond_init (&r.cond);
  r.statuses = g_ptr_array_new_with_free_func (g_free);
  r.context = g_main_context_new ();
  r.loop = g_main_loop_new (r.context, FALSE);
  thread = g_thread_new ("receiver", receiver_thread, &r);
  g_mutex_lock (&r.lock);
  while (r.port == 0)
    g_cond_wait (&r.cond, &r.lock);
  g_mutex_unlock (&r.lock);

  rest = g_strdup_printf ("prompt=x resolution=480p "
      "callback-url=http://127.0.0.1:%u/cb ! fakesink", r.port);
  pipeline = test_pipeline_new (sim, rest);
  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_eos (msg);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_mutex_lock (&r.lock);
  while (r.statuses->len < 3 && g_cond_wait_until (&r.cond, &r.lock, deadline));
  fail_unless_equals_int (r.statuses->len, 3);
  fail_unless_equals_string (g_ptr_array_index (r.statuses, 0), "queued");
  fail_unless_equals_string (g_ptr_array_index (r.statuses, 1), "running");
  fail_unless_equals_string (g_ptr_array_index (r.statuses, 2), "succeeded");
  g_mutex_unlock (&r.lock);

  g_main_context_invoke (r.context, quit_loop, r.loop);
  g_thread_join (thread);
  g_main_loop_unref (r.loop);
  g_main_context_unref (r.context);
  g_ptr_array_unref (r.statuses);
  g_mutex_clear (&r.lock);
  g_cond_clear (&r.cond);
  g_free (rest);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_free (sim);
}

GST_END_TEST;

static Suite *
lifecycle_suite (void)
{
  Suite *s = suite_create ("lifecycle");
  TCase *tc = tcase_create ("lifecycle");

  tcase_set_timeout (tc, 180);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_messages_progress_and_reports);
  tcase_add_test (tc, test_tags_downstream);
  tcase_add_test (tc, test_resume_by_task_id_creates_nothing);
  tcase_add_test (tc, test_resume_unknown_task_is_not_found);
  tcase_add_test (tc, test_uri_generate_with_playbin);
  tcase_add_test (tc, test_uri_task_and_bad_uris);
  tcase_add_test (tc, test_second_uri_replaces_the_first);
  tcase_add_test (tc, test_uri_may_set_only_what_a_uri_should);
  tcase_add_test (tc, test_location_keeps_the_exact_file);
  tcase_add_test (tc, test_location_not_left_on_failure);
  tcase_add_test (tc, test_unwritable_location_fails_before_any_request);
  tcase_add_test (tc, test_last_frame_sample);
  tcase_add_test (tc, test_cancel_on_stop_while_queued);
  tcase_add_test (tc, test_no_cancel_on_stop_without_the_property);
  tcase_add_test (tc, test_no_cancel_on_stop_while_running_or_after_success);
  tcase_add_test (tc, test_cancel_signal_while_queued);
  tcase_add_test (tc, test_cancel_signal_wakes_a_long_poll_interval);
  tcase_add_test (tc, test_cancel_signal_while_running_is_a_warning);
  tcase_add_test (tc, test_cancelled_by_someone_else);
  tcase_add_test (tc, test_error_details_carry_what_the_service_said);
  tcase_add_test (tc, test_callbacks_arrive_in_order);
  tcase_add_test (tc, test_timeout_says_how_to_resume);
  tcase_add_test (tc, test_tls_failure_is_a_clear_error);
  return s;
}

TEST_CHECK_MAIN_REQUIRING (lifecycle, TEST_SIM_ELEMENTS,
    TEST_SIM_AUDIO_ELEMENTS, TEST_DECODE_ELEMENTS, "playbin", "videoscale",
    "audioresample");
