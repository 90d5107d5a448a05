/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* sim-server: the simulator object, its server thread, request routing,
 * the request log, faults and the file host.
 *
 * Threads: the API calls come from any thread; the SoupServer, the
 * SoupSession for callbacks and the `held` table live on the server thread
 * (its own GMainContext, pushed as thread default).  Everything shared is
 * under sim->lock (see sim-tasks.h).
 */
#include "seedance-sim.h"
#include "sim-tasks.h"

#include <string.h>
#include <gio/gio.h>
#include <glib/gstdio.h>


#define API_TASKS "/api/v3/contents/generations/tasks"
#define OVERSIZED_BYTES (1536 * 1024)
/* libsoup 3.2 has no name for it */
#define STATUS_TOO_MANY_REQUESTS 429
#define CHUNK_BYTES (64 * 1024)

/* ---- request log ----------------------------------------------------- */

static void
request_free (gpointer data)
{
  SeedanceSimRequest *r = data;

  g_free (r->method);
  g_free (r->host);
  g_free (r->path);
  g_free (r->query);
  g_free (r->authorization);
  g_free (r->range);
  g_free (r->headers);
  g_free (r->body);
  g_free (r);
}

static SeedanceSimRequest *
request_copy (const SeedanceSimRequest * r)
{
  SeedanceSimRequest *c = g_new0 (SeedanceSimRequest, 1);

  *c = *r;
  c->method = g_strdup (r->method);
  c->host = g_strdup (r->host);
  c->path = g_strdup (r->path);
  c->query = g_strdup (r->query);
  c->authorization = g_strdup (r->authorization);
  c->range = g_strdup (r->range);
  c->headers = g_strdup (r->headers);
  c->body = g_strdup (r->body);
  return c;
}

static void
append_header (const char *name, const char *value, gpointer data)
{
  g_string_append_printf (data, "%s: %s\n", name, value);
}

static SeedanceSimRequest *
request_new (SoupServerMessage * msg)
{
  SeedanceSimRequest *r = g_new0 (SeedanceSimRequest, 1);
  SoupMessageHeaders *hdrs = soup_server_message_get_request_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  GString *all = g_string_new (NULL);
  GBytes *bytes;

  r->time_us = g_get_monotonic_time ();
  r->method = g_strdup (soup_server_message_get_method (msg));
  r->host = g_strdup (soup_message_headers_get_one (hdrs, "Host"));
  r->path = g_strdup (g_uri_get_path (uri));
  r->query = g_strdup (g_uri_get_query (uri));
  r->authorization = g_strdup (soup_message_headers_get_one (hdrs,
          "Authorization"));
  r->range = g_strdup (soup_message_headers_get_one (hdrs, "Range"));
  soup_message_headers_foreach (hdrs, append_header, all);
  r->headers = g_string_free (all, FALSE);
  bytes = soup_message_body_flatten (body);
  r->body = g_strndup (g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));
  g_bytes_unref (bytes);
  r->endpoint = SEEDANCE_SIM_ANY_ENDPOINT;
  return r;
}

/* ---- faults ---------------------------------------------------------- */

static void
fault_free (gpointer data)
{
  SimFault *f = data;

  if (f == NULL)
    return;
  g_free (f->code);
  g_free (f->message);
  g_free (f);
}

static SimFault *
fault_copy (const SimFault * f)
{
  SimFault *c = g_new0 (SimFault, 1);

  *c = *f;
  c->code = g_strdup (f->code);
  c->message = g_strdup (f->message);
  return c;
}

/* The first fault for `endpoint`, consumed once. */
static SimFault *
take_fault_locked (SeedanceSim * sim, SeedanceSimEndpoint endpoint)
{
  GList *l;

  for (l = sim->faults; l; l = l->next) {
    SimFault *f = l->data, *copy;

    if (f->endpoint != SEEDANCE_SIM_ANY_ENDPOINT && f->endpoint != endpoint)
      continue;
    copy = fault_copy (f);
    if (f->remaining > 0 && --f->remaining == 0) {
      sim->faults = g_list_delete_link (sim->faults, l);
      fault_free (f);
    }
    return copy;
  }
  return NULL;
}

/* ---- responses ------------------------------------------------------- */

typedef struct
{
  guint status;
  const gchar *content_type;
  GBytes *body;
  gchar *location;
  /* SOUP_ENCODING_CHUNKED or SOUP_ENCODING_EOF; 0: Content-Length */
  SoupEncoding encoding;
} Response;

static void
respond_json (Response * r, guint status, JsonNode * node)
{
  gchar *s = sim_json_to_string (node);

  r->status = status;
  r->content_type = "application/json";
  g_clear_pointer (&r->body, g_bytes_unref);
  r->body = g_bytes_new_take (s, strlen (s));
  json_node_unref (node);
}

static void
respond_text (Response * r, guint status, const gchar * type,
    const gchar * text)
{
  r->status = status;
  r->content_type = type;
  g_clear_pointer (&r->body, g_bytes_unref);
  r->body = g_bytes_new (text, strlen (text));
}

static const gchar *
error_type (guint status)
{
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalServerError";
    case 503:
      return "ServiceUnavailable";
    default:
      return status >= 500 ? "ServerError" : "ClientError";
  }
}

static void
respond_xml_forbidden (Response * r, const gchar * code, const gchar * text)
{
  gchar *xml = g_markup_printf_escaped ("<?xml version=\"1.0\" "
      "encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
      "</Error>\n", code, text);

  r->status = SOUP_STATUS_FORBIDDEN;
  r->content_type = "application/xml";
  g_clear_pointer (&r->body, g_bytes_unref);
  r->body = g_bytes_new_take (xml, strlen (xml));
}

/* ---- held (paused) messages ------------------------------------------ */

typedef struct
{
  SeedanceSim *sim;
  SoupServerMessage *msg;
  SeedanceSimFaultKind kind;
  guint64 target;
  guint64 written;
  gboolean closing;
} HeldMessage;

static void
held_free (gpointer data)
{
  HeldMessage *h = data;

  g_signal_handlers_disconnect_by_data (h->msg, h);
  g_object_unref (h->msg);
  g_free (h);
}

static void
held_finished (SoupServerMessage * msg, gpointer data)
{
  HeldMessage *h = data;

  g_hash_table_remove (h->sim->held, msg);
}

