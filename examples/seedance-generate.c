/* seedance-generate: generate one video with the seedancesrc element.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 *   seedance-generate [OPTIONS] -o OUT.mp4 "PROMPT"
 *   seedance-generate --resume TASK_ID -o OUT.mp4
 *   seedance-generate --cancel TASK_ID
 *   seedance-generate --dry-run [OPTIONS] "PROMPT"
 *
 * The pipeline is `seedancesrc location=OUT ! fakesink sync=false`: the
 * element keeps the MP4 exactly as the service delivered it (written under
 * a temporary name and renamed once whole), so nothing is re-encoded.
 * Everything the program shows comes from the element's bus messages.
 *
 * The API key is read by the element from SEEDANCE_API_KEY (or ARK_API_KEY);
 * there is deliberately no option for it, because a command line ends up in
 * shell histories and process lists.
 *
 * Exit codes: 0 success, 1 error, 2 usage, 130 interrupted.
 */

#include <gst/gst.h>
#include <gst/video/video.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define EXIT_OK 0
#define EXIT_ERROR 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

/* An integer option that was not given keeps the element's default. */
#define UNSET_INT G_MININT
#define UNSET_INT64 G_MININT64

/* In --cancel mode the element only has to see the task once and then
 * notice the cancellation, so it polls quickly unless told otherwise. */
#define CANCEL_POLL_INTERVAL_MS 500

typedef struct
{
  gchar *output;
  gchar *model;
  gint duration;
  gint frames;
  gchar *resolution;
  gchar *ratio;
  gint64 seed;
  gboolean generate_audio;
  gboolean watermark;
  gboolean return_last_frame;
  gchar *service_tier;
  gint64 execution_expires_after;
  gchar *first_frame;
  gchar *last_frame;
  gchar **reference_images;
  gchar **reference_videos;
  gchar **reference_audios;
  gchar *draft_task_id;
  gint priority;
  gchar *callback_url;
  gchar *safety_identifier;
  gint poll_interval;
  gint timeout;
  gchar *base_url;
  gchar *resume;
  gchar *cache_dir;
  gboolean dry_run;
  gchar *cancel;
  gchar *last_frame_out;
  gchar **rest;
} Options;

typedef struct
{
  const Options *opt;
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *src;
  gint exit_code;

  /* What the messages told us so far. */
  gchar *task_id;
  gchar *status;
  gchar *cache;
  gdouble elapsed;              /* the last message's elapsed field */
  gint64 elapsed_at;            /* when that message arrived (monotonic) */
  gboolean downloading;

  /* --cancel */
  gboolean cancel_sent;

  gboolean line_drawn;          /* the progress line is on the terminal */
} App;

/* The shell form of an argument: left alone when it is plain, quoted
 * otherwise, so that printed commands can be pasted back. */
static gchar *
shell_arg (const gchar * arg)
{
  const gchar *p;

  for (p = arg; *p; p++) {
    if (!g_ascii_isalnum (*p) && strchr ("-_./:=+,@%", *p) == NULL)
      return g_shell_quote (arg);
  }
  return *arg ? g_strdup (arg) : g_shell_quote (arg);
}

static void
clear_line (App * app)
{
  if (app->line_drawn) {
    g_printerr ("\r%-78s\r", "");
    app->line_drawn = FALSE;
  }
}

