/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* The Seedance native task API over http.c, with its retry policy. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "client.h"
#include "hub.h"

#include <string.h>

/* Answers of the API are small; a bigger one is broken or hostile. */
#define MAX_ANSWER_SIZE (1024 * 1024)
/* A list page of 500 full task objects. */
#define MAX_LIST_ANSWER_SIZE (16 * 1024 * 1024)
/* Ark's largest page. */
#define MAX_LIST_PAGE 500
#define MAX_BACKOFF_MS (30 * 1000)
/* A Retry-After longer than this is clamped: a stop stays possible, and
 * the run's own timeout still applies. */
#define MAX_RETRY_AFTER_S 600

/* *INDENT-OFF* */
G_DEFINE_QUARK (seedance-client-error-quark, seedance_client_error)
/* *INDENT-ON* */

struct _SeedanceClient
{
  SeedanceHttp *http;
  GCancellable *cancellable;
  gchar *base_url;
  gchar *api_key;
  guint retries;
  guint backoff_ms;
  SeedanceClientLogFunc log;
  gpointer log_data;
  SeedanceHub *hub;
  gint64 deadline_us;
  guint list_max;               /* the most ids a list call carries */
};

typedef gpointer (*ParseFunc) (const gchar * data, gsize len,
    gpointer user_data, GError ** error);

/* One kind of API call. */
typedef struct
{
  const gchar *what;            /* for messages: "Querying task X" */
  const gchar *method;
  const gchar *url;
  /* The key; NULL for a generated file, which is not the API: no pace,
   * and a 429 is an ordinary failure. */
  const gchar *bearer;
  const gchar *body;
  gboolean idempotent;
  gboolean list;                /* 404, 405, 400 mean NO_LIST */
  gsize max_size;
  ParseFunc parse;
  gpointer parse_data;
} Call;

void
seedance_log (SeedanceClientLogFunc log, gpointer log_data,
    const gchar * format, ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;

  if (log == NULL)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  log (msg, log_data);
}

SeedanceClient *
seedance_client_new (const SeedanceClientConfig * config,
    const SeedanceHttpConfig * http_config, GCancellable * cancellable)
{
  SeedanceClient *c = g_new0 (SeedanceClient, 1);
  gsize len;

  c->cancellable = cancellable ? g_object_ref (cancellable) :
      g_cancellable_new ();
  c->http = seedance_http_new (http_config, c->cancellable);
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
  c->hub = config->hub ? seedance_hub_ref (config->hub) : NULL;
  c->deadline_us = config->deadline_us;
  c->list_max = MAX_LIST_PAGE;
  return c;
}

void
seedance_client_free (SeedanceClient * c)
{
  if (c == NULL)
    return;
  seedance_http_free (c->http);
  g_object_unref (c->cancellable);
  g_free (c->base_url);
  if (c->api_key) {
    /* Do not leave the key lying in freed memory. */
    memset (c->api_key, 0, strlen (c->api_key));
    g_free (c->api_key);
  }
  if (c->hub)
    seedance_hub_release (c->hub);
  g_free (c);
}

SeedanceHttp *
seedance_client_get_http (SeedanceClient * c)
{
  return c->http;
}

GCancellable *
seedance_client_get_cancellable (SeedanceClient * c)
{
  return c->cancellable;
}

gint64
seedance_client_get_deadline (SeedanceClient * c)
{
  return c->deadline_us;
}

