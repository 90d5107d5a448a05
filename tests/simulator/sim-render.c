/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* sim-render: one pipeline per distinct set of render parameters.
 *
 * Locking: `lock` guards the cache (`entries`) and every Entry's state and
 * waiters; it is never held while a pipeline runs or a callback is called.
 * `cancelled` is atomic.
 */
#include "sim-render.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gst/gst.h>


typedef enum
{
  ENTRY_PENDING,
  ENTRY_DONE,
  ENTRY_FAILED
} EntryState;

typedef struct
{
  SimRenderDone done;
  gpointer user_data;
} Waiter;

typedef struct
{
  SimRenderParams params;       /* params.text points at `text` */
  gchar *text;
  gchar *video_path;
  gchar *frame_path;
  EntryState state;
  GError *error;
  GSList *waiters;
} Entry;

struct _SimRender
{
  GMutex lock;
  GHashTable *entries;          /* key -> Entry */
  GThreadPool *pool;
  gchar *dir;
  guint counter;
  gint cancelled;
};

void
sim_render_size (const gchar * resolution, const gchar * ratio,
    guint * width, guint * height)
{
  guint short_side = 720, long_side;

  if (g_strcmp0 (resolution, "480p") == 0)
    short_side = 480;
  else if (g_strcmp0 (resolution, "1080p") == 0)
    short_side = 1080;
  /* short * 16 / 9, rounded to the nearest even number */
  long_side = 2 * ((short_side * 16 + 9) / 18);

  if (g_strcmp0 (ratio, "9:16") == 0) {
    *width = short_side;
    *height = long_side;
  } else if (g_strcmp0 (ratio, "1:1") == 0) {
    *width = short_side;
    *height = short_side;
  } else {
    *width = long_side;
    *height = short_side;
  }
}

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_free (e->text);
  g_free (e->video_path);
  g_free (e->frame_path);
  g_clear_error (&e->error);
  g_slist_free_full (e->waiters, g_free);
  g_free (e);
}

/* Run `desc` to EOS with the overlay text and output location set as
 * properties (never pasted into the launch string). */
static gboolean
run_pipeline (SimRender * render, const gchar * desc, const gchar * text,
    const gchar * location, const gchar * faststart_file, GError ** error)
{
  GstElement *pipeline, *element;
  GstBus *bus;
  gboolean ok = FALSE, finished = FALSE;
  GError *parse_error = NULL;

  pipeline = gst_parse_launch (desc, &parse_error);
  if (pipeline == NULL || parse_error != NULL) {
    g_propagate_error (error, parse_error);
    if (error && *error == NULL)
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
          "could not build the pipeline");
    if (pipeline)
      gst_object_unref (pipeline);
    return FALSE;
  }

  element = gst_bin_get_by_name (GST_BIN (pipeline), "overlay");
  if (element) {
    g_object_set (element, "text", text ? text : "", NULL);
    gst_object_unref (element);
  }
  element = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (element, "location", location, NULL);
  gst_object_unref (element);
  if (faststart_file) {
    element = gst_bin_get_by_name (GST_BIN (pipeline), "mux");
    if (element) {
      g_object_set (element, "faststart-file", faststart_file, NULL);
      gst_object_unref (element);
    }
  }

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "the render pipeline would not start");
    finished = TRUE;
  }

  while (!finished) {
    GstMessage *msg;

    if (g_atomic_int_get (&render->cancelled)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
          "rendering cancelled");
      break;
    }
    msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (msg == NULL)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      ok = TRUE;
    } else {
      GError *err = NULL;
      gchar *dbg = NULL;

      gst_message_parse_error (msg, &err, &dbg);
      g_debug ("render error: %s (%s)", err->message, dbg ? dbg : "");
      g_propagate_error (error, err);
      g_free (dbg);
    }
    gst_message_unref (msg);
    finished = TRUE;
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return ok;
}

static gboolean
render_video (SimRender * render, Entry * e, GError ** error)
{
  const SimRenderParams *p = &e->params;
  GString *desc = g_string_new (NULL);
  gchar *faststart_file = NULL;
  gboolean ok;

  g_string_append_printf (desc,
      "videotestsrc num-buffers=%u pattern=%s ! "
      "video/x-raw,format=I420,width=%u,height=%u,framerate=24/1 ! "
      "textoverlay name=overlay wrap-mode=wordchar font-desc=\"Sans 14\" "
      "valignment=top halignment=left ! "
      "x264enc speed-preset=ultrafast key-int-max=48", p->frames,
      p->noise ? "snow" : "smpte", p->width, p->height);
  if (p->video_kbps > 0)
    g_string_append_printf (desc, " bitrate=%u", p->video_kbps);
  g_string_append_printf (desc, " ! h264parse ! mp4mux faststart=%s name=mux "
      "! filesink name=sink", p->faststart ? "true" : "false");
  if (p->audio) {
    /* as many 1024-sample buffers as cover the video, rounded up */
    guint64 samples = ((guint64) p->frames * 48000 + 23) / 24;
    guint buffers = (guint) ((samples + 1023) / 1024);

    g_string_append_printf (desc, " audiotestsrc wave=sine "
        "samplesperbuffer=1024 num-buffers=%u ! "
        "audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! "
        "aacparse ! mux.", buffers);
  }
  if (p->faststart)
    faststart_file = g_strconcat (e->video_path, ".moov", NULL);

  ok = run_pipeline (render, desc->str, p->text, e->video_path,
      faststart_file, error);
  if (faststart_file) {
    g_unlink (faststart_file);
    g_free (faststart_file);
  }
  g_string_free (desc, TRUE);
  return ok;
}

