/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */

/* The children are spawned and reaped by hand (waitpid), not through
 * GSubprocess: libcheck forks each test, and a fork has no GLib worker
 * thread to run GSubprocess's child watch if the parent started one. */
#define _GNU_SOURCE
#include "servers.h"
#include "tmpdir.h"

#include <gio/gio.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000
#define START_ATTEMPTS 3

struct _TestServer
{
  gchar *name;                  /* "tinyproxy", "nginx" */
  gchar *dir;
  GPid pid;
  guint port;
  gchar *url;
  gchar *log_path;
  gchar *output_path;           /* the program's stdout and stderr */
};

gchar *
test_tinyproxy_missing (void)
{
  g_autofree gchar *path = g_find_program_in_path ("tinyproxy");

  if (path == NULL)
    return g_strdup ("tinyproxy is not installed (Debian package "
        "tinyproxy)");
  return NULL;
}

static gchar *
find_nginx (void)
{
  gchar *path = g_find_program_in_path ("nginx");

  if (path == NULL
      && g_file_test ("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/usr/sbin/nginx");
  return path;
}

gchar *
test_nginx_missing (void)
{
  g_autofree gchar *path = find_nginx ();
  g_autofree gchar *out = NULL, *err = NULL;
  gchar *argv[] = { NULL, (gchar *) "-V", NULL };
  gint status = -1;

  if (path == NULL)
    return g_strdup ("nginx is not installed (Debian package nginx-light)");
  argv[0] = path;
  /* nginx -V prints its configure arguments on stderr. */
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
          &err, &status, NULL))
    return g_strdup_printf ("%s -V does not run", path);
  if (strstr (err, "--with-http_ssl_module") == NULL ||
      strstr (err, "--with-http_v2_module") == NULL)
    return g_strdup_printf ("%s lacks the ssl or http_v2 module (Debian "
        "package nginx-light has both)", path);
  return NULL;
}

/* A port nothing listens on right now.  Another process may take it before
 * the server does; starting is then tried again on another one. */
static guint
free_port (void)
{
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0), *bound;
  guint port;

  fail_unless (g_socket_bind (sock, addr, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);
  g_object_unref (sock);
  return port;
}

static void
die_with_parent (gpointer user_data)
{
  /* The test's thread that spawned this child, gone: so is the child. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != GPOINTER_TO_INT (user_data))
    _exit (1);
}

/* TRUE while the child runs; reaps it when it has exited. */
static gboolean
child_running (TestServer * server)
{
  int status;
  pid_t r;

  if (server->pid <= 0)
    return FALSE;
  r = waitpid (server->pid, &status, WNOHANG);
  if (r == 0)
    return TRUE;
  if (r < 0 && errno == EINTR)
    return TRUE;
  server->pid = 0;
  return FALSE;
}

/* A plain socket, not a GSocketClient: that would ask GIO's proxy
 * resolver (libproxy, threads of its own) about a loopback port. */
static gboolean
port_accepts (guint port)
{
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, port);
  gboolean ok = g_socket_connect (sock, addr, NULL, NULL);

  g_socket_close (sock, NULL);
  g_object_unref (addr);
  g_object_unref (lo);
  g_object_unref (sock);
  return ok;
}

static gboolean
spawn (TestServer * server, gchar ** argv)
{
  GError *err = NULL;
  gint out_fd = open (server->output_path, O_WRONLY | O_CREAT | O_APPEND |
      O_CLOEXEC, 0600);
  gint null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  gboolean ok;

  fail_unless (out_fd >= 0 && null_fd >= 0);
  ok = g_spawn_async_with_pipes_and_fds (server->dir,
      (const gchar * const *) argv, NULL,
      G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent,
      GINT_TO_POINTER (getpid ()), null_fd, out_fd, out_fd, NULL, NULL, 0,
      &server->pid, NULL, NULL, NULL, &err);
  close (out_fd);
  close (null_fd);
  fail_unless (ok, "cannot start %s: %s", argv[0], err ? err->message : "?");
  return ok;
}

/* Waits until the child accepts connections on its port; FALSE if it
 * exited first (a port taken meanwhile, say). */
