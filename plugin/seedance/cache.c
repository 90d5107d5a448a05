/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * The clip cache and task journal: files under one directory, each written
 * whole under a temporary name and renamed, so that a crash or a second
 * process never sees half of one.
 *
 * Locks: one flock per key, on KEY.lock, and nothing else; no lock in
 * memory, so that SeedanceCache objects in threads and in processes
 * cooperate alike (a flock belongs to the open file description, so two
 * opens in one process exclude each other).  Readers of a clip hold it
 * shared; whoever creates, resumes, stores or removes an entry holds it
 * exclusive.  Eviction takes other keys' locks only with LOCK_NB, so it
 * never waits and never deadlocks with a claimant.
 */
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
#include <time.h>
#include <unistd.h>

/* How long to wait between two tries at a busy lock. */
#define LOCK_RETRY_MS 20

/* Clips are hashed in reads of this size: they can be hundreds of MB. */
#define HASH_CHUNK (1024 * 1024)

#define KEY_LENGTH 64

/* A spool file this old was left by a download that crashed. */
#define STALE_SPOOL_S (24 * 3600)

/* The default directory's name under the user's cache directory. */
#define DEFAULT_DIR_NAME "gst-seedance"
#define CACHE_DIR_ENV "SEEDANCE_CACHE_DIR"

/* Per user: nobody else reads what a user paid for or asked for. */
#define DIR_MODE 0700
#define FILE_MODE 0600

/* *INDENT-OFF* */
G_DEFINE_QUARK (seedance-cache-error-quark, seedance_cache_error)
/* *INDENT-ON* */

struct _SeedanceCache
{
  gchar *dir;
  guint64 max_size;
};

struct _SeedanceCacheClaim
{
  /* Copies, so that the claim does not depend on the cache object. */
  gchar *dir;
  guint64 max_size;
  gchar *key;
  gchar *lock_path;
  gchar *clip_target;
  gchar *record_path;
  gchar *journal_path;
  /* KEY.lock: LOCK_SH when HIT, LOCK_EX otherwise. */
  gint fd;
  SeedanceCacheClaimKind kind;
  gchar *task_id;
  gchar *task_json;
  gint64 created_at;
  GError *warning;
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
is_key (const gchar * key, gsize len)
{
  gsize i;

  if (key == NULL || len != KEY_LENGTH)
    return FALSE;
  for (i = 0; i < len; i++)
    if (!g_ascii_isdigit (key[i]) && !(key[i] >= 'a' && key[i] <= 'f'))
      return FALSE;
  return TRUE;
}

static gboolean
check_key (const gchar * key, GError ** error)
{
  if (!is_key (key, key ? strlen (key) : 0)) {
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "\"%s\" is not a cache key (64 lowercase hex digits)",
        key ? key : "(null)");
    return FALSE;
  }
  return TRUE;
}

static gchar *
entry_path (const gchar * dir, const gchar * key, const gchar * suffix)
{
  g_autofree gchar *name = g_strconcat (key, suffix, NULL);

  return g_build_filename (dir, name, NULL);
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
          G_FILE_SET_CONTENTS_CONSISTENT, FILE_MODE, &err)) {
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

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* A use of a clip: its record's modification time, set from the clock
 * rather than by the kernel, whose file times are only as fine as its
 * tick: two uses in one tick would otherwise tie. */
static void
touch_use (const gchar * record)
{
  struct timespec times[2];

  clock_gettime (CLOCK_REALTIME, &times[0]);
  times[1] = times[0];
  if (utimensat (AT_FDCWD, record, times, 0) != 0)
    g_debug ("cannot mark %s as used: %s", record, g_strerror (errno));
}

/* Which file is at a path, and which version of it. */
typedef struct
{
  gboolean exists;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} FileId;

static void
file_id_from_stat (FileId * id, const struct stat *st)
{
  memset (id, 0, sizeof (*id));
  id->exists = TRUE;
  id->dev = st->st_dev;
  id->ino = st->st_ino;
  id->size = st->st_size;
  id->mtime = st->st_mtim;
}

static void
file_id_get (FileId * id, const gchar * path)
{
  struct stat st;

  if (stat (path, &st) == 0)
    file_id_from_stat (id, &st);
  else
    memset (id, 0, sizeof (*id));
}

static gboolean
file_id_equal (const FileId * a, const FileId * b)
{
  if (a->exists != b->exists)
    return FALSE;
  return !a->exists || (a->dev == b->dev && a->ino == b->ino &&
      a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
      a->mtime.tv_nsec == b->mtime.tv_nsec);
}

/* The locks. */

static gint
open_lock (const gchar * path, GError ** error)
{
  int fd = g_open (path, O_CREAT | O_RDWR | O_CLOEXEC, FILE_MODE);

  if (fd < 0) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot open the lock %s: %s", path, g_strerror (saved));
  }
  return fd;
}