/* Cut a DROP_AFTER / SHORT_BODY answer once its bytes are out. */
static gboolean
held_close (gpointer data)
{
  SoupServerMessage *msg = data;
  SeedanceSim *sim = g_object_get_data (G_OBJECT (msg), "seedance-sim");
  HeldMessage *h = g_hash_table_lookup (sim->held, msg);
  GSocket *sock;

  if (h == NULL)
    return G_SOURCE_REMOVE;
  sock = soup_server_message_get_socket (msg);
  g_debug ("closing the connection after %" G_GUINT64_FORMAT " bytes",
      h->written);
  if (sock)
    g_socket_shutdown (sock, h->kind == SEEDANCE_SIM_FAULT_DROP_AFTER, TRUE,
        NULL);
  soup_message_body_complete (soup_server_message_get_response_body (msg));
  g_hash_table_remove (sim->held, msg);
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static void
held_check (HeldMessage * h)
{
  GSource *source;

  if (h->closing || h->written < h->target ||
      h->kind == SEEDANCE_SIM_FAULT_STALL_AFTER)
    return;
  h->closing = TRUE;
  source = g_idle_source_new ();
  g_source_set_callback (source, held_close, g_object_ref (h->msg),
      g_object_unref);
  g_source_attach (source, h->sim->context);
  g_source_unref (source);
}

static void
held_wrote_headers (SoupServerMessage * msg, gpointer data)
{
  held_check (data);
}

static void
held_wrote_body_data (SoupServerMessage * msg, guint size, gpointer data)
{
  HeldMessage *h = data;

  h->written += size;
  held_check (h);
}

static HeldMessage *
hold (SeedanceSim * sim, SoupServerMessage * msg, SeedanceSimFaultKind kind)
{
  HeldMessage *h = g_new0 (HeldMessage, 1);

  h->sim = sim;
  h->msg = g_object_ref (msg);
  h->kind = kind;
  g_object_set_data (G_OBJECT (msg), "seedance-sim", sim);
  g_signal_connect (msg, "finished", G_CALLBACK (held_finished), h);
  g_hash_table_insert (sim->held, msg, h);
  return h;
}

static gboolean
delay_done (gpointer data)
{
  SoupServerMessage *msg = data;
  SeedanceSim *sim = g_object_get_data (G_OBJECT (msg), "seedance-sim");

  if (g_hash_table_remove (sim->held, msg))
    soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

/* Put the response on the message, then apply the delivery faults. */
static void
deliver (SeedanceSim * sim, SoupServerMessage * msg, Response * r,
    SimFault * fault)
{
  SoupMessageHeaders *hdrs = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  gsize size = r->body ? g_bytes_get_size (r->body) : 0;
  SeedanceSimFaultKind kind = fault ? fault->kind : (SeedanceSimFaultKind) - 1;

  if (kind == SEEDANCE_SIM_FAULT_STALL) {
    g_debug ("stalling %s", soup_server_message_get_method (msg));
    soup_server_message_pause (msg);
    hold (sim, msg, kind);
    r->status = 0;
    return;
  }

  soup_server_message_set_status (msg, r->status, NULL);
  if (r->content_type)
    soup_message_headers_set_content_type (hdrs, r->content_type, NULL);
  if (r->location)
    soup_message_headers_replace (hdrs, "Location", r->location);
  /* no accumulation: no copy of big files, no automatic Range handling */
  soup_message_body_set_accumulate (body, FALSE);
  if (r->encoding == SOUP_ENCODING_CHUNKED || r->encoding == SOUP_ENCODING_EOF)
    soup_message_headers_set_encoding (hdrs, r->encoding);
  else
    soup_message_headers_set_content_length (hdrs, size);

  if (kind == SEEDANCE_SIM_FAULT_DROP_AFTER ||
      kind == SEEDANCE_SIM_FAULT_STALL_AFTER ||
      kind == SEEDANCE_SIM_FAULT_SHORT_BODY) {
    guint64 n = MIN (fault->bytes, size);
    HeldMessage *h;

    if (n > 0) {
      GBytes *part = g_bytes_new_from_bytes (r->body, 0, n);

      soup_message_body_append_bytes (body, part);
      g_bytes_unref (part);
    }
    if (n == size)
      soup_message_body_complete (body);
    h = hold (sim, msg, kind);
    h->target = n;
    g_signal_connect (msg, "wrote-headers", G_CALLBACK (held_wrote_headers),
        h);
    g_signal_connect (msg, "wrote-body-data",
        G_CALLBACK (held_wrote_body_data), h);
    return;
  }

  if (r->encoding == SOUP_ENCODING_CHUNKED) {
    gsize offset;

    /* chunks of a size a real host might send, not one huge chunk */
    for (offset = 0; offset < size; offset += CHUNK_BYTES) {
      GBytes *part = g_bytes_new_from_bytes (r->body, offset,
          MIN (CHUNK_BYTES, size - offset));

      soup_message_body_append_bytes (body, part);
      g_bytes_unref (part);
    }
  } else if (size > 0) {
    soup_message_body_append_bytes (body, r->body);
  }
  soup_message_body_complete (body);

  if (kind == SEEDANCE_SIM_FAULT_DELAY) {
    GSource *source = g_timeout_source_new (fault->delay_ms);

    soup_server_message_pause (msg);
    hold (sim, msg, kind);
    g_source_set_callback (source, delay_done, g_object_ref (msg),
        g_object_unref);
    g_source_attach (source, sim->context);
    g_source_unref (source);
  }
}

/* ---- routing --------------------------------------------------------- */

static SeedanceSimEndpoint
classify (const gchar * method, const gchar * path, gchar ** id)
{
  const gchar *rest;

  *id = NULL;
  if (strcmp (path, API_TASKS) == 0 || strcmp (path, API_TASKS "/") == 0) {
    if (strcmp (method, "POST") == 0)
      return SEEDANCE_SIM_CREATE;
    if (strcmp (method, "GET") == 0)
      return SEEDANCE_SIM_LIST;
    return SEEDANCE_SIM_ANY_ENDPOINT;
  }
  if (g_str_has_prefix (path, API_TASKS "/")) {
    rest = path + strlen (API_TASKS "/");
    if (strchr (rest, '/') != NULL)
      return SEEDANCE_SIM_ANY_ENDPOINT;
    *id = g_strdup (rest);
    if (strcmp (method, "GET") == 0)
      return SEEDANCE_SIM_QUERY;
    if (strcmp (method, "DELETE") == 0)
      return SEEDANCE_SIM_DELETE;
    return SEEDANCE_SIM_ANY_ENDPOINT;
  }
  if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
    return SEEDANCE_SIM_ANY_ENDPOINT;
  if (g_str_has_prefix (path, "/videos/") && g_str_has_suffix (path, ".mp4")) {
    rest = path + strlen ("/videos/");
    *id = g_strndup (rest, strlen (rest) - strlen (".mp4"));
    return SEEDANCE_SIM_VIDEO;
  }
  if (g_str_has_prefix (path, "/frames/") && g_str_has_suffix (path, ".png")) {
    rest = path + strlen ("/frames/");
    *id = g_strndup (rest, strlen (rest) - strlen (".png"));
    return SEEDANCE_SIM_LAST_FRAME;
  }
  return SEEDANCE_SIM_ANY_ENDPOINT;
}

/* The port the request came in on. */
static guint
local_port (SoupServerMessage * msg)
{
  GSocketAddress *local = soup_server_message_get_local_address (msg);

  if (!G_IS_INET_SOCKET_ADDRESS (local))
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/* The SeedanceSimFileHostFlags a file host fault stands for. */
static guint
fault_flags (const SimFault * fault)
{
  if (fault == NULL)
    return 0;
  switch (fault->kind) {
    case SEEDANCE_SIM_FAULT_CHUNKED:
      return SEEDANCE_SIM_FILE_HOST_CHUNKED;
    case SEEDANCE_SIM_FAULT_EOF_BODY:
      return SEEDANCE_SIM_FILE_HOST_EOF_BODY;
    case SEEDANCE_SIM_FAULT_IGNORE_RANGE:
      return SEEDANCE_SIM_FILE_HOST_IGNORE_RANGE;
    case SEEDANCE_SIM_FAULT_NO_RANGES:
      return SEEDANCE_SIM_FILE_HOST_NO_RANGES;
    case SEEDANCE_SIM_FAULT_REDIRECT_HOST:
      return SEEDANCE_SIM_FILE_HOST_REDIRECT_HOST;
    default:
      return 0;
  }
}

/* "bytes=A-B", "bytes=A-", "bytes=-N".  Returns 206, 416, or 200 when
 * there is no usable single range. */
static guint
parse_range (const gchar * header, guint64 total, guint64 * start,
    guint64 * end)
{
  const gchar *spec, *dash;
  gchar *endptr;
  guint64 a, b;

  if (header == NULL || !g_str_has_prefix (header, "bytes="))
    return SOUP_STATUS_OK;
  spec = header + strlen ("bytes=");
  while (*spec == ' ')
    spec++;
  if (strchr (spec, ',') != NULL)
    return SOUP_STATUS_OK;
  dash = strchr (spec, '-');
  if (dash == NULL)
    return SOUP_STATUS_OK;

  if (dash == spec) {
    /* suffix: the last N bytes */
    if (!g_ascii_isdigit (dash[1]))
      return SOUP_STATUS_OK;
    b = g_ascii_strtoull (dash + 1, &endptr, 10);
    if (*endptr != '\0')
      return SOUP_STATUS_OK;
    if (b == 0 || total == 0)
      return SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE;
    *start = b >= total ? 0 : total - b;
    *end = total - 1;
    return SOUP_STATUS_PARTIAL_CONTENT;
  }

  if (!g_ascii_isdigit (*spec))
    return SOUP_STATUS_OK;
  a = g_ascii_strtoull (spec, &endptr, 10);
  if (endptr != dash)
    return SOUP_STATUS_OK;
  if (dash[1] == '\0') {
    b = total > 0 ? total - 1 : 0;
  } else {
    if (!g_ascii_isdigit (dash[1]))
      return SOUP_STATUS_OK;
    b = g_ascii_strtoull (dash + 1, &endptr, 10);
    if (*endptr != '\0' || b < a)
      return SOUP_STATUS_OK;
  }
  if (a >= total)
    return SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE;
  *start = a;
  *end = MIN (b, total - 1);
  return SOUP_STATUS_PARTIAL_CONTENT;
}

static void
serve_file (SeedanceSim * sim, SoupServerMessage * msg,
    SeedanceSimRequest * req, const gchar * id, SimFault * fault,
    Response * r)
{
  SoupMessageHeaders *hdrs = soup_server_message_get_response_headers (msg);
  const gchar *kind = req->endpoint == SEEDANCE_SIM_VIDEO ? "videos" :
      "frames";
  GHashTable *params = NULL;
  const gchar *expires_s = NULL, *sig = NULL;
  gchar *path = NULL, *expected = NULL;
  SimTask *task;
  GMappedFile *mapped;
  GError *error = NULL;
  GBytes *bytes;
  guint64 total, start = 0, end = 0;
  guint status, flags;
  gint64 expires = 0;
  gboolean ranges = TRUE;

  g_mutex_lock (&sim->lock);
  flags = sim->file_host_mode | fault_flags (fault);
  g_mutex_unlock (&sim->lock);
  if ((flags & SEEDANCE_SIM_FILE_HOST_REDIRECT_HOST) &&
      local_port (msg) != sim->file2_port) {
    r->status = SOUP_STATUS_FOUND;
    r->location = g_strdup_printf ("%s://%s%s%s%s", sim->scheme,
        sim->file2_host, req->path, req->query ? "?" : "",
        req->query ? req->query : "");
    return;
  }

  if (req->query)
    params = g_uri_parse_params (req->query, -1, "&", G_URI_PARAMS_NONE,
        NULL);
  if (params) {
    expires_s = g_hash_table_lookup (params, "X-Sim-Expires");
    sig = g_hash_table_lookup (params, "X-Sim-Signature");
  }
  if (expires_s)
    expires = g_ascii_strtoll (expires_s, NULL, 10);

  g_mutex_lock (&sim->lock);
  task = g_hash_table_lookup (sim->tasks, id);
  if (task && task->status == SIM_TASK_SUCCEEDED) {
    path = g_strdup (req->endpoint == SEEDANCE_SIM_VIDEO ? task->video_path :
        task->frame_path);
    expected = sim_task_signature_locked (sim, task, kind, expires);
  }
  if (task && fault && fault->kind == SEEDANCE_SIM_FAULT_EXPIRED_URL) {
    /* the next query hands out a fresh signature */
    task->url_epoch++;
    task->url_expires = g_get_real_time () / G_USEC_PER_SEC + 24 * 3600;
  }
  g_mutex_unlock (&sim->lock);

  if (fault && fault->kind == SEEDANCE_SIM_FAULT_EXPIRED_URL) {
    respond_xml_forbidden (r, "AccessDenied", "Request has expired");
    goto done;
  }
  if (path == NULL) {
    respond_text (r, SOUP_STATUS_NOT_FOUND, "text/plain", "not found\n");
    goto done;
  }
  if (sig == NULL || g_strcmp0 (sig, expected) != 0) {
    respond_xml_forbidden (r, "SignatureDoesNotMatch", "The request "
        "signature does not match");
    goto done;
  }
  if (expires < g_get_real_time () / G_USEC_PER_SEC) {
    respond_xml_forbidden (r, "AccessDenied", "Request has expired");
    goto done;
  }
  if (fault && fault->kind == SEEDANCE_SIM_FAULT_NOT_MP4) {
    respond_text (r, SOUP_STATUS_OK, "video/mp4", "<!DOCTYPE html>\n<html>"
        "<head><title>Oops</title></head><body><h1>This is not a video"
        "</h1></body></html>\n");
    goto done;
  }

  mapped = g_mapped_file_new (path, FALSE, &error);
  if (mapped == NULL) {
    g_debug ("cannot map %s: %s", path, error->message);
    g_error_free (error);
    respond_text (r, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain",
        "cannot read the file\n");
    goto done;
  }
  bytes = g_mapped_file_get_bytes (mapped);
  g_mapped_file_unref (mapped);
  total = g_bytes_get_size (bytes);

  r->content_type = req->endpoint == SEEDANCE_SIM_VIDEO ? "video/mp4" :
      "image/png";
  if (flags & (SEEDANCE_SIM_FILE_HOST_IGNORE_RANGE |
          SEEDANCE_SIM_FILE_HOST_NO_RANGES))
    ranges = FALSE;
  soup_message_headers_replace (hdrs, "Accept-Ranges",
      flags & SEEDANCE_SIM_FILE_HOST_NO_RANGES ? "none" : "bytes");

  status = ranges ? parse_range (req->range, total, &start, &end) :
      SOUP_STATUS_OK;
  if (status == SOUP_STATUS_PARTIAL_CONTENT) {
    r->status = status;
    r->body = g_bytes_new_from_bytes (bytes, start, end - start + 1);
    soup_message_headers_set_content_range (hdrs, start, end, total);
    g_bytes_unref (bytes);
  } else if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE) {
    gchar *cr = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, total);

    r->status = status;
    soup_message_headers_replace (hdrs, "Content-Range", cr);
    g_free (cr);
    g_bytes_unref (bytes);
  } else {
    r->status = SOUP_STATUS_OK;
    r->body = bytes;
  }
  if (r->status != SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE) {
    if (flags & SEEDANCE_SIM_FILE_HOST_CHUNKED)
      r->encoding = SOUP_ENCODING_CHUNKED;
    else if (flags & SEEDANCE_SIM_FILE_HOST_EOF_BODY)
      r->encoding = SOUP_ENCODING_EOF;
  }

done:
  g_free (path);
  g_free (expected);
  if (params)
    g_hash_table_unref (params);
}

static void
set_retry_after (SoupMessageHeaders * hdrs, guint seconds)
{
  gchar *s = g_strdup_printf ("%u", seconds);

  soup_message_headers_replace (hdrs, "Retry-After", s);
  g_free (s);
}

/* The answer of a gateway that has no list endpoint. */
static void
no_list (Response * r, SoupMessageHeaders * hdrs, guint status)
{
  const gchar *code, *text;

  switch (status) {
    case SOUP_STATUS_NOT_FOUND:
      code = "NotFound";
      text = "The requested resource was not found";
      break;
    case SOUP_STATUS_METHOD_NOT_ALLOWED:
      code = "MethodNotAllowed";
      text = "The method GET is not allowed for this resource";
      soup_message_headers_replace (hdrs, "Allow", "POST");
      break;
    default:
      code = "InvalidParameter";
      text = "The request is not supported";
      break;
  }
  respond_json (r, status, sim_error_json (code, text, NULL,
          error_type (status)));
}

static void
handle_api (SeedanceSim * sim, SoupServerMessage * msg,
    SeedanceSimRequest * req, const gchar * id, SimFault * fault,
    Response * r)
{
  SoupMessageHeaders *hdrs = soup_server_message_get_response_headers (msg);
  gboolean authorized;
  SimTask *task;
  JsonNode *node = NULL;
  guint status = SOUP_STATUS_OK, list_status, retry_after_s = 0;
  const gchar *key = NULL;

  g_mutex_lock (&sim->lock);
  list_status = sim->list_status;
  authorized = req->authorization != NULL &&
      g_str_has_prefix (req->authorization, "Bearer ") &&
      g_strcmp0 (req->authorization + strlen ("Bearer "), sim->api_key) == 0;
  g_mutex_unlock (&sim->lock);
  if (req->endpoint == SEEDANCE_SIM_LIST && list_status != 0) {
    /* a gateway that does not route the list, whatever the key */
    no_list (r, hdrs, list_status);
    return;
  }
  if (!authorized) {
    respond_json (r, SOUP_STATUS_UNAUTHORIZED,
        sim_error_json ("AuthenticationError", "The API key in the request "
            "is missing or invalid", NULL, "Unauthorized"));
    return;
  }
  key = req->authorization + strlen ("Bearer ");

  g_mutex_lock (&sim->lock);
  if (req->endpoint != SEEDANCE_SIM_ANY_ENDPOINT &&
      !sim_rate_limit_take (sim->rate, key, sim->rate_limit,
          g_get_monotonic_time (), &retry_after_s)) {
    gchar *text = g_strdup_printf ("The request rate limit of %u requests "
        "per minute for this API key has been exceeded. Please retry after "
        "%u s.", sim->rate_limit, retry_after_s);

    g_mutex_unlock (&sim->lock);
    respond_json (r, STATUS_TOO_MANY_REQUESTS,
        sim_error_json ("RateLimitExceeded.EndpointRPM", text, NULL,
            error_type (STATUS_TOO_MANY_REQUESTS)));
    set_retry_after (hdrs, retry_after_s);
    g_free (text);
    return;
  }
  switch (req->endpoint) {
    case SEEDANCE_SIM_CREATE:{
      SimValidationError verr;
      guint queued = sim_tasks_count_queued_locked (sim);
      gchar *new_id;

      if (sim->max_queued > 0 && queued >= sim->max_queued) {
        gchar *text = g_strdup_printf ("Too many queued tasks: %u tasks are "
            "queued, the limit is %u. Please retry later.", queued,
            sim->max_queued);

        status = STATUS_TOO_MANY_REQUESTS;
        node = sim_error_json ("QuotaExceeded", text, NULL,
            error_type (status));
        g_free (text);
        break;
      }
      new_id = sim_tasks_create_locked (sim, req->body, strlen (req->body),
          &verr);

      if (new_id) {
        JsonBuilder *b = json_builder_new ();

        json_builder_begin_object (b);
        json_builder_set_member_name (b, "id");
        json_builder_add_string_value (b, new_id);
        json_builder_end_object (b);
        node = json_builder_get_root (b);
        g_object_unref (b);
        g_free (new_id);
      } else {
        status = SOUP_STATUS_BAD_REQUEST;
        node = sim_error_json (verr.code, verr.message, verr.param,
            "BadRequest");
        g_debug ("create refused: %s", verr.message);
        sim_validation_error_clear (&verr);
      }
      break;
    }
    case SEEDANCE_SIM_QUERY:
      task = g_hash_table_lookup (sim->tasks, id);
      if (task) {
        node = sim_task_to_json_locked (sim, task, fault &&
            fault->kind == SEEDANCE_SIM_FAULT_NO_VIDEO_URL);
      } else {
        status = SOUP_STATUS_NOT_FOUND;
        node = sim_error_json ("ResourceNotFound", "the specified task was "
            "not found", "id", "NotFound");
      }
      break;
    case SEEDANCE_SIM_DELETE:
      status = sim_tasks_delete_locked (sim, id, &node);
      break;
    case SEEDANCE_SIM_LIST:{
      SimValidationError verr;

      node = sim_tasks_list_locked (sim, req->query, &verr);
      if (node == NULL) {
        status = SOUP_STATUS_BAD_REQUEST;
        node = sim_error_json (verr.code, verr.message, verr.param,
            "BadRequest");
        sim_validation_error_clear (&verr);
      }
      break;
    }
    default:
      status = SOUP_STATUS_NOT_FOUND;
      node = sim_error_json ("NotFound", "no such endpoint", NULL,
          "NotFound");
      break;
  }
  g_mutex_unlock (&sim->lock);
  respond_json (r, status, node);
}

static void
redirect (SeedanceSim * sim, SoupServerMessage * msg,
    SeedanceSimRequest * req, Response * r)
{
  const gchar *other;

  other = local_port (msg) == sim->api_port ? sim->file_host : sim->api_host;
  r->status = SOUP_STATUS_FOUND;
  r->location = g_strdup_printf ("%s://%s%s%s%s", sim->scheme, other,
      req->path, req->query ? "?" : "", req->query ? req->query : "");
}

static void
oversize (Response * r)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *obj = NULL;
  JsonNode *root;
  gchar *padding;

  if (r->body && json_parser_load_from_data (parser,
          g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body), NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    obj = json_object_ref (json_node_get_object (json_parser_get_root
            (parser)));
  else
    obj = json_object_new ();
  g_object_unref (parser);

  padding = g_malloc (OVERSIZED_BYTES + 1);
  memset (padding, 'x', OVERSIZED_BYTES);
  padding[OVERSIZED_BYTES] = '\0';
  json_object_set_string_member (obj, "x_sim_padding", padding);
  g_free (padding);
  root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, obj);
  respond_json (r, SOUP_STATUS_OK, root);
}

