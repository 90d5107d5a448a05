/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * The clip cache and task journal, on a temporary directory of its own.
 * GStreamer-free (bare libcheck). */
#include <check.h>
#include <gio/gio.h>

#include "seedance/cache.h"
#include "seedance/json-guard.h"
#include "common/tmpdir.h"

#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <string.h>
#include <utime.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROOT "https://ark.example.com/api/v3"
#define BODY "{\"model\":\"seedance-1-0-pro\",\"content\":[{\"type\":\"text\"," \
    "\"text\":\"a cat\"}],\"duration\":5}"
#define TASK "{\"id\":\"cgt-1\",\"status\":\"succeeded\",\"content\":" \
    "{\"video_url\":\"https://cdn.example.com/v.mp4\"}}"

static gchar *
make_tmpdir (void)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("check-cache-XXXXXX", &err);

  fail_unless (dir != NULL, "%s", err ? err->message : "");
  return dir;
}

static SeedanceCache *
open_cache (const gchar * dir)
{
  GError *err = NULL;
  SeedanceCache *cache = seedance_cache_open (dir, 0, &err);

  fail_unless (cache != NULL, "%s", err ? err->message : "");
  return cache;
}

static gchar *
key_of (const gchar * root, const gchar * body)
{
  GError *err = NULL;
  gchar *key = seedance_cache_key (root, body, &err);

  fail_unless (key != NULL, "%s", err ? err->message : "");
  ck_assert_int_eq (strlen (key), 64);
  return key;
}

static gboolean
same_key (const gchar * root_a, const gchar * body_a, const gchar * root_b,
    const gchar * body_b)
{
  gchar *a = key_of (root_a, body_a);
  gchar *b = key_of (root_b, body_b);
  gboolean same = strcmp (a, b) == 0;

  g_free (a);
  g_free (b);
  return same;
}

static gchar *
entry (SeedanceCache * cache, const gchar * key, const gchar * suffix)
{
  gchar *name = g_strconcat (key, suffix, NULL);
  gchar *path = g_build_filename (seedance_cache_get_dir (cache), name, NULL);

  g_free (name);
  return path;
}

/* Empty arrays nested deeper than the JSON guard accepts: still JSON,
 * which json-glib alone would parse. */
static gchar *
too_deep (void)
{
  gchar *opening = g_strnfill (SEEDANCE_JSON_MAX_DEPTH + 1, '[');
  gchar *closing = g_strnfill (SEEDANCE_JSON_MAX_DEPTH + 1, ']');
  gchar *text = g_strconcat (opening, closing, NULL);

  g_free (opening);
  g_free (closing);
  return text;
}

START_TEST (test_key_is_canonical)
{
  const gchar *canonical = "{\"a\":1,\"b\":{\"c\":\"x y\",\"d\":[3,"
      "{\"e\":true,\"f\":null}]}}";
  gchar *text, *key, *want;

  /* Member order and whitespace do not count, at any depth. */
  fail_unless (same_key (ROOT, canonical, ROOT,
          " { \"b\" : { \"d\" : [ 3 , { \"f\" : null , \"e\" : true } ] ,\n"
          "\t\"c\" : \"x y\" } , \"a\" : 1 } "));
  fail_unless (same_key (ROOT, BODY, ROOT,
          "{\"duration\":5,\"content\":[{\"text\":\"a cat\",\"type\":"
          "\"text\"}],\n  \"model\":\"seedance-1-0-pro\"}"));

  /* Exactly the documented text: origin, newline, sorted compact JSON. */
  text = g_strconcat ("https://ark.example.com:443\n", canonical, NULL);
  key = key_of (ROOT, canonical);
  want = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  ck_assert_pstr_eq (key, want);
  g_free (want);
  g_free (text);
  g_free (key);
}

END_TEST
START_TEST (test_key_differs)
{
  GError *err = NULL;

  /* Array order counts. */
  fail_if (same_key (ROOT, "{\"a\":[1,2]}", ROOT, "{\"a\":[2,1]}"));
  /* Any field. */
  fail_if (same_key (ROOT, BODY, ROOT,
          "{\"model\":\"seedance-1-0-pro\",\"content\":[{\"type\":\"text\","
          "\"text\":\"a cat\"}],\"duration\":6}"));
  fail_if (same_key (ROOT, BODY, ROOT,
          "{\"model\":\"seedance-1-0-pro\",\"content\":[{\"type\":\"text\","
          "\"text\":\"a dog\"}],\"duration\":5}"));
  fail_if (same_key (ROOT, BODY, ROOT,
          "{\"model\":\"seedance-1-0-pro\",\"content\":[{\"type\":\"text\","
          "\"text\":\"a cat\"}],\"duration\":5,\"seed\":1}"));
  /* A local file's bytes, sent as a data: URI. */
  fail_if (same_key (ROOT,
          "{\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
          "\"data:image/png;base64,iVBORw0KGgoAAAA\"}}]}", ROOT,
          "{\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
          "\"data:image/png;base64,iVBORw0KGgoAAAB\"}}]}"));
  /* The service. */
  fail_if (same_key (ROOT, BODY, "https://other.example.com/api/v3", BODY));
  fail_if (same_key (ROOT, BODY, "http://ark.example.com/api/v3", BODY));
  fail_if (same_key (ROOT, BODY, "https://ark.example.com:8443/api/v3", BODY));

  /* Only scheme, host and port count; default ports are the same. */
  fail_unless (same_key (ROOT, BODY, "https://ark.example.com:443/api/v3",
          BODY));
  fail_unless (same_key (ROOT, BODY, "https://ark.example.com", BODY));
  fail_unless (same_key ("http://127.0.0.1/api/v3", BODY,
          "http://127.0.0.1:80/other", BODY));
  fail_unless (same_key ("HTTPS://ARK.example.com/api/v3", BODY, ROOT, BODY));

  /* The error domain's name is what GLib shows in messages. */
  ck_assert_pstr_eq (g_quark_to_string (SEEDANCE_CACHE_ERROR),
      "seedance-cache-error-quark");

  /* Not JSON: no key. */
  fail_unless (seedance_cache_key (ROOT, "{\"a\":", &err) == NULL);
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_FAILED));
  g_clear_error (&err);
  fail_unless (seedance_cache_key (ROOT, "", &err) == NULL);
  fail_unless (err != NULL);
  g_clear_error (&err);
  /* Nested too deeply to parse safely: no key either. */
  {
    gchar *deep = too_deep ();
    gchar *body = g_strdup_printf ("{\"model\":\"m\",\"x\":%s}", deep);

    fail_unless (seedance_cache_key (ROOT, body, &err) == NULL);
    fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
            SEEDANCE_CACHE_ERROR_FAILED));
    g_clear_error (&err);
    g_free (body);
    g_free (deep);
  }
}

END_TEST
START_TEST (test_unusable_directory)
{
  gchar *dir = make_tmpdir ();
  gchar *file = g_build_filename (dir, "a-file", NULL);
  gchar *below = g_build_filename (file, "cache", NULL);
  gchar *deep = g_build_filename (dir, "x", "y", "z", NULL);
  SeedanceCache *cache;
  GError *err = NULL;

  /* The parent is a regular file: even root cannot make a directory in it. */
  fail_unless (g_file_set_contents (file, "x", -1, NULL));
  fail_unless (seedance_cache_open (below, 0, &err) == NULL);
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_UNUSABLE));
  fail_unless (strstr (err->message, below) != NULL, "%s", err->message);
  g_clear_error (&err);

  /* A regular file where the directory should be. */
  fail_unless (seedance_cache_open (file, 0, &err) == NULL);
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_UNUSABLE));
  fail_unless (strstr (err->message, file) != NULL, "%s", err->message);
  g_clear_error (&err);

  /* Missing parents are made, and the probe file leaves nothing. */
  cache = open_cache (deep);
  fail_unless (g_file_test (deep, G_FILE_TEST_IS_DIR));
  {
    GDir *d = g_dir_open (deep, 0, NULL);

    fail_unless (g_dir_read_name (d) == NULL);
    g_dir_close (d);
  }
  seedance_cache_free (cache);

  g_free (deep);
  g_free (below);
  g_free (file);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