typedef enum
{
  WAIT_LOCKED,
  WAIT_CHANGED,
  WAIT_FAILED,
} WaitResult;

/* Waits for `op` (LOCK_SH or LOCK_EX) on `fd`.  flock() itself cannot be
 * interrupted by a cancellable, so the wait is a series of non-blocking
 * tries; between them the cancellable's fd wakes the wait up at once.
 * With `watch`, the wait also ends (WAIT_CHANGED) as soon as the file at
 * `watch_path` is no longer the one `watch` describes. */
static WaitResult
wait_lock (gint fd, gint op, const gchar * lock_path,
    const gchar * watch_path, const FileId * watch,
    GCancellable * cancellable, GError ** error)
{
  GPollFD pfd = { -1, G_IO_IN, 0 };
  gboolean have_pollfd = FALSE;
  WaitResult result;

  if (cancellable)
    have_pollfd = g_cancellable_make_pollfd (cancellable, &pfd);
  for (;;) {
    if (g_cancellable_set_error_if_cancelled (cancellable, error)) {
      result = WAIT_FAILED;
      break;
    }
    if (flock (fd, op | LOCK_NB) == 0) {
      result = WAIT_LOCKED;
      break;
    }
    if (errno == EINTR)
      continue;
    if (errno != EWOULDBLOCK) {
      int saved = errno;

      g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
          "cannot lock %s: %s", lock_path, g_strerror (saved));
      result = WAIT_FAILED;
      break;
    }
    if (watch) {
      FileId now;

      file_id_get (&now, watch_path);
      if (!file_id_equal (&now, watch)) {
        result = WAIT_CHANGED;
        break;
      }
    }
    if (have_pollfd)
      g_poll (&pfd, 1, LOCK_RETRY_MS);
    else
      g_usleep (LOCK_RETRY_MS * 1000);
  }
  if (have_pollfd)
    g_cancellable_release_fd (cancellable);
  return result;
}

/* Reading entries. */

typedef enum
{
  FOUND_NONE,                   /* no such entry */
  FOUND_GOOD,                   /* it checks out */
  FOUND_BAD,                    /* it does not: the reason in `why` */
  FOUND_ERROR,                  /* it could not be read: the error */
} Found;

/* *INDENT-OFF* */
static Found bad (gchar ** why, const gchar * format, ...) G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

static Found
bad (gchar ** why, const gchar * format, ...)
{
  va_list args;

  va_start (args, format);
  *why = g_strdup_vprintf (format, args);
  va_end (args);
  return FOUND_BAD;
}

static Found
read_journal (const gchar * path, gchar ** task_id, gint64 * created_at,
    gchar ** why, GError ** error)
{
  g_autofree gchar *data = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *scratch = NULL;
  JsonObject *obj;
  JsonNode *id, *at;
  gsize len;

  if (why == NULL)
    why = &scratch;
  if (!g_file_get_contents (path, &data, &len, &err)) {
    if (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return FOUND_NONE;
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "cannot read the task journal: %s", err->message);
    return FOUND_ERROR;
  }

  root = parse_json (data, len, why);
  if (root == NULL)
    return FOUND_BAD;
  obj = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  id = obj ? json_object_get_member (obj, "task_id") : NULL;
  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id) ||
      json_node_get_value_type (id) != G_TYPE_STRING ||
      json_node_get_string (id)[0] == '\0')
    return bad (why, "it has no task_id");

  if (task_id)
    *task_id = g_strdup (json_node_get_string (id));
  if (created_at) {
    at = json_object_get_member (obj, "created_at");
    *created_at = at && JSON_NODE_HOLDS_VALUE (at) &&
        json_node_get_value_type (at) == G_TYPE_INT64 ?
        json_node_get_int (at) : 0;
  }
  return FOUND_GOOD;
}

