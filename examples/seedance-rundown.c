/* seedance-rundown: generate a programme from a rundown with seedancesrc.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 *   seedance-rundown RUNDOWN.json -o PROGRAMME.ts [--jobs N]
 *
 * Broadcast automation in two phases:
 *
 * 1. Generation.  Every item of the rundown becomes one pipeline
 *    `seedancesrc location=WORK/clip-KEY.mp4 cache-dir=CACHE ! fakesink`,
 *    at most N at a time.  KEY is a digest of the item's request, so a
 *    rerun (after a crash or an edit of the rundown) finds the clips whose
 *    request did not change and pays only for the others.  Task IDs are
 *    journalled in PROGRAMME.ts.tasks.json the moment they arrive, so an
 *    item that was interrupted is resumed (task-id=) rather than paid again.
 *    An item with "chain": true starts from the last frame of the item
 *    before it, which is therefore generated with return-last-frame=true.
 *
 * 2. Conform.  One pipeline decodes every clip, brings it to one format
 *    (1920x1080 at 25 fps, letter- or pillar-boxed; 48 kHz stereo, with
 *    silence for a clip without sound), joins the items with `concat`
 *    (one per stream, so timestamps run on without a gap), encodes H.264
 *    and AAC once and muxes one MPEG-TS.  An item that failed is replaced
 *    by a slate of the same length.
 *
 * Exit codes: 0 the programme was written (slates included), 1 it could not
 * be, 2 usage, 130 interrupted.
 */

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#define EXIT_OK 0
#define EXIT_ERROR 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

#define OUT_WIDTH 1920
#define OUT_HEIGHT 1080
#define OUT_FPS 25
#define OUT_RATE 48000
/* 40 ms of audio per buffer: a whole number of samples per video frame, so
 * a slate's silence is exactly as long as its picture. */
#define SAMPLES_PER_BUFFER (OUT_RATE / OUT_FPS)

#define VIDEO_CAPS "video/x-raw,format=I420,width=1920,height=1080," \
    "framerate=25/1,pixel-aspect-ratio=1/1"
#define AUDIO_CAPS "audio/x-raw,format=F32LE,layout=interleaved," \
    "rate=48000,channels=2"

/* The generated clips run at 24 fps: the length of an item given in
 * frames. */
#define SEEDANCE_FPS 24.0
#define DEFAULT_LENGTH_S 5.0

typedef enum
{
  ITEM_PENDING,
  ITEM_RUNNING,
  ITEM_DONE,
  ITEM_FAILED,
} ItemState;

typedef struct _Rundown Rundown;

typedef struct
{
  Rundown *rd;
  guint index;                  /* 1-based, as the rundown reads */
  JsonObject *spec;
  gboolean chain;               /* starts from the previous item's last frame */
  gboolean feeds_next;          /* the next item chains from this one */
  gdouble length;               /* seconds, for a slate */
  ItemState state;
  gchar *key;                   /* digest of the request */
  gchar *clip;
  gchar *last_frame;
  gchar *task_id;
  gboolean resuming;            /* task-id came from the journal */
  gboolean fresh_retry_done;
  GstElement *pipeline;
} Item;

struct _Rundown
{
  GMainLoop *loop;
  GPtrArray *items;
  guint jobs;
  guint running;
  guint poll_interval;
  gchar *base_url;
  gchar *output;
  gchar *work_dir;
  gchar *cache_dir;             /* NULL when the element has no cache-dir */
  gchar *tasks_path;
  JsonObject *journal;          /* request key -> what is known about it */
  gint exit_code;
  gboolean interrupted;
  GstElement *conform;
};

/* How each request field of a rundown item maps onto seedancesrc. */
typedef enum
{
  FIELD_STRING,
  FIELD_INT,
  FIELD_INT64,
  FIELD_BOOL,
  FIELD_ARRAY,
  FIELD_MEDIA,                  /* a string that may name a local file */
} FieldKind;

static const struct
{
  const gchar *key;
  const gchar *property;
  FieldKind kind;
} fields[] = {
  {"prompt", "prompt", FIELD_STRING},
  {"model", "model", FIELD_STRING},
  {"duration", "duration", FIELD_INT},
  {"frames", "frames", FIELD_INT},
  {"resolution", "resolution", FIELD_STRING},
  {"ratio", "ratio", FIELD_STRING},
  {"seed", "seed", FIELD_INT64},
  {"generate_audio", "generate-audio", FIELD_BOOL},
  {"watermark", "watermark", FIELD_BOOL},
  {"service_tier", "service-tier", FIELD_STRING},
  {"execution_expires_after", "execution-expires-after", FIELD_INT64},
  {"first_frame", "first-frame", FIELD_MEDIA},
  {"last_frame", "last-frame", FIELD_MEDIA},
  {"reference_images", "reference-images", FIELD_ARRAY},
  {"reference_videos", "reference-videos", FIELD_ARRAY},
  {"reference_audios", "reference-audios", FIELD_ARRAY},
  {"draft_task_id", "draft-task-id", FIELD_STRING},
  {"priority", "priority", FIELD_INT},
  {"callback_url", "callback-url", FIELD_STRING},
  {"safety_identifier", "safety-identifier", FIELD_STRING},
};