static void
fault_response (SeedanceSim * sim, SoupServerMessage * msg,
    SeedanceSimRequest * req, SimFault * f, Response * r)
{
  SoupMessageHeaders *hdrs = soup_server_message_get_response_headers (msg);

  switch (f->kind) {
    case SEEDANCE_SIM_FAULT_STATUS:
      respond_json (r, f->status ? f->status : 500, sim_error_json (f->code,
              f->message, NULL, error_type (f->status ? f->status : 500)));
      if (f->retry_after_s > 0)
        set_retry_after (hdrs, f->retry_after_s);
      break;
    case SEEDANCE_SIM_FAULT_HTML:
      respond_text (r, SOUP_STATUS_BAD_GATEWAY, "text/html",
          "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
          "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n");
      break;
    case SEEDANCE_SIM_FAULT_MALFORMED:
      respond_text (r, SOUP_STATUS_OK, "application/json",
          "{\"id\": \"cgt-broken\", \"status\": \"succ");
      break;
    case SEEDANCE_SIM_FAULT_WRONG_TYPES:{
      JsonObject *obj = json_object_new ();
      JsonNode *root = json_node_new (JSON_NODE_OBJECT);

      json_object_set_int_member (obj, "id", 5);
      json_object_set_int_member (obj, "status", 7);
      json_object_set_string_member (obj, "content", "x");
      json_object_set_string_member (obj, "error", "boom");
      json_object_set_string_member (obj, "created_at", "yesterday");
      json_object_set_boolean_member (obj, "duration", TRUE);
      json_node_take_object (root, obj);
      respond_json (r, SOUP_STATUS_OK, root);
      break;
    }
    case SEEDANCE_SIM_FAULT_REDIRECT:
      redirect (sim, msg, req, r);
      break;
    default:
      g_assert_not_reached ();
  }
}

