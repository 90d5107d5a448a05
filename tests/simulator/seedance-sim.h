/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* seedance-sim: a local, Seedance-compatible video generation service.
 *
 * An independent reading of ../shared/api/README.md (it shares no code with
 * the plugin): the API on http://127.0.0.1:PORT/api/v3, the generated files
 * on a second loopback address (127.0.0.2) so that tests can tell the two
 * hosts apart, tasks that walk queued -> running -> succeeded, real MP4s
 * rendered with GStreamer, a log of every request, and faults on demand.
 *
 * At fleet scale: a rate limit per API key (429 with Retry-After), a cap on
 * queued tasks (429 QuotaExceeded), a strict list endpoint or none at all
 * (a gateway without it), tasks that finish on the wall clock whether or
 * not anyone polls, one shared video file served for every task without
 * rendering, and counts of answers by status.
 *
 * Networks: HTTPS with a test CA made here (seedance_sim_make_test_pki), the
 * API on the IPv6 loopback, file hosts that answer chunked, end the body by
 * closing the connection or redirect to a third loopback host (127.0.0.3),
 * and videos published to another server (a real CDN a test runs).
 *
 * All functions are thread-safe: the server runs in its own thread and
 * GMainContext, tests call these from theirs.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SeedanceSim SeedanceSim;

/* Which kind of request a fault or a count applies to. */
typedef enum
{
  SEEDANCE_SIM_CREATE,          /* POST   /api/v3/contents/generations/tasks */
  SEEDANCE_SIM_QUERY,           /* GET    /api/v3/contents/generations/tasks/{id} */
  SEEDANCE_SIM_DELETE,          /* DELETE /api/v3/contents/generations/tasks/{id} */
  SEEDANCE_SIM_LIST,            /* GET    /api/v3/contents/generations/tasks?... */
  SEEDANCE_SIM_VIDEO,           /* GET    a task's video on the file host */
  SEEDANCE_SIM_LAST_FRAME,      /* GET    a task's last-frame PNG on the file host */
  SEEDANCE_SIM_ANY_ENDPOINT
} SeedanceSimEndpoint;

typedef enum
{
  /* Answer `status` with an Ark error body {"error": {code, message, type,
   * param}} from `code`/`message`; a Retry-After header when
   * retry_after_s > 0. */
  SEEDANCE_SIM_FAULT_STATUS,
  /* 502 with an HTML body and Content-Type text/html, as a gateway does. */
  SEEDANCE_SIM_FAULT_HTML,
  /* 200, Content-Type application/json, a body that is not valid JSON. */
  SEEDANCE_SIM_FAULT_MALFORMED,
  /* 200 with a valid JSON object over 1 MiB (a huge unknown field). */
  SEEDANCE_SIM_FAULT_OVERSIZED,
  /* 200 with JSON of the wrong shape: "status": 7, "content": "x", ... */
  SEEDANCE_SIM_FAULT_WRONG_TYPES,
  /* Answer normally, but only after delay_ms. */
  SEEDANCE_SIM_FAULT_DELAY,
  /* Accept the request and never answer (until the client gives up or the
   * simulator is freed). */
  SEEDANCE_SIM_FAULT_STALL,
  /* Video/last frame: send the headers (full Content-Length) and `bytes`
   * bytes of body, then close the connection. */
  SEEDANCE_SIM_FAULT_DROP_AFTER,
  /* Video: send the headers and `bytes` bytes, then go silent, keeping the
   * connection open. */
  SEEDANCE_SIM_FAULT_STALL_AFTER,
  /* Video: 403 with an XML "Request has expired" body, as a CDN does for a
   * signed URL past its expiry.  A query of the task after the fault hands
   * out a fresh signature. */
  SEEDANCE_SIM_FAULT_EXPIRED_URL,
  /* Any endpoint: 302 to the same path and query on the other loopback
   * host (API <-> file host swap its host:port). */
  SEEDANCE_SIM_FAULT_REDIRECT,
  /* Video: ignore Range, always 200 with the whole file. */
  SEEDANCE_SIM_FAULT_IGNORE_RANGE,
  /* Video: "Accept-Ranges: none", ignore Range, 200 with the whole file. */
  SEEDANCE_SIM_FAULT_NO_RANGES,
  /* Video: a Content-Length of the full size, then only `bytes` bytes and
   * a clean end of the message (a short body). */
  SEEDANCE_SIM_FAULT_SHORT_BODY,
  /* Video: 200, Content-Type video/mp4, but the body is an HTML page. */
  SEEDANCE_SIM_FAULT_NOT_MP4,
  /* Query: the task says "succeeded" with no content.video_url. */
  SEEDANCE_SIM_FAULT_NO_VIDEO_URL,
  /* Video/last frame: the body with chunked transfer encoding and no
   * Content-Length; a 206 still carries Content-Range with the total.  As
   * SEEDANCE_SIM_FILE_HOST_CHUNKED for one request. */
  SEEDANCE_SIM_FAULT_CHUNKED,
  /* Video/last frame: no Content-Length and no chunking, the end of the
   * body is the connection closing.  As SEEDANCE_SIM_FILE_HOST_EOF_BODY for
   * one request. */
  SEEDANCE_SIM_FAULT_EOF_BODY,
  /* Video/last frame: 302 to the same path and query on the second file
   * host (seedance_sim_get_second_file_host), which serves the file.  As
   * SEEDANCE_SIM_FILE_HOST_REDIRECT_HOST for one request. */
  SEEDANCE_SIM_FAULT_REDIRECT_HOST,
} SeedanceSimFaultKind;

