/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * seedancesrc's bytes: buffers straight from the download, or a spool
 * (the cache's file, `location`'s, or a temporary one for a host that sends
 * no length) read back while it is written; seeks; keeping the file.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstseedancesrc-private.h"

#include <gst/base/gsttypefindhelper.h>
#include <string.h>

void
gst_seedance_src_clear_output (OutputState * out)
{
  GstBuffer *buf;

  g_clear_pointer (&out->download, seedance_download_free);
  g_clear_pointer (&out->spool, seedance_spool_free);
  g_clear_pointer (&out->location, seedance_spool_free);
  g_clear_error (&out->write_error);
  while ((buf = g_queue_pop_head (&out->ready)))
    gst_buffer_unref (buf);
  if (out->fill) {
    gst_buffer_unmap (out->fill, &out->fill_map);
    gst_clear_buffer (&out->fill);
  }
}

/* --- the bytes --- */

static void
set_size (GstSeedanceSrc * self, gint64 size)
{
  GstBaseSrc *bsrc = GST_BASE_SRC (self);

  GST_DEBUG_OBJECT (self, "size %" G_GINT64_FORMAT, size);
  self->run.out.size = size;
  GST_OBJECT_LOCK (self);
  self->size = size;
  bsrc->segment.duration = size;
  GST_OBJECT_UNLOCK (self);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_duration_changed (GST_OBJECT (self)));
}

static gboolean
looks_like_mp4 (GstSeedanceSrc * self, const guint8 * data, gsize len)
{
  GstTypeFindProbability prob = GST_TYPE_FIND_NONE;
  GstCaps *caps = gst_type_find_helper_for_data (GST_OBJECT (self), data, len,
      &prob);
  gboolean ok = FALSE;

  if (caps) {
    GST_DEBUG_OBJECT (self, "the video reads as %" GST_PTR_FORMAT, caps);
    ok = gst_structure_has_name (gst_caps_get_structure (caps, 0),
        "video/quicktime");
    gst_caps_unref (caps);
  }
  return ok;
}

static GstFlowReturn
not_mp4 (GstSeedanceSrc * self)
{
  GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
      ("The file the service delivered for task %s is not an MP4 video",
          self->run.task.id), ("video URL %s", self->run.task.video_url));
  return GST_FLOW_ERROR;
}

/* A signed URL that expired: the task, queried again, hands out a new
 * one. */
static GstFlowReturn
refresh_video_url (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  g_autoptr (GError) err = NULL;
  g_autoptr (SeedanceServiceError) se = NULL;
  g_autoptr (SeedanceTask) task = NULL;

  run->task.url_refreshes++;
  GST_INFO_OBJECT (self, "video URL refused; querying task %s again",
      run->task.id);
  task = seedance_client_get_task (run->client, run->task.id, &se, &err);
  if (task == NULL)
    return FLOW_FOR_ERROR (self, err, se);
  if (task->video_url == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("The video of task %s is no longer available (status %s)",
            run->task.id, task->status_str), (NULL));
    return GST_FLOW_ERROR;
  }
  gst_seedance_src_report_task (self, task);
  g_free (run->task.video_url);
  run->task.video_url = g_strdup (task->video_url);
  seedance_download_set_url (run->out.download, run->task.video_url);
  return GST_FLOW_OK;
}

static GstFlowReturn
download_failed (GstSeedanceSrc * self, GError * err)
{
  Run *run = &self->run;
  guint status = seedance_download_get_host_status (run->out.download);
  GstResourceError code = gst_seedance_src_resource_error_for (err);
  g_autofree gchar *url = g_strdup (run->task.video_url);

  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return GST_FLOW_FLUSHING;
  if (g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_EXPIRED)) {
    if (run->task.url_refreshes < MAX_URL_REFRESHES)
      return refresh_video_url (self);
    code = status == 404 || status == 410 ? GST_RESOURCE_ERROR_NOT_FOUND :
        GST_RESOURCE_ERROR_NOT_AUTHORIZED;
  } else if (g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_HOST_STATUS)) {
    code = status == 404 || status == 410 ? GST_RESOURCE_ERROR_NOT_FOUND :
        status == 401 || status == 403 ? GST_RESOURCE_ERROR_NOT_AUTHORIZED :
        GST_RESOURCE_ERROR_READ;
  }
  POST_ERROR (self, GST_RESOURCE_ERROR, code,
      g_strdup_printf ("Downloading the video of task %s: %s", run->task.id,
          err->message), g_strdup_printf ("video URL %s", url),
      status ? gst_structure_new ("details", "http-status-code", G_TYPE_UINT,
          status, "task-id", G_TYPE_STRING, run->task.id, NULL) : NULL);
  return GST_FLOW_ERROR;
}

