/* The clip cache and task journal, on a temporary directory of its own. */
#include <gst/check/gstcheck.h>

#include "seedance/cache.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define ROOT "https://ark.example.com/api/v3"
#define BODY "{\"model\":\"seedance-1-0-pro\",\"content\":[{\"type\":\"text\"," \
    "\"text\":\"a cat\"}],\"duration\":5}"
#define TASK "{\"id\":\"cgt-1\",\"status\":\"succeeded\",\"content\":" \
    "{\"video_url\":\"https://cdn.example.com/v.mp4\"}}"

static void
remove_tree (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir && (name = g_dir_read_name (dir))) {
    gchar *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
        !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      remove_tree (child);
    else
      g_unlink (child);
    g_free (child);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (path);
}

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
  SeedanceCache *cache = seedance_cache_open (dir, &err);

  fail_unless (cache != NULL, "%s", err ? err->message : "");
  return cache;
}

static gchar *
key_of (const gchar * root, const gchar * body)
{
  GError *err = NULL;
  gchar *key = seedance_cache_key (root, body, &err);

  fail_unless (key != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (strlen (key), 64);
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

/* Stores `data` as the key's clip through a temporary file, as the element
 * does. */
static void
store (SeedanceCache * cache, const gchar * key, const gchar * data,
    gsize len, const gchar * task_json)
{
  GError *err = NULL;
  gchar *temp = NULL;
  gint fd = seedance_cache_create_temp (cache, &temp, &err);

  fail_unless (fd >= 0, "%s", err ? err->message : "");
  fail_unless (g_str_has_prefix (temp, seedance_cache_get_dir (cache)));
  fail_unless_equals_int (write (fd, data, len), (gint) len);
  close (fd);
  fail_unless (seedance_cache_store_clip (cache, key, temp, "cgt-1",
          task_json, &err), "%s", err ? err->message : "");
  fail_if (g_file_test (temp, G_FILE_TEST_EXISTS));
  g_free (temp);
}

GST_START_TEST (test_key_is_canonical)
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
  fail_unless_equals_string (key, want);
  g_free (want);
  g_free (text);
  g_free (key);
}

GST_END_TEST;

GST_START_TEST (test_key_differs)
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
  fail_if (same_key (ROOT, BODY, "https://ark.example.com:8443/api/v3",
          BODY));

  /* Only scheme, host and port count; default ports are the same. */
  fail_unless (same_key (ROOT, BODY, "https://ark.example.com:443/api/v3",
          BODY));
  fail_unless (same_key (ROOT, BODY, "https://ark.example.com", BODY));
  fail_unless (same_key ("http://127.0.0.1/api/v3", BODY,
          "http://127.0.0.1:80/other", BODY));
  fail_unless (same_key ("HTTPS://ARK.example.com/api/v3", BODY, ROOT, BODY));

  /* Not JSON: no key. */
  fail_unless (seedance_cache_key (ROOT, "{\"a\":", &err) == NULL);
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_FAILED));
  g_clear_error (&err);
  fail_unless (seedance_cache_key (ROOT, "", &err) == NULL);
  fail_unless (err != NULL);
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_journal)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *path = entry (cache, key, ".task");
  GError *err = NULL;
  gchar *id;

  fail_unless_equals_string (seedance_cache_get_dir (cache), dir);

  /* Nothing yet. */
  fail_unless (seedance_cache_get_task_id (cache, key, &err) == NULL);
  fail_unless (err == NULL);

  fail_unless (seedance_cache_put_task_id (cache, key, "cgt-20250101-abc",
          &err), "%s", err ? err->message : "");
  fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  id = seedance_cache_get_task_id (cache, key, &err);
  fail_unless_equals_string (id, "cgt-20250101-abc");
  fail_unless (err == NULL);
  g_free (id);

  /* A second cache on the same directory sees it: it is in the files. */
  {
    SeedanceCache *other = open_cache (dir);

    id = seedance_cache_get_task_id (other, key, NULL);
    fail_unless_equals_string (id, "cgt-20250101-abc");
    g_free (id);
    seedance_cache_free (other);
  }

  /* Replaced. */
  fail_unless (seedance_cache_put_task_id (cache, key, "cgt-2", NULL));
  id = seedance_cache_get_task_id (cache, key, NULL);
  fail_unless_equals_string (id, "cgt-2");
  g_free (id);

  fail_unless (seedance_cache_drop_task_id (cache, key, &err));
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS));
  fail_unless (seedance_cache_get_task_id (cache, key, &err) == NULL);
  fail_unless (err == NULL);
  /* Dropping what is not there is no failure. */
  fail_unless (seedance_cache_drop_task_id (cache, key, &err));

  /* A key that is not one never becomes a path. */
  fail_if (seedance_cache_put_task_id (cache, "../escape", "cgt-3", &err));
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_FAILED));
  g_clear_error (&err);

  g_free (path);
  g_free (key);
  seedance_cache_free (cache);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_corrupt_journal_is_removed)
{
  const gchar *bad[] = { "garbage{", "", "{\"created_at\":1}",
    "{\"task_id\":42}", "[\"cgt-1\"]", "{\"task_id\":\"\"}"
  };
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *path = entry (cache, key, ".task");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *err = NULL;

    fail_unless (g_file_set_contents (path, bad[i], -1, NULL));
    fail_unless (seedance_cache_get_task_id (cache, key, &err) == NULL);
    fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
            SEEDANCE_CACHE_ERROR_CORRUPT), "journal \"%s\" not reported",
        bad[i]);
    fail_unless (strstr (err->message, path) != NULL, "%s", err->message);
    g_clear_error (&err);
    fail_if (g_file_test (path, G_FILE_TEST_EXISTS));

    /* Reported once: then there is no journal. */
    fail_unless (seedance_cache_get_task_id (cache, key, &err) == NULL);
    fail_unless (err == NULL);
  }

  g_free (path);
  g_free (key);
  seedance_cache_free (cache);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_store_and_lookup)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *clip_path = NULL, *task_json = NULL, *contents = NULL;
  GError *err = NULL;
  gsize len, i;
  guchar *data;

  /* Nothing there: FALSE, no error. */
  fail_if (seedance_cache_lookup_clip (cache, key, &clip_path, &task_json,
          &err));
  fail_unless (err == NULL);
  fail_unless (clip_path == NULL && task_json == NULL);

  /* More than one read of the hash's chunk size, and not a multiple. */
  len = 3 * 1024 * 1024 + 17;
  data = g_malloc (len);
  for (i = 0; i < len; i++)
    data[i] = (guchar) (i * 7 + (i >> 11));

  fail_unless (seedance_cache_put_task_id (cache, key, "cgt-1", NULL));
  store (cache, key, (const gchar *) data, len, TASK);
  /* The journal has done its work. */
  fail_unless (seedance_cache_get_task_id (cache, key, &err) == NULL);
  fail_unless (err == NULL);

  fail_unless (seedance_cache_lookup_clip (cache, key, &clip_path,
          &task_json, &err), "%s", err ? err->message : "");
  fail_unless (err == NULL);
  {
    gchar *want = entry (cache, key, ".mp4");

    fail_unless_equals_string (clip_path, want);
    g_free (want);
  }
  fail_unless_equals_string (task_json, TASK);
  fail_unless (g_file_get_contents (clip_path, &contents, &i, NULL));
  fail_unless_equals_uint64 (i, len);
  fail_unless (memcmp (contents, data, len) == 0);
  g_free (contents);
  g_free (clip_path);
  g_free (task_json);

  /* Either output may be skipped. */
  fail_unless (seedance_cache_lookup_clip (cache, key, NULL, NULL, &err));

  /* The record holds the task as an object, and the checks. */
  {
    gchar *record = entry (cache, key, ".json");
    gchar *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
    gchar *expect = g_strdup_printf ("{\"size\":%" G_GSIZE_FORMAT
        ",\"sha256\":\"%s\",\"task_id\":\"cgt-1\",\"task\":" TASK "}", len,
        sha);

    fail_unless (g_file_get_contents (record, &contents, NULL, NULL));
    fail_unless_equals_string (contents, expect);
    g_free (contents);
    g_free (expect);
    g_free (sha);
    g_free (record);
  }

  /* A task that is not JSON comes back as it was given. */
  {
    gchar *key2 = key_of (ROOT, "{\"x\":2}");

    store (cache, key2, "abc", 3, "not json at all");
    fail_unless (seedance_cache_lookup_clip (cache, key2, NULL, &task_json,
            &err), "%s", err ? err->message : "");
    fail_unless_equals_string (task_json, "not json at all");
    g_free (task_json);
    g_free (key2);
  }

  g_free (data);
  g_free (key);
  seedance_cache_free (cache);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static void