static gboolean
write_journal (const gchar * path, const gchar * task_id, gint64 created_at,
    GError ** error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *text = NULL;

  if (task_id == NULL || task_id[0] == '\0') {
    g_set_error_literal (error, SEEDANCE_CACHE_ERROR,
        SEEDANCE_CACHE_ERROR_FAILED, "no task id to journal");
    return FALSE;
  }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "task_id");
  json_builder_add_string_value (builder, task_id);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_int_value (builder, created_at);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = node_to_string (root);
  return write_atomically (path, text, error);
}

/* Size and SHA-256 of the file at `path`, read in chunks.  FALSE with
 * errno set when it cannot be read. */
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

/* What a good entry's record says. */
typedef struct
{
  gchar *task_id;
  gchar *task_json;
  gint64 created_at;
  FileId clip;
} EntryInfo;

static void
entry_info_clear (EntryInfo * info)
{
  g_clear_pointer (&info->task_id, g_free);
  g_clear_pointer (&info->task_json, g_free);
  memset (info, 0, sizeof (*info));
}

static const gchar *
string_member (JsonObject * obj, const gchar * name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

/* Checks KEY.mp4 against KEY.json (size and SHA-256) and, when it checks
 * out, fills `info` (may be NULL); `why` may be NULL too.  Removes nothing:
 * that is the caller's decision, under the right lock. */
static Found
check_entry (const gchar * dir, const gchar * key, EntryInfo * info,
    gchar ** why, GError ** error)
{
  g_autofree gchar *clip = entry_path (dir, key, ".mp4");
  g_autofree gchar *record = entry_path (dir, key, ".json");
  g_autofree gchar *data = NULL;
  g_autofree gchar *sha256 = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (JsonNode) root = NULL;
  struct stat st;
  JsonObject *obj;
  JsonNode *size_node, *sha_node, *task, *at;
  g_autofree gchar *scratch = NULL;
  gboolean have_clip;
  guint64 size;
  gsize len;

  if (why == NULL)
    why = &scratch;
  have_clip = stat (clip, &st) == 0;
  if (!have_clip && errno != ENOENT) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "cannot look at %s: %s", clip, g_strerror (saved));
    return FOUND_ERROR;
  }
  if (!g_file_get_contents (record, &data, &len, &err)) {
    if (!g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
          "cannot read the clip record: %s", err->message);
      return FOUND_ERROR;
    }
    if (!have_clip)
      return FOUND_NONE;
    /* A clip without its record cannot be verified. */
    return bad (why, "its record %s is missing", record);
  }
  /* The record is written before the clip is renamed into place: a record
   * alone is what a crash between the two leaves. */
  if (!have_clip)
    return bad (why, "it is missing");
  if (!S_ISREG (st.st_mode))
    return bad (why, "it is not a regular file");

  root = parse_json (data, len, why);
  if (root == NULL) {
    g_autofree gchar *reason = g_steal_pointer (why);

    return bad (why, "its record %s: %s", record, reason);
  }
  obj = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  size_node = obj ? json_object_get_member (obj, "size") : NULL;
  sha_node = obj ? json_object_get_member (obj, "sha256") : NULL;
  if (size_node == NULL || !JSON_NODE_HOLDS_VALUE (size_node) ||
      json_node_get_value_type (size_node) != G_TYPE_INT64 ||
      json_node_get_int (size_node) < 0 ||
      sha_node == NULL || !JSON_NODE_HOLDS_VALUE (sha_node) ||
      json_node_get_value_type (sha_node) != G_TYPE_STRING)
    return bad (why, "its record %s has no size or sha256", record);

  if ((guint64) st.st_size != (guint64) json_node_get_int (size_node))
    return bad (why, "%" G_GUINT64_FORMAT " bytes, not the %" G_GINT64_FORMAT
        " recorded", (guint64) st.st_size, json_node_get_int (size_node));
  if (!hash_file (clip, &size, &sha256)) {
    int saved = errno;

    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "cannot read %s: %s", clip, g_strerror (saved));
    return FOUND_ERROR;
  }
  if (size != (guint64) json_node_get_int (size_node) ||
      g_ascii_strcasecmp (sha256, json_node_get_string (sha_node)) != 0)
    return bad (why, "its SHA-256 is not the one recorded");

  if (info == NULL)
    return FOUND_GOOD;
  memset (info, 0, sizeof (*info));
  info->task_id = g_strdup (string_member (obj, "task_id"));
  task = json_object_get_member (obj, "task");
  if (task && !JSON_NODE_HOLDS_NULL (task)) {
    /* A task that was not a JSON object or array was kept as its text. */
    if (JSON_NODE_HOLDS_VALUE (task) &&
        json_node_get_value_type (task) == G_TYPE_STRING)
      info->task_json = g_strdup (json_node_get_string (task));
    else
      info->task_json = node_to_string (task);
  }
  /* Records of the first format have no created_at: the clip was written
   * when it was downloaded. */
  at = json_object_get_member (obj, "created_at");
  if (at && JSON_NODE_HOLDS_VALUE (at) &&
      json_node_get_value_type (at) == G_TYPE_INT64)
    info->created_at = json_node_get_int (at);
  else
    info->created_at = st.st_mtim.tv_sec;
  file_id_from_stat (&info->clip, &st);
  return FOUND_GOOD;
}