/* One step of the download into `sink`; learns the size as it comes. */
static GstFlowReturn
pump (GstSeedanceSrc * self, SeedanceHttpSink sink, gboolean * eof)
{
  OutputState *out = &self->run.out;
  g_autoptr (GError) err = NULL;
  gint64 size;

  if (!seedance_download_pump (out->download, sink, self, eof, &err))
    return download_failed (self, err);
  size = seedance_download_get_size (out->download);
  if (out->size < 0 && size >= 0)
    set_size (self, size);
  return GST_FLOW_OK;
}

static void
finish_fill (OutputState * out)
{
  if (out->fill == NULL)
    return;
  gst_buffer_unmap (out->fill, &out->fill_map);
  if (out->fill_len == 0) {
    gst_buffer_unref (out->fill);
  } else {
    gst_buffer_set_size (out->fill, out->fill_len);
    g_queue_push_tail (&out->ready, out->fill);
  }
  out->fill = NULL;
  out->fill_len = 0;
}

/* Where libcurl's data is copied, once, into the buffers that go
 * downstream.  Returns TRUE (pause the transfer) once a buffer is ready. */
static gboolean
buffer_sink (const guint8 * data, gsize len, gpointer user_data)
{
  OutputState *out = &((GstSeedanceSrc *) user_data)->run.out;

  while (len > 0) {
    gsize n;

    if (out->fill == NULL) {
      out->fill = gst_buffer_new_allocate (NULL, BUFFER_SIZE, NULL);
      gst_buffer_map (out->fill, &out->fill_map, GST_MAP_WRITE);
      out->fill_len = 0;
    }
    n = MIN (len, BUFFER_SIZE - out->fill_len);
    memcpy (out->fill_map.data + out->fill_len, data, n);
    out->fill_len += n;
    data += n;
    len -= n;
    if (out->fill_len == BUFFER_SIZE)
      finish_fill (out);
  }
  return !g_queue_is_empty (&out->ready);
}

static SeedanceSpool *reader (OutputState * out);

/* With a spool: `location` first, then the cache's file.  A failed write
 * pauses the transfer; create() then decides. */
static gboolean
spool_sink (const guint8 * data, gsize len, gpointer user_data)
{
  OutputState *out = &((GstSeedanceSrc *) user_data)->run.out;

  if (out->write_error)
    return TRUE;
  if (out->location && !seedance_spool_is_committed (out->location) &&
      !seedance_spool_write (out->location, data, len, &out->write_error))
    return TRUE;
  if (out->spool && !seedance_spool_write (out->spool, data, len,
          &out->write_error))
    return TRUE;
  /* Enough for the read that waits: pause, so that the first buffer goes
   * out at once instead of after all that one libcurl round brings. */
  return seedance_spool_get_size (reader (out)) >= out->spool_want;
}

/* Without a spool, a host that sends no length leaves the size unknown,
 * and qtdemux cannot then reach a moov atom at the end: the whole file is
 * spooled first, and served once its size is known. */
static GstFlowReturn
spool_unknown_size (GstSeedanceSrc * self)
{
  OutputState *out = &self->run.out;
  g_autofree gchar *target = g_build_filename (g_get_tmp_dir (),
      "gst-seedance.mp4", NULL);
  g_autoptr (GError) err = NULL;
  GstBuffer *buf;

  GST_INFO_OBJECT (self, "the video host sent no length: spooling the whole "
      "file before playing it");
  out->spool = seedance_spool_new (target, 0600, &err);
  if (out->spool == NULL) {
    POST_ERROR (self, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
        g_strdup ("The video host sent no length, and the video cannot be "
            "spooled to a temporary file"), g_strdup (err->message), NULL);
    return GST_FLOW_ERROR;
  }
  finish_fill (out);
  while ((buf = g_queue_pop_head (&out->ready))) {
    GstMapInfo map;
    gboolean ok;

    gst_buffer_map (buf, &map, GST_MAP_READ);
    ok = seedance_spool_write (out->spool, map.data, map.size, &err);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    if (!ok) {
      out->write_error = g_steal_pointer (&err);
      break;
    }
  }
  return GST_FLOW_OK;
}

static GstFlowReturn read_from_spool (GstSeedanceSrc * self, guint64 offset,
    GstBuffer ** buf);