check_corrupt (SeedanceCache * cache, const gchar * key)
{
  gchar *clip = entry (cache, key, ".mp4");
  gchar *record = entry (cache, key, ".json");
  gchar *path = NULL, *task_json = NULL;
  GError *err = NULL;

  fail_if (seedance_cache_lookup_clip (cache, key, &path, &task_json, &err));
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_CORRUPT));
  fail_unless (path == NULL && task_json == NULL);
  g_clear_error (&err);
  fail_if (g_file_test (clip, G_FILE_TEST_EXISTS));
  fail_if (g_file_test (record, G_FILE_TEST_EXISTS));

  /* Gone: the next lookup finds nothing, and says nothing. */
  fail_if (seedance_cache_lookup_clip (cache, key, &path, &task_json, &err));
  fail_unless (err == NULL);
  g_free (clip);
  g_free (record);
}

GST_START_TEST (test_damaged_clip_is_removed)
{
  static const gchar clip_data[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *clip = entry (cache, key, ".mp4");
  gchar *record = entry (cache, key, ".json");
  gchar *damaged;

  /* Truncated. */
  store (cache, key, clip_data, sizeof (clip_data) - 1, TASK);
  fail_unless (truncate (clip, 10) == 0);
  check_corrupt (cache, key);

  /* Same size, one byte changed. */
  store (cache, key, clip_data, sizeof (clip_data) - 1, TASK);
  damaged = g_strdup (clip_data);
  damaged[20] ^= 1;
  fail_unless (g_file_set_contents (clip, damaged, -1, NULL));
  check_corrupt (cache, key);
  g_free (damaged);

  /* The clip gone, the record left: what a crash between the two steps of
   * a store leaves. */
  store (cache, key, clip_data, sizeof (clip_data) - 1, TASK);
  g_unlink (clip);
  check_corrupt (cache, key);

  /* The record gone: the clip cannot be trusted. */
  store (cache, key, clip_data, sizeof (clip_data) - 1, TASK);
  g_unlink (record);
  check_corrupt (cache, key);

  /* A record that is not one. */
  store (cache, key, clip_data, sizeof (clip_data) - 1, TASK);
  fail_unless (g_file_set_contents (record, "{\"size\":\"big\"}", -1, NULL));
  check_corrupt (cache, key);

  g_free (clip);
  g_free (record);
  g_free (key);
  seedance_cache_free (cache);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_unusable_directory)
{
  gchar *dir = make_tmpdir ();
  gchar *file = g_build_filename (dir, "a-file", NULL);
  gchar *below = g_build_filename (file, "cache", NULL);
  gchar *deep = g_build_filename (dir, "x", "y", "z", NULL);
  SeedanceCache *cache;
  GError *err = NULL;

  /* The parent is a regular file: even root cannot make a directory in it. */
  fail_unless (g_file_set_contents (file, "x", -1, NULL));
  fail_unless (seedance_cache_open (below, &err) == NULL);
  fail_unless (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_UNUSABLE));
  fail_unless (strstr (err->message, below) != NULL, "%s", err->message);
  g_clear_error (&err);

  /* A regular file where the directory should be. */
  fail_unless (seedance_cache_open (file, &err) == NULL);
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
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

typedef struct
{
  SeedanceCache *cache;
  const gchar *key;
  gint acquired;
} LockWaiter;

static gpointer
wait_for_lock (gpointer user_data)
{
  LockWaiter *w = user_data;
  GError *err = NULL;
  SeedanceCacheLock *lock = seedance_cache_lock (w->cache, w->key, NULL,
      &err);

  fail_unless (lock != NULL, "%s", err ? err->message : "");
  g_atomic_int_set (&w->acquired, 1);
  seedance_cache_unlock (lock);
  return NULL;
}

GST_START_TEST (test_lock_excludes_another_cache)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *a = open_cache (dir);
  SeedanceCache *b = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *other = key_of (ROOT, "{\"other\":true}");
  LockWaiter w = { b, key, 0 };
  SeedanceCacheLock *lock, *lock2;
  GError *err = NULL;
  GThread *thread;

  lock = seedance_cache_lock (a, key, NULL, &err);
  fail_unless (lock != NULL, "%s", err ? err->message : "");

  /* Another key is another lock. */
  lock2 = seedance_cache_lock (b, other, NULL, &err);
  fail_unless (lock2 != NULL, "%s", err ? err->message : "");
  seedance_cache_unlock (lock2);

  thread = g_thread_new ("waiter", wait_for_lock, &w);
  g_usleep (300 * 1000);
  fail_if (g_atomic_int_get (&w.acquired), "the second lock did not wait");
  seedance_cache_unlock (lock);
  g_thread_join (thread);
  fail_unless (g_atomic_int_get (&w.acquired));

  /* And free again afterwards. */
  lock = seedance_cache_lock (a, key, NULL, &err);
  fail_unless (lock != NULL, "%s", err ? err->message : "");
  seedance_cache_unlock (lock);

  g_free (other);
  g_free (key);
  seedance_cache_free (a);
  seedance_cache_free (b);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static gpointer
cancel_later (gpointer user_data)
{
  g_usleep (200 * 1000);
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return NULL;
}

GST_START_TEST (test_lock_wait_is_cancellable)
{
  gchar *dir = make_tmpdir ();
  SeedanceCache *a = open_cache (dir);
  SeedanceCache *b = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  GCancellable *cancellable = g_cancellable_new ();
  SeedanceCacheLock *lock;
  GError *err = NULL;
  GThread *thread;
  gint64 start, ms;

  lock = seedance_cache_lock (a, key, NULL, &err);
  fail_unless (lock != NULL, "%s", err ? err->message : "");

  start = g_get_monotonic_time ();
  thread = g_thread_new ("canceller", cancel_later, cancellable);
  fail_unless (seedance_cache_lock (b, key, cancellable, &err) == NULL);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_thread_join (thread);
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&err);
  fail_unless (ms >= 150 && ms < 1000, "the wait ended after %" G_GINT64_FORMAT
      " ms", ms);

  /* Already cancelled: no wait at all. */
  fail_unless (seedance_cache_lock (b, key, cancellable, &err) == NULL);
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&err);

  /* The lock held all along is still good, and the next one gets it. */
  seedance_cache_unlock (lock);
  g_cancellable_reset (cancellable);
  lock = seedance_cache_lock (b, key, cancellable, &err);
  fail_unless (lock != NULL, "%s", err ? err->message : "");
  seedance_cache_unlock (lock);

  g_object_unref (cancellable);
  g_free (key);
  seedance_cache_free (a);
  seedance_cache_free (b);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static void
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

