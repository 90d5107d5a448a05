/* The example programs, run as a user runs them (subprocesses with the
 * environment a user sets), against the in-process Seedance simulator.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * meson passes the programs' paths (SEEDANCE_GENERATE, SEEDANCE_RUNDOWN,
 * PYTHON, GENERATE_PY), the plugin directory (PLUGIN_DIR), GStreamer's own
 * plugins (SYSTEM_PLUGIN_DIR), gst-inspect-1.0 (GST_INSPECT), the README
 * (README_PATH) and the build directory (BUILD_DIR) as defines.
 */

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "common/harness.h"

static SeedanceSim *sim;
static gchar *tmp_dir;

static void
setup (void)
{
  GError *err = NULL;

  sim = seedance_sim_new ();
  seedance_sim_set_schedule (sim, 100, 300);
  fail_unless (seedance_sim_start (sim, 0, &err), "simulator: %s",
      err ? err->message : "?");
  tmp_dir = g_dir_make_tmp ("seedance-examples-XXXXXX", &err);
  fail_unless (tmp_dir != NULL);
}

static void
remove_tree (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL) {
    g_unlink (path);
    return;
  }
  while ((name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);

    remove_tree (child);
    g_free (child);
  }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
teardown (void)
{
  seedance_sim_free (sim);
  sim = NULL;
  remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

static gchar *
tmp_path (const gchar * name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* The environment a user of the examples sets: where the service is, the
 * key, where the plugin is; plus a registry of our own. */
static GSubprocessLauncher *
launcher_new (void)
{
  GSubprocessLauncher *l =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_PIPE);
  gchar *cache;
  gchar *registry = g_build_filename (BUILD_DIR, "registry-examples.bin",
      NULL);

  g_subprocess_launcher_setenv (l, "SEEDANCE_BASE_URL",
      seedance_sim_get_base_url (sim), TRUE);
  g_subprocess_launcher_setenv (l, "SEEDANCE_API_KEY", "sim-key", TRUE);
  /* The _1_0 names win over the plain ones when both are set (as the test
   * runner sets them), so both are given. */
  g_subprocess_launcher_setenv (l, "GST_PLUGIN_PATH", PLUGIN_DIR, TRUE);
  g_subprocess_launcher_setenv (l, "GST_PLUGIN_PATH_1_0", PLUGIN_DIR, TRUE);
  g_subprocess_launcher_setenv (l, "GST_PLUGIN_SYSTEM_PATH_1_0",
      SYSTEM_PLUGIN_DIR, TRUE);
  g_subprocess_launcher_setenv (l, "GST_REGISTRY", registry, TRUE);
  g_subprocess_launcher_setenv (l, "GST_REGISTRY_1_0", registry, TRUE);
  g_subprocess_launcher_unsetenv (l, "GST_TRACERS");
  g_subprocess_launcher_unsetenv (l, "ARK_API_KEY");
  /* A cache the user set up must not change what the tests see (the
   * element's cache is on by default: each test gets an empty one of its
   * own), and debug output would fill the pipes that are read only at the
   * end. */
  cache = g_build_filename (tmp_dir, "default-cache", NULL);
  g_subprocess_launcher_setenv (l, "SEEDANCE_CACHE_DIR", cache, TRUE);
  g_free (cache);
  g_subprocess_launcher_unsetenv (l, "GST_DEBUG");
  g_free (registry);
  return l;
}

static GSubprocess *
spawn (const gchar * const *argv)
{
  GSubprocessLauncher *l = launcher_new ();
  GError *err = NULL;
  GSubprocess *p = g_subprocess_launcher_spawnv (l, argv, &err);

  fail_unless (p != NULL, "cannot run %s: %s", argv[0],
      err ? err->message : "?");
  g_object_unref (l);
  return p;
}

/* Runs to the end; returns the exit status (-1 when killed by a signal). */
static gint
finish (GSubprocess * p, gchar ** out, gchar ** err_out)
{
  GError *err = NULL;
  gchar *o = NULL, *e = NULL;
  gint status;

  fail_unless (g_subprocess_communicate_utf8 (p, NULL, NULL, &o, &e, &err),
      "%s", err ? err->message : "?");
  status = g_subprocess_get_if_exited (p) ?
      g_subprocess_get_exit_status (p) : -1;
  GST_INFO ("exit %d\nstdout:\n%s\nstderr:\n%s", status, o, e);
  if (out)
    *out = o;
  else
    g_free (o);
  if (err_out)
    *err_out = e;
  else
    g_free (e);
  g_object_unref (p);
  return status;
}

static gint
run (const gchar * const *argv, gchar ** out, gchar ** err_out)
{
  return finish (spawn (argv), out, err_out);
}

/* The ID of the task the last query asked about (from the request log). */
static gchar *
last_queried_task (void)
{
  GPtrArray *reqs = seedance_sim_get_requests (sim);
  gchar *id = NULL;
  guint i;

  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint == SEEDANCE_SIM_QUERY) {
      g_free (id);
      id = g_path_get_basename (r->path);
    }
  }
  g_ptr_array_unref (reqs);
  return id;
}

