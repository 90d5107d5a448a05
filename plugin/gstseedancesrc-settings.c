/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * seedancesrc's settings: what the user set, copied whole when the element
 * starts, and turned into the request's parameters.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstseedancesrc-private.h"

#include <string.h>

void
gst_seedance_src_wipe_string (gchar ** s)
{
  if (*s)
    memset (*s, 0, strlen (*s));
  g_clear_pointer (s, g_free);
}

void
gst_seedance_src_settings_clear (Settings * s)
{
  gst_seedance_src_wipe_string (&s->api_key);
  g_free (s->base_url);
  g_free (s->model);
  g_free (s->prompt);
  g_free (s->ratio);
  g_free (s->resolution);
  g_free (s->service_tier);
  g_free (s->first_frame);
  g_free (s->last_frame);
  g_strfreev (s->reference_images);
  g_strfreev (s->reference_videos);
  g_strfreev (s->reference_audios);
  g_free (s->draft_task_id);
  g_free (s->callback_url);
  g_free (s->safety_identifier);
  g_free (s->task_id);
  g_free (s->location);
  g_free (s->ssl_ca_file);
  gst_seedance_src_wipe_string (&s->proxy);
  g_free (s->user_agent);
  g_free (s->cache_dir);
  memset (s, 0, sizeof (*s));
}

void
gst_seedance_src_settings_copy (Settings * dst, const Settings * src)
{
  *dst = *src;
  dst->api_key = g_strdup (src->api_key);
  dst->base_url = g_strdup (src->base_url);
  dst->model = g_strdup (src->model);
  dst->prompt = g_strdup (src->prompt);
  dst->ratio = g_strdup (src->ratio);
  dst->resolution = g_strdup (src->resolution);
  dst->service_tier = g_strdup (src->service_tier);
  dst->first_frame = g_strdup (src->first_frame);
  dst->last_frame = g_strdup (src->last_frame);
  dst->reference_images = g_strdupv (src->reference_images);
  dst->reference_videos = g_strdupv (src->reference_videos);
  dst->reference_audios = g_strdupv (src->reference_audios);
  dst->draft_task_id = g_strdup (src->draft_task_id);
  dst->callback_url = g_strdup (src->callback_url);
  dst->safety_identifier = g_strdup (src->safety_identifier);
  dst->task_id = g_strdup (src->task_id);
  dst->location = g_strdup (src->location);
  dst->ssl_ca_file = g_strdup (src->ssl_ca_file);
  dst->proxy = g_strdup (src->proxy);
  dst->user_agent = g_strdup (src->user_agent);
  dst->cache_dir = g_strdup (src->cache_dir);
}

void
gst_seedance_src_settings_to_params (const Settings * s,
    SeedanceRequestParams * p)
{
  seedance_request_params_init (p);
  p->model = s->model;
  p->prompt = s->prompt;
  p->ratio = s->ratio;
  p->resolution = s->resolution;
  p->duration = s->duration;
  p->frames = s->frames;
  p->seed = s->seed;
  p->generate_audio = s->generate_audio;
  p->watermark = s->watermark;
  p->return_last_frame = s->return_last_frame;
  p->service_tier = s->service_tier;
  p->execution_expires_after = s->execution_expires_after;
  p->first_frame = s->first_frame;
  p->last_frame = s->last_frame;
  p->reference_images = (const gchar * const *) s->reference_images;
  p->reference_videos = (const gchar * const *) s->reference_videos;
  p->reference_audios = (const gchar * const *) s->reference_audios;
  p->draft_task_id = s->draft_task_id;
  p->priority = s->priority;
  p->callback_url = s->callback_url;
  p->safety_identifier = s->safety_identifier;
}

GStrv
gst_seedance_src_strv_from_value_array (const GValue * value)
{
  guint i, n = gst_value_array_get_size (value);
  GPtrArray *out;

  if (n == 0)
    return NULL;
  out = g_ptr_array_new ();
  for (i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (value, i);

    if (G_VALUE_HOLDS_STRING (v) && g_value_get_string (v))
      g_ptr_array_add (out, g_value_dup_string (v));
  }
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (out, FALSE);
}

void
gst_seedance_src_value_array_from_strv (GValue * value, GStrv strv)
{
  guint i;

  for (i = 0; strv && strv[i]; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, strv[i]);
    gst_value_array_append_and_take_value (value, &v);
  }
}