static gboolean
fault_replaces_answer (SimFault * f)
{
  if (f == NULL)
    return FALSE;
  switch (f->kind) {
    case SEEDANCE_SIM_FAULT_STATUS:
    case SEEDANCE_SIM_FAULT_HTML:
    case SEEDANCE_SIM_FAULT_MALFORMED:
    case SEEDANCE_SIM_FAULT_WRONG_TYPES:
    case SEEDANCE_SIM_FAULT_REDIRECT:
      return TRUE;
    default:
      return FALSE;
  }
}

static void
handle_request (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data)
{
  SeedanceSim *sim = data;
  SeedanceSimRequest *req = request_new (msg);
  Response r = { 0, };
  SimFault *fault;
  gchar *id = NULL;

  req->endpoint = classify (req->method, req->path, &id);
  g_mutex_lock (&sim->lock);
  fault = take_fault_locked (sim, req->endpoint);
  g_mutex_unlock (&sim->lock);

  if (fault && fault->kind == SEEDANCE_SIM_FAULT_STALL) {
    /* nothing is processed */
  } else if (fault_replaces_answer (fault)) {
    fault_response (sim, msg, req, fault, &r);
  } else if (req->endpoint == SEEDANCE_SIM_VIDEO ||
      req->endpoint == SEEDANCE_SIM_LAST_FRAME) {
    serve_file (sim, msg, req, id, fault, &r);
  } else if (g_str_has_prefix (req->path, "/api/v3/")) {
    handle_api (sim, msg, req, id, fault, &r);
  } else {
    respond_json (&r, SOUP_STATUS_NOT_FOUND, sim_error_json ("NotFound",
            "no such path", NULL, "NotFound"));
  }
  if (fault && fault->kind == SEEDANCE_SIM_FAULT_OVERSIZED)
    oversize (&r);

  deliver (sim, msg, &r, fault);

  req->status = r.status;
  g_debug ("%s %s%s%s -> %u%s", req->method, req->path,
      req->query ? "?" : "", req->query ? req->query : "", r.status,
      fault ? " (fault)" : "");
  g_mutex_lock (&sim->lock);
  g_ptr_array_add (sim->log, req);
  g_mutex_unlock (&sim->lock);

  g_clear_pointer (&r.body, g_bytes_unref);
  g_free (r.location);
  g_free (id);
  fault_free (fault);
}

