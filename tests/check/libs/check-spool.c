/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* The spool (spool.h), with no GStreamer: a target is whole or absent, what
 * was written reads back at any offset while writing goes on, and the
 * SHA-256 is that of the bytes written. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "spool.h"
#include "common/tmpdir.h"

typedef struct
{
  gchar *dir;
  gchar *target;
} Fixture;

/* The running test's (each test runs in a process of its own). */
static Fixture fixture;

/* test_failed_write's file size limit, lifted by the teardown. */
static struct rlimit saved_fsize;
static gboolean fsize_limited;

static void
lift_fsize_limit (void)
{
  if (fsize_limited) {
    setrlimit (RLIMIT_FSIZE, &saved_fsize);
    signal (SIGXFSZ, SIG_DFL);
    fsize_limited = FALSE;
  }
}

static void
fixture_set_up (void)
{
  Fixture *f = &fixture;

  memset (f, 0, sizeof (*f));
  f->dir = g_dir_make_tmp ("seedance-spool-XXXXXX", NULL);
  ck_assert_ptr_nonnull (f->dir);
  f->target = g_build_filename (f->dir, "clip.mp4", NULL);
}

static void
fixture_tear_down (void)
{
  Fixture *f = &fixture;

  lift_fsize_limit ();
  test_remove_tree (f->dir);
  g_free (f->target);
  g_free (f->dir);
}

/* The names in the directory, sorted, space-separated. */
static gchar *
list_dir (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;
  gchar *joined;

  ck_assert_ptr_nonnull (d);
  while ((name = g_dir_read_name (d)))
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  joined = g_strjoinv (" ", (gchar **) names->pdata);
  g_ptr_array_unref (names);
  return joined;
}

