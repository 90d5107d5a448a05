/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* sim-tasks: task store and state machine; see sim-tasks.h for locking.
 *
 * Transitions are driven by sources on the server's GMainContext (timeouts
 * for the schedule, idles for render results), each carrying the task id,
 * not a pointer: a task deleted meanwhile is simply not found.
 */
#include "sim-tasks.h"

#include <string.h>
#include <unistd.h>
#include <gio/gio.h>


#define URL_LIFETIME_S (24 * 3600)

static const gchar *const status_names[] = {
  "queued", "running", "succeeded", "failed", "expired", "cancelled"
};

const gchar *
sim_task_status_name (SimTaskStatus status)
{
  return status_names[status];
}

static SimTaskStatus
status_from_name (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (status_names); i++) {
    if (g_strcmp0 (name, status_names[i]) == 0)
      return i;
  }
  return SIM_TASK_SUCCEEDED;
}

void
sim_task_free (gpointer data)
{
  SimTask *task = data;

  g_free (task->id);
  sim_create_params_clear (&task->params);
  g_free (task->error_code);
  g_free (task->error_message);
  g_free (task->outcome_code);
  g_free (task->outcome_message);
  g_free (task->video_path);
  g_free (task->frame_path);
  g_free (task->published_base);
  g_free (task);
}

JsonNode *
sim_error_json (const gchar * code, const gchar * message,
    const gchar * param, const gchar * type)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *node;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  if (code) {
    json_builder_set_member_name (b, "code");
    json_builder_add_string_value (b, code);
  }
  if (message) {
    json_builder_set_member_name (b, "message");
    json_builder_add_string_value (b, message);
  }
  if (param) {
    json_builder_set_member_name (b, "param");
    json_builder_add_string_value (b, param);
  }
  if (type) {
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, type);
  }
  json_builder_end_object (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  g_object_unref (b);
  return node;
}

gchar *
sim_json_to_string (JsonNode * node)
{
  JsonGenerator *gen = json_generator_new ();
  gchar *s;

  json_generator_set_root (gen, node);
  s = json_generator_to_data (gen, NULL);
  g_object_unref (gen);
  return s;
}

/* ---- scheduling ------------------------------------------------------ */

typedef struct
{
  SeedanceSim *sim;
  gchar *id;
  /* render results */
  gchar *video_path;
  gchar *frame_path;
  gchar *error_message;
  gboolean failed;
} TaskRef;

static void
task_ref_free (gpointer data)
{
  TaskRef *ref = data;

  g_free (ref->id);
  g_free (ref->video_path);
  g_free (ref->frame_path);
  g_free (ref->error_message);
  g_free (ref);
}

static TaskRef *
task_ref_new (SeedanceSim * sim, const gchar * id)
{
  TaskRef *ref = g_new0 (TaskRef, 1);

  ref->sim = sim;
  ref->id = g_strdup (id);
  return ref;
}

static void
schedule (SeedanceSim * sim, guint ms, GSourceFunc func, gpointer data,
    GDestroyNotify destroy)
{
  GSource *source = ms > 0 ? g_timeout_source_new (ms) : g_idle_source_new ();

  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, sim->context);
  g_source_unref (source);
}

/* ---- callback_url ---------------------------------------------------- */

typedef struct
{
  SeedanceSim *sim;
  gchar *url;
  gchar *body;
} Notification;

static void
notification_free (gpointer data)
{
  Notification *n = data;

  g_free (n->url);
  g_free (n->body);
  g_free (n);
}

static void
notification_done (GObject * source, GAsyncResult * result, gpointer data)
{
  SoupMessage *msg = data;
  GError *error = NULL;
  GBytes *bytes;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
      &error);
  if (bytes == NULL) {
    g_debug ("callback POST failed: %s", error->message);
    g_error_free (error);
  } else {
    g_debug ("callback POST answered %u", soup_message_get_status (msg));
    g_bytes_unref (bytes);
  }
  g_object_unref (msg);
}