static void schedule (Rundown * rd);
static void conform (Rundown * rd);

/* --- the journal (PROGRAMME.ts.tasks.json) --- */

static void
journal_load (Rundown * rd)
{
  JsonParser *parser = json_parser_new ();
  JsonNode *root;
  JsonObject *requests = NULL;

  if (json_parser_load_from_file (parser, rd->tasks_path, NULL)) {
    root = json_parser_get_root (parser);
    if (JSON_NODE_HOLDS_OBJECT (root)) {
      JsonObject *o = json_node_get_object (root);
      JsonNode *n = json_object_get_member (o, "requests");

      if (n && JSON_NODE_HOLDS_OBJECT (n))
        requests = json_object_ref (json_node_get_object (n));
    }
  }
  rd->journal = requests ? requests : json_object_new ();
  g_object_unref (parser);
}

/* Written whole under a temporary name then renamed (g_file_set_contents),
 * every time something changes: a crash at any moment leaves the last
 * complete journal. */
static void
journal_save (Rundown * rd)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root, *requests;
  GError *err = NULL;
  gchar *data;
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "output");
  json_builder_add_string_value (b, rd->output);
  json_builder_set_member_name (b, "items");
  json_builder_begin_array (b);
  for (i = 0; i < rd->items->len; i++) {
    Item *item = g_ptr_array_index (rd->items, i);
    static const gchar *states[] = { "pending", "running", "done", "failed" };

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "index");
    json_builder_add_int_value (b, item->index);
    json_builder_set_member_name (b, "state");
    json_builder_add_string_value (b, states[item->state]);
    if (item->key) {
      json_builder_set_member_name (b, "request");
      json_builder_add_string_value (b, item->key);
    }
    if (item->task_id) {
      json_builder_set_member_name (b, "task_id");
      json_builder_add_string_value (b, item->task_id);
    }
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);

  /* Every request ever seen is kept, so that undoing an edit of the
   * rundown finds its clip again. */
  requests = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (requests, rd->journal);
  json_object_set_member (json_node_get_object (root), "requests", requests);

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  data = json_generator_to_data (gen, NULL);
  if (!g_file_set_contents (rd->tasks_path, data, -1, &err)) {
    g_printerr ("Cannot write %s: %s\n", rd->tasks_path, err->message);
    g_clear_error (&err);
  }
  g_free (data);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
}

static JsonObject *
journal_entry (Rundown * rd, const gchar * key)
{
  JsonObject *entry;

  if (json_object_has_member (rd->journal, key))
    return json_object_get_object_member (rd->journal, key);
  entry = json_object_new ();
  json_object_set_object_member (rd->journal, key, entry);
  return entry;
}

/* --- items --- */

static gchar *
file_digest (const gchar * path)
{
  gchar *data, *digest;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data,
      len);
  g_free (data);
  return digest;
}

/* The item's first frame: the previous clip's last frame when chained. */
static const gchar *
item_first_frame (Item * item)
{
  if (item->chain) {
    Item *prev = g_ptr_array_index (item->rd->items, item->index - 2);

    return prev->last_frame;
  }
  return json_object_get_string_member_with_default (item->spec,
      "first_frame", NULL);
}

/* A digest of everything that makes the clip what it is: the request
 * fields, the content of local media files (an edited image is a new
 * request), whether the last frame is asked for, and the service. */
static gchar *
item_compute_key (Item * item)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  gchar *canon, *key;
  guint i;

  json_builder_begin_object (b);
  /* `fields` is in a fixed order, which makes this canonical. */
  for (i = 0; i < G_N_ELEMENTS (fields); i++) {
    const gchar *name = fields[i].key;
    JsonNode *n;

    if (g_str_equal (name, "first_frame")) {
      const gchar *ff = item_first_frame (item);

      if (ff) {
        gchar *digest = file_digest (ff);

        json_builder_set_member_name (b, name);
        json_builder_add_string_value (b, ff);
        if (digest) {
          json_builder_set_member_name (b, "first_frame_sha256");
          json_builder_add_string_value (b, digest);
        }
        g_free (digest);
      }
      continue;
    }
    n = json_object_get_member (item->spec, name);
    if (n == NULL)
      continue;
    json_builder_set_member_name (b, name);
    json_builder_add_value (b, json_node_copy (n));
    if (fields[i].kind == FIELD_MEDIA && JSON_NODE_HOLDS_VALUE (n)) {
      gchar *digest = file_digest (json_node_get_string (n));

      if (digest) {
        gchar *member = g_strconcat (name, "_sha256", NULL);

        json_builder_set_member_name (b, member);
        json_builder_add_string_value (b, digest);
        g_free (member);
      }
      g_free (digest);
    }
  }
  json_builder_set_member_name (b, "return_last_frame");
  json_builder_add_boolean_value (b, item->feeds_next);
  json_builder_set_member_name (b, "service");
  json_builder_add_string_value (b, item->rd->base_url ? item->rd->base_url :
      (g_getenv ("SEEDANCE_BASE_URL") ? g_getenv ("SEEDANCE_BASE_URL") :
          "default"));
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  canon = json_generator_to_data (gen, NULL);
  key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, canon, -1);
  g_free (canon);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return key;
}