/* `len` bytes that differ from offset to offset. */
static guint8 *
pattern (gsize len, guint32 seed)
{
  guint8 *data = g_malloc (len);
  GRand *rand = g_rand_new_with_seed (seed);
  gsize i;

  for (i = 0; i < len; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  return data;
}

static void
assert_reads_back (SeedanceSpool * spool, const guint8 * data, gsize len)
{
  guint8 *buf = g_malloc (len + 16);
  GError *err = NULL;
  gssize n;

  n = seedance_spool_pread (spool, buf, len + 16, 0, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert_uint_eq (n, len);
  ck_assert_mem_eq (buf, data, len);
  g_free (buf);
}

START_TEST (test_write_read_commit)
{
  Fixture *f = &fixture;
  const gsize len = 3 * 1024 * 1024 + 17;
  guint8 *data = pattern (len, 1);
  guint8 buf[4096];
  GError *err = NULL;
  SeedanceSpool *spool;
  gchar *listing, *sha, *want_sha, *contents;
  gsize written = 0, contents_len;
  gssize n;

  spool = seedance_spool_new (f->target, 0644, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert_pstr_eq (seedance_spool_get_target (spool), f->target);
  ck_assert (!seedance_spool_is_committed (spool));

  /* A temporary file beside the target; no target yet. */
  listing = list_dir (f->dir);
  ck_assert (g_str_has_prefix (listing, ".clip.mp4."));
  ck_assert (g_str_has_suffix (listing, ".part"));
  ck_assert_ptr_null (strchr (listing, ' '));
  g_free (listing);

  /* Reads while writing see what was written, and no further. */
  while (written < len) {
    gsize chunk = MIN (len - written, 65536 + 3);
    guint64 probe = written / 2;

    ck_assert (seedance_spool_write (spool, data + written, chunk, &err));
    ck_assert_msg (err == NULL, "%s", err->message);
    written += chunk;
    ck_assert_uint_eq (seedance_spool_get_size (spool), written);

    n = seedance_spool_pread (spool, buf, sizeof (buf), probe, &err);
    ck_assert_msg (err == NULL, "%s", err->message);
    ck_assert_int_eq (n, MIN (sizeof (buf), written - probe));
    ck_assert_uint_eq (n, n);
    ck_assert_mem_eq (buf, data + probe, n);
    /* Across the end of what was written: only what is there. */
    n = seedance_spool_pread (spool, buf, sizeof (buf), written - 10, &err);
    ck_assert_msg (err == NULL, "%s", err->message);
    ck_assert_int_eq (n, 10);
    ck_assert_uint_eq (10, 10);
    ck_assert_mem_eq (buf, data + written - 10, 10);
    ck_assert_int_eq (seedance_spool_pread (spool, buf, sizeof (buf), written,
            &err), 0);
    ck_assert_msg (err == NULL, "%s", err->message);
  }
  ck_assert (!g_file_test (f->target, G_FILE_TEST_EXISTS));

  sha = seedance_spool_get_sha256 (spool);
  want_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
  ck_assert_pstr_eq (sha, want_sha);
  g_free (sha);
  /* Asking twice gives the same answer. */
  sha = seedance_spool_get_sha256 (spool);
  ck_assert_pstr_eq (sha, want_sha);

  ck_assert (seedance_spool_commit (spool, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (seedance_spool_is_committed (spool));
  /* The target, whole, and nothing else. */
  listing = list_dir (f->dir);
  ck_assert_pstr_eq (listing, "clip.mp4");
  g_free (listing);
  ck_assert (g_file_get_contents (f->target, &contents, &contents_len, NULL));
  ck_assert_uint_eq (contents_len, len);
  ck_assert_mem_eq (contents, data, len);
  g_free (contents);
  /* Still readable after the commit. */
  assert_reads_back (spool, data, len);

  /* Freeing a committed spool keeps the target. */
  seedance_spool_free (spool);
  ck_assert (g_file_test (f->target, G_FILE_TEST_IS_REGULAR));

  g_free (sha);
  g_free (want_sha);
  g_free (data);
}

END_TEST
START_TEST (test_commit_replaces_the_target)
{
  Fixture *f = &fixture;
  GError *err = NULL;
  SeedanceSpool *spool;
  gchar *contents;

  ck_assert (g_file_set_contents (f->target, "old and longer", -1, NULL));
  spool = seedance_spool_new (f->target, 0644, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (seedance_spool_write (spool, (const guint8 *) "new", 3, &err));
  /* Until the commit, the old file is what the target holds. */
  ck_assert (g_file_get_contents (f->target, &contents, NULL, NULL));
  ck_assert_pstr_eq (contents, "old and longer");
  g_free (contents);
  ck_assert (seedance_spool_commit (spool, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (g_file_get_contents (f->target, &contents, NULL, NULL));
  ck_assert_pstr_eq (contents, "new");
  g_free (contents);
  seedance_spool_free (spool);
}

END_TEST
START_TEST (test_free_removes_uncommitted)
{
  Fixture *f = &fixture;
  GError *err = NULL;
  SeedanceSpool *spool;
  gchar *listing;

  spool = seedance_spool_new (f->target, 0644, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (seedance_spool_write (spool, (const guint8 *) "half", 4, &err));
  seedance_spool_free (spool);
  listing = list_dir (f->dir);
  ck_assert_pstr_eq (listing, "");
  g_free (listing);

  /* An existing target is left as it was. */
  ck_assert (g_file_set_contents (f->target, "kept", -1, NULL));
  spool = seedance_spool_new (f->target, 0644, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (seedance_spool_write (spool, (const guint8 *) "half", 4, &err));
  seedance_spool_free (spool);
  listing = list_dir (f->dir);
  ck_assert_pstr_eq (listing, "clip.mp4");
  g_free (listing);
}

END_TEST
START_TEST (test_mode_less_umask)
{
  Fixture *f = &fixture;
  const gint modes[] = { 0644, 0600, 0666 };
  mode_t mask = umask (022);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    GError *err = NULL;
    SeedanceSpool *spool = seedance_spool_new (f->target, modes[i], &err);
    GStatBuf st;

    ck_assert_msg (err == NULL, "%s", err->message);
    ck_assert (seedance_spool_commit (spool, &err));
    ck_assert_msg (err == NULL, "%s", err->message);
    seedance_spool_free (spool);
    ck_assert_int_eq (g_stat (f->target, &st), 0);
    ck_assert_int_eq (st.st_mode & 0777, modes[i] & ~022);
  }
  umask (mask);
}

END_TEST
START_TEST (test_unusable_directory)
{
  Fixture *f = &fixture;
  gchar *missing = g_build_filename (f->dir, "no", "such", "clip.mp4", NULL);
  gchar *missing_dir = g_path_get_dirname (missing);
  GError *err = NULL;
  SeedanceSpool *spool = seedance_spool_new (missing, 0644, &err);

  ck_assert_ptr_null (spool);
  ck_assert_msg (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND), "%s",
      err ? err->message : "no error");
  /* The error names the directory. */
  ck_assert_ptr_nonnull (strstr (err->message, missing_dir));
  g_clear_error (&err);
  g_free (missing_dir);
  g_free (missing);
}

END_TEST
START_TEST (test_copy_from)
{
  Fixture *f = &fixture;
  /* More than one copy step (256 KiB). */
  const gsize len = 700 * 1024 + 5;
  guint8 *data = pattern (len, 2);
  gchar *src_target = g_build_filename (f->dir, "source.mp4", NULL);
  GError *err = NULL;
  SeedanceSpool *src, *dst;
  gchar *src_sha, *dst_sha, *contents;
  gsize contents_len;

  src = seedance_spool_new (src_target, 0644, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (seedance_spool_write (src, data, len, &err));
  dst = seedance_spool_new (f->target, 0644, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (seedance_spool_copy_from (dst, src, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert_uint_eq (seedance_spool_get_size (dst), len);
  src_sha = seedance_spool_get_sha256 (src);
  dst_sha = seedance_spool_get_sha256 (dst);
  ck_assert_pstr_eq (src_sha, dst_sha);
  ck_assert (seedance_spool_commit (dst, &err));
  ck_assert (g_file_get_contents (f->target, &contents, &contents_len, NULL));
  ck_assert_uint_eq (contents_len, len);
  ck_assert_mem_eq (contents, data, len);
  g_free (contents);
  seedance_spool_free (dst);
  /* The source was never committed: gone. */
  seedance_spool_free (src);
  ck_assert (!g_file_test (src_target, G_FILE_TEST_EXISTS));

  /* From a stored file opened read-only, too. */
  dst = seedance_spool_new (src_target, 0644, &err);
  src = seedance_spool_open (f->target, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (seedance_spool_copy_from (dst, src, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  g_free (dst_sha);
  dst_sha = seedance_spool_get_sha256 (dst);
  ck_assert_pstr_eq (src_sha, dst_sha);
  seedance_spool_free (dst);
  seedance_spool_free (src);

  g_free (src_sha);
  g_free (dst_sha);
  g_free (src_target);
  g_free (data);
}

END_TEST
START_TEST (test_open_existing)
{
  Fixture *f = &fixture;
  const gsize len = 100000;
  guint8 *data = pattern (len, 3);
  GError *err = NULL;
  SeedanceSpool *spool;
  gchar *missing;

  ck_assert (g_file_set_contents (f->target, (const gchar *) data, len, NULL));
  spool = seedance_spool_open (f->target, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (seedance_spool_is_committed (spool));
  ck_assert_uint_eq (seedance_spool_get_size (spool), len);
  assert_reads_back (spool, data, len);
  /* Read only. */
  ck_assert (!seedance_spool_write (spool, data, 10, &err));
  ck_assert_msg (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_FAILED), "%s",
      err ? err->message : "no error");
  g_clear_error (&err);
  /* Never removed. */
  seedance_spool_free (spool);
  ck_assert (g_file_test (f->target, G_FILE_TEST_IS_REGULAR));

  missing = g_build_filename (f->dir, "absent.mp4", NULL);
  ck_assert_ptr_null (seedance_spool_open (missing, &err));
  ck_assert_msg (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND), "%s",
      err ? err->message : "no error");
  ck_assert_ptr_nonnull (strstr (err->message, missing));
  g_clear_error (&err);
  g_free (missing);
  g_free (data);
}

END_TEST
/* A file size limit (RLIMIT_FSIZE) stands for a full disk: the write fails
 * with an error, the spool refuses further writes, and freeing it leaves
 * no file.  libcheck runs each test in a process of its own, which the
 * limit dies with; under CK_FORK=no the teardown lifts it again. */
START_TEST (test_failed_write)
{
  Fixture *f = &fixture;
  struct rlimit lim;
  guint8 *data = pattern (200000, 4);
  GError *err = NULL;
  SeedanceSpool *spool;
  gchar *listing;

  ck_assert_int_eq (getrlimit (RLIMIT_FSIZE, &saved_fsize), 0);
  lim.rlim_cur = 65536;
  lim.rlim_max = saved_fsize.rlim_max;
  signal (SIGXFSZ, SIG_IGN);
  ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &lim), 0);
  fsize_limited = TRUE;
  spool = seedance_spool_new (f->target, 0644, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (!seedance_spool_write (spool, data, 200000, &err));
  ck_assert_ptr_nonnull (err);
  ck_assert (err->domain == G_IO_ERROR);
  ck_assert_ptr_nonnull (strstr (err->message, f->target));
  g_clear_error (&err);
  /* Unusable after it. */
  ck_assert (!seedance_spool_write (spool, data, 10, &err));
  ck_assert_msg (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_FAILED), "%s",
      err ? err->message : "no error");
  g_clear_error (&err);
  seedance_spool_free (spool);
  lift_fsize_limit ();
  listing = list_dir (f->dir);
  ck_assert_pstr_eq (listing, "");
  g_free (listing);
  g_free (data);
}

END_TEST static Suite *
spool_suite (void)
{
  Suite *s = suite_create ("spool");
  TCase *tc = tcase_create ("spool");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, fixture_set_up, fixture_tear_down);
  tcase_add_test (tc, test_write_read_commit);
  tcase_add_test (tc, test_commit_replaces_the_target);
  tcase_add_test (tc, test_free_removes_uncommitted);
  tcase_add_test (tc, test_mode_less_umask);
  tcase_add_test (tc, test_unusable_directory);
  tcase_add_test (tc, test_copy_from);
  tcase_add_test (tc, test_open_existing);
  tcase_add_test (tc, test_failed_write);
  return s;
}

int
main (int argc, char **argv)
{
  SRunner *sr;
  int failed;

  /* As GTest and GStreamer's check framework did: a GLib warning or
   * critical fails the test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING |
      G_LOG_LEVEL_CRITICAL);
  sr = srunner_create (spool_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