static void
draw_progress (App * app)
{
  GString *line = g_string_new (NULL);
  gdouble elapsed = app->elapsed;

  /* The element reports elapsed time only when something happens; between
   * two messages the line keeps counting from the last report. */
  if (app->elapsed_at > 0)
    elapsed += (g_get_monotonic_time () - app->elapsed_at) / 1e6;

  g_string_append_printf (line, "%s  %s  %.0f s",
      app->task_id ? app->task_id : "creating task",
      app->downloading ? "downloading" : (app->status ? app->status :
          "starting"), elapsed);

  if (app->downloading) {
    GstPad *pad = gst_element_get_static_pad (app->src, "src");
    gint64 pos = -1, dur = -1;

    if (gst_pad_query_position (pad, GST_FORMAT_BYTES, &pos) &&
        gst_pad_query_duration (pad, GST_FORMAT_BYTES, &dur) && dur > 0)
      g_string_append_printf (line, "  %3.0f%% of %.1f MB",
          100.0 * MIN (pos, dur) / dur, dur / 1e6);
    gst_object_unref (pad);
  }

  g_printerr ("\r%-78s", line->str);
  app->line_drawn = TRUE;
  g_string_free (line, TRUE);
}

static gboolean
on_tick (gpointer user_data)
{
  App *app = user_data;

  /* Redrawn in place on a terminal only; a log file gets a line per
   * message, not four a second. */
  if (app->opt->dry_run || !isatty (STDERR_FILENO))
    return G_SOURCE_CONTINUE;
  draw_progress (app);
  return G_SOURCE_CONTINUE;
}

static void
print_resume_hints (App * app)
{
  const Options *opt = app->opt;
  gchar *id, *out;

  if (app->task_id == NULL) {
    g_printerr ("No task ID was received yet, so there is nothing to "
        "resume.\n");
    return;
  }
  id = shell_arg (app->task_id);
  out = shell_arg (opt->output ? opt->output : "OUT.mp4");
  g_printerr ("Task ID: %s\n", app->task_id);
  g_printerr ("Resume it with:\n  seedance-generate --resume %s -o %s", id,
      out);
  if (opt->base_url) {
    gchar *url = shell_arg (opt->base_url);

    g_printerr (" --base-url %s", url);
    g_free (url);
  }
  g_printerr ("\n");
  if (g_strcmp0 (app->status, "queued") == 0) {
    g_printerr ("The task is still queued on the service.  Cancel it "
        "with:\n  seedance-generate --cancel %s\n", id);
  }
  g_free (id);
  g_free (out);
}

/* Ctrl-C: stop now.  The task goes on (or waits) on the service, so the
 * user gets what is needed to pick it up again, or to stop paying for it. */
