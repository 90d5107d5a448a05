/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* cache-dir and dry-run: one request, one payment. */
#include "common/harness.h"
#include "common/tmpdir.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static gchar *
new_dir (void)
{
  return g_dir_make_tmp ("seedance-cache-XXXXXX", NULL);
}

/* Runs one pipeline "PROPS location=OUT ! fakesink", returns the final
 * message's "cache" field (or NULL) and fills `out_bytes`. */
static gchar *
run_once (SeedanceSim * sim, const gchar * props, const gchar * out,
    GBytes ** out_bytes)
{
  gchar *rest = g_strdup_printf ("%s location=\"%s\" ! fakesink", props, out);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  GstMessage *msg = test_pipeline_run (pipeline, 60, messages);
  const GstStructure *s;
  gchar *origin = NULL, *data = NULL;
  gsize len = 0;

  test_assert_eos (msg);
  s = test_find_message (messages, "seedance-task", "succeeded");
  if (s)
    origin = g_strdup (gst_structure_get_string (s, "cache"));
  fail_unless (g_file_get_contents (out, &data, &len, NULL));
  if (out_bytes)
    *out_bytes = g_bytes_new_take (data, len);
  else
    g_free (data);

  gst_message_unref (msg);
  g_ptr_array_unref (messages);
  gst_object_unref (pipeline);
  g_free (rest);
  return origin;
}

GST_START_TEST (test_dry_run_sends_nothing_and_shows_the_real_body)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = new_dir ();
  gchar *out = g_build_filename (dir, "out.mp4", NULL);
  const gchar *props = "prompt=\"Dry\" resolution=480p seed=3";
  gchar *rest = g_strdup_printf ("%s dry-run=true cache-dir=\"%s/cache\" "
      "! fakesink", props, dir);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  GstMessage *msg = test_pipeline_run (pipeline, 30, messages);
  const GstStructure *s;
  gchar *body, *key, *origin;
  GPtrArray *bodies;

  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);
  s = test_find_message (messages, "seedance-dry-run", NULL);
  fail_unless (s != NULL);
  body = g_strdup (gst_structure_get_string (s, "body"));
  key = g_strdup (gst_structure_get_string (s, "cache-key"));
  fail_unless_equals_string (gst_structure_get_string (s, "cache"), "miss");
  fail_unless (g_str_has_suffix (gst_structure_get_string (s, "endpoint"),
          "/api/v3/contents/generations/tasks"));
  fail_unless_equals_int (strlen (key), 64);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (rest);

  /* The real run sends exactly that body. */
  rest = g_strdup_printf ("%s cache-dir=\"%s/cache\"", props, dir);
  origin = run_once (sim, rest, out, NULL);
  fail_unless_equals_string (origin, "created");
  bodies = test_sim_create_bodies (sim);
  fail_unless_equals_int (bodies->len, 1);
  fail_unless_equals_string (g_ptr_array_index (bodies, 0), body);

  g_ptr_array_unref (bodies);
  g_free (origin);
  g_free (rest);
  g_free (body);
  g_free (key);
  g_ptr_array_unref (messages);
  test_remove_tree (dir);
  g_free (dir);
  g_free (out);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_second_run_is_served_from_the_cache)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = new_dir ();
  gchar *out1 = g_build_filename (dir, "one.mp4", NULL);
  gchar *out2 = g_build_filename (dir, "two.mp4", NULL);
  gchar *props = g_strdup_printf ("prompt=\"Twice\" resolution=480p "
      "cache-dir=\"%s/cache\"", dir);
  GBytes *run1, *run2;
  gchar *origin;
  GPtrArray *files;
  GDir *d;
  const gchar *name;
  gchar *cache = g_build_filename (dir, "cache", NULL);

  origin = run_once (sim, props, out1, &run1);
  fail_unless_equals_string (origin, "created");
  g_free (origin);
  seedance_sim_clear_log (sim);
  /* No key is needed for a clip in the cache, and none is sent. */
  seedance_sim_set_api_key (sim, "a-key-nobody-has");
  origin = run_once (sim, props, out2, &run2);
  fail_unless_equals_string (origin, "hit");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);
  fail_unless (g_bytes_equal (run1, run2));

  /* The key is written nowhere in the cache. */
  files = g_ptr_array_new ();
  d = g_dir_open (cache, 0, NULL);
  while ((name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (cache, name, NULL);
    gchar *data = NULL;
    gsize len = 0;

    fail_unless (g_file_get_contents (path, &data, &len, NULL));
    fail_if (g_strstr_len (data, len, TEST_API_KEY) != NULL,
        "the API key is in %s", name);
    g_free (data);
    g_free (path);
    g_ptr_array_add (files, NULL);
  }
  g_dir_close (d);
  fail_unless (files->len >= 2);

  g_ptr_array_unref (files);
  g_bytes_unref (run1);
  g_bytes_unref (run2);
  g_free (origin);
  g_free (props);
  test_remove_tree (dir);
  g_free (cache);
  g_free (dir);
  g_free (out1);
  g_free (out2);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* Waits until `cache` holds a task journal (KEY.task, which appears whole,
 * by rename), at most `timeout_s`. */
static gboolean
wait_for_journal (const gchar * cache, guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    GDir *d = g_dir_open (cache, 0, NULL);
    const gchar *name;
    gboolean found = FALSE;

    while (d && !found && (name = g_dir_read_name (d)))
      found = g_str_has_suffix (name, ".task");
    if (d)
      g_dir_close (d);
    if (found)
      return TRUE;
    g_usleep (20000);
  }
  return FALSE;
}

