/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * The video's transfer: see transfer.h.  Two ways to serve a read:
 * - straight from the download (no `location`, no cache): libcurl's data is
 *   copied once, into the blocks handed out; a seek is a Range request;
 * - from a spool (the cache's file, `location`'s, a stored clip, or a
 *   nameless one for a host that sends no length): the download writes
 *   into it, and reads are served from what has been written, waiting
 *   (downloading) for what has not.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "transfer.h"

#include <string.h>

G_DEFINE_QUARK (seedance-transfer-error-quark, seedance_transfer_error);

struct _SeedanceTransfer
{
  SeedanceTransferConfig config;
  gchar *location_path;
  SeedanceDownload *download;   /* NULL once the whole file is in a spool */
  SeedanceSpool *spool;         /* what reads come from (or `location`) */
  SeedanceSpool *location;      /* the user's own copy */
  gboolean spool_is_cache;      /* `spool` is the cache's, to be stored */
  SeedanceCache *cache;         /* borrowed; NULL once left */
  gchar *key;
  gchar *task_json;
  SeedanceCacheClaim *claim;    /* held while a stored clip is read */
  GError *write_error;          /* a spool write failed in the sink */
  gboolean cache_full;          /* the cache's spool reached cache-max-size */
  GError *cache_error;          /* for seedance_transfer_take_cache_error */
  gint64 size;
  gboolean head_checked;
  /* The spool sink pauses once the spool holds this much. */
  guint64 spool_want;
  /* Straight from the download: `next_offset` is the offset of the next
   * byte handed out; blocks wait in `ready`, the one being filled in
   * `fill`. */
  guint64 next_offset;
  GQueue ready;
  guint8 *fill;
  gsize fill_len;
  gsize queued;                 /* bytes in `ready` and `fill` */
};

SeedanceTransfer *
seedance_transfer_new (const SeedanceTransferConfig * config, GError ** error)
{
  SeedanceTransfer *t = g_new0 (SeedanceTransfer, 1);

  t->config = *config;
  t->location_path = g_strdup (config->location);
  t->config.location = t->location_path;
  if (t->config.block_size < SEEDANCE_TRANSFER_HEAD_SIZE)
    t->config.block_size = SEEDANCE_TRANSFER_HEAD_SIZE;
  t->size = -1;
  g_queue_init (&t->ready);
  if (t->location_path) {
    GError *err = NULL;

    /* 0666 less the umask, as any file a program saves for its user. */
    t->location = seedance_spool_new (t->location_path, 0666, &err);
    if (t->location == NULL) {
      g_set_error (error, SEEDANCE_TRANSFER_ERROR,
          SEEDANCE_TRANSFER_ERROR_OPEN_WRITE, "location: %s", err->message);
      g_error_free (err);
      seedance_transfer_free (t);
      return NULL;
    }
  }
  return t;
}

static void
drop_read_ahead (SeedanceTransfer * t)
{
  g_queue_clear_full (&t->ready, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&t->fill, g_free);
  t->fill_len = 0;
  t->queued = 0;
}

void
seedance_transfer_free (SeedanceTransfer * t)
{
  if (t == NULL)
    return;
  drop_read_ahead (t);
  g_clear_pointer (&t->download, seedance_download_free);
  g_clear_pointer (&t->spool, seedance_spool_free);
  g_clear_pointer (&t->location, seedance_spool_free);
  /* After the spool: the claim keeps a stored clip from being evicted
   * while it is read. */
  g_clear_pointer (&t->claim, seedance_cache_claim_free);
  g_clear_error (&t->write_error);
  g_clear_error (&t->cache_error);
  g_free (t->location_path);
  g_free (t->key);
  g_free (t->task_json);
  g_free (t);
}

/* A file of ours could not be written: WRITE or NO_SPACE, naming it. */
static void
set_write_error (GError ** error, const gchar * what, const GError * err)
{
  g_set_error (error, SEEDANCE_TRANSFER_ERROR,
      g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ?
      SEEDANCE_TRANSFER_ERROR_NO_SPACE : SEEDANCE_TRANSFER_ERROR_WRITE,
      "%s: %s", what, err->message);
}

/* The first thing the cache did wrong is what the element warns about. */
static void
note_cache_error (SeedanceTransfer * t, GError * err)
{
  if (t->cache_error == NULL)
    t->cache_error = err;
  else
    g_error_free (err);
}

