/* The clip cache and task journal: files under one directory, each written
 * whole under a temporary name and renamed, so that a crash or a second
 * process never sees half of one. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cache.h"
#include "json-guard.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long to wait between two tries at a busy lock. */
#define LOCK_RETRY_MS 20

/* Clips are hashed in reads of this size: they can be hundreds of MB. */
#define HASH_CHUNK (1024 * 1024)

#define KEY_LENGTH 64

G_DEFINE_QUARK (seedance - cache - error - quark, seedance_cache_error);

struct _SeedanceCache
{
  gchar *dir;
};

struct _SeedanceCacheLock
{
  gint fd;
};

/* The root of `data` parsed, or NULL with the reason in `why`. */
static JsonNode *
parse_json (const gchar * data, gsize len, gchar ** why)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) err = NULL;
  JsonNode *root;

  if (data == NULL || len == 0) {
    *why = g_strdup ("it is empty");
    return NULL;
  }
  if (!seedance_json_depth_ok (data, len)) {
    *why = g_strdup ("it is nested too deeply");
    return NULL;
  }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &err)) {
    *why = g_strdup_printf ("it is not JSON: %s", err->message);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL) {
    *why = g_strdup ("it is empty");
    return NULL;
  }
  return json_node_copy (root);
}

static gchar *
node_to_string (JsonNode * node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  json_generator_set_pretty (gen, FALSE);
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (a, b);
}

/* A copy of `node` with every object's members in byte order of their
 * names, at every depth: the generator writes members in insertion order,
 * so this is what makes the text independent of how the body was built. */
static JsonNode *
canonical_copy (JsonNode * node)
{
  JsonNode *copy;

  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:{
      JsonObject *src = json_node_get_object (node);
      JsonObject *dst = json_object_new ();
      GList *names = g_list_sort (json_object_get_members (src),
          compare_names);
      GList *l;

      for (l = names; l; l = l->next)
        json_object_set_member (dst, l->data,
            canonical_copy (json_object_get_member (src, l->data)));
      g_list_free (names);
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, dst);
      return copy;
    }
    case JSON_NODE_ARRAY:{
      JsonArray *src = json_node_get_array (node);
      JsonArray *dst = json_array_sized_new (json_array_get_length (src));
      guint i;

      for (i = 0; i < json_array_get_length (src); i++)
        json_array_add_element (dst,
            canonical_copy (json_array_get_element (src, i)));
      copy = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (copy, dst);
      return copy;
    }
    default:
      return json_node_copy (node);
  }
}

/* "scheme://host:port": only where the request goes counts, not the path,
 * so that every spelling of one service's root gives one key. */
static gchar *
service_origin (const gchar * api_root, GError ** error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *scheme = NULL;
  g_autofree gchar *host = NULL;
  gint port;

  uri = g_uri_parse (api_root ? api_root : "", G_URI_FLAGS_NONE, &err);
  if (uri == NULL || g_uri_get_host (uri) == NULL) {
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "the API root \"%s\" is not a URL with a host%s%s",
        api_root ? api_root : "", err ? ": " : "", err ? err->message : "");
    return NULL;
  }
  /* Scheme and host names are case-insensitive. */
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  port = g_uri_get_port (uri);
  if (port < 0) {
    if (strcmp (scheme, "https") == 0)
      port = 443;
    else if (strcmp (scheme, "http") == 0)
      port = 80;
  }
  if (port < 0)
    return g_strdup_printf ("%s://%s", scheme, host);
  return g_strdup_printf ("%s://%s:%d", scheme, host, port);
}