/* The claim. */
static SeedanceCache *
open_cache_max (const gchar * dir, guint64 max_size)
{
  GError *err = NULL;
  SeedanceCache *cache = seedance_cache_open (dir, max_size, &err);

  fail_unless (cache != NULL, "%s", err ? err->message : "");
  return cache;
}

static SeedanceCacheClaim *
claim_ok (SeedanceCache * cache, const gchar * key)
{
  GError *err = NULL;
  SeedanceCacheClaim *claim = seedance_cache_claim (cache, key, NULL, &err);

  fail_unless (claim != NULL, "%s", err ? err->message : "");
  return claim;
}

static gboolean
has (SeedanceCache * cache, const gchar * key, const gchar * suffix)
{
  gchar *path = entry (cache, key, suffix);
  gboolean there = g_file_test (path, G_FILE_TEST_EXISTS);

  g_free (path);
  return there;
}

static guint8 *
make_data (gsize len, guint seed)
{
  guint8 *data = g_malloc (len);
  gsize i;

  for (i = 0; i < len; i++)
    data[i] = (guint8) (i * 7 + seed + (i >> 9));
  return data;
}

static SeedanceSpool *
spool_with (SeedanceCacheClaim * claim, const guint8 * data, gsize len)
{
  GError *err = NULL;
  SeedanceSpool *spool = seedance_cache_claim_new_spool (claim, &err);

  fail_unless (spool != NULL, "%s", err ? err->message : "");
  fail_unless (seedance_spool_write (spool, data, len, &err), "%s",
      err ? err->message : "");
  return spool;
}

/* What an element does on a miss: journal, download, store. */
static void
store_new (SeedanceCache * cache, const gchar * key, gsize len, guint seed,
    const gchar * task_id)
{
  SeedanceCacheClaim *claim = claim_ok (cache, key);
  guint8 *data = make_data (len, seed);
  SeedanceSpool *spool;
  GError *err = NULL;

  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  fail_unless (seedance_cache_claim_journal (claim, task_id, &err), "%s",
      err ? err->message : "");
  spool = spool_with (claim, data, len);
  fail_unless (seedance_cache_claim_store (claim, spool, TASK, &err), "%s",
      err ? err->message : "");
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_HIT);
  seedance_spool_free (spool);
  seedance_cache_claim_free (claim);
  g_free (data);
}

/* Cancels `cancellable` unless stopped within `ms`: a wait that should not
 * happen fails the test with a message instead of hanging it. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
  gint ms;
  GCancellable *cancellable;
  GThread *thread;
} Watchdog;

static gpointer
watchdog_run (gpointer user_data)
{
  Watchdog *w = user_data;
  gint64 end = g_get_monotonic_time () + w->ms * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&w->lock);
  while (!w->done)
    if (!g_cond_wait_until (&w->cond, &w->lock, end)) {
      g_cancellable_cancel (w->cancellable);
      break;
    }
  g_mutex_unlock (&w->lock);
  return NULL;
}

static Watchdog *
watchdog_start (GCancellable * cancellable, gint ms)
{
  Watchdog *w = g_new0 (Watchdog, 1);

  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->ms = ms;
  w->cancellable = cancellable;
  w->thread = g_thread_new ("watchdog", watchdog_run, w);
  return w;
}

static void
watchdog_stop (Watchdog * w)
{
  g_mutex_lock (&w->lock);
  w->done = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (w->thread);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_free (w);
}

typedef struct
{
  SeedanceCache *cache;
  const gchar *key;
  GCancellable *cancellable;
  gint *stored;                 /* set by the storer before it stores */
  /* Results. */
  SeedanceCacheClaim *claim;
  GError *error;
  gint stored_when_claimed;
  gint done;
  gint64 returned_at;
} Claimant;

static gpointer
claimant_run (gpointer user_data)
{
  Claimant *c = user_data;

  c->claim = seedance_cache_claim (c->cache, c->key, c->cancellable, &c->error);
  c->returned_at = g_get_monotonic_time ();
  if (c->stored)
    c->stored_when_claimed = g_atomic_int_get (c->stored);
  g_atomic_int_set (&c->done, 1);
  return NULL;
}

static void
check_warned (SeedanceCacheClaim * claim, const gchar * path)
{
  const GError *warning = seedance_cache_claim_get_warning (claim);

  fail_unless (warning != NULL, "nothing reported about %s", path);
  fail_unless (g_error_matches (warning, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_CORRUPT));
  fail_unless (strstr (warning->message, path) != NULL, "%s", warning->message);
}

/* A claim that must not wait: one that does fails the test with a message
 * instead of hanging it. */
static SeedanceCacheClaim *
claim_at_once (SeedanceCache * cache, const gchar * key)
{
  GCancellable *cancellable = g_cancellable_new ();
  SeedanceCacheClaim *claim;
  GError *err = NULL;
  Watchdog *dog;

  dog = watchdog_start (cancellable, 3000);
  claim = seedance_cache_claim (cache, key, cancellable, &err);
  watchdog_stop (dog);
  fail_unless (claim != NULL, "the claim waited: %s", err ? err->message : "");
  g_object_unref (cancellable);
  return claim;
}

/* Holds the key's lock file as another process would (its layout is the
 * header's: flock on KEY.lock). */
static gint
hold_lock (SeedanceCache * cache, const gchar * key, gint op)
{
  gchar *path = entry (cache, key, ".lock");
  gint fd = open (path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);

  fail_unless (fd >= 0, "%s: %s", path, g_strerror (errno));
  fail_unless (flock (fd, op | LOCK_NB) == 0, "%s: %s", path,
      g_strerror (errno));
  g_free (path);
  return fd;
}

static gpointer
cancel_later (gpointer user_data)
{
  g_usleep (200 * 1000);
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return NULL;
}