static gboolean
check_head (SeedanceTransfer * t, const guint8 * data, gsize len,
    GError ** error)
{
  if (t->config.check_head && (len == 0 ||
          !t->config.check_head (data, MIN (len, SEEDANCE_TRANSFER_HEAD_SIZE),
              t->config.check_head_data))) {
    g_set_error_literal (error, SEEDANCE_TRANSFER_ERROR,
        SEEDANCE_TRANSFER_ERROR_WRONG_TYPE,
        "the file is not of the type expected");
    return FALSE;
  }
  t->head_checked = TRUE;
  return TRUE;
}

static void
log_line (SeedanceTransfer * t, const gchar * line)
{
  if (t->config.log)
    t->config.log (line, t->config.log_data);
}

static SeedanceSpool *
reading_spool (SeedanceTransfer * t)
{
  return t->spool ? t->spool : t->location;
}

gboolean
seedance_transfer_open_clip (SeedanceTransfer * t,
    SeedanceCacheClaim * claim, GError ** error)
{
  GError *err = NULL;

  t->claim = claim;
  t->spool = seedance_spool_open (seedance_cache_claim_get_clip_path (claim),
      &err);
  if (t->spool == NULL) {
    g_set_error (error, SEEDANCE_TRANSFER_ERROR, SEEDANCE_TRANSFER_ERROR_READ,
        "cannot read the cached clip: %s", err->message);
    g_error_free (err);
    return FALSE;
  }
  t->size = (gint64) seedance_spool_get_size (t->spool);
  if (t->location && (!seedance_spool_copy_from (t->location, t->spool, &err)
          || !seedance_spool_commit (t->location, &err))) {
    set_write_error (error, "location", err);
    g_error_free (err);
    return FALSE;
  }
  return TRUE;
}

void
seedance_transfer_download (SeedanceTransfer * t, const gchar * url,
    SeedanceCache * cache, const gchar * key, SeedanceCacheClaim * claim,
    const gchar * task_json)
{
  GError *err = NULL;

  t->download = seedance_download_new (seedance_client_get_http
      (t->config.client), url, t->config.retries, t->config.backoff_ms,
      t->config.log, t->config.log_data);
  if (cache == NULL) {
    g_clear_pointer (&claim, seedance_cache_claim_free);
    return;
  }
  t->cache = cache;
  t->key = g_strdup (key);
  t->task_json = g_strdup (task_json);
  if (claim) {
    t->spool = seedance_cache_claim_new_spool (claim, &err);
    if (t->spool)
      t->spool_is_cache = TRUE;
    else
      note_cache_error (t, err);
    /* The task is paid for and journalled: the key's lock has done its
     * work.  Others now resume the same task, or find the clip stored, and
     * none waits on this download, which goes at its reader's pace (in one
     * pipeline, a second source waiting for it could hold up preroll for
     * ever). */
    seedance_cache_claim_free (claim);
  }
}

void
seedance_transfer_set_url (SeedanceTransfer * t, const gchar * url)
{
  if (t->download)
    seedance_download_set_url (t->download, url);
}

gint64
seedance_transfer_get_size (SeedanceTransfer * t)
{
  return t->size;
}

guint
seedance_transfer_get_host_status (SeedanceTransfer * t)
{
  return t->download ? seedance_download_get_host_status (t->download) : 0;
}

GError *
seedance_transfer_take_cache_error (SeedanceTransfer * t)
{
  return g_steal_pointer (&t->cache_error);
}

/* --- the cache's spool --- */

/* The cache's spool is given up (it could not be written, or the clip is
 * larger than the cache may keep): the transfer goes on from `location`'s
 * file, or straight from the download. */
static void
leave_cache_spool (SeedanceTransfer * t)
{
  guint64 position = seedance_download_get_position (t->download);

  g_clear_pointer (&t->spool, seedance_spool_free);
  t->spool_is_cache = FALSE;
  t->cache_full = FALSE;
  t->cache = NULL;
  if (t->location == NULL)
    t->next_offset = G_MAXUINT64;       /* the next read seeks */
  else if (seedance_spool_get_size (t->location) < position)
    seedance_download_seek (t->download, seedance_spool_get_size (t->location));
}

/* A clip larger than the cache may hold is delivered, not kept: it is not
 * spooled into the cache either, so the cache never outgrows its bound. */
static gboolean
over_cache_bound (SeedanceTransfer * t, guint64 size)
{
  guint64 max = t->cache ? seedance_cache_get_max_size (t->cache) : 0;

  return t->spool_is_cache && max > 0 && size > max;
}