GST_START_TEST (test_killed_while_polling_then_rerun_resumes)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = new_dir ();
  gchar *out = g_build_filename (dir, "out.mp4", NULL);
  gchar *cache = g_build_filename (dir, "cache", NULL);
  gchar *props = g_strdup_printf ("prompt=\"Crash\" resolution=480p "
      "cache-dir=\"%s\"", cache);
  gchar *base = g_strdup_printf ("base-url=%s", seedance_sim_get_base_url
      (sim));
  gchar *cache_arg = g_strdup_printf ("cache-dir=%s", cache);
  const gchar *argv[] = { "gst-launch-1.0", "-q", "seedancesrc",
    "prompt=Crash", "resolution=480p", "api-key=" TEST_API_KEY,
    "poll-interval=60000", base, cache_arg, "!", "fakesink", NULL
  };
  GSubprocess *child;
  GError *err = NULL;
  gint64 deadline;
  gchar *origin;

  /* A child process creates the task, journals it, and waits between
   * polls, where it is killed. */
  seedance_sim_set_schedule (sim, 1500, 300);
  child = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &err);
  fail_unless (child != NULL, "%s", err ? err->message : "");
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (seedance_sim_count_requests (sim, SEEDANCE_SIM_CREATE) == 0 &&
      g_get_monotonic_time () < deadline)
    g_usleep (20000);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  fail_unless (wait_for_journal (cache, 20), "no task journal in %s", cache);
  g_subprocess_send_signal (child, SIGKILL);
  g_subprocess_wait (child, NULL, NULL);

  origin = run_once (sim, props, out, NULL);
  fail_unless_equals_string (origin, "resumed");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);

  g_object_unref (child);
  g_free (origin);
  g_free (base);
  g_free (cache_arg);
  g_free (props);
  test_remove_tree (dir);
  g_free (cache);
  g_free (dir);
  g_free (out);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* Two elements with the same request in one pipeline, each keeping its
 * clip in its own file. */
static gchar *
two_at_once (SeedanceSim * sim, const gchar * prompt, const gchar * dir,
    const gchar * out1, const gchar * out2)
{
  const gchar *url = seedance_sim_get_base_url (sim);

  return g_strdup_printf ("seedancesrc base-url=\"%s\" api-key="
      TEST_API_KEY " poll-interval=100 prompt=\"%s\" resolution=480p "
      "cache-dir=\"%s/cache\" location=\"%s\" ! fakesink "
      "seedancesrc base-url=\"%s\" api-key=" TEST_API_KEY " poll-interval=100 "
      "prompt=\"%s\" resolution=480p cache-dir=\"%s/cache\" "
      "location=\"%s\" ! fakesink", url, prompt, dir, out1, url, prompt, dir,
      out2);
}

