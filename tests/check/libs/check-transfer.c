/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* The video's transfer (transfer.h) against the simulator's file host,
 * with no GStreamer: the bytes read are the file's, at any offset, straight
 * from the download or through `location` and the cache; a stored clip is
 * read with no request; a host with no length is spooled whole into a
 * nameless file once its head checks out; a head that does not check out
 * ends the transfer before anything is handed out or spooled; a clip over
 * cache-max-size is delivered, never spooled into the cache; a cancel ends
 * a read at once. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "seedance/transfer.h"
#include "seedance-sim.h"
#include "common/tmpdir.h"

#define API_KEY "sim-key"
#define FILE_SIZE (3 * 1024 * 1024 + 321)
#define BLOCK (256 * 1024)
#define CREATE_BODY "{\"model\": \"doubao-seedance-2.0\", \"content\": " \
    "[{\"type\": \"text\", \"text\": \"transfer\"}], \"duration\": 5, " \
    "\"resolution\": \"480p\", \"ratio\": \"16:9\"}"

static gchar *tmp_root;         /* $TMPDIR of this process */
static gchar *base_dir;         /* where the tests' own files go */

typedef struct
{
  gchar *dir;
  gchar *served;                /* the file the simulator serves */
  GBytes *video;
  SeedanceSim *sim;
  GCancellable *cancellable;
  SeedanceClient *client;
  gchar *url;
  guint head_checks;
  gsize head_len;
  gboolean head_ok;             /* what check_head answers */
} Fixture;

static Fixture f;

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

static guint
count_files (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  guint n = 0;

  ck_assert_ptr_nonnull (d);
  while ((name = g_dir_read_name (d))) {
    /* libcheck and the simulator keep their own files in $TMPDIR. */
    if (!g_str_has_prefix (name, "check_") &&
        !g_str_has_prefix (name, "seedance-sim-"))
      n++;
  }
  g_dir_close (d);
  return n;
}

static gboolean
check_head (const guint8 * data, gsize len, gpointer user_data)
{
  gsize want = MIN (len, (gsize) SEEDANCE_TRANSFER_HEAD_SIZE);

  f.head_checks++;
  f.head_len = len;
  ck_assert_mem_eq (data, g_bytes_get_data (f.video, NULL), want);
  return f.head_ok;
}

static void
set_up (void)
{
  GError *err = NULL;
  gint fd;
  SeedanceHttpConfig http_config = {.connect_timeout_s = 5,
    .stall_timeout_s = 30,.proxy = "",.ssl_strict = TRUE
  };
  SeedanceClientConfig client_config = {.api_key = API_KEY,.retries = 3,
    .backoff_ms = 50
  };
  gchar *id;
  gint64 deadline;
  SeedanceTask *task;

  memset (&f, 0, sizeof (f));
  f.head_ok = TRUE;
  f.dir = g_build_filename (base_dir, "seedance-transfer-XXXXXX", NULL);
  ck_assert_ptr_nonnull (g_mkdtemp (f.dir));
  /* Beside the test's directory, which holds what the transfer makes. */
  f.served = g_build_filename (base_dir, "seedance-served-XXXXXX", NULL);
  fd = g_mkstemp (f.served);
  ck_assert_int_ge (fd, 0);
  close (fd);
  f.video = random_bytes (FILE_SIZE, 11);
  ck_assert (g_file_set_contents (f.served, g_bytes_get_data (f.video, NULL),
          FILE_SIZE, NULL));
  f.sim = seedance_sim_new ();
  seedance_sim_set_api_key (f.sim, API_KEY);
  seedance_sim_set_schedule (f.sim, 10, 10);
  seedance_sim_set_video_file (f.sim, f.served);
  ck_assert (seedance_sim_start (f.sim, 0, &err));
  f.cancellable = g_cancellable_new ();
  client_config.base_url = seedance_sim_get_base_url (f.sim);
  f.client = seedance_client_new (&client_config, &http_config, f.cancellable);

  id = seedance_sim_create_task (f.sim, CREATE_BODY, &err);
  ck_assert_ptr_nonnull (id);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;) {
    gchar *status = seedance_sim_get_task_status (f.sim, id);
    gboolean done = g_strcmp0 (status, "succeeded") == 0;

    g_free (status);
    if (done)
      break;
    ck_assert_int_lt (g_get_monotonic_time (), deadline);
    g_usleep (10000);
  }
  task = seedance_client_get_task (f.client, id, NULL, &err);
  ck_assert_ptr_nonnull (task);
  f.url = g_strdup (task->video_url);
  seedance_task_free (task);
  g_free (id);
  seedance_sim_clear_log (f.sim);
}

