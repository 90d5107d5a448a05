/* The clip cache and task journal: one request, one payment.
 *
 * A request's key is the SHA-256 of its canonical create body (object
 * members sorted by name, no whitespace) together with the API root's host,
 * so the same request to the same service finds the same entry, and a
 * changed local media file (sent inside the body) is a new key.  The API
 * key is never part of anything written here.
 *
 * Layout under the cache directory, per key (64 hex digits):
 *   KEY.task   the journal: the task id, written the moment the create
 *              answer arrives (JSON {"task_id": ..., "created_at": ...})
 *   KEY.mp4    the clip, whole and verified
 *   KEY.json   the clip's record: {"size", "sha256", "task_id", "task": {the
 *              final task object as the service sent it}}
 *   KEY.lock   the advisory lock (flock) that lets one creator in at a time
 * Every file is written under a temporary name in the same directory, then
 * renamed: an entry is whole or absent, never half.
 *
 * GLib, GIO and json-glib only; no GStreamer.  Thread-safe in the sense
 * that separate SeedanceCache objects (in threads or processes) on the same
 * directory cooperate through the files and the lock.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SEEDANCE_CACHE_ERROR (seedance_cache_error_quark ())
GQuark seedance_cache_error_quark (void);

typedef enum
{
  SEEDANCE_CACHE_ERROR_UNUSABLE,        /* cannot create or write the directory */
  SEEDANCE_CACHE_ERROR_CORRUPT,         /* an entry that does not check out */
  SEEDANCE_CACHE_ERROR_FAILED,
} SeedanceCacheError;

typedef struct _SeedanceCache SeedanceCache;
typedef struct _SeedanceCacheLock SeedanceCacheLock;

/* Creates the directory (and parents) if needed and checks that a file can
 * be created in it.  NULL with SEEDANCE_CACHE_ERROR_UNUSABLE, naming the
 * path and the reason, when not. */
SeedanceCache *seedance_cache_open (const gchar * dir, GError ** error);
void seedance_cache_free (SeedanceCache * cache);
const gchar *seedance_cache_get_dir (SeedanceCache * cache);

/* The key of a create body sent to `api_root` (only its scheme, host and
 * port count): lowercase hex SHA-256.  NULL if the body is not JSON. */
gchar *seedance_cache_key (const gchar * api_root, const gchar * body,
    GError ** error);

/* Waits for the key's lock (flock LOCK_EX on KEY.lock), polling with
 * LOCK_NB so that a cancelled `cancellable` ends the wait at once
 * (G_IO_ERROR_CANCELLED). */
SeedanceCacheLock *seedance_cache_lock (SeedanceCache * cache,
    const gchar * key, GCancellable * cancellable, GError ** error);
void seedance_cache_unlock (SeedanceCacheLock * lock);

/* The journal.  get: the task id, or NULL when there is none; a journal
 * file that cannot be read as one is removed and reported through `error`
 * (SEEDANCE_CACHE_ERROR_CORRUPT) with NULL returned. */
gchar *seedance_cache_get_task_id (SeedanceCache * cache, const gchar * key,
    GError ** error);
gboolean seedance_cache_put_task_id (SeedanceCache * cache, const gchar * key,
    const gchar * task_id, GError ** error);
gboolean seedance_cache_drop_task_id (SeedanceCache * cache,
    const gchar * key, GError ** error);

/* The clip.  lookup: TRUE when KEY.mp4 and KEY.json are both there and
 * agree (size and SHA-256 of the file); then `*path` is the clip's path and
 * `*task_json` the stored final task object (either may be NULL to skip).
 * An entry that does not check out is removed and reported through `error`
 * (SEEDANCE_CACHE_ERROR_CORRUPT), FALSE returned.  No entry: FALSE and no
 * error. */
gboolean seedance_cache_lookup_clip (SeedanceCache * cache, const gchar * key,
    gchar ** path, gchar ** task_json, GError ** error);

/* A temporary file in the cache directory to download a clip into (open
 * for writing, fd returned); seedance_cache_store_clip then records it
 * under the key (renaming it, writing KEY.json, dropping the journal).
 * On failure the caller unlinks the temporary file. */
gint seedance_cache_create_temp (SeedanceCache * cache, gchar ** path,
    GError ** error);
gboolean seedance_cache_store_clip (SeedanceCache * cache, const gchar * key,
    const gchar * temp_path, const gchar * task_id, const gchar * task_json,
    GError ** error);

G_END_DECLS