/* An entry that does not check out goes whole, so that the next look sees
 * no entry instead of the same fault.  Record first: a clip without its
 * record is never taken for good. */
static void
remove_entry (const gchar * dir, const gchar * key)
{
  g_autofree gchar *clip = entry_path (dir, key, ".mp4");
  g_autofree gchar *record = entry_path (dir, key, ".json");

  remove_file (record, NULL);
  remove_file (clip, NULL);
}

/* The record of a clip. */
static gchar *
build_record (guint64 size, const gchar * sha256, const gchar * task_id,
    const gchar * task_json, gint64 created_at)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonNode) task = NULL;
  g_autofree gchar *why = NULL;

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
   * that a hit gives back exactly what was given. */
  if (task && (JSON_NODE_HOLDS_OBJECT (task) || JSON_NODE_HOLDS_ARRAY (task)))
    json_builder_add_value (builder, g_steal_pointer (&task));
  else if (task_json)
    json_builder_add_string_value (builder, task_json);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_int_value (builder, created_at);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return node_to_string (root);
}

/* The cache. */

gchar *
seedance_cache_default_dir (void)
{
  const gchar *env = g_getenv (CACHE_DIR_ENV);

  if (env && env[0] != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_cache_dir (), DEFAULT_DIR_NAME, NULL);
}

SeedanceCache *
seedance_cache_open (const gchar * dir, guint64 max_size, GError ** error)
{
  SeedanceCache *cache;
  g_autofree gchar *probe = NULL;
  int fd, saved = 0;

  if (dir == NULL || dir[0] == '\0') {
    g_set_error_literal (error, SEEDANCE_CACHE_ERROR,
        SEEDANCE_CACHE_ERROR_UNUSABLE, "no cache directory given");
    return NULL;
  }
  if (g_mkdir_with_parents (dir, DIR_MODE) != 0) {
    saved = errno;
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot create the cache directory %s: %s", dir, g_strerror (saved));
    return NULL;
  }
  /* Creating the directory is not enough: it may be read-only, or full,
   * so one byte is written too. */
  probe = g_build_filename (dir, ".probe-XXXXXX", NULL);
  fd = g_mkstemp_full (probe, O_RDWR | O_CLOEXEC, FILE_MODE);
  if (fd < 0) {
    saved = errno;
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot create a file in the cache directory %s: %s", dir,
        g_strerror (saved));
    return NULL;
  }
  while (write (fd, "", 1) != 1) {
    if (errno == EINTR)
      continue;
    saved = errno;
    break;
  }
  close (fd);
  g_unlink (probe);
  if (saved != 0) {
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot write in the cache directory %s: %s", dir, g_strerror (saved));
    return NULL;
  }

  cache = g_new0 (SeedanceCache, 1);
  cache->dir = g_strdup (dir);
  cache->max_size = max_size;
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

guint64
seedance_cache_get_max_size (SeedanceCache * cache)
{
  return cache->max_size;
}