/* ---- the server thread ----------------------------------------------- */

/* Listen on address:port; the port actually bound, not one of `taken`
 * (the other hosts', which may share the address).  (The listeners' own
 * addresses rather than soup_server_get_uris (), which leaks a
 * GSocketAddress per listener in libsoup 3.2.) */
static guint
listen_on (SoupServer * server, const gchar * address, guint port,
    SoupServerListenOptions options, const guint taken[2], GError ** error)
{
  GSocketAddress *addr = g_inet_socket_address_new_from_string (address,
      port);
  gboolean ok;
  GSList *listeners, *l;
  guint found = 0;

  ok = soup_server_listen (server, addr, options, error);
  g_object_unref (addr);
  if (!ok)
    return 0;
  listeners = soup_server_get_listeners (server);
  for (l = listeners; l; l = l->next) {
    GSocketAddress *local = g_socket_get_local_address (l->data, NULL);
    guint p;
    gchar *host;

    if (local == NULL)
      continue;
    if (G_IS_INET_SOCKET_ADDRESS (local)) {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (local);

      p = g_inet_socket_address_get_port (inet);
      host = g_inet_address_to_string (g_inet_socket_address_get_address
          (inet));
      if (p != taken[0] && p != taken[1] && g_strcmp0 (host, address) == 0)
        found = p;
      g_free (host);
    }
    g_object_unref (local);
  }
  g_slist_free (listeners);
  if (found == 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "cannot find the port listened on at %s", address);
  return found;
}

