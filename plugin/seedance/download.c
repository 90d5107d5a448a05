/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * The resumable video download: one http.h stream at a time, reopened from
 * the read position whenever it breaks.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "download.h"
#include "client.h"

/* *INDENT-OFF* */
G_DEFINE_QUARK (seedance-download-error-quark, seedance_download_error)
/* *INDENT-ON* */

struct _SeedanceDownload
{
  SeedanceHttp *http;
  gchar *url;
  guint retries;
  guint backoff_ms;
  SeedanceDownloadLogFunc log;
  gpointer log_data;

  SeedanceHttpStream *stream;   /* NULL between transfers */
  guint64 position;             /* the next byte the sink gets */
  gint64 size;                  /* -1 until an answer says it */
  guint host_status;

  guint failures;               /* in a row, without progress */
  guint64 failure_position;     /* `position` at the last failure */

  /* The caller's sink for the pump under way. */
  SeedanceHttpSink sink;
  gpointer sink_data;
};

SeedanceDownload *
seedance_download_new (SeedanceHttp * http, const gchar * url, guint retries,
    guint backoff_ms, SeedanceDownloadLogFunc log, gpointer log_data)
{
  SeedanceDownload *d = g_new0 (SeedanceDownload, 1);

  d->http = http;
  d->url = g_strdup (url);
  d->retries = retries;
  d->backoff_ms = backoff_ms;
  d->log = log;
  d->log_data = log_data;
  d->size = -1;
  return d;
}

void
seedance_download_free (SeedanceDownload * d)
{
  if (d == NULL)
    return;
  g_clear_pointer (&d->stream, seedance_http_stream_free);
  g_free (d->url);
  g_free (d);
}

void
seedance_download_set_url (SeedanceDownload * d, const gchar * url)
{
  g_clear_pointer (&d->stream, seedance_http_stream_free);
  g_free (d->url);
  d->url = g_strdup (url);
}

void
seedance_download_seek (SeedanceDownload * d, guint64 offset)
{
  if (offset == d->position && d->stream)
    return;
  g_clear_pointer (&d->stream, seedance_http_stream_free);
  d->position = offset;
}

guint64
seedance_download_get_position (SeedanceDownload * d)
{
  return d->position;
}

gint64
seedance_download_get_size (SeedanceDownload * d)
{
  return d->size;
}

guint
seedance_download_get_host_status (SeedanceDownload * d)
{
  return d->host_status;
}

/* Counts the bytes on their way to the caller's sink. */
static gboolean
counting_sink (const guint8 * data, gsize len, gpointer user_data)
{
  SeedanceDownload *d = user_data;

  d->position += len;
  return d->sink (data, len, d->sink_data);
}

/* A failure worth another try: wait, unless there were too many in a row
 * without progress.  FALSE with the error to give up with. */
static gboolean
transfer_failed (SeedanceDownload * d, GError * err, GError ** error)
{
  guint delay;

  g_clear_pointer (&d->stream, seedance_http_stream_free);
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, g_error_copy (err));
    return FALSE;
  }
  if (d->position > d->failure_position)
    d->failures = 0;
  d->failure_position = d->position;
  if (++d->failures > d->retries) {
    g_set_error (error, SEEDANCE_DOWNLOAD_ERROR,
        SEEDANCE_DOWNLOAD_ERROR_RETRIES_EXHAUSTED,
        "failed %u times in a row at byte %" G_GUINT64_FORMAT "%s: %s",
        d->failures, d->position, d->size >= 0 ? " of the file" : "",
        err->message);
    return FALSE;
  }
  delay = seedance_backoff_ms (d->backoff_ms, d->failures - 1, -1);
  seedance_log (d->log, d->log_data,
      "the download failed at byte %" G_GUINT64_FORMAT
      " (%s); resuming in %u ms", d->position, err->message, delay);
  return seedance_http_wait (d->http, delay, error);
}

/* Errors of the transport that no retry mends: passed on as they are, so
 * that the client's and the download's are told apart in one place. */
static gboolean
is_final_transport_error (GError * err, GError ** error)
{
  if (!g_error_matches (err, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_TLS) &&
      !g_error_matches (err, SEEDANCE_HTTP_ERROR,
          SEEDANCE_HTTP_ERROR_PROXY_AUTH) &&
      !g_error_matches (err, SEEDANCE_HTTP_ERROR,
          SEEDANCE_HTTP_ERROR_PROXY_REFUSED))
    return FALSE;
  g_propagate_error (error, g_error_copy (err));
  return TRUE;
}

typedef enum
{
  OPEN_OK,
  OPEN_RETRY,                   /* wait done, try again */
  OPEN_EOF,                     /* 416 at the end of the file */
  OPEN_FAILED,
} OpenResult;