static void
assert_same_as_task_video (const gchar * path, const gchar * task_id)
{
  GBytes *expected = seedance_sim_get_task_video (sim, task_id);
  gchar *data = NULL;
  gsize len = 0;

  fail_unless (expected != NULL, "no video for task %s", task_id);
  fail_unless (g_file_get_contents (path, &data, &len, NULL), "no %s", path);
  fail_unless_equals_uint64 (len, g_bytes_get_size (expected));
  fail_unless (memcmp (data, g_bytes_get_data (expected, NULL), len) == 0,
      "%s differs from the simulator's file", path);
  g_free (data);
  g_bytes_unref (expected);
}

/* Whether the element has the property yet, as gst-inspect-1.0 lists it. */
static gboolean
element_has_property (const gchar * name)
{
  const gchar *argv[] = { GST_INSPECT, "seedancesrc", NULL };
  gchar *out = NULL, *needle = g_strdup_printf ("\n  %s ", name);
  gboolean has;

  fail_unless_equals_int (run (argv, &out, NULL), 0);
  has = strstr (out, needle) != NULL;
  g_free (needle);
  g_free (out);
  return has;
}

/* --- seedance-generate --- */

GST_START_TEST (test_generate)
{
  gchar *out_path = tmp_path ("out.mp4");
  gchar *png = tmp_path ("last.png");
  const gchar *argv[] = { SEEDANCE_GENERATE, "--resolution", "480p",
    "--duration", "5", "--poll-interval", "100", "--generate-audio",
    "--last-frame-out", png, "-o", out_path, "A red fox in the snow", NULL
  };
  gchar *out = NULL, *task_id;
  guchar *data = NULL;
  gsize len;

  fail_unless_equals_int (run (argv, &out, NULL), 0);
  task_id = last_queried_task ();
  fail_unless (task_id != NULL);
  fail_unless (strstr (out, task_id) != NULL, "stdout: %s", out);
  assert_same_as_task_video (out_path, task_id);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);

  /* The last frame was asked for and written as a PNG. */
  fail_unless (g_file_get_contents (png, (gchar **) & data, &len, NULL));
  fail_unless (len > 8 && memcmp (data, "\x89PNG", 4) == 0);
  g_free (data);
  g_free (task_id);
  g_free (out);
  g_free (out_path);
  g_free (png);
}

GST_END_TEST;

GST_START_TEST (test_generate_usage_and_errors)
{
  gchar *out_path = tmp_path ("bad.mp4");
  const gchar *no_prompt[] = { SEEDANCE_GENERATE, "-o", out_path, NULL };
  const gchar *api_key[] = { SEEDANCE_GENERATE, "--api-key", "x", "-o",
    out_path, "p", NULL
  };
  const gchar *bad_duration[] = { SEEDANCE_GENERATE, "--duration", "3", "-o",
    out_path, "A cat", NULL
  };
  gchar *err = NULL;

  fail_unless_equals_int (run (no_prompt, NULL, NULL), 2);
  /* The key is never taken on the command line. */
  fail_unless_equals_int (run (api_key, NULL, NULL), 2);
  /* The element refuses the value before anything is sent. */
  fail_unless_equals_int (run (bad_duration, NULL, &err), 1);
  fail_unless (strstr (err, "duration") != NULL, "stderr: %s", err);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);
  fail_if (g_file_test (out_path, G_FILE_TEST_EXISTS));
  g_free (err);
  g_free (out_path);
}