START_TEST (test_journal)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *path = entry (cache, key, ".task");
  gchar *outside = g_build_filename (dir, "..", "escape.lock", NULL);
  gchar *upper = g_ascii_strup (key, -1);
  SeedanceCacheClaim *claim;
  GError *err = NULL;

  ck_assert_pstr_eq (seedance_cache_get_dir (cache), dir);

  /* Nothing yet. */
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS));

  fail_unless (seedance_cache_claim_journal (claim, "cgt-20250101-abc",
          &err), "%s", err ? err->message : "");
  fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  seedance_cache_claim_free (claim);

  /* A second cache on the same directory sees it: it is in the files. */
  {
    SeedanceCache *other = open_cache (dir);

    claim = claim_ok (other, key);
    ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
        SEEDANCE_CACHE_JOURNALLED);
    ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim),
        "cgt-20250101-abc");
    fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
    seedance_cache_claim_free (claim);
    seedance_cache_free (other);
  }

  /* Forgetting a task whose journal is gone already is no failure. */
  claim = claim_ok (cache, key);
  fail_unless (g_unlink (path) == 0);
  seedance_cache_claim_forget_task (claim);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS));
  seedance_cache_claim_free (claim);
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
  seedance_cache_claim_free (claim);

  /* A key that is not one never becomes a path. */
  fail_unless (seedance_cache_claim (cache, "../escape", NULL, &err) == NULL);
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_FAILED));
  g_clear_error (&err);
  fail_if (g_file_test (outside, G_FILE_TEST_EXISTS));
  fail_unless (seedance_cache_claim (cache, upper, NULL, &err) == NULL);
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_FAILED));
  g_clear_error (&err);
  ck_assert_int_eq (seedance_cache_peek (cache, "../escape"),
      SEEDANCE_CACHE_MISS);

  g_free (upper);
  g_free (outside);
  g_free (path);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_corrupt_journal_is_removed)
{
  gchar *deep = too_deep ();
  /* The last one would be a good journal but for its depth. */
  gchar *deep_journal = g_strdup_printf ("{\"task_id\":\"cgt-1\","
      "\"x\":%s}", deep);
  const gchar *bad[] = { "garbage{", "", "{\"created_at\":1}",
    "{\"task_id\":42}", "[\"cgt-1\"]", "{\"task_id\":\"\"}", deep_journal
  };
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *path = entry (cache, key, ".task");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    SeedanceCacheClaim *claim;
    const GError *warning;

    fail_unless (g_file_set_contents (path, bad[i], -1, NULL));
    /* A dry run changes nothing. */
    ck_assert_int_eq (seedance_cache_peek (cache, key), SEEDANCE_CACHE_MISS);
    fail_unless (g_file_test (path, G_FILE_TEST_EXISTS));

    claim = claim_ok (cache, key);
    ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
        SEEDANCE_CACHE_MISS);
    fail_unless (seedance_cache_claim_get_task_id (claim) == NULL);
    warning = seedance_cache_claim_get_warning (claim);
    fail_unless (g_error_matches (warning, SEEDANCE_CACHE_ERROR,
            SEEDANCE_CACHE_ERROR_CORRUPT), "journal \"%s\" not reported",
        bad[i]);
    fail_unless (strstr (warning->message, path) != NULL, "%s",
        warning->message);
    fail_if (g_file_test (path, G_FILE_TEST_EXISTS));
    seedance_cache_claim_free (claim);

    /* Reported once: then there is no journal. */
    claim = claim_ok (cache, key);
    ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
        SEEDANCE_CACHE_MISS);
    fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
    seedance_cache_claim_free (claim);
  }

  g_free (path);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
  g_free (deep_journal);
  g_free (deep);
}

END_TEST
START_TEST (test_store_and_hit)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *clip = entry (cache, key, ".mp4");
  gchar *contents = NULL;
  SeedanceCacheClaim *claim;
  SeedanceSpool *spool;
  GError *err = NULL;
  gint64 before, after, created_at;
  gsize len, got;
  guint8 *data;

  /* Nothing there: a miss, with nothing to read. */
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  fail_unless (seedance_cache_claim_get_clip_path (claim) == NULL);
  fail_unless (seedance_cache_claim_get_task_json (claim) == NULL);

  /* More than one read of the hash's chunk size, and not a multiple. */
  len = 3 * 1024 * 1024 + 17;
  data = make_data (len, 7);
  fail_unless (seedance_cache_claim_journal (claim, "cgt-1", NULL));
  spool = spool_with (claim, data, len);
  before = g_get_real_time () / G_USEC_PER_SEC;
  fail_unless (seedance_cache_claim_store (claim, spool, TASK, &err), "%s",
      err ? err->message : "");
  after = g_get_real_time () / G_USEC_PER_SEC;
  created_at = seedance_cache_claim_get_created_at (claim);
  fail_unless (created_at >= before && created_at <= after);
  /* The journal has done its work. */
  fail_if (has (cache, key, ".task"));
  seedance_spool_free (spool);
  seedance_cache_claim_free (claim);

  /* Found again, and checked against its record (size and SHA-256). */
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_HIT);
  fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
  ck_assert_pstr_eq (seedance_cache_claim_get_clip_path (claim), clip);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_json (claim), TASK);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-1");
  ck_assert_int_eq (seedance_cache_claim_get_created_at (claim), created_at);
  fail_unless (g_file_get_contents (clip, &contents, &got, NULL));
  ck_assert_uint_eq (got, len);
  fail_unless (memcmp (contents, data, len) == 0);
  g_free (contents);
  seedance_cache_claim_free (claim);

  /* The record holds the task as an object, and the checks. */
  {
    gchar *record = entry (cache, key, ".json");
    gchar *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
    gchar *expect = g_strdup_printf ("{\"size\":%" G_GSIZE_FORMAT
        ",\"sha256\":\"%s\",\"task_id\":\"cgt-1\",\"task\":" TASK
        ",\"created_at\":%" G_GINT64_FORMAT "}", len, sha, created_at);

    fail_unless (g_file_get_contents (record, &contents, NULL, NULL));
    ck_assert_pstr_eq (contents, expect);
    g_free (contents);
    g_free (expect);
    g_free (sha);
    g_free (record);
  }

  /* A task that is not JSON comes back as it was given. */
  {
    gchar *key2 = key_of (ROOT, "{\"x\":2}");

    claim = claim_ok (cache, key2);
    fail_unless (seedance_cache_claim_journal (claim, "cgt-2", NULL));
    spool = spool_with (claim, (const guint8 *) "abc", 3);
    fail_unless (seedance_cache_claim_store (claim, spool, "not json at all",
            &err), "%s", err ? err->message : "");
    seedance_spool_free (spool);
    seedance_cache_claim_free (claim);
    claim = claim_ok (cache, key2);
    ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
        SEEDANCE_CACHE_HIT);
    ck_assert_pstr_eq (seedance_cache_claim_get_task_json (claim),
        "not json at all");
    seedance_cache_claim_free (claim);
    g_free (key2);
  }

  g_free (data);
  g_free (clip);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
#define SMALL_CLIP 36
/* The entry does not check out: the claim removes clip and record, says
 * so, and goes on as a miss; the next claim finds nothing and says
 * nothing. */
    static void
check_corrupt (SeedanceCache * cache, const gchar * key)
{
  gchar *clip = entry (cache, key, ".mp4");
  SeedanceCacheClaim *claim;

  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  check_warned (claim, clip);
  fail_unless (seedance_cache_claim_get_clip_path (claim) == NULL);
  fail_unless (seedance_cache_claim_get_task_json (claim) == NULL);
  fail_if (has (cache, key, ".mp4"));
  fail_if (has (cache, key, ".json"));
  seedance_cache_claim_free (claim);

  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
  seedance_cache_claim_free (claim);
  g_free (clip);
}

START_TEST (test_damaged_clip_is_removed)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *clip = entry (cache, key, ".mp4");
  gchar *record = entry (cache, key, ".json");
  gchar *contents;
  gsize len;

  /* Truncated. */
  store_new (cache, key, SMALL_CLIP, 8, "cgt-1");
  fail_unless (truncate (clip, 10) == 0);
  check_corrupt (cache, key);

  /* Same size, one byte changed. */
  store_new (cache, key, SMALL_CLIP, 8, "cgt-1");
  fail_unless (g_file_get_contents (clip, &contents, &len, NULL));
  ck_assert_uint_eq (len, SMALL_CLIP);
  contents[20] ^= 1;
  fail_unless (g_file_set_contents (clip, contents, len, NULL));
  g_free (contents);
  check_corrupt (cache, key);

  /* The clip gone, the record left: what a crash between the two steps of
   * a store leaves. */
  store_new (cache, key, SMALL_CLIP, 8, "cgt-1");
  g_unlink (clip);
  check_corrupt (cache, key);

  /* The record gone: the clip cannot be trusted. */
  store_new (cache, key, SMALL_CLIP, 8, "cgt-1");
  g_unlink (record);
  check_corrupt (cache, key);

  /* A record that is not one. */
  store_new (cache, key, SMALL_CLIP, 8, "cgt-1");
  fail_unless (g_file_set_contents (record, "{\"size\":\"big\"}", -1, NULL));
  check_corrupt (cache, key);

  /* A record that would check out but for its depth. */
  store_new (cache, key, SMALL_CLIP, 8, "cgt-1");
  {
    guint8 *data = make_data (SMALL_CLIP, 8);
    gchar *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data,
        SMALL_CLIP);
    gchar *deep = too_deep ();
    gchar *text = g_strdup_printf ("{\"size\":%d,\"sha256\":\"%s\","
        "\"task_id\":\"cgt-1\",\"task\":%s}", SMALL_CLIP, sha, deep);

    fail_unless (g_file_set_contents (record, text, -1, NULL));
    g_free (text);
    g_free (deep);
    g_free (sha);
    g_free (data);
  }
  check_corrupt (cache, key);

  g_free (clip);
  g_free (record);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