static void
tear_down (void)
{
  g_free (f.url);
  seedance_client_free (f.client);
  g_object_unref (f.cancellable);
  seedance_sim_free (f.sim);
  g_bytes_unref (f.video);
  test_remove_tree (f.dir);
  g_free (f.dir);
  g_unlink (f.served);
  g_free (f.served);
}

static SeedanceTransfer *
new_transfer (const gchar * location)
{
  SeedanceTransferConfig config = {.client = f.client,.retries = 3,
    .backoff_ms = 50,.cancellable = f.cancellable,.location = location,
    .block_size = BLOCK,.check_head = check_head
  };
  GError *err = NULL;
  SeedanceTransfer *t = seedance_transfer_new (&config, &err);

  ck_assert_msg (t != NULL, "%s", err ? err->message : "");
  return t;
}

/* Reads from `offset` to the end; the bytes must be the file's. */
static void
read_to_end (SeedanceTransfer * t, guint64 offset)
{
  const guint8 *want = g_bytes_get_data (f.video, NULL);

  for (;;) {
    GBytes *b = NULL;
    GError *err = NULL;
    gsize len;

    ck_assert_msg (seedance_transfer_read (t, offset, &b, &err), "%s",
        err ? err->message : "");
    ck_assert_int_eq (seedance_transfer_get_size (t), FILE_SIZE);
    if (b == NULL)
      break;
    len = g_bytes_get_size (b);
    ck_assert_uint_gt (len, 0);
    ck_assert_uint_le (len, BLOCK);
    ck_assert_uint_le (offset + len, FILE_SIZE);
    ck_assert_mem_eq (g_bytes_get_data (b, NULL), want + offset, len);
    offset += len;
    g_bytes_unref (b);
  }
  ck_assert_uint_eq (offset, FILE_SIZE);
}

static SeedanceCache *
open_cache (guint64 max_size)
{
  g_autofree gchar *dir = g_build_filename (f.dir, "cache", NULL);
  GError *err = NULL;
  SeedanceCache *cache = seedance_cache_open (dir, max_size, &err);

  ck_assert_msg (cache != NULL, "%s", err ? err->message : "");
  return cache;
}

static SeedanceCacheClaim *
claim (SeedanceCache * cache, const gchar * key, SeedanceCacheClaimKind kind)
{
  GError *err = NULL;
  SeedanceCacheClaim *c = seedance_cache_claim (cache, key, NULL, &err);

  ck_assert_msg (c != NULL, "%s", err ? err->message : "");
  ck_assert_int_eq (seedance_cache_claim_get_kind (c), kind);
  return c;
}

START_TEST (test_network_reads_and_seeks)
{
  SeedanceTransfer *t = new_transfer (NULL);

  seedance_transfer_download (t, f.url, NULL, NULL, NULL, NULL);
  read_to_end (t, 0);
  ck_assert_uint_eq (f.head_checks, 1);
  ck_assert_uint_ge (f.head_len, SEEDANCE_TRANSFER_HEAD_SIZE);
  /* A seek to the end and back (qtdemux's moov-at-end dance). */
  read_to_end (t, FILE_SIZE - 1000);
  read_to_end (t, 12345);
  ck_assert_uint_eq (f.head_checks, 1);
  /* Nothing was written anywhere. */
  ck_assert_uint_eq (count_files (f.dir), 0);
  seedance_transfer_free (t);
}

END_TEST;

START_TEST (test_location_is_whole_or_absent)
{
  g_autofree gchar *location = g_build_filename (f.dir, "kept.mp4", NULL);
  SeedanceTransfer *t = new_transfer (location);
  GBytes *b = NULL;
  gchar *data = NULL;
  gsize len = 0;

  seedance_transfer_download (t, f.url, NULL, NULL, NULL, NULL);
  ck_assert (seedance_transfer_read (t, 0, &b, NULL));
  g_bytes_unref (b);
  /* Mid-download: only the temporary file beside it. */
  ck_assert (!g_file_test (location, G_FILE_TEST_EXISTS));
  ck_assert_uint_eq (count_files (f.dir), 1);
  read_to_end (t, 0);
  ck_assert (g_file_get_contents (location, &data, &len, NULL));
  ck_assert_uint_eq (len, FILE_SIZE);
  ck_assert_mem_eq (data, g_bytes_get_data (f.video, NULL), len);
  g_free (data);
  seedance_transfer_free (t);
  ck_assert_uint_eq (count_files (f.dir), 1);

  /* Freed before the end: no file under the name, no temporary left. */
  g_unlink (location);
  t = new_transfer (location);
  seedance_transfer_download (t, f.url, NULL, NULL, NULL, NULL);
  ck_assert (seedance_transfer_read (t, 0, &b, NULL));
  g_bytes_unref (b);
  seedance_transfer_free (t);
  ck_assert_uint_eq (count_files (f.dir), 0);
}

