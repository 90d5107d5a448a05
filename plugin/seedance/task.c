/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* Reading the service's answers with json-glib, tolerantly. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "task.h"
#include "json-guard.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* *INDENT-OFF* */
G_DEFINE_QUARK (seedance-answer-error-quark, seedance_answer_error)
/* *INDENT-ON* */

static const struct
{
  const gchar *name;
  SeedanceStatus status;
} status_names[] = {
  {"queued", SEEDANCE_STATUS_QUEUED},
  {"running", SEEDANCE_STATUS_RUNNING},
  {"succeeded", SEEDANCE_STATUS_SUCCEEDED},
  {"failed", SEEDANCE_STATUS_FAILED},
  {"expired", SEEDANCE_STATUS_EXPIRED},
  {"cancelled", SEEDANCE_STATUS_CANCELLED},
};

SeedanceStatus
seedance_status_from_string (const gchar * status)
{
  guint i;

  for (i = 0; status && i < G_N_ELEMENTS (status_names); i++)
    if (strcmp (status, status_names[i].name) == 0)
      return status_names[i].status;
  return SEEDANCE_STATUS_UNKNOWN;
}

gboolean
seedance_status_is_final (SeedanceStatus status)
{
  return status == SEEDANCE_STATUS_SUCCEEDED ||
      status == SEEDANCE_STATUS_FAILED ||
      status == SEEDANCE_STATUS_EXPIRED || status == SEEDANCE_STATUS_CANCELLED;
}

/* The root object of an answer, or NULL with an error. */
static JsonParser *
parse_object (const gchar * data, gsize len, JsonObject ** root,
    GError ** error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) err = NULL;
  JsonNode *node;

  if (data == NULL || len == 0) {
    g_set_error_literal (error, SEEDANCE_ANSWER_ERROR,
        SEEDANCE_ANSWER_ERROR_INVALID, "the answer is empty");
    return NULL;
  }
  if (!seedance_json_depth_ok (data, len)) {
    g_set_error_literal (error, SEEDANCE_ANSWER_ERROR,
        SEEDANCE_ANSWER_ERROR_INVALID, "the answer is nested too deeply");
    return NULL;
  }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &err)) {
    g_set_error (error, SEEDANCE_ANSWER_ERROR, SEEDANCE_ANSWER_ERROR_INVALID,
        "the answer is not JSON: %s", err->message);
    return NULL;
  }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error_literal (error, SEEDANCE_ANSWER_ERROR,
        SEEDANCE_ANSWER_ERROR_INVALID, "the answer is not a JSON object");
    return NULL;
  }
  *root = json_node_get_object (node);
  return g_steal_pointer (&parser);
}

/* A member's value when it is of the expected kind; NULL or the default
 * when absent, null, or of another type. */
static gchar *
dup_string (JsonObject * obj, const gchar * name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

static gint64
get_int (JsonObject * obj, const gchar * name, gint64 def)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return def;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return json_node_get_int (node);
  if (type == G_TYPE_DOUBLE) {
    gdouble v = json_node_get_double (node);

    if (v >= (gdouble) G_MININT64 && v <= (gdouble) G_MAXINT64)
      return (gint64) v;
  }
  return def;
}

static gboolean
get_bool (JsonObject * obj, const gchar * name, gboolean def)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return def;
  return json_node_get_boolean (node);
}