/* Records of the first format had no created_at: such a clip is still a
 * hit, stored when its file was written. */
START_TEST (test_record_without_created_at)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *clip = entry (cache, key, ".mp4");
  gchar *record = entry (cache, key, ".json");
  guint8 *data = make_data (SMALL_CLIP, 9);
  gchar *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data,
      SMALL_CLIP);
  gchar *text = g_strdup_printf ("{\"size\":%d,\"sha256\":\"%s\","
      "\"task_id\":\"cgt-old\",\"task\":" TASK "}", SMALL_CLIP, sha);
  SeedanceCacheClaim *claim;
  struct stat st;

  fail_unless (g_file_set_contents (clip, (const gchar *) data, SMALL_CLIP,
          NULL));
  fail_unless (g_file_set_contents (record, text, -1, NULL));
  fail_unless (stat (clip, &st) == 0);
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_HIT);
  fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-old");
  ck_assert_pstr_eq (seedance_cache_claim_get_task_json (claim), TASK);
  ck_assert_int_eq (seedance_cache_claim_get_created_at (claim),
      (gint64) st.st_mtime);
  seedance_cache_claim_free (claim);

  g_free (text);
  g_free (sha);
  g_free (data);
  g_free (record);
  g_free (clip);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
/* What the crashing child holds open, reachable so that a leak checker
 * does not take it for lost. */
static SeedanceCacheClaim *crashing_claim;
static SeedanceSpool *crashing_spool;

/* A process killed while it downloads leaves its task journalled and no
 * entry at all; its lock goes with it, and the next claim resumes the
 * task. */
static guint
count_spool_files (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  guint n = 0;

  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".part"))
      n++;
  if (d)
    g_dir_close (d);
  return n;
}

static void
age_spool_files (const gchar * dir, gint64 seconds)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    if (g_str_has_suffix (name, ".part")) {
      gchar *path = g_build_filename (dir, name, NULL);
      struct utimbuf t;

      t.actime = t.modtime = time (NULL) - seconds;
      fail_unless (utime (path, &t) == 0);
      g_free (path);
    }
  }
  if (d)
    g_dir_close (d);
}

START_TEST (test_crash_leaves_no_half_entry)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  guint8 *data = make_data (4096, 10);
  SeedanceCacheClaim *claim;
  SeedanceSpool *spool;
  GError *err = NULL;
  int status;
  pid_t pid;

  pid = fork ();
  fail_if (pid < 0);
  if (pid == 0) {
    SeedanceCache *other = seedance_cache_open (dir, 0, NULL);

    crashing_claim = other ? seedance_cache_claim (other, key, NULL, NULL) :
        NULL;
    crashing_spool = crashing_claim ?
        seedance_cache_claim_new_spool (crashing_claim, NULL) : NULL;
    if (crashing_spool == NULL ||
        seedance_cache_claim_get_kind (crashing_claim) != SEEDANCE_CACHE_MISS
        || !seedance_cache_claim_journal (crashing_claim, "cgt-crash", NULL)
        || !seedance_spool_write (crashing_spool, data, 2048, NULL))
      _exit (2);
    /* Tidy for a leak checker, which reports a killed process too. */
    seedance_cache_free (other);
    seedance_cache_free (cache);
    g_free (data);
    g_free (key);
    g_free (dir);
    raise (SIGKILL);
    _exit (3);
  }
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  fail_unless (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL,
      "the child did not get as far as the download (status %d)", status);

  fail_if (has (cache, key, ".mp4"), "a crash left a clip");
  fail_if (has (cache, key, ".json"), "a crash left a record");
  fail_unless (has (cache, key, ".task"), "a crash lost the task");
  ck_assert_int_eq (seedance_cache_peek (cache, key),
      SEEDANCE_CACHE_JOURNALLED);
  ck_assert_int_eq (count_spool_files (dir), 1);
  /* A live download of another element looks the same, but for its age:
   * age the crash's leftover by two days, and add a fresh one. */
  age_spool_files (dir, 2 * 24 * 3600);
  {
    gchar *base = g_strconcat (".", key, ".mp4.live00.part", NULL);
    gchar *live = g_build_filename (dir, base, NULL);

    fail_unless (g_file_set_contents (live, "x", 1, NULL));
    g_free (live);
    g_free (base);
  }

  claim = claim_at_once (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-crash");
  fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
  spool = spool_with (claim, data, 4096);
  fail_unless (seedance_cache_claim_store (claim, spool, TASK, &err), "%s",
      err ? err->message : "");
  seedance_spool_free (spool);
  seedance_cache_claim_free (claim);
  ck_assert_int_eq (seedance_cache_peek (cache, key), SEEDANCE_CACHE_HIT);
  /* The next download of the key removed what the crash left, and only
   * that. */
  ck_assert_int_eq (count_spool_files (dir), 1);

  g_free (data);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_claim_excludes_another_cache)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *a = open_cache (dir);
  SeedanceCache *b = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *other = key_of (ROOT, "{\"other\":true}");
  Claimant c = {.cache = b,.key = key };
  SeedanceCacheClaim *holder, *claim;
  GThread *thread;

  holder = claim_ok (a, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (holder),
      SEEDANCE_CACHE_MISS);

  /* Another key is another lock. */
  claim = claim_at_once (b, other);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  seedance_cache_claim_free (claim);

  thread = g_thread_new ("claimant", claimant_run, &c);
  g_usleep (300 * 1000);
  fail_if (g_atomic_int_get (&c.done), "the second claim did not wait");

  /* The holder journals its task and gives up without a clip: the waiter
   * resumes that task instead of creating another. */
  fail_unless (seedance_cache_claim_journal (holder, "cgt-1", NULL));
  seedance_cache_claim_free (holder);
  g_thread_join (thread);
  fail_unless (c.claim != NULL, "%s", c.error ? c.error->message : "");
  ck_assert_int_eq (seedance_cache_claim_get_kind (c.claim),
      SEEDANCE_CACHE_JOURNALLED);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (c.claim), "cgt-1");
  seedance_cache_claim_free (c.claim);

  /* And free again afterwards. */
  claim = claim_at_once (a, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  seedance_cache_claim_free (claim);

  g_free (other);
  g_free (key);
  seedance_cache_free (a);
  seedance_cache_free (b);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST static void
check_no_secret (const gchar * path, const gchar * const *needles)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  fail_unless (dir != NULL);
  while ((name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);
    gchar *contents = NULL;
    gsize len = 0;
    guint i;

    if (g_file_test (child, G_FILE_TEST_IS_DIR)) {
      check_no_secret (child, needles);
    } else {
      fail_unless (g_file_get_contents (child, &contents, &len, NULL));
      for (i = 0; needles[i]; i++) {
        fail_if (g_strstr_len (contents, len, needles[i]) != NULL,
            "%s contains \"%s\"", child, needles[i]);
        fail_if (strstr (name, needles[i]) != NULL);
      }
      g_free (contents);
    }
    g_free (child);
  }
  g_dir_close (dir);
}

