/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* libcurl transfers for the Seedance client: API calls and the video
 * download, each interruptible at once through one GCancellable.
 *
 * No GStreamer here: the protocol layer knows nothing of pads or buffers.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SEEDANCE_HTTP_ERROR (seedance_http_error_quark ())
GQuark seedance_http_error_quark (void);

typedef enum
{
  /* The request cannot have reached the server: name not resolved,
   * connection refused, connect timeout. */
  SEEDANCE_HTTP_ERROR_CONNECT,
  /* No byte for the stall timeout while waiting for an answer or a body. */
  SEEDANCE_HTTP_ERROR_STALLED,
  /* The connection broke after the request was sent. */
  SEEDANCE_HTTP_ERROR_NETWORK,
  /* TLS: certificate not trusted, handshake failed.  The message names the
   * host (host[:port] of the URL) and libcurl's reason. */
  SEEDANCE_HTTP_ERROR_TLS,
  /* An answer body larger than the caller accepts. */
  SEEDANCE_HTTP_ERROR_TOO_LARGE,
  /* Anything else libcurl refused (bad URL, out of memory). */
  SEEDANCE_HTTP_ERROR_FAILED,
  /* The proxy asked for credentials (HTTP 407, or 401 to a CONNECT), to
   * open a tunnel or to forward a plain request: nothing reached the
   * server.  The message
   * names the proxy (host:port, never its credentials), the status and
   * the host asked for. */
  SEEDANCE_HTTP_ERROR_PROXY_AUTH,
  /* The proxy answered CONNECT with another non-2xx status (403 for a
   * port it does not tunnel to, 502 when it cannot reach the host):
   * nothing reached the server.  The message as for PROXY_AUTH. */
  SEEDANCE_HTTP_ERROR_PROXY_REFUSED,
} SeedanceHttpError;

typedef struct
{
  guint connect_timeout_s;      /* 0: libcurl's default */
  guint stall_timeout_s;        /* no byte received for this long: error */
  const gchar *user_agent;      /* NULL: "gst-seedance/VERSION" */
  /* "http://[user:pass@]host:port"; NULL: libcurl's environment variables
   * (https_proxy, http_proxy, all_proxy, no_proxy); "": no proxy. */
  const gchar *proxy;
  gboolean ssl_strict;          /* verify peer and host name */
  const gchar *ca_file;         /* NULL: the system's store */
} SeedanceHttpConfig;

typedef struct _SeedanceHttp SeedanceHttp;

/* One per run.  Every wait of every transfer made through it ends with
 * G_IO_ERROR_CANCELLED as soon as `cancellable` is cancelled. */
SeedanceHttp *seedance_http_new (const SeedanceHttpConfig * config,
    GCancellable * cancellable);
void seedance_http_free (SeedanceHttp * http);

/* Sleep `ms`, or less when cancelled (then FALSE with G_IO_ERROR_CANCELLED). */
gboolean seedance_http_wait (SeedanceHttp * http, guint ms, GError ** error);

/* The same, but a cancelled `wake` (which may be NULL) also ends the sleep
 * early, as a success: something the caller should look at now. */
gboolean seedance_http_wait_or_wake (SeedanceHttp * http, guint ms,
    GCancellable * wake, GError ** error);

typedef struct
{
  guint status;                 /* HTTP status of the final answer */
  GBytes *body;                 /* never NULL */
  gint retry_after_s;           /* Retry-After in seconds, -1 when absent */
} SeedanceHttpResponse;

void seedance_http_response_clear (SeedanceHttpResponse * response);

/* A whole request and answer.  `bearer` (the API key), when not NULL, is
 * sent as `Authorization: Bearer` to the host of `url` only: libcurl drops
 * it on a redirect to any other host or port, and never sends it to a
 * proxy.  A body larger than `max_body` ends the transfer with
 * SEEDANCE_HTTP_ERROR_TOO_LARGE.  HTTP/2 where TLS's ALPN offers it. */
gboolean seedance_http_call (SeedanceHttp * http, const gchar * method,
    const gchar * url, const gchar * bearer, GBytes * body, gsize max_body,
    SeedanceHttpResponse * response, GError ** error);

/* The body of a download goes to a sink; it returns TRUE when it wants the
 * transfer to pause after this chunk (its buffer is full).  The data is
 * only valid during the call: this is where the one copy is made. */
typedef gboolean (*SeedanceHttpSink) (const guint8 * data, gsize len,
    gpointer user_data);

typedef struct _SeedanceHttpStream SeedanceHttpStream;

/* GET `url` with `Range: bytes=OFFSET-` (from byte 0 too: a 206 tells the
 * total size where a plain GET may come without a length), without any
 * Authorization, and return once the final answer's headers are in.  A
 * 200 is the whole file; the bytes before `offset` are dropped.  The
 * caller checks the status; the sink is only ever given the body of a
 * 2xx answer. */
SeedanceHttpStream *seedance_http_stream_start (SeedanceHttp * http,
    const gchar * url, guint64 offset, SeedanceHttpSink sink,
    gpointer user_data, GError ** error);

guint seedance_http_stream_get_status (SeedanceHttpStream * stream);
/* The size of the whole file, from Content-Range (206) or Content-Length
 * (200); -1 when neither says it (chunked, or ended by closing). */
gint64 seedance_http_stream_get_total_size (SeedanceHttpStream * stream);
const gchar *seedance_http_stream_get_effective_url (SeedanceHttpStream *
    stream);

/* Run the transfer until the sink asked for a pause, some data came and no
 * more is ready right now, the body ended (`*eof` TRUE), or an error.  */
gboolean seedance_http_stream_pump (SeedanceHttpStream * stream,
    gboolean * eof, GError ** error);

/* Abort if still running; safe at any point. */
void seedance_http_stream_free (SeedanceHttpStream * stream);

/* `url` with its user info replaced by "***" ("user:pass@host:3128"
 * becomes "***@host:3128" after the scheme), everything else kept as is
 * (the query of a signed URL too), for anyone who shows a URL that may
 * carry credentials (a proxy's).  Also for proxy strings without a
 * scheme.  NULL for NULL; g_free. */
gchar *seedance_http_redact_url (const gchar * url);

G_END_DECLS