GST_START_TEST (test_two_at_once_create_one_task)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = new_dir ();
  gchar *out1 = g_build_filename (dir, "a.mp4", NULL);
  gchar *out2 = g_build_filename (dir, "b.mp4", NULL);
  gchar *desc = two_at_once (sim, "Together", dir, out1, out2);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstMessage *msg;
  gchar *a = NULL, *b = NULL;
  gsize alen = 0, blen = 0;

  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_eos (msg);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 1);
  fail_unless (g_file_get_contents (out1, &a, &alen, NULL));
  fail_unless (g_file_get_contents (out2, &b, &blen, NULL));
  fail_unless (alen > 0 && alen == blen && memcmp (a, b, alen) == 0);

  g_free (a);
  g_free (b);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (desc);
  test_remove_tree (dir);
  g_free (dir);
  g_free (out1);
  g_free (out2);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_journalled_failed_task_leads_to_a_new_create)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = new_dir ();
  gchar *out = g_build_filename (dir, "out.mp4", NULL);
  gchar *props = g_strdup_printf ("prompt=\"Retry\" resolution=480p "
      "cache-dir=\"%s/cache\"", dir);
  gchar *rest = g_strdup_printf ("%s ! fakesink", props);
  GstElement *pipeline;
  GstMessage *msg;
  gchar *origin;

  seedance_sim_set_outcome (sim, "failed", "InternalServiceError", "boom");
  pipeline = test_pipeline_new (sim, rest);
  msg = test_pipeline_run (pipeline, 60, NULL);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  gst_message_unref (msg);
  gst_object_unref (pipeline);

  seedance_sim_set_outcome (sim, NULL, NULL, NULL);
  origin = run_once (sim, props, out, NULL);
  fail_unless_equals_string (origin, "created");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 2);

  g_free (origin);
  g_free (rest);
  g_free (props);
  test_remove_tree (dir);
  g_free (dir);
  g_free (out);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_two_at_once_on_a_stale_journal_create_one_task)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = new_dir ();
  gchar *out1 = g_build_filename (dir, "a.mp4", NULL);
  gchar *out2 = g_build_filename (dir, "b.mp4", NULL);
  gchar *first_run = g_strdup_printf ("prompt=\"Stale\" resolution=480p "
      "cache-dir=\"%s/cache\" ! fakesink", dir);
  gchar *desc = two_at_once (sim, "Stale", dir, out1, out2);
  GstElement *pipeline;
  GstMessage *msg;

  /* A journalled task that failed. */
  seedance_sim_set_outcome (sim, "failed", "InternalServiceError", "boom");
  pipeline = test_pipeline_new (sim, first_run);
  msg = test_pipeline_run (pipeline, 60, NULL);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  gst_message_unref (msg);
  gst_object_unref (pipeline);
  seedance_sim_set_outcome (sim, NULL, NULL, NULL);

  /* Both find it stale; between them, one new task. */
  pipeline = gst_parse_launch (desc, NULL);
  msg = test_pipeline_run (pipeline, 60, NULL);
  test_assert_eos (msg);
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 2);
  fail_unless (g_file_test (out1, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (out2, G_FILE_TEST_EXISTS));

  gst_message_unref (msg);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (first_run);
  test_remove_tree (dir);
  g_free (dir);
  g_free (out1);
  g_free (out2);
  seedance_sim_free (sim);
}

GST_END_TEST;

static const guint8 png_a[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
  0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
  0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89
};

static gchar *
dry_run_key (SeedanceSim * sim, const gchar * props)
{
  gchar *rest = g_strdup_printf ("%s dry-run=true ! fakesink", props);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  GstMessage *msg = test_pipeline_run (pipeline, 30, messages);
  const GstStructure *s =
      test_find_message (messages, "seedance-dry-run", NULL);
  gchar *key;

  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  fail_unless (s != NULL);
  key = g_strdup (gst_structure_get_string (s, "cache-key"));
  gst_message_unref (msg);
  g_ptr_array_unref (messages);
  gst_object_unref (pipeline);
  g_free (rest);
  return key;
}