/* A callback to the simulator's own HTTPS hosts: trust its certificate. */
static gboolean
accept_own_certificate (SoupMessage * msg, GTlsCertificate * peer,
    GTlsCertificateFlags errors, gpointer data)
{
  SeedanceSim *sim = data;

  return sim->tls_cert != NULL && g_tls_certificate_is_same (peer,
      sim->tls_cert);
}

/* On the server thread, which owns the session. */
static gboolean
notification_send (gpointer data)
{
  Notification *n = data;
  SoupMessage *msg;
  GBytes *body;

  if (n->sim->session == NULL)
    return G_SOURCE_REMOVE;
  msg = soup_message_new (SOUP_METHOD_POST, n->url);
  if (msg == NULL) {
    g_debug ("callback_url '%s' cannot be used", n->url);
    return G_SOURCE_REMOVE;
  }
  g_signal_connect (msg, "accept-certificate",
      G_CALLBACK (accept_own_certificate), n->sim);
  body = g_bytes_new (n->body, strlen (n->body));
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  g_bytes_unref (body);
  soup_session_send_and_read_async (n->sim->session, msg, G_PRIORITY_DEFAULT,
      NULL, notification_done, msg);
  return G_SOURCE_REMOVE;
}

static void
notify_locked (SeedanceSim * sim, SimTask * task)
{
  Notification *n;
  JsonNode *node;

  g_debug ("task %s is %s", task->id, sim_task_status_name (task->status));
  if (task->params.callback_url == NULL)
    return;
  n = g_new0 (Notification, 1);
  n->sim = sim;
  n->url = g_strdup (task->params.callback_url);
  node = sim_task_to_json_locked (sim, task, FALSE);
  n->body = sim_json_to_string (node);
  json_node_unref (node);
  schedule (sim, 0, notification_send, n, notification_free);
}

/* ---- state machine --------------------------------------------------- */

static void
set_status_locked (SeedanceSim * sim, SimTask * task, SimTaskStatus status,
    const gchar * code, const gchar * message)
{
  task->status = status;
  g_free (task->error_code);
  g_free (task->error_message);
  task->error_code = g_strdup (code);
  task->error_message = g_strdup (message);
  task->updated_at = g_get_real_time () / G_USEC_PER_SEC;
  if (status == SIM_TASK_SUCCEEDED) {
    task->url_expires = task->updated_at + URL_LIFETIME_S;
    task->succeeded_us = g_get_monotonic_time ();
  }
  notify_locked (sim, task);
}

/* Put the task's video into video_dir as "<id>.mp4": a hard link when
 * possible (the benchmark's big shared file), a copy otherwise. */
static gboolean
publish_locked (SeedanceSim * sim, SimTask * task, GError ** error)
{
  gchar *name = g_strconcat (task->id, ".mp4", NULL);
  gchar *dest = g_build_filename (sim->video_dir, name, NULL);
  gboolean ok = TRUE;

  if (link (task->video_path, dest) != 0) {
    GFile *src = g_file_new_for_path (task->video_path);
    GFile *dst = g_file_new_for_path (dest);

    ok = g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL,
        error);
    g_object_unref (src);
    g_object_unref (dst);
  }
  if (ok) {
    g_ptr_array_add (sim->published, dest);
    g_free (task->published_base);
    task->published_base = g_strdup (sim->video_base_url);
  } else {
    g_free (dest);
  }
  g_free (name);
  return ok;
}

