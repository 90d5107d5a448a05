/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * The seedance:// URI handler: seedance://generate?prompt=...&... sets
 * properties, seedance://task/ID resumes a task.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstseedancesrc-private.h"

#include <string.h>

/* --- the seedance: URI handler --- */

static GstURIType
gst_seedance_src_uri_get_type (GType type)
{
  return GST_URI_SRC;
}

static const gchar *const *
gst_seedance_src_uri_get_protocols (GType type)
{
  static const gchar *protocols[] = { "seedance", NULL };

  return protocols;
}

static gchar *
gst_seedance_src_uri_get_uri (GstURIHandler * handler)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (handler);
  gchar *uri;

  GST_OBJECT_LOCK (self);
  uri = g_strdup (self->uri);
  GST_OBJECT_UNLOCK (self);
  return uri;
}

/* A URI comes from a playlist, a web page, anyone: it says what to
 * generate, never where the key, files or traffic go.  So it may carry the
 * request's fields, how often to poll, `cache=false` and remote media, and
 * nothing else (base-url, proxy, location, cache-dir, user-agent,
 * callback-url, local files...): those stay properties for applications. */
static const gchar *const uri_keys[] = {
  "prompt", "model", "duration", "frames", "resolution", "ratio", "seed",
  "generate-audio", "watermark", "return-last-frame", "service-tier",
  "execution-expires-after", "priority", "safety-identifier",
  "draft-task-id", "draft", "camera-fixed", "web-search", "poll-interval",
  "cache", "task-id", "first-frame", "last-frame", "reference-images",
  "reference-videos", "reference-audios", NULL
};

/* The query keys of the media arrays: one value each, repeated. */
static const struct
{
  const gchar *key;
  const gchar *property;
} uri_arrays[] = {
  {"reference-image", "reference-images"},
  {"reference-video", "reference-videos"},
  {"reference-audio", "reference-audios"},
};

static gboolean
is_media_property (const gchar * name)
{
  return g_str_has_prefix (name, "reference-") ||
      g_str_equal (name, "first-frame") || g_str_equal (name, "last-frame");
}

/* Media in a URI must be somewhere else already: a local path or file://
 * would upload a private file of the user's. */
static gboolean
check_remote_media (const gchar * name, const gchar * text, GError ** error)
{
  static const gchar *const schemes[] = { "https", "http", "asset", NULL };
  g_autofree gchar *scheme = g_uri_parse_scheme (text);

  /* g_uri_parse_scheme gives the scheme in lower case. */
  if (scheme && g_strv_contains (schemes, scheme))
    return TRUE;
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "%s: a URI may name only https://, http:// or asset:// media, not "
      "\"%s\" (set the property from the application for a local file)",
      name, text);
  return FALSE;
}

typedef struct
{
  GParamSpec *pspec;
  GValue value;
} UriSetting;

static void
uri_setting_free (UriSetting * u)
{
  g_value_unset (&u->value);
  g_free (u);
}

/* The value a URI gives `pspec`, from its text form as gst-launch reads
 * it, but an error rather than a warning when the text does not fit. */
static UriSetting *
uri_setting_new (GParamSpec * pspec, const gchar * text, GError ** error)
{
  UriSetting *u = g_new0 (UriSetting, 1);

  u->pspec = pspec;
  g_value_init (&u->value, pspec->value_type);
  if (!gst_value_deserialize (&u->value, text) ||
      g_param_value_validate (pspec, &u->value)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "%s: \"%s\" is not a valid value", pspec->name, text);
    uri_setting_free (u);
    return NULL;
  }
  return u;
}

static GParamSpec *
uri_property (GstSeedanceSrc * self, const gchar * key, GError ** error)
{
  GParamSpec *pspec = g_strv_contains (uri_keys, key) ?
      g_object_class_find_property (G_OBJECT_GET_CLASS (self), key) : NULL;

  if (pspec)
    return pspec;
  if (g_strcmp0 (key, "api-key") == 0)
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "api-key cannot be given in a URI (URIs are logged and shown "
        "everywhere); use the SEEDANCE_API_KEY environment variable");
  else if (g_object_class_find_property (G_OBJECT_GET_CLASS (self), key))
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "%s cannot be given in a URI: a URI says what to generate, not "
        "where the key, files or traffic go; set the property instead", key);
  else
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "\"%s\" is not a key a seedance: URI takes", key);
  return NULL;
}

/* Every (key, value) of the query, as the settings they make; nothing is
 * applied here, so that a bad key leaves the element as it was. */
