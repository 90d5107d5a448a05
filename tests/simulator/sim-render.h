/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* sim-render: MP4 (and last-frame PNG) rendering with GStreamer on worker
 * threads, cached by render parameters, under a private temp dir.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SimRender SimRender;

typedef struct
{
  guint width;
  guint height;
  guint frames;                 /* at 24 fps */
  gboolean audio;
  guint video_kbps;             /* 0 = x264enc's default */
  gboolean noise;
  gboolean faststart;
  gboolean video;               /* render the MP4 */
  gboolean last_frame;          /* render the PNG */
  const gchar *text;            /* the overlay, may be NULL */
} SimRenderParams;

/* Called once per request, from a worker thread or from the calling thread
 * (when the cache already holds the result).  `video_path` / `frame_path`
 * are NULL when not asked for; `error` is set when rendering failed. */
typedef void (*SimRenderDone) (const gchar * video_path,
    const gchar * frame_path, const GError * error, gpointer user_data);

SimRender *sim_render_new (GError ** error);
void sim_render_request (SimRender * render, const SimRenderParams * params,
    SimRenderDone done, gpointer user_data);
/* Cancel what runs, wait for the workers, delete the files. */
void sim_render_free (SimRender * render);

void sim_render_size (const gchar * resolution, const gchar * ratio,
    guint * width, guint * height);

G_END_DECLS