gboolean
seedance_client_wait (SeedanceClient * c, guint ms, GCancellable * wake,
    GError ** error)
{
  return seedance_http_wait_or_wake (c->http, ms, wake, error);
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

/* After a 429: waits `delay_ms`, or fails at the deadline with what the
 * service said last. */
static gboolean
wait_rate_limited (SeedanceClient * c, const Call * k, guint delay_ms,
    const gchar * last, GError ** error)
{
  if (c->deadline_us > 0) {
    gint64 left_ms = (c->deadline_us - g_get_monotonic_time () + 999) / 1000;

    if (left_ms <= (gint64) delay_ms) {
      if (left_ms > 0 && !seedance_http_wait (c->http, (guint) left_ms, error))
        return FALSE;
      g_set_error (error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_RATE_LIMITED, "%s: still rate limited when "
          "the timeout ran out (%s)", k->what, last);
      return FALSE;
    }
  }
  return delay_ms == 0 || seedance_http_wait (c->http, delay_ms, error);
}

/* One API call under the retry policy of client.h. */
static gpointer
call (SeedanceClient * c, const Call * k, SeedanceServiceError ** detail,
    GError ** error)
{
  g_autoptr (GBytes) body_bytes = k->body ? g_bytes_new (k->body,
      strlen (k->body)) : NULL;
  g_autofree gchar *last = NULL;
  g_autoptr (SeedanceServiceError) last_429 = NULL;
  SeedanceClientError last_code = SEEDANCE_CLIENT_ERROR_NETWORK;
  gboolean api = k->bearer != NULL;
  SeedanceHub *hub = api ? c->hub : NULL;
  guint failures = 0, limited = 0;

  for (;;) {
    SeedanceHttpResponse resp = { 0, };
    g_autoptr (GError) err = NULL;
    g_autoptr (SeedanceServiceError) se = NULL;
    gint retry_after_s = -1;
    gpointer result;
    guint delay;

    if (hub && !seedance_hub_take_slot (hub, c->cancellable, c->deadline_us,
            &err)) {
      if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        if (last_429)
          g_prefix_error (&err, "%s: %s; ", k->what, last);
        else
          g_prefix_error (&err, "%s: ", k->what);
        if (detail)
          *detail = g_steal_pointer (&last_429);
      }
      g_propagate_error (error, g_steal_pointer (&err));
      return NULL;
    }

    if (!seedance_http_call (c->http, k->method, k->url, k->bearer,
            body_bytes, k->max_size, &resp, &err)) {
      seedance_http_response_clear (&resp);
      if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_propagate_error (error, g_steal_pointer (&err));
        return NULL;
      }
      if (g_error_matches (err, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_TLS)) {
        /* The message says "TLS failed with HOST: reason". */
        g_set_error (error, SEEDANCE_CLIENT_ERROR, SEEDANCE_CLIENT_ERROR_TLS,
            "%s: %s", k->what, err->message);
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
            SEEDANCE_CLIENT_ERROR_PROXY_REFUSED, "%s: %s%s", k->what,
            err->message, k->idempotent ? "" : "; no task was created");
        return NULL;
      }
      if (!k->idempotent && !g_error_matches (err, SEEDANCE_HTTP_ERROR,
              SEEDANCE_HTTP_ERROR_CONNECT)) {
        g_set_error (error, SEEDANCE_CLIENT_ERROR,
            SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN, "%s: the connection failed "
            "after the request was sent (%s); the task may or may not exist, "
            "and it is not sent again so that it is not paid for twice",
            k->what, err->message);
        return NULL;
      }
      g_free (last);
      last = g_strdup (err->message);
      last_code = g_error_matches (err, SEEDANCE_HTTP_ERROR,
          SEEDANCE_HTTP_ERROR_TOO_LARGE) ? SEEDANCE_CLIENT_ERROR_BAD_ANSWER :
          SEEDANCE_CLIENT_ERROR_NETWORK;
      goto retry;
    }

    if (resp.status == 429 && api) {
      gsize len;
      const gchar *data = g_bytes_get_data (resp.body, &len);

      /* "Later", not "failed": not counted toward `retries`.  With a hub,
       * its hold (the Retry-After, for every caller) and its pace decide
       * when this is sent again, in the next take_slot. */
      g_clear_pointer (&last_429, seedance_service_error_free);
      last_429 = seedance_service_error_parse (resp.status, data, len);
      retry_after_s = resp.retry_after_s;
      seedance_http_response_clear (&resp);
      g_free (last);
      last = describe_answer (last_429);
      if (hub && g_strcmp0 (last_429->code, "QuotaExceeded") != 0) {
        seedance_hub_report_429 (hub, retry_after_s);
        delay = 0;
      } else {
        /* Too many queued tasks is a matter of the queue, not of the
         * pace: only this create waits, and other calls go on. */
        if (hub)
          seedance_hub_report_ok (hub);
        delay = seedance_backoff_ms (c->backoff_ms, limited, retry_after_s);
      }
      limited++;
      if (delay == 0)
        seedance_log (c->log, c->log_data,
            "%s: %s; rate limited (%u in a row), sending it "
            "again when the service's pace allows", k->what, last, limited);
      else
        seedance_log (c->log, c->log_data,
            "%s: %s; rate limited (%u in a row), sending it " "again in %u ms",
            k->what, last, limited, delay);
      if (!wait_rate_limited (c, k, delay, last, &err)) {
        if (detail && !g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          *detail = g_steal_pointer (&last_429);
        g_propagate_error (error, g_steal_pointer (&err));
        return NULL;
      }
      continue;
    }
    if (hub)
      seedance_hub_report_ok (hub);

    if (resp.status >= 200 && resp.status < 300) {
      gsize len;
      const gchar *data = g_bytes_get_data (resp.body, &len);

      result = k->parse (data, len, k->parse_data, &err);
      seedance_http_response_clear (&resp);
      if (result)
        return result;
      if (!k->idempotent) {
        g_set_error (error, SEEDANCE_CLIENT_ERROR,
            SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN, "%s: the service's answer "
            "cannot be read (%s); the task may or may not exist", k->what,
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

    if (k->list && (se->http_status == 404 || se->http_status == 405 ||
            se->http_status == 400)) {
      g_set_error (error, SEEDANCE_CLIENT_ERROR, SEEDANCE_CLIENT_ERROR_NO_LIST,
          "%s: the service has no list endpoint (%s)", k->what, last);
      if (detail)
        *detail = g_steal_pointer (&se);
      return NULL;
    }
    if (se->http_status != 429 && (se->http_status < 500 || !k->idempotent)) {
      if (se->http_status >= 500)
        g_set_error (error, SEEDANCE_CLIENT_ERROR,
            SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN, "%s: the service answered "
            "%s; the task may or may not exist, and it is not sent again so "
            "that it is not paid for twice", k->what, last);
      else
        g_set_error (error, SEEDANCE_CLIENT_ERROR, last_code, "%s: %s",
            k->what, last);
      if (detail)
        *detail = g_steal_pointer (&se);
      return NULL;
    }
    if (failures >= c->retries) {
      if (detail)
        *detail = g_steal_pointer (&se);
    }

  retry:
    if (failures >= c->retries)
      break;
    delay = seedance_backoff_ms (c->backoff_ms, failures, retry_after_s);
    failures++;
    seedance_log (c->log, c->log_data,
        "%s: %s; trying again in %u ms (%u of %u)", k->what, last, delay,
        failures, c->retries);
    if (!seedance_http_wait (c->http, delay, error))
      return NULL;
  }

  if (last_code == SEEDANCE_CLIENT_ERROR_RATE_LIMITED)
    g_set_error (error, SEEDANCE_CLIENT_ERROR, last_code,
        "%s: rate limited %u times in a row, gave up (%s)", k->what,
        c->retries + 1, last);
  else
    g_set_error (error, SEEDANCE_CLIENT_ERROR, last_code,
        "%s: failed %u times in a row, gave up; the last failure: %s",
        k->what, c->retries + 1, last);
  return NULL;
}

static gpointer
parse_id (const gchar * data, gsize len, gpointer user_data, GError ** error)
{
  return seedance_task_parse_id (data, len, error);
}

gchar *
seedance_client_create_task (SeedanceClient * c, const gchar * body,
    SeedanceServiceError ** detail, GError ** error)
{
  g_autofree gchar *url = seedance_client_get_create_url (c);
  Call k = { "Creating the task", "POST", url, c->api_key, body, FALSE,
    FALSE, MAX_ANSWER_SIZE, parse_id, NULL
  };

  return call (c, &k, detail, error);
}

static gpointer
parse_task (const gchar * data, gsize len, gpointer user_data, GError ** error)
{
  return seedance_task_parse (data, len, error);
}

SeedanceTask *
seedance_client_get_task (SeedanceClient * c, const gchar * task_id,
    SeedanceServiceError ** detail, GError ** error)
{
  g_autofree gchar *url = task_url (c, task_id);
  g_autofree gchar *what = g_strdup_printf ("Querying task %s", task_id);
  Call k = { what, "GET", url, c->api_key, NULL, TRUE, FALSE,
    MAX_ANSWER_SIZE, parse_task, NULL
  };

  return call (c, &k, detail, error);
}

static gpointer
parse_any_object (const gchar * data, gsize len, gpointer user_data,
    GError ** error)
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
  Call k = { what, "DELETE", url, c->api_key, NULL, TRUE, FALSE,
    MAX_ANSWER_SIZE, parse_any_object, NULL
  };

  return call (c, &k, detail, error) != NULL;
}

static gpointer
parse_list (const gchar * data, gsize len, gpointer user_data, GError ** error)
{
  return seedance_task_parse_list (data, len, user_data, error);
}

static gchar *
list_url (SeedanceClient * c, const gchar * const *ids, guint n, guint page)
{
  GString *url = g_string_new (c->base_url);
  guint i;

  g_string_append_printf (url, "/contents/generations/tasks?page_num=%u"
      "&page_size=%u", page, n);
  for (i = 0; i < n; i++) {
    g_autofree gchar *escaped = g_uri_escape_string (ids[i], NULL, FALSE);

    g_string_append (url, "&filter.task_ids=");
    g_string_append (url, escaped);
  }
  return g_string_free (url, FALSE);
}

/* The tasks of `n` <= MAX_LIST_PAGE ids, page after page until the
 * service's total is reached, appended to `out`. */
static gboolean
list_some (SeedanceClient * c, const gchar * const *ids, guint n,
    GPtrArray * out, SeedanceServiceError ** detail, GError ** error)
{
  g_autoptr (GHashTable) asked = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gchar *what = g_strdup_printf ("Listing %u task%s", n,
      n == 1 ? "" : "s");
  guint i, page, got = 0, n_items;

  for (i = 0; i < n; i++)
    g_hash_table_add (asked, (gpointer) ids[i]);

  for (page = 1; page <= n; page++) {
    g_autofree gchar *url = list_url (c, ids, n, page);
    g_autoptr (GPtrArray) items = NULL;
    gint64 total = 0;
    Call k = { what, "GET", url, c->api_key, NULL, TRUE, TRUE,
      MAX_LIST_ANSWER_SIZE, parse_list, &total
    };

    items = call (c, &k, detail, error);
    if (items == NULL)
      return FALSE;
    for (i = 0; i < items->len; i++) {
      SeedanceTask *task = items->pdata[i];

      /* A gateway that ignores the filter answers with other tasks: its
       * list cannot be relied on. */
      if (!g_hash_table_contains (asked, task->id)) {
        g_set_error (error, SEEDANCE_CLIENT_ERROR,
            SEEDANCE_CLIENT_ERROR_NO_LIST, "%s: the service answered with a "
            "task that was not asked for (%s): it ignores filter.task_ids",
            what, task->id);
        return FALSE;
      }
    }
    got += items->len;
    n_items = items->len;
    g_ptr_array_extend_and_steal (out, g_steal_pointer (&items));
    if (n_items == 0 || got >= total || got >= n)
      break;
  }
  return TRUE;
}

/* list_some over `n` ids in calls of at most `c->list_max` ids.  A
 * gateway that finds the URL too long (414, 431) gets halves, and the
 * client remembers the size that went through. */
static gboolean
list_range (SeedanceClient * c, const gchar * const *ids, guint n,
    GPtrArray * out, SeedanceServiceError ** detail, GError ** error)
{
  guint first, count;

  for (first = 0; first < n; first += count) {
    g_autoptr (GError) err = NULL;
    g_autoptr (SeedanceServiceError) se = NULL;

    count = MIN (n - first, c->list_max);
    if (list_some (c, ids + first, count, out, &se, &err))
      continue;
    if (count > 1 && se && (se->http_status == 414 || se->http_status == 431)) {
      c->list_max = MIN (c->list_max, count / 2);
      seedance_log (c->log, c->log_data,
          "%s; asking for %u tasks a call from now on", err->message,
          c->list_max);
      if (!list_range (c, ids + first, count, out, detail, error))
        return FALSE;
      continue;
    }
    if (detail)
      *detail = g_steal_pointer (&se);
    g_propagate_error (error, g_steal_pointer (&err));
    return FALSE;
  }
  return TRUE;
}

gboolean
seedance_client_list_tasks (SeedanceClient * c,
    const gchar * const *task_ids, guint n, GPtrArray ** tasks,
    SeedanceServiceError ** detail, GError ** error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) seedance_task_free);

  g_return_val_if_fail (n > 0, FALSE);

  if (!list_range (c, task_ids, n, out, detail, error))
    return FALSE;
  *tasks = g_steal_pointer (&out);
  return TRUE;
}

static gpointer
parse_bytes (const gchar * data, gsize len, gpointer user_data, GError ** error)
{
  return g_bytes_new (data, len);
}

GBytes *
seedance_client_fetch (SeedanceClient * c, const gchar * url, gsize max_size,
    GError ** error)
{
  /* A file of the service's file host: never with the key. */
  Call k = { "Fetching a generated file", "GET", url, NULL, NULL, TRUE,
    FALSE, max_size, parse_bytes, NULL
  };

  return call (c, &k, NULL, error);
}
