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

/* Sets one property from its text form, as gst-launch would, but with an
 * error instead of a warning when the text does not fit. */
static gboolean
set_property_from_string (GstSeedanceSrc * self, const gchar * name,
    const gchar * text, GError ** error)
{
  GParamSpec *pspec =
      g_object_class_find_property (G_OBJECT_GET_CLASS (self), name);
  GValue value = G_VALUE_INIT;

  if (g_strcmp0 (name, "api-key") == 0) {
    /* A URI is logged and shown everywhere: no place for a secret. */
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "api-key cannot be given in a URI; use the SEEDANCE_API_KEY "
        "environment variable");
    return FALSE;
  }
  if (pspec == NULL || !(pspec->flags & G_PARAM_WRITABLE)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "\"%s\" is not a property of seedancesrc that can be set", name);
    return FALSE;
  }
  g_value_init (&value, pspec->value_type);
  if (!gst_value_deserialize (&value, text) ||
      g_param_value_validate (pspec, &value)) {
    g_value_unset (&value);
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "%s: \"%s\" is not a valid value", name, text);
    return FALSE;
  }
  g_object_set_property (G_OBJECT (self), name, &value);
  g_value_unset (&value);
  return TRUE;
}

static void
set_array_property (GstSeedanceSrc * self, const gchar * name,
    GPtrArray * values)
{
  GValue value = G_VALUE_INIT;

  if (values->len == 0)
    return;
  g_value_init (&value, GST_TYPE_ARRAY);
  g_ptr_array_add (values, NULL);
  gst_seedance_src_value_array_from_strv (&value, (GStrv) values->pdata);
  g_object_set_property (G_OBJECT (self), name, &value);
  g_value_unset (&value);
}

static gboolean
gst_seedance_src_uri_set_uri (GstURIHandler * handler, const gchar * uri,
    GError ** error)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (handler);
  g_autoptr (GUri) guri = NULL;
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) videos = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) audios = g_ptr_array_new_with_free_func (g_free);
  const gchar *host, *path, *query;
  GstState state;

  GST_OBJECT_LOCK (self);
  state = GST_STATE (self);
  GST_OBJECT_UNLOCK (self);
  if (state > GST_STATE_READY) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
        "the URI can only be changed in the NULL or READY state");
    return FALSE;
  }

  guri = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
  if (guri == NULL || g_strcmp0 (g_uri_get_scheme (guri), "seedance") != 0) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "not a seedance: URI: %s", uri);
    return FALSE;
  }
  host = g_uri_get_host (guri);
  path = g_uri_get_path (guri);
  query = g_uri_get_query (guri);

  if (g_strcmp0 (host, "task") == 0) {
    g_autofree gchar *id = g_uri_unescape_string (path[0] == '/' ?
        path + 1 : path, NULL);

    if (id == NULL || id[0] == '\0' || strchr (id, '/')) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "expected seedance://task/<task id>, not %s", uri);
      return FALSE;
    }
    g_object_set (self, "task-id", id, NULL);
  } else if (g_strcmp0 (host, "generate") == 0) {
    GUriParamsIter iter;
    gchar *key = NULL, *value = NULL;
    GError *err = NULL;

    if (path[0] != '\0' && g_strcmp0 (path, "/") != 0) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "expected seedance://generate?prompt=..., not %s", uri);
      return FALSE;
    }
    g_uri_params_iter_init (&iter, query ? query : "", -1, "&",
        G_URI_PARAMS_WWW_FORM);
    while (g_uri_params_iter_next (&iter, &key, &value, &err)) {
      gboolean ok = TRUE;

      if (g_strcmp0 (key, "reference-image") == 0)
        g_ptr_array_add (images, g_steal_pointer (&value));
      else if (g_strcmp0 (key, "reference-video") == 0)
        g_ptr_array_add (videos, g_steal_pointer (&value));
      else if (g_strcmp0 (key, "reference-audio") == 0)
        g_ptr_array_add (audios, g_steal_pointer (&value));
      else
        ok = set_property_from_string (self, key, value, error);
      g_free (key);
      g_free (value);
      if (!ok)
        return FALSE;
    }
    if (err) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "cannot read the query of %s: %s", uri, err->message);
      g_error_free (err);
      return FALSE;
    }
    set_array_property (self, "reference-images", images);
    set_array_property (self, "reference-videos", videos);
    set_array_property (self, "reference-audios", audios);
  } else {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "expected seedance://generate?... or seedance://task/<id>, not %s",
        uri);
    return FALSE;
  }

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
