/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* seedance-sim: run the simulator until SIGINT or SIGTERM.
 *
 *   seedance-sim [--port N] [--key KEY] [--queued-ms N] [--running-ms N]
 *                [--video-file PATH]
 *
 * prints SEEDANCE_BASE_URL=... and SEEDANCE_API_KEY=... on stdout.
 * G_MESSAGES_DEBUG=seedance-sim logs every request.
 */
#include "seedance-sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <glib-unix.h>


static gboolean
on_signal (gpointer data)
{
  g_message ("stopping");
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  gint port = 0, queued_ms = -1, running_ms = -1;
  gchar *key = NULL, *video_file = NULL;
  GOptionEntry entries[] = {
    {"port", 0, 0, G_OPTION_ARG_INT, &port,
        "API port on 127.0.0.1 (0 = any free port)", "N"},
    {"key", 0, 0, G_OPTION_ARG_STRING, &key,
        "API key to require (default sim-key)", "KEY"},
    {"queued-ms", 0, 0, G_OPTION_ARG_INT, &queued_ms,
        "how long a task stays queued (default 100)", "N"},
    {"running-ms", 0, 0, G_OPTION_ARG_INT, &running_ms,
        "how long a task runs at least (default 300)", "N"},
    {"video-file", 0, 0, G_OPTION_ARG_FILENAME, &video_file,
        "serve this file as every task's video instead of rendering", "PATH"},
    {NULL}
  };
  GOptionContext *ctx;
  GError *error = NULL;
  SeedanceSim *sim;
  GMainLoop *loop;
  guint sigint, sigterm;

  /* stdout carries only the two lines below */
  g_log_writer_default_set_use_stderr (TRUE);

  ctx = g_option_context_new ("- a local Seedance API simulator");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("seedance-sim: %s\n", error->message);
    g_error_free (error);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);
  if (port < 0 || port > 65535) {
    g_printerr ("seedance-sim: --port must be 0 to 65535\n");
    return 2;
  }

  sim = seedance_sim_new ();
  if (key)
    seedance_sim_set_api_key (sim, key);
  if (queued_ms >= 0 || running_ms >= 0)
    seedance_sim_set_schedule (sim, queued_ms >= 0 ? queued_ms : 100,
        running_ms >= 0 ? running_ms : 300);
  if (video_file)
    seedance_sim_set_video_file (sim, video_file);
  if (!seedance_sim_start (sim, port, &error)) {
    g_printerr ("seedance-sim: cannot start: %s\n", error->message);
    g_error_free (error);
    seedance_sim_free (sim);
    g_free (key);
    g_free (video_file);
    return 1;
  }

  printf ("SEEDANCE_BASE_URL=%s\n", seedance_sim_get_base_url (sim));
  printf ("SEEDANCE_API_KEY=%s\n", key ? key : "sim-key");
  fflush (stdout);
  g_message ("files on %s", seedance_sim_get_file_host_url (sim));

  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_main_loop_unref (loop);

  seedance_sim_free (sim);
  g_free (key);
  g_free (video_file);
  return 0;
}
