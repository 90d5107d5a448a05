/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * What seedancesrc tells the application: `seedance-task` messages,
 * progress, the report properties, and errors with their details.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstseedancesrc-private.h"

#include <string.h>

static gdouble
elapsed_s (GstSeedanceSrc * self)
{
  return (g_get_monotonic_time () - self->run.started_us) / 1e6;
}

/* A `seedance-task` message: the event, the task and the time, then the
 * fields given as for gst_structure_set (NULL-terminated). */
void
gst_seedance_src_post_task_event (GstSeedanceSrc * self, const gchar * event,
    const gchar * first_field, ...)
{
  GstStructure *s = gst_structure_new ("seedance-task",
      "event", G_TYPE_STRING, event,
      "task-id", G_TYPE_STRING, self->run.task.id,
      "elapsed", G_TYPE_DOUBLE, elapsed_s (self), NULL);

  if (first_field) {
    va_list args;

    va_start (args, first_field);
    gst_structure_set_valist (s, first_field, args);
    va_end (args);
  }
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Progress is tracked here only: a step opens it (START) or carries it on
 * (CONTINUE); an end closes it.  COMPLETE opens it first when nothing
 * did, CANCELED is only said of an open one, ERROR is always said. */
static void
post_progress (GstSeedanceSrc * self, GstProgressType type, const gchar * text)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_progress (GST_OBJECT (self), type, "seedance-generate",
          text));
}

void
gst_seedance_src_progress_step (GstSeedanceSrc * self, const gchar * text)
{
  post_progress (self, self->run.progress_started ?
      GST_PROGRESS_TYPE_CONTINUE : GST_PROGRESS_TYPE_START, text);
  self->run.progress_started = TRUE;
}

void
gst_seedance_src_progress_end (GstSeedanceSrc * self, GstProgressType type,
    const gchar * text)
{
  if (!self->run.progress_started) {
    if (type == GST_PROGRESS_TYPE_CANCELED)
      return;
    if (type == GST_PROGRESS_TYPE_COMPLETE)
      post_progress (self, GST_PROGRESS_TYPE_START, text);
  }
  post_progress (self, type, text);
  self->run.progress_started = FALSE;
}

void
gst_seedance_src_set_report (GstSeedanceSrc * self, gchar ** field,
    const gchar * value, const gchar * property)
{
  gboolean changed;

  GST_OBJECT_LOCK (self);
  changed = g_strcmp0 (*field, value) != 0;
  if (changed) {
    g_free (*field);
    *field = g_strdup (value);
  }
  GST_OBJECT_UNLOCK (self);
  if (changed)
    g_object_notify (G_OBJECT (self), property);
}

static void
set_report_int (GstSeedanceSrc * self, gint64 * field, gint64 value,
    const gchar * property)
{
  gboolean changed;

  GST_OBJECT_LOCK (self);
  changed = *field != value;
  *field = value;
  GST_OBJECT_UNLOCK (self);
  if (changed)
    g_object_notify (G_OBJECT (self), property);
}

void
gst_seedance_src_set_status (GstSeedanceSrc * self, SeedanceStatus status,
    const gchar * str)
{
  GST_OBJECT_LOCK (self);
  self->run.task.status = status;
  GST_OBJECT_UNLOCK (self);
  gst_seedance_src_set_report (self, &self->status, str, "status");
}

void
gst_seedance_src_report_task (GstSeedanceSrc * self, const SeedanceTask * task)
{
  if (task->seed >= 0)
    set_report_int (self, &self->actual_seed, task->seed, "actual-seed");
  if (task->total_tokens >= 0)
    set_report_int (self, &self->usage_tokens, task->total_tokens,
        "usage-tokens");
  if (task->video_url)
    gst_seedance_src_set_report (self, &self->video_url, task->video_url,
        "video-url");
  if (task->last_frame_url)
    gst_seedance_src_set_report (self, &self->last_frame_url,
        task->last_frame_url, "last-frame-url");
}

void
gst_seedance_src_library_log (const gchar * message, gpointer user_data)
{
  GST_INFO_OBJECT (user_data, "%s", message);
}