/* The claim. */

/* *INDENT-OFF* */
static void add_warning (SeedanceCacheClaim * claim, const gchar * format,
    ...) G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

/* One warning tells everything that was removed. */
static void
add_warning (SeedanceCacheClaim * claim, const gchar * format, ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (claim->warning == NULL) {
    claim->warning = g_error_new_literal (SEEDANCE_CACHE_ERROR,
        SEEDANCE_CACHE_ERROR_CORRUPT, text);
  } else {
    gchar *both = g_strconcat (claim->warning->message, "; ", text, NULL);

    g_free (claim->warning->message);
    claim->warning->message = both;
  }
}

static void
become_hit (SeedanceCacheClaim * claim, EntryInfo * info)
{
  claim->kind = SEEDANCE_CACHE_HIT;
  g_free (claim->task_id);
  claim->task_id = g_steal_pointer (&info->task_id);
  g_free (claim->task_json);
  claim->task_json = g_steal_pointer (&info->task_json);
  claim->created_at = info->created_at;
}

/* Under the exclusive lock: what the journal says.  A journal that cannot
 * be read as one is removed: left in place it would fail every run the
 * same way. */
static void
read_claim_journal (SeedanceCacheClaim * claim)
{
  g_autofree gchar *why = NULL;
  g_autoptr (GError) err = NULL;
  gchar *task_id = NULL;
  gint64 created_at = 0;
  Found found;

  found = read_journal (claim->journal_path, &task_id, &created_at, &why, &err);
  switch (found) {
    case FOUND_GOOD:
      claim->kind = SEEDANCE_CACHE_JOURNALLED;
      claim->task_id = task_id;
      claim->created_at = created_at;
      return;
    case FOUND_BAD:
    case FOUND_ERROR:
      remove_file (claim->journal_path, NULL);
      add_warning (claim, "the task journal %s was unreadable and has been "
          "removed: %s", claim->journal_path, why ? why : err->message);
      break;
    case FOUND_NONE:
      break;
  }
  claim->kind = SEEDANCE_CACHE_MISS;
}

SeedanceCacheClaim *
seedance_cache_claim (SeedanceCache * cache, const gchar * key,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (SeedanceCacheClaim) claim = NULL;

  g_return_val_if_fail (cache != NULL, NULL);
  if (!check_key (key, error))
    return NULL;

  claim = g_new0 (SeedanceCacheClaim, 1);
  claim->dir = g_strdup (cache->dir);
  claim->max_size = cache->max_size;
  claim->key = g_strdup (key);
  claim->lock_path = entry_path (cache->dir, key, ".lock");
  claim->clip_target = entry_path (cache->dir, key, ".mp4");
  claim->record_path = entry_path (cache->dir, key, ".json");
  claim->journal_path = entry_path (cache->dir, key, ".task");
  claim->kind = SEEDANCE_CACHE_MISS;
  /* The lock file stays when the entry goes: removing it would let a
   * waiter that already opened it lock a file that a newcomer no longer
   * sees. */
  claim->fd = open_lock (claim->lock_path, error);
  if (claim->fd < 0)
    return NULL;

  for (;;) {
    EntryInfo info = { 0, };
    g_autofree gchar *why = NULL;
    g_autoptr (GError) err = NULL;
    FileId seen;
    Found found;
    WaitResult waited;

    /* A reader first: a stored clip needs no more, and readers do not
     * wait for each other. */
    if (wait_lock (claim->fd, LOCK_SH, claim->lock_path, NULL, NULL,
            cancellable, error) != WAIT_LOCKED)
      return NULL;
    if (check_entry (claim->dir, key, &info, NULL, NULL) == FOUND_GOOD) {
      become_hit (claim, &info);
      touch_use (claim->record_path);
      return g_steal_pointer (&claim);
    }
    entry_info_clear (&info);

    /* No clip: the exclusive lock, to create or resume the task alone.
     * The record seen here tells, while waiting, whether a clip has been
     * stored meanwhile: then the wait starts over as a reader, instead of
     * waiting for the storer to be done with its copy. */
    file_id_get (&seen, claim->record_path);
    flock (claim->fd, LOCK_UN);
    waited = wait_lock (claim->fd, LOCK_EX, claim->lock_path,
        claim->record_path, &seen, cancellable, error);
    if (waited == WAIT_FAILED)
      return NULL;
    if (waited == WAIT_CHANGED)
      continue;

    /* Another claimant may have stored the clip between the two locks. */
    found = check_entry (claim->dir, key, &info, &why, &err);
    if (found == FOUND_GOOD) {
      touch_use (claim->record_path);
      /* Back to a reader.  The clip is checked to be the same file after
       * it, in case the kernel let an evictor in between. */
      if (flock (claim->fd, LOCK_SH | LOCK_NB) == 0) {
        FileId now;

        file_id_get (&now, claim->clip_target);
        if (file_id_equal (&now, &info.clip)) {
          become_hit (claim, &info);
          return g_steal_pointer (&claim);
        }
      }
      entry_info_clear (&info);
      flock (claim->fd, LOCK_UN);
      continue;
    }
    if (found == FOUND_BAD || found == FOUND_ERROR) {
      remove_entry (claim->dir, key);
      add_warning (claim, "the cached clip %s did not check out and has been "
          "removed: %s", claim->clip_target, why ? why : err->message);
    }
    read_claim_journal (claim);
    return g_steal_pointer (&claim);
  }
}

