/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * The resumable download of a generated video over http.h: Range requests
 * from the read position, resumption after a dropped, stalled or short
 * body, a check that every answer describes the same file, and a report
 * (never a query of its own) when the signed URL has expired: the caller
 * asks the task for a fresh URL and hands it on with
 * seedance_download_set_url.  A refused proxy tunnel or a certificate
 * that does not check out is http.h's error as it is.  Transient failures are retried with the
 * client's backoff (seedance_backoff_ms); `retries` counts consecutive
 * failures without a byte of progress.
 *
 * No GStreamer here.  A download belongs to the thread that pumps it; every
 * wait ends at once when the SeedanceHttp's cancellable is cancelled
 * (G_IO_ERROR_CANCELLED).
 */
#pragma once

#include "http.h"

G_BEGIN_DECLS

#define SEEDANCE_DOWNLOAD_ERROR (seedance_download_error_quark ())
GQuark seedance_download_error_quark (void);

typedef enum
{
  /* The host refused the signed URL (403, 404, 410): ask the task for a
   * fresh one, then seedance_download_set_url. */
  SEEDANCE_DOWNLOAD_ERROR_EXPIRED,
  /* An answer gave another total size than an earlier one. */
  SEEDANCE_DOWNLOAD_ERROR_SIZE_CHANGED,
  /* More bytes came than the size announced. */
  SEEDANCE_DOWNLOAD_ERROR_TOO_LONG,
  /* `retries` + 1 failures in a row without progress; the message says
   * the last one. */
  SEEDANCE_DOWNLOAD_ERROR_RETRIES_EXHAUSTED,
  /* The host answered an error status that retrying cannot mend;
   * seedance_download_get_host_status tells which. */
  SEEDANCE_DOWNLOAD_ERROR_HOST_STATUS,
} SeedanceDownloadError;

typedef void (*SeedanceDownloadLogFunc) (const gchar * message,
    gpointer user_data);

typedef struct _SeedanceDownload SeedanceDownload;

/* Nothing is sent until the first pump.  `http` must outlive the
 * download. */
SeedanceDownload *seedance_download_new (SeedanceHttp * http,
    const gchar * url, guint retries, guint backoff_ms,
    SeedanceDownloadLogFunc log, gpointer log_data);
void seedance_download_free (SeedanceDownload * download);

/* A fresh signed URL for the same file, after ..._ERROR_EXPIRED. */
void seedance_download_set_url (SeedanceDownload * download,
    const gchar * url);

/* Moves the read position: the transfer under way is dropped and the next
 * pump asks for the file from `offset`. */
void seedance_download_seek (SeedanceDownload * download, guint64 offset);

/* The offset of the next byte the sink will be given. */
guint64 seedance_download_get_position (SeedanceDownload * download);

/* The size of the whole file once an answer said it, else -1. */
gint64 seedance_download_get_size (SeedanceDownload * download);

/* The last error status the host answered, 0 when none. */
guint seedance_download_get_host_status (SeedanceDownload * download);

/* Runs the transfer until the sink asked for a pause or some data came,
 * the file ended (`*eof` TRUE), or an error.  Opens a transfer when there
 * is none, and resumes a broken one from the position after a backoff. */
gboolean seedance_download_pump (SeedanceDownload * download,
    SeedanceHttpSink sink, gpointer sink_data, gboolean * eof,
    GError ** error);

G_END_DECLS