gchar *
seedance_cache_key (const gchar * api_root, const gchar * body, GError ** error)
{
  g_autofree gchar *origin = NULL;
  g_autofree gchar *why = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonNode) canonical = NULL;
  GChecksum *sum;
  gchar *key;

  root = parse_json (body, body ? strlen (body) : 0, &why);
  if (root == NULL) {
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "the create body cannot be a cache key: %s", why);
    return NULL;
  }
  origin = service_origin (api_root, error);
  if (origin == NULL)
    return NULL;
  canonical = canonical_copy (root);
  text = node_to_string (canonical);

  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) origin, -1);
  g_checksum_update (sum, (const guchar *) "\n", 1);
  g_checksum_update (sum, (const guchar *) text, -1);
  key = g_strdup (g_checksum_get_string (sum));
  g_checksum_free (sum);
  return key;
}

/* A key becomes a file name: anything but 64 lowercase hex digits could
 * reach outside the directory. */
static gboolean
check_key (const gchar * key, GError ** error)
{
  gsize i;

  for (i = 0; key && key[i]; i++)
    if (!g_ascii_isdigit (key[i]) && !(key[i] >= 'a' && key[i] <= 'f'))
      break;
  if (key == NULL || i != KEY_LENGTH || key[i] != '\0') {
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "\"%s\" is not a cache key (64 lowercase hex digits)",
        key ? key : "(null)");
    return FALSE;
  }
  return TRUE;
}

static gchar *
entry_path (SeedanceCache * cache, const gchar * key, const gchar * suffix)
{
  g_autofree gchar *name = g_strconcat (key, suffix, NULL);

  return g_build_filename (cache->dir, name, NULL);
}

/* Removes `path`; a file already gone is no failure. */
static gboolean
remove_file (const gchar * path, GError ** error)
{
  if (g_unlink (path) != 0 && errno != ENOENT) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "cannot remove %s: %s", path, g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

/* Written under a temporary name, flushed and renamed over `path`. */
static gboolean
write_atomically (const gchar * path, const gchar * data, GError ** error)
{
  g_autoptr (GError) err = NULL;

  if (!g_file_set_contents_full (path, data, -1,
          G_FILE_SET_CONTENTS_CONSISTENT, 0644, &err)) {
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot write %s: %s", path, err->message);
    return FALSE;
  }
  return TRUE;
}

/* Best effort: makes a rename in `dir` survive a power cut. */
static void
sync_dir (const gchar * dir)
{
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd >= 0) {
    fsync (fd);
    close (fd);
  }
}

SeedanceCache *
seedance_cache_open (const gchar * dir, GError ** error)
{
  SeedanceCache *cache;
  g_autofree gchar *probe = NULL;
  int fd;

  if (dir == NULL || dir[0] == '\0') {
    g_set_error_literal (error, SEEDANCE_CACHE_ERROR,
        SEEDANCE_CACHE_ERROR_UNUSABLE, "no cache directory given");
    return NULL;
  }
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot create the cache directory %s: %s", dir, g_strerror (saved));
    return NULL;
  }
  /* Creating the directory is not enough: it may be read-only, or full. */
  probe = g_build_filename (dir, ".probe-XXXXXX", NULL);
  fd = g_mkstemp (probe);
  if (fd < 0) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot create a file in the cache directory %s: %s", dir,
        g_strerror (saved));
    return NULL;
  }
  close (fd);
  g_unlink (probe);

  cache = g_new0 (SeedanceCache, 1);
  cache->dir = g_strdup (dir);
  return cache;
}

void
seedance_cache_free (SeedanceCache * cache)
{
  if (cache == NULL)
    return;
  g_free (cache->dir);
  g_free (cache);
}

const gchar *
seedance_cache_get_dir (SeedanceCache * cache)
{
  return cache->dir;
}