SeedanceCacheClaimKind
seedance_cache_claim_get_kind (SeedanceCacheClaim * claim)
{
  return claim->kind;
}

const gchar *
seedance_cache_claim_get_key (SeedanceCacheClaim * claim)
{
  return claim->key;
}

const gchar *
seedance_cache_claim_get_task_id (SeedanceCacheClaim * claim)
{
  return claim->kind == SEEDANCE_CACHE_MISS ? NULL : claim->task_id;
}

const gchar *
seedance_cache_claim_get_clip_path (SeedanceCacheClaim * claim)
{
  return claim->kind == SEEDANCE_CACHE_HIT ? claim->clip_target : NULL;
}

const gchar *
seedance_cache_claim_get_task_json (SeedanceCacheClaim * claim)
{
  return claim->kind == SEEDANCE_CACHE_HIT ? claim->task_json : NULL;
}

gint64
seedance_cache_claim_get_created_at (SeedanceCacheClaim * claim)
{
  return claim->kind == SEEDANCE_CACHE_MISS ? 0 : claim->created_at;
}

const GError *
seedance_cache_claim_get_warning (SeedanceCacheClaim * claim)
{
  return claim->warning;
}

gboolean
seedance_cache_claim_journal (SeedanceCacheClaim * claim,
    const gchar * task_id, GError ** error)
{
  gint64 created_at = now_s ();

  if (claim->kind != SEEDANCE_CACHE_MISS) {
    g_set_error_literal (error, SEEDANCE_CACHE_ERROR,
        SEEDANCE_CACHE_ERROR_FAILED, "only a miss journals a new task");
    return FALSE;
  }
  if (!write_journal (claim->journal_path, task_id, created_at, error))
    return FALSE;
  claim->kind = SEEDANCE_CACHE_JOURNALLED;
  g_free (claim->task_id);
  claim->task_id = g_strdup (task_id);
  claim->created_at = created_at;
  return TRUE;
}

void
seedance_cache_claim_forget_task (SeedanceCacheClaim * claim)
{
  g_autofree gchar *current = NULL;

  if (claim->kind != SEEDANCE_CACHE_JOURNALLED)
    return;
  /* Only the task this claim was given: dropping another one would have
   * someone pay a second time. */
  if (read_journal (claim->journal_path, &current, NULL, NULL, NULL) ==
      FOUND_GOOD && g_strcmp0 (current, claim->task_id) == 0)
    remove_file (claim->journal_path, NULL);
  claim->kind = SEEDANCE_CACHE_MISS;
  g_clear_pointer (&claim->task_id, g_free);
  claim->created_at = 0;
}