GST_END_TEST;

GST_START_TEST (test_generate_dry_run)
{
  const gchar *argv[] = { SEEDANCE_GENERATE, "--dry-run", "--resolution",
    "480p", "--seed", "42", "A quiet harbour", NULL
  };
  gchar *out = NULL;

  if (!element_has_property ("dry-run")) {
    g_printerr ("SKIPPED: seedancesrc has no dry-run property yet\n");
    return;
  }
  fail_unless_equals_int (run (argv, &out, NULL), 0);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);
  fail_unless (strstr (out, "endpoint:") != NULL, "stdout: %s", out);
  fail_unless (strstr (out, "cache-key:") != NULL, "stdout: %s", out);
  fail_unless (strstr (out, "A quiet harbour") != NULL, "stdout: %s", out);
  /* Pretty: one member per line. */
  fail_unless (strstr (out, "\"seed\" : 42") != NULL, "stdout: %s", out);
  g_free (out);
}

GST_END_TEST;

GST_START_TEST (test_generate_cache_dir)
{
  gchar *cache = tmp_path ("cache");
  gchar *a = tmp_path ("a.mp4"), *b = tmp_path ("b.mp4");
  const gchar *argv1[] = { SEEDANCE_GENERATE, "--resolution", "480p",
    "--poll-interval", "100", "--cache-dir", cache, "-o", a, "Snow", NULL
  };
  const gchar *argv2[] = { SEEDANCE_GENERATE, "--resolution", "480p",
    "--poll-interval", "100", "--cache-dir", cache, "-o", b, "Snow", NULL
  };
  gchar *out = NULL, *ca = NULL, *cb = NULL;
  gsize la, lb;

  if (!element_has_property ("cache-dir")) {
    g_printerr ("SKIPPED: seedancesrc has no cache-dir property yet\n");
    return;
  }
  fail_unless_equals_int (run (argv1, NULL, NULL), 0);
  fail_unless_equals_int (run (argv2, &out, NULL), 0);
  /* The same request twice: paid once. */
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  fail_unless (strstr (out, "cache hit") != NULL, "stdout: %s", out);
  fail_unless (g_file_get_contents (a, &ca, &la, NULL));
  fail_unless (g_file_get_contents (b, &cb, &lb, NULL));
  fail_unless (la == lb && memcmp (ca, cb, la) == 0);
  g_free (ca);
  g_free (cb);
  g_free (out);
  g_free (a);
  g_free (b);
  g_free (cache);
}

GST_END_TEST;

GST_START_TEST (test_generate_resume)
{
  GError *err = NULL;
  gchar *id = seedance_sim_create_task (sim,
      "{\"model\": \"doubao-seedance-2.0\", \"content\": [{\"type\": "
      "\"text\", \"text\": \"Made elsewhere\"}], \"resolution\": \"480p\", "
      "\"duration\": 5}", &err);
  gchar *out_path = tmp_path ("resumed.mp4");
  const gchar *argv[] = { SEEDANCE_GENERATE, "--resume", id,
    "--poll-interval", "100", "-o", out_path, NULL
  };

  fail_unless (id != NULL, "%s", err ? err->message : "?");
  seedance_sim_clear_log (sim);
  fail_unless_equals_int (run (argv, NULL, NULL), 0);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 0);
  assert_same_as_task_video (out_path, id);
  g_free (out_path);
  g_free (id);
}

GST_END_TEST;