/* How the file host answers every video and last-frame request, combined
 * with what a fault adds for one request (a fault's CHUNKED, EOF_BODY,
 * REDIRECT_HOST, IGNORE_RANGE and NO_RANGES are the same as these). */
typedef enum
{
  SEEDANCE_SIM_FILE_HOST_NORMAL = 0,
  /* chunked transfer encoding, no Content-Length (wins over EOF_BODY) */
  SEEDANCE_SIM_FILE_HOST_CHUNKED = 1 << 0,
  /* no Content-Length, no chunking: the body ends when the connection
   * closes */
  SEEDANCE_SIM_FILE_HOST_EOF_BODY = 1 << 1,
  /* ignore Range: 200 with the whole file */
  SEEDANCE_SIM_FILE_HOST_IGNORE_RANGE = 1 << 2,
  /* "Accept-Ranges: none" and ignore Range */
  SEEDANCE_SIM_FILE_HOST_NO_RANGES = 1 << 3,
  /* the file host redirects (302) to the second file host, which answers
   * with the other flags.  The 302 and the request that follows are two
   * requests: each takes a fault of its own. */
  SEEDANCE_SIM_FILE_HOST_REDIRECT_HOST = 1 << 4,
} SeedanceSimFileHostFlags;

typedef struct
{
  guint status;                 /* FAULT_STATUS: the HTTP status */
  const gchar *code;            /* FAULT_STATUS: error.code (may be NULL) */
  const gchar *message;         /* FAULT_STATUS: error.message (may be NULL) */
  guint retry_after_s;          /* FAULT_STATUS: Retry-After header, 0 = none */
  guint delay_ms;               /* FAULT_DELAY */
  guint64 bytes;                /* DROP_AFTER, STALL_AFTER, SHORT_BODY */
} SeedanceSimFaultParams;

/* One request as the simulator received it. */
typedef struct
{
  gchar *method;
  gchar *host;                  /* the Host header */
  gchar *path;                  /* without the query */
  gchar *query;                 /* NULL when none */
  gchar *authorization;         /* the Authorization header, NULL when none */
  gchar *range;                 /* the Range header, NULL when none */
  gchar *headers;               /* every header, "Name: value\n" each */
  gchar *body;                  /* NUL-terminated request body, "" if none */
  SeedanceSimEndpoint endpoint; /* SEEDANCE_SIM_ANY_ENDPOINT if unknown */
  guint status;                 /* the status answered */
  gint64 time_us;               /* g_get_monotonic_time () when received */
} SeedanceSimRequest;

SeedanceSim *seedance_sim_new (void);

/* Configuration: call before or after start; it applies to what follows. */

/* The key that `Authorization: Bearer KEY` must carry (default "sim-key"). */
void seedance_sim_set_api_key (SeedanceSim * sim, const gchar * key);

/* How long a task stays queued, then running (defaults 100 ms and 300 ms),
 * in wall-clock time from its creation: a task moves on by itself, whether
 * or not it is queried.  A task leaves running only when its video is
 * rendered, whichever is later (never later with seedance_sim_set_video_file
 * and no return_last_frame). */
void seedance_sim_set_schedule (SeedanceSim * sim, guint queued_ms,
    guint running_ms);

/* How the next tasks end: "succeeded" (default), "failed", "expired" or
 * "cancelled", with error.code and error.message on the task object for the
 * ones that are not "succeeded".  NULL status restores the default. */