SeedanceSpool *
seedance_cache_claim_new_spool (SeedanceCacheClaim * claim, GError ** error)
{
  g_autofree gchar *base = g_path_get_basename (claim->clip_target);
  g_autofree gchar *prefix = g_strconcat (".", base, ".", NULL);
  GDir *dir = g_dir_open (claim->dir, 0, NULL);
  const gchar *name;

  /* Another element may be downloading the same task into a spool of its
   * own (the key is not held during downloads), so only a spool untouched
   * for a day goes: what a crashed download left. */
  while (dir && (name = g_dir_read_name (dir))) {
    if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, ".part")) {
      g_autofree gchar *path = g_build_filename (claim->dir, name, NULL);
      GStatBuf st;

      if (g_stat (path, &st) == 0 && st.st_mtime < time (NULL) - STALE_SPOOL_S)
        g_unlink (path);
    }
  }
  if (dir)
    g_dir_close (dir);
  return seedance_spool_new (claim->clip_target, FILE_MODE, error);
}

typedef struct
{
  gchar key[KEY_LENGTH + 1];
  guint64 size;
  gint64 used;                  /* ns since the epoch */
} Candidate;

static gint
compare_candidates (gconstpointer a, gconstpointer b)
{
  const Candidate *x = a, *y = b;

  if (x->used != y->used)
    return x->used < y->used ? -1 : 1;
  return strcmp (x->key, y->key);
}

static gint64
timespec_ns (const struct timespec *t)
{
  return (gint64) t->tv_sec * G_GINT64_CONSTANT (1000000000) + t->tv_nsec;
}

/* Removes the least recently used clips (clip and record; never a journal)
 * until the clips fit max_size.  An entry whose lock anyone holds is left
 * alone (a reader, a claimant, a store), and so is this claim's own. */
static void
evict (SeedanceCacheClaim * claim)
{
  g_autoptr (GArray) candidates = NULL;
  guint64 total = 0;
  const gchar *name;
  GDir *dir;
  guint i;

  if (claim->max_size == 0)
    return;
  dir = g_dir_open (claim->dir, 0, NULL);
  if (dir == NULL)
    return;
  candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  while ((name = g_dir_read_name (dir))) {
    g_autofree gchar *clip = NULL;
    g_autofree gchar *record = NULL;
    struct stat st, rst;
    Candidate c;

    if (strlen (name) != KEY_LENGTH + 4 || !g_str_has_suffix (name, ".mp4") ||
        !is_key (name, KEY_LENGTH))
      continue;
    clip = g_build_filename (claim->dir, name, NULL);
    if (stat (clip, &st) != 0 || !S_ISREG (st.st_mode))
      continue;
    total += (guint64) st.st_size;
    if (strncmp (name, claim->key, KEY_LENGTH) == 0)
      continue;
    memset (&c, 0, sizeof (c));
    memcpy (c.key, name, KEY_LENGTH);
    c.size = (guint64) st.st_size;
    record = entry_path (claim->dir, c.key, ".json");
    /* A clip without a record is of no use: it goes first. */
    c.used = stat (record, &rst) == 0 ? timespec_ns (&rst.st_mtim) : 0;
    g_array_append_val (candidates, c);
  }
  g_dir_close (dir);

  g_array_sort (candidates, compare_candidates);
  for (i = 0; i < candidates->len && total > claim->max_size; i++) {
    Candidate *c = &g_array_index (candidates, Candidate, i);
    g_autofree gchar *lock_path = entry_path (claim->dir, c->key, ".lock");
    g_autofree gchar *clip = entry_path (claim->dir, c->key, ".mp4");
    int fd = g_open (lock_path, O_CREAT | O_RDWR | O_CLOEXEC, FILE_MODE);

    if (fd < 0)
      continue;
    if (flock (fd, LOCK_EX | LOCK_NB) != 0) {
      g_debug ("not evicting %s: it is in use", clip);
      close (fd);
      continue;
    }
    if (g_file_test (clip, G_FILE_TEST_EXISTS)) {
      /* The clip first: it is what takes the room, and a record left
       * alone by a crash is removed as corrupt by the next claim. */
      if (remove_file (clip, NULL)) {
        g_autofree gchar *record = entry_path (claim->dir, c->key, ".json");

        remove_file (record, NULL);
        g_debug ("evicted %s (%" G_GUINT64_FORMAT " bytes)", clip, c->size);
        total -= c->size;
      }
    } else {
      /* Gone meanwhile. */
      total -= c->size;
    }
    close (fd);
  }
  if (total > claim->max_size)
    g_debug ("the clips in %s take %" G_GUINT64_FORMAT " bytes, more than "
        "%" G_GUINT64_FORMAT ": the rest is in use", claim->dir, total,
        claim->max_size);
}