static void
maybe_finish_locked (SeedanceSim * sim, SimTask * task)
{
  const gchar *code, *message;

  if (task->status != SIM_TASK_RUNNING || !task->running_elapsed ||
      !(task->rendered || task->render_failed))
    return;

  if (task->render_failed) {
    set_status_locked (sim, task, SIM_TASK_FAILED, "InternalServiceError",
        task->error_message ? task->error_message : "rendering failed");
    return;
  }
  code = task->outcome_code;
  message = task->outcome_message;
  switch (task->outcome) {
    case SIM_TASK_SUCCEEDED:
      code = message = NULL;
      if (sim->video_base_url && task->video_path) {
        GError *error = NULL;

        if (!publish_locked (sim, task, &error)) {
          gchar *text = g_strdup_printf ("cannot publish the video: %s",
              error->message);

          g_error_free (error);
          set_status_locked (sim, task, SIM_TASK_FAILED,
              "InternalServiceError", text);
          g_free (text);
          return;
        }
      }
      break;
    case SIM_TASK_EXPIRED:
      if (code == NULL)
        code = "TaskExpired";
      break;
    case SIM_TASK_CANCELLED:
      if (code == NULL)
        code = "TaskCancelled";
      break;
    default:
      if (code == NULL)
        code = "InternalServiceError";
      break;
  }
  if (code && message == NULL)
    message = "the task did not succeed (simulated)";
  set_status_locked (sim, task, task->outcome, code, message);
}

static gboolean
running_done (gpointer data)
{
  TaskRef *ref = data;
  SeedanceSim *sim = ref->sim;
  SimTask *task;

  g_mutex_lock (&sim->lock);
  task = g_hash_table_lookup (sim->tasks, ref->id);
  if (task && task->status == SIM_TASK_RUNNING) {
    task->running_elapsed = TRUE;
    maybe_finish_locked (sim, task);
  }
  g_mutex_unlock (&sim->lock);
  return G_SOURCE_REMOVE;
}

static gboolean
queued_done (gpointer data)
{
  TaskRef *ref = data;
  SeedanceSim *sim = ref->sim;
  SimTask *task;

  g_mutex_lock (&sim->lock);
  task = g_hash_table_lookup (sim->tasks, ref->id);
  if (task && task->status == SIM_TASK_QUEUED) {
    set_status_locked (sim, task, SIM_TASK_RUNNING, NULL, NULL);
    schedule (sim, sim->running_ms, running_done, task_ref_new (sim,
            ref->id), task_ref_free);
  }
  g_mutex_unlock (&sim->lock);
  return G_SOURCE_REMOVE;
}

static gboolean
render_result (gpointer data)
{
  TaskRef *ref = data;
  SeedanceSim *sim = ref->sim;
  SimTask *task;

  g_mutex_lock (&sim->lock);
  task = g_hash_table_lookup (sim->tasks, ref->id);
  if (task && !task->rendered && !task->render_failed) {
    if (ref->failed) {
      task->render_failed = TRUE;
      g_free (task->error_message);
      task->error_message = g_strdup (ref->error_message);
    } else {
      task->rendered = TRUE;
      if (ref->video_path) {
        g_free (task->video_path);
        task->video_path = g_strdup (ref->video_path);
      }
      if (ref->frame_path) {
        g_free (task->frame_path);
        task->frame_path = g_strdup (ref->frame_path);
      }
    }
    maybe_finish_locked (sim, task);
  }
  g_mutex_unlock (&sim->lock);
  return G_SOURCE_REMOVE;
}

/* From a render worker, or from sim_tasks_create_locked (lock held) when
 * the result was cached: only hands the result to the server context. */
static void
render_done (const gchar * video_path, const gchar * frame_path,
    const GError * error, gpointer user_data)
{
  TaskRef *ref = user_data;

  ref->video_path = g_strdup (video_path);
  ref->frame_path = g_strdup (frame_path);
  if (error) {
    ref->failed = TRUE;
    ref->error_message = g_strdup_printf ("rendering failed: %s",
        error->message);
  }
  schedule (ref->sim, 0, render_result, ref, task_ref_free);
}

/* ---- create ---------------------------------------------------------- */

static gboolean
draft_check (const gchar * id, gpointer user_data)
{
  SeedanceSim *sim = user_data;
  SimTask *task = g_hash_table_lookup (sim->tasks, id);

  return task != NULL && task->status == SIM_TASK_SUCCEEDED;
}

