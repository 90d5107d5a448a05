/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* sim-validate: every rule of the create body and of the list query, each
 * violation a 400.
 *
 * Params are named by their path without the item index ("content.role",
 * "content.image_url.url"); the index is in the message.
 */
#include "sim-validate.h"

#include <string.h>
#include <json-glib/json-glib.h>

#define MISSING "MissingParameter"
#define INVALID "InvalidParameter"

static const gchar *const known_fields[] = {
  "model", "content", "duration", "frames", "resolution", "ratio", "seed",
  "generate_audio", "watermark", "return_last_frame", "service_tier",
  "execution_expires_after", "priority", "callback_url",
  "safety_identifier", NULL
};

static gboolean fail (SimValidationError * error, const gchar * code,
    const gchar * param, const gchar * format, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (SimValidationError * error, const gchar * code, const gchar * param,
    const gchar * format, ...)
{
  va_list args;

  va_start (args, format);
  error->code = code;
  error->param = g_strdup (param);
  error->message = g_strdup_vprintf (format, args);
  va_end (args);
  return FALSE;
}

static gboolean
node_get_string (JsonNode * node, const gchar ** out)
{
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  *out = json_node_get_string (node);
  return TRUE;
}

/* JSON has numbers, not integers: an integral double counts as one. */
static gboolean
node_get_int (JsonNode * node, gint64 * out)
{
  GType type;
  gdouble d;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64) {
    *out = json_node_get_int (node);
    return TRUE;
  }
  if (type != G_TYPE_DOUBLE)
    return FALSE;
  d = json_node_get_double (node);
  if (d != (gdouble) (gint64) d || d > 9.0e15 || d < -9.0e15)
    return FALSE;
  *out = (gint64) d;
  return TRUE;
}

static gboolean
node_get_bool (JsonNode * node, gboolean * out)
{
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
valid_base64 (const gchar * s)
{
  gsize len = strlen (s), i, pad = 0, decoded_len = 0;
  guchar *decoded;

  if (len == 0 || len % 4 != 0)
    return FALSE;
  for (i = 0; i < len; i++) {
    gchar c = s[i];

    if (c == '=') {
      if (i + 2 < len)
        return FALSE;
      pad++;
      continue;
    }
    if (pad > 0)
      return FALSE;
    if (!g_ascii_isalnum (c) && c != '+' && c != '/')
      return FALSE;
  }
  decoded = g_base64_decode (s, &decoded_len);
  g_free (decoded);
  return decoded_len > 0;
}

/* "data:<kind>/<fmt>;base64,<payload>" */
static gboolean
valid_data_uri (const gchar * url, const gchar * kind)
{
  gsize klen = strlen (kind);
  const gchar *p, *semi;

  if (!g_str_has_prefix (url, "data:"))
    return FALSE;
  p = url + 5;
  if (strncmp (p, kind, klen) != 0 || p[klen] != '/')
    return FALSE;
  p += klen + 1;
  semi = strchr (p, ';');
  if (semi == NULL || semi == p)
    return FALSE;
  for (; p < semi; p++) {
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '.' && *p != '-')
      return FALSE;
  }
  if (!g_str_has_prefix (semi, ";base64,"))
    return FALSE;
  return valid_base64 (semi + strlen (";base64,"));
}

static gboolean
valid_http_url (const gchar * url)
{
  const gchar *rest;

  if (g_str_has_prefix (url, "http://"))
    rest = url + 7;
  else if (g_str_has_prefix (url, "https://"))
    rest = url + 8;
  else
    return FALSE;
  return rest[0] != '\0' && rest[0] != '/';
}

static gboolean
valid_asset (const gchar * url)
{
  return g_str_has_prefix (url, "asset://") && url[8] != '\0';
}

typedef struct
{
  guint n_text;
  guint n_first;
  guint n_last;
  guint n_ref_image;
  guint n_ref_video;
  guint n_ref_audio;
  guint n_images_no_role;
  guint n_draft;
} Counts;