static gboolean
set_field (GstElement * src, JsonObject * spec, guint i, GError ** error)
{
  JsonNode *n = json_object_get_member (spec, fields[i].key);
  const gchar *prop = fields[i].property;
  GType vt;

  if (n == NULL)
    return TRUE;
  if (fields[i].kind == FIELD_ARRAY) {
    JsonArray *a;
    GValue array = G_VALUE_INIT;
    guint j;

    if (!JSON_NODE_HOLDS_ARRAY (n))
      goto wrong_type;
    a = json_node_get_array (n);
    gst_value_array_init (&array, json_array_get_length (a));
    for (j = 0; j < json_array_get_length (a); j++) {
      GValue v = G_VALUE_INIT;
      JsonNode *e = json_array_get_element (a, j);

      if (!JSON_NODE_HOLDS_VALUE (e) ||
          json_node_get_value_type (e) != G_TYPE_STRING) {
        g_value_unset (&array);
        goto wrong_type;
      }
      g_value_init (&v, G_TYPE_STRING);
      g_value_set_string (&v, json_node_get_string (e));
      gst_value_array_append_and_take_value (&array, &v);
    }
    g_object_set_property (G_OBJECT (src), prop, &array);
    g_value_unset (&array);
    return TRUE;
  }

  if (!JSON_NODE_HOLDS_VALUE (n))
    goto wrong_type;
  vt = json_node_get_value_type (n);
  switch (fields[i].kind) {
    case FIELD_STRING:
    case FIELD_MEDIA:
      if (vt != G_TYPE_STRING)
        goto wrong_type;
      g_object_set (src, prop, json_node_get_string (n), NULL);
      break;
    case FIELD_INT:
      if (vt != G_TYPE_INT64)
        goto wrong_type;
      g_object_set (src, prop, (gint) CLAMP (json_node_get_int (n),
              G_MININT, G_MAXINT), NULL);
      break;
    case FIELD_INT64:
      if (vt != G_TYPE_INT64)
        goto wrong_type;
      g_object_set (src, prop, json_node_get_int (n), NULL);
      break;
    case FIELD_BOOL:
      if (vt != G_TYPE_BOOLEAN)
        goto wrong_type;
      g_object_set (src, prop, json_node_get_boolean (n), NULL);
      break;
    default:
      break;
  }
  return TRUE;

wrong_type:
  {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "\"%s\" has the wrong type", fields[i].key);
    return FALSE;
  }
}

static void
item_finished (Item * item, ItemState state, const gchar * why)
{
  Rundown *rd = item->rd;

  if (item->pipeline) {
    gst_element_set_state (item->pipeline, GST_STATE_NULL);
    gst_object_unref (item->pipeline);
    item->pipeline = NULL;
    rd->running--;
  }
  item->state = state;
  if (state == ITEM_DONE) {
    JsonObject *entry = journal_entry (rd, item->key);

    json_object_set_boolean_member (entry, "done", TRUE);
    json_object_set_string_member (entry, "clip", item->clip);
    if (item->last_frame)
      json_object_set_string_member (entry, "last_frame", item->last_frame);
    g_print ("Item %u: ready (%s)\n", item->index, item->clip);
  } else {
    g_printerr ("Item %u failed: %s; it becomes a slate\n", item->index,
        why);
  }
  journal_save (rd);
  if (!rd->interrupted)
    schedule (rd);
}