END_TEST;

START_TEST (test_location_that_cannot_be_written)
{
  SeedanceTransferConfig config = {.client = f.client,
    .location = "/nonexistent-dir/x.mp4",.block_size = BLOCK
  };
  GError *err = NULL;

  ck_assert_ptr_null (seedance_transfer_new (&config, &err));
  ck_assert (g_error_matches (err, SEEDANCE_TRANSFER_ERROR,
          SEEDANCE_TRANSFER_ERROR_OPEN_WRITE));
  ck_assert (strstr (err->message, "location"));
  g_error_free (err);
}

END_TEST;

/* Downloaded into the cache and stored; then read back from it with no
 * request at all, and copied to `location`. */
START_TEST (test_cache_store_then_hit)
{
  SeedanceCache *cache = open_cache (0);
  g_autofree gchar *key = seedance_cache_key ("http://h/api/v3", CREATE_BODY,
      NULL);
  g_autofree gchar *location = g_build_filename (f.dir, "hit.mp4", NULL);
  SeedanceTransfer *t = new_transfer (NULL);
  GError *err = NULL;
  gchar *data = NULL;
  gsize len = 0;
  SeedanceCacheClaim *c = claim (cache, key, SEEDANCE_CACHE_MISS);

  ck_assert (seedance_cache_claim_journal (c, "cgt-1", NULL));
  seedance_transfer_download (t, f.url, cache, key, c, "{\"id\":\"cgt-1\"}");
  read_to_end (t, 0);
  ck_assert_ptr_null (seedance_transfer_take_cache_error (t));
  seedance_transfer_free (t);
  ck_assert_uint_gt (seedance_sim_count_requests (f.sim,
          SEEDANCE_SIM_VIDEO), 0);

  seedance_sim_clear_log (f.sim);
  f.head_checks = 0;
  t = new_transfer (location);
  ck_assert_msg (seedance_transfer_open_clip (t, claim (cache, key,
              SEEDANCE_CACHE_HIT), &err), "%s", err ? err->message : "");
  ck_assert_int_eq (seedance_transfer_get_size (t), FILE_SIZE);
  read_to_end (t, 0);
  read_to_end (t, 777);
  ck_assert_uint_eq (f.head_checks, 1);
  ck_assert_uint_eq (seedance_sim_count_requests (f.sim,
          SEEDANCE_SIM_ANY_ENDPOINT), 0);
  ck_assert (g_file_get_contents (location, &data, &len, NULL));
  ck_assert_uint_eq (len, FILE_SIZE);
  g_free (data);
  seedance_transfer_free (t);
  seedance_cache_free (cache);
}

END_TEST;

/* A clip over cache-max-size streams on uncached: the cache's spool never
 * passes the bound, and nothing is stored. */
START_TEST (test_clip_over_the_cache_bound)
{
  SeedanceCache *cache = open_cache (FILE_SIZE / 4);
  g_autofree gchar *key = seedance_cache_key ("http://h/api/v3", CREATE_BODY,
      NULL);
  g_autofree gchar *dir = g_build_filename (f.dir, "cache", NULL);
  SeedanceTransfer *t = new_transfer (NULL);
  SeedanceCacheClaim *c = claim (cache, key, SEEDANCE_CACHE_MISS);
  guint64 offset = 0;

  ck_assert (seedance_cache_claim_journal (c, "cgt-2", NULL));
  seedance_transfer_download (t, f.url, cache, key, c, "{}");
  for (;;) {
    GBytes *b = NULL;
    GDir *d;
    const gchar *name;

    ck_assert (seedance_transfer_read (t, offset, &b, NULL));
    if (b == NULL)
      break;
    offset += g_bytes_get_size (b);
    g_bytes_unref (b);
    d = g_dir_open (dir, 0, NULL);
    while ((name = g_dir_read_name (d))) {
      gchar *p = g_build_filename (dir, name, NULL);
      GStatBuf st;

      ck_assert (g_stat (p, &st) == 0);
      ck_assert_int_le (st.st_size, FILE_SIZE / 4);
      g_free (p);
    }
    g_dir_close (d);
  }
  ck_assert_uint_eq (offset, FILE_SIZE);
  ck_assert_ptr_null (seedance_transfer_take_cache_error (t));
  seedance_transfer_free (t);
  c = claim (cache, key, SEEDANCE_CACHE_JOURNALLED);
  seedance_cache_claim_free (c);
  seedance_cache_free (cache);
}

END_TEST;

/* No length and no Range: the size is known before the first byte is
 * handed out, and the whole-file spool has no name (no crash leaves it). */
