/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* Real clients with nothing configured (issue 14): the cache is on by
 * default, so the same seedance:// URI opened by GES, GstDiscoverer, playbin
 * in another process, two uridecodebins or a rerun is paid once.
 *
 * Every test runs against the simulator with the element's defaults: the
 * key and the API root come from SEEDANCE_API_KEY and SEEDANCE_BASE_URL, the
 * cache directory from XDG_CACHE_HOME, which main () points at a temporary
 * directory before anything reads it (GLib reads it once per process).  Each
 * test starts with that directory empty and counts the creates the simulator
 * saw, since each create is a paid generation.
 *
 * `check-clients --ges` runs the GES test alone and exits 77 (a meson SKIP)
 * when GES or an encoder it needs is missing. */
#include "common/harness.h"
#include "common/tmpdir.h"

#include <gst/app/gstappsink.h>
#include <gst/pbutils/pbutils.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <string.h>

#ifdef HAVE_GES
#include <ges/ges.h>
#endif

/* XDG_CACHE_HOME of this process, and the cache directory the element
 * defaults to in it. */
static gchar *cache_home;
static gchar *cache_dir;

/* Before each test: an empty XDG_CACHE_HOME that the element sees. */
static void
reset_cache_home (void)
{
  test_remove_tree (cache_home);
  fail_unless (g_mkdir (cache_home, 0700) == 0, "cannot create %s", cache_home);
  fail_unless_equals_string (g_get_user_cache_dir (), cache_home);
}

/* A simulator whose URL the element takes from the environment. */
static SeedanceSim *
start_sim (void)
{
  SeedanceSim *sim = test_sim_new ();

  g_setenv ("SEEDANCE_BASE_URL", seedance_sim_get_base_url (sim), TRUE);
  /* test_sim_new () points SEEDANCE_CACHE_DIR at a directory of its own;
   * these tests are about the default one. */
  g_unsetenv ("SEEDANCE_CACHE_DIR");
  return sim;
}

static guint
creates (SeedanceSim * sim)
{
  return seedance_sim_count_requests (sim, SEEDANCE_SIM_CREATE);
}

/* A short clip (1 s at 480p) for `prompt`; `extra` ("&name=value...") is
 * appended to the query. */
static gchar *
clip_uri (const gchar * prompt, const gchar * extra)
{
  gchar *escaped = g_uri_escape_string (prompt, NULL, FALSE);
  gchar *uri = g_strdup_printf ("seedance://generate?prompt=%s"
      "&resolution=480p&frames=24&poll-interval=100%s", escaped,
      extra ? extra : "");

  g_free (escaped);
  return uri;
}

/* The ids of the tasks the simulator was asked about, in order, once each:
 * the last part of a query's path. */
static GPtrArray *
sim_task_ids (SeedanceSim * sim)
{
  GPtrArray *reqs = seedance_sim_get_requests (sim);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  guint i, j;

  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);
    const gchar *id;
    gboolean seen = FALSE;

    if (r->endpoint != SEEDANCE_SIM_QUERY)
      continue;
    id = strrchr (r->path, '/') + 1;
    for (j = 0; j < ids->len; j++)
      seen |= g_strcmp0 (g_ptr_array_index (ids, j), id) == 0;
    if (!seen)
      g_ptr_array_add (ids, g_strdup (id));
  }
  g_ptr_array_unref (reqs);
  return ids;
}

/* The one task the simulator has seen (fails if it saw another number). */
static gchar *
sim_only_task (SeedanceSim * sim)
{
  GPtrArray *ids = sim_task_ids (sim);
  gchar *id;

  fail_unless_equals_int (ids->len, 1);
  id = g_strdup (g_ptr_array_index (ids, 0));
  g_ptr_array_unref (ids);
  return id;
}

static GBytes *
task_video (SeedanceSim * sim, const gchar * task_id)
{
  GBytes *video = seedance_sim_get_task_video (sim, task_id);

  fail_unless (video != NULL, "no video for task %s", task_id);
  return video;
}

static void
assert_same_bytes (GBytes * expected, GByteArray * got, const gchar * what)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (expected, &len);

  fail_unless (got->len == len && memcmp (got->data, data, len) == 0,
      "%s: %u bytes that differ from the task's %" G_GSIZE_FORMAT " bytes",
      what, got->len, len);
}