static GstFlowReturn
read_from_network (GstSeedanceSrc * self, guint64 offset, GstBuffer ** buf)
{
  OutputState *out = &self->run.out;
  GstBuffer *b;

  if (offset != out->next_offset) {
    /* A seek: what was read ahead is for another place. */
    GST_DEBUG_OBJECT (self, "seek from %" G_GUINT64_FORMAT " to %"
        G_GUINT64_FORMAT, out->next_offset, offset);
    finish_fill (out);
    g_queue_clear_full (&out->ready, (GDestroyNotify) gst_buffer_unref);
    seedance_download_seek (out->download, offset);
    out->next_offset = offset;
  }

  while (g_queue_is_empty (&out->ready)) {
    gboolean eof = FALSE;
    GstFlowReturn ret = pump (self, buffer_sink, &eof);

    if (ret != GST_FLOW_OK)
      return ret;
    if (out->size < 0 && !eof &&
        seedance_download_get_position (out->download) > 0) {
      if ((ret = spool_unknown_size (self)) != GST_FLOW_OK)
        return ret;
      return read_from_spool (self, offset, buf);
    }
    /* Hand out what came, full buffer or not. */
    finish_fill (out);
    if (eof && g_queue_is_empty (&out->ready))
      return GST_FLOW_EOS;
  }

  b = g_queue_pop_head (&out->ready);
  if (!out->type_checked && out->next_offset == 0) {
    GstMapInfo map;
    gboolean ok;

    gst_buffer_map (b, &map, GST_MAP_READ);
    ok = looks_like_mp4 (self, map.data, MIN (map.size, TYPEFIND_SIZE));
    gst_buffer_unmap (b, &map);
    if (!ok) {
      gst_buffer_unref (b);
      return not_mp4 (self);
    }
    out->type_checked = TRUE;
  }
  GST_BUFFER_OFFSET (b) = out->next_offset;
  out->next_offset += gst_buffer_get_size (b);
  GST_BUFFER_OFFSET_END (b) = out->next_offset;
  *buf = b;
  return GST_FLOW_OK;
}

static SeedanceSpool *
reader (OutputState * out)
{
  return out->spool ? out->spool : out->location;
}

/* A spool write failed in the sink.  `location` is the user's: an error.
 * The cache's is not: one warning, and the run goes on without the cache,
 * from `location`'s file or from the network. */
static GstFlowReturn
spool_write_failed (GstSeedanceSrc * self)
{
  OutputState *out = &self->run.out;
  g_autoptr (GError) err = g_steal_pointer (&out->write_error);

  if (out->location && !seedance_spool_is_committed (out->location) &&
      seedance_spool_get_size (out->location) <
      seedance_download_get_position (out->download))
    return WRITE_FAILED (self, "location", err);
  if (out->spool == NULL || !out->spool_is_cache)
    return WRITE_FAILED (self, "spool", err);

  gst_seedance_src_drop_cache (self, err);
  g_clear_pointer (&out->spool, seedance_spool_free);
  out->spool_is_cache = FALSE;
  if (out->location == NULL)
    out->next_offset = G_MAXUINT64;     /* read_from_network seeks */
  else if (seedance_spool_get_size (out->location) <
      seedance_download_get_position (out->download))
    seedance_download_seek (out->download,
        seedance_spool_get_size (out->location));
  return GST_FLOW_OK;
}

/* The key is claimed again, briefly, to store the clip: another element
 * downloading the same task may have stored it first. */
static GstFlowReturn
store_clip (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  g_autoptr (GError) err = NULL;
  SeedanceCacheClaim *claim = seedance_cache_claim (run->cache.cache,
      run->cache.key, self->cancellable, &err);

  if (claim == NULL) {
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return GST_FLOW_FLUSHING;
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("cache-dir: the clip could not be stored: %s", err->message), (NULL));
    return GST_FLOW_OK;
  }
  if (seedance_cache_claim_get_kind (claim) == SEEDANCE_CACHE_HIT)
    GST_DEBUG_OBJECT (self, "another element stored the clip first");
  else if (seedance_cache_claim_store (claim, run->out.spool,
          run->task.final_json, &err))
    GST_INFO_OBJECT (self, "stored the clip in the cache");
  else if (g_error_matches (err, SEEDANCE_CACHE_ERROR,
          SEEDANCE_CACHE_ERROR_TOO_LARGE))
    GST_DEBUG_OBJECT (self, "the clip is larger than cache-max-size: "
        "delivered, not kept (%s)", err->message);
  else
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("cache-dir: the clip could not be stored: %s", err->message), (NULL));
  /* Stored (here or by another), the claim now holds the key for reading,
   * so the clip is not evicted while it is read; else it lets go. */
  if (err)
    seedance_cache_claim_free (claim);
  else
    run->cache.claim = claim;
  return GST_FLOW_OK;
}

/* The whole file is in: check it, then keep it (location, cache). */
static GstFlowReturn
finish_spool (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  OutputState *out = &run->out;
  SeedanceSpool *rd = reader (out);
  guint8 head[TYPEFIND_SIZE];
  g_autoptr (GError) err = NULL;
  gssize n;

  g_clear_pointer (&out->download, seedance_download_free);
  if (out->size < 0)
    set_size (self, (gint64) seedance_spool_get_size (rd));
  n = seedance_spool_pread (rd, head, sizeof (head), 0, NULL);
  if (n <= 0 || !looks_like_mp4 (self, head, (gsize) n))
    return not_mp4 (self);
  out->type_checked = TRUE;

  if (out->location && !seedance_spool_is_committed (out->location)) {
    if (!seedance_spool_commit (out->location, &err))
      return WRITE_FAILED (self, "location", err);
    GST_INFO_OBJECT (self, "saved the video to %s", run->s.location);
  }
  if (out->spool_is_cache && run->cache.cache)
    return store_clip (self);
  return GST_FLOW_OK;
}

