/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* libcurl transfers, driven through one multi handle per run so that every
 * wait is a curl_multi_poll() that also watches the run's GCancellable.
 *
 * Thread-safety: a SeedanceHttp and its downloads belong to the thread that
 * drives them (the element's streaming thread); the only thing another
 * thread touches is the GCancellable, which is thread-safe.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "http.h"

#include <curl/curl.h>
#include <string.h>
#include <stdlib.h>
#include <poll.h>

/* What libcurl reads into before the sink copies it out.  Measured with
 * tests/bench on loopback: 64 KiB beats both the default 16 KiB (too many
 * reads) and 512 KiB (the buffer falls out of the cache before the one copy
 * reads it back), by about 20 % in throughput. */
#define DOWNLOAD_BUFFER_SIZE (64 * 1024)
#define MAX_REDIRECTS 5
/* The longest a single poll sleeps when libcurl has no timer of its own. */
#define POLL_SLICE_MS 1000

/* gst-indent would space the dashes out of the quark's string. */
/* *INDENT-OFF* */
G_DEFINE_QUARK (seedance-http-error-quark, seedance_http_error)
/* *INDENT-ON* */

struct _SeedanceHttp
{
  CURLM *multi;
  GCancellable *cancellable;
  GPollFD cancel_fd;
  gboolean have_cancel_fd;

  guint connect_timeout_s;
  guint stall_timeout_s;
  gchar *user_agent;
  gchar *proxy;
  gboolean ssl_strict;
  gchar *ca_file;
};

/* What the header callback learns of the answer being received. */
typedef struct
{
  gboolean headers_done;        /* the final answer's headers are all in */
  gboolean in_answer;           /* between a status line and its blank line */
  gboolean saw_location;
  guint status;                 /* from the status line */
  gint retry_after_s;
  gint64 range_start;           /* from Content-Range, -1 when none */
  gint64 range_total;           /* from Content-Range, -1 when none or '*' */
  CURL *easy;
} HeaderState;

struct _SeedanceHttpStream
{
  SeedanceHttp *http;
  CURL *easy;
  struct curl_slist *headers;
  HeaderState hs;
  gchar errbuf[CURL_ERROR_SIZE];

  SeedanceHttpSink sink;
  gpointer sink_data;
  guint64 offset;

  gboolean body_checked;        /* the first body byte was seen */
  guint64 skip;                 /* bytes before `offset` a 200 resends */
  gboolean bad_range;           /* a 206 that starts past `offset` */

  gboolean paused;              /* the sink asked for a pause */
  gboolean started;             /* the caller has the headers */
  gboolean got_data;            /* data since the last pump started */
  gboolean done;
  CURLcode result;

  gint64 total_size;
  guint64 body_start;
  gchar *effective_url;
};

static void
ensure_curl_global_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    curl_global_init (CURL_GLOBAL_DEFAULT);
    g_once_init_leave (&once, 1);
  }
}

SeedanceHttp *
seedance_http_new (const SeedanceHttpConfig * config,
    GCancellable * cancellable)
{
  SeedanceHttp *http = g_new0 (SeedanceHttp, 1);

  ensure_curl_global_init ();

  http->multi = curl_multi_init ();
  http->cancellable = cancellable ? g_object_ref (cancellable) :
      g_cancellable_new ();
  http->have_cancel_fd =
      g_cancellable_make_pollfd (http->cancellable, &http->cancel_fd);
  http->connect_timeout_s = config->connect_timeout_s;
  http->stall_timeout_s = config->stall_timeout_s;
  http->user_agent = g_strdup (config->user_agent ? config->user_agent :
      "gst-seedance/" VERSION);
  http->proxy = g_strdup (config->proxy);
  http->ssl_strict = config->ssl_strict;
  http->ca_file = g_strdup (config->ca_file);
  return http;
}

void
seedance_http_free (SeedanceHttp * http)
{
  if (http == NULL)
    return;
  curl_multi_cleanup (http->multi);
  if (http->have_cancel_fd)
    g_cancellable_release_fd (http->cancellable);
  g_object_unref (http->cancellable);
  g_free (http->user_agent);
  g_free (http->proxy);
  g_free (http->ca_file);
  g_free (http);
}