/* One media item: {"type": T, T: {"url": ...}, "role": ...}. */
static gboolean
check_media (JsonObject * item, guint index, const gchar * type,
    Counts * counts, SimCreateParams * out, SimValidationError * error)
{
  JsonNode *data_node, *url_node, *role_node;
  JsonObject *data;
  const gchar *url, *role = NULL;
  gchar *param_url = g_strdup_printf ("content.%s.url", type);
  gchar *param_data = g_strdup_printf ("content.%s", type);
  gboolean ok = FALSE;
  GList *members, *l;

  members = json_object_get_members (item);
  for (l = members; l; l = l->next) {
    const gchar *name = l->data;

    if (strcmp (name, "type") != 0 && strcmp (name, "role") != 0 &&
        strcmp (name, type) != 0) {
      g_list_free (members);
      fail (error, INVALID, "content", "content[%u]: unknown field '%s' in "
          "a %s item", index, name, type);
      goto done;
    }
  }
  g_list_free (members);

  data_node = json_object_get_member (item, type);
  if (data_node == NULL) {
    fail (error, MISSING, param_data, "content[%u]: a %s item needs a '%s' "
        "object", index, type, type);
    goto done;
  }
  if (!JSON_NODE_HOLDS_OBJECT (data_node)) {
    fail (error, INVALID, param_data, "content[%u].%s must be an object",
        index, type);
    goto done;
  }
  data = json_node_get_object (data_node);
  url_node = json_object_get_member (data, "url");
  if (url_node == NULL) {
    fail (error, MISSING, param_url, "content[%u].%s.url is required", index,
        type);
    goto done;
  }
  if (!node_get_string (url_node, &url)) {
    fail (error, INVALID, param_url, "content[%u].%s.url must be a string",
        index, type);
    goto done;
  }

  if (strcmp (type, "image_url") == 0) {
    if (!valid_http_url (url) && !valid_asset (url) &&
        !valid_data_uri (url, "image")) {
      fail (error, INVALID, param_url, "content[%u].image_url.url must be an "
          "http(s) URL, data:image/<fmt>;base64,<data> with valid base64, or "
          "asset://<id>", index);
      goto done;
    }
  } else if (strcmp (type, "video_url") == 0) {
    if (!valid_http_url (url) && !valid_asset (url)) {
      fail (error, INVALID, param_url, "content[%u].video_url.url must be an "
          "http(s) URL or asset://<id> (no data URI for videos)", index);
      goto done;
    }
  } else {
    if (!valid_http_url (url) && !valid_asset (url) &&
        !valid_data_uri (url, "audio")) {
      fail (error, INVALID, param_url, "content[%u].audio_url.url must be an "
          "http(s) URL, data:audio/<fmt>;base64,<data> with valid base64, or "
          "asset://<id>", index);
      goto done;
    }
  }

  role_node = json_object_get_member (item, "role");
  if (role_node != NULL && !node_get_string (role_node, &role)) {
    fail (error, INVALID, "content.role", "content[%u].role must be a string",
        index);
    goto done;
  }

  if (strcmp (type, "image_url") == 0) {
    out->n_images++;
    if (role == NULL)
      counts->n_images_no_role++;
    else if (strcmp (role, "first_frame") == 0)
      counts->n_first++;
    else if (strcmp (role, "last_frame") == 0)
      counts->n_last++;
    else if (strcmp (role, "reference_image") == 0)
      counts->n_ref_image++;
    else {
      fail (error, INVALID, "content.role", "content[%u].role '%s' is not "
          "valid for image_url (first_frame, last_frame, reference_image)",
          index, role);
      goto done;
    }
  } else if (strcmp (type, "video_url") == 0) {
    out->n_videos++;
    if (role == NULL) {
      fail (error, MISSING, "content.role", "content[%u]: a video_url item "
          "needs role reference_video", index);
      goto done;
    } else if (strcmp (role, "reference_video") != 0) {
      fail (error, INVALID, "content.role", "content[%u].role '%s' is not "
          "valid for video_url (reference_video)", index, role);
      goto done;
    }
    counts->n_ref_video++;
  } else {
    out->n_audios++;
    if (role == NULL) {
      fail (error, MISSING, "content.role", "content[%u]: an audio_url item "
          "needs role reference_audio", index);
      goto done;
    } else if (strcmp (role, "reference_audio") != 0) {
      fail (error, INVALID, "content.role", "content[%u].role '%s' is not "
          "valid for audio_url (reference_audio)", index, role);
      goto done;
    }
    counts->n_ref_audio++;
  }
  ok = TRUE;

done:
  g_free (param_url);
  g_free (param_data);
  return ok;
}