static gboolean
write_last_frame (Item * item, const GstStructure * s)
{
  const GValue *v = gst_structure_get_value (s, "last-frame");
  GstBuffer *buf;
  GstMapInfo map;
  gboolean ok;

  if (v == NULL || !GST_VALUE_HOLDS_SAMPLE (v))
    return FALSE;
  buf = gst_sample_get_buffer (gst_value_get_sample (v));
  if (buf == NULL || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return FALSE;
  /* Written whole then renamed: the next item's request digests it. */
  ok = g_file_set_contents (item->last_frame, (const gchar *) map.data,
      map.size, NULL);
  gst_buffer_unmap (buf, &map);
  return ok;
}

static gboolean start_item (Item * item, gchar ** why);

static gboolean
on_item_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  Item *item = user_data;
  Rundown *rd = item->rd;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (msg);
      const gchar *event, *id, *status;

      if (!gst_structure_has_name (s, "seedance-task"))
        break;
      event = gst_structure_get_string (s, "event");
      id = gst_structure_get_string (s, "task-id");
      status = gst_structure_get_string (s, "status");
      if (id && g_strcmp0 (id, item->task_id) != 0) {
        /* Journalled now, before anything else can go wrong: this ID is
         * what a rerun resumes instead of paying again. */
        g_free (item->task_id);
        item->task_id = g_strdup (id);
        json_object_set_string_member (journal_entry (rd, item->key),
            "task_id", id);
        journal_save (rd);
        g_print ("Item %u: task %s\n", item->index, id);
      }
      if (g_strcmp0 (event, "status") == 0)
        g_print ("Item %u: %s\n", item->index, status);
      if (g_strcmp0 (event, "succeeded") == 0) {
        const gchar *cache = gst_structure_get_string (s, "cache");

        g_print ("Item %u: succeeded%s%s, downloading\n", item->index,
            cache ? ", cache " : "", cache ? cache : "");
        if (item->feeds_next && !write_last_frame (item, s))
          g_printerr ("Item %u: no last frame came with the clip\n",
              item->index);
      }
      break;
    }
    case GST_MESSAGE_WARNING:{
      GError *err = NULL;

      gst_message_parse_warning (msg, &err, NULL);
      g_printerr ("Item %u: warning: %s\n", item->index, err->message);
      g_clear_error (&err);
      break;
    }
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      const GstStructure *details = NULL;
      gboolean task_gone;
      gchar *why;

      gst_message_parse_error (msg, &err, NULL);
      gst_message_parse_error_details (msg, &details);
      /* A task that ended without a video, or that the service no longer
       * knows, is of no use to a rerun: forget it so that the next run
       * creates a new one. */
      task_gone = g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_FOUND) || (details &&
          gst_structure_has_field (details, "status"));
      if (task_gone && item->task_id) {
        json_object_remove_member (journal_entry (rd, item->key), "task_id");
        g_clear_pointer (&item->task_id, g_free);
      }
      if (task_gone && item->resuming && !item->fresh_retry_done) {
        g_printerr ("Item %u: the journalled task cannot be resumed (%s); "
            "creating a new one\n", item->index, err->message);
        item->fresh_retry_done = TRUE;
        gst_element_set_state (item->pipeline, GST_STATE_NULL);
        gst_object_unref (item->pipeline);
        item->pipeline = NULL;
        rd->running--;
        g_clear_error (&err);
        if (!start_item (item, &why)) {
          item_finished (item, ITEM_FAILED, why);
          g_free (why);
        }
        return G_SOURCE_REMOVE;
      }
      why = g_strdup (err->message);
      g_clear_error (&err);
      item_finished (item, ITEM_FAILED, why);
      g_free (why);
      return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS:
      if (item->feeds_next && !g_file_test (item->last_frame,
              G_FILE_TEST_EXISTS))
        item_finished (item, ITEM_FAILED, "no last frame to chain from");
      else
        item_finished (item, ITEM_DONE, NULL);
      return G_SOURCE_REMOVE;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* FALSE with `why` when the item cannot even be started. */
static gboolean
start_item (Item * item, gchar ** why)
{
  Rundown *rd = item->rd;
  JsonObject *entry = journal_entry (rd, item->key);
  const gchar *task_id;
  GstElement *src, *sink;
  GstBus *bus;
  GError *err = NULL;
  guint i;

  item->pipeline = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("seedancesrc", NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  if (src == NULL || sink == NULL) {
    g_clear_object (&item->pipeline);
    *why = g_strdup ("the seedancesrc element is missing");
    return FALSE;
  }
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (item->pipeline), src, sink, NULL);
  gst_element_link (src, sink);

  for (i = 0; i < G_N_ELEMENTS (fields); i++) {
    if (g_str_equal (fields[i].key, "first_frame"))
      continue;
    if (!set_field (src, item->spec, i, &err)) {
      *why = g_strdup (err->message);
      g_clear_error (&err);
      gst_object_unref (item->pipeline);
      item->pipeline = NULL;
      return FALSE;
    }
  }
  if (item_first_frame (item))
    g_object_set (src, "first-frame", item_first_frame (item), NULL);
  if (item->feeds_next)
    g_object_set (src, "return-last-frame", TRUE, NULL);
  if (rd->base_url)
    g_object_set (src, "base-url", rd->base_url, NULL);
  if (rd->cache_dir)
    g_object_set (src, "cache-dir", rd->cache_dir, NULL);
  g_object_set (src, "location", item->clip, "poll-interval",
      rd->poll_interval, NULL);

  task_id = json_object_get_string_member_with_default (entry, "task_id",
      NULL);
  item->resuming = task_id != NULL && !item->fresh_retry_done;
  if (item->resuming) {
    g_print ("Item %u: resuming task %s\n", item->index, task_id);
    g_object_set (src, "task-id", task_id, NULL);
  }

  bus = gst_pipeline_get_bus (GST_PIPELINE (item->pipeline));
  gst_bus_add_watch (bus, on_item_message, item);
  gst_object_unref (bus);

  item->state = ITEM_RUNNING;
  rd->running++;
  g_print ("Item %u: %s\n", item->index, item->resuming ? "started" :
      "generating");
  /* A refusal at start (a bad value) arrives as an error on the bus. */
  gst_element_set_state (item->pipeline, GST_STATE_PLAYING);
  return TRUE;
}

static void
item_prepare (Item * item)
{
  Rundown *rd = item->rd;
  gchar *name;

  g_free (item->key);
  item->key = item_compute_key (item);
  name = g_strdup_printf ("clip-%.16s.mp4", item->key);
  g_free (item->clip);
  item->clip = g_build_filename (rd->work_dir, name, NULL);
  g_free (name);
  if (item->feeds_next) {
    name = g_strdup_printf ("clip-%.16s-last.png", item->key);
    g_free (item->last_frame);
    item->last_frame = g_build_filename (rd->work_dir, name, NULL);
    g_free (name);
  }
}