START_TEST (test_nothing_but_what_was_given)
{
  const gchar *const needles[] = { "Bearer", "Authorization", "api_key",
    "ARK_API_KEY", NULL
  };
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *key2 = key_of (ROOT, "{\"model\":\"m\"}");
  SeedanceCacheClaim *claim;

  g_setenv ("ARK_API_KEY", "sk-very-secret", TRUE);
  /* A stored clip (lock, record, clip) and a journalled task. */
  store_new (cache, key, 10, 1, "cgt-1");
  claim = claim_ok (cache, key2);
  fail_unless (seedance_cache_claim_journal (claim, "cgt-2", NULL));
  seedance_cache_claim_free (claim);
  fail_unless (has (cache, key, ".mp4") && has (cache, key2, ".task"));

  check_no_secret (dir, needles);
  {
    const gchar *const secret[] = { "sk-very-secret", NULL };

    check_no_secret (dir, secret);
  }
  g_unsetenv ("ARK_API_KEY");

  g_free (key2);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_claim_miss_journal_store)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *a = open_cache (dir);
  SeedanceCache *b = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gsize len = 3 * 1024 * 1024 + 5;
  guint8 *data = make_data (len, 1);
  gint stored = 0;
  Claimant c = {.cache = b,.key = key,.stored = &stored };
  SeedanceCacheClaim *claim;
  SeedanceSpool *spool;
  GError *err = NULL;
  GThread *thread;
  gchar *contents, *clip;
  gint64 before, after;
  gsize got;

  ck_assert_int_eq (seedance_cache_peek (a, key), SEEDANCE_CACHE_MISS);

  claim = claim_ok (a, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  ck_assert_pstr_eq (seedance_cache_claim_get_key (claim), key);
  fail_unless (seedance_cache_claim_get_task_id (claim) == NULL);
  fail_unless (seedance_cache_claim_get_clip_path (claim) == NULL);
  fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
  fail_unless (seedance_cache_claim_get_created_at (claim) == 0);

  before = g_get_real_time () / G_USEC_PER_SEC;
  fail_unless (seedance_cache_claim_journal (claim, "cgt-42", &err), "%s",
      err ? err->message : "");
  after = g_get_real_time () / G_USEC_PER_SEC;
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-42");
  fail_unless (seedance_cache_claim_get_created_at (claim) >= before &&
      seedance_cache_claim_get_created_at (claim) <= after);
  /* Journalled at once, in the file: a crash from here loses nothing. */
  fail_unless (has (a, key, ".task"));
  /* A second journal for the same claim is refused. */
  fail_if (seedance_cache_claim_journal (claim, "cgt-43", &err));
  g_clear_error (&err);
  /* A dry run sees it and does not wait for the lock. */
  ck_assert_int_eq (seedance_cache_peek (b, key), SEEDANCE_CACHE_JOURNALLED);

  /* A second claimant (another cache object, another thread) waits while
   * the first generates. */
  thread = g_thread_new ("claimant", claimant_run, &c);
  g_usleep (300 * 1000);
  fail_if (g_atomic_int_get (&c.done), "the second claim did not wait");

  spool = spool_with (claim, data, len);
  ck_assert_uint_eq (seedance_spool_get_size (spool), len);
  g_atomic_int_set (&stored, 1);
  fail_unless (seedance_cache_claim_store (claim, spool, TASK, &err), "%s",
      err ? err->message : "");
  fail_unless (seedance_spool_is_committed (spool));
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_HIT);
  clip = entry (a, key, ".mp4");
  ck_assert_pstr_eq (seedance_cache_claim_get_clip_path (claim), clip);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_json (claim), TASK);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-42");
  fail_if (has (a, key, ".task"), "the journal outlived the store");

  /* Served from the cache as soon as the clip is stored, while the first
   * still holds its claim (and reads its copy). */
  g_thread_join (thread);
  fail_unless (c.claim != NULL, "%s", c.error ? c.error->message : "");
  fail_unless (c.stored_when_claimed, "the second claim did not wait");
  ck_assert_int_eq (seedance_cache_claim_get_kind (c.claim),
      SEEDANCE_CACHE_HIT);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (c.claim), "cgt-42");
  ck_assert_pstr_eq (seedance_cache_claim_get_clip_path (c.claim), clip);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_json (c.claim), TASK);
  fail_unless (seedance_cache_claim_get_created_at (c.claim) >= before);
  fail_unless (seedance_cache_claim_get_warning (c.claim) == NULL);
  fail_unless (g_file_get_contents (clip, &contents, &got, NULL));
  ck_assert_uint_eq (got, len);
  fail_unless (memcmp (contents, data, len) == 0);
  g_free (contents);
  seedance_cache_claim_free (c.claim);

  seedance_spool_free (spool);
  seedance_cache_claim_free (claim);
  /* Freeing the spool after the store leaves the clip. */
  fail_unless (g_file_test (clip, G_FILE_TEST_IS_REGULAR));
  ck_assert_int_eq (seedance_cache_peek (a, key), SEEDANCE_CACHE_HIT);

  /* And again, later. */
  claim = claim_ok (a, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_HIT);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-42");
  seedance_cache_claim_free (claim);

  g_free (clip);
  g_free (data);
  g_free (key);
  seedance_cache_free (a);
  seedance_cache_free (b);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_processes_cooperate)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  guint8 *data = make_data (4096, 2);
  SeedanceCacheClaim *claim = claim_ok (cache, key);
  SeedanceSpool *spool;
  GError *err = NULL;
  int fds[2], status;
  char byte;
  pid_t pid;

  fail_unless (seedance_cache_claim_journal (claim, "cgt-p", NULL));
  fail_unless (pipe (fds) == 0);
  pid = fork ();
  fail_if (pid < 0);
  if (pid == 0) {
    /* Another process, its own cache object: told only by the files. */
    SeedanceCache *other = seedance_cache_open (dir, 0, NULL);
    SeedanceCacheClaim *mine = seedance_cache_claim (other, key, NULL, NULL);
    int ok = mine != NULL &&
        seedance_cache_claim_get_kind (mine) == SEEDANCE_CACHE_HIT &&
        g_strcmp0 (seedance_cache_claim_get_task_id (mine), "cgt-p") == 0;

    byte = ok ? 'y' : 'n';
    ok = write (fds[1], &byte, 1) == 1;
    /* Tidy for a leak checker.  Closing the parent's claim here closes
     * only this process's descriptor: the parent keeps its lock. */
    seedance_cache_claim_free (mine);
    seedance_cache_free (other);
    seedance_cache_claim_free (claim);
    seedance_cache_free (cache);
    g_free (data);
    g_free (key);
    g_free (dir);
    _exit (ok ? 0 : 2);
  }
  close (fds[1]);

  /* The child waits for the key while this process holds it. */
  {
    GPollFD pfd = { fds[0], G_IO_IN, 0 };

    ck_assert_int_eq (g_poll (&pfd, 1, 300), 0);
  }
  spool = spool_with (claim, data, 4096);
  fail_unless (seedance_cache_claim_store (claim, spool, TASK, &err), "%s",
      err ? err->message : "");
  ck_assert_int_eq (read (fds[0], &byte, 1), 1);
  ck_assert_int_eq (byte, 'y');
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  /* Its verdict came through the pipe; its exit status may be a leak
   * checker's. */
  fail_unless (WIFEXITED (status));
  close (fds[0]);

  seedance_spool_free (spool);
  seedance_cache_claim_free (claim);
  g_free (data);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_forget_task)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *journal = entry (cache, key, ".task");
  SeedanceCacheClaim *claim;

  claim = claim_ok (cache, key);
  fail_unless (seedance_cache_claim_journal (claim, "cgt-a", NULL));
  seedance_cache_claim_free (claim);

  /* A rerun resumes the journalled task. */
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-a");
  fail_unless (seedance_cache_claim_get_created_at (claim) > 0);
  fail_unless (seedance_cache_claim_get_clip_path (claim) == NULL);

  /* It cannot be resumed: gone from the journal, and the claim is a miss
   * that still holds the lock and may journal a new task. */
  seedance_cache_claim_forget_task (claim);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  fail_unless (seedance_cache_claim_get_task_id (claim) == NULL);
  fail_if (has (cache, key, ".task"));
  ck_assert_int_eq (seedance_cache_peek (cache, key), SEEDANCE_CACHE_MISS);
  fail_unless (seedance_cache_claim_journal (claim, "cgt-b", NULL));
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  seedance_cache_claim_free (claim);

  /* Only the task the claim was given is forgotten. */
  claim = claim_ok (cache, key);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-b");
  /* Another task journalled meanwhile (by hand here: the lock keeps every
   * claimant out) stays. */
  fail_unless (g_file_set_contents (journal,
          "{\"task_id\":\"cgt-c\",\"created_at\":1}", -1, NULL));
  seedance_cache_claim_forget_task (claim);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  fail_unless (has (cache, key, ".task"));
  seedance_cache_claim_free (claim);
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-c");
  seedance_cache_claim_free (claim);

  g_free (journal);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_claim_wait_is_cancellable)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *a = open_cache (dir);
  SeedanceCache *b = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  GCancellable *cancellable = g_cancellable_new ();
  gchar *key2 = key_of (ROOT, "{\"n\":2}");
  gchar *clip2 = entry (a, key2, ".mp4");
  Claimant c = {.cache = b,.key = key,.cancellable = cancellable };
  SeedanceCacheClaim *holder, *claim;
  GError *err = NULL;
  GThread *thread;
  gint64 cancelled_at, start, ms;

  holder = claim_ok (a, key);

  thread = g_thread_new ("claimant", claimant_run, &c);
  /* Long enough for the claimant to be waiting; whether it is or not, the
   * cancel must end it at once. */
  g_usleep (150 * 1000);
  fail_if (g_atomic_int_get (&c.done), "the claim did not wait");
  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);
  ms = (c.returned_at - cancelled_at) / 1000;
  fail_unless (c.claim == NULL);
  fail_unless (g_error_matches (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&c.error);
  fail_unless (ms < 100, "the wait ended %" G_GINT64_FORMAT " ms after the "
      "cancel", ms);

  /* Already cancelled: no wait at all. */
  fail_unless (seedance_cache_claim (b, key, cancellable, &err) == NULL);
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&err);

  /* The claim held all along is still good, and the next one gets in. */
  fail_unless (seedance_cache_claim_journal (holder, "cgt-1", NULL));
  seedance_cache_claim_free (holder);
  g_cancellable_reset (cancellable);
  claim = seedance_cache_claim (b, key, cancellable, &err);
  fail_unless (claim != NULL, "%s", err ? err->message : "");
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  seedance_cache_claim_free (claim);

  /* The wait for the exclusive lock too: a clip damaged while a reader
   * holds it is removed only by a claimant that gets the key to itself,
   * and one cancelled before that removes nothing. */
  store_new (a, key2, 1000, 6, "cgt-2");
  holder = claim_ok (a, key2);
  ck_assert_int_eq (seedance_cache_claim_get_kind (holder), SEEDANCE_CACHE_HIT);
  fail_unless (g_unlink (clip2) == 0);
  g_cancellable_reset (cancellable);
  start = g_get_monotonic_time ();
  thread = g_thread_new ("canceller", cancel_later, cancellable);
  fail_unless (seedance_cache_claim (b, key2, cancellable, &err) == NULL);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_thread_join (thread);
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&err);
  fail_unless (ms >= 150 && ms < 1000, "the wait ended after %"
      G_GINT64_FORMAT " ms", ms);
  fail_unless (has (a, key2, ".json"), "removed without the lock");
  seedance_cache_claim_free (holder);
  g_cancellable_reset (cancellable);
  claim = seedance_cache_claim (b, key2, cancellable, &err);
  fail_unless (claim != NULL, "%s", err ? err->message : "");
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  check_warned (claim, clip2);
  fail_if (has (a, key2, ".json"));
  seedance_cache_claim_free (claim);

  g_free (clip2);
  g_free (key2);
  g_object_unref (cancellable);
  g_free (key);
  seedance_cache_free (a);
  seedance_cache_free (b);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_readers_share)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *a = open_cache (dir);
  SeedanceCache *b = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  GCancellable *cancellable = g_cancellable_new ();
  SeedanceCacheClaim *reader1, *reader2;
  GError *err = NULL;
  Watchdog *dog;

  store_new (a, key, 5000, 3, "cgt-r");
  reader1 = claim_ok (a, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (reader1),
      SEEDANCE_CACHE_HIT);

  /* A second reader, in another cache object, does not wait for the
   * first. */
  dog = watchdog_start (cancellable, 3000);
  reader2 = seedance_cache_claim (b, key, cancellable, &err);
  watchdog_stop (dog);
  fail_unless (reader2 != NULL, "the second reader waited: %s",
      err ? err->message : "");
  ck_assert_int_eq (seedance_cache_claim_get_kind (reader2),
      SEEDANCE_CACHE_HIT);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (reader2), "cgt-r");

  seedance_cache_claim_free (reader1);
  seedance_cache_claim_free (reader2);
  g_object_unref (cancellable);
  g_free (key);
  seedance_cache_free (a);
  seedance_cache_free (b);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_claim_removes_corrupt_entries)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *clip = entry (cache, key, ".mp4");
  gchar *record = entry (cache, key, ".json");
  gchar *journal = entry (cache, key, ".task");
  SeedanceCacheClaim *claim;
  gchar *contents;
  gsize len;

  /* A record that is not one: removed with its clip, reported, and the
   * claim goes on as a miss. */
  store_new (cache, key, 2000, 4, "cgt-1");
  fail_unless (g_file_set_contents (record, "{\"size\":", -1, NULL));
  ck_assert_int_eq (seedance_cache_peek (cache, key), SEEDANCE_CACHE_MISS);
  fail_unless (has (cache, key, ".json"), "a peek changed something");
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  check_warned (claim, clip);
  fail_if (has (cache, key, ".json"));
  fail_if (has (cache, key, ".mp4"));
  seedance_cache_claim_free (claim);
  /* Reported once. */
  claim = claim_ok (cache, key);
  fail_unless (seedance_cache_claim_get_warning (claim) == NULL);
  seedance_cache_claim_free (claim);

  /* A clip that is not the one recorded. */
  store_new (cache, key, 2000, 4, "cgt-1");
  fail_unless (g_file_get_contents (clip, &contents, &len, NULL));
  contents[1000] ^= 1;
  fail_unless (g_file_set_contents (clip, contents, len, NULL));
  g_free (contents);
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  check_warned (claim, clip);
  fail_if (has (cache, key, ".mp4"));
  seedance_cache_claim_free (claim);

  /* A journal that is not one. */
  fail_unless (g_file_set_contents (journal, "{\"task_id\":7}", -1, NULL));
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_MISS);
  check_warned (claim, journal);
  fail_if (has (cache, key, ".task"));
  seedance_cache_claim_free (claim);

  /* Both at once: one warning names both; a good journal beside a bad
   * record is resumed. */
  store_new (cache, key, 2000, 4, "cgt-1");
  fail_unless (g_file_set_contents (record, "[]", -1, NULL));
  fail_unless (g_file_set_contents (journal, "garbage", -1, NULL));
  claim = claim_ok (cache, key);
  check_warned (claim, clip);
  check_warned (claim, journal);
  seedance_cache_claim_free (claim);

  store_new (cache, key, 2000, 4, "cgt-1");
  g_unlink (record);
  fail_unless (g_file_set_contents (journal,
          "{\"task_id\":\"cgt-9\",\"created_at\":1700000000}", -1, NULL));
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-9");
  ck_assert_int_eq (seedance_cache_claim_get_created_at (claim), 1700000000);
  check_warned (claim, clip);
  seedance_cache_claim_free (claim);

  g_free (journal);
  g_free (record);
  g_free (clip);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST static void