static gboolean
set_cancelled_error (GError ** error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
      "Operation was cancelled");
  return FALSE;
}

gboolean
seedance_http_wait_or_wake (SeedanceHttp * http, guint ms, GCancellable * wake,
    GError ** error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  GPollFD fds[2];
  guint n = 0;
  gboolean have_wake_fd = FALSE;

  if (http->have_cancel_fd)
    fds[n++] = http->cancel_fd;
  if (wake && g_cancellable_make_pollfd (wake, &fds[n])) {
    have_wake_fd = TRUE;
    n++;
  }

  for (;;) {
    gint64 left_ms;

    if (g_cancellable_is_cancelled (http->cancellable)) {
      if (have_wake_fd)
        g_cancellable_release_fd (wake);
      return set_cancelled_error (error);
    }
    left_ms = (deadline - g_get_monotonic_time () + 999) / 1000;
    if (left_ms <= 0 || (wake && g_cancellable_is_cancelled (wake)))
      break;
    if (n > 0) {
      fds[0].revents = fds[1].revents = 0;
      g_poll (fds, n, (gint) MIN (left_ms, G_MAXINT));
    } else {
      g_usleep (MIN (left_ms, 50) * 1000);
    }
  }
  if (have_wake_fd)
    g_cancellable_release_fd (wake);
  return TRUE;
}

gboolean
seedance_http_wait (SeedanceHttp * http, guint ms, GError ** error)
{
  return seedance_http_wait_or_wake (http, ms, NULL, error);
}

/* Runs the multi handle until `easy` is done, `stop (data)` is true, or the
 * run is cancelled.  `*done` tells which of the first two it was. */
static gboolean
run_multi (SeedanceHttp * http, CURL * easy, gboolean (*stop) (gpointer),
    gpointer data, gboolean * done, CURLcode * result, GError ** error)
{
  *done = FALSE;

  for (;;) {
    int running = 0, queued = 0;
    CURLMsg *msg;
    struct curl_waitfd waitfd;
    CURLMcode mc;

    if (g_cancellable_is_cancelled (http->cancellable))
      return set_cancelled_error (error);

    mc = curl_multi_perform (http->multi, &running);
    if (mc != CURLM_OK) {
      g_set_error (error, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_FAILED,
          "libcurl: %s", curl_multi_strerror (mc));
      return FALSE;
    }
    while ((msg = curl_multi_info_read (http->multi, &queued))) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
        *done = TRUE;
        *result = msg->data.result;
      }
    }
    if (*done)
      return TRUE;
    if (stop && stop (data))
      return TRUE;

    waitfd.fd = http->have_cancel_fd ? http->cancel_fd.fd : -1;
    waitfd.events = CURL_WAIT_POLLIN;
    waitfd.revents = 0;
    mc = curl_multi_poll (http->multi, &waitfd, http->have_cancel_fd ? 1 : 0,
        POLL_SLICE_MS, NULL);
    if (mc != CURLM_OK) {
      g_set_error (error, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_FAILED,
          "libcurl: %s", curl_multi_strerror (mc));
      return FALSE;
    }
  }
}

static gint
parse_retry_after (const gchar * value)
{
  gchar *end = NULL;
  gint64 secs;
  time_t when;

  secs = g_ascii_strtoll (value, &end, 10);
  if (end != value && (*end == '\0' || g_ascii_isspace (*end)))
    return (gint) CLAMP (secs, 0, G_MAXINT);
  /* An HTTP date: libcurl parses those. */
  when = curl_getdate (value, NULL);
  if (when == -1)
    return -1;
  secs = (gint64) when - (gint64) time (NULL);
  return (gint) CLAMP (secs, 0, G_MAXINT);
}