/* Starts whatever can start: items in rundown order, a chained item only
 * once the item before it is done, never more than `jobs` at a time. */
static void
schedule (Rundown * rd)
{
  guint i, left = 0;

  for (i = 0; i < rd->items->len; i++) {
    Item *item = g_ptr_array_index (rd->items, i);
    JsonObject *entry;
    gchar *why = NULL;

    if (item->state != ITEM_PENDING) {
      left += item->state == ITEM_RUNNING;
      continue;
    }
    left++;
    if (item->chain) {
      Item *prev = g_ptr_array_index (rd->items, i - 1);

      if (prev->state == ITEM_PENDING || prev->state == ITEM_RUNNING)
        continue;
      if (prev->state == ITEM_FAILED) {
        why = g_strdup_printf ("it chains from item %u, which is "
            "unavailable", prev->index);

        item_finished (item, ITEM_FAILED, why);
        g_free (why);
        return;                 /* item_finished scheduled again */
      }
    }
    if (rd->running >= rd->jobs)
      continue;

    item_prepare (item);
    entry = journal_entry (rd, item->key);
    /* The same request was delivered whole by an earlier run: nothing to
     * pay, nothing to fetch. */
    if (json_object_get_boolean_member_with_default (entry, "done", FALSE) &&
        g_file_test (item->clip, G_FILE_TEST_IS_REGULAR) &&
        (!item->feeds_next || g_file_test (item->last_frame,
                G_FILE_TEST_IS_REGULAR))) {
      g_print ("Item %u: unchanged, reusing %s\n", item->index, item->clip);
      item_finished (item, ITEM_DONE, NULL);
      return;
    }
    if (!start_item (item, &why)) {
      item_finished (item, ITEM_FAILED, why);
      g_free (why);
      return;
    }
  }
  if (left == 0 && rd->conform == NULL && !rd->interrupted)
    conform (rd);
}

/* --- phase 2: conform and mux --- */

typedef struct
{
  GstElement *video_in;         /* the head of the clip's video chain */
  GstElement *audio_in;         /* NULL: the clip has no audio */
} ClipBranch;

static GstElement *
make (GstElement * bin, const gchar * factory, const gchar * first, ...)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  va_list args;

  if (e == NULL) {
    g_printerr ("The GStreamer element %s is missing\n", factory);
    return NULL;
  }
  if (first) {
    va_start (args, first);
    g_object_set_valist (G_OBJECT (e), first, args);
    va_end (args);
  }
  gst_bin_add (GST_BIN (bin), e);
  return e;
}

static GstElement *
make_capsfilter (GstElement * bin, const gchar * caps_str)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstElement *e = make (bin, "capsfilter", "caps", caps, NULL);

  gst_caps_unref (caps);
  return e;
}

/* Links a chain of elements and its end to a new concat pad; NULL-safe so
 * that a missing element shows as one failure. */
static gboolean
link_to_concat (GstElement ** chain, guint n, GstElement * concat)
{
  GstPad *sinkpad, *srcpad;
  guint i;
  gboolean ok;

  for (i = 0; i < n; i++)
    if (chain[i] == NULL)
      return FALSE;
  for (i = 0; i + 1 < n; i++)
    if (!gst_element_link (chain[i], chain[i + 1]))
      return FALSE;
  /* Pads are requested in rundown order, which is the order concat plays
   * them in. */
  sinkpad = gst_element_request_pad_simple (concat, "sink_%u");
  srcpad = gst_element_get_static_pad (chain[n - 1], "src");
  ok = gst_pad_link (srcpad, sinkpad) == GST_PAD_LINK_OK;
  gst_object_unref (srcpad);
  gst_object_unref (sinkpad);
  return ok;
}

static void
on_decoded_pad (GstElement * decodebin, GstPad * pad, gpointer user_data)
{
  ClipBranch *branch = user_data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const gchar *name;
  GstElement *target = NULL;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  if (g_str_has_prefix (name, "video/"))
    target = branch->video_in;
  else if (g_str_has_prefix (name, "audio/"))
    target = branch->audio_in;
  gst_caps_unref (caps);

  if (target) {
    GstPad *sinkpad = gst_element_get_static_pad (target, "sink");

    if (!gst_pad_is_linked (sinkpad))
      gst_pad_link (pad, sinkpad);
    gst_object_unref (sinkpad);
  } else {
    /* A stream the programme does not carry (or a second one): drain it
     * so that it cannot stop the clip. */
    GstElement *bin = GST_ELEMENT (gst_element_get_parent (decodebin));
    GstElement *sink = make (bin, "fakesink", "sync", FALSE, NULL);
    GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");

    gst_element_sync_state_with_parent (sink);
    gst_pad_link (pad, sinkpad);
    gst_object_unref (sinkpad);
    gst_object_unref (bin);
  }
}

static gboolean
add_silence (GstElement * p, GstElement * acat, gdouble seconds)
{
  guint buffers = (guint) (seconds * OUT_FPS + 0.5);
  GstElement *chain[] = {
    make (p, "audiotestsrc", "wave", 4 /* silence */ ,
        "samplesperbuffer", SAMPLES_PER_BUFFER, "num-buffers", buffers,
        NULL),
    make_capsfilter (p, AUDIO_CAPS),
  };

  return link_to_concat (chain, G_N_ELEMENTS (chain), acat);
}