/* A file host on `address`, or on 127.0.0.1 where that cannot be bound;
 * its "host:port", or NULL. */
static gchar *
listen_file_host (SeedanceSim * sim, const gchar * address,
    SoupServerListenOptions options, const guint taken[2], guint * port,
    GError ** error)
{
  GError *local = NULL;

  *port = listen_on (sim->server, address, 0, options, taken, &local);
  if (*port == 0) {
    g_message ("cannot listen on %s (%s): that file host uses 127.0.0.1 "
        "on another port", address, local->message);
    g_clear_error (&local);
    address = "127.0.0.1";
    *port = listen_on (sim->server, address, 0, options, taken, error);
    if (*port == 0)
      return NULL;
  }
  return g_strdup_printf ("%s:%u", address, *port);
}

static gboolean
load_certificate (SeedanceSim * sim, GError ** error)
{
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ())) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
        "GIO has no TLS backend (is glib-networking installed?)");
    return FALSE;
  }
  sim->tls_cert = g_tls_certificate_new_from_files (sim->tls_cert_path,
      sim->tls_key_path, error);
  if (sim->tls_cert == NULL) {
    g_prefix_error (error, "cannot load the TLS certificate %s: ",
        sim->tls_cert_path);
    return FALSE;
  }
  return TRUE;
}

static gboolean
setup_server (SeedanceSim * sim, GError ** error)
{
  const gchar *api_addr = sim->ipv6 ? "::1" : "127.0.0.1";
  SoupServerListenOptions options = 0;
  guint taken[2] = { 0, 0 };
  gchar *file_host, *file2_host;

  sim->scheme = "http";
  if (sim->tls_cert_path) {
    if (!load_certificate (sim, error))
      return FALSE;
    sim->scheme = "https";
    options = SOUP_SERVER_LISTEN_HTTPS;
  }
  sim->server = soup_server_new ("server-header", "seedance-sim ",
      "tls-certificate", sim->tls_cert, NULL);
  soup_server_add_handler (sim->server, NULL, handle_request, sim, NULL);

  sim->api_port = listen_on (sim->server, api_addr, sim->want_port, options,
      taken, error);
  if (sim->api_port == 0) {
    if (sim->ipv6)
      g_prefix_error (error, "cannot listen on [::1] (does this machine "
          "have an IPv6 loopback?): ");
    return FALSE;
  }
  taken[0] = sim->api_port;
  file_host = listen_file_host (sim, "127.0.0.2", options, taken,
      &sim->file_port, error);
  if (file_host == NULL)
    return FALSE;
  taken[1] = sim->file_port;
  file2_host = listen_file_host (sim, "127.0.0.3", options, taken,
      &sim->file2_port, error);
  if (file2_host == NULL) {
    g_free (file_host);
    return FALSE;
  }

  sim->session = soup_session_new_with_options ("timeout", 10, NULL);

  g_mutex_lock (&sim->lock);
  sim->api_host = g_strdup_printf (sim->ipv6 ? "[%s]:%u" : "%s:%u", api_addr,
      sim->api_port);
  sim->file_host = file_host;
  sim->file2_host = file2_host;
  sim->base_url = g_strdup_printf ("%s://%s/api/v3", sim->scheme,
      sim->api_host);
  sim->file_host_url = g_strdup_printf ("%s://%s", sim->scheme,
      sim->file_host);
  g_mutex_unlock (&sim->lock);
  g_debug ("API on %s, files on %s and %s", sim->base_url,
      sim->file_host_url, sim->file2_host);
  return TRUE;
}

static void
teardown_server (SeedanceSim * sim)
{
  GHashTableIter iter;
  gpointer key;
  guint i;

  /* close every held connection: stalls, stall-afters, delays */
  g_hash_table_iter_init (&iter, sim->held);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    GSocket *sock = soup_server_message_get_socket (key);

    if (sock)
      g_socket_shutdown (sock, TRUE, TRUE, NULL);
  }
  g_hash_table_remove_all (sim->held);

  if (sim->server) {
    soup_server_disconnect (sim->server);
    g_clear_object (&sim->server);
  }
  if (sim->session) {
    soup_session_abort (sim->session);
    g_clear_object (&sim->session);
  }
  /* let what was cancelled finish */
  for (i = 0; i < 100 && g_main_context_iteration (sim->context, FALSE); i++);
}