static gchar *
new_id_locked (SeedanceSim * sim)
{
  static const gchar alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  GDateTime *now = g_date_time_new_now_utc ();
  gchar *stamp = g_date_time_format (now, "%Y%m%d%H%M%S");
  gchar *id = NULL;

  do {
    gchar suffix[6];
    guint i;

    for (i = 0; i < 5; i++)
      suffix[i] = alphabet[g_random_int_range (0, sizeof (alphabet) - 1)];
    suffix[5] = '\0';
    g_free (id);
    id = g_strdup_printf ("cgt-%s-%s", stamp, suffix);
  } while (g_hash_table_contains (sim->tasks, id));

  g_free (stamp);
  g_date_time_unref (now);
  return id;
}

gchar *
sim_tasks_create_locked (SeedanceSim * sim, const gchar * body, gsize length,
    SimValidationError * error)
{
  SimTask *task;
  SimRenderParams rp = { 0, };
  gchar *text = NULL;

  task = g_new0 (SimTask, 1);
  if (!sim_validate_create (body, length, draft_check, sim, &task->params,
          error)) {
    g_free (task);
    return NULL;
  }

  task->id = new_id_locked (sim);
  task->serial = ++sim->task_serial;
  task->upstream_model =
      g_strcmp0 (task->params.model, "doubao-seedance-2-fast") == 0 ?
      "doubao-seedance-2-0-fast-260128" : "doubao-seedance-2-0-260128";
  task->seed = task->params.seed >= 0 ? task->params.seed :
      g_random_int_range (0, G_MAXINT32);
  sim_render_size (task->params.resolution, task->params.ratio,
      &task->width, &task->height);
  task->frames = task->params.has_frames ? (guint) task->params.frames :
      (guint) task->params.duration * 24;
  task->status = SIM_TASK_QUEUED;
  task->created_at = task->updated_at = g_get_real_time () / G_USEC_PER_SEC;
  task->outcome = status_from_name (sim->outcome_status);
  task->outcome_code = g_strdup (sim->outcome_code);
  task->outcome_message = g_strdup (sim->outcome_message);
  g_hash_table_insert (sim->tasks, task->id, task);

  if (task->params.prompt == NULL && task->params.draft_id)
    text = g_strdup_printf ("final video of draft %s", task->params.draft_id);
  rp.width = task->width;
  rp.height = task->height;
  rp.frames = task->frames;
  rp.audio = task->params.generate_audio;
  rp.video_kbps = sim->video_kbps;
  rp.noise = sim->noise;
  rp.faststart = sim->faststart;
  rp.video = sim->video_file == NULL;
  rp.last_frame = task->params.return_last_frame;
  rp.text = task->params.prompt ? task->params.prompt : text;
  if (sim->video_file) {
    /* nothing per task: the last frame, if asked for, is one shared
     * picture per size (the render cache's key has no per-task part) */
    task->video_path = g_strdup (sim->video_file);
    if (!rp.last_frame)
      task->rendered = TRUE;
    rp.text = NULL;
    rp.frames = 1;
    rp.audio = FALSE;
    rp.video_kbps = 0;
    rp.faststart = FALSE;
  }
  if (rp.video || rp.last_frame)
    sim_render_request (sim->render, &rp, render_done, task_ref_new (sim,
            task->id));
  g_free (text);

  notify_locked (sim, task);
  schedule (sim, sim->queued_ms, queued_done, task_ref_new (sim, task->id),
      task_ref_free);
  return g_strdup (task->id);
}

/* ---- task objects ---------------------------------------------------- */

gchar *
sim_task_signature_locked (SeedanceSim * sim, SimTask * task,
    const gchar * kind, gint64 expires)
{
  gchar *data, *sig;

  data = g_strdup_printf ("%s\n%s\n%" G_GINT64_FORMAT "\n%u", task->id, kind,
      expires, task->url_epoch);
  sig = g_compute_hmac_for_string (G_CHECKSUM_SHA256,
      (const guchar *) sim->secret, strlen (sim->secret), data, -1);
  g_free (data);
  return sig;
}

