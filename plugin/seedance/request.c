/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* The create body: validation of every rule of the contract, media
 * references resolved, JSON built with json-glib. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "request.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* *INDENT-OFF* */
G_DEFINE_QUARK (seedance-request-error-quark, seedance_request_error)
/* *INDENT-ON* */

typedef enum
{
  MEDIA_IMAGE,
  MEDIA_VIDEO,
  MEDIA_AUDIO,
} MediaKind;

static const gchar *const ratios[] = { "16:9", "9:16", "1:1", NULL };
static const gchar *const resolutions[] = { "480p", "720p", "1080p", NULL };
static const gchar *const models[] =
    { SEEDANCE_DEFAULT_MODEL, SEEDANCE_FAST_MODEL, NULL };
static const gchar *const service_tiers[] = { "default", "flex", NULL };

void
seedance_request_params_init (SeedanceRequestParams * p)
{
  memset (p, 0, sizeof (*p));
  p->model = SEEDANCE_DEFAULT_MODEL;
  p->ratio = "16:9";
  p->resolution = "720p";
  p->duration = 5;
  p->seed = -1;
  p->priority = -1;
}

static gboolean
is_set (const gchar * s)
{
  return s != NULL && s[0] != '\0';
}

static guint
count (const gchar * const *v)
{
  return v ? g_strv_length ((gchar **) v) : 0;
}

/* *INDENT-OFF* */
static gboolean invalid (GError ** error, const gchar * format, ...)
    G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

