/* The Seedance native task API: create, query, cancel, download, on top of
 * http.h.  Paths and bodies stay in here, so that another format of the
 * same job would be new files beside this one, not edits in the element.
 *
 * Retry policy: a query is safe to repeat and is retried on network errors,
 * 5xx, 429 and unreadable answers with exponential backoff and jitter,
 * honouring Retry-After.  A create is not idempotent: it is repeated only
 * when it cannot have reached the server (no connection) or on a 429;
 * a proxy that refused it is an error that says no task was created;
 * any other failure says the task may or may not exist.
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
  SEEDANCE_CLIENT_ERROR_RATE_LIMITED,   /* 429, retries used up */
  SEEDANCE_CLIENT_ERROR_SERVER,         /* 5xx, retries used up */
  SEEDANCE_CLIENT_ERROR_NETWORK,        /* transport, retries used up */
  SEEDANCE_CLIENT_ERROR_TLS,            /* certificate or handshake */
  SEEDANCE_CLIENT_ERROR_BAD_ANSWER,     /* a 2xx we cannot read */
  SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN, /* the create may have gone through */
  SEEDANCE_CLIENT_ERROR_PROXY_AUTH,     /* the proxy wants credentials (407) */
  SEEDANCE_CLIENT_ERROR_PROXY_REFUSED,  /* the proxy refused the tunnel */
} SeedanceClientError;

/* Where the client reports what it does (never the key). */
typedef void (*SeedanceClientLogFunc) (const gchar * message,
    gpointer user_data);

typedef struct
{
  const gchar *base_url;        /* the API root, with /api/v3 */
  const gchar *api_key;
  guint retries;                /* further tries after a failed one */
  guint backoff_ms;             /* the first backoff; doubles each time */
  SeedanceClientLogFunc log;
  gpointer log_data;
} SeedanceClientConfig;

typedef struct _SeedanceClient SeedanceClient;

SeedanceClient *seedance_client_new (const SeedanceClientConfig * config,
    SeedanceHttp * http);
void seedance_client_free (SeedanceClient * client);

/* The retry delay every caller shares: `base_ms` doubled per attempt,
 * capped at 30 s, with jitter (75 % to 125 %); a Retry-After (>= 0) wins,
 * clamped to 600 s. */
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

/* A small generated file (the last frame image), whole, without the key. */
GBytes *seedance_client_fetch (SeedanceClient * client, const gchar * url,
    gsize max_size, GError ** error);

/* A download of a generated file (no key is ever sent with it). */
SeedanceHttpStream *seedance_client_download_start (SeedanceClient * client,
    const gchar * url, guint64 offset, SeedanceHttpSink sink,
    gpointer user_data, GError ** error);

G_END_DECLS