GST_START_TEST (test_generate_interrupt)
{
  gchar *out_path = tmp_path ("int.mp4");
  const gchar *argv[] = { SEEDANCE_GENERATE, "--poll-interval", "100",
    "--resolution", "480p", "-o", out_path, "A long wait", NULL
  };
  GSubprocess *p;
  gchar *err = NULL, *id, *expect;
  gint64 start, waited;
  gint status;

  /* Queued for a minute: long enough to be interrupted while queued. */
  seedance_sim_set_schedule (sim, 60000, 300);
  p = spawn (argv);
  for (waited = 0; seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY) < 2
      && waited < 20000; waited += 50)
    g_usleep (50 * 1000);
  fail_unless (waited < 20000, "the task was never queried");

  start = g_get_monotonic_time ();
  g_subprocess_send_signal (p, SIGINT);
  status = finish (p, NULL, &err);
  fail_unless ((g_get_monotonic_time () - start) < 5 * G_USEC_PER_SEC,
      "took more than 5 s to stop");
  fail_unless_equals_int (status, 130);

  id = last_queried_task ();
  expect = g_strdup_printf ("seedance-generate --resume %s -o %s", id,
      out_path);
  fail_unless (strstr (err, expect) != NULL, "stderr: %s", err);
  g_free (expect);
  expect = g_strdup_printf ("seedance-generate --cancel %s", id);
  fail_unless (strstr (err, expect) != NULL, "stderr: %s", err);
  /* The task is untouched: still queued, ready to be resumed. */
  g_free (expect);
  expect = seedance_sim_get_task_status (sim, id);
  fail_unless_equals_string (expect, "queued");
  fail_if (g_file_test (out_path, G_FILE_TEST_EXISTS));
  g_free (expect);
  g_free (id);
  g_free (err);
  g_free (out_path);
}

GST_END_TEST;

GST_START_TEST (test_generate_cancel)
{
  GError *error = NULL;
  gchar *id, *status, *out = NULL;
  gint code;

  seedance_sim_set_schedule (sim, 60000, 300);
  id = seedance_sim_create_task (sim,
      "{\"model\": \"doubao-seedance-2.0\", \"content\": [{\"type\": "
      "\"text\", \"text\": \"Never mind\"}], \"resolution\": \"480p\"}",
      &error);
  fail_unless (id != NULL, "%s", error ? error->message : "?");
  {
    const gchar *argv[] = { SEEDANCE_GENERATE, "--cancel", id,
      "--poll-interval", "100", NULL
    };

    code = run (argv, &out, NULL);
  }
  fail_unless_equals_int (code, 0);
  fail_unless (strstr (out, "cancelled") != NULL, "stdout: %s", out);
  status = seedance_sim_get_task_status (sim, id);
  fail_unless_equals_string (status, "cancelled");
  g_free (status);
  g_free (out);
  g_free (id);
}

GST_END_TEST;

GST_START_TEST (test_generate_cancel_running)
{
  GError *error = NULL;
  gchar *id, *status, *err = NULL;
  gint code;

  /* Running for a minute: it cannot be cancelled any more. */
  seedance_sim_set_schedule (sim, 10, 60000);
  id = seedance_sim_create_task (sim,
      "{\"model\": \"doubao-seedance-2.0\", \"content\": [{\"type\": "
      "\"text\", \"text\": \"Too late\"}], \"resolution\": \"480p\"}", &error);
  fail_unless (id != NULL);
  g_usleep (200 * 1000);
  {
    const gchar *argv[] = { SEEDANCE_GENERATE, "--cancel", id, NULL };

    code = run (argv, NULL, &err);
  }
  fail_unless_equals_int (code, 1);
  fail_unless (strstr (err, "cannot be cancelled") != NULL, "stderr: %s", err);
  status = seedance_sim_get_task_status (sim, id);
  fail_unless_equals_string (status, "running");
  g_free (status);
  g_free (err);
  g_free (id);
}

GST_END_TEST;

/* --- seedance-rundown --- */

typedef struct
{
  guint video_frames;
  GstClockTime audio_duration;
  GstClockTime audio_start;
  GstClockTime audio_end;
  guint audio_gaps;             /* jumps of more than 100 ms either way */
} DecodeCount;

static GstPadProbeReturn
count_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  DecodeCount *c = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gboolean video = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad),
          "video"));

  if (video) {
    c->video_frames++;
  } else if (GST_BUFFER_DURATION_IS_VALID (buf) &&
      GST_BUFFER_PTS_IS_VALID (buf)) {
    GstClockTime pts = GST_BUFFER_PTS (buf);

    if (c->audio_duration == 0)
      c->audio_start = pts;
    else if (pts + 100 * GST_MSECOND < c->audio_end ||
        pts > c->audio_end + 100 * GST_MSECOND)
      c->audio_gaps++;
    c->audio_duration += GST_BUFFER_DURATION (buf);
    c->audio_end = pts + GST_BUFFER_DURATION (buf);
  }
  return GST_PAD_PROBE_OK;
}