void seedance_sim_set_outcome (SeedanceSim * sim, const gchar * status,
    const gchar * error_code, const gchar * error_message);

/* Render options for the next tasks.  `video_kbps` 0 = the default
 * (small, fast files); `noise` renders an incompressible picture so that a
 * high bitrate gives a large file.  mp4mux writes the moov atom at the end
 * unless `faststart` is TRUE. */
void seedance_sim_set_render (SeedanceSim * sim, guint video_kbps,
    gboolean noise, gboolean faststart);

/* Serve this existing file as the video of every task that follows, instead
 * of rendering one (the benchmark's 400 MB files).  NULL to go back to
 * rendering.  Nothing is rendered per task then: the file is served as it
 * is (mapped, never copied), and a last frame asked for (return_last_frame)
 * is one picture per resolution and ratio, without the prompt, rendered
 * once and shared. */
void seedance_sim_set_video_file (SeedanceSim * sim, const gchar * path);

/* At most `calls_per_minute` API calls (create, query, delete, list; not
 * the file host) per API key in any sliding 60 s window; 0 = no limit (the
 * default).  The call past the limit is answered 429 with an Ark error body
 * (code "RateLimitExceeded.EndpointRPM") and `Retry-After`: the whole
 * seconds until the oldest call in the window leaves it, at least 1.  A
 * call answered 429 for the rate limit does not count in the window, nor
 * does one refused with 401, one to an unknown path or one answered by a
 * fault that replaces the answer (STATUS, HTML, MALFORMED, WRONG_TYPES,
 * REDIRECT, STALL); a create refused with QuotaExceeded does count.  Calls
 * made while there is no limit are not counted.  The request log records
 * the 429s. */
void seedance_sim_set_rate_limit (SeedanceSim * sim, guint calls_per_minute);

/* A create while `n` tasks are queued is answered 429 with code
 * "QuotaExceeded" and creates no task; 0 = no limit (the default).  Checked
 * after the key and the rate limit, before the body is validated.
 * seedance_sim_create_task () is not held to it (it fills the queue). */
void seedance_sim_set_max_queued (SeedanceSim * sim, guint n);

/* The list endpoint takes page_num and page_size (whole numbers 1 to 500,
 * defaults 1 and 10), filter.status (a task status), filter.task_ids (one
 * id; repeat the parameter for several), filter.model (the name sent or the
 * upstream one) and filter.service_tier; a value out of those is answered
 * 400 InvalidParameter with the parameter's name in error.param.  It
 * answers {"total": N, "items": [...]}, newest first, each item the task
 * object exactly as a query of it answers.
 *
 * 0 (the default): the list endpoint works.  404, 405 or 400: every list
 * request is answered with that status and an Ark error body, before the
 * key is checked and without counting in the rate limit, as a gateway
 * without the endpoint does (405 carries "Allow: POST"). */
void seedance_sim_set_list_status (SeedanceSim * sim, guint status);

/* SeedanceSimFileHostFlags for every request to the file hosts from now on
 * (default SEEDANCE_SIM_FILE_HOST_NORMAL). */
void seedance_sim_set_file_host_mode (SeedanceSim * sim, guint flags);

/* Publish videos on another server (a CDN the test runs, e.g. nginx): a
 * task that succeeds while this is set gets its video file written into
 * `dir` as "<task id>.mp4" (a hard link when on the same file system, a
 * copy otherwise), and content.video_url "<base_url>/<task id>.mp4?" with
 * the same signed query as on the simulator's file host (which the other
 * server ignores).  The simulator's file host still serves it too; the
 * last frame stays there.  Files written are deleted by
 * seedance_sim_free ().  A task whose file cannot be written fails with
 * InternalServiceError.  NULL base_url restores the default. */
void seedance_sim_set_video_base_url (SeedanceSim * sim,
    const gchar * base_url, const gchar * dir);

/* Before seedance_sim_start: the API and the file hosts listen with TLS,
 * with this certificate (PEM, may hold the chain) and private key (PEM),
 * and the URLs the simulator hands out are https://.  HTTP/1.1 only.
 * Callbacks to the simulator's own hosts accept its certificate.  Start
 * fails when the files cannot be loaded or GIO has no TLS backend
 * (glib-networking). */
void seedance_sim_set_tls (SeedanceSim * sim, const gchar * cert_pem,
    const gchar * key_pem);