static GstFlowReturn
on_new_sample (GstAppSink * sink, gpointer user_data)
{
  GByteArray *received = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  g_byte_array_append (received, map.data, map.size);
  gst_buffer_unmap (buf, &map);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

/* An appsink that appends every byte it receives to `received` (only its
 * streaming thread writes; read it once the pipeline is in NULL). */
static GstElement *
collecting_sink_new (GByteArray * received)
{
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  GstAppSinkCallbacks callbacks = {.new_sample = on_new_sample };

  fail_unless (sink != NULL);
  g_object_set (sink, "sync", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, received, NULL);
  return sink;
}

/* "URI ! appsink", the source made from the URI as any URI client does. */
static GstElement *
uri_pipeline_new (const gchar * uri, GByteArray * received)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src, *sink = collecting_sink_new (received);
  GError *err = NULL;

  src = gst_element_make_from_uri (GST_URI_SRC, uri, "src", &err);
  fail_unless (src != NULL, "%s: %s", uri, err ? err->message : "?");
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  return pipeline;
}

/* Sets PLAYING, waits for EOS or an error (or `timeout_s`), sets NULL and
 * returns that message (NULL on timeout).  The INFO, WARNING and element
 * messages seen are appended to `messages` when not NULL. */
static GstMessage *
run_pipeline (GstElement * pipeline, guint timeout_s, GPtrArray * messages)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *result = NULL;
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (result == NULL) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *msg;

    if (left <= 0)
      break;
    msg = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_INFO |
        GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT);
    if (msg == NULL)
      break;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS ||
        GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      result = msg;
    else if (messages)
      g_ptr_array_add (messages, msg);
    else
      gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return result;
}

static GPtrArray *
message_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) gst_message_unref);
}

/* Plays `uri` to its end into an appsink and returns what it received; the
 * run must end in EOS. */
static GByteArray *
play_uri (const gchar * uri, GPtrArray * messages)
{
  GByteArray *received = g_byte_array_new ();
  GstElement *pipeline = uri_pipeline_new (uri, received);
  GstMessage *msg = run_pipeline (pipeline, 60, messages);

  test_assert_eos (msg);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  fail_if (received->len == 0, "nothing delivered for %s", uri);
  return received;
}

/* The text of an INFO, WARNING or ERROR message: its message, then its
 * debug string (what gst-launch-1.0 prints of an INFO). */
static gchar *
message_text (GstMessage * msg)
{
  GError *err = NULL;
  gchar *debug = NULL, *text;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_INFO:
      gst_message_parse_info (msg, &err, &debug);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      break;
    default:
      g_assert_not_reached ();
  }
  text = g_strdup_printf ("%s\n%s", err->message, debug ? debug : "");
  g_error_free (err);
  g_free (debug);
  return text;
}

static guint
count_messages (GPtrArray * messages, GstMessageType type)
{
  guint i, n = 0;

  for (i = 0; i < messages->len; i++)
    n += GST_MESSAGE_TYPE (g_ptr_array_index (messages, i)) == type;
  return n;
}

/* Whether `text` names `task_id` and says how to get a new take (another
 * seed, or cache=false). */
static gboolean
names_task_and_new_take (const gchar * text, const gchar * task_id)
{
  return strstr (text, task_id) != NULL && (strstr (text, "seed") != NULL ||
      strstr (text, "cache=false") != NULL);
}

/* Whether an INFO message in `messages` names `task_id` and says how to get
 * a new take. */
static gboolean
has_cache_hit_info (GPtrArray * messages, const gchar * task_id)
{
  guint i;
  gboolean found = FALSE;

  for (i = 0; i < messages->len && !found; i++) {
    GstMessage *msg = g_ptr_array_index (messages, i);
    gchar *text;

    if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_INFO)
      continue;
    text = message_text (msg);
    found = names_task_and_new_take (text, task_id);
    g_free (text);
  }
  return found;
}

/* The files under `dir` (recursively), as paths. */
static void
list_files (const gchar * dir, GPtrArray * files)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (dir, name, NULL);

    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      list_files (path, files);
    g_ptr_array_add (files, path);
  }
  if (d)
    g_dir_close (d);
}

static guint
count_files (const gchar * dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  guint n;

  list_files (dir, files);
  n = files->len;
  g_ptr_array_unref (files);
  return n;
}

