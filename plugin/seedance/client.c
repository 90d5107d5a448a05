/* The Seedance native task API over http.c, with its retry policy. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "client.h"

#include <string.h>

/* Answers of the API are small; a bigger one is broken or hostile. */
#define MAX_ANSWER_SIZE (1024 * 1024)
#define MAX_BACKOFF_MS (30 * 1000)
/* A Retry-After longer than this is clamped: a stop stays possible, and
 * the run's own timeout still applies. */
#define MAX_RETRY_AFTER_S 600

G_DEFINE_QUARK (seedance - client - error - quark, seedance_client_error);

struct _SeedanceClient
{
  SeedanceHttp *http;
  gchar *base_url;
  gchar *api_key;
  guint retries;
  guint backoff_ms;
  SeedanceClientLogFunc log;
  gpointer log_data;
};

typedef gpointer (*ParseFunc) (const gchar * data, gsize len, GError ** error);

/* *INDENT-OFF* */
static void client_log (SeedanceClient * c, const gchar * format, ...)
    G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

static void
client_log (SeedanceClient * c, const gchar * format, ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;

  if (c->log == NULL)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  c->log (msg, c->log_data);
}

SeedanceClient *
seedance_client_new (const SeedanceClientConfig * config, SeedanceHttp * http)
{
  SeedanceClient *c = g_new0 (SeedanceClient, 1);
  gsize len;

  c->http = http;
  c->base_url = g_strdup (config->base_url);
  /* "…/api/v3/" and "…/api/v3" name the same root. */
  len = strlen (c->base_url);
  while (len > 0 && c->base_url[len - 1] == '/')
    c->base_url[--len] = '\0';
  c->api_key = g_strdup (config->api_key);
  c->retries = config->retries;
  c->backoff_ms = config->backoff_ms ? config->backoff_ms : 1000;
  c->log = config->log;
  c->log_data = config->log_data;
  return c;
}

void
seedance_client_free (SeedanceClient * c)
{
  if (c == NULL)
    return;
  g_free (c->base_url);
  if (c->api_key) {
    /* Do not leave the key lying in freed memory. */
    memset (c->api_key, 0, strlen (c->api_key));
    g_free (c->api_key);
  }
  g_free (c);
}

gchar *
seedance_client_get_create_url (SeedanceClient * c)
{
  return g_strconcat (c->base_url, "/contents/generations/tasks", NULL);
}

static gchar *
task_url (SeedanceClient * c, const gchar * task_id)
{
  g_autofree gchar *escaped = g_uri_escape_string (task_id, NULL, FALSE);

  return g_strconcat (c->base_url, "/contents/generations/tasks/", escaped,
      NULL);
}

/* "HTTP 400 (InvalidParameter): the message" */
static gchar *
describe_answer (const SeedanceServiceError * se)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "HTTP %u", se->http_status);
  if (se->code)
    g_string_append_printf (s, " (%s)", se->code);
  if (se->message)
    g_string_append_printf (s, ": %s", se->message);
  return g_string_free (s, FALSE);
}

static SeedanceClientError
error_for_status (guint status)
{
  switch (status) {
    case 401:
    case 403:
      return SEEDANCE_CLIENT_ERROR_AUTH;
    case 404:
      return SEEDANCE_CLIENT_ERROR_NOT_FOUND;
    case 429:
      return SEEDANCE_CLIENT_ERROR_RATE_LIMITED;
    default:
      return status >= 500 ? SEEDANCE_CLIENT_ERROR_SERVER :
          SEEDANCE_CLIENT_ERROR_BAD_REQUEST;
  }
}

guint
seedance_backoff_ms (guint base_ms, guint attempt, gint retry_after_s)
{
  guint64 ms;

  if (retry_after_s >= 0)
    return (guint) MIN (retry_after_s, MAX_RETRY_AFTER_S) * 1000;
  ms = (guint64) base_ms << MIN (attempt, 16);
  ms = MIN (ms, MAX_BACKOFF_MS);
  /* Jitter, so that many elements that failed together do not come back
   * together: 75 % to 125 % of the delay. */
  return (guint) (ms * g_random_int_range (75, 126) / 100);
}