GstResourceError
gst_seedance_src_resource_error_for (const GError * err)
{
  if (err->domain == SEEDANCE_CLIENT_ERROR) {
    switch (err->code) {
      case SEEDANCE_CLIENT_ERROR_AUTH:
      case SEEDANCE_CLIENT_ERROR_PROXY_AUTH:
        return GST_RESOURCE_ERROR_NOT_AUTHORIZED;
      case SEEDANCE_CLIENT_ERROR_BAD_REQUEST:
        return GST_RESOURCE_ERROR_SETTINGS;
      case SEEDANCE_CLIENT_ERROR_NOT_FOUND:
        return GST_RESOURCE_ERROR_NOT_FOUND;
      case SEEDANCE_CLIENT_ERROR_TLS:
      case SEEDANCE_CLIENT_ERROR_PROXY_REFUSED:
        return GST_RESOURCE_ERROR_OPEN_READ;
      case SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN:
        return GST_RESOURCE_ERROR_FAILED;
      default:
        return GST_RESOURCE_ERROR_READ;
    }
  }
  if (err->domain == SEEDANCE_REQUEST_ERROR) {
    switch (err->code) {
      case SEEDANCE_REQUEST_ERROR_NOT_FOUND:
        return GST_RESOURCE_ERROR_NOT_FOUND;
      case SEEDANCE_REQUEST_ERROR_READ:
        return GST_RESOURCE_ERROR_OPEN_READ;
      default:
        return GST_RESOURCE_ERROR_SETTINGS;
    }
  }
  /* The video host's transport, as the download passes it on. */
  if (g_error_matches (err, SEEDANCE_HTTP_ERROR,
          SEEDANCE_HTTP_ERROR_PROXY_AUTH))
    return GST_RESOURCE_ERROR_NOT_AUTHORIZED;
  if (g_error_matches (err, SEEDANCE_HTTP_ERROR,
          SEEDANCE_HTTP_ERROR_PROXY_REFUSED) ||
      g_error_matches (err, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_TLS))
    return GST_RESOURCE_ERROR_OPEN_READ;
  if (err->domain == SEEDANCE_TRANSFER_ERROR) {
    switch (err->code) {
      case SEEDANCE_TRANSFER_ERROR_OPEN_WRITE:
        return GST_RESOURCE_ERROR_OPEN_WRITE;
      case SEEDANCE_TRANSFER_ERROR_WRITE:
        return GST_RESOURCE_ERROR_WRITE;
      case SEEDANCE_TRANSFER_ERROR_NO_SPACE:
        return GST_RESOURCE_ERROR_NO_SPACE_LEFT;
      default:
        return GST_RESOURCE_ERROR_READ;
    }
  }
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return GST_RESOURCE_ERROR_NO_SPACE_LEFT;
  return GST_RESOURCE_ERROR_READ;
}

/* What the service said goes in the details, so that applications can
 * branch on its code; the user's text is the client's sentence. */
static GstStructure *
client_error_details (GstSeedanceSrc * self, const GError * err,
    const SeedanceServiceError * se, gchar ** text, gchar ** debug)
{
  GstStructure *details = gst_structure_new ("details",
      "task-id", G_TYPE_STRING, self->run.task.id, NULL);

  *text = g_strdup (err->message);
  if (se == NULL) {
    *debug = g_strdup_printf ("%s error %d", g_quark_to_string (err->domain),
        err->code);
    return details;
  }
  gst_structure_set (details, "http-status-code", G_TYPE_UINT,
      se->http_status, NULL);
  if (se->code)
    gst_structure_set (details, "code", G_TYPE_STRING, se->code, NULL);
  if (se->message)
    gst_structure_set (details, "message", G_TYPE_STRING, se->message, NULL);
  if (se->type)
    gst_structure_set (details, "type", G_TYPE_STRING, se->type, NULL);
  if (se->param)
    gst_structure_set (details, "param", G_TYPE_STRING, se->param, NULL);
  if (se->http_status == 429 && g_strcmp0 (se->code, "QuotaExceeded") == 0) {
    gchar *t = g_strdup_printf ("%s (too many tasks are queued on this "
        "account; wait for some to finish)", *text);

    g_free (*text);
    *text = t;
  }
  *debug = g_strdup_printf ("HTTP status %u, code %s, type %s, param %s",
      se->http_status, GST_STR_NULL (se->code), GST_STR_NULL (se->type),
      GST_STR_NULL (se->param));
  return details;
}

GstFlowReturn
gst_seedance_src_flow_for_error_at (GstSeedanceSrc * self, const GError * err,
    const SeedanceServiceError * se, const gchar * file,
    const gchar * function, gint line)
{
  GstStructure *details;
  gchar *text, *debug;

  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    GST_DEBUG_OBJECT (self, "woken up: flushing");
    return GST_FLOW_FLUSHING;
  }
  if (self->run.progress_started)
    gst_seedance_src_progress_end (self, GST_PROGRESS_TYPE_ERROR, err->message);
  details = client_error_details (self, err, se, &text, &debug);
  gst_element_message_full_with_details (GST_ELEMENT (self),
      GST_MESSAGE_ERROR, GST_RESOURCE_ERROR,
      gst_seedance_src_resource_error_for (err), text, debug, file, function,
      line, details);
  return GST_FLOW_ERROR;
}

/* The one warning for a cache that cannot be used: the element goes on
 * without it, since the cache never fails a clip the API could deliver. */
void
gst_seedance_src_drop_cache (GstSeedanceSrc * self, const GError * err)
{
  CacheState *c = &self->run.cache;

  GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
      ("cache-dir: %s; going on without the cache", err->message),
      ("cache directory %s", c->cache ? seedance_cache_get_dir (c->cache) :
          "(none)"));
  g_clear_pointer (&c->claim, seedance_cache_claim_free);
  g_clear_pointer (&c->cache, seedance_cache_free);
}
