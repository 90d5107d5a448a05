/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * The video's way from its host to whoever reads it: the resumable
 * download (download.h), teed into `location` (the user's own copy) and
 * into the cache's spool, read back while it is written; a temporary,
 * nameless spool when the host sends no length (so the size is known before
 * anything is played); the clip stored in the cache once whole and
 * checked; or a stored clip read from the cache with no download at all.
 *
 * Its reader sees one call: the bytes at an offset, blocking until they are
 * there, with the file's size once known.  What the bytes are is the
 * reader's business: the transfer asks it once, through `check_head`, about
 * the file's first bytes before it hands out any or spools the file whole.
 *
 * No GStreamer here.  A transfer belongs to the thread that reads from it;
 * every wait ends at once with G_IO_ERROR_CANCELLED when the client's
 * cancellable (or the config's, for the cache's lock) fires.
 */
#pragma once

#include "cache.h"
#include "client.h"
#include "download.h"

G_BEGIN_DECLS

#define SEEDANCE_TRANSFER_ERROR (seedance_transfer_error_quark ())
GQuark seedance_transfer_error_quark (void);

typedef enum
{
  /* `location` cannot be created (at seedance_transfer_new). */
  SEEDANCE_TRANSFER_ERROR_OPEN_WRITE,
  /* `location` or the temporary spool could not be written; the message
   * names which.  NO_SPACE when the disk is full. */
  SEEDANCE_TRANSFER_ERROR_WRITE,
  SEEDANCE_TRANSFER_ERROR_NO_SPACE,
  /* What was downloaded or stored cannot be read back. */
  SEEDANCE_TRANSFER_ERROR_READ,
  /* check_head said the file is not what was expected. */
  SEEDANCE_TRANSFER_ERROR_WRONG_TYPE,
} SeedanceTransferError;

/* The first bytes of the file (all of it when shorter than
 * SEEDANCE_TRANSFER_HEAD_SIZE): TRUE when they are what the reader
 * expects.  Called once per transfer, before any byte is handed out. */
typedef gboolean (*SeedanceTransferCheckHead) (const guint8 * data,
    gsize len, gpointer user_data);

/* How much of the head check_head is given: the MP4 boxes that say what a
 * file is come first, and some typefinders scan all they are given. */
#define SEEDANCE_TRANSFER_HEAD_SIZE (16 * 1024)

typedef struct
{
  /* Its transport carries the download (never the key); it must outlive
   * the transfer. */
  SeedanceClient *client;
  guint retries;                /* the download's, as download.h says */
  guint backoff_ms;
  SeedanceDownloadLogFunc log;
  gpointer log_data;
  /* Ends the wait for the cache key's lock when storing; may be NULL. */
  GCancellable *cancellable;
  /* The user's own copy of the file, or NULL.  Written under a temporary
   * name beside it and renamed once whole and checked. */
  const gchar *location;
  /* Bytes handed out per read at most (and the download's pause point). */
  gsize block_size;
  SeedanceTransferCheckHead check_head;
  gpointer check_head_data;
} SeedanceTransferConfig;

typedef struct _SeedanceTransfer SeedanceTransfer;

/* Creates `location`'s temporary file at once, so that a path that cannot
 * be written is an error before anything is paid for. */
SeedanceTransfer *seedance_transfer_new (const SeedanceTransferConfig *
    config, GError ** error);
/* Aborts the download, removes every spool not committed, lets go of the
 * cache's claim. */
void seedance_transfer_free (SeedanceTransfer * transfer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeedanceTransfer, seedance_transfer_free);

/* The file is a stored clip: `claim` (a HIT, taken over by the transfer,
 * which holds it while the clip is read, so it is not evicted) names it.
 * `location` gets its copy now.  Errors as for reads. */
gboolean seedance_transfer_open_clip (SeedanceTransfer * transfer,
    SeedanceCacheClaim * claim, GError ** error);

/* The file is downloaded from `url`.  With a `cache` (borrowed: it must
 * outlive the transfer), the download is spooled into it under `key` and
 * stored with `task_json` (the final task object) once whole; `claim`
 * (may be NULL; taken over and let go of at once, so no other element
 * waits on this download) gives the spool.  Nothing is sent until the
 * first read. */
void seedance_transfer_download (SeedanceTransfer * transfer,
    const gchar * url, SeedanceCache * cache, const gchar * key,
    SeedanceCacheClaim * claim, const gchar * task_json);

/* A fresh signed URL for the same file, after a read failed with
 * SEEDANCE_DOWNLOAD_ERROR_EXPIRED. */
void seedance_transfer_set_url (SeedanceTransfer * transfer,
    const gchar * url);

/* Up to block_size bytes at `offset`, waiting (downloading) until they are
 * there: `*bytes` receives them, or NULL at the end of the file.  FALSE
 * with an error of this domain, download.h's, or G_IO_ERROR_CANCELLED;
 * after SEEDANCE_DOWNLOAD_ERROR_EXPIRED, set a fresh URL and read again. */
gboolean seedance_transfer_read (SeedanceTransfer * transfer, guint64 offset,
    GBytes ** bytes, GError ** error);

/* The file's whole size once known, else -1. */
gint64 seedance_transfer_get_size (SeedanceTransfer * transfer);

/* The last error status the video host answered, 0 when none. */
guint seedance_transfer_get_host_status (SeedanceTransfer * transfer);

/* What went wrong with the cache since the last call (the transfer went on
 * without it: the clip is delivered all the same), or NULL; g_error_free.
 * SEEDANCE_CACHE_ERROR_TOO_LARGE is not reported: such a clip is simply
 * not kept. */
GError *seedance_transfer_take_cache_error (SeedanceTransfer * transfer);

G_END_DECLS