/* One API call under the retry policy.  `idempotent` calls are retried on
 * every transient failure; the others only where the request cannot have
 * reached the server, and on 429. */
static gpointer
call (SeedanceClient * c, const gchar * what, const gchar * method,
    const gchar * url, const gchar * bearer, const gchar * body,
    gboolean idempotent, gsize max_size, ParseFunc parse,
    SeedanceServiceError ** detail, GError ** error)
{
  g_autoptr (GBytes) body_bytes = body ? g_bytes_new (body, strlen (body)) :
      NULL;
  g_autofree gchar *last = NULL;
  SeedanceClientError last_code = SEEDANCE_CLIENT_ERROR_NETWORK;
  guint attempt;

  for (attempt = 0;; attempt++) {
    SeedanceHttpResponse resp = { 0, };
    g_autoptr (GError) err = NULL;
    g_autoptr (SeedanceServiceError) se = NULL;
    gint retry_after_s = -1;
    gpointer result;
    guint delay;

    if (!seedance_http_call (c->http, method, url, bearer, body_bytes,
            max_size, &resp, &err)) {
      seedance_http_response_clear (&resp);
      if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_propagate_error (error, g_steal_pointer (&err));
        return NULL;
      }
      if (g_error_matches (err, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_TLS)) {
        /* The message says "TLS failed with HOST: reason". */
        g_set_error (error, SEEDANCE_CLIENT_ERROR, SEEDANCE_CLIENT_ERROR_TLS,
            "%s: %s", what, err->message);
        return NULL;
      }
      if (g_error_matches (err, SEEDANCE_HTTP_ERROR,
              SEEDANCE_HTTP_ERROR_PROXY_AUTH) ||
          g_error_matches (err, SEEDANCE_HTTP_ERROR,
              SEEDANCE_HTTP_ERROR_PROXY_REFUSED)) {
        /* Stopped at the proxy, which would stop it again: nothing
         * reached the service, so a create is known not to exist. */
        g_set_error (error, SEEDANCE_CLIENT_ERROR,
            err->code == SEEDANCE_HTTP_ERROR_PROXY_AUTH ?
            SEEDANCE_CLIENT_ERROR_PROXY_AUTH :
            SEEDANCE_CLIENT_ERROR_PROXY_REFUSED, "%s: %s%s", what,
            err->message, idempotent ? "" : "; no task was created");
        return NULL;
      }
      if (!idempotent && !g_error_matches (err, SEEDANCE_HTTP_ERROR,
              SEEDANCE_HTTP_ERROR_CONNECT)) {
        g_set_error (error, SEEDANCE_CLIENT_ERROR,
            SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN, "%s: the connection failed "
            "after the request was sent (%s); the task may or may not exist, "
            "and it is not sent again so that it is not paid for twice",
            what, err->message);
        return NULL;
      }
      g_free (last);
      last = g_strdup (err->message);
      last_code = g_error_matches (err, SEEDANCE_HTTP_ERROR,
          SEEDANCE_HTTP_ERROR_TOO_LARGE) ? SEEDANCE_CLIENT_ERROR_BAD_ANSWER :
          SEEDANCE_CLIENT_ERROR_NETWORK;
      goto retry;
    }

    if (resp.status >= 200 && resp.status < 300) {
      gsize len;
      const gchar *data = g_bytes_get_data (resp.body, &len);

      result = parse (data, len, &err);
      seedance_http_response_clear (&resp);
      if (result)
        return result;
      if (!idempotent) {
        g_set_error (error, SEEDANCE_CLIENT_ERROR,
            SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN, "%s: the service's answer "
            "cannot be read (%s); the task may or may not exist", what,
            err->message);
        return NULL;
      }
      g_free (last);
      last = g_strdup_printf ("an unreadable answer (%s)", err->message);
      last_code = SEEDANCE_CLIENT_ERROR_BAD_ANSWER;
      goto retry;
    }

    {
      gsize len;
      const gchar *data = g_bytes_get_data (resp.body, &len);

      se = seedance_service_error_parse (resp.status, data, len);
    }
    retry_after_s = resp.retry_after_s;
    seedance_http_response_clear (&resp);
    g_free (last);
    last = describe_answer (se);
    last_code = error_for_status (se->http_status);

    if (se->http_status != 429 && (se->http_status < 500 || !idempotent)) {
      if (se->http_status >= 500)
        g_set_error (error, SEEDANCE_CLIENT_ERROR,
            SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN, "%s: the service answered "
            "%s; the task may or may not exist, and it is not sent again so "
            "that it is not paid for twice", what, last);
      else
        g_set_error (error, SEEDANCE_CLIENT_ERROR, last_code, "%s: %s", what,
            last);
      if (detail)
        *detail = g_steal_pointer (&se);
      return NULL;
    }
    if (attempt >= c->retries) {
      if (detail)
        *detail = g_steal_pointer (&se);
    }

  retry:
    if (attempt >= c->retries)
      break;
    delay = seedance_backoff_ms (c->backoff_ms, attempt, retry_after_s);
    client_log (c, "%s: %s; trying again in %u ms (%u of %u)", what, last,
        delay, attempt + 1, c->retries);
    if (!seedance_http_wait (c->http, delay, error))
      return NULL;
  }

  if (last_code == SEEDANCE_CLIENT_ERROR_RATE_LIMITED)
    g_set_error (error, SEEDANCE_CLIENT_ERROR, last_code,
        "%s: rate limited %u times in a row, gave up (%s)", what,
        c->retries + 1, last);
  else
    g_set_error (error, SEEDANCE_CLIENT_ERROR, last_code,
        "%s: failed %u times in a row, gave up; the last failure: %s", what,
        c->retries + 1, last);
  return NULL;
}