SeedanceCacheLock *
seedance_cache_lock (SeedanceCache * cache, const gchar * key,
    GCancellable * cancellable, GError ** error)
{
  g_autofree gchar *path = NULL;
  SeedanceCacheLock *lock;
  GPollFD pfd = { -1, G_IO_IN, 0 };
  gboolean have_pollfd = FALSE;
  int fd;

  if (!check_key (key, error))
    return NULL;
  path = entry_path (cache, key, ".lock");
  fd = g_open (path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot open the lock %s: %s", path, g_strerror (saved));
    return NULL;
  }

  /* flock() itself cannot be interrupted by a cancellable, so the wait is
   * a series of non-blocking tries; between them the cancellable's fd
   * wakes the wait up at once. */
  if (cancellable)
    have_pollfd = g_cancellable_make_pollfd (cancellable, &pfd);
  for (;;) {
    if (g_cancellable_set_error_if_cancelled (cancellable, error))
      goto failed;
    if (flock (fd, LOCK_EX | LOCK_NB) == 0)
      break;
    if (errno == EINTR)
      continue;
    if (errno != EWOULDBLOCK) {
      int saved = errno;

      g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
          "cannot lock %s: %s", path, g_strerror (saved));
      goto failed;
    }
    if (have_pollfd)
      g_poll (&pfd, 1, LOCK_RETRY_MS);
    else
      g_usleep (LOCK_RETRY_MS * 1000);
  }
  if (have_pollfd)
    g_cancellable_release_fd (cancellable);

  lock = g_new0 (SeedanceCacheLock, 1);
  lock->fd = fd;
  return lock;

failed:
  if (have_pollfd)
    g_cancellable_release_fd (cancellable);
  close (fd);
  return NULL;
}

void
seedance_cache_unlock (SeedanceCacheLock * lock)
{
  if (lock == NULL)
    return;
  /* Closing the only descriptor of the open file releases the lock.  The
   * file stays: removing it would let a waiter that already opened it lock
   * a file that a newcomer no longer sees. */
  close (lock->fd);
  g_free (lock);
}

/* The journal. */

gchar *
seedance_cache_get_task_id (SeedanceCache * cache, const gchar * key,
    GError ** error)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *data = NULL;
  g_autofree gchar *why = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (JsonNode) root = NULL;
  gsize len;

  if (!check_key (key, error))
    return NULL;
  path = entry_path (cache, key, ".task");
  if (!g_file_get_contents (path, &data, &len, &err)) {
    if (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return NULL;
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "cannot read the task journal: %s", err->message);
    return NULL;
  }

  root = parse_json (data, len, &why);
  if (root != NULL) {
    JsonObject *obj = JSON_NODE_HOLDS_OBJECT (root) ?
        json_node_get_object (root) : NULL;
    JsonNode *id = obj ? json_object_get_member (obj, "task_id") : NULL;

    if (id && JSON_NODE_HOLDS_VALUE (id) &&
        json_node_get_value_type (id) == G_TYPE_STRING &&
        json_node_get_string (id)[0] != '\0')
      return g_strdup (json_node_get_string (id));
    why = g_strdup ("it has no task_id");
  }

  /* Left in place it would fail every run the same way; gone, the next
   * run creates a new task, which is the caller's decision to make. */
  remove_file (path, NULL);
  g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_CORRUPT,
      "the task journal %s was unreadable and has been removed: %s", path, why);
  return NULL;
}

gboolean
seedance_cache_put_task_id (SeedanceCache * cache, const gchar * key,
    const gchar * task_id, GError ** error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *text = NULL;

  if (!check_key (key, error))
    return FALSE;
  if (task_id == NULL || task_id[0] == '\0') {
    g_set_error_literal (error, SEEDANCE_CACHE_ERROR,
        SEEDANCE_CACHE_ERROR_FAILED, "no task id to journal");
    return FALSE;
  }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "task_id");
  json_builder_add_string_value (builder, task_id);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_int_value (builder, g_get_real_time () / G_USEC_PER_SEC);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = node_to_string (root);

  path = entry_path (cache, key, ".task");
  return write_atomically (path, text, error);
}

gboolean
seedance_cache_drop_task_id (SeedanceCache * cache, const gchar * key,
    GError ** error)
{
  g_autofree gchar *path = NULL;

  if (!check_key (key, error))
    return FALSE;
  path = entry_path (cache, key, ".task");
  return remove_file (path, error);
}