static gchar *
signed_url_locked (SeedanceSim * sim, SimTask * task, const gchar * kind,
    const gchar * ext)
{
  gchar *sig, *url;

  sig = sim_task_signature_locked (sim, task, kind, task->url_expires);
  if (task->published_base && strcmp (kind, "videos") == 0)
    url = g_strdup_printf ("%s/%s.%s?X-Sim-Expires=%" G_GINT64_FORMAT
        "&X-Sim-Signature=%s", task->published_base, task->id, ext,
        task->url_expires, sig);
  else
    url = g_strdup_printf ("%s/%s/%s.%s?X-Sim-Expires=%" G_GINT64_FORMAT
        "&X-Sim-Signature=%s", sim->file_host_url ? sim->file_host_url :
        "http://127.0.0.2", kind, task->id, ext, task->url_expires, sig);
  g_free (sig);
  return url;
}

#define ADD_STRING(b, name, value) G_STMT_START { \
  json_builder_set_member_name (b, name); \
  json_builder_add_string_value (b, value); } G_STMT_END
#define ADD_INT(b, name, value) G_STMT_START { \
  json_builder_set_member_name (b, name); \
  json_builder_add_int_value (b, value); } G_STMT_END
#define ADD_BOOL(b, name, value) G_STMT_START { \
  json_builder_set_member_name (b, name); \
  json_builder_add_boolean_value (b, value); } G_STMT_END

JsonNode *
sim_task_to_json_locked (SeedanceSim * sim, SimTask * task,
    gboolean no_video_url)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *node;

  json_builder_begin_object (b);
  ADD_STRING (b, "id", task->id);
  ADD_STRING (b, "model", task->upstream_model);
  ADD_STRING (b, "status", sim_task_status_name (task->status));
  json_builder_set_member_name (b, "error");
  if (task->error_code) {
    json_builder_begin_object (b);
    ADD_STRING (b, "code", task->error_code);
    ADD_STRING (b, "message", task->error_message ? task->error_message : "");
    json_builder_end_object (b);
  } else {
    json_builder_add_null_value (b);
  }
  ADD_INT (b, "created_at", task->created_at);
  ADD_INT (b, "updated_at", task->updated_at);
  if (task->status == SIM_TASK_SUCCEEDED) {
    json_builder_set_member_name (b, "content");
    json_builder_begin_object (b);
    if (!no_video_url) {
      gchar *url = signed_url_locked (sim, task, "videos", "mp4");

      ADD_STRING (b, "video_url", url);
      g_free (url);
    }
    if (task->params.return_last_frame) {
      gchar *url = signed_url_locked (sim, task, "frames", "png");

      ADD_STRING (b, "last_frame_url", url);
      g_free (url);
    }
    json_builder_end_object (b);
  }
  ADD_INT (b, "seed", task->seed);
  ADD_STRING (b, "resolution", task->params.resolution);
  ADD_STRING (b, "ratio", task->params.ratio);
  if (task->params.has_frames)
    ADD_INT (b, "frames", task->params.frames);
  else
    ADD_INT (b, "duration", task->params.duration);
  ADD_INT (b, "framespersecond", 24);
  ADD_BOOL (b, "generate_audio", task->params.generate_audio);
  ADD_STRING (b, "service_tier", task->params.service_tier);
  ADD_INT (b, "execution_expires_after",
      task->params.execution_expires_after);
  if (task->status == SIM_TASK_SUCCEEDED) {
    gint64 tokens = (gint64) task->width * task->height * task->frames / 1024;

    json_builder_set_member_name (b, "usage");
    json_builder_begin_object (b);
    ADD_INT (b, "completion_tokens", tokens);
    ADD_INT (b, "total_tokens", tokens);
    json_builder_end_object (b);
  }
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  g_object_unref (b);
  return node;
}