gchar *
seedance_client_create_task (SeedanceClient * c, const gchar * body,
    SeedanceServiceError ** detail, GError ** error)
{
  g_autofree gchar *url = seedance_client_get_create_url (c);

  return call (c, "Creating the task", "POST", url, c->api_key, body, FALSE,
      MAX_ANSWER_SIZE, (ParseFunc) seedance_task_parse_id, detail, error);
}

SeedanceTask *
seedance_client_get_task (SeedanceClient * c, const gchar * task_id,
    SeedanceServiceError ** detail, GError ** error)
{
  g_autofree gchar *url = task_url (c, task_id);
  g_autofree gchar *what = g_strdup_printf ("Querying task %s", task_id);

  return call (c, what, "GET", url, c->api_key, NULL, TRUE, MAX_ANSWER_SIZE,
      (ParseFunc) seedance_task_parse, detail, error);
}

static gpointer
parse_any_object (const gchar * data, gsize len, GError ** error)
{
  /* DELETE answers {}; an empty body is as good. */
  return GINT_TO_POINTER (1);
}

gboolean
seedance_client_cancel_task (SeedanceClient * c, const gchar * task_id,
    SeedanceServiceError ** detail, GError ** error)
{
  g_autofree gchar *url = task_url (c, task_id);
  g_autofree gchar *what = g_strdup_printf ("Cancelling task %s", task_id);

  return call (c, what, "DELETE", url, c->api_key, NULL, TRUE,
      MAX_ANSWER_SIZE, parse_any_object, detail, error) != NULL;
}

static gpointer
parse_bytes (const gchar * data, gsize len, GError ** error)
{
  return g_bytes_new (data, len);
}

GBytes *
seedance_client_fetch (SeedanceClient * c, const gchar * url, gsize max_size,
    GError ** error)
{
  /* A file of the service's file host: never with the key. */
  return call (c, "Fetching a generated file", "GET", url, NULL, NULL, TRUE,
      max_size, parse_bytes, NULL, error);
}

SeedanceHttpStream *
seedance_client_download_start (SeedanceClient * c, const gchar * url,
    guint64 offset, SeedanceHttpSink sink, gpointer user_data, GError ** error)
{
  return seedance_http_stream_start (c->http, url, offset, sink, user_data,
      error);
}