/* Before seedance_sim_start: the API listens on [::1] instead of
 * 127.0.0.1 (the file hosts stay on IPv4).  Start fails with a message
 * saying so when the machine has no IPv6 loopback. */
void seedance_sim_set_ipv6 (SeedanceSim * sim, gboolean ipv6);

/* Add a fault for requests to `endpoint`: it applies to the next `times`
 * matching requests (0 = every one, until cleared).  Faults are consumed in
 * the order they were added. */
void seedance_sim_add_fault (SeedanceSim * sim, SeedanceSimEndpoint endpoint,
    SeedanceSimFaultKind kind, guint times,
    const SeedanceSimFaultParams * params);
void seedance_sim_clear_faults (SeedanceSim * sim);

/* Listen on 127.0.0.1 (API; [::1] with seedance_sim_set_ipv6), 127.0.0.2
 * (files) and 127.0.0.3 (the second file host), ports chosen by the OS (or
 * `port` for the API when non-zero), in the simulator's own thread.
 * Returns when all are listening.  (Where 127.0.0.2 or 127.0.0.3 cannot be
 * bound, that host is 127.0.0.1 on a port of its own.) */
gboolean seedance_sim_start (SeedanceSim * sim, guint port, GError ** error);

/* "http://127.0.0.1:PORT/api/v3" ("http://[::1]:PORT/api/v3" with IPv6,
 * "https://" with TLS) */
const gchar *seedance_sim_get_base_url (SeedanceSim * sim);
/* "http://127.0.0.2:PORT" ("https://" with TLS) */
const gchar *seedance_sim_get_file_host_url (SeedanceSim * sim);
/* "127.0.0.1:PORT" ("[::1]:PORT" with IPv6) and "127.0.0.2:PORT", as the
 * Host header carries them */
const gchar *seedance_sim_get_api_host (SeedanceSim * sim);
const gchar *seedance_sim_get_file_host (SeedanceSim * sim);
/* "127.0.0.3:PORT": the host SEEDANCE_SIM_FILE_HOST_REDIRECT_HOST sends the
 * file host's clients to */
const gchar *seedance_sim_get_second_file_host (SeedanceSim * sim);

/* Stop (answering every stalled request by closing it), join the thread,
 * delete the rendered files, free. */
void seedance_sim_free (SeedanceSim * sim);

/* The request log. */
GPtrArray *seedance_sim_get_requests (SeedanceSim * sim);       /* of SeedanceSimRequest*, a copy; g_ptr_array_unref */
guint seedance_sim_count_requests (SeedanceSim * sim,
    SeedanceSimEndpoint endpoint);
/* How many logged requests to `endpoint` (or SEEDANCE_SIM_ANY_ENDPOINT)
 * were answered with `status`.  A stalled request is logged with status 0
 * (no answer). */
guint seedance_sim_count_status (SeedanceSim * sim,
    SeedanceSimEndpoint endpoint, guint status);
void seedance_sim_clear_log (SeedanceSim * sim);

/* The status of a task as the simulator holds it now, NULL if unknown
 * (deleted or never created).  g_free. */
gchar *seedance_sim_get_task_status (SeedanceSim * sim, const gchar * task_id);

/* g_get_monotonic_time () when the task became succeeded, 0 if it has not
 * (yet) or is unknown: the start of the latency from success to the first
 * byte downloaded. */
gint64 seedance_sim_get_task_succeeded_us (SeedanceSim * sim,
    const gchar * task_id);

/* The bytes of a task's video file (NULL before it is rendered), to compare
 * the output with.  g_bytes_unref. */
GBytes *seedance_sim_get_task_video (SeedanceSim * sim, const gchar * task_id);

/* Write a test PKI into the existing directory `dir`: ca.pem (a CA
 * certificate) and its key ca.key; server.pem + server.key, signed by that
 * CA, for DNS:localhost, IP:127.0.0.1, IP:127.0.0.2, IP:127.0.0.3 and
 * IP:::1; selfsigned.pem + selfsigned.key, self-signed for the same names
 * (it does NOT check out against ca.pem).  EC P-256 keys, valid 30 days.
 * Runs the `openssl` command; without it, FALSE with G_IO_ERROR_NOT_FOUND
 * (callers skip). */
gboolean seedance_sim_make_test_pki (const gchar * dir, GError ** error);

/* Create a task directly, as another client would (for resume tests): the
 * body is a create body; returns the task id or NULL with error. */
gchar *seedance_sim_create_task (SeedanceSim * sim, const gchar * json_body,
    GError ** error);

G_END_DECLS