static gboolean
add_slate (GstElement * p, Item * item, GstElement * vcat, GstElement * acat)
{
  gchar *text = g_strdup_printf ("Item %u unavailable", item->index);
  GstElement *chain[] = {
    make (p, "videotestsrc", "pattern", 2 /* black */ ,
        "num-buffers", (gint) (item->length * OUT_FPS + 0.5), NULL),
    make_capsfilter (p, VIDEO_CAPS),
    make (p, "textoverlay", "text", text, "font-desc", "Sans 48",
        "valignment", 4 /* center */ , "halignment", 1 /* center */ , NULL),
  };
  gboolean ok = link_to_concat (chain, G_N_ELEMENTS (chain), vcat);

  g_free (text);
  return ok && add_silence (p, acat, item->length);
}

static gboolean
add_clip (GstElement * p, Item * item, GstDiscovererInfo * info,
    GstElement * vcat, GstElement * acat)
{
  ClipBranch *branch = g_new0 (ClipBranch, 1);
  GList *audio = gst_discoverer_info_get_audio_streams (info);
  GstElement *src, *dec;
  gdouble seconds = gst_discoverer_info_get_duration (info) /
      (gdouble) GST_SECOND;
  gboolean ok;
  GstElement *video[] = {
    make (p, "videoconvert", NULL),
    make (p, "videoscale", "add-borders", TRUE, NULL),
    make (p, "videorate", NULL),
    make_capsfilter (p, VIDEO_CAPS),
  };

  src = make (p, "filesrc", "location", item->clip, NULL);
  dec = make (p, "decodebin", NULL);
  g_object_set_data_full (G_OBJECT (dec), "branch", branch, g_free);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_decoded_pad), branch);
  ok = src && dec && gst_element_link (src, dec) &&
      link_to_concat (video, G_N_ELEMENTS (video), vcat);
  branch->video_in = video[0];

  if (audio) {
    GstElement *chain[] = {
      make (p, "audioconvert", NULL),
      make (p, "audioresample", NULL),
      make_capsfilter (p, AUDIO_CAPS),
    };

    ok = ok && link_to_concat (chain, G_N_ELEMENTS (chain), acat);
    branch->audio_in = chain[0];
  } else {
    /* Keeps the sound continuous: the next clip's audio must not start
     * before its picture. */
    ok = ok && add_silence (p, acat, seconds);
  }
  gst_discoverer_stream_info_list_free (audio);
  return ok;
}

static gboolean
on_conform_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  Rundown *rd = user_data;
  gchar *tmp = g_strconcat (rd->output, ".part", NULL);

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      gchar *debug = NULL;

      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("Conform failed: %s\n%s\n", err->message,
          debug ? debug : "");
      g_clear_error (&err);
      g_free (debug);
      g_unlink (tmp);
      rd->exit_code = EXIT_ERROR;
      g_main_loop_quit (rd->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      if (g_rename (tmp, rd->output) != 0) {
        g_printerr ("Cannot rename %s to %s: %s\n", tmp, rd->output,
            g_strerror (errno));
        rd->exit_code = EXIT_ERROR;
      } else {
        g_print ("Wrote %s\n", rd->output);
        rd->exit_code = EXIT_OK;
      }
      g_main_loop_quit (rd->loop);
      break;
    default:
      break;
  }
  g_free (tmp);
  return G_SOURCE_CONTINUE;
}