/* The clip. */

/* Size and SHA-256 of the file at `path`, read in chunks; it is flushed to
 * disk on the way, since it is about to be renamed into the cache.
 * FALSE with errno set when it cannot be read. */
static gboolean
hash_file (const gchar * path, guint64 * size, gchar ** sha256)
{
  GChecksum *sum;
  guchar *buf;
  guint64 total = 0;
  gboolean ok = TRUE;
  int saved = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;

  sum = g_checksum_new (G_CHECKSUM_SHA256);
  buf = g_malloc (HASH_CHUNK);
  for (;;) {
    ssize_t n = read (fd, buf, HASH_CHUNK);

    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      saved = errno;
      ok = FALSE;
      break;
    }
    g_checksum_update (sum, buf, n);
    total += n;
  }
  if (ok)
    fsync (fd);
  close (fd);
  g_free (buf);

  if (ok) {
    *size = total;
    *sha256 = g_strdup (g_checksum_get_string (sum));
  }
  g_checksum_free (sum);
  errno = saved;
  return ok;
}

/* An entry that does not check out goes whole, so the next lookup sees no
 * entry instead of the same fault. */
/* *INDENT-OFF* */
static gboolean corrupt (GError ** error, const gchar * clip,
    const gchar * record, const gchar * format, ...) G_GNUC_PRINTF (4, 5);
/* *INDENT-ON* */

static gboolean
corrupt (GError ** error, const gchar * clip, const gchar * record,
    const gchar * format, ...)
{
  g_autofree gchar *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);

  remove_file (record, NULL);
  remove_file (clip, NULL);
  g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_CORRUPT,
      "the cached clip %s did not check out and has been removed: %s", clip,
      why);
  return FALSE;
}

gboolean
seedance_cache_lookup_clip (SeedanceCache * cache, const gchar * key,
    gchar ** path, gchar ** task_json, GError ** error)
{
  g_autofree gchar *clip = NULL;
  g_autofree gchar *record = NULL;
  g_autofree gchar *data = NULL;
  g_autofree gchar *why = NULL;
  g_autofree gchar *sha256 = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (JsonNode) root = NULL;
  GStatBuf st;
  JsonObject *obj;
  JsonNode *size_node, *sha_node, *task;
  gboolean have_clip;
  guint64 size;
  gsize len;

  if (path)
    *path = NULL;
  if (task_json)
    *task_json = NULL;
  if (!check_key (key, error))
    return FALSE;
  clip = entry_path (cache, key, ".mp4");
  record = entry_path (cache, key, ".json");

  have_clip = g_stat (clip, &st) == 0;
  if (!have_clip && errno != ENOENT) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "cannot look at %s: %s", clip, g_strerror (saved));
    return FALSE;
  }
  if (!g_file_get_contents (record, &data, &len, &err)) {
    if (!g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
          "cannot read the clip record: %s", err->message);
      return FALSE;
    }
    if (!have_clip)
      return FALSE;
    /* A clip without its record cannot be verified. */
    return corrupt (error, clip, record, "its record %s is missing", record);
  }
  /* The record is written before the clip is renamed into place: a record
   * alone is what a crash between the two leaves. */
  if (!have_clip)
    return corrupt (error, clip, record, "it is missing");

  root = parse_json (data, len, &why);
  if (root == NULL)
    return corrupt (error, clip, record, "its record %s: %s", record, why);
  obj = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  size_node = obj ? json_object_get_member (obj, "size") : NULL;
  sha_node = obj ? json_object_get_member (obj, "sha256") : NULL;
  if (size_node == NULL || !JSON_NODE_HOLDS_VALUE (size_node) ||
      json_node_get_value_type (size_node) != G_TYPE_INT64 ||
      json_node_get_int (size_node) < 0 ||
      sha_node == NULL || !JSON_NODE_HOLDS_VALUE (sha_node) ||
      json_node_get_value_type (sha_node) != G_TYPE_STRING)
    return corrupt (error, clip, record, "its record %s has no size or "
        "sha256", record);

  if ((guint64) st.st_size != (guint64) json_node_get_int (size_node))
    return corrupt (error, clip, record, "%" G_GUINT64_FORMAT " bytes, "
        "not the %" G_GINT64_FORMAT " recorded", (guint64) st.st_size,
        json_node_get_int (size_node));
  if (!hash_file (clip, &size, &sha256)) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "cannot read %s: %s", clip, g_strerror (saved));
    return FALSE;
  }
  if (size != (guint64) json_node_get_int (size_node) ||
      g_ascii_strcasecmp (sha256, json_node_get_string (sha_node)) != 0)
    return corrupt (error, clip, record, "its SHA-256 is not the one "
        "recorded");

  task = json_object_get_member (obj, "task");
  if (task_json && task && !JSON_NODE_HOLDS_NULL (task)) {
    /* A task that was not a JSON object or array was kept as its text. */
    if (JSON_NODE_HOLDS_VALUE (task) &&
        json_node_get_value_type (task) == G_TYPE_STRING)
      *task_json = g_strdup (json_node_get_string (task));
    else
      *task_json = node_to_string (task);
  }
  if (path)
    *path = g_steal_pointer (&clip);
  return TRUE;
}