static size_t
header_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  HeaderState *hs = userdata;
  size_t len = size * nitems;
  g_autofree gchar *line = g_strndup (buffer, len);
  gchar *colon;

  g_strchomp (line);

  if (g_str_has_prefix (line, "HTTP/")) {
    /* A new answer (after a redirect or a 100): forget the last one's.
     * "HTTP/1.1 206 Partial Content", "HTTP/2 200" */
    const gchar *code = strchr (line, ' ');

    hs->in_answer = TRUE;
    hs->status = code ? (guint) g_ascii_strtoull (code + 1, NULL, 10) : 0;
    hs->saw_location = FALSE;
    hs->retry_after_s = -1;
    hs->range_start = -1;
    hs->range_total = -1;
    return len;
  }

  /* Trailers, or anything else outside an answer's head. */
  if (!hs->in_answer)
    return len;

  if (line[0] == '\0') {
    long code = 0;

    hs->in_answer = FALSE;
    /* A proxy's answer to CONNECT ("200 Connection established") is not
     * the server's, should it come here despite
     * CURLOPT_SUPPRESS_CONNECT_HEADERS: libcurl keeps its code apart
     * (CURLINFO_HTTP_CONNECTCODE), so the server's answer is the one
     * whose status line is libcurl's response code. */
    curl_easy_getinfo (hs->easy, CURLINFO_RESPONSE_CODE, &code);
    if ((guint) code != hs->status) {
      hs->status = 0;
      return len;
    }
    if (hs->status >= 100 && hs->status < 200)
      return len;
    /* Redirects are followed: the answer that counts comes next. */
    if (hs->saw_location && hs->status >= 300 && hs->status < 400)
      return len;
    hs->headers_done = TRUE;
    return len;
  }

  colon = strchr (line, ':');
  if (colon == NULL)
    return len;
  *colon = '\0';
  colon = g_strstrip (colon + 1);

  if (g_ascii_strcasecmp (line, "Location") == 0) {
    hs->saw_location = TRUE;
  } else if (g_ascii_strcasecmp (line, "Retry-After") == 0) {
    hs->retry_after_s = parse_retry_after (colon);
  } else if (g_ascii_strcasecmp (line, "Content-Range") == 0) {
    guint64 start, end;
    gchar total[32];

    /* "bytes START-END/TOTAL", TOTAL may be '*' */
    if (sscanf (colon, "bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
            "/%31s", &start, &end, total) == 3) {
      hs->range_start = (gint64) start;
      hs->range_total = g_ascii_isdigit (total[0]) ?
          (gint64) g_ascii_strtoull (total, NULL, 10) : -1;
    }
  }
  return len;
}