static void
conform (Rundown * rd)
{
  GstElement *p = gst_pipeline_new ("conform");
  GstElement *vcat, *acat, *mux, *sink;
  GstDiscoverer *disc;
  GstBus *bus;
  gchar *tmp = g_strconcat (rd->output, ".part", NULL);
  gboolean ok;
  guint i, slates = 0;

  rd->conform = p;
  vcat = make (p, "concat", NULL);
  acat = make (p, "concat", NULL);
  mux = make (p, "mpegtsmux", NULL);
  sink = make (p, "filesink", "location", tmp, NULL);
  {
    /* Encoded once, after the join: one continuous stream each.  concat
     * starts every item's timestamps at 0 again and moves the segment's
     * base instead, which the encoders and the muxer do not all follow:
     * identity single-segment turns that into plain running time.  A
     * keyframe every second keeps the TS quick to join mid-stream. */
    GstElement *venc[] = {
      vcat,
      make (p, "identity", "single-segment", TRUE, NULL),
      make (p, "queue", NULL),
      make (p, "x264enc", "speed-preset", 3 /* veryfast */ ,
          "key-int-max", OUT_FPS, NULL),
      make (p, "h264parse", NULL),
      make (p, "queue", "max-size-time", 3 * GST_SECOND, "max-size-bytes", 0,
          "max-size-buffers", 0, NULL),
      mux,
    };
    GstElement *aenc[] = {
      acat,
      make (p, "identity", "single-segment", TRUE, NULL),
      make (p, "queue", NULL),
      make (p, "audioconvert", NULL),
      make (p, "avenc_aac", NULL),
      make (p, "aacparse", NULL),
      make (p, "queue", "max-size-time", 3 * GST_SECOND, "max-size-bytes", 0,
          "max-size-buffers", 0, NULL),
      mux,
    };

    ok = sink != NULL;
    for (i = 0; i < G_N_ELEMENTS (venc); i++)
      ok = ok && venc[i] != NULL;
    for (i = 0; i < G_N_ELEMENTS (aenc); i++)
      ok = ok && aenc[i] != NULL;
    for (i = 0; ok && i + 1 < G_N_ELEMENTS (venc); i++)
      ok = gst_element_link (venc[i], venc[i + 1]);
    for (i = 0; ok && i + 1 < G_N_ELEMENTS (aenc); i++)
      ok = gst_element_link (aenc[i], aenc[i + 1]);
    ok = ok && gst_element_link (mux, sink);
  }

  disc = gst_discoverer_new (30 * GST_SECOND, NULL);
  for (i = 0; ok && i < rd->items->len; i++) {
    Item *item = g_ptr_array_index (rd->items, i);
    GstDiscovererInfo *info = NULL;

    if (item->state == ITEM_DONE && disc) {
      gchar *uri = gst_filename_to_uri (item->clip, NULL);
      GList *video;

      info = gst_discoverer_discover_uri (disc, uri, NULL);
      g_free (uri);
      video = info ? gst_discoverer_info_get_video_streams (info) : NULL;
      if (info && (gst_discoverer_info_get_result (info) !=
              GST_DISCOVERER_OK || video == NULL)) {
        g_clear_object (&info);
      }
      gst_discoverer_stream_info_list_free (video);
      if (info == NULL)
        g_printerr ("Item %u: the clip %s cannot be decoded; it becomes a "
            "slate\n", item->index, item->clip);
    }
    if (info) {
      ok = add_clip (p, item, info, vcat, acat);
      g_object_unref (info);
    } else {
      ok = add_slate (p, item, vcat, acat);
      slates++;
    }
  }
  g_clear_object (&disc);
  g_free (tmp);

  if (!ok) {
    g_printerr ("Cannot build the conform pipeline\n");
    rd->exit_code = EXIT_ERROR;
    g_main_loop_quit (rd->loop);
    return;
  }
  g_print ("Conforming %u items (%u slates) into %s\n", rd->items->len,
      slates, rd->output);
  bus = gst_pipeline_get_bus (GST_PIPELINE (p));
  gst_bus_add_watch (bus, on_conform_message, rd);
  gst_object_unref (bus);
  gst_element_set_state (p, GST_STATE_PLAYING);
}

/* --- setup --- */

static gdouble
spec_length (JsonObject * spec)
{
  gint64 duration = json_object_get_int_member_with_default (spec,
      "duration", 0);
  gint64 frames = json_object_get_int_member_with_default (spec, "frames",
      0);

  /* A slate stands in for the item as it was asked for, so the programme
   * keeps its timing even where the request was refused. */
  if (duration > 0 && duration <= 60)
    return duration;
  if (frames > 0 && frames <= 60 * SEEDANCE_FPS)
    return frames / SEEDANCE_FPS;
  return DEFAULT_LENGTH_S;
}

static gboolean
load_rundown (Rundown * rd, const gchar * path, GError ** error)
{
  JsonParser *parser = json_parser_new ();
  JsonNode *root, *items_node = NULL;
  JsonArray *items;
  guint i;

  if (!json_parser_load_from_file (parser, path, error)) {
    g_object_unref (parser);
    return FALSE;
  }
  root = json_parser_get_root (parser);
  if (root && JSON_NODE_HOLDS_OBJECT (root))
    items_node = json_object_get_member (json_node_get_object (root),
        "items");
  if (items_node == NULL || !JSON_NODE_HOLDS_ARRAY (items_node) ||
      json_array_get_length (json_node_get_array (items_node)) == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "%s: expected {\"items\": [ {...}, ... ]} with at least one item",
        path);
    g_object_unref (parser);
    return FALSE;
  }
  items = json_node_get_array (items_node);
  for (i = 0; i < json_array_get_length (items); i++) {
    JsonNode *n = json_array_get_element (items, i);
    Item *item = g_new0 (Item, 1);
    GList *members, *l;

    item->rd = rd;
    item->index = i + 1;
    item->spec = JSON_NODE_HOLDS_OBJECT (n) ?
        json_object_ref (json_node_get_object (n)) : json_object_new ();
    item->chain = json_object_get_boolean_member_with_default (item->spec,
        "chain", FALSE);
    if (item->chain && i == 0) {
      g_printerr ("Item 1: \"chain\" ignored (there is no item before "
          "it)\n");
      item->chain = FALSE;
    }
    if (item->chain && json_object_has_member (item->spec, "first_frame"))
      g_printerr ("Item %u: \"first_frame\" ignored, the item is chained\n",
          item->index);
    item->length = spec_length (item->spec);
    members = json_object_get_members (item->spec);
    for (l = members; l; l = l->next) {
      gboolean known = g_str_equal (l->data, "chain");
      guint f;

      for (f = 0; f < G_N_ELEMENTS (fields); f++)
        known = known || g_str_equal (l->data, fields[f].key);
      if (!known)
        g_printerr ("Item %u: unknown field \"%s\" ignored\n", item->index,
            (const gchar *) l->data);
    }
    g_list_free (members);
    g_ptr_array_add (rd->items, item);
    if (item->chain) {
      Item *prev = g_ptr_array_index (rd->items, i - 1);

      prev->feeds_next = TRUE;
    }
  }
  g_object_unref (parser);
  return TRUE;
}