static gboolean
check_plain_item (JsonObject * item, guint index, const gchar * type,
    const gchar * data_field, SimValidationError * error)
{
  GList *members, *l;

  members = json_object_get_members (item);
  for (l = members; l; l = l->next) {
    const gchar *name = l->data;

    if (strcmp (name, "type") != 0 && strcmp (name, data_field) != 0) {
      fail (error, INVALID, strcmp (name, "role") == 0 ? "content.role" :
          "content", "content[%u]: a %s item carries no '%s'", index, type,
          name);
      g_list_free (members);
      return FALSE;
    }
  }
  g_list_free (members);
  return TRUE;
}

static gboolean
check_content (JsonNode * node, SimDraftCheck draft_check,
    gpointer user_data, SimCreateParams * out, SimValidationError * error)
{
  JsonArray *array;
  guint i, n;
  Counts counts = { 0, };

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, INVALID, "content", "content must be an array");
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0)
    return fail (error, INVALID, "content", "content must not be empty");

  for (i = 0; i < n; i++) {
    JsonNode *item_node = json_array_get_element (array, i);
    JsonObject *item;
    JsonNode *type_node, *data_node;
    const gchar *type;

    if (!JSON_NODE_HOLDS_OBJECT (item_node))
      return fail (error, INVALID, "content", "content[%u] must be an object",
          i);
    item = json_node_get_object (item_node);
    type_node = json_object_get_member (item, "type");
    if (type_node == NULL)
      return fail (error, MISSING, "content.type", "content[%u].type is "
          "required", i);
    if (!node_get_string (type_node, &type))
      return fail (error, INVALID, "content.type", "content[%u].type must be "
          "a string", i);

    if (strcmp (type, "text") == 0) {
      const gchar *text;

      if (!check_plain_item (item, i, type, "text", error))
        return FALSE;
      data_node = json_object_get_member (item, "text");
      if (data_node == NULL)
        return fail (error, MISSING, "content.text", "content[%u].text is "
            "required", i);
      if (!node_get_string (data_node, &text))
        return fail (error, INVALID, "content.text", "content[%u].text must "
            "be a string", i);
      if (text[0] == '\0')
        return fail (error, INVALID, "content.text", "content[%u].text must "
            "not be empty", i);
      if (++counts.n_text > 1)
        return fail (error, INVALID, "content.text", "at most one text item "
            "(content[%u] is a second one)", i);
      out->prompt = g_strdup (text);
    } else if (strcmp (type, "image_url") == 0 ||
        strcmp (type, "video_url") == 0 || strcmp (type, "audio_url") == 0) {
      if (!check_media (item, i, type, &counts, out, error))
        return FALSE;
    } else if (strcmp (type, "draft_task") == 0) {
      JsonObject *draft;
      JsonNode *id_node;
      const gchar *id;

      if (!check_plain_item (item, i, type, "draft_task", error))
        return FALSE;
      data_node = json_object_get_member (item, "draft_task");
      if (data_node == NULL)
        return fail (error, MISSING, "content.draft_task", "content[%u]: a "
            "draft_task item needs a 'draft_task' object", i);
      if (!JSON_NODE_HOLDS_OBJECT (data_node))
        return fail (error, INVALID, "content.draft_task", "content[%u]."
            "draft_task must be an object", i);
      draft = json_node_get_object (data_node);
      id_node = json_object_get_member (draft, "id");
      if (id_node == NULL)
        return fail (error, MISSING, "content.draft_task.id", "content[%u]."
            "draft_task.id is required", i);
      if (!node_get_string (id_node, &id))
        return fail (error, INVALID, "content.draft_task.id", "content[%u]."
            "draft_task.id must be a string", i);
      counts.n_draft++;
      g_free (out->draft_id);
      out->draft_id = g_strdup (id);
    } else {
      return fail (error, INVALID, "content.type", "content[%u].type '%s' is "
          "not one of text, image_url, video_url, audio_url, draft_task", i,
          type);
    }
  }

  if (counts.n_draft > 0) {
    if (n > 1)
      return fail (error, INVALID, "content.draft_task", "a draft_task item "
          "must be the only content item");
    if (draft_check == NULL || !draft_check (out->draft_id, user_data))
      return fail (error, INVALID, "content.draft_task.id", "draft task '%s' "
          "is unknown or did not succeed", out->draft_id);
    return TRUE;
  }

  if (counts.n_images_no_role > 0) {
    if (out->n_images > 1)
      return fail (error, MISSING, "content.role", "an image without a role "
          "is allowed only when it is the only image; give every image a "
          "role");
    counts.n_first++;
  }
  if (counts.n_first > 1)
    return fail (error, INVALID, "content.role", "at most one first_frame "
        "image (got %u)", counts.n_first);
  if (counts.n_last > 1)
    return fail (error, INVALID, "content.role", "at most one last_frame "
        "image (got %u)", counts.n_last);
  if (counts.n_last > 0 && counts.n_first == 0)
    return fail (error, MISSING, "content.role", "a last_frame image needs a "
        "first_frame image");
  if (counts.n_ref_image > 9)
    return fail (error, INVALID, "content.role", "at most 9 reference_image "
        "items (got %u)", counts.n_ref_image);
  if (counts.n_ref_video > 3)
    return fail (error, INVALID, "content.role", "at most 3 reference_video "
        "items (got %u)", counts.n_ref_video);
  if (counts.n_ref_audio > 3)
    return fail (error, INVALID, "content.role", "at most 3 reference_audio "
        "items (got %u)", counts.n_ref_audio);
  if ((counts.n_first > 0 || counts.n_last > 0) &&
      (counts.n_ref_image > 0 || counts.n_ref_video > 0 ||
          counts.n_ref_audio > 0))
    return fail (error, INVALID, "content.role", "first/last frame and "
        "multimodal references (reference_*) are mutually exclusive");
  if (out->n_audios > 0 && out->n_images == 0 && out->n_videos == 0)
    return fail (error, INVALID, "content", "audio needs an image or a video "
        "beside it (audio alone or with text alone is refused)");
  return TRUE;
}