static JsonNode *
empty_object (void)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, json_object_new ());
  return node;
}

guint
sim_tasks_delete_locked (SeedanceSim * sim, const gchar * id,
    JsonNode ** answer)
{
  SimTask *task = g_hash_table_lookup (sim->tasks, id);

  if (task == NULL) {
    *answer = sim_error_json ("ResourceNotFound", "the specified task was "
        "not found", "id", "NotFound");
    return SOUP_STATUS_NOT_FOUND;
  }
  switch (task->status) {
    case SIM_TASK_QUEUED:
      set_status_locked (sim, task, SIM_TASK_CANCELLED, "TaskCancelled",
          "the task was cancelled by the user");
      *answer = empty_object ();
      return SOUP_STATUS_OK;
    case SIM_TASK_RUNNING:
      *answer = sim_error_json ("InvalidAction.TaskRunning", "the task is "
          "running: only a queued task can be cancelled", "id", "Conflict");
      return SOUP_STATUS_CONFLICT;
    case SIM_TASK_CANCELLED:
      *answer = sim_error_json ("InvalidAction.TaskCancelled", "the task is "
          "already cancelled", "id", "Conflict");
      return SOUP_STATUS_CONFLICT;
    default:
      g_debug ("task %s deleted", id);
      g_hash_table_remove (sim->tasks, id);
      *answer = empty_object ();
      return SOUP_STATUS_OK;
  }
}

static gint
compare_newest_first (gconstpointer a, gconstpointer b)
{
  const SimTask *ta = *(SimTask * const *) a;
  const SimTask *tb = *(SimTask * const *) b;

  return ta->serial < tb->serial ? 1 : ta->serial > tb->serial ? -1 : 0;
}

JsonNode *
sim_tasks_list_locked (SeedanceSim * sim, const gchar * query,
    SimValidationError * error)
{
  SimListParams lp;
  GPtrArray *matching;
  GHashTableIter hiter;
  gpointer hvalue;
  JsonBuilder *b;
  JsonNode *node;
  guint i;
  gint64 first;

  if (!sim_validate_list_query (query, &lp, error))
    return NULL;

  matching = g_ptr_array_new ();
  g_hash_table_iter_init (&hiter, sim->tasks);
  while (g_hash_table_iter_next (&hiter, NULL, &hvalue)) {
    SimTask *task = hvalue;

    if (lp.status &&
        strcmp (lp.status, sim_task_status_name (task->status)) != 0)
      continue;
    if (lp.model && strcmp (lp.model, task->params.model) != 0 &&
        strcmp (lp.model, task->upstream_model) != 0)
      continue;
    if (lp.service_tier &&
        g_strcmp0 (lp.service_tier, task->params.service_tier) != 0)
      continue;
    if (lp.task_ids->len > 0) {
      gboolean found = FALSE;

      for (i = 0; i < lp.task_ids->len && !found; i++)
        found = strcmp (lp.task_ids->pdata[i], task->id) == 0;
      if (!found)
        continue;
    }
    g_ptr_array_add (matching, task);
  }
  g_ptr_array_sort (matching, compare_newest_first);

  b = json_builder_new ();
  json_builder_begin_object (b);
  ADD_INT (b, "total", matching->len);
  json_builder_set_member_name (b, "items");
  json_builder_begin_array (b);
  /* both at most 500: no overflow */
  first = (lp.page_num - 1) * lp.page_size;
  for (i = 0; (gint64) i < lp.page_size && first + i < matching->len; i++)
    json_builder_add_value (b, sim_task_to_json_locked (sim,
            matching->pdata[first + i], FALSE));
  json_builder_end_array (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  g_object_unref (b);

  g_ptr_array_unref (matching);
  sim_list_params_clear (&lp);
  return node;
}

guint
sim_tasks_count_queued_locked (SeedanceSim * sim)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, sim->tasks);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    if (((SimTask *) value)->status == SIM_TASK_QUEUED)
      n++;
  }
  return n;
}