gint
seedance_cache_create_temp (SeedanceCache * cache, gchar ** path,
    GError ** error)
{
  g_autofree gchar *tmpl = NULL;
  int fd;

  /* In the directory itself, so that the final rename stays on one file
   * system and is atomic. */
  tmpl = g_build_filename (cache->dir, ".clip-XXXXXX.part", NULL);
  fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot create a file in the cache directory %s: %s", cache->dir,
        g_strerror (saved));
    return -1;
  }
  if (path)
    *path = g_steal_pointer (&tmpl);
  return fd;
}

gboolean
seedance_cache_store_clip (SeedanceCache * cache, const gchar * key,
    const gchar * temp_path, const gchar * task_id, const gchar * task_json,
    GError ** error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonNode) task = NULL;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *why = NULL;
  g_autofree gchar *sha256 = NULL;
  g_autofree gchar *clip = NULL;
  g_autofree gchar *record = NULL;
  g_autofree gchar *text = NULL;
  guint64 size;

  if (!check_key (key, error))
    return FALSE;
  if (!hash_file (temp_path, &size, &sha256)) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "cannot read the downloaded clip %s: %s", temp_path,
        g_strerror (saved));
    return FALSE;
  }

  if (task_json)
    task = parse_json (task_json, strlen (task_json), &why);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) size);
  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, sha256);
  json_builder_set_member_name (builder, "task_id");
  if (task_id)
    json_builder_add_string_value (builder, task_id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "task");
  /* Kept as an object where it is one; otherwise as the text it was, so
   * that lookup gives back exactly what was given. */
  if (task && (JSON_NODE_HOLDS_OBJECT (task) || JSON_NODE_HOLDS_ARRAY (task)))
    json_builder_add_value (builder, g_steal_pointer (&task));
  else if (task_json)
    json_builder_add_string_value (builder, task_json);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = node_to_string (root);

  clip = entry_path (cache, key, ".mp4");
  record = entry_path (cache, key, ".json");
  /* Record first, clip second: a crash in between leaves a record without
   * its clip (or beside an older one), which lookup rejects; never a clip
   * that passes for whole. */
  if (!write_atomically (record, text, error))
    return FALSE;
  if (g_rename (temp_path, clip) != 0) {
    int saved = errno;

    remove_file (record, NULL);
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot move %s to %s: %s", temp_path, clip, g_strerror (saved));
    return FALSE;
  }
  sync_dir (cache->dir);

  /* The clip is what counts now; a journal left behind only points at a
   * task whose clip is already here. */
  if (!seedance_cache_drop_task_id (cache, key, &err))
    g_debug ("%s", err->message);
  return TRUE;
}