static void
set_common_options (SeedanceHttp * http, CURL * easy, const gchar * url,
    gchar * errbuf, HeaderState * hs)
{
  curl_easy_setopt (easy, CURLOPT_URL, url);
  curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (easy, CURLOPT_USERAGENT, http->user_agent);
  curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (easy, CURLOPT_MAXREDIRS, (long) MAX_REDIRECTS);
  /* Never CURLOPT_UNRESTRICTED_AUTH: the key must not follow a redirect
   * to another host. */
  if (http->connect_timeout_s)
    curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT,
        (long) http->connect_timeout_s);
  if (http->stall_timeout_s) {
    /* Less than a byte a second for that long: the peer went silent. */
    curl_easy_setopt (easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt (easy, CURLOPT_LOW_SPEED_TIME,
        (long) http->stall_timeout_s);
  }
  /* Unset, libcurl reads https_proxy, http_proxy, all_proxy and no_proxy
   * itself; credentials in the proxy URL are its own to use. */
  if (http->proxy)
    curl_easy_setopt (easy, CURLOPT_PROXY, http->proxy);
  /* The proxy's answer to CONNECT is not the server's. */
  curl_easy_setopt (easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  /* HTTP/2 where the server offers it by ALPN, HTTP/1.1 elsewhere. */
  curl_easy_setopt (easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt (easy, CURLOPT_SSL_VERIFYPEER, http->ssl_strict ? 1L : 0L);
  curl_easy_setopt (easy, CURLOPT_SSL_VERIFYHOST, http->ssl_strict ? 2L : 0L);
  if (http->ca_file)
    curl_easy_setopt (easy, CURLOPT_CAINFO, http->ca_file);

  hs->easy = easy;
  hs->retry_after_s = -1;
  hs->range_start = -1;
  hs->range_total = -1;
  curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (easy, CURLOPT_HEADERDATA, hs);
}

gchar *
seedance_http_redact_url (const gchar * url)
{
  const gchar *scheme, *authority, *end, *at = NULL, *p;

  if (url == NULL)
    return NULL;
  /* By hand rather than through a URL parser, so that the rest comes back
   * byte for byte, and a proxy string without a scheme
   * ("user:pass@host:3128", which libcurl takes) is redacted too. */
  scheme = strstr (url, "://");
  if (scheme && scheme - url < (gssize) strcspn (url, "/?#@"))
    authority = scheme + 3;
  else
    authority = url;
  end = authority + strcspn (authority, "/?#");
  /* The last '@': a password may hold an unescaped one. */
  for (p = authority; p < end; p++)
    if (*p == '@')
      at = p;
  if (at == NULL)
    return g_strdup (url);
  return g_strdup_printf ("%.*s***%s", (int) (authority - url), url, at);
}

/* "host" or "host:port" (or with the scheme's port when `default_port`)
 * of a URL, without user info; NULL when it does not parse.  libcurl's
 * own parser, so that a proxy string without a scheme reads as libcurl
 * reads it. */
static gchar *
url_host_port (const gchar * url, gboolean default_port)
{
  CURLU *u = curl_url ();
  char *host = NULL, *port = NULL;
  gchar *result = NULL;

  if (curl_url_set (u, CURLUPART_URL, url, CURLU_GUESS_SCHEME |
          CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
      curl_url_get (u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    curl_url_get (u, CURLUPART_PORT, &port,
        default_port ? CURLU_DEFAULT_PORT : 0);
    result = port ? g_strdup_printf ("%s:%s", host, port) : g_strdup (host);
  }
  curl_free (host);
  curl_free (port);
  curl_url_cleanup (u);
  return result;
}

static gboolean
url_has_user_info (const gchar * url)
{
  gchar *redacted = seedance_http_redact_url (url);
  gboolean has = g_strcmp0 (redacted, url) != 0;

  g_free (redacted);
  return has;
}

/* The proxy string libcurl used for `url`: the configured one, else the
 * environment variable libcurl reads for its scheme.  NULL when none. */
static const gchar *
find_proxy (SeedanceHttp * http, const gchar * url)
{
  const gchar *const https_vars[] = { "https_proxy", "HTTPS_PROXY",
    "all_proxy", "ALL_PROXY", NULL
  };
  /* libcurl ignores HTTP_PROXY in upper case (the CGI "httpoxy" hole). */
  const gchar *const http_vars[] = { "http_proxy", "all_proxy", "ALL_PROXY",
    NULL
  };
  const gchar *const *vars;
  guint i;

  if (http->proxy)
    return http->proxy[0] ? http->proxy : NULL;
  vars = g_ascii_strncasecmp (url, "https:", 6) == 0 ? https_vars : http_vars;
  for (i = 0; vars[i]; i++) {
    const gchar *value = g_getenv (vars[i]);

    if (value && value[0])
      return value;
  }
  return NULL;
}

/* A proxy refused to forward the request: PROXY_AUTH for 407 (and 401),
 * else PROXY_REFUSED.  The message names the proxy by host and port only. */
static void
set_proxy_error (SeedanceHttp * http, CURL * easy, long status, GError ** error)
{
  const char *url = NULL;
  const gchar *proxy;
  g_autofree gchar *proxy_name = NULL, *target = NULL;

  curl_easy_getinfo (easy, CURLINFO_EFFECTIVE_URL, &url);
  proxy = url ? find_proxy (http, url) : NULL;
  if (proxy)
    proxy_name = url_host_port (proxy, FALSE);
  if (proxy_name == NULL) {
    /* The peer of a proxied transfer is the proxy. */
    const char *ip = NULL;
    long port = 0;

    curl_easy_getinfo (easy, CURLINFO_PRIMARY_IP, &ip);
    curl_easy_getinfo (easy, CURLINFO_PRIMARY_PORT, &port);
    proxy_name = g_strdup_printf (ip && strchr (ip, ':') ? "[%s]:%ld" :
        "%s:%ld", ip ? ip : "?", port);
  }
  target = url ? url_host_port (url, TRUE) : NULL;
  if (target == NULL)
    target = g_strdup ("?");

  /* 407 is the standard answer; some proxies (tinyproxy) answer a
   * CONNECT with wrong credentials 401. */
  if ((status == 407 || status == 401) && proxy && url_has_user_info (proxy))
    g_set_error (error, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_PROXY_AUTH,
        "the proxy %s refused the credentials of the proxy URL (HTTP %ld); "
        "nothing was forwarded to %s", proxy_name, status, target);
  else if (status == 407 || status == 401)
    g_set_error (error, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_PROXY_AUTH,
        "the proxy %s requires authentication (HTTP %ld); nothing was "
        "forwarded to %s", proxy_name, status, target);
  else
    g_set_error (error, SEEDANCE_HTTP_ERROR,
        SEEDANCE_HTTP_ERROR_PROXY_REFUSED, "the proxy %s refused the "
        "tunnel to %s (HTTP %ld); nothing was forwarded", proxy_name, target,
        status);
}

static void
set_transfer_error (SeedanceHttp * http, CURL * easy, CURLcode code,
    const gchar * errbuf, gboolean too_large, GError ** error)
{
  const gchar *detail = errbuf[0] ? errbuf : curl_easy_strerror (code);
  SeedanceHttpError kind;
  curl_off_t connected = 0;
  long connect_code = 0;

  /* A tunnel the proxy did not open (libcurl 7.88 says CURLE_RECV_ERROR,
   * later ones CURLE_PROXY): nothing went past the proxy. */
  curl_easy_getinfo (easy, CURLINFO_HTTP_CONNECTCODE, &connect_code);
  if (connect_code != 0 && (connect_code < 200 || connect_code >= 300)) {
    set_proxy_error (http, easy, connect_code, error);
    return;
  }

  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      kind = SEEDANCE_HTTP_ERROR_CONNECT;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      /* Before the connection was up nothing was sent. */
      curl_easy_getinfo (easy, CURLINFO_PRETRANSFER_TIME_T, &connected);
      kind = connected ? SEEDANCE_HTTP_ERROR_STALLED :
          SEEDANCE_HTTP_ERROR_CONNECT;
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    {
      const char *url = NULL;
      g_autofree gchar *host = NULL;

      /* libcurl's reason seldom says which host, and two are involved. */
      curl_easy_getinfo (easy, CURLINFO_EFFECTIVE_URL, &url);
      host = url ? url_host_port (url, FALSE) : NULL;
      g_set_error (error, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_TLS,
          "TLS failed with %s: %s", host ? host : "?", detail);
      return;
    }
    case CURLE_WRITE_ERROR:
      kind = too_large ? SEEDANCE_HTTP_ERROR_TOO_LARGE :
          SEEDANCE_HTTP_ERROR_FAILED;
      if (too_large)
        detail = "the answer is larger than allowed";
      break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      kind = SEEDANCE_HTTP_ERROR_NETWORK;
      break;
    default:
      kind = SEEDANCE_HTTP_ERROR_FAILED;
      break;
  }
  g_set_error (error, SEEDANCE_HTTP_ERROR, kind, "%s", detail);
}

void
seedance_http_response_clear (SeedanceHttpResponse * response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
}

typedef struct
{
  GByteArray *data;
  gsize max;
  gboolean too_large;
} CallBody;

static size_t
call_write_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  CallBody *b = userdata;
  size_t len = size * nmemb;

  if (b->data->len + len > b->max) {
    b->too_large = TRUE;
    return 0;
  }
  g_byte_array_append (b->data, (const guint8 *) ptr, len);
  return len;
}

gboolean
seedance_http_call (SeedanceHttp * http, const gchar * method,
    const gchar * url, const gchar * bearer, GBytes * body, gsize max_body,
    SeedanceHttpResponse * response, GError ** error)
{
  CURL *easy = curl_easy_init ();
  struct curl_slist *headers = NULL;
  gchar errbuf[CURL_ERROR_SIZE] = "";
  HeaderState hs = { 0, };
  CallBody cb = { g_byte_array_new (), max_body, FALSE };
  gboolean done = FALSE, ok = FALSE;
  CURLcode result = CURLE_OK;
  long code = 0;

  memset (response, 0, sizeof (*response));
  set_common_options (http, easy, url, errbuf, &hs);
  curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, call_write_cb);
  curl_easy_setopt (easy, CURLOPT_WRITEDATA, &cb);

  headers = curl_slist_append (headers, "Accept: application/json");
  if (bearer) {
    /* libcurl's own bearer auth, not a custom header: it is then bound to
     * this host and port and dropped on a redirect elsewhere. */
    curl_easy_setopt (easy, CURLOPT_HTTPAUTH, (long) CURLAUTH_BEARER);
    curl_easy_setopt (easy, CURLOPT_XOAUTH2_BEARER, bearer);
  }
  if (g_strcmp0 (method, "POST") == 0) {
    gsize len = 0;
    const gchar *data = body ? g_bytes_get_data (body, &len) : "";

    headers = curl_slist_append (headers, "Content-Type: application/json");
    curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
    curl_easy_setopt (easy, CURLOPT_COPYPOSTFIELDS, data);
    /* No "Expect: 100-continue" round trip for big bodies. */
    headers = curl_slist_append (headers, "Expect:");
  } else if (g_strcmp0 (method, "GET") != 0) {
    curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);
  }
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, headers);

  curl_multi_add_handle (http->multi, easy);
  if (!run_multi (http, easy, NULL, NULL, &done, &result, error))
    goto out;
  if (result != CURLE_OK) {
    set_transfer_error (http, easy, result, errbuf, cb.too_large, error);
    goto out;
  }

  curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &code);
  if (code == 407) {
    /* Only a proxy answers 407 (a plain http:// request, which goes
     * through a proxy without a tunnel): the service never saw it. */
    set_proxy_error (http, easy, code, error);
    goto out;
  }
  response->status = (guint) code;
  response->retry_after_s = hs.retry_after_s;
  response->body = g_byte_array_free_to_bytes (cb.data);
  cb.data = NULL;
  ok = TRUE;