static gpointer
server_thread (gpointer data)
{
  SeedanceSim *sim = data;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (sim->context);
  ok = setup_server (sim, &error);

  g_mutex_lock (&sim->lock);
  sim->ready = TRUE;
  sim->start_error = error;
  g_cond_broadcast (&sim->cond);
  g_mutex_unlock (&sim->lock);

  if (ok)
    g_main_loop_run (sim->loop);
  teardown_server (sim);
  g_main_context_pop_thread_default (sim->context);
  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  SeedanceSim *sim = data;

  g_main_loop_quit (sim->loop);
  return G_SOURCE_REMOVE;
}

/* ---- public API ------------------------------------------------------ */

SeedanceSim *
seedance_sim_new (void)
{
  SeedanceSim *sim = g_new0 (SeedanceSim, 1);
  GError *error = NULL;

  g_mutex_init (&sim->lock);
  g_cond_init (&sim->cond);
  sim->api_key = g_strdup ("sim-key");
  sim->queued_ms = 100;
  sim->running_ms = 300;
  sim->log = g_ptr_array_new_with_free_func (request_free);
  sim->tasks = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      sim_task_free);
  sim->held = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
      held_free);
  sim->secret = g_strdup_printf ("%08x%08x%08x%08x", g_random_int (),
      g_random_int (), g_random_int (), g_random_int ());
  sim->context = g_main_context_new ();
  sim->loop = g_main_loop_new (sim->context, FALSE);
  sim->rate = sim_rate_limit_new ();
  sim->published = g_ptr_array_new_with_free_func (g_free);
  sim->render = sim_render_new (&error);
  if (sim->render == NULL)
    g_error ("seedance-sim: cannot create the render directory: %s",
        error->message);
  return sim;
}

