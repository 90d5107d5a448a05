/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * The clip cache and task journal: one request, one payment.
 *
 * A request's key is the SHA-256 of its canonical create body (object
 * members sorted by name, no whitespace) together with the API root's host,
 * so the same request to the same service finds the same entry, and a
 * changed local media file (sent inside the body) is a new key.  The API
 * key is never part of anything written here.
 *
 * Layout under the cache directory (mode 0700), per key (64 hex digits),
 * every file mode 0600:
 *   KEY.task   the journal: the task id, written the moment the create
 *              answer arrives (JSON {"task_id": ..., "created_at": ...})
 *   KEY.mp4    the clip, whole and verified
 *   KEY.json   the clip's record: {"size", "sha256", "task_id", "task": {the
 *              final task object as the service sent it}, "created_at"};
 *              its modification time is the clip's last use
 *   KEY.lock   the advisory lock (flock): shared while a clip is read,
 *              exclusive while a task is created, resumed or stored
 * Every file is written under a temporary name in the same directory, then
 * renamed: an entry is whole or absent, never half.
 *
 * The protocol is one call, seedance_cache_claim: it answers HIT (read the
 * clip), JOURNALLED (resume that task) or MISS (create one), and holds the
 * key's lock so that, while one claimant generates a clip, the others wait
 * and are then served from the cache.  A MISS journals the task it creates
 * (seedance_cache_claim_journal) before anything else; a JOURNALLED claim
 * downloads into seedance_cache_claim_new_spool and stores the clip
 * (seedance_cache_claim_store), or forgets a task that cannot be resumed
 * (seedance_cache_claim_forget_task).  After each store the least recently
 * used clips are evicted until the clips fit the cache's max_size.
 * seedance_cache_peek answers the same question for a dry run, without
 * the lock.
 *
 * GLib, GIO and json-glib only; no GStreamer.  Thread-safe in the sense
 * that separate SeedanceCache objects (in threads or processes) on the same
 * directory cooperate through the files and the locks alone.  One
 * SeedanceCache or SeedanceCacheClaim belongs to one thread at a time.
 */
#pragma once

#include <gio/gio.h>

#include "spool.h"

G_BEGIN_DECLS

#define SEEDANCE_CACHE_ERROR (seedance_cache_error_quark ())
GQuark seedance_cache_error_quark (void);

typedef enum
{
  SEEDANCE_CACHE_ERROR_UNUSABLE,        /* cannot create or write the dir */
  SEEDANCE_CACHE_ERROR_CORRUPT,         /* an entry that does not check out */
  SEEDANCE_CACHE_ERROR_FAILED,
  SEEDANCE_CACHE_ERROR_TOO_LARGE,       /* a clip larger than max_size */
} SeedanceCacheError;

typedef struct _SeedanceCache SeedanceCache;

/* $SEEDANCE_CACHE_DIR when set and not empty, else
 * g_get_user_cache_dir ()/gst-seedance: per user (g_free). */
gchar *seedance_cache_default_dir (void);

/* Creates the directory (and the parents it needs, mode 0700) if needed and
 * checks that a file can be created and written in it.  `max_size` is how
 * many bytes of clips to keep (0: no bound).  NULL with
 * SEEDANCE_CACHE_ERROR_UNUSABLE, naming the path and the reason (read-only,
 * full, not a directory), when not. */
SeedanceCache *seedance_cache_open (const gchar * dir, guint64 max_size,
    GError ** error);
void seedance_cache_free (SeedanceCache * cache);
const gchar *seedance_cache_get_dir (SeedanceCache * cache);
guint64 seedance_cache_get_max_size (SeedanceCache * cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeedanceCache, seedance_cache_free);

/* The key of a create body sent to `api_root` (only its scheme, host and
 * port count): lowercase hex SHA-256.  NULL if the body is not JSON. */
gchar *seedance_cache_key (const gchar * api_root, const gchar * body,
    GError ** error);

/* The claim. */

typedef enum
{
  SEEDANCE_CACHE_HIT,           /* the clip is stored and checks out */
  SEEDANCE_CACHE_JOURNALLED,    /* a task was created, not yet delivered */
  SEEDANCE_CACHE_MISS,          /* nothing: create the task now */
} SeedanceCacheClaimKind;

typedef struct _SeedanceCacheClaim SeedanceCacheClaim;