static void
item_free (gpointer data)
{
  Item *item = data;

  if (item->pipeline) {
    gst_element_set_state (item->pipeline, GST_STATE_NULL);
    gst_object_unref (item->pipeline);
  }
  json_object_unref (item->spec);
  g_free (item->key);
  g_free (item->clip);
  g_free (item->last_frame);
  g_free (item->task_id);
  g_free (item);
}

static gboolean
on_interrupt (gpointer user_data)
{
  Rundown *rd = user_data;
  guint i;

  rd->interrupted = TRUE;
  if (rd->conform)
    gst_element_set_state (rd->conform, GST_STATE_NULL);
  for (i = 0; i < rd->items->len; i++) {
    Item *item = g_ptr_array_index (rd->items, i);

    if (item->pipeline)
      gst_element_set_state (item->pipeline, GST_STATE_NULL);
  }
  journal_save (rd);
  g_printerr ("Interrupted.  The tasks are journalled in %s: run the same "
      "command again to resume them without paying twice.\n",
      rd->tasks_path);
  rd->exit_code = EXIT_INTERRUPTED;
  g_main_loop_quit (rd->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
element_has_property (const gchar * factory, const gchar * name)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  gboolean has;

  if (e == NULL)
    return FALSE;
  has = g_object_class_find_property (G_OBJECT_GET_CLASS (e), name) != NULL;
  gst_object_unref (e);
  return has;
}

int
main (int argc, char **argv)
{
  gchar *output = NULL, *base_url = NULL, **rest = NULL;
  gint jobs = 2, poll_interval = 2000;
  GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "The MPEG-TS programme to write", "PROGRAMME.ts"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
        "Generate at most N clips at a time (default 2)", "N"},
    {"poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_interval,
        "Milliseconds between two queries of a task (default 2000)", "MS"},
    {"base-url", 0, 0, G_OPTION_ARG_STRING, &base_url,
        "The API root (default: SEEDANCE_BASE_URL, else the public one)",
        "URL"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL,
        NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  Rundown rd = { 0 };
  guint sigint_id, sigterm_id;

  ctx = g_option_context_new ("RUNDOWN.json - generate a programme");
  g_option_context_set_summary (ctx,
      "The API key is read from SEEDANCE_API_KEY (or ARK_API_KEY).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\nTry --help.\n", err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return EXIT_USAGE;
  }
  g_option_context_free (ctx);
  if (rest == NULL || g_strv_length (rest) != 1 || output == NULL ||
      jobs < 1 || poll_interval < 100) {
    g_printerr ("Usage: seedance-rundown RUNDOWN.json -o PROGRAMME.ts "
        "[--jobs N] [--poll-interval MS]\n");
    return EXIT_USAGE;
  }

  rd.loop = g_main_loop_new (NULL, FALSE);
  rd.items = g_ptr_array_new_with_free_func (item_free);
  rd.jobs = jobs;
  rd.poll_interval = poll_interval;
  rd.base_url = base_url;
  rd.output = output;
  rd.work_dir = g_strconcat (output, ".work", NULL);
  rd.tasks_path = g_strconcat (output, ".tasks.json", NULL);
  rd.exit_code = EXIT_ERROR;

  if (!element_has_property ("seedancesrc", "prompt")) {
    g_printerr ("The seedancesrc element is not installed (set "
        "GST_PLUGIN_PATH to the plugin's directory).\n");
    return EXIT_ERROR;
  }
  /* Without a cache the journal alone avoids paying twice. */
  if (element_has_property ("seedancesrc", "cache-dir"))
    rd.cache_dir = g_strconcat (output, ".cache", NULL);
  else
    g_printerr ("This seedancesrc has no cache-dir: relying on %s alone\n",
        rd.tasks_path);

  if (!load_rundown (&rd, rest[0], &err)) {
    g_printerr ("%s\n", err->message);
    g_clear_error (&err);
    return EXIT_ERROR;
  }
  if (g_mkdir_with_parents (rd.work_dir, 0755) != 0) {
    g_printerr ("Cannot create %s: %s\n", rd.work_dir, g_strerror (errno));
    return EXIT_ERROR;
  }
  journal_load (&rd);

  sigint_id = g_unix_signal_add (SIGINT, on_interrupt, &rd);
  sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt, &rd);
  schedule (&rd);
  g_main_loop_run (rd.loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  if (rd.conform) {
    gst_element_set_state (rd.conform, GST_STATE_NULL);
    gst_object_unref (rd.conform);
  }
  g_ptr_array_unref (rd.items);
  json_object_unref (rd.journal);
  g_main_loop_unref (rd.loop);
  g_free (rd.work_dir);
  g_free (rd.cache_dir);
  g_free (rd.tasks_path);
  g_free (output);
  g_free (base_url);
  g_strfreev (rest);
  return rd.exit_code;
}