static gboolean
on_interrupt (gpointer user_data)
{
  App *app = user_data;

  gst_element_set_state (app->pipeline, GST_STATE_NULL);
  clear_line (app);
  g_printerr ("Interrupted.\n");
  if (!app->opt->cancel && !app->opt->dry_run)
    print_resume_hints (app);
  app->exit_code = EXIT_INTERRUPTED;
  g_main_loop_quit (app->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
write_last_frame (App * app, GstSample * sample)
{
  const gchar *path = app->opt->last_frame_out;
  GstCaps *caps = gst_sample_get_caps (sample);
  GstSample *png = NULL;
  GstBuffer *buf;
  GstMapInfo map;
  GError *err = NULL;
  gboolean ok;

  /* The service sends a PNG; anything else is converted so that the file
   * is what its name promises. */
  if (caps && gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "image/png")) {
    png = gst_sample_ref (sample);
  } else {
    GstCaps *to = gst_caps_new_empty_simple ("image/png");

    png = gst_video_convert_sample (sample, to, 10 * GST_SECOND, &err);
    gst_caps_unref (to);
    if (png == NULL) {
      g_printerr ("Cannot convert the last frame to PNG: %s\n",
          err->message);
      g_clear_error (&err);
      return FALSE;
    }
  }

  buf = gst_sample_get_buffer (png);
  gst_buffer_map (buf, &map, GST_MAP_READ);
  ok = g_file_set_contents (path, (const gchar *) map.data, map.size, &err);
  gst_buffer_unmap (buf, &map);
  gst_sample_unref (png);
  if (!ok) {
    g_printerr ("Cannot write the last frame: %s\n", err->message);
    g_clear_error (&err);
  }
  return ok;
}

static void
handle_task_message (App * app, const GstStructure * s)
{
  const gchar *event = gst_structure_get_string (s, "event");
  const gchar *id = gst_structure_get_string (s, "task-id");
  const gchar *status = gst_structure_get_string (s, "status");
  const GValue *v;

  if (id && g_strcmp0 (id, app->task_id) != 0) {
    g_free (app->task_id);
    app->task_id = g_strdup (id);
  }
  if (status) {
    g_free (app->status);
    app->status = g_strdup (status);
  }
  if (gst_structure_get_double (s, "elapsed", &app->elapsed))
    app->elapsed_at = g_get_monotonic_time ();

  if (g_strcmp0 (event, "status") == 0 && app->opt->cancel &&
      !app->cancel_sent) {
    /* The element has now seen the task and knows its status: only now
     * can it tell a queued task (cancellable) from a running one. */
    app->cancel_sent = TRUE;
    g_signal_emit_by_name (app->src, "cancel");
    return;
  }

  if (g_strcmp0 (event, "succeeded") == 0) {
    const gchar *cache = gst_structure_get_string (s, "cache");

    if (cache) {
      g_free (app->cache);
      app->cache = g_strdup (cache);
    }
    if (app->opt->cancel) {
      clear_line (app);
      g_printerr ("Task %s has already succeeded: nothing to cancel.\n",
          app->task_id);
      app->exit_code = EXIT_ERROR;
      g_main_loop_quit (app->loop);
      return;
    }
    app->downloading = TRUE;
    if (app->opt->last_frame_out) {
      v = gst_structure_get_value (s, "last-frame");
      if (v && GST_VALUE_HOLDS_SAMPLE (v)) {
        if (!write_last_frame (app, gst_value_get_sample (v)))
          app->exit_code = EXIT_ERROR;
      } else {
        clear_line (app);
        g_printerr ("Warning: the service sent no last frame image.\n");
        app->exit_code = EXIT_ERROR;
      }
    }
  }
  draw_progress (app);
}

static void
handle_dry_run (App * app, const GstStructure * s)
{
  const gchar *body = gst_structure_get_string (s, "body");
  JsonParser *parser = json_parser_new ();
  GError *err = NULL;

  g_print ("endpoint:  %s\n", gst_structure_get_string (s, "endpoint"));
  g_print ("cache-key: %s\n", gst_structure_get_string (s, "cache-key"));
  g_print ("cache:     %s\n", gst_structure_get_string (s, "cache"));
  if (body && json_parser_load_from_data (parser, body, -1, &err)) {
    JsonGenerator *gen = json_generator_new ();
    gchar *pretty;

    json_generator_set_root (gen, json_parser_get_root (parser));
    json_generator_set_pretty (gen, TRUE);
    json_generator_set_indent (gen, 2);
    pretty = json_generator_to_data (gen, NULL);
    g_print ("body:\n%s\n", pretty);
    g_free (pretty);
    g_object_unref (gen);
  } else {
    /* Show it as it is: the element is the authority on the body. */
    g_print ("body:\n%s\n", body ? body : "(none)");
    g_clear_error (&err);
  }
  g_object_unref (parser);
}

static void
handle_error (App * app, GstMessage * msg)
{
  GError *err = NULL;
  gchar *debug = NULL;
  const GstStructure *details = NULL;
  const gchar *code = NULL, *status = NULL;

  gst_message_parse_error (msg, &err, &debug);
  gst_message_parse_error_details (msg, &details);
  if (details) {
    code = gst_structure_get_string (details, "code");
    status = gst_structure_get_string (details, "status");
  }
  clear_line (app);

  if (app->opt->cancel && app->cancel_sent &&
      g_strcmp0 (status, "cancelled") == 0) {
    /* This is what --cancel asked for. */
    g_print ("Task %s was cancelled.\n", app->task_id);
    app->exit_code = EXIT_OK;
  } else {
    g_printerr ("Error: %s\n", err->message);
    if (code)
      g_printerr ("Code: %s\n", code);
    if (g_getenv ("SEEDANCE_GENERATE_DEBUG") && debug)
      g_printerr ("Debug: %s\n", debug);
    if (g_error_matches (err, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_NOT_AUTHORIZED))
      g_printerr ("Set SEEDANCE_API_KEY in the environment.\n");
    app->exit_code = EXIT_ERROR;
  }
  g_clear_error (&err);
  g_free (debug);
  g_main_loop_quit (app->loop);
}

static gboolean
on_bus_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  App *app = user_data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (msg);

      if (gst_structure_has_name (s, "seedance-task"))
        handle_task_message (app, s);
      else if (gst_structure_has_name (s, "seedance-dry-run"))
        handle_dry_run (app, s);
      break;
    }
    case GST_MESSAGE_WARNING:{
      GError *err = NULL;

      gst_message_parse_warning (msg, &err, NULL);
      clear_line (app);
      if (app->opt->cancel && app->cancel_sent) {
        /* The element carries on after this warning (the task is running
         * or could not be cancelled), but --cancel has nothing more to do:
         * waiting for the video is not what was asked. */
        g_printerr ("Not cancelled: %s\n", err->message);
        app->exit_code = EXIT_ERROR;
        g_main_loop_quit (app->loop);
      } else {
        g_printerr ("Warning: %s\n", err->message);
      }
      g_clear_error (&err);
      break;
    }
    case GST_MESSAGE_ERROR:
      handle_error (app, msg);
      break;
    case GST_MESSAGE_EOS:
      clear_line (app);
      if (app->opt->cancel) {
        g_printerr ("Task %s finished before it could be cancelled.\n",
            app->task_id);
        app->exit_code = EXIT_ERROR;
      } else if (!app->opt->dry_run) {
        g_print ("%s: task %s%s%s\n", app->opt->output, app->task_id,
            app->cache ? ", cache " : "", app->cache ? app->cache : "");
        if (app->opt->last_frame_out && app->exit_code == EXIT_OK)
          g_print ("%s: last frame\n", app->opt->last_frame_out);
      }
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static void
set_string_array (GstElement * src, const gchar * name, gchar ** values)
{
  GValue array = G_VALUE_INIT;
  gchar **v;

  gst_value_array_init (&array, g_strv_length (values));
  for (v = values; *v; v++) {
    GValue item = G_VALUE_INIT;

    g_value_init (&item, G_TYPE_STRING);
    g_value_set_string (&item, *v);
    gst_value_array_append_and_take_value (&array, &item);
  }
  g_object_set_property (G_OBJECT (src), name, &array);
  g_value_unset (&array);
}