out:
  curl_multi_remove_handle (http->multi, easy);
  curl_easy_cleanup (easy);
  curl_slist_free_all (headers);
  if (cb.data)
    g_byte_array_unref (cb.data);
  if (!ok)
    response->body = g_bytes_new (NULL, 0);
  return ok;
}

/* --- downloads --- */

static void
download_read_headers (SeedanceHttpStream * d)
{
  curl_off_t clen = -1;
  const char *eff = NULL;

  if (d->effective_url)
    return;

  curl_easy_getinfo (d->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
  curl_easy_getinfo (d->easy, CURLINFO_EFFECTIVE_URL, &eff);
  d->effective_url = g_strdup (eff);

  d->total_size = -1;
  d->body_start = 0;
  if (d->hs.status == 206 && d->hs.range_start >= 0) {
    d->body_start = (guint64) d->hs.range_start;
    d->total_size = d->hs.range_total;
  } else if (d->hs.status == 200) {
    /* The whole file, whatever Range asked for. */
    d->total_size = clen >= 0 ? (gint64) clen : -1;
  } else if (d->hs.status == 416) {
    /* "bytes * /TOTAL" is not parsed above; TOTAL is rarely needed. */
    d->body_start = d->offset;
  }
}

static size_t
download_write_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  SeedanceHttpStream *d = userdata;
  size_t len = size * nmemb, skipped = 0;

  /* An error answer's body is never for the sink. */
  if (d->hs.status < 200 || d->hs.status >= 300)
    return len;
  /* Body bytes that come with the headers wait (libcurl keeps them) until
   * the caller has looked at the headers: a size that changed must be
   * seen before any byte of the new file reaches the sink. */
  if (!d->started) {
    d->paused = TRUE;
    return CURL_WRITEFUNC_PAUSE;
  }

  if (!d->body_checked) {
    d->body_checked = TRUE;
    download_read_headers (d);
    if (d->body_start > d->offset) {
      d->bad_range = TRUE;
      return 0;
    }
    /* A server that ignored the Range resends what comes before it. */
    d->skip = d->offset - d->body_start;
  }
  if (d->skip > 0) {
    skipped = (size_t) MIN ((guint64) len, d->skip);
    d->skip -= skipped;
    if (skipped == len)
      return len;
  }

  d->got_data = TRUE;
  if (d->sink ((const guint8 *) ptr + skipped, len - skipped, d->sink_data)) {
    /* Stop reading after this chunk, which the sink has taken whole: a
     * paused write would make libcurl keep a copy of its own. */
    curl_easy_pause (d->easy, CURLPAUSE_RECV);
    d->paused = TRUE;
  }
  return len;
}