static gboolean
invalid (GError ** error, const gchar * format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (SEEDANCE_REQUEST_ERROR,
          SEEDANCE_REQUEST_ERROR_SETTINGS, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
check_media_value (const gchar * property, const gchar * value,
    MediaKind kind, GError ** error)
{
  if (!is_set (value))
    return invalid (error, "%s: an empty media reference", property);
  if (g_str_has_prefix (value, "data:")) {
    const gchar *want = kind == MEDIA_IMAGE ? "data:image/" : "data:audio/";

    if (kind == MEDIA_VIDEO)
      return invalid (error, "%s: the API takes a video only as an http(s) "
          "URL or an asset:// ID, not as a data: URI", property);
    if (!g_str_has_prefix (value, want) || strstr (value, ";base64,") == NULL)
      return invalid (error, "%s: a data: URI must be of the form "
          "%s<format>;base64,<data>", property, want);
  }
  return TRUE;
}

static gboolean
check_media_list (const gchar * property, const gchar * const *values,
    MediaKind kind, GError ** error)
{
  guint i;

  for (i = 0; values && values[i]; i++)
    if (!check_media_value (property, values[i], kind, error))
      return FALSE;
  return TRUE;
}

gboolean
seedance_request_validate (const SeedanceRequestParams * p, GError ** error)
{
  guint n_images = count (p->reference_images);
  guint n_videos = count (p->reference_videos);
  guint n_audios = count (p->reference_audios);
  gboolean has_frames = is_set (p->first_frame) || is_set (p->last_frame);
  gboolean has_refs = n_images + n_videos + n_audios > 0;

  if (!is_set (p->model) || !g_strv_contains (models, p->model))
    return invalid (error, "model: \"%s\" is not a model of this API; use "
        SEEDANCE_DEFAULT_MODEL " or " SEEDANCE_FAST_MODEL,
        p->model ? p->model : "");

  if (p->duration != 0 && p->frames != 0)
    return invalid (error, "duration and frames: set one or the other, "
        "not both");
  if (p->frames == 0 && (p->duration < SEEDANCE_MIN_DURATION ||
          p->duration > SEEDANCE_MAX_DURATION))
    return invalid (error, "duration: must be %d to %d seconds, not %d",
        SEEDANCE_MIN_DURATION, SEEDANCE_MAX_DURATION, p->duration);
  if (p->duration == 0 && p->frames < 0)
    return invalid (error, "frames: must be more than 0, not %d", p->frames);

  if (!is_set (p->resolution) || !g_strv_contains (resolutions, p->resolution))
    return invalid (error, "resolution: must be 480p, 720p or 1080p, not "
        "\"%s\"", p->resolution ? p->resolution : "");
  if (g_strcmp0 (p->model, SEEDANCE_FAST_MODEL) == 0 &&
      g_strcmp0 (p->resolution, "1080p") == 0)
    return invalid (error, "resolution: " SEEDANCE_FAST_MODEL " makes 480p "
        "and 720p only, not 1080p");
  if (!is_set (p->ratio) || !g_strv_contains (ratios, p->ratio))
    return invalid (error, "ratio: must be 16:9, 9:16 or 1:1, not \"%s\"",
        p->ratio ? p->ratio : "");
  if (p->seed < -1 || p->seed > G_MAXUINT32)
    return invalid (error, "seed: must be -1 (random) or 0 to %u", G_MAXUINT32);
  if (is_set (p->service_tier) && !g_strv_contains (service_tiers,
          p->service_tier))
    return invalid (error, "service-tier: must be \"default\" or \"flex\", "
        "not \"%s\"", p->service_tier);
  if (p->execution_expires_after < 0)
    return invalid (error, "execution-expires-after: must be a number of "
        "seconds above 0");

  if (is_set (p->last_frame) && !is_set (p->first_frame))
    return invalid (error, "last-frame: a last frame needs a first-frame");
  if (has_frames && has_refs)
    return invalid (error, "first-frame and reference-images, "
        "reference-videos, reference-audios: first frame, first and last "
        "frame, and multimodal references are separate modes; use one");
  if (n_images > SEEDANCE_MAX_REFERENCE_IMAGES)
    return invalid (error, "reference-images: at most %d images, not %u",
        SEEDANCE_MAX_REFERENCE_IMAGES, n_images);
  if (n_videos > SEEDANCE_MAX_REFERENCE_VIDEOS)
    return invalid (error, "reference-videos: at most %d videos, not %u",
        SEEDANCE_MAX_REFERENCE_VIDEOS, n_videos);
  if (n_audios > SEEDANCE_MAX_REFERENCE_AUDIOS)
    return invalid (error, "reference-audios: at most %d audio clips, not %u",
        SEEDANCE_MAX_REFERENCE_AUDIOS, n_audios);
  if (n_audios > 0 && n_images + n_videos == 0)
    return invalid (error, "reference-audios: audio needs a reference image "
        "or a reference video beside it");

  if (is_set (p->draft_task_id) && (is_set (p->prompt) || has_frames ||
          has_refs))
    return invalid (error, "draft-task-id: a draft task stands alone; "
        "unset prompt and every image, video and audio");
  if (!is_set (p->prompt) && !has_frames && !has_refs &&
      !is_set (p->draft_task_id))
    return invalid (error, "prompt: nothing to generate from; set a prompt, "
        "an image, a video or a draft-task-id");

  if (is_set (p->first_frame) && !check_media_value ("first-frame",
          p->first_frame, MEDIA_IMAGE, error))
    return FALSE;
  if (is_set (p->last_frame) && !check_media_value ("last-frame",
          p->last_frame, MEDIA_IMAGE, error))
    return FALSE;
  if (!check_media_list ("reference-images", p->reference_images,
          MEDIA_IMAGE, error) ||
      !check_media_list ("reference-videos", p->reference_videos,
          MEDIA_VIDEO, error) ||
      !check_media_list ("reference-audios", p->reference_audios,
          MEDIA_AUDIO, error))
    return FALSE;

  if (p->priority < -1 || p->priority > SEEDANCE_MAX_PRIORITY)
    return invalid (error, "priority: must be 0 to %d, or -1 for the "
        "service's default, not %d", SEEDANCE_MAX_PRIORITY, p->priority);
  if (is_set (p->callback_url)) {
    g_autofree gchar *scheme = g_uri_parse_scheme (p->callback_url);

    if (!g_uri_is_valid (p->callback_url, G_URI_FLAGS_NONE, NULL) ||
        (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0))
      return invalid (error, "callback-url: must be an http:// or https:// "
          "URL");
  }
  if (is_set (p->safety_identifier) &&
      strlen (p->safety_identifier) > SEEDANCE_MAX_SAFETY_IDENTIFIER)
    return invalid (error, "safety-identifier: at most %d characters",
        SEEDANCE_MAX_SAFETY_IDENTIFIER);
  return TRUE;
}

/* A media reference as the API takes it: URLs, assets and data URIs as
 * they are; local files (a path or a file:// URI) read and encoded. */
static gchar *
resolve_media (const gchar * property, const gchar * value, MediaKind kind,
    GError ** error)
{
  g_autofree gchar *scheme = g_uri_parse_scheme (value);
  g_autofree gchar *path = NULL;
  g_autofree gchar *contents = NULL;
  g_autofree gchar *ctype = NULL;
  g_autofree gchar *mime = NULL;
  g_autofree gchar *b64 = NULL;
  g_autoptr (GError) err = NULL;
  const gchar *want = kind == MEDIA_IMAGE ? "image/" : "audio/";
  gboolean uncertain = FALSE;
  gsize len = 0;

  if (scheme && (g_ascii_strcasecmp (scheme, "http") == 0 ||
          g_ascii_strcasecmp (scheme, "https") == 0 ||
          g_ascii_strcasecmp (scheme, "asset") == 0 ||
          g_ascii_strcasecmp (scheme, "data") == 0))
    return g_strdup (value);

  if (scheme && g_ascii_strcasecmp (scheme, "file") == 0) {
    path = g_filename_from_uri (value, NULL, &err);
    if (path == NULL) {
      invalid (error, "%s: \"%s\" is not a valid file URI: %s", property,
          value, err->message);
      return NULL;
    }
  } else if (scheme && strlen (scheme) > 1) {
    /* (One letter would be a Windows drive, which is a path.) */
    invalid (error, "%s: \"%s:\" references are not supported; use an "
        "http(s) URL, an asset:// ID, a data: URI or a local file",
        property, scheme);
    return NULL;
  } else {
    path = g_strdup (value);
  }

  if (kind == MEDIA_VIDEO) {
    invalid (error, "%s: \"%s\" is a local file, but the API takes a video "
        "only as an http(s) URL or an asset:// ID", property, path);
    return NULL;
  }

  if (!g_file_get_contents (path, &contents, &len, &err)) {
    g_set_error (error, SEEDANCE_REQUEST_ERROR,
        g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT) ?
        SEEDANCE_REQUEST_ERROR_NOT_FOUND : SEEDANCE_REQUEST_ERROR_READ,
        "%s: cannot read \"%s\": %s", property, path, err->message);
    return NULL;
  }
  if (len > SEEDANCE_MAX_LOCAL_MEDIA) {
    invalid (error, "%s: \"%s\" is larger than %d MiB; put it on an https "
        "URL or in an asset instead", property, path,
        SEEDANCE_MAX_LOCAL_MEDIA / (1024 * 1024));
    return NULL;
  }

  /* The type comes from the bytes, not from the file name. */
  ctype = g_content_type_guess (NULL, (const guchar *) contents, len,
      &uncertain);
  mime = g_content_type_get_mime_type (ctype);
  if (mime == NULL || !g_str_has_prefix (mime, want)) {
    invalid (error, "%s: \"%s\" is not %s file (its content reads as %s)",
        property, path, kind == MEDIA_IMAGE ? "an image" : "an audio",
        mime ? mime : "unknown");
    return NULL;
  }
  b64 = g_base64_encode ((const guchar *) contents, len);
  return g_strdup_printf ("data:%s;base64,%s", mime, b64);
}

static gboolean
add_media (JsonBuilder * b, const gchar * property, const gchar * value,
    MediaKind kind, const gchar * role, GError ** error)
{
  static const gchar *const types[] = { "image_url", "video_url",
    "audio_url"
  };
  g_autofree gchar *url = resolve_media (property, value, kind, error);

  if (url == NULL)
    return FALSE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, types[kind]);
  json_builder_set_member_name (b, types[kind]);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, url);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, role);
  json_builder_end_object (b);
  return TRUE;
}