/* --- the download --- */

/* One step of the download into `sink`; learns the size as it comes. */
static gboolean
download_step (SeedanceTransfer * t, SeedanceHttpSink sink, gboolean * eof,
    GError ** error)
{
  gint64 size;

  if (!seedance_download_pump (t->download, sink, t, eof, error))
    return FALSE;
  size = seedance_download_get_size (t->download);
  if (t->size < 0 && size >= 0) {
    t->size = size;
    if (over_cache_bound (t, (guint64) size)) {
      log_line (t, "the clip is larger than cache-max-size: delivered, "
          "not kept");
      leave_cache_spool (t);
    }
  }
  return TRUE;
}

static void
finish_fill (SeedanceTransfer * t)
{
  if (t->fill == NULL)
    return;
  if (t->fill_len == 0)
    g_free (t->fill);
  else
    g_queue_push_tail (&t->ready, g_bytes_new_take (t->fill, t->fill_len));
  t->fill = NULL;
  t->fill_len = 0;
}

/* Where libcurl's data is copied, once, into the blocks handed out.
 * Returns TRUE (pause the transfer) once a block is ready. */
static gboolean
block_sink (const guint8 * data, gsize len, gpointer user_data)
{
  SeedanceTransfer *t = user_data;
  gsize block = t->config.block_size;

  t->queued += len;
  while (len > 0) {
    gsize n;

    if (t->fill == NULL) {
      t->fill = g_malloc (block);
      t->fill_len = 0;
    }
    n = MIN (len, block - t->fill_len);
    memcpy (t->fill + t->fill_len, data, n);
    t->fill_len += n;
    data += n;
    len -= n;
    if (t->fill_len == block)
      finish_fill (t);
  }
  return !g_queue_is_empty (&t->ready);
}

/* With a spool: `location` first, then the cache's file.  A failed write,
 * or a cache spool at its bound, pauses the transfer; the reader then
 * decides. */
static gboolean
spool_sink (const guint8 * data, gsize len, gpointer user_data)
{
  SeedanceTransfer *t = user_data;

  if (t->write_error || t->cache_full)
    return TRUE;
  if (t->location && !seedance_spool_is_committed (t->location) &&
      !seedance_spool_write (t->location, data, len, &t->write_error))
    return TRUE;
  if (t->spool && over_cache_bound (t, seedance_spool_get_size (t->spool) +
          len)) {
    t->cache_full = TRUE;
    return TRUE;
  }
  if (t->spool && !seedance_spool_write (t->spool, data, len, &t->write_error))
    return TRUE;
  /* Enough for the read that waits: pause, so that its block goes out now
   * rather than once libcurl has delivered all it has buffered. */
  return seedance_spool_get_size (reading_spool (t)) >= t->spool_want;
}

/* --- reads from a spool --- */

/* A spool write failed in the sink.  `location` is the user's: an error.
 * The cache's is not: noted for a warning, and the transfer goes on
 * without the cache. */
static gboolean
spool_write_failed (SeedanceTransfer * t, GError ** error)
{
  g_autoptr (GError) err = g_steal_pointer (&t->write_error);

  if (t->location && !seedance_spool_is_committed (t->location) &&
      seedance_spool_get_size (t->location) <
      seedance_download_get_position (t->download)) {
    set_write_error (error, "location", err);
    return FALSE;
  }
  if (t->spool == NULL || !t->spool_is_cache) {
    set_write_error (error, "the temporary spool", err);
    return FALSE;
  }
  note_cache_error (t, g_error_new (SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_UNUSABLE, "the clip could not be written: %s",
          err->message));
  leave_cache_spool (t);
  return TRUE;
}

/* The key is claimed again, briefly, to store the clip: another element
 * downloading the same task may have stored it first.  Never an error:
 * the clip is delivered either way. */