static gboolean
render_frame (SimRender * render, Entry * e, GError ** error)
{
  const SimRenderParams *p = &e->params;
  gchar *desc;
  gboolean ok;

  desc = g_strdup_printf ("videotestsrc num-buffers=1 pattern=%s ! "
      "video/x-raw,format=I420,width=%u,height=%u,framerate=24/1 ! "
      "textoverlay name=overlay wrap-mode=wordchar font-desc=\"Sans 14\" "
      "valignment=top halignment=left ! videoconvert ! "
      "pngenc snapshot=true ! filesink name=sink",
      p->noise ? "snow" : "smpte", p->width, p->height);
  ok = run_pipeline (render, desc, p->text, e->frame_path, NULL, error);
  g_free (desc);
  return ok;
}

static void
render_job (gpointer data, gpointer user_data)
{
  SimRender *render = user_data;
  Entry *e = data;
  GError *error = NULL;
  gboolean ok = TRUE;
  GSList *waiters, *l;
  gint64 start = g_get_monotonic_time ();

  if (e->params.video)
    ok = render_video (render, e, &error);
  if (ok && e->params.last_frame)
    ok = render_frame (render, e, &error);
  g_debug ("rendered %ux%u, %u frames%s in %" G_GINT64_FORMAT " ms: %s",
      e->params.width, e->params.height, e->params.frames,
      e->params.audio ? " with audio" : "",
      (g_get_monotonic_time () - start) / 1000,
      ok ? "ok" : error->message);

  g_mutex_lock (&render->lock);
  e->state = ok ? ENTRY_DONE : ENTRY_FAILED;
  e->error = error;
  waiters = e->waiters;
  e->waiters = NULL;
  g_mutex_unlock (&render->lock);

  for (l = waiters; l; l = l->next) {
    Waiter *w = l->data;

    w->done (e->params.video ? e->video_path : NULL,
        e->params.last_frame ? e->frame_path : NULL, e->error, w->user_data);
  }
  g_slist_free_full (waiters, g_free);
}

SimRender *
sim_render_new (GError ** error)
{
  SimRender *render;
  gchar *dir;
  GThreadPool *pool;

  gst_init (NULL, NULL);
  dir = g_dir_make_tmp ("seedance-sim-XXXXXX", error);
  if (dir == NULL)
    return NULL;

  render = g_new0 (SimRender, 1);
  pool = g_thread_pool_new (render_job, render, 2, FALSE, error);
  if (pool == NULL) {
    g_rmdir (dir);
    g_free (dir);
    g_free (render);
    return NULL;
  }
  g_mutex_init (&render->lock);
  render->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      entry_free);
  render->pool = pool;
  render->dir = dir;
  return render;
}

void
sim_render_request (SimRender * render, const SimRenderParams * params,
    SimRenderDone done, gpointer user_data)
{
  gchar *key;
  Entry *e;
  Waiter *w;
  gboolean cached = FALSE, start = FALSE;

  key = g_strdup_printf ("%ux%u f%u a%d k%u n%d s%d v%d l%d %s",
      params->width, params->height, params->frames, params->audio,
      params->video_kbps, params->noise, params->faststart, params->video,
      params->last_frame, params->text ? params->text : "");

  g_mutex_lock (&render->lock);
  e = g_hash_table_lookup (render->entries, key);
  if (e == NULL) {
    guint n = ++render->counter;

    e = g_new0 (Entry, 1);
    e->params = *params;
    e->text = g_strdup (params->text);
    e->params.text = e->text;
    e->video_path = g_strdup_printf ("%s/render-%u.mp4", render->dir, n);
    e->frame_path = g_strdup_printf ("%s/frame-%u.png", render->dir, n);
    g_hash_table_insert (render->entries, key, e);
    key = NULL;
    start = TRUE;
  }
  if (e->state == ENTRY_PENDING) {
    w = g_new0 (Waiter, 1);
    w->done = done;
    w->user_data = user_data;
    e->waiters = g_slist_append (e->waiters, w);
  } else {
    cached = TRUE;
  }
  if (start)
    g_thread_pool_push (render->pool, e, NULL);
  g_mutex_unlock (&render->lock);
  g_free (key);

  if (cached)
    done (params->video ? e->video_path : NULL,
        params->last_frame ? e->frame_path : NULL, e->error, user_data);
}

void
sim_render_free (SimRender * render)
{
  GHashTableIter iter;
  gpointer value;
  GError *cancelled;
  GDir *dir;
  const gchar *name;

  if (render == NULL)
    return;

  g_atomic_int_set (&render->cancelled, 1);
  /* jobs not started are dropped, the running ones see `cancelled` */
  g_thread_pool_free (render->pool, TRUE, TRUE);

  cancelled = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
      "the simulator was freed");
  g_hash_table_iter_init (&iter, render->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Entry *e = value;
    GSList *l;

    for (l = e->waiters; l; l = l->next) {
      Waiter *w = l->data;

      w->done (NULL, NULL, cancelled, w->user_data);
    }
  }
  g_error_free (cancelled);
  g_hash_table_unref (render->entries);

  dir = g_dir_open (render->dir, 0, NULL);
  if (dir) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      gchar *path = g_build_filename (render->dir, name, NULL);

      g_unlink (path);
      g_free (path);
    }
    g_dir_close (dir);
  }
  g_rmdir (render->dir);
  g_free (render->dir);
  g_mutex_clear (&render->lock);
  g_free (render);
}