check_mode (const gchar * path, guint mode)
{
  struct stat st;

  fail_unless (stat (path, &st) == 0, "%s: %s", path, g_strerror (errno));
  fail_unless ((st.st_mode & 07777) == mode, "%s has mode %o, not %o", path,
      st.st_mode & 07777, mode);
}

START_TEST (test_modes)
{
  gchar *top = make_tmpdir ();
  gchar *parent = g_build_filename (top, "a", NULL);
  gchar *dir = g_build_filename (parent, "b", NULL);
  mode_t old_mask = umask (022);
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *key2 = key_of (ROOT, "{}");
  SeedanceCacheClaim *claim;
  SeedanceSpool *spool;
  guint8 *data = make_data (100, 5);
  GError *err = NULL;
  const gchar *name;
  GDir *d;
  guint files = 0;

  check_mode (parent, 0700);
  check_mode (dir, 0700);

  claim = claim_ok (cache, key);
  fail_unless (seedance_cache_claim_journal (claim, "cgt-1", NULL));
  spool = spool_with (claim, data, 100);
  fail_unless (seedance_cache_claim_store (claim, spool, TASK, &err), "%s",
      err ? err->message : "");
  seedance_spool_free (spool);
  seedance_cache_claim_free (claim);
  claim = claim_ok (cache, key2);
  fail_unless (seedance_cache_claim_journal (claim, "cgt-2", NULL));
  seedance_cache_claim_free (claim);

  /* Lock, journal, record and clip: every file the cache wrote. */
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (dir, name, NULL);

    check_mode (path, 0600);
    files++;
    g_free (path);
  }
  g_dir_close (d);
  ck_assert_int_eq (files, 5);

  umask (old_mask);
  g_free (data);
  g_free (key2);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (top);
  g_free (dir);
  g_free (parent);
  g_free (top);
}