static JsonObject *
get_object (JsonObject * obj, const gchar * name)
{
  JsonNode *node = obj ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

/* A task object, from the root of a query answer or an item of a list
 * answer; `json` is kept as the record of what came. */
static SeedanceTask *
task_from_object (JsonObject * root, gchar * json, GError ** error)
{
  JsonObject *content, *err, *usage;
  SeedanceTask *task;

  task = g_new0 (SeedanceTask, 1);
  task->json = json;
  task->status_str = dup_string (root, "status");
  if (task->status_str == NULL) {
    g_set_error_literal (error, SEEDANCE_ANSWER_ERROR,
        SEEDANCE_ANSWER_ERROR_INVALID, "the task has no \"status\" string");
    seedance_task_free (task);
    return NULL;
  }
  task->status = seedance_status_from_string (task->status_str);
  task->id = dup_string (root, "id");
  task->model = dup_string (root, "model");

  err = get_object (root, "error");
  task->error_code = dup_string (err, "code");
  task->error_message = dup_string (err, "message");

  task->created_at = get_int (root, "created_at", 0);
  task->updated_at = get_int (root, "updated_at", 0);

  content = get_object (root, "content");
  task->video_url = dup_string (content, "video_url");
  task->last_frame_url = dup_string (content, "last_frame_url");

  task->seed = get_int (root, "seed", -1);
  task->resolution = dup_string (root, "resolution");
  task->ratio = dup_string (root, "ratio");
  task->duration = get_int (root, "duration", 0);
  task->frames = get_int (root, "frames", 0);
  task->framespersecond = get_int (root, "framespersecond", 0);
  task->generate_audio = get_bool (root, "generate_audio", FALSE);
  task->service_tier = dup_string (root, "service_tier");
  task->execution_expires_after = get_int (root, "execution_expires_after", 0);

  usage = get_object (root, "usage");
  task->completion_tokens = get_int (usage, "completion_tokens", -1);
  task->total_tokens = get_int (usage, "total_tokens", -1);
  return task;
}

SeedanceTask *
seedance_task_parse (const gchar * data, gsize len, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *root = NULL;

  parser = parse_object (data, len, &root, error);
  if (parser == NULL)
    return NULL;
  return task_from_object (root, g_strndup (data, len), error);
}

GPtrArray *
seedance_task_parse_list (const gchar * data, gsize len, gint64 * total,
    GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *root = NULL;
  JsonNode *items;
  JsonArray *array;
  GPtrArray *tasks;
  guint i, n;

  parser = parse_object (data, len, &root, error);
  if (parser == NULL)
    return NULL;
  items = json_object_get_member (root, "items");
  if (items == NULL || JSON_NODE_HOLDS_NULL (items)) {
    /* Ark leaves out an empty list. */
    tasks = g_ptr_array_new_with_free_func ((GDestroyNotify)
        seedance_task_free);
    *total = MAX (get_int (root, "total", 0), 0);
    return tasks;
  }
  if (!JSON_NODE_HOLDS_ARRAY (items)) {
    g_set_error_literal (error, SEEDANCE_ANSWER_ERROR,
        SEEDANCE_ANSWER_ERROR_INVALID, "the list's \"items\" is not an "
        "array");
    return NULL;
  }
  array = json_node_get_array (items);
  n = json_array_get_length (array);
  tasks = g_ptr_array_new_full (n, (GDestroyNotify) seedance_task_free);
  for (i = 0; i < n; i++) {
    JsonNode *item = json_array_get_element (array, i);
    SeedanceTask *task;

    if (!JSON_NODE_HOLDS_OBJECT (item))
      continue;
    task = task_from_object (json_node_get_object (item),
        json_to_string (item, FALSE), NULL);
    /* An item without an id cannot be handed to anyone; without a status
     * it says nothing.  Either way its task counts as missing. */
    if (task && task->id)
      g_ptr_array_add (tasks, task);
    else
      seedance_task_free (task);
  }
  *total = get_int (root, "total", tasks->len);
  if (*total < 0)
    *total = 0;
  return tasks;
}

void
seedance_task_free (SeedanceTask * task)
{
  if (task == NULL)
    return;
  g_free (task->json);
  g_free (task->id);
  g_free (task->model);
  g_free (task->status_str);
  g_free (task->error_code);
  g_free (task->error_message);
  g_free (task->video_url);
  g_free (task->last_frame_url);
  g_free (task->resolution);
  g_free (task->ratio);
  g_free (task->service_tier);
  g_free (task);
}

gchar *
seedance_task_parse_id (const gchar * data, gsize len, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *root = NULL;
  gchar *id;

  parser = parse_object (data, len, &root, error);
  if (parser == NULL)
    return NULL;
  id = dup_string (root, "id");
  if (id == NULL || id[0] == '\0') {
    g_free (id);
    g_set_error_literal (error, SEEDANCE_ANSWER_ERROR,
        SEEDANCE_ANSWER_ERROR_INVALID, "the answer has no task \"id\"");
    return NULL;
  }
  return id;
}

SeedanceServiceError *
seedance_service_error_parse (guint http_status, const gchar * data, gsize len)
{
  SeedanceServiceError *se = g_new0 (SeedanceServiceError, 1);
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *root = NULL, *err;

  se->http_status = http_status;
  parser = parse_object (data, len, &root, NULL);
  if (parser == NULL)
    return se;

  err = get_object (root, "error");
  if (err == NULL)
    err = root;
  se->code = dup_string (err, "code");
  se->message = dup_string (err, "message");
  se->param = dup_string (err, "param");
  se->type = dup_string (err, "type");
  return se;
}


void
seedance_service_error_free (SeedanceServiceError * err)
{
  if (err == NULL)
    return;
  g_free (err->code);
  g_free (err->message);
  g_free (err->param);
  g_free (err->type);
  g_free (err);
}