static gboolean
download_headers_done (gpointer data)
{
  SeedanceHttpStream *d = data;

  return d->hs.headers_done;
}

SeedanceHttpStream *
seedance_http_stream_start (SeedanceHttp * http, const gchar * url,
    guint64 offset, SeedanceHttpSink sink, gpointer user_data, GError ** error)
{
  SeedanceHttpStream *d = g_new0 (SeedanceHttpStream, 1);
  gboolean done = FALSE;
  gchar range[48];

  d->http = http;
  d->easy = curl_easy_init ();
  d->sink = sink;
  d->sink_data = user_data;
  d->offset = offset;
  d->total_size = -1;

  set_common_options (http, d->easy, url, d->errbuf, &d->hs);
  curl_easy_setopt (d->easy, CURLOPT_BUFFERSIZE, (long) DOWNLOAD_BUFFER_SIZE);
  curl_easy_setopt (d->easy, CURLOPT_WRITEFUNCTION, download_write_cb);
  curl_easy_setopt (d->easy, CURLOPT_WRITEDATA, d);
  d->headers = curl_slist_append (d->headers, "Accept-Encoding: identity");
  curl_easy_setopt (d->easy, CURLOPT_HTTPHEADER, d->headers);
  /* A Range even from byte 0: a host that honours it answers 206 with
   * the total in Content-Range, where a plain GET may come chunked with
   * no length at all. */
  g_snprintf (range, sizeof (range), "%" G_GUINT64_FORMAT "-", offset);
  curl_easy_setopt (d->easy, CURLOPT_RANGE, range);

  curl_multi_add_handle (http->multi, d->easy);
  if (!run_multi (http, d->easy, download_headers_done, d, &done, &d->result,
          error))
    goto failed;
  if (done) {
    d->done = TRUE;
    if (d->result != CURLE_OK && !d->hs.headers_done) {
      set_transfer_error (http, d->easy, d->result, d->errbuf, FALSE, error);
      goto failed;
    }
  }
  if (d->hs.status == 407) {
    set_proxy_error (http, d->easy, 407, error);
    goto failed;
  }
  download_read_headers (d);
  d->started = TRUE;
  return d;

failed:
  seedance_http_stream_free (d);
  return NULL;
}