static gboolean
wait_until_ready (TestServer * server)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_MS * 1000;

  while (g_get_monotonic_time () < deadline) {
    if (!child_running (server))
      return FALSE;
    if (port_accepts (server->port))
      return TRUE;
    g_usleep (20 * 1000);
  }
  return FALSE;
}

static TestServer *
server_new (const gchar * name)
{
  TestServer *server = g_new0 (TestServer, 1);
  g_autofree gchar *templ = g_strdup_printf ("seedance-%s-XXXXXX", name);

  server->name = g_strdup (name);
  server->dir = g_dir_make_tmp (templ, NULL);
  fail_unless (server->dir != NULL);
  server->output_path = g_build_filename (server->dir, "output.txt", NULL);
  return server;
}

/* Writes the config for server->port; returns the command line. */
typedef gchar **(*WriteConfigFunc) (TestServer * server, gconstpointer data);

static void
start_or_fail (TestServer * server, WriteConfigFunc write_config,
    gconstpointer data, const gchar * scheme)
{
  guint attempt;

  for (attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    g_auto (GStrv) argv = NULL;

    server->port = free_port ();
    argv = write_config (server, data);
    spawn (server, argv);
    if (wait_until_ready (server)) {
      server->url = g_strdup_printf ("%s://127.0.0.1:%u", scheme, server->port);
      return;
    }
    if (server->pid > 0) {
      kill (server->pid, SIGKILL);
      waitpid (server->pid, NULL, 0);
      server->pid = 0;
    }
  }
  {
    g_autofree gchar *output = NULL;

    g_file_get_contents (server->output_path, &output, NULL, NULL);
    fail ("%s did not start: %s", server->name, output ? output : "");
  }
}

static gchar **
tinyproxy_config (TestServer * server, gconstpointer data)
{
  const TestProxyOptions *opt = data;
  g_autofree gchar *conf_path = g_build_filename (server->dir,
      "tinyproxy.conf", NULL);
  GString *conf = g_string_new (NULL);
  gchar **argv;

  g_free (server->log_path);
  server->log_path = g_build_filename (server->dir, "tinyproxy.log", NULL);
  g_string_append_printf (conf,
      "Port %u\n" "Listen 127.0.0.1\n" "Timeout 60\n" "LogFile \"%s\"\n"
      /* Connections and request lines, never a header. */
      "LogLevel Connect\n"
      "MaxClients 64\n" "Allow 127.0.0.1\n", server->port, server->log_path);
  if (opt && opt->user)
    g_string_append_printf (conf, "BasicAuth %s %s\n", opt->user,
        opt->password);
  if (opt && opt->connect_port)
    g_string_append_printf (conf, "ConnectPort %u\n", opt->connect_port);
  fail_unless (g_file_set_contents (conf_path, conf->str, -1, NULL));
  g_string_free (conf, TRUE);

  argv = g_new0 (gchar *, 5);
  argv[0] = g_find_program_in_path ("tinyproxy");
  argv[1] = g_strdup ("-d");
  argv[2] = g_strdup ("-c");
  argv[3] = g_strdup (conf_path);
  return argv;
}

TestServer *
test_tinyproxy_start (const TestProxyOptions * options)
{
  TestServer *server = server_new ("tinyproxy");

  start_or_fail (server, tinyproxy_config, options, "http");
  return server;
}

typedef struct
{
  const gchar *root;
  const gchar *cert;
  const gchar *key;
} NginxSetup;

