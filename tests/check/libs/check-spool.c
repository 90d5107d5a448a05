/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* The spool (spool.h), with no GStreamer: a target is whole or absent, what
 * was written reads back at any offset while writing goes on, and the
 * SHA-256 is that of the bytes written. */
#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "spool.h"

typedef struct
{
  gchar *dir;
  gchar *target;
} Fixture;

static void
fixture_set_up (Fixture * f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("seedance-spool-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->target = g_build_filename (f->dir, "clip.mp4", NULL);
}

static void
fixture_tear_down (Fixture * f, gconstpointer data)
{
  GDir *d = g_dir_open (f->dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (f->dir, name, NULL);

    g_unlink (path);
    g_free (path);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (f->dir);
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

  g_assert_nonnull (d);
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
  g_assert_no_error (err);
  g_assert_cmpmem (buf, n, data, len);
  g_free (buf);
}

static void
test_write_read_commit (Fixture * f, gconstpointer user_data)
{
  const gsize len = 3 * 1024 * 1024 + 17;
  guint8 *data = pattern (len, 1);
  guint8 buf[4096];
  GError *err = NULL;
  SeedanceSpool *spool;
  gchar *listing, *sha, *want_sha, *contents;
  gsize written = 0, contents_len;
  gssize n;

  spool = seedance_spool_new (f->target, 0644, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (seedance_spool_get_target (spool), ==, f->target);
  g_assert_false (seedance_spool_is_committed (spool));

  /* A temporary file beside the target; no target yet. */
  listing = list_dir (f->dir);
  g_assert_true (g_str_has_prefix (listing, ".clip.mp4."));
  g_assert_true (g_str_has_suffix (listing, ".part"));
  g_assert_null (strchr (listing, ' '));
  g_free (listing);

  /* Reads while writing see what was written, and no further. */
  while (written < len) {
    gsize chunk = MIN (len - written, 65536 + 3);
    guint64 probe = written / 2;

    g_assert_true (seedance_spool_write (spool, data + written, chunk, &err));
    g_assert_no_error (err);
    written += chunk;
    g_assert_cmpuint (seedance_spool_get_size (spool), ==, written);

    n = seedance_spool_pread (spool, buf, sizeof (buf), probe, &err);
    g_assert_no_error (err);
    g_assert_cmpint (n, ==, MIN (sizeof (buf), written - probe));
    g_assert_cmpmem (buf, n, data + probe, n);
    /* Across the end of what was written: only what is there. */
    n = seedance_spool_pread (spool, buf, sizeof (buf), written - 10, &err);
    g_assert_no_error (err);
    g_assert_cmpint (n, ==, 10);
    g_assert_cmpmem (buf, 10, data + written - 10, 10);
    g_assert_cmpint (seedance_spool_pread (spool, buf, sizeof (buf), written,
            &err), ==, 0);
    g_assert_no_error (err);
  }
  g_assert_false (g_file_test (f->target, G_FILE_TEST_EXISTS));

  sha = seedance_spool_get_sha256 (spool);
  want_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
  g_assert_cmpstr (sha, ==, want_sha);
  g_free (sha);
  /* Asking twice gives the same answer. */
  sha = seedance_spool_get_sha256 (spool);
  g_assert_cmpstr (sha, ==, want_sha);

  g_assert_true (seedance_spool_commit (spool, &err));
  g_assert_no_error (err);
  g_assert_true (seedance_spool_is_committed (spool));
  /* The target, whole, and nothing else. */
  listing = list_dir (f->dir);
  g_assert_cmpstr (listing, ==, "clip.mp4");
  g_free (listing);
  g_assert_true (g_file_get_contents (f->target, &contents, &contents_len,
          NULL));
  g_assert_cmpmem (contents, contents_len, data, len);
  g_free (contents);
  /* Still readable after the commit. */
  assert_reads_back (spool, data, len);

  /* Freeing a committed spool keeps the target. */
  seedance_spool_free (spool);
  g_assert_true (g_file_test (f->target, G_FILE_TEST_IS_REGULAR));

  g_free (sha);
  g_free (want_sha);
  g_free (data);
}

static void
test_commit_replaces_the_target (Fixture * f, gconstpointer user_data)
{
  GError *err = NULL;
  SeedanceSpool *spool;
  gchar *contents;

  g_assert_true (g_file_set_contents (f->target, "old and longer", -1, NULL));
  spool = seedance_spool_new (f->target, 0644, &err);
  g_assert_no_error (err);
  g_assert_true (seedance_spool_write (spool, (const guint8 *) "new", 3, &err));
  /* Until the commit, the old file is what the target holds. */
  g_assert_true (g_file_get_contents (f->target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "old and longer");
  g_free (contents);
  g_assert_true (seedance_spool_commit (spool, &err));
  g_assert_no_error (err);
  g_assert_true (g_file_get_contents (f->target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "new");
  g_free (contents);
  seedance_spool_free (spool);
}

static void
test_free_removes_uncommitted (Fixture * f, gconstpointer user_data)
{
  GError *err = NULL;
  SeedanceSpool *spool;
  gchar *listing;

  spool = seedance_spool_new (f->target, 0644, &err);
  g_assert_no_error (err);
  g_assert_true (seedance_spool_write (spool, (const guint8 *) "half", 4,
          &err));
  seedance_spool_free (spool);
  listing = list_dir (f->dir);
  g_assert_cmpstr (listing, ==, "");
  g_free (listing);

  /* An existing target is left as it was. */
  g_assert_true (g_file_set_contents (f->target, "kept", -1, NULL));
  spool = seedance_spool_new (f->target, 0644, &err);
  g_assert_no_error (err);
  g_assert_true (seedance_spool_write (spool, (const guint8 *) "half", 4,
          &err));
  seedance_spool_free (spool);
  listing = list_dir (f->dir);
  g_assert_cmpstr (listing, ==, "clip.mp4");
  g_free (listing);
}

static void
test_mode_less_umask (Fixture * f, gconstpointer user_data)
{
  const gint modes[] = { 0644, 0600, 0666 };
  mode_t mask = umask (022);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    GError *err = NULL;
    SeedanceSpool *spool = seedance_spool_new (f->target, modes[i], &err);
    GStatBuf st;

    g_assert_no_error (err);
    g_assert_true (seedance_spool_commit (spool, &err));
    g_assert_no_error (err);
    seedance_spool_free (spool);
    g_assert_cmpint (g_stat (f->target, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, modes[i] & ~022);
  }
  umask (mask);
}

static void
test_unusable_directory (Fixture * f, gconstpointer user_data)
{
  gchar *missing = g_build_filename (f->dir, "no", "such", "clip.mp4", NULL);
  gchar *missing_dir = g_path_get_dirname (missing);
  GError *err = NULL;
  SeedanceSpool *spool = seedance_spool_new (missing, 0644, &err);

  g_assert_null (spool);
  g_assert_error (err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  /* The error names the directory. */
  g_assert_nonnull (strstr (err->message, missing_dir));
  g_clear_error (&err);
  g_free (missing_dir);
  g_free (missing);
}

static void
test_copy_from (Fixture * f, gconstpointer user_data)
{
  /* More than one copy step (256 KiB). */
  const gsize len = 700 * 1024 + 5;
  guint8 *data = pattern (len, 2);
  gchar *src_target = g_build_filename (f->dir, "source.mp4", NULL);
  GError *err = NULL;
  SeedanceSpool *src, *dst;
  gchar *src_sha, *dst_sha, *contents;
  gsize contents_len;

  src = seedance_spool_new (src_target, 0644, &err);
  g_assert_no_error (err);
  g_assert_true (seedance_spool_write (src, data, len, &err));
  dst = seedance_spool_new (f->target, 0644, &err);
  g_assert_no_error (err);
  g_assert_true (seedance_spool_copy_from (dst, src, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (seedance_spool_get_size (dst), ==, len);
  src_sha = seedance_spool_get_sha256 (src);
  dst_sha = seedance_spool_get_sha256 (dst);
  g_assert_cmpstr (src_sha, ==, dst_sha);
  g_assert_true (seedance_spool_commit (dst, &err));
  g_assert_true (g_file_get_contents (f->target, &contents, &contents_len,
          NULL));
  g_assert_cmpmem (contents, contents_len, data, len);
  g_free (contents);
  seedance_spool_free (dst);
  /* The source was never committed: gone. */
  seedance_spool_free (src);
  g_assert_false (g_file_test (src_target, G_FILE_TEST_EXISTS));

  /* From a stored file opened read-only, too. */
  dst = seedance_spool_new (src_target, 0644, &err);
  src = seedance_spool_open (f->target, &err);
  g_assert_no_error (err);
  g_assert_true (seedance_spool_copy_from (dst, src, &err));
  g_assert_no_error (err);
  g_free (dst_sha);
  dst_sha = seedance_spool_get_sha256 (dst);
  g_assert_cmpstr (src_sha, ==, dst_sha);
  seedance_spool_free (dst);
  seedance_spool_free (src);

  g_free (src_sha);
  g_free (dst_sha);
  g_free (src_target);
  g_free (data);
}

static void
test_open_existing (Fixture * f, gconstpointer user_data)
{
  const gsize len = 100000;
  guint8 *data = pattern (len, 3);
  GError *err = NULL;
  SeedanceSpool *spool;
  gchar *missing;

  g_assert_true (g_file_set_contents (f->target, (const gchar *) data, len,
          NULL));
  spool = seedance_spool_open (f->target, &err);
  g_assert_no_error (err);
  g_assert_true (seedance_spool_is_committed (spool));
  g_assert_cmpuint (seedance_spool_get_size (spool), ==, len);
  assert_reads_back (spool, data, len);
  /* Read only. */
  g_assert_false (seedance_spool_write (spool, data, 10, &err));
  g_assert_error (err, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&err);
  /* Never removed. */
  seedance_spool_free (spool);
  g_assert_true (g_file_test (f->target, G_FILE_TEST_IS_REGULAR));

  missing = g_build_filename (f->dir, "absent.mp4", NULL);
  g_assert_null (seedance_spool_open (missing, &err));
  g_assert_error (err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (err->message, missing));
  g_clear_error (&err);
  g_free (missing);
  g_free (data);
}

/* A file size limit (RLIMIT_FSIZE) stands for a full disk: the write fails
 * with an error, the spool refuses further writes, and freeing it leaves
 * no file.  In a subprocess, which the limit would otherwise outlive. */
static void
test_failed_write (Fixture * f, gconstpointer user_data)
{
  if (g_test_subprocess ()) {
    struct rlimit lim = { 65536, 65536 };
    guint8 *data = pattern (200000, 4);
    GError *err = NULL;
    SeedanceSpool *spool;
    gchar *listing;

    signal (SIGXFSZ, SIG_IGN);
    g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
    spool = seedance_spool_new (f->target, 0644, &err);
    g_assert_no_error (err);
    g_assert_false (seedance_spool_write (spool, data, 200000, &err));
    g_assert_nonnull (err);
    g_assert_true (err->domain == G_IO_ERROR);
    g_assert_nonnull (strstr (err->message, f->target));
    g_clear_error (&err);
    /* Unusable after it. */
    g_assert_false (seedance_spool_write (spool, data, 10, &err));
    g_assert_error (err, G_IO_ERROR, G_IO_ERROR_FAILED);
    g_clear_error (&err);
    seedance_spool_free (spool);
    listing = list_dir (f->dir);
    g_assert_cmpstr (listing, ==, "");
    g_free (listing);
    g_free (data);
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/spool/write-read-commit", test_write_read_commit);
  ADD ("/spool/commit-replaces-the-target", test_commit_replaces_the_target);
  ADD ("/spool/free-removes-uncommitted", test_free_removes_uncommitted);
  ADD ("/spool/mode-less-umask", test_mode_less_umask);
  ADD ("/spool/unusable-directory", test_unusable_directory);
  ADD ("/spool/copy-from", test_copy_from);
  ADD ("/spool/open-existing", test_open_existing);
  ADD ("/spool/failed-write", test_failed_write);
#undef ADD

  return g_test_run ();
}