gboolean
seedance_cache_claim_store (SeedanceCacheClaim * claim, SeedanceSpool * spool,
    const gchar * task_json, GError ** error)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *sha256 = NULL;
  g_autofree gchar *record = NULL;
  gint64 created_at = now_s ();
  guint64 size;

  if (claim->kind != SEEDANCE_CACHE_JOURNALLED &&
      claim->kind != SEEDANCE_CACHE_MISS) {
    g_set_error_literal (error, SEEDANCE_CACHE_ERROR,
        SEEDANCE_CACHE_ERROR_FAILED, "the claim already has its clip");
    return FALSE;
  }
  if (g_strcmp0 (seedance_spool_get_target (spool), claim->clip_target) != 0) {
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "the spool is for %s, not for %s", seedance_spool_get_target (spool),
        claim->clip_target);
    return FALSE;
  }
  if (seedance_spool_is_committed (spool)) {
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_FAILED,
        "the spool for %s was committed already", claim->clip_target);
    return FALSE;
  }
  size = seedance_spool_get_size (spool);
  if (claim->max_size > 0 && size > claim->max_size) {
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_TOO_LARGE,
        "the clip (%" G_GUINT64_FORMAT " bytes) is larger than the cache's "
        "maximum size (%" G_GUINT64_FORMAT " bytes) and was not stored; its "
        "task stays journalled", size, claim->max_size);
    return FALSE;
  }

  sha256 = seedance_spool_get_sha256 (spool);
  record = build_record (size, sha256, claim->task_id, task_json, created_at);
  /* Record first, clip second: a crash in between leaves a record without
   * its clip (or beside an older one), which a claim rejects; never a clip
   * that passes for whole. */
  if (!write_atomically (claim->record_path, record, error))
    return FALSE;
  if (!seedance_spool_commit (spool, &err)) {
    remove_file (claim->record_path, NULL);
    g_set_error (error, SEEDANCE_CACHE_ERROR, SEEDANCE_CACHE_ERROR_UNUSABLE,
        "cannot store the clip in %s: %s", claim->dir,
        err ? err->message : "the spool failed");
    return FALSE;
  }
  sync_dir (claim->dir);

  /* The clip is what counts now; a journal left behind would only point
   * at a task whose clip is already here. */
  if (!remove_file (claim->journal_path, &err))
    g_debug ("%s", err->message);
  touch_use (claim->record_path);
  evict (claim);

  /* A reader from now on, so that the claimants waiting for this clip are
   * served while the caller still reads it. */
  if (flock (claim->fd, LOCK_SH | LOCK_NB) != 0)
    g_debug ("cannot keep %s shared: %s", claim->lock_path, g_strerror (errno));
  claim->kind = SEEDANCE_CACHE_HIT;
  g_free (claim->task_json);
  claim->task_json = g_strdup (task_json);
  claim->created_at = created_at;
  return TRUE;
}

void
seedance_cache_claim_free (SeedanceCacheClaim * claim)
{
  if (claim == NULL)
    return;
  /* Closing the only descriptor of the open file releases the lock. */
  if (claim->fd >= 0)
    close (claim->fd);
  g_free (claim->dir);
  g_free (claim->key);
  g_free (claim->lock_path);
  g_free (claim->clip_target);
  g_free (claim->record_path);
  g_free (claim->journal_path);
  g_free (claim->task_id);
  g_free (claim->task_json);
  g_clear_error (&claim->warning);
  g_free (claim);
}

SeedanceCacheClaimKind
seedance_cache_peek (SeedanceCache * cache, const gchar * key)
{
  g_autofree gchar *journal = NULL;

  if (!check_key (key, NULL))
    return SEEDANCE_CACHE_MISS;
  if (check_entry (cache->dir, key, NULL, NULL, NULL) == FOUND_GOOD)
    return SEEDANCE_CACHE_HIT;
  journal = entry_path (cache->dir, key, ".task");
  if (read_journal (journal, NULL, NULL, NULL, NULL) == FOUND_GOOD)
    return SEEDANCE_CACHE_JOURNALLED;
  return SEEDANCE_CACHE_MISS;
}