static gboolean
one_of (const gchar * value, const gchar * const *allowed)
{
  for (; *allowed; allowed++) {
    if (strcmp (value, *allowed) == 0)
      return TRUE;
  }
  return FALSE;
}

static gboolean
get_string_member (JsonObject * obj, const gchar * name,
    const gchar * const *allowed, gchar ** out, SimValidationError * error)
{
  JsonNode *node = json_object_get_member (obj, name);
  const gchar *value;

  if (node == NULL)
    return TRUE;
  if (!node_get_string (node, &value))
    return fail (error, INVALID, name, "%s must be a string", name);
  if (allowed != NULL && !one_of (value, allowed)) {
    gchar *list = g_strjoinv (", ", (gchar **) allowed);

    fail (error, INVALID, name, "%s '%s' is not one of %s", name, value,
        list);
    g_free (list);
    return FALSE;
  }
  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
get_int_member (JsonObject * obj, const gchar * name, gint64 min, gint64 max,
    gint64 * out, gboolean * present, SimValidationError * error)
{
  JsonNode *node = json_object_get_member (obj, name);
  gint64 value;

  if (present)
    *present = node != NULL;
  if (node == NULL)
    return TRUE;
  if (!node_get_int (node, &value))
    return fail (error, INVALID, name, "%s must be an integer", name);
  if (value < min || value > max)
    return fail (error, INVALID, name, "%s must be between %" G_GINT64_FORMAT
        " and %" G_GINT64_FORMAT " (got %" G_GINT64_FORMAT ")", name, min,
        max, value);
  *out = value;
  return TRUE;
}

static gboolean
get_bool_member (JsonObject * obj, const gchar * name, gboolean * out,
    SimValidationError * error)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL)
    return TRUE;
  if (!node_get_bool (node, out))
    return fail (error, INVALID, name, "%s must be a boolean", name);
  return TRUE;
}