END_TEST
#define CLIP_SIZE 1000
/* Room for two clips of CLIP_SIZE, not three. */
#define ROOM_FOR_TWO (2 * CLIP_SIZE + CLIP_SIZE / 2)
static gboolean
kept (SeedanceCache * cache, const gchar * key)
{
  gboolean clip = has (cache, key, ".mp4");

  /* Clip and record go together. */
  ck_assert_int_eq (clip, has (cache, key, ".json"));
  return clip;
}

static void
use (SeedanceCache * cache, const gchar * key)
{
  SeedanceCacheClaim *claim = claim_ok (cache, key);

  ck_assert_int_eq (seedance_cache_claim_get_kind (claim), SEEDANCE_CACHE_HIT);
  seedance_cache_claim_free (claim);
}

START_TEST (test_evicts_least_recently_used)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache_max (dir, ROOM_FOR_TWO);
  gchar *one = key_of (ROOT, "{\"n\":\"one\"}");
  gchar *two = key_of (ROOT, "{\"n\":\"two\"}");
  gchar *three = key_of (ROOT, "{\"n\":\"three\"}");
  gchar *pending = key_of (ROOT, "{\"n\":\"pending\"}");
  SeedanceCacheClaim *claim;

  ck_assert_uint_eq (seedance_cache_get_max_size (cache), ROOM_FOR_TWO);

  /* A task journalled and not yet delivered: never evicted. */
  claim = claim_ok (cache, pending);
  fail_unless (seedance_cache_claim_journal (claim, "cgt-p", NULL));
  seedance_cache_claim_free (claim);

  /* Uses: one two one three. */
  store_new (cache, one, CLIP_SIZE, 1, "cgt-1");
  store_new (cache, two, CLIP_SIZE, 2, "cgt-2");
  fail_unless (kept (cache, one) && kept (cache, two));
  use (cache, one);
  store_new (cache, three, CLIP_SIZE, 3, "cgt-3");

  fail_unless (kept (cache, one));
  fail_if (kept (cache, two), "the least recently used clip was kept");
  fail_unless (kept (cache, three));
  fail_unless (has (cache, pending, ".task"));
  ck_assert_int_eq (seedance_cache_peek (cache, two), SEEDANCE_CACHE_MISS);
  ck_assert_int_eq (seedance_cache_peek (cache, pending),
      SEEDANCE_CACHE_JOURNALLED);

  /* No bound: nothing is evicted. */
  {
    SeedanceCache *unbounded = open_cache_max (dir, 0);

    store_new (unbounded, two, CLIP_SIZE, 2, "cgt-2");
    fail_unless (kept (cache, one) && kept (cache, two) && kept (cache, three));
    seedance_cache_free (unbounded);
  }

  g_free (pending);
  g_free (three);
  g_free (two);
  g_free (one);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_evict_spares_locked_entries)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache_max (dir, ROOM_FOR_TWO);
  SeedanceCache *other = open_cache_max (dir, ROOM_FOR_TWO);
  gchar *one = key_of (ROOT, "{\"n\":\"one\"}");
  gchar *two = key_of (ROOT, "{\"n\":\"two\"}");
  gchar *three = key_of (ROOT, "{\"n\":\"three\"}");
  gchar *four = key_of (ROOT, "{\"n\":\"four\"}");
  SeedanceCacheClaim *reader;
  gint lock;

  store_new (cache, one, CLIP_SIZE, 1, "cgt-1");
  store_new (cache, two, CLIP_SIZE, 2, "cgt-2");
  /* `one` is the least recently used, but someone is reading it. */
  reader = claim_ok (other, one);
  use (cache, two);
  store_new (cache, three, CLIP_SIZE, 3, "cgt-3");
  fail_unless (kept (cache, one), "a clip being read was evicted");
  fail_if (kept (cache, two));
  fail_unless (kept (cache, three));
  seedance_cache_claim_free (reader);

  /* Held exclusively, as by a claimant storing it. */
  lock = hold_lock (cache, one, LOCK_EX);
  store_new (cache, four, CLIP_SIZE, 4, "cgt-4");
  fail_unless (kept (cache, one), "a locked entry was evicted");
  fail_if (kept (cache, three));
  fail_unless (kept (cache, four));
  close (lock);

  /* Nothing else may go: over the bound, but the clip just stored and the
   * one being read stay. */
  {
    SeedanceCache *small = open_cache_max (dir, CLIP_SIZE);

    reader = claim_ok (other, four);
    store_new (small, two, CLIP_SIZE, 2, "cgt-2");
    fail_unless (kept (cache, two), "the clip just stored was evicted");
    fail_unless (kept (cache, four));
    fail_if (kept (cache, one));
    seedance_cache_claim_free (reader);
    seedance_cache_free (small);
  }

  g_free (four);
  g_free (three);
  g_free (two);
  g_free (one);
  seedance_cache_free (other);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_too_large_keeps_journal)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache_max (dir, 100);
  gchar *key = key_of (ROOT, BODY);
  guint8 *data = make_data (101, 6);
  guint8 back[101];
  SeedanceCacheClaim *claim;
  SeedanceSpool *spool;
  GError *err = NULL;

  claim = claim_ok (cache, key);
  fail_unless (seedance_cache_claim_journal (claim, "cgt-big", NULL));
  spool = spool_with (claim, data, 101);
  fail_if (seedance_cache_claim_store (claim, spool, TASK, &err));
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_TOO_LARGE), "%s", err ? err->message : "");
  g_clear_error (&err);
  /* Nothing stored, the task still journalled, the download still there
   * for the caller to play. */
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  fail_if (seedance_spool_is_committed (spool));
  ck_assert_int_eq (seedance_spool_pread (spool, back, sizeof (back), 0, NULL),
      101);
  fail_unless (memcmp (back, data, 101) == 0);
  fail_if (has (cache, key, ".mp4"));
  fail_if (has (cache, key, ".json"));
  fail_unless (has (cache, key, ".task"));
  seedance_spool_free (spool);
  seedance_cache_claim_free (claim);

  /* A rerun downloads the same task instead of paying again; a clip of
   * exactly max_size fits. */
  claim = claim_ok (cache, key);
  ck_assert_int_eq (seedance_cache_claim_get_kind (claim),
      SEEDANCE_CACHE_JOURNALLED);
  ck_assert_pstr_eq (seedance_cache_claim_get_task_id (claim), "cgt-big");
  spool = spool_with (claim, data, 100);
  fail_unless (seedance_cache_claim_store (claim, spool, TASK, &err), "%s",
      err ? err->message : "");
  fail_unless (has (cache, key, ".mp4"));
  seedance_spool_free (spool);
  seedance_cache_claim_free (claim);

  g_free (data);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