GST_START_TEST (test_changed_local_media_is_a_new_key)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *path = test_write_temp_file ("first.png", png_a, sizeof (png_a));
  gchar *props = g_strdup_printf ("prompt=\"Media\" first-frame=\"%s\"",
      path);
  gchar *k1, *k2, *k3;
  guint8 changed[sizeof (png_a)];

  k1 = dry_run_key (sim, props);
  k2 = dry_run_key (sim, props);
  fail_unless_equals_string (k1, k2);
  memcpy (changed, png_a, sizeof (png_a));
  changed[sizeof (changed) - 1] ^= 0xff;
  fail_unless (g_file_set_contents (path, (const gchar *) changed,
          sizeof (changed), NULL));
  k3 = dry_run_key (sim, props);
  fail_if (g_strcmp0 (k1, k3) == 0, "a changed file kept its key");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);

  g_free (k1);
  g_free (k2);
  g_free (k3);
  g_free (props);
  g_unlink (path);
  g_free (path);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_corrupt_entry_is_replaced)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *dir = new_dir ();
  gchar *out = g_build_filename (dir, "out.mp4", NULL);
  gchar *cache = g_build_filename (dir, "cache", NULL);
  gchar *props = g_strdup_printf ("prompt=\"Corrupt\" resolution=480p "
      "cache-dir=\"%s\"", cache);
  gchar *key = dry_run_key (sim, props);
  gchar *name = g_strdup_printf ("%s.mp4", key);
  gchar *clip = g_build_filename (cache, name, NULL);
  GBytes *good, *again;
  gchar *origin;

  origin = run_once (sim, props, out, &good);
  g_free (origin);
  fail_unless (g_file_test (clip, G_FILE_TEST_EXISTS));
  fail_unless (g_file_set_contents (clip, "not the clip", -1, NULL));

  origin = run_once (sim, props, out, &again);
  fail_if (g_strcmp0 (origin, "hit") == 0, "a corrupt entry was served");
  fail_unless_equals_int (seedance_sim_count_requests (sim,
          SEEDANCE_SIM_CREATE), 2);
  fail_unless_equals_int (g_bytes_get_size (again), g_bytes_get_size (good));
  g_free (origin);

  /* Replaced: the third run is a hit again. */
  g_bytes_unref (again);
  origin = run_once (sim, props, out, &again);
  fail_unless_equals_string (origin, "hit");

  g_bytes_unref (good);
  g_bytes_unref (again);
  g_free (origin);
  g_free (clip);
  g_free (name);
  g_free (key);
  g_free (props);
  test_remove_tree (dir);
  g_free (cache);
  g_free (dir);
  g_free (out);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_unusable_cache_is_a_warning_and_the_clip_comes)
{
  SeedanceSim *sim = test_sim_new ();
  gchar *file = test_write_temp_file ("plain", (const guint8 *) "x", 1);
  gchar *rest = g_strdup_printf ("prompt=\"No cache\" resolution=480p "
      "cache-dir=\"%s/cache\" ! fakesink", file);
  GstElement *pipeline = test_pipeline_new (sim, rest);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  GstMessage *msg = test_pipeline_run (pipeline, 60, messages);
  gboolean warned = FALSE;
  guint i;

  test_assert_eos (msg);
  for (i = 0; i < messages->len; i++) {
    GstMessage *m = g_ptr_array_index (messages, i);

    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      GError *err = NULL;

      gst_message_parse_warning (m, &err, NULL);
      warned = strstr (err->message, "cache-dir") != NULL &&
          strstr (err->message, file) != NULL;
      g_error_free (err);
    }
  }
  fail_unless (warned, "no warning naming cache-dir and the path");

  gst_message_unref (msg);
  g_ptr_array_unref (messages);
  gst_object_unref (pipeline);
  g_free (rest);
  g_free (file);
  seedance_sim_free (sim);
}

GST_END_TEST;

static Suite *
never_pay_twice_suite (void)
{
  Suite *s = suite_create ("never-pay-twice");
  TCase *tc = tcase_create ("cache");

  tcase_set_timeout (tc, 180);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_dry_run_sends_nothing_and_shows_the_real_body);
  tcase_add_test (tc, test_second_run_is_served_from_the_cache);
  tcase_add_test (tc, test_killed_while_polling_then_rerun_resumes);
  tcase_add_test (tc, test_two_at_once_create_one_task);
  tcase_add_test (tc, test_journalled_failed_task_leads_to_a_new_create);
  tcase_add_test (tc, test_two_at_once_on_a_stale_journal_create_one_task);
  tcase_add_test (tc, test_changed_local_media_is_a_new_key);
  tcase_add_test (tc, test_corrupt_entry_is_replaced);
  tcase_add_test (tc, test_unusable_cache_is_a_warning_and_the_clip_comes);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  if (!test_have_elements (TEST_SIM_ELEMENTS, NULL) ||
      !test_have_program ("gst-launch-1.0", "gstreamer1.0-tools"))
    return TEST_EXIT_SKIP;
  return gst_check_run_suite (never_pay_twice_suite (), "never_pay_twice",
      __FILE__);
}