GST_START_TEST (test_nothing_but_what_was_given)
{
  const gchar *const needles[] = { "Bearer", "Authorization", "api_key",
    "ARK_API_KEY", NULL
  };
  gchar *dir = make_tmpdir ();
  SeedanceCache *cache = open_cache (dir);
  gchar *key = key_of (ROOT, BODY);
  gchar *key2 = key_of (ROOT, "{\"model\":\"m\"}");
  SeedanceCacheLock *lock;

  g_setenv ("ARK_API_KEY", "sk-very-secret", TRUE);
  lock = seedance_cache_lock (cache, key, NULL, NULL);
  fail_unless (lock != NULL);
  fail_unless (seedance_cache_put_task_id (cache, key, "cgt-1", NULL));
  fail_unless (seedance_cache_put_task_id (cache, key2, "cgt-2", NULL));
  store (cache, key, "clip bytes", 10, TASK);
  seedance_cache_unlock (lock);

  check_no_secret (dir, needles);
  {
    const gchar *const secret[] = { "sk-very-secret", NULL };

    check_no_secret (dir, secret);
  }
  g_unsetenv ("ARK_API_KEY");

  g_free (key2);
  g_free (key);
  seedance_cache_free (cache);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static Suite *
cache_suite (void)
{
  Suite *s = suite_create ("cache");
  TCase *tc = tcase_create ("cache");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_key_is_canonical);
  tcase_add_test (tc, test_key_differs);
  tcase_add_test (tc, test_journal);
  tcase_add_test (tc, test_corrupt_journal_is_removed);
  tcase_add_test (tc, test_store_and_lookup);
  tcase_add_test (tc, test_damaged_clip_is_removed);
  tcase_add_test (tc, test_unusable_directory);
  tcase_add_test (tc, test_lock_excludes_another_cache);
  tcase_add_test (tc, test_lock_wait_is_cancellable);
  tcase_add_test (tc, test_nothing_but_what_was_given);
  return s;
}

GST_CHECK_MAIN (cache);