/* Runs `gst-launch-1.0 ARGS...` in another process with this process's
 * environment (the plugin path, the key, the base URL, XDG_CACHE_HOME),
 * for at most 60 s; returns its exit status and its output. */
static gint
run_gst_launch (const gchar * const *args, gchar ** output)
{
  GPtrArray *argv = g_ptr_array_new ();
  gchar **envp = g_get_environ ();
  GError *err = NULL;
  gint status = -1;
  gchar *out = NULL, *errout = NULL;

  /* No leak report of the child's in its output. */
  envp = g_environ_unsetenv (envp, "GST_TRACERS");
  g_ptr_array_add (argv, (gpointer) "timeout");
  g_ptr_array_add (argv, (gpointer) "60");
  g_ptr_array_add (argv, (gpointer) "gst-launch-1.0");
  for (; *args; args++)
    g_ptr_array_add (argv, (gpointer) * args);
  g_ptr_array_add (argv, NULL);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, envp,
          G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout, &status, &err),
      "cannot run gst-launch-1.0: %s", err ? err->message : "?");
  *output = g_strconcat (out, errout, NULL);
  g_free (out);
  g_free (errout);
  g_strfreev (envp);
  g_ptr_array_unref (argv);
  return status;
}

/* GstDiscoverer, then playbin in another process: the discovery's task is
 * the one played. */
