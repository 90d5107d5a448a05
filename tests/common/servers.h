/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */

/* Real servers for the network tests: tinyproxy as the proxy and nginx as
 * the CDN, each a child process of the test on a free loopback port, with
 * a config written into a temporary directory of its own, stopped (and the
 * directory deleted) by test_server_stop().  A child also dies with the
 * test's thread that started it, so that a failed test leaves none behind.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TestServer TestServer;

/* NULL when the program is there; else a line saying which Debian package
 * is missing (g_free), for the test to skip with. */
gchar *test_tinyproxy_missing (void);
/* nginx with the ssl and http_v2 modules. */
gchar *test_nginx_missing (void);

typedef struct
{
  /* BasicAuth: the proxy answers 407 without these credentials. */
  const gchar *user;
  const gchar *password;
  /* Non-zero: the only port CONNECT may go to (ConnectPort); a tunnel to
   * any other port is answered 403.  Zero: any port. */
  guint connect_port;
} TestProxyOptions;

/* tinyproxy in the foreground on 127.0.0.1, logging every connection and
 * request ("Request (file descriptor 5): CONNECT 127.0.0.1:4443 HTTP/1.1")
 * to the file test_server_read_log() reads.  Fails the test if it does not
 * start. */
TestServer *test_tinyproxy_start (const TestProxyOptions * options);

/* nginx as a CDN: `root` served over HTTPS (`cert`/`key`, PEM) with
 * HTTP/2 and Range on 127.0.0.1, at these paths:
 *   /FILE           Content-Length, Range honoured
 *   /nolength/FILE  no length (chunked over HTTP/1.1), Range ignored
 *   /noranges/FILE  Content-Length, Range ignored
 * The access log has one line per request:
 *   "GET /FILE HTTP/2.0" STATUS PROTOCOL "RANGE" BYTES_SENT
 * Fails the test if it does not start. */
TestServer *test_nginx_start (const gchar * root, const gchar * cert,
    const gchar * key);

guint test_server_get_port (TestServer * server);

/* The server's process (to freeze it with SIGSTOP, say). */
GPid test_server_get_pid (TestServer * server);

/* "http://127.0.0.1:PORT" (tinyproxy), "https://127.0.0.1:PORT" (nginx). */
const gchar *test_server_get_url (TestServer * server);

/* The server's log so far (tinyproxy's log, nginx's access log); g_free. */
gchar *test_server_read_log (TestServer * server);

/* Waits until the log contains `needle` (a server writes some lines when a
 * connection closes, after the client is done), for up to `timeout_ms`.
 * Returns the log (g_free) whether or not it came. */
gchar *test_server_wait_for_log (TestServer * server, const gchar * needle,
    guint timeout_ms);

/* How many times `needle` occurs in `haystack`. */
guint test_count_occurrences (const gchar * haystack, const gchar * needle);

/* Stop (SIGTERM, then SIGKILL if it lingers), delete its directory, free.
 * NULL is ignored. */
void test_server_stop (TestServer * server);

G_END_DECLS