static void
store_clip (SeedanceTransfer * t)
{
  GError *err = NULL;
  SeedanceCacheClaim *claim = seedance_cache_claim (t->cache, t->key,
      t->config.cancellable, &err);

  if (claim == NULL) {
    if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      note_cache_error (t, g_error_new (SEEDANCE_CACHE_ERROR,
              SEEDANCE_CACHE_ERROR_FAILED, "the clip could not be stored: %s",
              err->message));
    g_error_free (err);
    return;
  }
  if (seedance_cache_claim_get_kind (claim) != SEEDANCE_CACHE_HIT &&
      !seedance_cache_claim_store (claim, t->spool, t->task_json, &err)) {
    if (!g_error_matches (err, SEEDANCE_CACHE_ERROR,
            SEEDANCE_CACHE_ERROR_TOO_LARGE))
      note_cache_error (t, g_error_new (SEEDANCE_CACHE_ERROR,
              SEEDANCE_CACHE_ERROR_FAILED, "the clip could not be stored: %s",
              err->message));
    g_error_free (err);
    seedance_cache_claim_free (claim);
    return;
  }
  /* Stored, here or by another: the claim now holds the key for reading,
   * so the clip is not evicted while it is read. */
  t->claim = claim;
}

static gboolean
check_spool_head (SeedanceTransfer * t, GError ** error)
{
  guint8 head[SEEDANCE_TRANSFER_HEAD_SIZE];
  gssize n = seedance_spool_pread (reading_spool (t), head, sizeof (head), 0,
      NULL);

  return check_head (t, head, n > 0 ? (gsize) n : 0, error);
}

/* The whole file is in: check it, then keep it (location, cache). */
static gboolean
finish_spool (SeedanceTransfer * t, GError ** error)
{
  GError *err = NULL;

  g_clear_pointer (&t->download, seedance_download_free);
  if (t->size < 0)
    t->size = (gint64) seedance_spool_get_size (reading_spool (t));
  if (!t->head_checked && !check_spool_head (t, error))
    return FALSE;
  if (t->location && !seedance_spool_is_committed (t->location) &&
      !seedance_spool_commit (t->location, &err)) {
    set_write_error (error, "location", err);
    g_error_free (err);
    return FALSE;
  }
  if (t->spool_is_cache && t->cache)
    store_clip (t);
  return TRUE;
}

static gboolean network_read (SeedanceTransfer * t, guint64 offset,
    GBytes ** bytes, GError ** error);

/* Downloads into the spools until `offset` (and the head, for its check)
 * has been written, or the file is whole.  While the size is unknown, the
 * whole file.  TRUE with *fallen_back when the spool was left and the
 * read must go to the network instead. */
static gboolean
spool_fill_to (SeedanceTransfer * t, guint64 offset, gboolean * fallen_back,
    GError ** error)
{
  while (t->download) {
    guint64 have = seedance_spool_get_size (reading_spool (t));
    gboolean eof = FALSE;

    /* All in: kept now, as a reader asks for nothing past the end. */
    if (t->size >= 0 && have >= (guint64) t->size)
      return finish_spool (t, error);
    if (t->size >= 0 && have > offset && (t->head_checked ||
            have >= (guint64) MIN (t->size, SEEDANCE_TRANSFER_HEAD_SIZE)))
      return TRUE;
    /* A block's worth past the offset; the whole file when the host's
     * answer said no size. */
    t->spool_want = t->size < 0 &&
        seedance_download_get_position (t->download) > 0 ? G_MAXUINT64 :
        MAX (offset + t->config.block_size, SEEDANCE_TRANSFER_HEAD_SIZE);
    if (!download_step (t, spool_sink, &eof, error))
      return FALSE;
    if (t->write_error && !spool_write_failed (t, error))
      return FALSE;
    if (t->cache_full)
      leave_cache_spool (t);
    if (reading_spool (t) == NULL) {
      *fallen_back = TRUE;
      return TRUE;
    }
    if (eof)
      return finish_spool (t, error);
  }
  return TRUE;
}

static gboolean
spool_read (SeedanceTransfer * t, guint64 offset, GBytes ** bytes,
    GError ** error)
{
  SeedanceSpool *spool;
  gboolean fallen_back = FALSE;
  GError *err = NULL;
  guint8 *data;
  gsize len;
  gssize n;

  if (!spool_fill_to (t, offset, &fallen_back, error))
    return FALSE;
  if (fallen_back)
    return network_read (t, offset, bytes, error);
  if (!t->head_checked && !check_spool_head (t, error))
    return FALSE;

  spool = reading_spool (t);
  if (offset >= (guint64) t->size) {
    *bytes = NULL;
    return TRUE;
  }
  len = (gsize) MIN ((guint64) t->config.block_size,
      seedance_spool_get_size (spool) - offset);
  data = g_malloc (len);
  n = seedance_spool_pread (spool, data, len, offset, &err);
  if (n <= 0) {
    g_free (data);
    g_set_error (error, SEEDANCE_TRANSFER_ERROR, SEEDANCE_TRANSFER_ERROR_READ,
        "cannot read the downloaded video back: %s",
        err ? err->message : "nothing to read");
    g_clear_error (&err);
    return FALSE;
  }
  *bytes = g_bytes_new_take (data, (gsize) n);
  return TRUE;
}

