/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* The Seedance native task API: create, query, list, cancel, on top of
 * http.h.  Paths and bodies stay in here, so that another format of the
 * same job would be new files beside this one, not edits in the element.
 *
 * Retry policy:
 * - A 429 is not a failure: the service said "later".  Every API call
 *   (create, query, list, cancel) answered 429 waits (its Retry-After, else
 *   the shared pace of the hub, else a doubling backoff) and is sent again,
 *   until it goes through, the run's deadline passes (then
 *   SEEDANCE_CLIENT_ERROR_RATE_LIMITED) or the client's cancellable fires
 *   (G_IO_ERROR_CANCELLED).  A 429 never counts toward `retries`, and with
 *   no deadline it never ends the wait.  A create answered 429 (a rate
 *   limit, or QuotaExceeded: too many queued tasks) was not created, so it
 *   is sent again the same way.
 * - A query, list or cancel is safe to repeat and is retried up to
 *   `retries` times on network errors, 5xx and unreadable answers, with
 *   exponential backoff and jitter, honouring Retry-After.
 * - A create is not idempotent: besides a 429, it is repeated only when it
 *   cannot have reached the server (no connection); a proxy that refused
 *   it is an error that says no task was created; any other failure says
 *   the task may or may not exist (SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN).
 * - With a hub (SeedanceClientConfig.hub), every API call first takes a
 *   slot of the service's one pace, and reports its 429s and successes to
 *   it, so that a 429 slows every caller of the service and its
 *   Retry-After holds them all.  A 429 QuotaExceeded (too many queued
 *   tasks) is about the queue, not the pace: only that create waits (its
 *   own doubling backoff from `backoff_ms`, or the Retry-After).
 */
#pragma once

#include "http.h"
#include "task.h"

G_BEGIN_DECLS

#define SEEDANCE_CLIENT_ERROR (seedance_client_error_quark ())
GQuark seedance_client_error_quark (void);

typedef enum
{
  SEEDANCE_CLIENT_ERROR_AUTH,           /* 401, 403 */
  SEEDANCE_CLIENT_ERROR_BAD_REQUEST,    /* 400 and other 4xx */
  SEEDANCE_CLIENT_ERROR_NOT_FOUND,      /* 404 */
  SEEDANCE_CLIENT_ERROR_RATE_LIMITED,   /* 429 until the deadline */
  SEEDANCE_CLIENT_ERROR_SERVER,         /* 5xx, retries used up */
  SEEDANCE_CLIENT_ERROR_NETWORK,        /* transport, retries used up */
  SEEDANCE_CLIENT_ERROR_TLS,            /* certificate or handshake */
  SEEDANCE_CLIENT_ERROR_BAD_ANSWER,     /* a 2xx we cannot read */
  SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN, /* the create may have gone through */
  SEEDANCE_CLIENT_ERROR_PROXY_AUTH,     /* the proxy wants credentials (407) */
  SEEDANCE_CLIENT_ERROR_PROXY_REFUSED,  /* the proxy refused the tunnel */
  SEEDANCE_CLIENT_ERROR_NO_LIST,        /* the list call answered 404/405/400 */
} SeedanceClientError;

/* Where the client reports what it does (never the key). */
typedef void (*SeedanceClientLogFunc) (const gchar * message,
    gpointer user_data);

/* Formats a message and hands it to `log` (nothing when it is NULL); the
 * client and the download report through it. */
/* *INDENT-OFF* */
void seedance_log (SeedanceClientLogFunc log, gpointer log_data,
    const gchar * format, ...) G_GNUC_PRINTF (3, 4);
/* *INDENT-ON* */

typedef struct _SeedanceHub SeedanceHub;

typedef struct
{
  const gchar *base_url;        /* the API root, with /api/v3 */
  const gchar *api_key;
  guint retries;                /* further tries after a failed one */
  guint backoff_ms;             /* the first backoff; doubles each time */
  SeedanceClientLogFunc log;
  gpointer log_data;
  /* The shared pace of the service (the client takes a reference of its
   * own); NULL: this client paces itself alone. */
  SeedanceHub *hub;
  /* g_get_monotonic_time () at which the run gives up; 0 = never. */
  gint64 deadline_us;
} SeedanceClientConfig;

typedef struct _SeedanceClient SeedanceClient;

/* The client creates and frees its own transport from `http_config`.
 * Every wait and transfer of the client ends at once with
 * G_IO_ERROR_CANCELLED when `cancellable` (may be NULL) is cancelled. */
SeedanceClient *seedance_client_new (const SeedanceClientConfig * config,
    const SeedanceHttpConfig * http_config, GCancellable * cancellable);
void seedance_client_free (SeedanceClient * client);

/* The client's transport, for downloads (no key is ever sent with them);
 * it lives as long as the client. */
SeedanceHttp *seedance_client_get_http (SeedanceClient * client);
/* The cancellable given to seedance_client_new (or one of the client's
 * own), and the deadline of the config. */
GCancellable *seedance_client_get_cancellable (SeedanceClient * client);
gint64 seedance_client_get_deadline (SeedanceClient * client);

/* Sleep `ms`.  Ends at once with G_IO_ERROR_CANCELLED when the client's
 * cancellable fires; ends early and successfully when `wake` (may be NULL)
 * fires. */
gboolean seedance_client_wait (SeedanceClient * client, guint ms,
    GCancellable * wake, GError ** error);

/* The delay before try `attempt` + 1 (attempt 0 = after the first
 * failure): `base_ms` doubled per attempt, capped at 30 s, then 75 % to
 * 125 % of that at random; a `retry_after_s` >= 0 (the service's
 * Retry-After) wins, clamped to 600 s. */
guint seedance_backoff_ms (guint base_ms, guint attempt, gint retry_after_s);

/* The endpoint a create goes to (for dry runs and messages). */
gchar *seedance_client_get_create_url (SeedanceClient * client);

/* Each returns NULL/FALSE with an error; `detail`, when not NULL, receives
 * what the service said for errors that came from an answer. */
gchar *seedance_client_create_task (SeedanceClient * client,
    const gchar * body, SeedanceServiceError ** detail, GError ** error);
SeedanceTask *seedance_client_get_task (SeedanceClient * client,
    const gchar * task_id, SeedanceServiceError ** detail, GError ** error);
gboolean seedance_client_cancel_task (SeedanceClient * client,
    const gchar * task_id, SeedanceServiceError ** detail, GError ** error);

/* The task objects of `n` tasks (n > 0), through Ark's list endpoint
 * (filter.task_ids, at most 500 a page, more pages as needed).  `*tasks`
 * receives a GPtrArray of SeedanceTask* (freed with it) holding those the
 * service returned, in no set order; a task the list does not know (it
 * covers 7 days) is simply absent.  A 404, 405 or 400 answer is
 * SEEDANCE_CLIENT_ERROR_NO_LIST: a gateway without the endpoint. */
gboolean seedance_client_list_tasks (SeedanceClient * client,
    const gchar * const *task_ids, guint n, GPtrArray ** tasks,
    SeedanceServiceError ** detail, GError ** error);

/* A small generated file (the last frame image), whole, without the key.
 * The file host is not the API: no pace, and a 429 counts as a failure. */
GBytes *seedance_client_fetch (SeedanceClient * client, const gchar * url,
    gsize max_size, GError ** error);

G_END_DECLS