static OpenResult
open_stream (SeedanceDownload * d, GError ** error)
{
  g_autoptr (GError) err = NULL;
  gint64 total;
  guint status;

  d->stream = seedance_http_stream_start (d->http, d->url, d->position,
      counting_sink, d, &err);
  if (d->stream == NULL) {
    if (is_final_transport_error (err, error))
      return OPEN_FAILED;
    return transfer_failed (d, err, error) ? OPEN_RETRY : OPEN_FAILED;
  }

  status = seedance_http_stream_get_status (d->stream);
  if (g_strcmp0 (seedance_http_stream_get_effective_url (d->stream),
          d->url) != 0)
    seedance_log (d->log, d->log_data, "the video was redirected to %s",
        seedance_http_stream_get_effective_url (d->stream));
  if (status == 200 || status == 206) {
    total = seedance_http_stream_get_total_size (d->stream);
    if (d->size >= 0 && total >= 0 && total != d->size) {
      g_clear_pointer (&d->stream, seedance_http_stream_free);
      g_set_error (error, SEEDANCE_DOWNLOAD_ERROR,
          SEEDANCE_DOWNLOAD_ERROR_SIZE_CHANGED, "the video changed size "
          "during the download (%" G_GINT64_FORMAT " then %" G_GINT64_FORMAT
          " bytes)", d->size, total);
      return OPEN_FAILED;
    }
    if (total >= 0)
      d->size = total;
    d->host_status = 0;
    return OPEN_OK;
  }

  g_clear_pointer (&d->stream, seedance_http_stream_free);
  d->host_status = status;
  if (status == 416 && d->size >= 0 && d->position >= (guint64) d->size)
    return OPEN_EOF;
  if (status == 403 || status == 404 || status == 410) {
    g_set_error (error, SEEDANCE_DOWNLOAD_ERROR,
        SEEDANCE_DOWNLOAD_ERROR_EXPIRED, "the video host refused the "
        "video's URL (HTTP %u)", status);
    return OPEN_FAILED;
  }
  if (status >= 500 || status == 429) {
    g_autoptr (GError) e = g_error_new (SEEDANCE_HTTP_ERROR,
        SEEDANCE_HTTP_ERROR_NETWORK, "the video host answered HTTP %u", status);

    return transfer_failed (d, e, error) ? OPEN_RETRY : OPEN_FAILED;
  }
  g_set_error (error, SEEDANCE_DOWNLOAD_ERROR,
      SEEDANCE_DOWNLOAD_ERROR_HOST_STATUS, "the video host answered HTTP %u",
      status);
  return OPEN_FAILED;
}

gboolean
seedance_download_pump (SeedanceDownload * d, SeedanceHttpSink sink,
    gpointer sink_data, gboolean * eof, GError ** error)
{
  g_autoptr (GError) err = NULL;
  gboolean stream_eof = FALSE;

  *eof = FALSE;
  d->sink = sink;
  d->sink_data = sink_data;

  if (d->size >= 0 && d->position >= (guint64) d->size) {
    g_clear_pointer (&d->stream, seedance_http_stream_free);
    *eof = TRUE;
    return TRUE;
  }
  while (d->stream == NULL) {
    switch (open_stream (d, error)) {
      case OPEN_OK:
        break;
      case OPEN_RETRY:
        continue;
      case OPEN_EOF:
        *eof = TRUE;
        return TRUE;
      case OPEN_FAILED:
        return FALSE;
    }
  }

  if (!seedance_http_stream_pump (d->stream, &stream_eof, &err)) {
    if (is_final_transport_error (err, error))
      return FALSE;
    /* The caller pumps again: that reopens from the position. */
    return transfer_failed (d, err, error);
  }
  if (!stream_eof)
    return TRUE;

  g_clear_pointer (&d->stream, seedance_http_stream_free);
  if (d->size >= 0 && d->position < (guint64) d->size) {
    /* The body ended early: a dropped connection is not the end. */
    g_autoptr (GError) e = g_error_new (SEEDANCE_HTTP_ERROR,
        SEEDANCE_HTTP_ERROR_NETWORK, "the body ended at byte %"
        G_GUINT64_FORMAT " of %" G_GINT64_FORMAT, d->position, d->size);

    return transfer_failed (d, e, error);
  }
  if (d->size >= 0 && d->position > (guint64) d->size) {
    g_set_error (error, SEEDANCE_DOWNLOAD_ERROR,
        SEEDANCE_DOWNLOAD_ERROR_TOO_LONG,
        "the video host sent more bytes than it announced");
    return FALSE;
  }
  if (d->size < 0)
    d->size = (gint64) d->position;
  *eof = TRUE;
  return TRUE;
}