static void
on_pad (GstElement * dec, GstPad * pad, gpointer user_data)
{
  GstElement *pipeline = GST_ELEMENT (gst_element_get_parent (dec));
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");

  g_object_set_data (G_OBJECT (sinkpad), "video", GINT_TO_POINTER
      (g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps,
                      0)), "video/")));
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer,
      user_data, NULL);
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add (GST_BIN (pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
  gst_caps_unref (caps);
  gst_object_unref (pipeline);
}

static void
decode_count (const gchar * path, DecodeCount * c)
{
  GstElement *p = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *dec = gst_element_factory_make ("decodebin", NULL);
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (p));
  GstMessage *msg;

  memset (c, 0, sizeof (*c));
  g_object_set (src, "location", path, NULL);
  gst_bin_add_many (GST_BIN (p), src, dec, NULL);
  gst_element_link (src, dec);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad), c);
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "%s does not decode to its end", path);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
}

GST_START_TEST (test_rundown)
{
  gchar *rundown = tmp_path ("rundown.json");
  gchar *ts = tmp_path ("programme.ts");
  gchar *tasks = tmp_path ("programme.ts.tasks.json");
  const gchar *json =
      "{\"items\": ["
      "{\"prompt\": \"Opening titles over a city\", \"duration\": 5, "
      "\"resolution\": \"480p\", \"ratio\": \"16:9\", "
      "\"generate_audio\": true},"
      "{\"prompt\": \"The camera rises above the roofs\", \"duration\": 5, "
      "\"resolution\": \"480p\", \"ratio\": \"1:1\", \"chain\": true},"
      "{\"prompt\": \"Too short to exist\", \"duration\": 3, "
      "\"resolution\": \"480p\"}" "]}";
  const gchar *argv[] = { SEEDANCE_RUNDOWN, rundown, "-o", ts, "--jobs", "2",
    "--poll-interval", "100", NULL
  };
  GPtrArray *reqs;
  gchar *err = NULL;
  DecodeCount c;
  guint i, creates = 0;
  gboolean chained = FALSE;
  /* 5 + 5 + a 3 s slate for the refused item. */
  const guint expected_frames = 25 * 13;

  fail_unless (g_file_set_contents (rundown, json, -1, NULL));
  fail_unless_equals_int (run (argv, NULL, &err), 0);
  fail_unless (strstr (err, "Item 3") != NULL, "stderr: %s", err);
  g_free (err);

  /* The second item started from the first one's last frame. */
  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint != SEEDANCE_SIM_CREATE)
      continue;
    creates++;
    if (strstr (r->body, "\"first_frame\"") &&
        strstr (r->body, "data:image/png;base64,"))
      chained = TRUE;
  }
  g_ptr_array_unref (reqs);
  fail_unless_equals_int (creates, 2);
  fail_unless (chained, "the chained item was sent without a first frame");
  fail_unless (g_file_test (tasks, G_FILE_TEST_IS_REGULAR));

  decode_count (ts, &c);
  fail_unless (c.video_frames >= expected_frames - 5 &&
      c.video_frames <= expected_frames + 5, "%u video frames, expected %u",
      c.video_frames, expected_frames);
  /* Sound from the first frame to the last, slate included, in one run. */
  fail_unless (c.audio_duration >= 12.8 * GST_SECOND,
      "only %" GST_TIME_FORMAT " of audio", GST_TIME_ARGS (c.audio_duration));
  fail_unless (c.audio_end - c.audio_start >= 12.8 * GST_SECOND,
      "audio spans only %" GST_TIME_FORMAT,
      GST_TIME_ARGS (c.audio_end - c.audio_start));
  fail_unless_equals_int (c.audio_gaps, 0);

  /* A rerun pays for nothing: every clip is known. */
  seedance_sim_clear_log (sim);
  fail_unless_equals_int (run (argv, NULL, NULL), 0);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 0);

  g_free (rundown);
  g_free (ts);
  g_free (tasks);
}