GST_START_TEST (test_discoverer_then_playbin_in_another_process)
{
  SeedanceSim *sim = start_sim ();
  gchar *uri = clip_uri ("Discovered, then played elsewhere",
      "&generate-audio=true");
  gchar *uri_arg = g_strdup_printf ("uri=%s", uri);
  const gchar *args[] = { "playbin", uri_arg, "video-sink=fakesink",
    "audio-sink=fakesink", NULL
  };
  GError *err = NULL;
  GstDiscoverer *discoverer = gst_discoverer_new (30 * GST_SECOND, &err);
  GstDiscovererInfo *info;
  GList *videos;
  gchar *output;
  gint status;

  fail_unless (discoverer != NULL, "%s", err ? err->message : "?");
  info = gst_discoverer_discover_uri (discoverer, uri, &err);
  fail_unless (info != NULL && gst_discoverer_info_get_result (info) ==
      GST_DISCOVERER_OK, "discovery failed: %s", err ? err->message : "?");
  videos = gst_discoverer_info_get_video_streams (info);
  fail_unless (videos != NULL, "the discoverer found no video");
  gst_discoverer_stream_info_list_free (videos);
  gst_discoverer_info_unref (info);
  g_object_unref (discoverer);
  fail_unless_equals_int (creates (sim), 1);

  status = run_gst_launch (args, &output);
  fail_unless (g_spawn_check_wait_status (status, NULL),
      "gst-launch-1.0 playbin failed:\n%s", output);
  fail_unless_equals_int (creates (sim), 1);

  g_free (output);
  g_free (uri_arg);
  g_free (uri);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* Exposes each uridecodebin's video/quicktime pad on its appsink. */
static void
on_pad_added (GstElement * decodebin, GstPad * pad, gpointer user_data)
{
  GstElement *sink = user_data;
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");

  fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

/* Two uridecodebins of one URI in one pipeline start at once: the second
 * waits for the first's clip instead of buying another, and both deliver
 * the task's bytes. */
GST_START_TEST (test_two_uridecodebins_at_once)
{
  SeedanceSim *sim = start_sim ();
  gchar *uri = clip_uri ("Two decoders at once", NULL);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GByteArray *received[2];
  GstCaps *mp4 = gst_caps_new_empty_simple ("video/quicktime");
  GstMessage *msg;
  GBytes *video;
  gchar *task_id;
  guint i;

  for (i = 0; i < 2; i++) {
    /* caps=video/quicktime: the bytes as the source pushed them, undecoded. */
    GstElement *dec = gst_element_factory_make ("uridecodebin", NULL);
    GstElement *sink;

    received[i] = g_byte_array_new ();
    sink = collecting_sink_new (received[i]);
    g_object_set (dec, "uri", uri, "caps", mp4, NULL);
    g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), sink);
    gst_bin_add_many (GST_BIN (pipeline), dec, sink, NULL);
  }
  msg = run_pipeline (pipeline, 60, NULL);
  test_assert_eos (msg);

  fail_unless_equals_int (creates (sim), 1);
  task_id = sim_only_task (sim);
  video = task_video (sim, task_id);
  assert_same_bytes (video, received[0], "the first uridecodebin");
  assert_same_bytes (video, received[1], "the second uridecodebin");

  for (i = 0; i < 2; i++)
    g_byte_array_unref (received[i]);
  g_bytes_unref (video);
  g_free (task_id);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  gst_caps_unref (mp4);
  g_free (uri);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* cache=false in the URI: each run is a new take, and nothing is kept. */
GST_START_TEST (test_cache_false_pays_each_run)
{
  SeedanceSim *sim = start_sim ();
  gchar *uri = clip_uri ("Twice without the cache", "&cache=false");
  GByteArray *run1, *run2;

  run1 = play_uri (uri, NULL);
  run2 = play_uri (uri, NULL);
  fail_unless_equals_int (creates (sim), 2);
  fail_unless_equals_int (count_files (cache_dir), 0);

  g_byte_array_unref (run1);
  g_byte_array_unref (run2);
  g_free (uri);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* Plays the clip of `prompt` bounded by `max_size` (0: the default bound)
 * and returns how many creates it took.  The bound is the application's to
 * set, as a property: a URI cannot carry it. */
static guint
play_bounded (SeedanceSim * sim, const gchar * prompt, guint64 max_size)
{
  gchar *uri = clip_uri (prompt, NULL);
  GByteArray *received = g_byte_array_new ();
  GstElement *pipeline = uri_pipeline_new (uri, received);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  guint before = creates (sim);
  GstMessage *msg;

  if (max_size)
    g_object_set (src, "cache-max-size", max_size, NULL);
  gst_object_unref (src);
  msg = run_pipeline (pipeline, 60, NULL);
  test_assert_eos (msg);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  fail_if (received->len == 0, "nothing delivered for %s", uri);
  g_byte_array_unref (received);
  g_free (uri);
  return creates (sim) - before;
}

/* The size of the video of the `n`th task the simulator saw. */
static gsize
task_size (SeedanceSim * sim, guint n)
{
  GPtrArray *ids = sim_task_ids (sim);
  GBytes *video;
  gsize size;

  fail_unless (n < ids->len);
  video = task_video (sim, g_ptr_array_index (ids, n));
  size = g_bytes_get_size (video);
  g_bytes_unref (video);
  g_ptr_array_unref (ids);
  return size;
}

/* Room for two clips, four runs "one two one three": the clip used least
 * recently ("two") goes, the clip used last ("one") stays. */
GST_START_TEST (test_cache_max_size_keeps_the_clips_used_last)
{
  SeedanceSim *sim = start_sim ();
  guint64 bound;
  gsize one, two, three;

  fail_unless_equals_int (play_bounded (sim, "one", 0), 1);
  one = task_size (sim, 0);
  bound = one * 5 / 2;
  fail_unless_equals_int (play_bounded (sim, "two", bound), 1);
  fail_unless_equals_int (play_bounded (sim, "one", bound), 0);
  fail_unless_equals_int (play_bounded (sim, "three", bound), 1);
  fail_unless_equals_int (creates (sim), 3);

  /* The test's premise: any two of the clips fit, the three do not. */
  two = task_size (sim, 1);
  three = task_size (sim, 2);
  fail_unless (one + two <= bound && one + three <= bound &&
      one + two + three > bound, "clips of %" G_GSIZE_FORMAT ", %"
      G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT " bytes do not suit a bound of %"
      G_GUINT64_FORMAT, one, two, three, bound);

  fail_unless_equals_int (play_bounded (sim, "one", bound), 0);
  /* ... and the bound was applied: "two" was removed. */
  fail_unless_equals_int (play_bounded (sim, "two", bound), 1);

  seedance_sim_free (sim);
}

GST_END_TEST;

/* Asserts the modes of `path` and of everything under it. */
static void
assert_private (const gchar * path)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  GStatBuf st;
  guint i;

  fail_unless (g_stat (path, &st) == 0, "%s was not created", path);
  fail_unless (S_ISDIR (st.st_mode));
  fail_unless ((st.st_mode & 07777) == 0700, "%s has mode %04o, not 0700",
      path, st.st_mode & 07777);
  list_files (path, files);
  fail_unless (files->len > 0, "nothing was stored in %s", path);
  for (i = 0; i < files->len; i++) {
    const gchar *file = g_ptr_array_index (files, i);
    guint want;

    fail_unless (g_lstat (file, &st) == 0);
    want = S_ISDIR (st.st_mode) ? 0700 : 0600;
    fail_unless ((st.st_mode & 07777) == want, "%s has mode %04o, not %04o",
        file, st.st_mode & 07777, want);
  }
  g_ptr_array_unref (files);
}

/* Prompts and clips may be private: the cache is for its user only, even
 * with a permissive umask and for a new user with no XDG_CACHE_HOME yet. */
GST_START_TEST (test_cache_modes)
{
  SeedanceSim *sim = start_sim ();
  gchar *uri = clip_uri ("A private prompt", NULL);
  mode_t old_mask = umask (022);

  test_remove_tree (cache_home);
  g_byte_array_unref (play_uri (uri, NULL));
  umask (old_mask);
  fail_unless_equals_int (creates (sim), 1);
  assert_private (cache_dir);

  g_free (uri);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* An unusable default directory (here XDG_CACHE_HOME is a regular file, so
 * nothing can be created under it, even as root): one warning, and the
 * clip is delivered all the same. */
GST_START_TEST (test_unusable_cache_dir_warns_once_and_delivers)
{
  SeedanceSim *sim = start_sim ();
  gchar *uri = clip_uri ("Nowhere to keep it", NULL);
  GPtrArray *messages = message_array_new ();
  GByteArray *received;
  GBytes *video;
  gchar *task_id, *text;
  guint i;

  test_remove_tree (cache_home);
  fail_unless (g_file_set_contents (cache_home, "not a directory", -1, NULL));
  received = play_uri (uri, messages);

  fail_unless_equals_int (creates (sim), 1);
  task_id = sim_only_task (sim);
  video = task_video (sim, task_id);
  assert_same_bytes (video, received, "the clip without a cache");
  fail_unless_equals_int (count_messages (messages, GST_MESSAGE_WARNING), 1);
  for (i = 0; i < messages->len; i++) {
    GstMessage *msg = g_ptr_array_index (messages, i);

    if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_WARNING)
      continue;
    text = message_text (msg);
    fail_unless (strstr (text, "cache") != NULL,
        "the warning does not speak of the cache: %s", text);
    fail_if (strstr (text, TEST_API_KEY) != NULL);
    g_free (text);
  }

  g_bytes_unref (video);
  g_free (task_id);
  g_byte_array_unref (received);
  g_ptr_array_unref (messages);
  g_free (uri);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* A rerun is served from the cache and says so where the user looks: an
 * INFO message naming the task and how to get a new take, which
 * gst-launch-1.0 prints (it prints an INFO's debug string only). */
GST_START_TEST (test_cache_hit_says_so)
{
  SeedanceSim *sim = start_sim ();
  gchar *uri = clip_uri ("Served again", NULL);
  gchar *uri_arg = g_strdup_printf ("uri=%s", uri);
  const gchar *args[] = { "playbin", uri_arg, "video-sink=fakesink",
    "audio-sink=fakesink", NULL
  };
  GPtrArray *hit_run = message_array_new ();
  GByteArray *run1, *run2;
  GBytes *video;
  gchar *task_id, *output, *printed;
  gint status;

  run1 = play_uri (uri, NULL);
  task_id = sim_only_task (sim);
  run2 = play_uri (uri, hit_run);
  fail_unless_equals_int (creates (sim), 1);
  video = task_video (sim, task_id);
  assert_same_bytes (video, run1, "the first run");
  assert_same_bytes (video, run2, "the run served from the cache");
  fail_unless (has_cache_hit_info (hit_run, task_id),
      "no INFO message naming task %s and how to get a new take", task_id);

  /* The same in another process, as a user sees it. */
  status = run_gst_launch (args, &output);
  fail_unless (g_spawn_check_wait_status (status, NULL),
      "gst-launch-1.0 playbin failed:\n%s", output);
  fail_unless_equals_int (creates (sim), 1);
  printed = strstr (output, "INFO:");
  fail_unless (printed != NULL && names_task_and_new_take (printed, task_id),
      "gst-launch-1.0 printed no INFO naming task %s and how to get a new "
      "take:\n%s", task_id, output);

  g_free (output);
  g_bytes_unref (video);
  g_free (task_id);
  g_byte_array_unref (run1);
  g_byte_array_unref (run2);
  g_ptr_array_unref (hit_run);
  g_free (uri_arg);
  g_free (uri);
  seedance_sim_free (sim);
}

GST_END_TEST;

#ifdef HAVE_GES

/* TRUE when what the GES test needs beyond the other tests is installed:
 * GES's own elements, and what encodebin renders MP4 with; otherwise prints
 * a line for each one missing. */
static gboolean
have_ges_elements (void)
{
  GstElementFactory *f;
  gboolean aac = FALSE, all = TRUE;
  const gchar *aac_encoders[] = { "voaacenc", "avenc_aac", "fdkaacenc" };
  guint i;

  if ((f = gst_element_factory_find ("nlecomposition")))
    gst_object_unref (f);
  else {
    g_print ("SKIP: the GStreamer element nlecomposition is not installed "
        "(Debian package libges-1.0-0)\n");
    all = FALSE;
  }
  for (i = 0; i < G_N_ELEMENTS (aac_encoders); i++) {
    if ((f = gst_element_factory_find (aac_encoders[i]))) {
      gst_object_unref (f);
      aac = TRUE;
    }
  }
  if (!aac) {
    g_print ("SKIP: no AAC encoder is installed (voaacenc: Debian package "
        "gstreamer1.0-plugins-bad)\n");
    all = FALSE;
  }
  return test_have_elements ("encodebin", "mp4mux", "x264enc", "h264parse",
      NULL) && all;
}

/* MP4 with H.264 and AAC. */
static GstEncodingProfile *
mp4_profile_new (void)
{
  GstCaps *container = gst_caps_from_string ("video/quicktime,variant=iso");
  GstCaps *h264 = gst_caps_from_string ("video/x-h264");
  GstCaps *aac = gst_caps_from_string ("audio/mpeg,mpegversion=4");
  GstEncodingContainerProfile *profile =
      gst_encoding_container_profile_new ("mp4", NULL, container, NULL);

  gst_encoding_container_profile_add_profile (profile, (GstEncodingProfile *)
      gst_encoding_video_profile_new (h264, NULL, NULL, 0));
  gst_encoding_container_profile_add_profile (profile, (GstEncodingProfile *)
      gst_encoding_audio_profile_new (aac, NULL, NULL, 0));
  gst_caps_unref (container);
  gst_caps_unref (h264);
  gst_caps_unref (aac);
  return (GstEncodingProfile *) profile;
}

/* What an editor built on GES does: a timeline with one generated clip
 * (discovered as an asset, then opened by the video and the audio track),
 * rendered to MP4.  One create, and the render plays. */
GST_START_TEST (test_ges_timeline_render_pays_once)
{
  SeedanceSim *sim = start_sim ();
  gchar *uri = clip_uri ("An edited clip", "&generate-audio=true");
  /* Beside the cache, so that main () removes it even after a failure. */
  gchar *out_path = g_build_filename (cache_home, "render.mp4", NULL);
  gchar *out_uri = g_filename_to_uri (out_path, NULL, NULL);
  GError *err = NULL;
  GESTimeline *timeline;
  GESLayer *layer;
  GESUriClipAsset *asset;
  GESClip *clip;
  GESPipeline *pipeline;
  GstEncodingProfile *profile;
  GstMessage *msg;
  GstDiscoverer *discoverer;
  GstDiscovererInfo *info;
  GList *videos;

  fail_unless (ges_init ());
  timeline = ges_timeline_new_audio_video ();
  layer = ges_timeline_append_layer (timeline);
  asset = ges_uri_clip_asset_request_sync (uri, &err);
  fail_unless (asset != NULL, "GES cannot use %s: %s", uri,
      err ? err->message : "?");
  /* Both tracks then open the URI, as well as the discovery. */
  fail_unless_equals_int (ges_clip_asset_get_supported_formats (GES_CLIP_ASSET
          (asset)), GES_TRACK_TYPE_VIDEO | GES_TRACK_TYPE_AUDIO);
  clip = ges_layer_add_asset (layer, GES_ASSET (asset), 0, 0,
      GST_CLOCK_TIME_NONE, GES_TRACK_TYPE_UNKNOWN);
  fail_unless (clip != NULL);

  pipeline = ges_pipeline_new ();
  fail_unless (ges_pipeline_set_timeline (pipeline, timeline));
  profile = mp4_profile_new ();
  fail_unless (ges_pipeline_set_render_settings (pipeline, out_uri, profile));
  fail_unless (ges_pipeline_set_mode (pipeline, GES_PIPELINE_MODE_RENDER));
  msg = run_pipeline (GST_ELEMENT (pipeline), 90, NULL);
  test_assert_eos (msg);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_object_unref (profile);
  g_object_unref (asset);

  fail_unless_equals_int (creates (sim), 1);

  /* The render plays: a video stream and a duration. */
  discoverer = gst_discoverer_new (30 * GST_SECOND, &err);
  fail_unless (discoverer != NULL);
  info = gst_discoverer_discover_uri (discoverer, out_uri, &err);
  fail_unless (info != NULL && gst_discoverer_info_get_result (info) ==
      GST_DISCOVERER_OK, "the render does not play: %s",
      err ? err->message : "?");
  videos = gst_discoverer_info_get_video_streams (info);
  fail_unless (videos != NULL, "the render has no video");
  fail_unless (gst_discoverer_info_get_duration (info) > 0);
  gst_discoverer_stream_info_list_free (videos);
  gst_discoverer_info_unref (info);
  g_object_unref (discoverer);

  ges_deinit ();
  g_unlink (out_path);
  g_free (out_uri);
  g_free (out_path);
  g_free (uri);
  seedance_sim_free (sim);
}

GST_END_TEST;

#endif /* HAVE_GES */

static Suite *
clients_suite (void)
{
  Suite *s = suite_create ("clients");
  TCase *tc = tcase_create ("general");

  tcase_add_checked_fixture (tc, reset_cache_home, NULL);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_cache_hit_says_so);
  tcase_add_test (tc, test_discoverer_then_playbin_in_another_process);
  tcase_add_test (tc, test_two_uridecodebins_at_once);
  tcase_add_test (tc, test_cache_false_pays_each_run);
  tcase_add_test (tc, test_cache_max_size_keeps_the_clips_used_last);
  tcase_add_test (tc, test_cache_modes);
  tcase_add_test (tc, test_unusable_cache_dir_warns_once_and_delivers);
  suite_add_tcase (s, tc);
  return s;
}

#ifdef HAVE_GES
static Suite *
ges_suite (void)
{
  Suite *s = suite_create ("clients-ges");
  TCase *tc = tcase_create ("ges");

  tcase_add_checked_fixture (tc, reset_cache_home, NULL);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_ges_timeline_render_pays_once);
  suite_add_tcase (s, tc);
  return s;
}
#endif

int
main (int argc, char **argv)
{
  gboolean ges = argc > 1 && strcmp (argv[1], "--ges") == 0;
  Suite *s;
  int failed;

  /* Before GStreamer starts, so that everything in this process (and the
   * processes it starts) uses this cache and this key. */
  cache_home = g_dir_make_tmp ("seedance-clients-XXXXXX", NULL);
  g_assert (cache_home != NULL);
  cache_dir = g_build_filename (cache_home, "gst-seedance", NULL);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  g_unsetenv ("SEEDANCE_CACHE_DIR");
  g_unsetenv ("ARK_API_KEY");
  g_setenv ("SEEDANCE_API_KEY", TEST_API_KEY, TRUE);

  gst_check_init (NULL, NULL);
  if (!test_have_elements (TEST_SIM_ELEMENTS, TEST_SIM_AUDIO_ELEMENTS,
          TEST_DECODE_ELEMENTS, "uridecodebin", "playbin", "appsink",
          "fakesink", NULL) ||
      !test_have_program ("gst-launch-1.0", "gstreamer1.0-tools") ||
      !test_have_program ("timeout", "coreutils")) {
    test_remove_tree (cache_home);
    return TEST_EXIT_SKIP;
  }
  if (ges) {
#ifdef HAVE_GES
    if (!have_ges_elements ()) {
      test_remove_tree (cache_home);
      return TEST_EXIT_SKIP;
    }
    s = ges_suite ();
#else
    g_print ("SKIP: built without GES (Debian package libges-1.0-dev, then "
        "reconfigure)\n");
    test_remove_tree (cache_home);
    return TEST_EXIT_SKIP;
#endif
  } else {
    s = clients_suite ();
  }
  failed = gst_check_run_suite (s, ges ? "clients-ges" : "clients", __FILE__);
  test_remove_tree (cache_home);
  g_free (cache_dir);
  g_free (cache_home);
  return failed;
}