static gboolean
has_property (GstElement * src, const gchar * name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (src), name) !=
      NULL;
}

/* Sets what the user asked for and nothing else, so that the element's
 * defaults (and its validation) stay the authority. */
static gboolean
configure_source (GstElement * src, const Options * opt, const gchar * prompt)
{
  if (opt->cache_dir) {
    if (!has_property (src, "cache-dir")) {
      g_printerr ("This seedancesrc has no cache-dir property; update "
          "the plugin.\n");
      return FALSE;
    }
    g_object_set (src, "cache-dir", opt->cache_dir, NULL);
  }
  if (opt->dry_run) {
    if (!has_property (src, "dry-run")) {
      g_printerr ("This seedancesrc has no dry-run property; update the "
          "plugin.\n");
      return FALSE;
    }
    g_object_set (src, "dry-run", TRUE, NULL);
  }

  if (opt->cancel) {
    g_object_set (src, "task-id", opt->cancel, "poll-interval",
        opt->poll_interval != UNSET_INT ? (guint) opt->poll_interval :
        CANCEL_POLL_INTERVAL_MS, NULL);
    if (opt->base_url)
      g_object_set (src, "base-url", opt->base_url, NULL);
    return TRUE;
  }

  if (opt->resume)
    g_object_set (src, "task-id", opt->resume, NULL);
  if (prompt)
    g_object_set (src, "prompt", prompt, NULL);
  if (opt->model)
    g_object_set (src, "model", opt->model, NULL);
  if (opt->duration != UNSET_INT)
    g_object_set (src, "duration", opt->duration, NULL);
  if (opt->frames != UNSET_INT)
    g_object_set (src, "frames", opt->frames, NULL);
  if (opt->resolution)
    g_object_set (src, "resolution", opt->resolution, NULL);
  if (opt->ratio)
    g_object_set (src, "ratio", opt->ratio, NULL);
  if (opt->seed != UNSET_INT64)
    g_object_set (src, "seed", opt->seed, NULL);
  if (opt->generate_audio)
    g_object_set (src, "generate-audio", TRUE, NULL);
  if (opt->watermark)
    g_object_set (src, "watermark", TRUE, NULL);
  if (opt->return_last_frame || opt->last_frame_out)
    g_object_set (src, "return-last-frame", TRUE, NULL);
  if (opt->service_tier)
    g_object_set (src, "service-tier", opt->service_tier, NULL);
  if (opt->execution_expires_after != UNSET_INT64)
    g_object_set (src, "execution-expires-after",
        opt->execution_expires_after, NULL);
  if (opt->first_frame)
    g_object_set (src, "first-frame", opt->first_frame, NULL);
  if (opt->last_frame)
    g_object_set (src, "last-frame", opt->last_frame, NULL);
  if (opt->reference_images)
    set_string_array (src, "reference-images", opt->reference_images);
  if (opt->reference_videos)
    set_string_array (src, "reference-videos", opt->reference_videos);
  if (opt->reference_audios)
    set_string_array (src, "reference-audios", opt->reference_audios);
  if (opt->draft_task_id)
    g_object_set (src, "draft-task-id", opt->draft_task_id, NULL);
  if (opt->priority != UNSET_INT)
    g_object_set (src, "priority", opt->priority, NULL);
  if (opt->callback_url)
    g_object_set (src, "callback-url", opt->callback_url, NULL);
  if (opt->safety_identifier)
    g_object_set (src, "safety-identifier", opt->safety_identifier, NULL);
  if (opt->poll_interval != UNSET_INT)
    g_object_set (src, "poll-interval", (guint) opt->poll_interval, NULL);
  if (opt->timeout != UNSET_INT)
    g_object_set (src, "timeout", (guint) opt->timeout, NULL);
  if (opt->base_url)
    g_object_set (src, "base-url", opt->base_url, NULL);
  if (opt->output && !opt->dry_run)
    g_object_set (src, "location", opt->output, NULL);
  return TRUE;
}