/* Reads back what the download has written, and waits (downloads) for
 * what it has not.  While the size is unknown, the whole file first. */
static GstFlowReturn
read_from_spool (GstSeedanceSrc * self, guint64 offset, GstBuffer ** buf)
{
  OutputState *out = &self->run.out;
  g_autoptr (GError) err = NULL;
  GstMapInfo map;
  GstBuffer *b;
  gssize n;

  while (out->download) {
    guint64 have = seedance_spool_get_size (reader (out));
    gboolean eof = FALSE;
    GstFlowReturn ret;

    /* All in: kept now, as GstBaseSrc asks for nothing past the end. */
    if (out->size >= 0 && have >= (guint64) out->size) {
      if ((ret = finish_spool (self)) != GST_FLOW_OK)
        return ret;
      break;
    }
    if (out->size >= 0 && have > offset && (out->type_checked ||
            have >= (guint64) MIN (out->size, TYPEFIND_SIZE)))
      break;
    /* A whole buffer's worth past the offset; the whole file when the
     * host's answer said no size. */
    out->spool_want = out->size < 0 &&
        seedance_download_get_position (out->download) > 0 ? G_MAXUINT64 :
        MAX (offset + BUFFER_SIZE, TYPEFIND_SIZE);
    if ((ret = pump (self, spool_sink, &eof)) != GST_FLOW_OK)
      return ret;
    if (out->write_error) {
      if ((ret = spool_write_failed (self)) != GST_FLOW_OK)
        return ret;
      if (reader (out) == NULL)
        return read_from_network (self, offset, buf);
      continue;
    }
    if (eof && (ret = finish_spool (self)) != GST_FLOW_OK)
      return ret;
  }
  if (!out->type_checked) {
    guint8 head[TYPEFIND_SIZE];

    n = seedance_spool_pread (reader (out), head, sizeof (head), 0, NULL);
    if (n <= 0 || !looks_like_mp4 (self, head, (gsize) n))
      return not_mp4 (self);
    out->type_checked = TRUE;
  }

  if (offset >= (guint64) out->size)
    return GST_FLOW_EOS;
  b = gst_buffer_new_allocate (NULL, (gsize) MIN ((guint64) BUFFER_SIZE,
          seedance_spool_get_size (reader (out)) - offset), NULL);
  gst_buffer_map (b, &map, GST_MAP_WRITE);
  n = seedance_spool_pread (reader (out), map.data, map.size, offset, &err);
  gst_buffer_unmap (b, &map);
  if (n <= 0) {
    gst_buffer_unref (b);
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        ("Cannot read the downloaded video back"),
        ("%s", err ? err->message : "nothing to read"));
    return GST_FLOW_ERROR;
  }
  gst_buffer_set_size (b, (gsize) n);
  GST_BUFFER_OFFSET (b) = offset;
  GST_BUFFER_OFFSET_END (b) = offset + (guint64) n;
  *buf = b;
  return GST_FLOW_OK;
}

/* After the task: where the bytes come from and go. */
void
gst_seedance_src_prepare_output (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  OutputState *out = &run->out;
  g_autoptr (GError) err = NULL;

  run->phase = PHASE_OUTPUT;
  if (out->spool) {
    /* A cached clip: whole already. */
    set_size (self, (gint64) seedance_spool_get_size (out->spool));
    return;
  }
  out->download = seedance_download_new (seedance_client_get_http
      (run->client), run->task.video_url, run->s.retries, BACKOFF_MS,
      gst_seedance_src_library_log, self);
  if (run->cache.claim) {
    out->spool = seedance_cache_claim_new_spool (run->cache.claim, &err);
    if (out->spool)
      out->spool_is_cache = TRUE;
    else
      gst_seedance_src_drop_cache (self, err);
    /* The task is paid for and journalled: the key's lock has done its
     * work.  Others now resume the same task, or find the clip stored, and
     * none waits on this download, which goes at its downstream's pace (in
     * one pipeline, a second source waiting for it could hold up preroll
     * for ever). */
    g_clear_pointer (&run->cache.claim, seedance_cache_claim_free);
  }
}

GstFlowReturn
gst_seedance_src_read (GstSeedanceSrc * self, guint64 offset, GstBuffer ** buf)
{
  if (reader (&self->run.out))
    return read_from_spool (self, offset, buf);
  return read_from_network (self, offset, buf);
}