static gchar **
nginx_config (TestServer * server, gconstpointer data)
{
  const NginxSetup *setup = data;
  g_autofree gchar *conf_path = g_build_filename (server->dir, "nginx.conf",
      NULL);
  g_autofree gchar *error_log = g_build_filename (server->dir, "error.log",
      NULL);
  g_autofree gchar *conf = NULL;
  gchar **argv;

  g_free (server->log_path);
  server->log_path = g_build_filename (server->dir, "access.log", NULL);
  /* One process, in the foreground, as the test's user: no privileges to
   * drop, nothing outside its directory. */
  conf = g_strdup_printf ("daemon off;\n"
      "master_process off;\n"
      "worker_processes 1;\n"
      "pid %s/nginx.pid;\n"
      "error_log %s info;\n"
      "events { worker_connections 256; }\n"
      "http {\n"
      "  default_type application/octet-stream;\n"
      "  types { video/mp4 mp4; image/png png; }\n"
      "  log_format seedance '\"$request\" $status $server_protocol "
      "\"$http_range\" $body_bytes_sent';\n"
      "  access_log %s seedance;\n"
      "  client_body_temp_path %s/client_body;\n"
      "  proxy_temp_path %s/proxy;\n"
      "  fastcgi_temp_path %s/fastcgi;\n"
      "  uwsgi_temp_path %s/uwsgi;\n"
      "  scgi_temp_path %s/scgi;\n"
      "  server {\n"
      "    listen 127.0.0.1:%u ssl http2;\n"
      "    ssl_certificate %s;\n"
      "    ssl_certificate_key %s;\n"
      "    root %s;\n" "    location /nolength/ {\n" "      alias %s/;\n"
      /* A body filter drops the length (and Range) from the answer, as
       * a CDN that compresses or rewrites on the fly does. */
      "      sub_filter 'seedance-never-matches-9f2c' '';\n"
      "      sub_filter_types *;\n"
      "    }\n"
      "    location /noranges/ {\n"
      "      alias %s/;\n"
      "      max_ranges 0;\n"
      "    }\n"
      "  }\n"
      "}\n", server->dir, error_log, server->log_path, server->dir,
      server->dir, server->dir, server->dir, server->dir, server->port,
      setup->cert, setup->key, setup->root, setup->root, setup->root);
  fail_unless (g_file_set_contents (conf_path, conf, -1, NULL));

  argv = g_new0 (gchar *, 8);
  argv[0] = find_nginx ();
  argv[1] = g_strdup ("-p");
  argv[2] = g_strdup (server->dir);
  argv[3] = g_strdup ("-c");
  argv[4] = g_strdup (conf_path);
  /* Before it reads the config, nginx logs to this, not /var/log. */
  argv[5] = g_strdup ("-e");
  argv[6] = g_strdup (error_log);
  return argv;
}

TestServer *
test_nginx_start (const gchar * root, const gchar * cert, const gchar * key)
{
  TestServer *server = server_new ("nginx");
  NginxSetup setup = { root, cert, key };

  start_or_fail (server, nginx_config, &setup, "https");
  return server;
}

guint
test_server_get_port (TestServer * server)
{
  return server->port;
}

GPid
test_server_get_pid (TestServer * server)
{
  return server->pid;
}

const gchar *
test_server_get_url (TestServer * server)
{
  return server->url;
}

gchar *
test_server_read_log (TestServer * server)
{
  gchar *text = NULL;

  if (!g_file_get_contents (server->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

gchar *
test_server_wait_for_log (TestServer * server, const gchar * needle,
    guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;) {
    gchar *text = test_server_read_log (server);

    if (strstr (text, needle) || g_get_monotonic_time () >= deadline)
      return text;
    g_free (text);
    g_usleep (20 * 1000);
  }
}

guint
test_count_occurrences (const gchar * haystack, const gchar * needle)
{
  const gchar *p = haystack;
  guint n = 0;

  while ((p = strstr (p, needle))) {
    n++;
    p += strlen (needle);
  }
  return n;
}

void
test_server_stop (TestServer * server)
{
  gint64 deadline;

  if (server == NULL)
    return;
  if (server->pid > 0) {
    kill (server->pid, SIGTERM);
    deadline = g_get_monotonic_time () + STOP_TIMEOUT_MS * 1000;
    while (child_running (server) && g_get_monotonic_time () < deadline)
      g_usleep (10 * 1000);
    if (server->pid > 0) {
      kill (server->pid, SIGKILL);
      waitpid (server->pid, NULL, 0);
    }
  }
  test_remove_tree (server->dir);
  g_free (server->name);
  g_free (server->dir);
  g_free (server->url);
  g_free (server->log_path);
  g_free (server->output_path);
  g_free (server);
}