static gint
check_usage (const Options * opt, const gchar ** prompt)
{
  guint n_rest = opt->rest ? g_strv_length (opt->rest) : 0;
  gboolean has_media = opt->first_frame || opt->reference_images ||
      opt->reference_videos || opt->reference_audios || opt->draft_task_id;

  *prompt = n_rest == 1 ? opt->rest[0] : NULL;
  if (n_rest > 1) {
    g_printerr ("Give the prompt as one argument (in quotes).\n");
    return EXIT_USAGE;
  }
  if (opt->cancel && (opt->resume || opt->dry_run || *prompt)) {
    g_printerr ("--cancel takes a task ID and nothing to generate.\n");
    return EXIT_USAGE;
  }
  if (opt->resume && opt->dry_run) {
    g_printerr ("--dry-run describes a new request; it cannot resume.\n");
    return EXIT_USAGE;
  }
  if (!opt->cancel && !opt->resume && !*prompt && !has_media) {
    g_printerr ("Nothing to generate: give a PROMPT, media or "
        "--draft-task-id.\n");
    return EXIT_USAGE;
  }
  if (!opt->cancel && !opt->dry_run && !opt->output) {
    g_printerr ("Say where the video goes with -o OUT.mp4.\n");
    return EXIT_USAGE;
  }
  if (opt->poll_interval != UNSET_INT && opt->poll_interval < 100) {
    g_printerr ("--poll-interval is in milliseconds, at least 100.\n");
    return EXIT_USAGE;
  }
  if (opt->timeout != UNSET_INT && opt->timeout < 0) {
    g_printerr ("--timeout is in seconds, 0 or more.\n");
    return EXIT_USAGE;
  }
  return EXIT_OK;
}