START_TEST (test_spool_target)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *other = key_of (ROOT, "{}");
  SeedanceCacheClaim *claim = claim_ok (cache, key);
  SeedanceCacheClaim *claim2 = claim_ok (cache, other);
  SeedanceSpool *spool;
  GError *err = NULL;
  gchar *clip = entry (cache, key, ".mp4");

  spool = seedance_cache_claim_new_spool (claim, &err);
  fail_unless (spool != NULL, "%s", err ? err->message : "");
  ck_assert_pstr_eq (seedance_spool_get_target (spool), clip);
  /* Another key's spool is refused. */
  fail_unless (seedance_cache_claim_journal (claim2, "cgt-x", NULL));
  fail_if (seedance_cache_claim_store (claim2, spool, TASK, &err));
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_FAILED));
  g_clear_error (&err);
  fail_unless (has (cache, other, ".task"));
  seedance_spool_free (spool);
  /* An unstored spool leaves nothing. */
  fail_if (g_file_test (clip, G_FILE_TEST_EXISTS));

  seedance_cache_claim_free (claim2);
  seedance_cache_claim_free (claim);
  g_free (clip);
  g_free (other);
  g_free (key);
  seedance_cache_free (cache);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST
/* The default directory is read once per process by GLib, so each case
 * runs in a process of its own: this program, with an argument. */
#define PRINT_DEFAULT_DIR "--print-default-dir"
static gchar *
default_dir_with (const gchar * seedance_dir, const gchar * xdg)
{
  gchar **envp = g_get_environ ();
  gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  gchar *argv[] = { self, (gchar *) PRINT_DEFAULT_DIR, NULL };
  gchar *out = NULL;
  GError *err = NULL;
  gint status;

  envp = seedance_dir ? g_environ_setenv (envp, "SEEDANCE_CACHE_DIR",
      seedance_dir, TRUE) : g_environ_unsetenv (envp, "SEEDANCE_CACHE_DIR");
  envp = g_environ_setenv (envp, "XDG_CACHE_HOME", xdg, TRUE);
  fail_unless (self != NULL);
  fail_unless (g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
          &out, NULL, &status, &err), "%s", err ? err->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL));
  g_strchomp (out);
  g_strfreev (envp);
  g_free (self);
  return out;
}

START_TEST (test_default_dir)
{
  gchar *dir;

  dir = default_dir_with (NULL, "/tmp/xdg-cache");
  ck_assert_pstr_eq (dir, "/tmp/xdg-cache/gst-seedance");
  g_free (dir);
  dir = default_dir_with ("", "/tmp/xdg-cache");
  ck_assert_pstr_eq (dir, "/tmp/xdg-cache/gst-seedance");
  g_free (dir);
  dir = default_dir_with ("/srv/clips", "/tmp/xdg-cache");
  ck_assert_pstr_eq (dir, "/srv/clips");
  g_free (dir);

  /* In this process too. */
  g_setenv ("SEEDANCE_CACHE_DIR", "/srv/other", TRUE);
  dir = seedance_cache_default_dir ();
  ck_assert_pstr_eq (dir, "/srv/other");
  g_free (dir);
  g_unsetenv ("SEEDANCE_CACHE_DIR");
  {
    gchar *want = g_build_filename (g_get_user_cache_dir (), "gst-seedance",
        NULL);

    dir = seedance_cache_default_dir ();
    ck_assert_pstr_eq (dir, want);
    g_free (dir);
    g_free (want);
  }
}

END_TEST
/* A directory nobody may write in, root included where the file system
 * allows it (the immutable flag). */
static gboolean
make_read_only (const gchar * path, gboolean on)
{
  gchar *probe;
  int fd, flags, ok;

  fd = open (path, O_RDONLY | O_DIRECTORY);
  if (fd >= 0 && ioctl (fd, FS_IOC_GETFLAGS, &flags) == 0) {
    flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
    ioctl (fd, FS_IOC_SETFLAGS, &flags);
  }
  if (fd >= 0)
    close (fd);
  g_chmod (path, on ? 0500 : 0700);
  if (!on)
    return TRUE;

  probe = g_build_filename (path, "probe", NULL);
  fd = open (probe, O_CREAT | O_WRONLY, 0600);
  ok = fd < 0;
  if (fd >= 0) {
    close (fd);
    g_unlink (probe);
  }
  g_free (probe);
  return ok;
}

START_TEST (test_read_only_directory)
{
  gchar *dir = make_tmpdir ();
  gchar *ro = g_build_filename (dir, "ro", NULL);
  gchar *below = g_build_filename (ro, "cache", NULL);
  GError *err = NULL;

  fail_unless (g_mkdir (ro, 0700) == 0);
  if (!make_read_only (ro, TRUE)) {
    g_print ("test_read_only_directory: cannot make a read-only directory "
        "here (root without the immutable flag); not checked\n");
  } else {
    fail_unless (seedance_cache_open (ro, 0, &err) == NULL);
    fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
            SEEDANCE_CACHE_ERROR_UNUSABLE));
    fail_unless (strstr (err->message, ro) != NULL, "%s", err->message);
    g_clear_error (&err);

    fail_unless (seedance_cache_open (below, 0, &err) == NULL);
    fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
            SEEDANCE_CACHE_ERROR_UNUSABLE));
    fail_unless (strstr (err->message, below) != NULL, "%s", err->message);
    g_clear_error (&err);
  }
  make_read_only (ro, FALSE);

  g_free (below);
  g_free (ro);
  test_remove_tree (dir);
  g_free (dir);
}

END_TEST static Suite *
cache_suite (void)
{
  Suite *s = suite_create ("cache");
  TCase *tc = tcase_create ("cache");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_key_is_canonical);
  tcase_add_test (tc, test_key_differs);
  tcase_add_test (tc, test_unusable_directory);
  tcase_add_test (tc, test_journal);
  tcase_add_test (tc, test_corrupt_journal_is_removed);
  tcase_add_test (tc, test_store_and_hit);
  tcase_add_test (tc, test_damaged_clip_is_removed);
  tcase_add_test (tc, test_record_without_created_at);
  tcase_add_test (tc, test_crash_leaves_no_half_entry);
  tcase_add_test (tc, test_claim_excludes_another_cache);
  tcase_add_test (tc, test_nothing_but_what_was_given);
  tcase_add_test (tc, test_claim_miss_journal_store);
  tcase_add_test (tc, test_processes_cooperate);
  tcase_add_test (tc, test_forget_task);
  tcase_add_test (tc, test_claim_wait_is_cancellable);
  tcase_add_test (tc, test_readers_share);
  tcase_add_test (tc, test_claim_removes_corrupt_entries);
  tcase_add_test (tc, test_modes);
  tcase_add_test (tc, test_evicts_least_recently_used);
  tcase_add_test (tc, test_evict_spares_locked_entries);
  tcase_add_test (tc, test_too_large_keeps_journal);
  tcase_add_test (tc, test_spool_target);
  tcase_add_test (tc, test_default_dir);
  tcase_add_test (tc, test_read_only_directory);
  return s;
}

int
main (int argc, char **argv)
{
  SRunner *sr;
  int failed;

  /* For test_default_dir: before anything reads the user's directories. */
  if (argc == 2 && strcmp (argv[1], PRINT_DEFAULT_DIR) == 0) {
    gchar *dir = seedance_cache_default_dir ();

    g_print ("%s\n", dir);
    g_free (dir);
    return 0;
  }
  /* As GTest and GStreamer's check framework did: a GLib warning or
   * critical fails the test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING |
      G_LOG_LEVEL_CRITICAL);
  sr = srunner_create (cache_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