/* --- reads straight from the download --- */

/* A host that sends no length leaves the size unknown, and a reader such
 * as qtdemux cannot then reach an index at the end: the whole file is
 * spooled first (into a nameless temporary file, which no crash leaves
 * behind), once its head checks out, and served once its size is known. */
static gboolean
spool_unknown_size (SeedanceTransfer * t, guint64 offset, GBytes ** bytes,
    GError ** error)
{
  GError *err = NULL;
  GBytes *b;

  while (!t->head_checked && t->queued < SEEDANCE_TRANSFER_HEAD_SIZE) {
    gboolean eof = FALSE;

    if (!download_step (t, block_sink, &eof, error))
      return FALSE;
    if (eof)
      break;
  }
  finish_fill (t);
  b = g_queue_peek_head (&t->ready);
  if (!t->head_checked && !check_head (t, b ? g_bytes_get_data (b, NULL) :
          NULL, b ? g_bytes_get_size (b) : 0, error))
    return FALSE;

  log_line (t, "the video host sent no length: spooling the whole file "
      "before serving it");
  t->spool = seedance_spool_new_nameless (g_get_tmp_dir (), &err);
  if (t->spool == NULL) {
    g_set_error (error, SEEDANCE_TRANSFER_ERROR, SEEDANCE_TRANSFER_ERROR_WRITE,
        "the video host sent no length, and the video cannot be spooled to "
        "a temporary file: %s", err->message);
    g_error_free (err);
    return FALSE;
  }
  while ((b = g_queue_pop_head (&t->ready))) {
    gsize len;
    const guint8 *data = g_bytes_get_data (b, &len);

    if (t->write_error == NULL)
      seedance_spool_write (t->spool, data, len, &t->write_error);
    g_bytes_unref (b);
  }
  t->queued = 0;
  if (t->write_error && !spool_write_failed (t, error))
    return FALSE;
  return spool_read (t, offset, bytes, error);
}

static gboolean
network_read (SeedanceTransfer * t, guint64 offset, GBytes ** bytes,
    GError ** error)
{
  GBytes *b;

  if (offset != t->next_offset) {
    /* A seek: what was read ahead is for another place. */
    drop_read_ahead (t);
    seedance_download_seek (t->download, offset);
    t->next_offset = offset;
  }

  while (g_queue_is_empty (&t->ready)) {
    gboolean eof = FALSE;

    if (!download_step (t, block_sink, &eof, error))
      return FALSE;
    if (eof) {
      if (t->size < 0)
        t->size = (gint64) seedance_download_get_position (t->download);
    } else if (t->size < 0) {
      return spool_unknown_size (t, offset, bytes, error);
    } else if (!t->head_checked && t->next_offset == 0 &&
        t->fill_len < SEEDANCE_TRANSFER_HEAD_SIZE) {
      /* The type is judged on enough bytes, however slowly they come. */
      continue;
    }
    /* Hand out what came, full block or not. */
    finish_fill (t);
    if (eof && g_queue_is_empty (&t->ready)) {
      *bytes = NULL;
      return TRUE;
    }
  }

  b = g_queue_pop_head (&t->ready);
  t->queued -= g_bytes_get_size (b);
  if (!t->head_checked && t->next_offset == 0 && !check_head (t,
          g_bytes_get_data (b, NULL), g_bytes_get_size (b), error)) {
    g_bytes_unref (b);
    return FALSE;
  }
  t->next_offset += g_bytes_get_size (b);
  *bytes = b;
  return TRUE;
}

gboolean
seedance_transfer_read (SeedanceTransfer * t, guint64 offset,
    GBytes ** bytes, GError ** error)
{
  *bytes = NULL;
  if (reading_spool (t))
    return spool_read (t, offset, bytes, error);
  if (t->download == NULL) {
    g_set_error_literal (error, SEEDANCE_TRANSFER_ERROR,
        SEEDANCE_TRANSFER_ERROR_READ, "nothing to read: no clip, no URL");
    return FALSE;
  }
  return network_read (t, offset, bytes, error);
}
