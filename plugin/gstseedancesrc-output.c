/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * seedancesrc's bytes: buffers read from the transfer (seedance/transfer.h,
 * which owns the download, the spools, `location` and the cache's store),
 * the size told downstream, typefinding, a fresh URL when the signed one
 * expired, and the transfer's errors as GStreamer's.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstseedancesrc-private.h"

#include <gst/base/gsttypefindhelper.h>

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

/* The transfer's check of the file's head, before it hands out a byte. */
static gboolean
head_is_mp4 (const guint8 * data, gsize len, gpointer user_data)
{
  GstSeedanceSrc *self = user_data;
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

gboolean
gst_seedance_src_open_output (GstSeedanceSrc * self, GError ** error)
{
  Run *run = &self->run;
  SeedanceTransferConfig config = {
    .client = run->client,
    .retries = run->s.retries,
    .backoff_ms = BACKOFF_MS,
    .log = gst_seedance_src_library_log,
    .log_data = self,
    .cancellable = self->cancellable,
    .location = run->s.location,
    .block_size = BUFFER_SIZE,
    .check_head = head_is_mp4,
    .check_head_data = self,
  };

  run->out.transfer = seedance_transfer_new (&config, error);
  return run->out.transfer != NULL;
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
  seedance_transfer_set_url (run->out.transfer, run->task.video_url);
  return GST_FLOW_OK;
}

/* What the transfer could not do, as GStreamer's errors. */
static GstFlowReturn
transfer_failed (GstSeedanceSrc * self, const GError * err)
{
  Run *run = &self->run;
  guint status = seedance_transfer_get_host_status (run->out.transfer);
  GstResourceError code = gst_seedance_src_resource_error_for (err);

  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return GST_FLOW_FLUSHING;
  if (g_error_matches (err, SEEDANCE_TRANSFER_ERROR,
          SEEDANCE_TRANSFER_ERROR_WRONG_TYPE)) {
    GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
        ("The file the service delivered for task %s is not an MP4 video",
            run->task.id), ("video URL %s", run->task.video_url));
    return GST_FLOW_ERROR;
  }
  if (err->domain == SEEDANCE_TRANSFER_ERROR) {
    POST_ERROR (self, GST_RESOURCE_ERROR, code, g_strdup (err->message),
        g_strdup_printf ("task %s", run->task.id), NULL);
    return GST_FLOW_ERROR;
  }
  if (g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_EXPIRED) ||
      g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_HOST_STATUS))
    code = status == 404 || status == 410 ? GST_RESOURCE_ERROR_NOT_FOUND :
        status == 401 || status == 403 ? GST_RESOURCE_ERROR_NOT_AUTHORIZED :
        GST_RESOURCE_ERROR_READ;
  POST_ERROR (self, GST_RESOURCE_ERROR, code,
      g_strdup_printf ("Downloading the video of task %s: %s", run->task.id,
          err->message), g_strdup_printf ("video URL %s",
          run->task.video_url), status ? gst_structure_new ("details",
          "http-status-code", G_TYPE_UINT, status, "task-id", G_TYPE_STRING,
          run->task.id, NULL) : NULL);
  return GST_FLOW_ERROR;
}

/* After the task: a stored clip, or the download. */
GstFlowReturn
gst_seedance_src_prepare_output (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  g_autoptr (GError) err = NULL;

  run->phase = PHASE_OUTPUT;
  if (run->task.origin == ORIGIN_CACHED) {
    if (!seedance_transfer_open_clip (run->out.transfer,
            g_steal_pointer (&run->cache.claim), &err))
      return transfer_failed (self, err);
  } else {
    seedance_transfer_download (run->out.transfer, run->task.video_url,
        run->cache.cache, run->cache.key, g_steal_pointer (&run->cache.claim),
        run->task.final_json);
  }
  return GST_FLOW_OK;
}

GstFlowReturn
gst_seedance_src_read (GstSeedanceSrc * self, guint64 offset, GstBuffer ** buf)
{
  Run *run = &self->run;
  g_autoptr (GError) err = NULL;
  GError *cache_err;
  GBytes *bytes = NULL;
  gboolean ok;
  gint64 size;

  while (!(ok = seedance_transfer_read (run->out.transfer, offset, &bytes,
              &err)) && g_error_matches (err, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_EXPIRED) &&
      run->task.url_refreshes < MAX_URL_REFRESHES) {
    GstFlowReturn ret = refresh_video_url (self);

    if (ret != GST_FLOW_OK)
      return ret;
    g_clear_error (&err);
  }
  if ((cache_err = seedance_transfer_take_cache_error (run->out.transfer))) {
    gst_seedance_src_drop_cache (self, cache_err);
    g_error_free (cache_err);
  }
  if (!ok)
    return transfer_failed (self, err);
  size = seedance_transfer_get_size (run->out.transfer);
  if (size >= 0 && size != run->out.size)
    set_size (self, size);
  if (bytes == NULL)
    return GST_FLOW_EOS;

  *buf = gst_buffer_new_wrapped_bytes (bytes);
  GST_BUFFER_OFFSET (*buf) = offset;
  GST_BUFFER_OFFSET_END (*buf) = offset + g_bytes_get_size (bytes);
  g_bytes_unref (bytes);
  return GST_FLOW_OK;
}