gboolean
sim_validate_create (const gchar * body, gsize length,
    SimDraftCheck draft_check, gpointer user_data, SimCreateParams * out,
    SimValidationError * error)
{
  static const gchar *const models[] = { "doubao-seedance-2.0",
    "doubao-seedance-2-fast", NULL
  };
  static const gchar *const resolutions[] = { "480p", "720p", "1080p", NULL };
  static const gchar *const ratios[] = { "16:9", "9:16", "1:1", NULL };
  static const gchar *const tiers[] = { "default", "flex", NULL };
  JsonParser *parser;
  JsonNode *root, *node;
  JsonObject *obj;
  GList *members = NULL, *l;
  gboolean ok = FALSE, has_duration = FALSE, has_frames = FALSE;

  memset (out, 0, sizeof (*out));
  memset (error, 0, sizeof (*error));
  out->duration = 5;
  out->resolution = g_strdup ("720p");
  out->ratio = g_strdup ("16:9");
  out->seed = -1;
  out->service_tier = g_strdup ("default");
  out->execution_expires_after = 172800;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, body, length, NULL)) {
    fail (error, INVALID, "body", "the request body is not valid JSON");
    goto done;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    fail (error, INVALID, "body", "the request body must be a JSON object");
    goto done;
  }
  obj = json_node_get_object (root);

  members = json_object_get_members (obj);
  for (l = members; l; l = l->next) {
    const gchar *name = l->data;

    if (!one_of (name, known_fields)) {
      fail (error, INVALID, name, "unknown field '%s' (this is the native "
          "task format: no OpenAI-style prompt/size/images)", name);
      goto done;
    }
  }

  node = json_object_get_member (obj, "model");
  if (node == NULL) {
    fail (error, MISSING, "model", "model is required");
    goto done;
  }
  if (!get_string_member (obj, "model", models, &out->model, error))
    goto done;

  node = json_object_get_member (obj, "content");
  if (node == NULL) {
    fail (error, MISSING, "content", "content is required");
    goto done;
  }
  if (!check_content (node, draft_check, user_data, out, error))
    goto done;

  if (!get_int_member (obj, "duration", 5, 15, &out->duration, &has_duration,
          error))
    goto done;
  if (!get_int_member (obj, "frames", 1, G_MAXINT32, &out->frames,
          &has_frames, error))
    goto done;
  if (has_duration && has_frames) {
    fail (error, INVALID, "frames", "duration and frames are mutually "
        "exclusive: send one of them");
    goto done;
  }
  out->has_frames = has_frames;

  if (!get_string_member (obj, "resolution", resolutions, &out->resolution,
          error))
    goto done;
  if (strcmp (out->model, "doubao-seedance-2-fast") == 0 &&
      strcmp (out->resolution, "1080p") == 0) {
    fail (error, INVALID, "resolution", "doubao-seedance-2-fast supports 480p "
        "and 720p only, not 1080p");
    goto done;
  }
  if (!get_string_member (obj, "ratio", ratios, &out->ratio, error))
    goto done;
  if (!get_int_member (obj, "seed", -1, G_GINT64_CONSTANT (4294967295),
          &out->seed, NULL, error))
    goto done;
  if (!get_bool_member (obj, "generate_audio", &out->generate_audio, error) ||
      !get_bool_member (obj, "watermark", &out->watermark, error) ||
      !get_bool_member (obj, "return_last_frame", &out->return_last_frame,
          error))
    goto done;
  if (!get_string_member (obj, "service_tier", tiers, &out->service_tier,
          error))
    goto done;
  if (!get_int_member (obj, "execution_expires_after", 1, G_MAXINT64,
          &out->execution_expires_after, NULL, error))
    goto done;
  if (!get_int_member (obj, "priority", 0, 9, &out->priority, NULL, error))
    goto done;
  if (!get_string_member (obj, "callback_url", NULL, &out->callback_url,
          error))
    goto done;
  if (out->callback_url && !valid_http_url (out->callback_url)) {
    fail (error, INVALID, "callback_url", "callback_url must start with "
        "http:// or https://");
    goto done;
  }
  if (!get_string_member (obj, "safety_identifier", NULL,
          &out->safety_identifier, error))
    goto done;
  if (out->safety_identifier) {
    glong chars = g_utf8_strlen (out->safety_identifier, -1);

    if (chars < 1 || chars > 64) {
      fail (error, INVALID, "safety_identifier", "safety_identifier must be "
          "1 to 64 characters");
      goto done;
    }
  }
  ok = TRUE;