int
main (int argc, char **argv)
{
  Options opt = {
    .duration = UNSET_INT,.frames = UNSET_INT,.seed = UNSET_INT64,
    .execution_expires_after = UNSET_INT64,.priority = UNSET_INT,
    .poll_interval = UNSET_INT,.timeout = UNSET_INT,
  };
  GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output,
        "Where the MP4 goes (written whole, then renamed)", "OUT.mp4"},
    {"model", 0, 0, G_OPTION_ARG_STRING, &opt.model,
        "doubao-seedance-2.0 (default) or doubao-seedance-2-fast", "MODEL"},
    {"duration", 0, 0, G_OPTION_ARG_INT, &opt.duration,
        "Length in seconds, 5 to 15 (default 5)", "S"},
    {"frames", 0, 0, G_OPTION_ARG_INT, &opt.frames,
        "Length in frames, instead of --duration", "N"},
    {"resolution", 0, 0, G_OPTION_ARG_STRING, &opt.resolution,
        "480p, 720p (default) or 1080p", "RES"},
    {"ratio", 0, 0, G_OPTION_ARG_STRING, &opt.ratio,
        "16:9 (default), 9:16 or 1:1", "RATIO"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &opt.seed,
        "Random seed, 0 to 4294967295 (default: random)", "N"},
    {"generate-audio", 0, 0, G_OPTION_ARG_NONE, &opt.generate_audio,
        "Generate a synchronized audio track", NULL},
    {"watermark", 0, 0, G_OPTION_ARG_NONE, &opt.watermark,
        "Add the AI-generated watermark", NULL},
    {"return-last-frame", 0, 0, G_OPTION_ARG_NONE, &opt.return_last_frame,
        "Ask the service for the last frame as an image", NULL},
    {"service-tier", 0, 0, G_OPTION_ARG_STRING, &opt.service_tier,
        "default or flex", "TIER"},
    {"execution-expires-after", 0, 0, G_OPTION_ARG_INT64,
          &opt.execution_expires_after,
        "Task timeout on the service, in seconds", "S"},
    {"first-frame", 0, 0, G_OPTION_ARG_STRING, &opt.first_frame,
        "Image-to-video: the first frame (path, URL, asset://, data:)",
        "IMAGE"},
    {"last-frame", 0, 0, G_OPTION_ARG_STRING, &opt.last_frame,
        "The last frame (needs --first-frame)", "IMAGE"},
    {"reference-image", 0, 0, G_OPTION_ARG_STRING_ARRAY,
          &opt.reference_images,
        "A reference image (repeat for more, up to 9)", "IMAGE"},
    {"reference-video", 0, 0, G_OPTION_ARG_STRING_ARRAY,
          &opt.reference_videos,
        "A reference video URL or asset:// (repeat, up to 3)", "URL"},
    {"reference-audio", 0, 0, G_OPTION_ARG_STRING_ARRAY,
          &opt.reference_audios,
        "A reference audio clip (repeat, up to 3)", "AUDIO"},
    {"draft-task-id", 0, 0, G_OPTION_ARG_STRING, &opt.draft_task_id,
        "Make the final video from this draft task", "ID"},
    {"priority", 0, 0, G_OPTION_ARG_INT, &opt.priority,
        "Task priority, 0 to 9", "N"},
    {"callback-url", 0, 0, G_OPTION_ARG_STRING, &opt.callback_url,
        "An http(s) URL the service notifies at each status", "URL"},
    {"safety-identifier", 0, 0, G_OPTION_ARG_STRING, &opt.safety_identifier,
        "A stable ID of the end user (at most 64 characters)", "ID"},
    {"poll-interval", 0, 0, G_OPTION_ARG_INT, &opt.poll_interval,
        "Milliseconds between two queries of the task (default 5000)", "MS"},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &opt.timeout,
        "Seconds to wait for the task (default 0: no limit)", "S"},
    {"base-url", 0, 0, G_OPTION_ARG_STRING, &opt.base_url,
        "The API root (default: SEEDANCE_BASE_URL, else the public one)",
        "URL"},
    {"resume", 0, 0, G_OPTION_ARG_STRING, &opt.resume,
        "Resume this task instead of creating one", "TASK_ID"},
    {"cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt.cache_dir,
        "Clip cache and task journal: the same request is paid once", "DIR"},
    {"dry-run", 0, 0, G_OPTION_ARG_NONE, &opt.dry_run,
        "Validate and print the request; send nothing", NULL},
    {"cancel", 0, 0, G_OPTION_ARG_STRING, &opt.cancel,
        "Cancel this queued task, then stop", "TASK_ID"},
    {"last-frame-out", 0, 0, G_OPTION_ARG_FILENAME, &opt.last_frame_out,
        "Write the video's last frame to this PNG", "FILE"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.rest, NULL,
        NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  const gchar *prompt = NULL;
  App app = { 0 };
  GstBus *bus;
  GstElement *sink;
  GstStateChangeReturn ret;
  guint sigint_id, sigterm_id, tick_id;
  gint code;

  ctx = g_option_context_new ("\"PROMPT\" - generate a video with Seedance");
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

  code = check_usage (&opt, &prompt);
  if (code != EXIT_OK)
    return code;

  app.opt = &opt;
  app.exit_code = EXIT_OK;
  app.loop = g_main_loop_new (NULL, FALSE);
  app.pipeline = gst_pipeline_new ("seedance-generate");
  app.src = gst_element_factory_make ("seedancesrc", "src");
  sink = gst_element_factory_make ("fakesink", "sink");
  if (app.src == NULL || sink == NULL) {
    g_printerr ("The seedancesrc element is not installed (set "
        "GST_PLUGIN_PATH to the plugin's directory).\n");
    return EXIT_ERROR;
  }
  /* The element writes the file itself; the sink only drains the stream,
   * as fast as it comes. */
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (app.pipeline), app.src, sink, NULL);
  gst_element_link (app.src, sink);

  if (!configure_source (app.src, &opt, prompt)) {
    gst_object_unref (app.pipeline);
    return EXIT_ERROR;
  }
  if (opt.resume)
    app.task_id = g_strdup (opt.resume);
  else if (opt.cancel)
    app.task_id = g_strdup (opt.cancel);

  bus = gst_pipeline_get_bus (GST_PIPELINE (app.pipeline));
  gst_bus_add_watch (bus, on_bus_message, &app);
  sigint_id = g_unix_signal_add (SIGINT, on_interrupt, &app);
  sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt, &app);
  tick_id = g_timeout_add (250, on_tick, &app);

  ret = gst_element_set_state (app.pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    /* The reason is on the bus as an error message: show it. */
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    if (msg) {
      handle_error (&app, msg);
      gst_message_unref (msg);
    } else {
      g_printerr ("Error: the pipeline could not start.\n");
    }
    app.exit_code = EXIT_ERROR;
  } else {
    g_main_loop_run (app.loop);
  }

  g_source_remove (tick_id);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  clear_line (&app);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  g_free (app.task_id);
  g_free (app.status);
  g_free (app.cache);
  return app.exit_code;
}