/* Takes the key's lock and answers what the cache holds for it.
 *  HIT: the claim holds a SHARED lock while the caller reads the clip (no
 *   eviction, no replacement meanwhile; other readers go on at once).  The
 *   hit counts as a use of the clip.
 *  JOURNALLED / MISS: the claim holds the EXCLUSIVE lock until it is stored
 *   or freed, so that other claimants of the key wait (their claim then
 *   answers HIT once the clip is stored, or looks at the journal once this
 *   claim is freed without storing).
 * Waiting honours `cancellable` at once (G_IO_ERROR_CANCELLED).  Entries
 * that do not check out (corrupt journal or record, a clip that does not
 * match its record) are removed and the claim goes on; what was removed is
 * reported through seedance_cache_claim_get_warning, not as a failure.
 * NULL with an error only when cancelled, when the directory is unusable
 * (SEEDANCE_CACHE_ERROR_UNUSABLE) or when `key` is not a key
 * (SEEDANCE_CACHE_ERROR_FAILED).  The claim keeps what it needs of `cache`,
 * which may be freed first. */
SeedanceCacheClaim *seedance_cache_claim (SeedanceCache * cache,
    const gchar * key, GCancellable * cancellable, GError ** error);
SeedanceCacheClaimKind seedance_cache_claim_get_kind (SeedanceCacheClaim *
    claim);
const gchar *seedance_cache_claim_get_key (SeedanceCacheClaim * claim);
/* HIT (from the record, may be NULL) and JOURNALLED. */
const gchar *seedance_cache_claim_get_task_id (SeedanceCacheClaim * claim);
/* HIT: the clip's path; NULL otherwise. */
const gchar *seedance_cache_claim_get_clip_path (SeedanceCacheClaim * claim);
/* HIT: the final task object as stored, may be NULL. */
const gchar *seedance_cache_claim_get_task_json (SeedanceCacheClaim * claim);
/* Unix seconds the clip was stored (HIT) or the task journalled
 * (JOURNALLED); 0 unknown. */
gint64 seedance_cache_claim_get_created_at (SeedanceCacheClaim * claim);
/* What was removed on the way (SEEDANCE_CACHE_ERROR_CORRUPT, naming the
 * files and why), or NULL. */
const GError *seedance_cache_claim_get_warning (SeedanceCacheClaim * claim);

/* MISS: journals the task just created (the claim becomes JOURNALLED).
 * FALSE with SEEDANCE_CACHE_ERROR_UNUSABLE when it cannot be written (the
 * claim stays MISS). */
gboolean seedance_cache_claim_journal (SeedanceCacheClaim * claim,
    const gchar * task_id, GError ** error);

/* JOURNALLED: the task cannot be resumed (failed, expired, cancelled,
 * unknown to the service): drops it from the journal (only if the journal
 * still names it) and the claim becomes MISS, lock still held. */
void seedance_cache_claim_forget_task (SeedanceCacheClaim * claim);

/* A spool (spool.h) in the cache directory whose target is the key's clip
 * file, mode 0600, to download the clip into.  Hand it to
 * seedance_cache_claim_store; do not commit it yourself.  Errors are the
 * spool's (G_IO_ERROR / G_FILE_ERROR, naming the directory). */
SeedanceSpool *seedance_cache_claim_new_spool (SeedanceCacheClaim * claim,
    GError ** error);

/* JOURNALLED (or MISS when journalling failed: the record then has no task
 * id): stores the whole, checked clip in `spool` (from
 * seedance_cache_claim_new_spool): commits the spool (its SHA-256 comes from
 * the spool, no re-read), writes the record with the final task object
 * `task_json` (kept as an object when it is JSON, else as its text), drops
 * the journal, counts as a use, then evicts least recently used clips until
 * all fit max_size.  The claim then answers HIT for the stored clip and
 * holds a SHARED lock, so that waiting claimants are served at once.
 * A clip larger than max_size is not stored (SEEDANCE_CACHE_ERROR_TOO_LARGE)
 * and the journal is KEPT, so that a rerun downloads the same task again
 * instead of paying twice; the spool is then left uncommitted and readable.
 * Other failures: SEEDANCE_CACHE_ERROR_UNUSABLE (nothing stored, the journal
 * kept), SEEDANCE_CACHE_ERROR_FAILED (a claim that is not JOURNALLED or
 * MISS, a spool with another target or committed already). */
gboolean seedance_cache_claim_store (SeedanceCacheClaim * claim,
    SeedanceSpool * spool, const gchar * task_json, GError ** error);

/* Releases the lock. */
void seedance_cache_claim_free (SeedanceCacheClaim * claim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeedanceCacheClaim, seedance_cache_claim_free);

/* For a dry run: what a claim would answer, without waiting for the lock and
 * without changing anything (a clip is still checked against its record).
 * MISS for a key that is not one. */
SeedanceCacheClaimKind seedance_cache_peek (SeedanceCache * cache,
    const gchar * key);

G_END_DECLS