START_TEST (test_no_length_is_spooled_nameless)
{
  SeedanceTransfer *t = new_transfer (NULL);

  seedance_sim_set_file_host_mode (f.sim, SEEDANCE_SIM_FILE_HOST_CHUNKED |
      SEEDANCE_SIM_FILE_HOST_IGNORE_RANGE);
  seedance_transfer_download (t, f.url, NULL, NULL, NULL, NULL);
  read_to_end (t, 0);
  ck_assert_uint_eq (count_files (tmp_root), 0);
  read_to_end (t, 54321);
  ck_assert_uint_eq (f.head_checks, 1);
  seedance_transfer_free (t);
}

END_TEST;

/* A head that does not check out ends the transfer: nothing is handed out,
 * and a host with no length is not spooled whole first. */
START_TEST (test_wrong_head_is_refused_first)
{
  guint mode[] = { 0, SEEDANCE_SIM_FILE_HOST_CHUNKED |
        SEEDANCE_SIM_FILE_HOST_IGNORE_RANGE
  };
  g_autofree gchar *location = g_build_filename (f.dir, "no.mp4", NULL);
  guint i;

  f.head_ok = FALSE;
  for (i = 0; i < G_N_ELEMENTS (mode); i++) {
    SeedanceTransfer *t = new_transfer (i == 0 ? location : NULL);
    GBytes *b = NULL;
    GError *err = NULL;

    seedance_sim_set_file_host_mode (f.sim, mode[i]);
    seedance_transfer_download (t, f.url, NULL, NULL, NULL, NULL);
    ck_assert (!seedance_transfer_read (t, 0, &b, &err));
    ck_assert_ptr_null (b);
    ck_assert (g_error_matches (err, SEEDANCE_TRANSFER_ERROR,
            SEEDANCE_TRANSFER_ERROR_WRONG_TYPE));
    g_error_free (err);
    ck_assert_uint_eq (f.head_checks, i + 1);
    seedance_transfer_free (t);
    ck_assert (!g_file_test (location, G_FILE_TEST_EXISTS));
    ck_assert_uint_eq (count_files (tmp_root), 0);
  }
}

END_TEST;

static gpointer
cancel_soon (gpointer data)
{
  g_usleep (200 * 1000);
  g_cancellable_cancel (f.cancellable);
  return NULL;
}

/* A read waiting on a host that never sends ends at once on a cancel. */
START_TEST (test_cancel_ends_a_read)
{
  SeedanceTransfer *t = new_transfer (NULL);
  GBytes *b = NULL;
  GError *err = NULL;
  GThread *thread;
  gint64 start;

  seedance_sim_add_fault (f.sim, SEEDANCE_SIM_VIDEO, SEEDANCE_SIM_FAULT_STALL,
      1, NULL);
  seedance_transfer_download (t, f.url, NULL, NULL, NULL, NULL);
  thread = g_thread_new ("cancel", cancel_soon, NULL);
  start = g_get_monotonic_time ();
  ck_assert (!seedance_transfer_read (t, 0, &b, &err));
  ck_assert (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  ck_assert_int_lt (g_get_monotonic_time () - start, 5 * G_USEC_PER_SEC);
  g_error_free (err);
  g_thread_join (thread);
  seedance_transfer_free (t);
}

END_TEST;

static Suite *
transfer_suite (void)
{
  Suite *s = suite_create ("transfer");
  TCase *tc = tcase_create ("transfer");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, set_up, tear_down);
  tcase_add_test (tc, test_network_reads_and_seeks);
  tcase_add_test (tc, test_location_is_whole_or_absent);
  tcase_add_test (tc, test_location_that_cannot_be_written);
  tcase_add_test (tc, test_cache_store_then_hit);
  tcase_add_test (tc, test_clip_over_the_cache_bound);
  tcase_add_test (tc, test_no_length_is_spooled_nameless);
  tcase_add_test (tc, test_wrong_head_is_refused_first);
  tcase_add_test (tc, test_cancel_ends_a_read);
  return s;
}

int
main (int argc, char **argv)
{
  SRunner *sr;
  gint failed;

  /* A $TMPDIR of our own, so that a leftover temporary file shows (set
   * before anything asks GLib for it: g_get_tmp_dir keeps its first
   * answer). */
  base_dir = g_strdup (g_getenv ("TMPDIR") ? g_getenv ("TMPDIR") : "/tmp");
  tmp_root = g_build_filename (base_dir, "seedance-transfer-tmp-XXXXXX", NULL);
  g_assert (g_mkdtemp (tmp_root) != NULL);
  g_setenv ("TMPDIR", tmp_root, TRUE);
  sr = srunner_create (transfer_suite ());
  srunner_run_all (sr, CK_ENV);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  test_remove_tree (tmp_root);
  g_free (tmp_root);
  g_free (base_dir);
  return failed == 0 ? 0 : 1;
}