GST_END_TEST;

/* --- python/generate.py --- */

GST_START_TEST (test_python_generate)
{
  gchar *out_path = tmp_path ("py.mp4");
  const gchar *argv[] = { PYTHON, GENERATE_PY, "--duration", "5",
    "--resolution", "480p", "--poll-interval", "100", "-o", out_path,
    "A heron by the river", NULL
  };
  gchar *id;

  fail_unless_equals_int (run (argv, NULL, NULL), 0);
  id = last_queried_task ();
  assert_same_as_task_video (out_path, id);
  g_free (id);
  g_free (out_path);
}

GST_END_TEST;

/* --- the README documents every property --- */

GST_START_TEST (test_readme_covers_properties)
{
  const gchar *argv[] = { GST_INSPECT, "seedancesrc", NULL };
  GstElement *e = gst_element_factory_make ("seedancesrc", NULL);
  GObjectClass *parent;
  gchar *out = NULL, *readme = NULL, **lines, **l;
  gboolean in_props = FALSE;
  GString *missing = g_string_new (NULL);
  guint seen = 0;

  fail_unless_equals_int (run (argv, &out, NULL), 0);
  fail_unless (g_file_get_contents (README_PATH, &readme, NULL, NULL));
  /* What the base classes (GstBaseSrc, GstObject) bring is GStreamer's to
   * document, not ours. */
  parent = g_type_class_ref (g_type_parent (G_OBJECT_TYPE (e)));

  lines = g_strsplit (out, "\n", -1);
  for (l = lines; *l; l++) {
    gchar *colon, *name, *quoted;

    if (g_str_has_prefix (*l, "Element Properties:")) {
      in_props = TRUE;
      continue;
    }
    if (!in_props)
      continue;
    if (**l != '\0' && **l != ' ')
      break;                    /* the next section */
    /* "  name   : blurb"; continuation lines are indented further. */
    if (!g_str_has_prefix (*l, "  ") || (*l)[2] == ' ')
      continue;
    colon = strchr (*l, ':');
    if (colon == NULL)
      continue;
    name = g_strstrip (g_strndup (*l, colon - *l));
    if (g_object_class_find_property (parent, name) == NULL) {
      seen++;
      quoted = g_strdup_printf ("`%s`", name);
      if (strstr (readme, quoted) == NULL)
        g_string_append_printf (missing, " %s", name);
      g_free (quoted);
    }
    g_free (name);
  }
  fail_unless (seen >= 30, "parsed only %u properties from:\n%s", seen, out);
  fail_unless (missing->len == 0, "not documented in README.md:%s",
      missing->str);

  g_strfreev (lines);
  g_string_free (missing, TRUE);
  g_type_class_unref (parent);
  gst_object_unref (e);
  g_free (readme);
  g_free (out);
}

GST_END_TEST;

static Suite *
examples_suite (void)
{
  Suite *s = suite_create ("examples");
  TCase *tc = tcase_create ("general");

  /* This process creates the element too (to tell its own properties from
   * its base classes'), wherever it was started from. */
  gst_registry_scan_path (gst_registry_get (), PLUGIN_DIR);

  tcase_set_timeout (tc, 300);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_readme_covers_properties);
  tcase_add_test (tc, test_generate);
  tcase_add_test (tc, test_generate_usage_and_errors);
  tcase_add_test (tc, test_generate_dry_run);
  tcase_add_test (tc, test_generate_cache_dir);
  tcase_add_test (tc, test_generate_resume);
  tcase_add_test (tc, test_generate_interrupt);
  tcase_add_test (tc, test_generate_cancel);
  tcase_add_test (tc, test_generate_cancel_running);
  tcase_add_test (tc, test_rundown);
  tcase_add_test (tc, test_python_generate);
  suite_add_tcase (s, tc);
  return s;
}

/* The simulator's elements, what seedance-rundown builds its programme
 * with, and what decodes the clips. */
TEST_CHECK_MAIN_REQUIRING (examples, TEST_SIM_ELEMENTS, TEST_SIM_AUDIO_ELEMENTS,
    TEST_DECODE_ELEMENTS, "videoscale", "videorate", "audioresample", "concat",
    "mpegtsmux", "identity", "queue");