done:
  g_list_free (members);
  g_object_unref (parser);
  if (!ok)
    sim_create_params_clear (out);
  return ok;
}

void
sim_create_params_clear (SimCreateParams * params)
{
  g_clear_pointer (&params->model, g_free);
  g_clear_pointer (&params->prompt, g_free);
  g_clear_pointer (&params->draft_id, g_free);
  g_clear_pointer (&params->resolution, g_free);
  g_clear_pointer (&params->ratio, g_free);
  g_clear_pointer (&params->service_tier, g_free);
  g_clear_pointer (&params->callback_url, g_free);
  g_clear_pointer (&params->safety_identifier, g_free);
}

void
sim_validation_error_clear (SimValidationError * error)
{
  g_clear_pointer (&error->param, g_free);
  g_clear_pointer (&error->message, g_free);
  error->code = NULL;
}

/* ---- the list query -------------------------------------------------- */

static const gchar *const list_statuses[] = {
  "queued", "running", "succeeded", "failed", "expired", "cancelled", NULL
};

static const gchar *const service_tiers[] = { "default", "flex", NULL };

/* A whole number from 1 to 500, digits only ("+1", "1.0", " 1" are not). */
static gboolean
parse_page_value (const gchar * value, gint64 * out)
{
  guint64 n;

  if (value[0] == '\0' || value[0] == '+' || value[0] == '-' ||
      !g_ascii_string_to_unsigned (value, 10, 1, 500, &n, NULL))
    return FALSE;
  *out = (gint64) n;
  return TRUE;
}

gboolean
sim_validate_list_query (const gchar * query, SimListParams * out,
    SimValidationError * error)
{
  GUriParamsIter iter;
  gchar *key = NULL, *value = NULL;
  gboolean ok = TRUE;
  GError *gerror = NULL;

  memset (out, 0, sizeof (*out));
  out->page_num = 1;
  out->page_size = 10;
  out->task_ids = g_ptr_array_new_with_free_func (g_free);
  if (query == NULL)
    return TRUE;

  g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_WWW_FORM);
  while (ok && g_uri_params_iter_next (&iter, &key, &value, &gerror)) {
    if (strcmp (key, "page_num") == 0) {
      if (!parse_page_value (value, &out->page_num))
        ok = fail (error, INVALID, key, "page_num must be a whole number "
            "from 1 to 500");
    } else if (strcmp (key, "page_size") == 0) {
      if (!parse_page_value (value, &out->page_size))
        ok = fail (error, INVALID, key, "page_size must be a whole number "
            "from 1 to 500");
    } else if (value[0] == '\0') {
      /* an empty filter filters nothing */
    } else if (strcmp (key, "filter.status") == 0) {
      if (one_of (value, list_statuses)) {
        g_free (out->status);
        out->status = g_strdup (value);
      } else {
        ok = fail (error, INVALID, key, "filter.status must be queued, "
            "running, succeeded, failed, expired or cancelled");
      }
    } else if (strcmp (key, "filter.service_tier") == 0) {
      if (one_of (value, service_tiers)) {
        g_free (out->service_tier);
        out->service_tier = g_strdup (value);
      } else {
        ok = fail (error, INVALID, key, "filter.service_tier must be "
            "default or flex");
      }
    } else if (strcmp (key, "filter.model") == 0) {
      g_free (out->model);
      out->model = g_strdup (value);
    } else if (strcmp (key, "filter.task_ids") == 0) {
      g_ptr_array_add (out->task_ids, g_strdup (value));
    }
    g_clear_pointer (&key, g_free);
    g_clear_pointer (&value, g_free);
  }
  if (gerror) {
    ok = fail (error, INVALID, "query", "the query string cannot be read: %s",
        gerror->message);
    g_error_free (gerror);
  }
  if (!ok)
    sim_list_params_clear (out);
  return ok;
}

void
sim_list_params_clear (SimListParams * params)
{
  g_clear_pointer (&params->status, g_free);
  g_clear_pointer (&params->model, g_free);
  g_clear_pointer (&params->service_tier, g_free);
  g_clear_pointer (&params->task_ids, g_ptr_array_unref);
}