guint
seedance_http_stream_get_status (SeedanceHttpStream * d)
{
  return d->hs.status;
}


gint64
seedance_http_stream_get_total_size (SeedanceHttpStream * d)
{
  return d->total_size;
}



const gchar *
seedance_http_stream_get_effective_url (SeedanceHttpStream * d)
{
  return d->effective_url;
}

static gboolean
download_pump_stop (gpointer data)
{
  SeedanceHttpStream *d = data;

  return d->paused || d->got_data;
}

gboolean
seedance_http_stream_pump (SeedanceHttpStream * d, gboolean * eof,
    GError ** error)
{
  gboolean done = FALSE;

  *eof = FALSE;
  d->got_data = FALSE;

  if (d->done)
    goto finished;

  if (d->paused) {
    d->paused = FALSE;
    /* May hand over data at once, through the write callback. */
    curl_easy_pause (d->easy, CURLPAUSE_CONT);
    if (d->paused)
      return TRUE;
  }

  if (!run_multi (d->http, d->easy, download_pump_stop, d, &done, &d->result,
          error))
    return FALSE;
  if (!done)
    return TRUE;
  d->done = TRUE;

finished:
  if (d->bad_range) {
    g_set_error (error, SEEDANCE_HTTP_ERROR, SEEDANCE_HTTP_ERROR_FAILED,
        "the server answered a range that starts past byte %"
        G_GUINT64_FORMAT, d->offset);
    return FALSE;
  }
  if (d->result != CURLE_OK) {
    set_transfer_error (d->http, d->easy, d->result, d->errbuf, FALSE, error);
    return FALSE;
  }
  *eof = TRUE;
  return TRUE;
}

void
seedance_http_stream_free (SeedanceHttpStream * d)
{
  if (d == NULL)
    return;
  curl_multi_remove_handle (d->http->multi, d->easy);
  curl_easy_cleanup (d->easy);
  curl_slist_free_all (d->headers);
  g_free (d->effective_url);
  g_free (d);
}