static gboolean
add_media_list (JsonBuilder * b, const gchar * property,
    const gchar * const *values, MediaKind kind, const gchar * role,
    GError ** error)
{
  guint i;

  for (i = 0; values && values[i]; i++)
    if (!add_media (b, property, values[i], kind, role, error))
      return FALSE;
  return TRUE;
}

static void
add_string (JsonBuilder * b, const gchar * name, const gchar * value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static void
add_int (JsonBuilder * b, const gchar * name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_bool (JsonBuilder * b, const gchar * name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

gchar *
seedance_request_build (const SeedanceRequestParams * p, GError ** error)
{
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonGenerator) gen = NULL;
  g_autoptr (JsonNode) root = NULL;

  if (!seedance_request_validate (p, error))
    return NULL;

  b = json_builder_new ();
  json_builder_begin_object (b);
  add_string (b, "model", p->model);

  json_builder_set_member_name (b, "content");
  json_builder_begin_array (b);
  if (is_set (p->prompt)) {
    json_builder_begin_object (b);
    add_string (b, "type", "text");
    add_string (b, "text", p->prompt);
    json_builder_end_object (b);
  }
  if (is_set (p->first_frame) && !add_media (b, "first-frame", p->first_frame,
          MEDIA_IMAGE, "first_frame", error))
    return NULL;
  if (is_set (p->last_frame) && !add_media (b, "last-frame", p->last_frame,
          MEDIA_IMAGE, "last_frame", error))
    return NULL;
  if (!add_media_list (b, "reference-images", p->reference_images,
          MEDIA_IMAGE, "reference_image", error) ||
      !add_media_list (b, "reference-videos", p->reference_videos,
          MEDIA_VIDEO, "reference_video", error) ||
      !add_media_list (b, "reference-audios", p->reference_audios,
          MEDIA_AUDIO, "reference_audio", error))
    return NULL;
  if (is_set (p->draft_task_id)) {
    json_builder_begin_object (b);
    add_string (b, "type", "draft_task");
    json_builder_set_member_name (b, "draft_task");
    json_builder_begin_object (b);
    add_string (b, "id", p->draft_task_id);
    json_builder_end_object (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);

  if (p->frames > 0)
    add_int (b, "frames", p->frames);
  else
    add_int (b, "duration", p->duration);
  add_string (b, "resolution", p->resolution);
  add_string (b, "ratio", p->ratio);
  if (p->seed != -1)
    add_int (b, "seed", p->seed);
  add_bool (b, "generate_audio", p->generate_audio);
  if (p->watermark)
    add_bool (b, "watermark", TRUE);
  if (p->return_last_frame)
    add_bool (b, "return_last_frame", TRUE);
  if (is_set (p->service_tier))
    add_string (b, "service_tier", p->service_tier);
  if (p->execution_expires_after > 0)
    add_int (b, "execution_expires_after", p->execution_expires_after);
  if (p->priority >= 0)
    add_int (b, "priority", p->priority);
  if (is_set (p->callback_url))
    add_string (b, "callback_url", p->callback_url);
  if (is_set (p->safety_identifier))
    add_string (b, "safety_identifier", p->safety_identifier);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}