void
seedance_sim_set_api_key (SeedanceSim * sim, const gchar * key)
{
  g_mutex_lock (&sim->lock);
  g_free (sim->api_key);
  sim->api_key = g_strdup (key);
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_schedule (SeedanceSim * sim, guint queued_ms,
    guint running_ms)
{
  g_mutex_lock (&sim->lock);
  sim->queued_ms = queued_ms;
  sim->running_ms = running_ms;
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_outcome (SeedanceSim * sim, const gchar * status,
    const gchar * error_code, const gchar * error_message)
{
  g_mutex_lock (&sim->lock);
  g_free (sim->outcome_status);
  g_free (sim->outcome_code);
  g_free (sim->outcome_message);
  sim->outcome_status = g_strdup (status);
  sim->outcome_code = status ? g_strdup (error_code) : NULL;
  sim->outcome_message = status ? g_strdup (error_message) : NULL;
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_render (SeedanceSim * sim, guint video_kbps,
    gboolean noise, gboolean faststart)
{
  g_mutex_lock (&sim->lock);
  sim->video_kbps = video_kbps;
  sim->noise = noise;
  sim->faststart = faststart;
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_video_file (SeedanceSim * sim, const gchar * path)
{
  g_mutex_lock (&sim->lock);
  g_free (sim->video_file);
  sim->video_file = g_strdup (path);
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_rate_limit (SeedanceSim * sim, guint calls_per_minute)
{
  g_mutex_lock (&sim->lock);
  sim->rate_limit = calls_per_minute;
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_max_queued (SeedanceSim * sim, guint n)
{
  g_mutex_lock (&sim->lock);
  sim->max_queued = n;
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_list_status (SeedanceSim * sim, guint status)
{
  g_return_if_fail (status == 0 || (status >= 400 && status < 600));

  g_mutex_lock (&sim->lock);
  sim->list_status = status;
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_file_host_mode (SeedanceSim * sim, guint flags)
{
  g_mutex_lock (&sim->lock);
  sim->file_host_mode = flags;
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_video_base_url (SeedanceSim * sim, const gchar * base_url,
    const gchar * dir)
{
  g_return_if_fail (base_url == NULL || dir != NULL);

  g_mutex_lock (&sim->lock);
  g_free (sim->video_base_url);
  g_free (sim->video_dir);
  sim->video_base_url = g_strdup (base_url);
  sim->video_dir = base_url ? g_strdup (dir) : NULL;
  /* "<base>/<id>.mp4" whether or not the base ends with a slash */
  if (sim->video_base_url && g_str_has_suffix (sim->video_base_url, "/"))
    sim->video_base_url[strlen (sim->video_base_url) - 1] = '\0';
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_set_tls (SeedanceSim * sim, const gchar * cert_pem,
    const gchar * key_pem)
{
  g_return_if_fail (sim->thread == NULL);
  g_return_if_fail ((cert_pem == NULL) == (key_pem == NULL));

  g_free (sim->tls_cert_path);
  g_free (sim->tls_key_path);
  sim->tls_cert_path = g_strdup (cert_pem);
  sim->tls_key_path = g_strdup (key_pem);
}

void
seedance_sim_set_ipv6 (SeedanceSim * sim, gboolean ipv6)
{
  g_return_if_fail (sim->thread == NULL);

  sim->ipv6 = ipv6;
}

void
seedance_sim_add_fault (SeedanceSim * sim, SeedanceSimEndpoint endpoint,
    SeedanceSimFaultKind kind, guint times,
    const SeedanceSimFaultParams * params)
{
  SimFault *f = g_new0 (SimFault, 1);

  f->endpoint = endpoint;
  f->kind = kind;
  f->remaining = times;
  if (params) {
    f->status = params->status;
    f->code = g_strdup (params->code);
    f->message = g_strdup (params->message);
    f->retry_after_s = params->retry_after_s;
    f->delay_ms = params->delay_ms;
    f->bytes = params->bytes;
  }
  g_mutex_lock (&sim->lock);
  sim->faults = g_list_append (sim->faults, f);
  g_mutex_unlock (&sim->lock);
}

void
seedance_sim_clear_faults (SeedanceSim * sim)
{
  g_mutex_lock (&sim->lock);
  g_list_free_full (sim->faults, fault_free);
  sim->faults = NULL;
  g_mutex_unlock (&sim->lock);
}

gboolean
seedance_sim_start (SeedanceSim * sim, guint port, GError ** error)
{
  GError *start_error;

  g_return_val_if_fail (sim->thread == NULL, FALSE);

  sim->want_port = port;
  sim->ready = FALSE;
  sim->thread = g_thread_new ("seedance-sim", server_thread, sim);

  g_mutex_lock (&sim->lock);
  while (!sim->ready)
    g_cond_wait (&sim->cond, &sim->lock);
  start_error = sim->start_error;
  sim->start_error = NULL;
  g_mutex_unlock (&sim->lock);

  if (start_error) {
    g_thread_join (sim->thread);
    sim->thread = NULL;
    g_propagate_error (error, start_error);
    return FALSE;
  }
  return TRUE;
}

const gchar *
seedance_sim_get_base_url (SeedanceSim * sim)
{
  return sim->base_url;
}

const gchar *
seedance_sim_get_file_host_url (SeedanceSim * sim)
{
  return sim->file_host_url;
}

const gchar *
seedance_sim_get_api_host (SeedanceSim * sim)
{
  return sim->api_host;
}

const gchar *
seedance_sim_get_file_host (SeedanceSim * sim)
{
  return sim->file_host;
}

const gchar *
seedance_sim_get_second_file_host (SeedanceSim * sim)
{
  return sim->file2_host;
}

void
seedance_sim_free (SeedanceSim * sim)
{
  guint i;

  if (sim == NULL)
    return;

  if (sim->thread) {
    GSource *source = g_idle_source_new ();

    g_source_set_callback (source, quit_loop, sim, NULL);
    g_source_attach (source, sim->context);
    g_source_unref (source);
    g_thread_join (sim->thread);
    sim->thread = NULL;
  }
  /* workers see the flag; their results go to the stopped context */
  sim_render_free (sim->render);
  g_main_loop_unref (sim->loop);
  g_main_context_unref (sim->context);

  g_hash_table_unref (sim->held);
  g_hash_table_unref (sim->tasks);
  sim_rate_limit_free (sim->rate);
  for (i = 0; i < sim->published->len; i++)
    g_unlink (sim->published->pdata[i]);
  g_ptr_array_unref (sim->published);
  g_clear_object (&sim->tls_cert);
  g_free (sim->tls_cert_path);
  g_free (sim->tls_key_path);
  g_free (sim->video_base_url);
  g_free (sim->video_dir);
  g_free (sim->file2_host);
  g_ptr_array_unref (sim->log);
  g_list_free_full (sim->faults, fault_free);
  g_free (sim->api_key);
  g_free (sim->outcome_status);
  g_free (sim->outcome_code);
  g_free (sim->outcome_message);
  g_free (sim->video_file);
  g_free (sim->secret);
  g_free (sim->base_url);
  g_free (sim->file_host_url);
  g_free (sim->api_host);
  g_free (sim->file_host);
  g_cond_clear (&sim->cond);
  g_mutex_clear (&sim->lock);
  g_free (sim);
}

GPtrArray *
seedance_sim_get_requests (SeedanceSim * sim)
{
  GPtrArray *copy;
  guint i;

  g_mutex_lock (&sim->lock);
  copy = g_ptr_array_new_full (sim->log->len, request_free);
  for (i = 0; i < sim->log->len; i++)
    g_ptr_array_add (copy, request_copy (sim->log->pdata[i]));
  g_mutex_unlock (&sim->lock);
  return copy;
}

guint
seedance_sim_count_requests (SeedanceSim * sim, SeedanceSimEndpoint endpoint)
{
  guint i, n = 0;

  g_mutex_lock (&sim->lock);
  for (i = 0; i < sim->log->len; i++) {
    SeedanceSimRequest *r = sim->log->pdata[i];

    if (endpoint == SEEDANCE_SIM_ANY_ENDPOINT || r->endpoint == endpoint)
      n++;
  }
  g_mutex_unlock (&sim->lock);
  return n;
}

guint
seedance_sim_count_status (SeedanceSim * sim, SeedanceSimEndpoint endpoint,
    guint status)
{
  guint i, n = 0;

  g_mutex_lock (&sim->lock);
  for (i = 0; i < sim->log->len; i++) {
    SeedanceSimRequest *r = sim->log->pdata[i];

    if ((endpoint == SEEDANCE_SIM_ANY_ENDPOINT || r->endpoint == endpoint) &&
        r->status == status)
      n++;
  }
  g_mutex_unlock (&sim->lock);
  return n;
}

void
seedance_sim_clear_log (SeedanceSim * sim)
{
  g_mutex_lock (&sim->lock);
  g_ptr_array_set_size (sim->log, 0);
  g_mutex_unlock (&sim->lock);
}

gchar *
seedance_sim_get_task_status (SeedanceSim * sim, const gchar * task_id)
{
  SimTask *task;
  gchar *status = NULL;

  g_mutex_lock (&sim->lock);
  task = g_hash_table_lookup (sim->tasks, task_id);
  if (task)
    status = g_strdup (sim_task_status_name (task->status));
  g_mutex_unlock (&sim->lock);
  return status;
}

gint64
seedance_sim_get_task_succeeded_us (SeedanceSim * sim, const gchar * task_id)
{
  SimTask *task;
  gint64 us = 0;

  g_mutex_lock (&sim->lock);
  task = g_hash_table_lookup (sim->tasks, task_id);
  if (task)
    us = task->succeeded_us;
  g_mutex_unlock (&sim->lock);
  return us;
}

GBytes *
seedance_sim_get_task_video (SeedanceSim * sim, const gchar * task_id)
{
  SimTask *task;
  gchar *path = NULL;
  GMappedFile *mapped;
  GBytes *bytes;

  g_mutex_lock (&sim->lock);
  task = g_hash_table_lookup (sim->tasks, task_id);
  if (task && task->video_path)
    path = g_strdup (task->video_path);
  g_mutex_unlock (&sim->lock);
  if (path == NULL)
    return NULL;

  mapped = g_mapped_file_new (path, FALSE, NULL);
  g_free (path);
  if (mapped == NULL)
    return NULL;
  bytes = g_mapped_file_get_bytes (mapped);
  g_mapped_file_unref (mapped);
  return bytes;
}

gchar *
seedance_sim_create_task (SeedanceSim * sim, const gchar * json_body,
    GError ** error)
{
  SimValidationError verr;
  gchar *id;

  g_mutex_lock (&sim->lock);
  id = sim_tasks_create_locked (sim, json_body, strlen (json_body), &verr);
  g_mutex_unlock (&sim->lock);
  if (id == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "%s (%s): %s", verr.code, verr.param ? verr.param : "",
        verr.message);
    sim_validation_error_clear (&verr);
  }
  return id;
}