static gboolean
read_query (GstSeedanceSrc * self, const gchar * uri, const gchar * query,
    GPtrArray * settings, GError ** error)
{
  GPtrArray *media[G_N_ELEMENTS (uri_arrays)];
  GUriParamsIter iter;
  gchar *key = NULL, *value = NULL;
  GError *err = NULL;
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (uri_arrays); i++)
    media[i] = g_ptr_array_new_with_free_func (g_free);
  g_uri_params_iter_init (&iter, query ? query : "", -1, "&",
      G_URI_PARAMS_WWW_FORM);
  while (ok && g_uri_params_iter_next (&iter, &key, &value, &err)) {
    GParamSpec *pspec = NULL;
    UriSetting *u = NULL;

    for (i = 0; i < G_N_ELEMENTS (uri_arrays); i++)
      if (g_str_equal (key, uri_arrays[i].key))
        break;
    if (i < G_N_ELEMENTS (uri_arrays)) {
      ok = check_remote_media (key, value, error);
      g_ptr_array_add (media[i], g_steal_pointer (&value));
    } else if (!(pspec = uri_property (self, key, error)) ||
        GST_IS_PARAM_SPEC_ARRAY_LIST (pspec)) {
      if (pspec)
        g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
            "%s: give each value as %.*s=", key, (int) strlen (key) - 1, key);
      ok = FALSE;
    } else if ((ok = !is_media_property (key) ||
            check_remote_media (key, value, error)) &&
        (ok = (u = uri_setting_new (pspec, value, error)) != NULL)) {
      g_ptr_array_add (settings, u);
    }
    g_clear_pointer (&key, g_free);
    g_clear_pointer (&value, g_free);
  }
  if (err) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "cannot read the query of %s: %s", uri, err->message);
    g_error_free (err);
    ok = FALSE;
  }
  for (i = 0; i < G_N_ELEMENTS (uri_arrays); i++) {
    if (ok && media[i]->len > 0) {
      UriSetting *u = g_new0 (UriSetting, 1);

      u->pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self),
          uri_arrays[i].property);
      g_value_init (&u->value, GST_TYPE_ARRAY);
      g_ptr_array_add (media[i], NULL);
      gst_seedance_src_value_array_from_strv (&u->value,
          (GStrv) media[i]->pdata);
      g_ptr_array_add (settings, u);
    }
    g_ptr_array_unref (media[i]);
  }
  return ok;
}

/* What the URI describes, as settings: seedance://task/ID or
 * seedance://generate?... */
static gboolean
read_uri (GstSeedanceSrc * self, const gchar * uri, GPtrArray * settings,
    GError ** error)
{
  g_autoptr (GUri) guri = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  const gchar *host, *path;

  if (guri == NULL || g_strcmp0 (g_uri_get_scheme (guri), "seedance") != 0) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "not a seedance: URI: %s", uri);
    return FALSE;
  }
  host = g_uri_get_host (guri);
  path = g_uri_get_path (guri);
  if (g_strcmp0 (host, "task") == 0) {
    g_autofree gchar *id = g_uri_unescape_string (path[0] == '/' ?
        path + 1 : path, NULL);
    UriSetting *u;

    if (id == NULL || id[0] == '\0' || strchr (id, '/') ||
        g_uri_get_query (guri)) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "expected seedance://task/<task id>, not %s", uri);
      return FALSE;
    }
    u = g_new0 (UriSetting, 1);
    u->pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self),
        "task-id");
    g_value_init (&u->value, G_TYPE_STRING);
    g_value_set_string (&u->value, id);
    g_ptr_array_add (settings, u);
    return TRUE;
  }
  if (g_strcmp0 (host, "generate") == 0) {
    if (path[0] != '\0' && g_strcmp0 (path, "/") != 0) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "expected seedance://generate?prompt=..., not %s", uri);
      return FALSE;
    }
    return read_query (self, uri, g_uri_get_query (guri), settings, error);
  }
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "expected seedance://generate?... or seedance://task/<id>, not %s", uri);
  return FALSE;
}

/* A new URI replaces the last one whole: every property a URI can set goes
 * back to its default first (a second URI must not play the first one's
 * task, or keep its cache=false), then the URI's own values apply. */
static void
apply_uri (GstSeedanceSrc * self, GPtrArray * settings)
{
  GObject *object = G_OBJECT (self);
  guint i;

  g_object_freeze_notify (object);
  for (i = 0; uri_keys[i]; i++) {
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS
        (self), uri_keys[i]);

    if (pspec)
      g_object_set_property (object, uri_keys[i],
          g_param_spec_get_default_value (pspec));
  }
  for (i = 0; i < settings->len; i++) {
    UriSetting *u = g_ptr_array_index (settings, i);

    g_object_set_property (object, u->pspec->name, &u->value);
  }
  g_object_thaw_notify (object);
}

static gboolean
gst_seedance_src_uri_set_uri (GstURIHandler * handler, const gchar * uri,
    GError ** error)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (handler);
  g_autoptr (GPtrArray) settings =
      g_ptr_array_new_with_free_func ((GDestroyNotify) uri_setting_free);
  GstState state;

  GST_OBJECT_LOCK (self);
  state = GST_STATE (self);
  GST_OBJECT_UNLOCK (self);
  if (state > GST_STATE_READY) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
        "the URI can only be changed in the NULL or READY state");
    return FALSE;
  }
  if (!read_uri (self, uri, settings, error))
    return FALSE;
  apply_uri (self, settings);

  GST_OBJECT_LOCK (self);
  g_free (self->uri);
  self->uri = g_strdup (uri);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

void
gst_seedance_src_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  GstURIHandlerInterface *iface = (GstURIHandlerInterface *) g_iface;

  iface->get_type = gst_seedance_src_uri_get_type;
  iface->get_protocols = gst_seedance_src_uri_get_protocols;
  iface->get_uri = gst_seedance_src_uri_get_uri;
  iface->set_uri = gst_seedance_src_uri_set_uri;
}
