/* GStreamer Seedance video generation source
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-seedancesrc
 * @title: seedancesrc
 *
 * seedancesrc generates a video from a text prompt (and optional reference
 * images, videos and audio) with the Seedance video API: it creates a
 * generation task, polls it in its streaming thread, then downloads the
 * generated MP4 and pushes it downstream as `video/quicktime`.  The output
 * is byte-seekable once the download has started, like souphttpsrc.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 seedancesrc prompt="A cat stretching in the morning sun" \
 *     ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! autovideosink
 * ]|
 *
 * The API key comes from #GstSeedanceSrc:api-key, else the environment
 * variable SEEDANCE_API_KEY, else ARK_API_KEY.
 */

/* Thread-safety and locks:
 * - GST_OBJECT_LOCK (self) guards `settings` (written by set_property,
 *   copied whole by start()), the read-only reports (`task_id`, `status`,
 *   `video_url`, …), `size` (read by queries from any thread) and `uri`.
 *   It is never held across I/O or while posting a message.
 * - `cancellable` is the one cancellation path: unlock() cancels it,
 *   unlock_stop() resets it, and every wait of the streaming thread (poll
 *   interval, backoff, every transfer) watches it.
 * - `run` belongs to the streaming thread.  start() and stop() touch it
 *   only while that thread is not running, as GstBaseSrc guarantees.
 * There is no other lock, so there is no lock order.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstseedancesrc.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/base/gsttypefindhelper.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "seedance/cache.h"
#include "seedance/client.h"
#include "seedance/request.h"

GST_DEBUG_CATEGORY_STATIC (gst_seedance_src_debug);
#define GST_CAT_DEFAULT gst_seedance_src_debug

#define DEFAULT_API_KEY NULL
#define DEFAULT_BASE_URL_ENV "SEEDANCE_BASE_URL"
#define DEFAULT_BASE_URL "https://api.wisgate.ai/api/v3"
#define DEFAULT_MODEL SEEDANCE_DEFAULT_MODEL
#define DEFAULT_PROMPT NULL
#define DEFAULT_RATIO "16:9"
#define DEFAULT_RESOLUTION "720p"
#define DEFAULT_DURATION 5
#define DEFAULT_FRAMES 0
#define DEFAULT_SEED -1
#define DEFAULT_GENERATE_AUDIO FALSE
#define DEFAULT_WATERMARK FALSE
#define DEFAULT_RETURN_LAST_FRAME FALSE
#define DEFAULT_SERVICE_TIER NULL
#define DEFAULT_EXECUTION_EXPIRES_AFTER 0
#define DEFAULT_POLL_INTERVAL 5000
#define MIN_POLL_INTERVAL 100
#define DEFAULT_TIMEOUT 0
#define DEFAULT_RETRIES 5
#define DEFAULT_CONNECT_TIMEOUT 15
#define DEFAULT_STALL_TIMEOUT 30
#define DEFAULT_SSL_STRICT TRUE
#define DEFAULT_PRIORITY -1
#define DEFAULT_CANCEL_ON_STOP FALSE
#define DEFAULT_CACHE_DIR_ENV "SEEDANCE_CACHE_DIR"
#define DEFAULT_DRY_RUN FALSE

/* Each buffer pushed holds up to this much (fewer, larger buffers cost
 * less per byte downstream); the transfer pauses while one waits, so this
 * bounds what the element holds. */
#define BUFFER_SIZE (256 * 1024)
/* Typefinding looks at the head of the file only: the MP4 boxes that say
 * what it is come first, and some typefinders scan all they are given. */
#define TYPEFIND_SIZE (16 * 1024)
/* The first backoff of the client's retries; it doubles each time. */
#define BACKOFF_MS 500
/* Refreshing an expired signed video URL by querying the task again. */
#define MAX_URL_REFRESHES 3
/* The last frame image is small; anything larger is not one. */
#define MAX_LAST_FRAME_SIZE (32 * 1024 * 1024)
/* A cancel on stop must not hold the state change for long. */
#define CANCEL_TIMEOUT_S 3

enum
{
  PROP_0,
  PROP_API_KEY,
  PROP_BASE_URL,
  PROP_MODEL,
  PROP_PROMPT,
  PROP_RATIO,
  PROP_RESOLUTION,
  PROP_DURATION,
  PROP_FRAMES,
  PROP_SEED,
  PROP_GENERATE_AUDIO,
  PROP_WATERMARK,
  PROP_RETURN_LAST_FRAME,
  PROP_SERVICE_TIER,
  PROP_EXECUTION_EXPIRES_AFTER,
  PROP_FIRST_FRAME,
  PROP_LAST_FRAME,
  PROP_REFERENCE_IMAGES,
  PROP_REFERENCE_VIDEOS,
  PROP_REFERENCE_AUDIOS,
  PROP_DRAFT_TASK_ID,
  PROP_PRIORITY,
  PROP_CALLBACK_URL,
  PROP_SAFETY_IDENTIFIER,
  PROP_POLL_INTERVAL,
  PROP_TIMEOUT,
  PROP_TASK_ID,
  PROP_LOCATION,
  PROP_RETRIES,
  PROP_CONNECT_TIMEOUT,
  PROP_STALL_TIMEOUT,
  PROP_SSL_STRICT,
  PROP_SSL_CA_FILE,
  PROP_PROXY,
  PROP_USER_AGENT,
  PROP_CANCEL_ON_STOP,
  PROP_CACHE_DIR,
  PROP_DRY_RUN,
  PROP_STATUS,
  PROP_VIDEO_URL,
  PROP_LAST_FRAME_URL,
  PROP_USAGE_TOKENS,
  PROP_ACTUAL_SEED,
};

enum
{
  SIGNAL_CANCEL,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

/* What the user set: copied whole when the element starts. */
typedef struct
{
  gchar *api_key;
  gchar *base_url;
  gchar *model;
  gchar *prompt;
  gchar *ratio;
  gchar *resolution;
  gint duration;
  gint frames;
  gint64 seed;
  gboolean generate_audio;
  gboolean watermark;
  gboolean return_last_frame;
  gchar *service_tier;
  gint64 execution_expires_after;
  gchar *first_frame;
  gchar *last_frame;
  GStrv reference_images;
  GStrv reference_videos;
  GStrv reference_audios;
  gchar *draft_task_id;
  gint priority;
  gchar *callback_url;
  gchar *safety_identifier;
  guint poll_interval;
  guint timeout;
  gchar *task_id;
  gchar *location;
  guint retries;
  guint connect_timeout;
  guint stall_timeout;
  gboolean ssl_strict;
  gchar *ssl_ca_file;
  gchar *proxy;
  gchar *user_agent;
  gboolean cancel_on_stop;
  gchar *cache_dir;
  gboolean dry_run;
} Settings;

typedef enum
{
  PHASE_TASK,                   /* creating or polling the task */
  PHASE_SPOOL,                  /* downloading the whole file to the spool */
  PHASE_STREAM,                 /* the video is being read */
} Phase;

/* One run, from start() to stop(): the streaming thread's. */
typedef struct
{
  Settings s;
  gchar *body;                  /* the validated create body */
  SeedanceHttp *http;
  SeedanceClient *client;

  Phase phase;
  gboolean create_interrupted;  /* a create was cut off: it may exist */
  gboolean have_key;
  gboolean from_journal;        /* the task id came from the cache journal */
  gchar *task_id;
  SeedanceStatus status;
  gint64 started_us;
  gboolean progress_started;
  gchar *video_url;
  guint url_refreshes;

  /* The download.  `next_offset` is the offset of the next byte create()
   * hands out; `stream_pos` that of the next byte the transfer delivers;
   * the buffers in between wait in `ready` and `fill`. */
  SeedanceHttpStream *download;
  gint64 size;
  guint64 next_offset;
  guint64 stream_pos;
  GQueue ready;
  GstBuffer *fill;
  GstMapInfo fill_map;
  gsize fill_len;
  guint failures;               /* transfer failures since the last byte */
  guint64 failure_pos;          /* stream_pos at the last failure */
  gboolean type_checked;
  gboolean tags_sent;

  /* The spool: with `location` or a cache, the whole file is downloaded
   * into a file first, checked, kept, and the stream is read from it. */
  gint spool_fd;
  gchar *spool_tmp;             /* unlinked on stop unless kept */
  int spool_errno;              /* a write to it failed */
  gboolean spool_is_location;

  /* `location`: a temporary file beside it, renamed once whole. */
  gchar *location_tmp;
  gint location_fd;

  /* `cache-dir`: NULL when off or unusable. */
  SeedanceCache *cache;
  gchar *cache_key;
  const gchar *origin;          /* "hit", "resumed" or "created" */
  gchar *final_task_json;
} Run;

struct _GstSeedanceSrc
{
  GstBaseSrc parent;

  Settings settings;
  gchar *uri;

  /* Reports, filled from the task as it goes. */
  gchar *task_id;
  gchar *status;
  gchar *video_url;
  gchar *last_frame_url;
  gint64 usage_tokens;
  gint64 actual_seed;
  gint64 size;

  GCancellable *cancellable;
  /* Wakes the poll interval, without flushing, after a cancel signal. */
  GCancellable *poll_wake;
  Run run;
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/quicktime"));

static void gst_seedance_src_uri_handler_init (gpointer g_iface,
    gpointer iface_data);

#define gst_seedance_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstSeedanceSrc, gst_seedance_src, GST_TYPE_BASE_SRC,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_seedance_src_uri_handler_init));
GST_ELEMENT_REGISTER_DEFINE (seedancesrc, "seedancesrc", GST_RANK_NONE,
    GST_TYPE_SEEDANCE_SRC);

static void gst_seedance_src_finalize (GObject * object);
static void gst_seedance_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_seedance_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gboolean gst_seedance_src_start (GstBaseSrc * bsrc);
static gboolean gst_seedance_src_stop (GstBaseSrc * bsrc);
static gboolean gst_seedance_src_unlock (GstBaseSrc * bsrc);
static gboolean gst_seedance_src_unlock_stop (GstBaseSrc * bsrc);
static gboolean gst_seedance_src_is_seekable (GstBaseSrc * bsrc);
static gboolean gst_seedance_src_get_size (GstBaseSrc * bsrc, guint64 * size);
static gboolean gst_seedance_src_do_seek (GstBaseSrc * bsrc,
    GstSegment * segment);
static gboolean gst_seedance_src_query (GstBaseSrc * bsrc, GstQuery * query);
static GstFlowReturn gst_seedance_src_create (GstBaseSrc * bsrc,
    guint64 offset, guint length, GstBuffer ** buf);
static void gst_seedance_src_cancel (GstSeedanceSrc * self);

/* --- settings --- */

static void
settings_init (Settings * s)
{
  memset (s, 0, sizeof (*s));
  s->model = g_strdup (DEFAULT_MODEL);
  s->ratio = g_strdup (DEFAULT_RATIO);
  s->resolution = g_strdup (DEFAULT_RESOLUTION);
  s->duration = DEFAULT_DURATION;
  s->frames = DEFAULT_FRAMES;
  s->seed = DEFAULT_SEED;
  s->generate_audio = DEFAULT_GENERATE_AUDIO;
  s->watermark = DEFAULT_WATERMARK;
  s->return_last_frame = DEFAULT_RETURN_LAST_FRAME;
  s->execution_expires_after = DEFAULT_EXECUTION_EXPIRES_AFTER;
  s->priority = DEFAULT_PRIORITY;
  s->poll_interval = DEFAULT_POLL_INTERVAL;
  s->timeout = DEFAULT_TIMEOUT;
  s->retries = DEFAULT_RETRIES;
  s->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
  s->stall_timeout = DEFAULT_STALL_TIMEOUT;
  s->ssl_strict = DEFAULT_SSL_STRICT;
  s->cancel_on_stop = DEFAULT_CANCEL_ON_STOP;
}

static void
wipe_string (gchar ** s)
{
  if (*s)
    memset (*s, 0, strlen (*s));
  g_clear_pointer (s, g_free);
}

static void
settings_clear (Settings * s)
{
  wipe_string (&s->api_key);
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
  g_free (s->proxy);
  g_free (s->user_agent);
  g_free (s->cache_dir);
  memset (s, 0, sizeof (*s));
}

static void
settings_copy (Settings * dst, const Settings * src)
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

static void
settings_to_params (const Settings * s, SeedanceRequestParams * p)
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

static GStrv
strv_from_value_array (const GValue * value)
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

static void
value_array_from_strv (GValue * value, GStrv strv)
{
  guint i;

  for (i = 0; strv && strv[i]; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, strv[i]);
    gst_value_array_append_and_take_value (value, &v);
  }
}

/* --- class --- */

static void
install_string (GObjectClass * gobject_class, guint id, const gchar * name,
    const gchar * nick, const gchar * blurb, const gchar * def)
{
  g_object_class_install_property (gobject_class, id,
      g_param_spec_string (name, nick, blurb, def,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

static void
install_report (GObjectClass * gobject_class, guint id, const gchar * name,
    const gchar * nick, const gchar * blurb)
{
  g_object_class_install_property (gobject_class, id,
      g_param_spec_string (name, nick, blurb, NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
install_bool (GObjectClass * gobject_class, guint id, const gchar * name,
    const gchar * nick, const gchar * blurb, gboolean def)
{
  g_object_class_install_property (gobject_class, id,
      g_param_spec_boolean (name, nick, blurb, def,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

static void
install_uint (GObjectClass * gobject_class, guint id, const gchar * name,
    const gchar * nick, const gchar * blurb, guint min, guint max, guint def)
{
  g_object_class_install_property (gobject_class, id,
      g_param_spec_uint (name, nick, blurb, min, max, def,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

static void
install_media_array (GObjectClass * gobject_class, guint id,
    const gchar * name, const gchar * nick, const gchar * blurb)
{
  g_object_class_install_property (gobject_class, id,
      gst_param_spec_array (name, nick, blurb,
          g_param_spec_string ("reference", "Reference",
              "A URL, asset:// ID, data: URI, file:// URI or local path",
              NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

static void
gst_seedance_src_class_init (GstSeedanceSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);

  gobject_class->set_property = gst_seedance_src_set_property;
  gobject_class->get_property = gst_seedance_src_get_property;
  gobject_class->finalize = gst_seedance_src_finalize;

  /* The key is write-only: no gst-inspect, dot file or notify shows it. */
  g_object_class_install_property (gobject_class, PROP_API_KEY,
      g_param_spec_string ("api-key", "API key",
          "The Seedance API key (write-only).  Unset: the environment "
          "variable SEEDANCE_API_KEY, else ARK_API_KEY.  Sent to the API "
          "host only, never to the host of the video", DEFAULT_API_KEY,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  install_string (gobject_class, PROP_BASE_URL, "base-url", "Base URL",
      "The API root, with its /api/v3 part.  Unset: the environment "
      "variable SEEDANCE_BASE_URL, else " DEFAULT_BASE_URL, NULL);
  install_string (gobject_class, PROP_MODEL, "model", "Model",
      "The model: " SEEDANCE_DEFAULT_MODEL " (480p, 720p, 1080p) or "
      SEEDANCE_FAST_MODEL " (480p, 720p)", DEFAULT_MODEL);
  install_string (gobject_class, PROP_PROMPT, "prompt", "Prompt",
      "The text prompt (a \"text\" content item)", DEFAULT_PROMPT);
  install_string (gobject_class, PROP_RATIO, "ratio", "Aspect ratio",
      "The aspect ratio: 16:9, 9:16 or 1:1", DEFAULT_RATIO);
  install_string (gobject_class, PROP_RESOLUTION, "resolution", "Resolution",
      "The resolution: 480p, 720p or 1080p", DEFAULT_RESOLUTION);
  /* Wide ranges, checked when the element starts: a value out of range is
   * then an error that names the rule, not a warning and a silent default
   * that still costs money. */
  g_object_class_install_property (gobject_class, PROP_DURATION,
      g_param_spec_int ("duration", "Duration",
          "Length of the video in seconds, 5 to 15 (checked at start).  "
          "Setting it unsets frames; 0 = not sent", 0, G_MAXINT,
          DEFAULT_DURATION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_FRAMES,
      g_param_spec_int ("frames", "Frames",
          "Length of the video in frames, the alternative to duration.  "
          "Setting it above 0 unsets duration; 0 = not sent", 0, G_MAXINT,
          DEFAULT_FRAMES, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_int64 ("seed", "Seed",
          "Random seed, 0 to 4294967295; -1 = random (not sent)",
          G_MININT64, G_MAXINT64, DEFAULT_SEED,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  install_bool (gobject_class, PROP_GENERATE_AUDIO, "generate-audio",
      "Generate audio", "Generate a synchronized audio track",
      DEFAULT_GENERATE_AUDIO);
  install_bool (gobject_class, PROP_WATERMARK, "watermark", "Watermark",
      "Add the AI-generated watermark (sent when true)", DEFAULT_WATERMARK);
  install_bool (gobject_class, PROP_RETURN_LAST_FRAME, "return-last-frame",
      "Return last frame", "Ask for the last frame as an image: it is "
      "fetched and posted in the final seedance-task message (sent when "
      "true)", DEFAULT_RETURN_LAST_FRAME);
  install_string (gobject_class, PROP_SERVICE_TIER, "service-tier",
      "Service tier", "The service tier: default or flex (unset: not sent)",
      DEFAULT_SERVICE_TIER);
  g_object_class_install_property (gobject_class,
      PROP_EXECUTION_EXPIRES_AFTER, g_param_spec_int64
      ("execution-expires-after", "Execution expires after",
          "Task timeout on the service, in seconds; 0 = not sent", 0,
          G_MAXINT64, DEFAULT_EXECUTION_EXPIRES_AFTER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  install_string (gobject_class, PROP_FIRST_FRAME, "first-frame",
      "First frame", "Image-to-video: the first frame (URL, asset://, data: "
      "URI, file:// URI or local path; local files are sent as data URIs)",
      NULL);
  install_string (gobject_class, PROP_LAST_FRAME, "last-frame", "Last frame",
      "The last frame; needs first-frame", NULL);
  install_media_array (gobject_class, PROP_REFERENCE_IMAGES,
      "reference-images", "Reference images",
      "Multimodal reference images, 1 to 9, e.g. "
      "'<\"a.png\", \"https://x/b.jpg\">'");
  install_media_array (gobject_class, PROP_REFERENCE_VIDEOS,
      "reference-videos", "Reference videos",
      "Multimodal reference videos, at most 3, as http(s) URLs or asset:// "
      "IDs, 15 s in all");
  install_media_array (gobject_class, PROP_REFERENCE_AUDIOS,
      "reference-audios", "Reference audios",
      "Multimodal reference audio, at most 3, 15 s in all; needs a "
      "reference image or video");
  install_string (gobject_class, PROP_DRAFT_TASK_ID, "draft-task-id",
      "Draft task ID", "Make the final video from this draft task (stands "
      "alone: no prompt or media)", NULL);
  g_object_class_install_property (gobject_class, PROP_PRIORITY,
      g_param_spec_int ("priority", "Priority",
          "Task priority, 0 to 9, higher runs first; -1 = not sent",
          -1, G_MAXINT, DEFAULT_PRIORITY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  install_string (gobject_class, PROP_CALLBACK_URL, "callback-url",
      "Callback URL", "An http(s) URL the service POSTs the task to at each "
      "status change (unset: not sent)", NULL);
  install_string (gobject_class, PROP_SAFETY_IDENTIFIER, "safety-identifier",
      "Safety identifier", "A stable ID of the end user, at most 64 "
      "characters, for the provider's abuse controls (unset: not sent)", NULL);
  install_uint (gobject_class, PROP_POLL_INTERVAL, "poll-interval",
      "Poll interval", "Milliseconds between two queries of the task",
      MIN_POLL_INTERVAL, G_MAXUINT, DEFAULT_POLL_INTERVAL);
  install_uint (gobject_class, PROP_TIMEOUT, "timeout", "Timeout",
      "Seconds to wait for the task to finish; 0 = no limit", 0, G_MAXUINT,
      DEFAULT_TIMEOUT);
  install_string (gobject_class, PROP_TASK_ID, "task-id", "Task ID",
      "The task's ID once created.  Set before start to resume that task "
      "instead of creating one (nothing is paid twice)", NULL);
  install_string (gobject_class, PROP_LOCATION, "location", "Location",
      "Also keep the downloaded MP4 in this file, written under a "
      "temporary name and renamed once whole", NULL);
  install_uint (gobject_class, PROP_RETRIES, "retries", "Retries",
      "How often a failed query or transfer is tried again before giving "
      "up (consecutive failures)", 0, 100, DEFAULT_RETRIES);
  install_uint (gobject_class, PROP_CONNECT_TIMEOUT, "connect-timeout",
      "Connect timeout", "Seconds to wait for a connection; 0 = libcurl's "
      "default", 0, 3600, DEFAULT_CONNECT_TIMEOUT);
  install_uint (gobject_class, PROP_STALL_TIMEOUT, "stall-timeout",
      "Stall timeout", "Seconds without a byte before a transfer is "
      "abandoned (and a download resumed); 0 = none", 0, 3600,
      DEFAULT_STALL_TIMEOUT);
  install_bool (gobject_class, PROP_SSL_STRICT, "ssl-strict", "SSL strict",
      "Verify TLS certificates and host names", DEFAULT_SSL_STRICT);
  install_string (gobject_class, PROP_SSL_CA_FILE, "ssl-ca-file",
      "SSL CA file", "A file of CA certificates to trust instead of the "
      "system's", NULL);
  install_string (gobject_class, PROP_PROXY, "proxy", "Proxy",
      "HTTP proxy URL (unset: libcurl's environment variables, e.g. "
      "https_proxy)", NULL);
  install_string (gobject_class, PROP_USER_AGENT, "user-agent", "User agent",
      "The User-Agent header (unset: gst-seedance/" VERSION ")", NULL);
  install_bool (gobject_class, PROP_CANCEL_ON_STOP, "cancel-on-stop",
      "Cancel on stop", "When the element stops before the video was "
      "delivered and the task is still queued, cancel it (DELETE); never "
      "for a task in any other status", DEFAULT_CANCEL_ON_STOP);

  install_string (gobject_class, PROP_CACHE_DIR, "cache-dir", "Cache directory",
      "Keep a journal of created tasks and the finished clips here, so that "
      "the same request is never paid twice: a rerun resumes the task or "
      "serves the stored clip.  Unset: the environment variable "
      DEFAULT_CACHE_DIR_ENV ", else no cache", NULL);
  install_bool (gobject_class, PROP_DRY_RUN, "dry-run", "Dry run",
      "Validate and build the request, post it in a seedance-dry-run "
      "message, and send nothing", DEFAULT_DRY_RUN);

  install_report (gobject_class, PROP_STATUS, "status", "Status",
      "The last status seen: queued, running, succeeded, failed, expired, "
      "cancelled");
  install_report (gobject_class, PROP_VIDEO_URL, "video-url", "Video URL",
      "The generated video's URL (signed, temporary)");
  install_report (gobject_class, PROP_LAST_FRAME_URL, "last-frame-url",
      "Last frame URL", "The last frame image's URL, with return-last-frame");
  g_object_class_install_property (gobject_class, PROP_USAGE_TOKENS,
      g_param_spec_int64 ("usage-tokens", "Usage tokens",
          "Tokens the task used (usage.total_tokens); -1 = not known yet",
          -1, G_MAXINT64, -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_ACTUAL_SEED,
      g_param_spec_int64 ("actual-seed", "Actual seed",
          "The seed the service used; -1 = not known yet", -1, G_MAXINT64,
          -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstSeedanceSrc::cancel:
   *
   * Cancels the current task now, if it is still queued: the element then
   * ends with an error saying so.  A running task cannot be cancelled: a
   * warning says so and the element carries on.
   */
  signals[SIGNAL_CANCEL] = g_signal_new_class_handler ("cancel",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_seedance_src_cancel), NULL, NULL, NULL, G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Seedance video generation source", "Source/Network",
      "Generates a video from a prompt with the Seedance API and outputs "
      "the MP4, e.g. seedancesrc prompt=\"a cat\" ! decodebin ! "
      "autovideosink", "gst-seedance developers");

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_seedance_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_seedance_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_seedance_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_seedance_src_unlock_stop);
  basesrc_class->is_seekable = GST_DEBUG_FUNCPTR (gst_seedance_src_is_seekable);
  basesrc_class->get_size = GST_DEBUG_FUNCPTR (gst_seedance_src_get_size);
  basesrc_class->do_seek = GST_DEBUG_FUNCPTR (gst_seedance_src_do_seek);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_seedance_src_query);
  basesrc_class->create = GST_DEBUG_FUNCPTR (gst_seedance_src_create);

  GST_DEBUG_CATEGORY_INIT (gst_seedance_src_debug, "seedancesrc", 0,
      "Seedance video generation source");
}

static void
gst_seedance_src_init (GstSeedanceSrc * self)
{
  settings_init (&self->settings);
  self->usage_tokens = -1;
  self->actual_seed = -1;
  self->size = -1;
  self->cancellable = g_cancellable_new ();
  self->poll_wake = g_cancellable_new ();
  self->run.location_fd = -1;
  self->run.spool_fd = -1;
  g_queue_init (&self->run.ready);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_BYTES);
}

static void
gst_seedance_src_finalize (GObject * object)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (object);

  settings_clear (&self->settings);
  g_free (self->uri);
  g_free (self->task_id);
  g_free (self->status);
  g_free (self->video_url);
  g_free (self->last_frame_url);
  g_object_unref (self->cancellable);
  g_object_unref (self->poll_wake);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* --- properties --- */

static void
set_string (gchar ** field, const GValue * value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
  if (*field && (*field)[0] == '\0')
    g_clear_pointer (field, g_free);
}

static void
gst_seedance_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (object);
  Settings *s = &self->settings;
  GstState state;

  GST_OBJECT_LOCK (self);
  state = GST_STATE (self);
  if (state > GST_STATE_READY) {
    /* The settings were copied at start: a change now would not apply. */
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "property '%s' can only be changed in the "
        "NULL or READY state", pspec->name);
    return;
  }

  switch (prop_id) {
    case PROP_API_KEY:
      wipe_string (&s->api_key);
      set_string (&s->api_key, value);
      break;
    case PROP_BASE_URL:
      set_string (&s->base_url, value);
      break;
    case PROP_MODEL:
      set_string (&s->model, value);
      break;
    case PROP_PROMPT:
      set_string (&s->prompt, value);
      break;
    case PROP_RATIO:
      set_string (&s->ratio, value);
      break;
    case PROP_RESOLUTION:
      set_string (&s->resolution, value);
      break;
    case PROP_DURATION:
      s->duration = g_value_get_int (value);
      if (s->duration > 0)
        s->frames = 0;
      break;
    case PROP_FRAMES:
      s->frames = g_value_get_int (value);
      if (s->frames > 0)
        s->duration = 0;
      else if (s->duration == 0)
        s->duration = DEFAULT_DURATION;
      break;
    case PROP_SEED:
      s->seed = g_value_get_int64 (value);
      break;
    case PROP_GENERATE_AUDIO:
      s->generate_audio = g_value_get_boolean (value);
      break;
    case PROP_WATERMARK:
      s->watermark = g_value_get_boolean (value);
      break;
    case PROP_RETURN_LAST_FRAME:
      s->return_last_frame = g_value_get_boolean (value);
      break;
    case PROP_SERVICE_TIER:
      set_string (&s->service_tier, value);
      break;
    case PROP_EXECUTION_EXPIRES_AFTER:
      s->execution_expires_after = g_value_get_int64 (value);
      break;
    case PROP_FIRST_FRAME:
      set_string (&s->first_frame, value);
      break;
    case PROP_LAST_FRAME:
      set_string (&s->last_frame, value);
      break;
    case PROP_REFERENCE_IMAGES:
      g_strfreev (s->reference_images);
      s->reference_images = strv_from_value_array (value);
      break;
    case PROP_REFERENCE_VIDEOS:
      g_strfreev (s->reference_videos);
      s->reference_videos = strv_from_value_array (value);
      break;
    case PROP_REFERENCE_AUDIOS:
      g_strfreev (s->reference_audios);
      s->reference_audios = strv_from_value_array (value);
      break;
    case PROP_DRAFT_TASK_ID:
      set_string (&s->draft_task_id, value);
      break;
    case PROP_PRIORITY:
      s->priority = g_value_get_int (value);
      break;
    case PROP_CALLBACK_URL:
      set_string (&s->callback_url, value);
      break;
    case PROP_SAFETY_IDENTIFIER:
      set_string (&s->safety_identifier, value);
      break;
    case PROP_POLL_INTERVAL:
      s->poll_interval = g_value_get_uint (value);
      break;
    case PROP_TIMEOUT:
      s->timeout = g_value_get_uint (value);
      break;
    case PROP_TASK_ID:
      set_string (&s->task_id, value);
      break;
    case PROP_LOCATION:
      set_string (&s->location, value);
      break;
    case PROP_RETRIES:
      s->retries = g_value_get_uint (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      s->connect_timeout = g_value_get_uint (value);
      break;
    case PROP_STALL_TIMEOUT:
      s->stall_timeout = g_value_get_uint (value);
      break;
    case PROP_SSL_STRICT:
      s->ssl_strict = g_value_get_boolean (value);
      break;
    case PROP_SSL_CA_FILE:
      set_string (&s->ssl_ca_file, value);
      break;
    case PROP_PROXY:
      set_string (&s->proxy, value);
      break;
    case PROP_USER_AGENT:
      set_string (&s->user_agent, value);
      break;
    case PROP_CANCEL_ON_STOP:
      s->cancel_on_stop = g_value_get_boolean (value);
      break;
    case PROP_CACHE_DIR:
      set_string (&s->cache_dir, value);
      break;
    case PROP_DRY_RUN:
      s->dry_run = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_seedance_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (object);
  Settings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BASE_URL:
      g_value_set_string (value, s->base_url);
      break;
    case PROP_MODEL:
      g_value_set_string (value, s->model);
      break;
    case PROP_PROMPT:
      g_value_set_string (value, s->prompt);
      break;
    case PROP_RATIO:
      g_value_set_string (value, s->ratio);
      break;
    case PROP_RESOLUTION:
      g_value_set_string (value, s->resolution);
      break;
    case PROP_DURATION:
      g_value_set_int (value, s->duration);
      break;
    case PROP_FRAMES:
      g_value_set_int (value, s->frames);
      break;
    case PROP_SEED:
      g_value_set_int64 (value, s->seed);
      break;
    case PROP_GENERATE_AUDIO:
      g_value_set_boolean (value, s->generate_audio);
      break;
    case PROP_WATERMARK:
      g_value_set_boolean (value, s->watermark);
      break;
    case PROP_RETURN_LAST_FRAME:
      g_value_set_boolean (value, s->return_last_frame);
      break;
    case PROP_SERVICE_TIER:
      g_value_set_string (value, s->service_tier);
      break;
    case PROP_EXECUTION_EXPIRES_AFTER:
      g_value_set_int64 (value, s->execution_expires_after);
      break;
    case PROP_FIRST_FRAME:
      g_value_set_string (value, s->first_frame);
      break;
    case PROP_LAST_FRAME:
      g_value_set_string (value, s->last_frame);
      break;
    case PROP_REFERENCE_IMAGES:
      value_array_from_strv (value, s->reference_images);
      break;
    case PROP_REFERENCE_VIDEOS:
      value_array_from_strv (value, s->reference_videos);
      break;
    case PROP_REFERENCE_AUDIOS:
      value_array_from_strv (value, s->reference_audios);
      break;
    case PROP_DRAFT_TASK_ID:
      g_value_set_string (value, s->draft_task_id);
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, s->priority);
      break;
    case PROP_CALLBACK_URL:
      g_value_set_string (value, s->callback_url);
      break;
    case PROP_SAFETY_IDENTIFIER:
      g_value_set_string (value, s->safety_identifier);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, s->poll_interval);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, s->timeout);
      break;
    case PROP_TASK_ID:
      /* The task of this run once known, else the one to resume. */
      g_value_set_string (value, self->task_id ? self->task_id : s->task_id);
      break;
    case PROP_LOCATION:
      g_value_set_string (value, s->location);
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, s->retries);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, s->connect_timeout);
      break;
    case PROP_STALL_TIMEOUT:
      g_value_set_uint (value, s->stall_timeout);
      break;
    case PROP_SSL_STRICT:
      g_value_set_boolean (value, s->ssl_strict);
      break;
    case PROP_SSL_CA_FILE:
      g_value_set_string (value, s->ssl_ca_file);
      break;
    case PROP_PROXY:
      g_value_set_string (value, s->proxy);
      break;
    case PROP_USER_AGENT:
      g_value_set_string (value, s->user_agent);
      break;
    case PROP_CANCEL_ON_STOP:
      g_value_set_boolean (value, s->cancel_on_stop);
      break;
    case PROP_CACHE_DIR:
      g_value_set_string (value, s->cache_dir);
      break;
    case PROP_DRY_RUN:
      g_value_set_boolean (value, s->dry_run);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_VIDEO_URL:
      g_value_set_string (value, self->video_url);
      break;
    case PROP_LAST_FRAME_URL:
      g_value_set_string (value, self->last_frame_url);
      break;
    case PROP_USAGE_TOKENS:
      g_value_set_int64 (value, self->usage_tokens);
      break;
    case PROP_ACTUAL_SEED:
      g_value_set_int64 (value, self->actual_seed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* --- reports to the application --- */

static gdouble
elapsed_s (GstSeedanceSrc * self)
{
  return (g_get_monotonic_time () - self->run.started_us) / 1e6;
}

static void
post_task_message (GstSeedanceSrc * self, GstStructure * s)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
post_progress (GstSeedanceSrc * self, GstProgressType type, const gchar * text)
{
  GstMessage *msg = gst_message_new_progress (GST_OBJECT (self), type,
      "seedance-generate", text);

  gst_element_post_message (GST_ELEMENT (self), msg);
}

static void
set_report (GstSeedanceSrc * self, gchar ** field, const gchar * value,
    const gchar * property)
{
  gboolean changed;

  GST_OBJECT_LOCK (self);
  changed = g_strcmp0 (*field, value) != 0;
  if (changed) {
    g_free (*field);
    *field = g_strdup (value);
  }
  GST_OBJECT_UNLOCK (self);
  if (changed)
    g_object_notify (G_OBJECT (self), property);
}

static void
client_log (const gchar * message, gpointer user_data)
{
  GST_INFO_OBJECT (user_data, "%s", message);
}

/* --- errors --- */

/* GST_ELEMENT_ERROR with a code chosen at run time. */
/* *INDENT-OFF* */
static void post_resource_error (GstSeedanceSrc * self,
    GstResourceError code, GstStructure * details, gchar * debug,
    const gchar * format, ...) G_GNUC_PRINTF (5, 6);
/* *INDENT-ON* */

static void
post_resource_error (GstSeedanceSrc * self, GstResourceError code,
    GstStructure * details, gchar * debug, const gchar * format, ...)
{
  va_list args;
  gchar *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  gst_element_message_full_with_details (GST_ELEMENT (self),
      GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, code, text, debug, __FILE__,
      GST_FUNCTION, __LINE__, details);
}

static GstResourceError
resource_error_for (const GError * err)
{
  if (err->domain == SEEDANCE_CLIENT_ERROR) {
    switch (err->code) {
      case SEEDANCE_CLIENT_ERROR_AUTH:
        return GST_RESOURCE_ERROR_NOT_AUTHORIZED;
      case SEEDANCE_CLIENT_ERROR_BAD_REQUEST:
        return GST_RESOURCE_ERROR_SETTINGS;
      case SEEDANCE_CLIENT_ERROR_NOT_FOUND:
        return GST_RESOURCE_ERROR_NOT_FOUND;
      case SEEDANCE_CLIENT_ERROR_TLS:
        return GST_RESOURCE_ERROR_OPEN_READ;
      case SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN:
        return GST_RESOURCE_ERROR_FAILED;
      default:
        return GST_RESOURCE_ERROR_READ;
    }
  }
  if (err->domain == SEEDANCE_REQUEST_ERROR) {
    switch (err->code) {
      case SEEDANCE_REQUEST_ERROR_NOT_FOUND:
        return GST_RESOURCE_ERROR_NOT_FOUND;
      case SEEDANCE_REQUEST_ERROR_READ:
        return GST_RESOURCE_ERROR_OPEN_READ;
      default:
        return GST_RESOURCE_ERROR_SETTINGS;
    }
  }
  return GST_RESOURCE_ERROR_READ;
}

/* Posts an error from the client, with what the service said in the
 * details so that applications can branch on its code. */
static void
post_client_error (GstSeedanceSrc * self, const GError * err,
    const SeedanceServiceError * se)
{
  GstStructure *details = gst_structure_new ("details",
      "task-id", G_TYPE_STRING, self->run.task_id, NULL);
  gchar *text = g_strdup (err->message);
  gchar *debug;

  if (se) {
    gst_structure_set (details, "http-status-code", G_TYPE_UINT,
        se->http_status, NULL);
    if (se->code)
      gst_structure_set (details, "code", G_TYPE_STRING, se->code, NULL);
    if (se->message)
      gst_structure_set (details, "message", G_TYPE_STRING, se->message, NULL);
    if (se->type)
      gst_structure_set (details, "type", G_TYPE_STRING, se->type, NULL);
    if (se->param)
      gst_structure_set (details, "param", G_TYPE_STRING, se->param, NULL);
    if (se->http_status == 429 && g_strcmp0 (se->code, "QuotaExceeded") == 0) {
      gchar *t = g_strdup_printf ("%s (too many tasks are queued on this "
          "account; wait for some to finish)", text);

      g_free (text);
      text = t;
    }
    debug = g_strdup_printf ("HTTP status %u, code %s, type %s, param %s",
        se->http_status, GST_STR_NULL (se->code), GST_STR_NULL (se->type),
        GST_STR_NULL (se->param));
  } else {
    debug = g_strdup_printf ("%s error %d", g_quark_to_string (err->domain),
        err->code);
  }

  gst_element_message_full_with_details (GST_ELEMENT (self),
      GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, resource_error_for (err), text,
      debug, __FILE__, GST_FUNCTION, __LINE__, details);
}

/* --- start and stop --- */

static void
run_clear_download (Run * run)
{
  GstBuffer *buf;

  g_clear_pointer (&run->download, seedance_http_stream_free);
  while ((buf = g_queue_pop_head (&run->ready)))
    gst_buffer_unref (buf);
  if (run->fill) {
    gst_buffer_unmap (run->fill, &run->fill_map);
    gst_clear_buffer (&run->fill);
  }
  run->fill_len = 0;
}

static void
close_and_unlink (gint * fd, gchar ** tmp)
{
  if (*fd >= 0) {
    close (*fd);
    *fd = -1;
  }
  if (*tmp) {
    g_unlink (*tmp);
    g_clear_pointer (tmp, g_free);
  }
}

static void
run_clear (Run * run)
{
  run_clear_download (run);
  if (run->spool_is_location)
    run->spool_fd = -1;         /* the same file as location_fd */
  close_and_unlink (&run->spool_fd, &run->spool_tmp);
  close_and_unlink (&run->location_fd, &run->location_tmp);
  g_clear_pointer (&run->cache, seedance_cache_free);
  g_clear_pointer (&run->cache_key, g_free);
  g_clear_pointer (&run->final_task_json, g_free);
  g_clear_pointer (&run->client, seedance_client_free);
  g_clear_pointer (&run->http, seedance_http_free);
  g_clear_pointer (&run->body, g_free);
  g_clear_pointer (&run->task_id, g_free);
  g_clear_pointer (&run->video_url, g_free);
  settings_clear (&run->s);
  memset (run, 0, sizeof (*run));
  run->location_fd = -1;
  run->spool_fd = -1;
  run->size = -1;
  g_queue_init (&run->ready);
}

static gchar *
resolve_api_key (const Settings * s)
{
  const gchar *env;

  if (s->api_key)
    return g_strdup (s->api_key);
  env = g_getenv ("SEEDANCE_API_KEY");
  if (env && *env)
    return g_strdup (env);
  env = g_getenv ("ARK_API_KEY");
  if (env && *env)
    return g_strdup (env);
  return NULL;
}

static gchar *
resolve_base_url (const Settings * s)
{
  const gchar *env;

  if (s->base_url)
    return g_strdup (s->base_url);
  env = g_getenv (DEFAULT_BASE_URL_ENV);
  if (env && *env)
    return g_strdup (env);
  return g_strdup (DEFAULT_BASE_URL);
}

static gboolean
open_location (GstSeedanceSrc * self, Run * run)
{
  g_autofree gchar *dir = g_path_get_dirname (run->s.location);
  g_autofree gchar *base = g_path_get_basename (run->s.location);
  int saved = 0;
  guint tries;

  /* Not g_mkstemp: the kept file should get the permissions any new file
   * gets (0666 less the umask), not 0600. */
  for (tries = 0; tries < 100; tries++) {
    g_autofree gchar *tmp = g_strdup_printf ("%s/.%s.%08x.part", dir, base,
        g_random_int ());

    run->location_fd = g_open (tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
        0666);
    if (run->location_fd >= 0) {
      run->location_tmp = g_steal_pointer (&tmp);
      return TRUE;
    }
    saved = errno;
    if (saved != EEXIST)
      break;
  }
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
      ("location: cannot write in \"%s\": %s", dir, g_strerror (saved)),
      (NULL));
  return FALSE;
}

/* The cache is a help, never a condition: when it cannot be used the
 * element says so in a warning and goes on without it. */
static void
open_cache (GstSeedanceSrc * self, Run * run)
{
  const gchar *dir = run->s.cache_dir;
  g_autoptr (GError) err = NULL;

  if (dir == NULL)
    dir = g_getenv (DEFAULT_CACHE_DIR_ENV);
  if (dir == NULL || dir[0] == '\0' || run->cache_key == NULL)
    return;
  run->cache = seedance_cache_open (dir, &err);
  if (run->cache == NULL)
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
        ("cache-dir: %s; going on without the cache", err->message), (NULL));
}

static gboolean
gst_seedance_src_start (GstBaseSrc * bsrc)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);
  Run *run = &self->run;
  SeedanceRequestParams params;
  SeedanceHttpConfig hc = { 0, };
  SeedanceClientConfig cc = { 0, };
  g_autofree gchar *key = NULL;
  g_autofree gchar *base_url = NULL;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *scheme = NULL;

  run_clear (run);
  /* A cancel signal of an earlier run must not cut this one's wait. */
  g_cancellable_reset (self->poll_wake);
  GST_OBJECT_LOCK (self);
  settings_copy (&run->s, &self->settings);
  g_clear_pointer (&self->task_id, g_free);
  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->video_url, g_free);
  g_clear_pointer (&self->last_frame_url, g_free);
  self->usage_tokens = -1;
  self->actual_seed = -1;
  self->size = -1;
  GST_OBJECT_UNLOCK (self);

  base_url = resolve_base_url (&run->s);
  scheme = g_uri_parse_scheme (base_url);
  if (!g_uri_is_valid (base_url, G_URI_FLAGS_NONE, NULL) ||
      (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("base-url: \"%s\" is not an http(s) URL", base_url),
        ("nothing was sent"));
    goto failed;
  }

  /* Everything is checked here, before any request: no network in
   * start(), which GstBaseSrc may call just to probe. */
  if (run->s.task_id) {
    run->task_id = g_strdup (run->s.task_id);
  } else {
    settings_to_params (&run->s, &params);
    run->body = seedance_request_build (&params, &err);
    if (run->body == NULL) {
      post_resource_error (self, resource_error_for (err), NULL,
          g_strdup ("invalid settings; nothing was sent"), "%s", err->message);
      goto failed;
    }
  }

  if (run->body) {
    run->cache_key = seedance_cache_key (base_url, run->body, NULL);
    open_cache (self, run);
  }

  key = resolve_api_key (&run->s);
  run->have_key = key != NULL;
  /* A dry run sends nothing, and a cached clip needs no request: the key
   * is asked for when a request is about to be made. */
  if (key == NULL && !run->s.dry_run && run->cache == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("No API key: set the api-key property or the SEEDANCE_API_KEY "
            "environment variable"), ("nothing was sent"));
    goto failed;
  }
  if (run->s.location && !run->s.dry_run && !open_location (self, run))
    goto failed;

  hc.connect_timeout_s = run->s.connect_timeout;
  hc.stall_timeout_s = run->s.stall_timeout;
  hc.user_agent = run->s.user_agent;
  hc.proxy = run->s.proxy;
  hc.ssl_strict = run->s.ssl_strict;
  hc.ca_file = run->s.ssl_ca_file;
  run->http = seedance_http_new (&hc, self->cancellable);

  cc.base_url = base_url;
  cc.api_key = key;
  cc.retries = run->s.retries;
  cc.backoff_ms = BACKOFF_MS;
  cc.log = client_log;
  cc.log_data = self;
  run->client = seedance_client_new (&cc, run->http);
  if (key)
    memset (key, 0, strlen (key));

  run->phase = PHASE_TASK;
  run->started_us = g_get_monotonic_time ();
  GST_DEBUG_OBJECT (self, "started, API root %s", base_url);
  return TRUE;

failed:
  run_clear (run);
  return FALSE;
}

/* A user-requested cancel: a fresh, short-lived client of its own, so that
 * it neither waits on nor disturbs the streaming thread's transfers, and
 * bounded so that a stop stays prompt. */
static gboolean
cancel_queued_task (GstSeedanceSrc * self, const Settings * s,
    const gchar * task_id, SeedanceServiceError ** detail, GError ** error)
{
  SeedanceHttpConfig hc = { 0, };
  SeedanceClientConfig cc = { 0, };
  g_autofree gchar *key = resolve_api_key (s);
  g_autofree gchar *base_url = resolve_base_url (s);
  SeedanceHttp *http;
  SeedanceClient *client;
  gboolean ok;

  hc.connect_timeout_s = CANCEL_TIMEOUT_S;
  hc.stall_timeout_s = CANCEL_TIMEOUT_S;
  hc.user_agent = s->user_agent;
  hc.proxy = s->proxy;
  hc.ssl_strict = s->ssl_strict;
  hc.ca_file = s->ssl_ca_file;
  http = seedance_http_new (&hc, NULL);
  cc.base_url = base_url;
  cc.api_key = key;
  cc.retries = 0;
  cc.log = client_log;
  cc.log_data = self;
  client = seedance_client_new (&cc, http);
  ok = seedance_client_cancel_task (client, task_id, detail, error);
  seedance_client_free (client);
  seedance_http_free (http);
  if (key)
    memset (key, 0, strlen (key));
  return ok;
}

static gboolean
gst_seedance_src_stop (GstBaseSrc * bsrc)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);
  Run *run = &self->run;

  if (run->task_id && run->status == SEEDANCE_STATUS_QUEUED &&
      run->s.cancel_on_stop) {
    g_autoptr (GError) err = NULL;

    GST_INFO_OBJECT (self, "cancelling queued task %s on stop", run->task_id);
    if (cancel_queued_task (self, &run->s, run->task_id, NULL, &err))
      set_report (self, &self->status, "cancelled", "status");
    else
      GST_WARNING_OBJECT (self, "could not cancel task %s: %s", run->task_id,
          err->message);
  }
  if (run->progress_started && run->phase != PHASE_STREAM)
    post_progress (self, GST_PROGRESS_TYPE_CANCELED, "Stopped");

  run_clear (run);
  GST_OBJECT_LOCK (self);
  self->size = -1;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "stopped");
  return TRUE;
}

static gboolean
gst_seedance_src_unlock (GstBaseSrc * bsrc)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock");
  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

static gboolean
gst_seedance_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock_stop");
  g_cancellable_reset (self->cancellable);
  return TRUE;
}

/* --- the cancel action signal --- */

static void
gst_seedance_src_cancel (GstSeedanceSrc * self)
{
  g_autofree gchar *task_id = NULL;
  g_autofree gchar *status = NULL;
  g_autoptr (GError) err = NULL;
  g_autoptr (SeedanceServiceError) se = NULL;
  Settings s;

  GST_OBJECT_LOCK (self);
  task_id = g_strdup (self->task_id);
  status = g_strdup (self->status);
  settings_copy (&s, &self->settings);
  GST_OBJECT_UNLOCK (self);

  if (task_id == NULL) {
    GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
        ("Nothing to cancel: no task has been created yet"), (NULL));
    goto done;
  }
  if (g_strcmp0 (status, "queued") != 0) {
    GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
        ("Task %s is %s and cannot be cancelled: only a queued task can",
            task_id, status ? status : "in an unknown state"), (NULL));
    goto done;
  }
  if (!cancel_queued_task (self, &s, task_id, &se, &err)) {
    GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
        ("Task %s could not be cancelled: %s", task_id, err->message), (NULL));
    goto done;
  }
  GST_INFO_OBJECT (self, "task %s cancelled on request", task_id);
  /* The streaming thread queries at once, sees "cancelled" and ends with
   * an error that says so. */
  g_cancellable_cancel (self->poll_wake);

done:
  settings_clear (&s);
}

/* --- the task --- */

static void
report_task (GstSeedanceSrc * self, const SeedanceTask * task)
{
  GST_OBJECT_LOCK (self);
  if (task->seed >= 0)
    self->actual_seed = task->seed;
  if (task->total_tokens >= 0)
    self->usage_tokens = task->total_tokens;
  GST_OBJECT_UNLOCK (self);
  if (task->video_url)
    set_report (self, &self->video_url, task->video_url, "video-url");
  if (task->last_frame_url)
    set_report (self, &self->last_frame_url, task->last_frame_url,
        "last-frame-url");
}

static GstSample *
fetch_last_frame (GstSeedanceSrc * self, const gchar * url)
{
  GstCaps *caps = gst_caps_new_empty_simple ("image/png");
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) err = NULL;
  GstSample *sample;
  GstBuffer *buf;

  bytes = seedance_client_fetch (self->run.client, url, MAX_LAST_FRAME_SIZE,
      &err);
  if (bytes == NULL) {
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("The last frame image could not be fetched: %s", err->message),
        (NULL));
    gst_caps_unref (caps);
    return NULL;
  }
  buf = gst_buffer_new_wrapped_bytes (bytes);
  {
    GstCaps *found = gst_type_find_helper_for_buffer (GST_OBJECT (self), buf,
        NULL);

    if (found) {
      gst_caps_unref (caps);
      caps = found;
    }
  }
  sample = gst_sample_new (buf, caps, NULL, NULL);
  gst_buffer_unref (buf);
  gst_caps_unref (caps);
  return sample;
}

static void
post_final_message (GstSeedanceSrc * self, const SeedanceTask * task)
{
  GstStructure *s = gst_structure_new ("seedance-task",
      "event", G_TYPE_STRING, "succeeded",
      "task-id", G_TYPE_STRING, self->run.task_id,
      "status", G_TYPE_STRING, task->status_str,
      "elapsed", G_TYPE_DOUBLE, elapsed_s (self),
      "model", G_TYPE_STRING, task->model,
      "seed", G_TYPE_INT64, task->seed,
      "resolution", G_TYPE_STRING, task->resolution,
      "ratio", G_TYPE_STRING, task->ratio,
      "framespersecond", G_TYPE_INT64, task->framespersecond,
      "completion-tokens", G_TYPE_INT64, task->completion_tokens,
      "total-tokens", G_TYPE_INT64, task->total_tokens,
      "video-url", G_TYPE_STRING, task->video_url,
      "cache", G_TYPE_STRING, self->run.origin, NULL);

  if (task->frames > 0)
    gst_structure_set (s, "frames", G_TYPE_INT64, task->frames, NULL);
  else
    gst_structure_set (s, "duration", G_TYPE_INT64, task->duration, NULL);
  if (task->last_frame_url) {
    GstSample *sample = fetch_last_frame (self, task->last_frame_url);

    gst_structure_set (s, "last-frame-url", G_TYPE_STRING,
        task->last_frame_url, NULL);
    if (sample) {
      gst_structure_set (s, "last-frame", GST_TYPE_SAMPLE, sample, NULL);
      gst_sample_unref (sample);
    }
  }
  post_task_message (self, s);
}

static GstFlowReturn
task_failed (GstSeedanceSrc * self, const SeedanceTask * task)
{
  const gchar *what = task->status == SEEDANCE_STATUS_EXPIRED ? "expired" :
      task->status == SEEDANCE_STATUS_CANCELLED ? "was cancelled" : "failed";
  GstStructure *details = gst_structure_new ("details",
      "task-id", G_TYPE_STRING, self->run.task_id,
      "status", G_TYPE_STRING, task->status_str, NULL);
  gchar *text, *debug;

  if (task->error_code)
    gst_structure_set (details, "code", G_TYPE_STRING, task->error_code, NULL);
  if (task->error_message)
    gst_structure_set (details, "message", G_TYPE_STRING,
        task->error_message, NULL);
  text = g_strdup_printf ("Task %s %s%s%s%s%s%s", self->run.task_id, what,
      task->error_code || task->error_message ? ": " : "",
      task->error_code ? task->error_code : "",
      task->error_code && task->error_message ? " (" : "",
      task->error_message ? task->error_message : "",
      task->error_code && task->error_message ? ")" : "");
  debug = g_strdup_printf ("final status \"%s\"", task->status_str);
  post_progress (self, GST_PROGRESS_TYPE_ERROR, text);
  gst_element_message_full_with_details (GST_ELEMENT (self),
      GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED, text,
      debug, __FILE__, GST_FUNCTION, __LINE__, details);
  return GST_FLOW_ERROR;
}

static GstFlowReturn
flow_for_error (GstSeedanceSrc * self, GError * err,
    const SeedanceServiceError * se)
{
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    GST_DEBUG_OBJECT (self, "woken up: flushing");
    return GST_FLOW_FLUSHING;
  }
  if (self->run.progress_started)
    post_progress (self, GST_PROGRESS_TYPE_ERROR, err->message);
  post_client_error (self, err, se);
  return GST_FLOW_ERROR;
}

static GstFlowReturn
create_task (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  g_autoptr (GError) err = NULL;
  g_autoptr (SeedanceServiceError) se = NULL;

  if (run->create_interrupted) {
    /* A flush cut the create off after it was sent: sending it again
     * could pay twice. */
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Creating the task was interrupted after the request was sent; "
            "the task may or may not exist, and it is not sent again so "
            "that it is not paid for twice"), (NULL));
    return GST_FLOW_ERROR;
  }

  post_progress (self, GST_PROGRESS_TYPE_START, "Creating the task");
  run->progress_started = TRUE;
  /* Local media make bodies of megabytes: the log gets the start. */
  GST_DEBUG_OBJECT (self, "creating task: %.*s%s", 2000, run->body,
      strlen (run->body) > 2000 ? "…" : "");
  run->task_id = seedance_client_create_task (run->client, run->body, &se,
      &err);
  if (run->task_id == NULL) {
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      run->create_interrupted = TRUE;
    return flow_for_error (self, err, se);
  }

  GST_INFO_OBJECT (self, "created task %s", run->task_id);
  set_report (self, &self->task_id, run->task_id, "task-id");
  post_task_message (self, gst_structure_new ("seedance-task",
          "event", G_TYPE_STRING, "created",
          "task-id", G_TYPE_STRING, run->task_id,
          "elapsed", G_TYPE_DOUBLE, elapsed_s (self), NULL));
  return GST_FLOW_OK;
}

static void
send_tags (GstSeedanceSrc * self, const SeedanceTask * task)
{
  GstTagList *tags = gst_tag_list_new_empty ();
  g_autofree gchar *comment = NULL;

  if (self->run.s.prompt)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_TITLE,
        self->run.s.prompt, NULL);
  comment = g_strdup_printf ("Generated by Seedance (model %s, seed %"
      G_GINT64_FORMAT ", task %s)", task->model ? task->model : "unknown",
      task->seed, self->run.task_id);
  gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_COMMENT, comment,
      GST_TAG_ENCODER, task->model ? task->model : "Seedance", NULL);
  gst_tag_list_set_scope (tags, GST_TAG_SCOPE_GLOBAL);
  /* GstBaseSrc queues a TAG event sent to the element and pushes it
   * before the next buffer, after the segment. */
  gst_element_send_event (GST_ELEMENT (self), gst_event_new_tag (tags));
}

/* poll_task: the journalled task cannot be resumed (it failed, expired,
 * was cancelled, or the service forgot it): a new one is needed. */
#define FLOW_STALE_JOURNAL GST_FLOW_CUSTOM_SUCCESS

/* Polls until the task is final.  On success, run->video_url is set. */
static GstFlowReturn
poll_task (GstSeedanceSrc * self, gboolean query_now)
{
  Run *run = &self->run;

  for (;;) {
    g_autoptr (GError) err = NULL;
    g_autoptr (SeedanceServiceError) se = NULL;
    g_autoptr (SeedanceTask) task = NULL;
    gint64 left_ms = G_MAXINT64;
    guint wait_ms = run->s.poll_interval;

    if (run->s.timeout > 0) {
      left_ms = run->s.timeout * G_GINT64_CONSTANT (1000) -
          (g_get_monotonic_time () - run->started_us) / 1000;
      if (left_ms <= 0) {
        g_autofree gchar *text = g_strdup_printf ("Task %s did not finish "
            "within %u s (last status: %s); it may still finish on the "
            "service: set task-id=%s to resume it", run->task_id,
            run->s.timeout, self->status ? self->status : "unknown",
            run->task_id);

        post_progress (self, GST_PROGRESS_TYPE_ERROR, text);
        GST_ELEMENT_ERROR (self, RESOURCE, READ, ("%s", text), (NULL));
        return GST_FLOW_ERROR;
      }
    }

    if (!query_now) {
      if (!seedance_http_wait_or_wake (run->http, (guint) MIN (wait_ms,
                  left_ms), self->poll_wake, &err))
        return flow_for_error (self, err, NULL);
      g_cancellable_reset (self->poll_wake);
    }
    query_now = FALSE;

    task = seedance_client_get_task (run->client, run->task_id, &se, &err);
    if (task == NULL) {
      if (run->from_journal && g_error_matches (err, SEEDANCE_CLIENT_ERROR,
              SEEDANCE_CLIENT_ERROR_NOT_FOUND))
        return FLOW_STALE_JOURNAL;
      return flow_for_error (self, err, se);
    }
    if (run->from_journal && seedance_status_is_final (task->status) &&
        task->status != SEEDANCE_STATUS_SUCCEEDED)
      return FLOW_STALE_JOURNAL;

    report_task (self, task);
    if (task->status != run->status) {
      g_autofree gchar *text = g_strdup_printf ("Task %s", task->status_str);

      run->status = task->status;
      GST_INFO_OBJECT (self, "task %s is %s", run->task_id, task->status_str);
      set_report (self, &self->status, task->status_str, "status");
      if (!seedance_status_is_final (task->status)) {
        post_task_message (self, gst_structure_new ("seedance-task",
                "event", G_TYPE_STRING, "status",
                "task-id", G_TYPE_STRING, run->task_id,
                "status", G_TYPE_STRING, task->status_str,
                "elapsed", G_TYPE_DOUBLE, elapsed_s (self), NULL));
        if (!run->progress_started) {
          post_progress (self, GST_PROGRESS_TYPE_START, text);
          run->progress_started = TRUE;
        } else {
          post_progress (self, GST_PROGRESS_TYPE_CONTINUE, text);
        }
      }
    }

    if (!seedance_status_is_final (task->status))
      continue;
    if (task->status != SEEDANCE_STATUS_SUCCEEDED)
      return task_failed (self, task);
    if (task->video_url == NULL) {
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("Task %s succeeded, but the service's answer has no video URL "
              "(content.video_url)", run->task_id), (NULL));
      return GST_FLOW_ERROR;
    }

    g_free (run->video_url);
    run->video_url = g_strdup (task->video_url);
    g_free (run->final_task_json);
    run->final_task_json = g_strdup (task->json);
    if (!run->tags_sent) {
      post_final_message (self, task);
      if (!run->progress_started)
        post_progress (self, GST_PROGRESS_TYPE_START, "Task succeeded");
      post_progress (self, GST_PROGRESS_TYPE_COMPLETE, "Task succeeded");
      run->progress_started = FALSE;
      send_tags (self, task);
      run->tags_sent = TRUE;
    }
    return GST_FLOW_OK;
  }
}

/* --- the download --- */

static void
finish_fill (Run * run)
{
  if (run->fill == NULL)
    return;
  gst_buffer_unmap (run->fill, &run->fill_map);
  if (run->fill_len == 0) {
    gst_buffer_unref (run->fill);
  } else {
    gst_buffer_set_size (run->fill, run->fill_len);
    g_queue_push_tail (&run->ready, run->fill);
  }
  run->fill = NULL;
  run->fill_len = 0;
}

/* Where libcurl's data is copied, once, into the buffers that go
 * downstream.  Returns TRUE (pause the transfer) once a buffer is ready. */
static gboolean
buffer_sink (const guint8 * data, gsize len, gpointer user_data)
{
  Run *run = user_data;

  while (len > 0) {
    gsize n;

    if (run->fill == NULL) {
      run->fill = gst_buffer_new_allocate (NULL, BUFFER_SIZE, NULL);
      gst_buffer_map (run->fill, &run->fill_map, GST_MAP_WRITE);
      run->fill_len = 0;
    }
    n = MIN (len, BUFFER_SIZE - run->fill_len);
    memcpy (run->fill_map.data + run->fill_len, data, n);
    run->fill_len += n;
    run->stream_pos += n;
    data += n;
    len -= n;
    if (run->fill_len == BUFFER_SIZE)
      finish_fill (run);
  }
  return !g_queue_is_empty (&run->ready);
}

/* With a spool: the bytes go to its file instead. */
static gboolean
spool_sink (const guint8 * data, gsize len, gpointer user_data)
{
  Run *run = user_data;

  while (len > 0 && run->spool_errno == 0) {
    gssize n = write (run->spool_fd, data, len);

    if (n < 0) {
      if (errno != EINTR)
        run->spool_errno = errno;
      continue;
    }
    data += n;
    len -= (gsize) n;
    run->stream_pos += (guint64) n;
  }
  return run->spool_errno != 0;
}

static void
set_size (GstSeedanceSrc * self, gint64 size)
{
  GstBaseSrc *bsrc = GST_BASE_SRC (self);

  GST_DEBUG_OBJECT (self, "size %" G_GINT64_FORMAT, size);
  self->run.size = size;
  GST_OBJECT_LOCK (self);
  self->size = size;
  bsrc->segment.duration = size;
  GST_OBJECT_UNLOCK (self);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_duration_changed (GST_OBJECT (self)));
}

/* A transfer failed: wait and let the caller resume from where the bytes
 * stopped, unless it failed too often without progress. */
static GstFlowReturn
transfer_failed (GstSeedanceSrc * self, GError * err)
{
  Run *run = &self->run;
  g_autoptr (GError) wait_err = NULL;
  guint delay;

  g_clear_pointer (&run->download, seedance_http_stream_free);
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return GST_FLOW_FLUSHING;

  if (run->stream_pos > run->failure_pos)
    run->failures = 0;
  run->failure_pos = run->stream_pos;
  if (++run->failures > run->s.retries) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        ("Downloading the video failed %u times in a row at byte %"
            G_GUINT64_FORMAT "%s: %s", run->failures, run->stream_pos,
            run->size >= 0 ? " of the file" : "", err->message),
        ("task %s, video host %s", run->task_id, run->video_url));
    return GST_FLOW_ERROR;
  }
  delay = MIN (BACKOFF_MS << (run->failures - 1), 10000);
  GST_INFO_OBJECT (self, "download failed at byte %" G_GUINT64_FORMAT
      " (%s); resuming in %u ms", run->stream_pos, err->message, delay);
  if (!seedance_http_wait (run->http, delay, &wait_err))
    return GST_FLOW_FLUSHING;
  return GST_FLOW_OK;
}

/* A signed URL that expired: the task, queried again, hands out a new
 * one. */
static GstFlowReturn
refresh_video_url (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  g_autoptr (GError) err = NULL;
  g_autoptr (SeedanceServiceError) se = NULL;
  g_autoptr (SeedanceTask) task = NULL;

  run->url_refreshes++;
  GST_INFO_OBJECT (self, "video URL refused; querying task %s again",
      run->task_id);
  task = seedance_client_get_task (run->client, run->task_id, &se, &err);
  if (task == NULL)
    return flow_for_error (self, err, se);
  if (task->video_url == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("The video of task %s is no longer available (status %s)",
            run->task_id, task->status_str), (NULL));
    return GST_FLOW_ERROR;
  }
  report_task (self, task);
  g_free (run->video_url);
  run->video_url = g_strdup (task->video_url);
  return GST_FLOW_OK;
}

static GstFlowReturn
open_download (GstSeedanceSrc * self, SeedanceHttpSink sink)
{
  Run *run = &self->run;

  for (;;) {
    g_autoptr (GError) err = NULL;
    GstFlowReturn ret;
    gint64 total;
    guint status;

    run->download = seedance_client_download_start (run->client,
        run->video_url, run->stream_pos, sink, run, &err);
    if (run->download == NULL) {
      ret = transfer_failed (self, err);
      if (ret != GST_FLOW_OK)
        return ret;
      continue;
    }

    status = seedance_http_stream_get_status (run->download);
    if (g_strcmp0 (seedance_http_stream_get_effective_url (run->download),
            run->video_url) != 0)
      GST_DEBUG_OBJECT (self, "the video was redirected to %s",
          seedance_http_stream_get_effective_url (run->download));
    if (status == 200 || status == 206) {
      total = seedance_http_stream_get_total_size (run->download);
      if (run->size < 0 && total >= 0)
        set_size (self, total);
      else if (run->size >= 0 && total >= 0 && total != run->size) {
        GST_ELEMENT_ERROR (self, RESOURCE, READ,
            ("The video changed size during the download (%" G_GINT64_FORMAT
                " then %" G_GINT64_FORMAT " bytes)", run->size, total), (NULL));
        return GST_FLOW_ERROR;
      }
      return GST_FLOW_OK;
    }
    g_clear_pointer (&run->download, seedance_http_stream_free);

    if (status == 416 && run->size >= 0 &&
        run->stream_pos >= (guint64) run->size)
      return GST_FLOW_EOS;
    if ((status == 403 || status == 404 || status == 410) &&
        run->url_refreshes < MAX_URL_REFRESHES) {
      ret = refresh_video_url (self);
      if (ret != GST_FLOW_OK)
        return ret;
      continue;
    }
    if (status >= 500 || status == 429) {
      g_autoptr (GError) e = g_error_new (SEEDANCE_HTTP_ERROR,
          SEEDANCE_HTTP_ERROR_NETWORK, "the video host answered HTTP %u",
          status);

      ret = transfer_failed (self, e);
      if (ret != GST_FLOW_OK)
        return ret;
      continue;
    }
    post_resource_error (self,
        status == 404 || status == 410 ? GST_RESOURCE_ERROR_NOT_FOUND :
        status == 401 || status == 403 ? GST_RESOURCE_ERROR_NOT_AUTHORIZED :
        GST_RESOURCE_ERROR_READ,
        gst_structure_new ("details", "http-status-code", G_TYPE_UINT,
            status, NULL), g_strdup_printf ("video URL %s", run->video_url),
        "The video host answered HTTP %u for the video of task %s", status,
        run->task_id);
    return GST_FLOW_ERROR;
  }
}

/* Runs the transfer until the sink has something, the file ended, or an
 * error; resumes a broken transfer from where its bytes stopped. */
static GstFlowReturn
pump_download (GstSeedanceSrc * self, SeedanceHttpSink sink, gboolean * done)
{
  Run *run = &self->run;
  g_autoptr (GError) err = NULL;
  gboolean eof = FALSE;

  *done = FALSE;
  if (run->size >= 0 && run->stream_pos >= (guint64) run->size) {
    g_clear_pointer (&run->download, seedance_http_stream_free);
    *done = TRUE;
    return GST_FLOW_OK;
  }
  if (run->download == NULL) {
    GstFlowReturn ret = open_download (self, sink);

    if (ret == GST_FLOW_EOS) {
      *done = TRUE;
      return GST_FLOW_OK;
    }
    if (ret != GST_FLOW_OK)
      return ret;
  }

  if (!seedance_http_stream_pump (run->download, &eof, &err))
    return transfer_failed (self, err);
  if (!eof)
    return GST_FLOW_OK;

  g_clear_pointer (&run->download, seedance_http_stream_free);
  if (run->size >= 0 && run->stream_pos < (guint64) run->size) {
    /* The body ended early: a dropped connection is not the end. */
    g_autoptr (GError) e = g_error_new (SEEDANCE_HTTP_ERROR,
        SEEDANCE_HTTP_ERROR_NETWORK, "the body ended at byte %"
        G_GUINT64_FORMAT " of %" G_GINT64_FORMAT, run->stream_pos, run->size);

    return transfer_failed (self, e);
  }
  if (run->size >= 0 && run->stream_pos > (guint64) run->size) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        ("The video host sent more bytes than it announced"), (NULL));
    return GST_FLOW_ERROR;
  }
  *done = TRUE;
  return GST_FLOW_OK;
}

static gboolean
looks_like_mp4 (GstSeedanceSrc * self, const guint8 * data, gsize len)
{
  GstTypeFindProbability prob = GST_TYPE_FIND_NONE;
  GstCaps *caps = gst_type_find_helper_for_data (GST_OBJECT (self), data, len,
      &prob);
  gboolean ok = FALSE;

  if (caps) {
    GST_DEBUG_OBJECT (self, "the video reads as %" GST_PTR_FORMAT, caps);
    ok = gst_structure_has_name (gst_caps_get_structure (caps, 0),
        "video/quicktime");
    gst_caps_unref (caps);
  }
  return ok;
}

static GstFlowReturn
not_mp4 (GstSeedanceSrc * self)
{
  GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
      ("The file the service delivered for task %s is not an MP4 video",
          self->run.task_id), ("video URL %s", self->run.video_url));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
write_error (GstSeedanceSrc * self, const gchar * what, int err)
{
  post_resource_error (self, err == ENOSPC ? GST_RESOURCE_ERROR_NO_SPACE_LEFT
      : GST_RESOURCE_ERROR_WRITE, NULL, NULL, "%s: %s", what, g_strerror (err));
  return GST_FLOW_ERROR;
}

/* `location` gets its own copy of a clip that lives in the cache. */
static GstFlowReturn
copy_spool_to_location (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  g_autofree guint8 *chunk = g_malloc (BUFFER_SIZE);
  guint64 offset = 0;
  g_autofree gchar *what = g_strdup_printf ("location: cannot write \"%s\"",
      run->s.location);

  while (offset < (guint64) run->size) {
    gssize n = pread (run->spool_fd, chunk, BUFFER_SIZE, (off_t) offset);
    gssize done = 0;

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return write_error (self, what, n < 0 ? errno : EIO);
    while (done < n) {
      gssize w = write (run->location_fd, chunk + done, n - done);

      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return write_error (self, what, errno);
      done += w;
    }
    offset += (guint64) n;
  }
  if (fsync (run->location_fd) != 0 ||
      g_rename (run->location_tmp, run->s.location) != 0)
    return write_error (self, what, errno);
  g_clear_pointer (&run->location_tmp, g_free);
  GST_INFO_OBJECT (self, "saved the video to %s", run->s.location);
  return GST_FLOW_OK;
}

static GstFlowReturn
open_spool (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  g_autoptr (GError) err = NULL;

  if (run->cache) {
    run->spool_fd = seedance_cache_create_temp (run->cache, &run->spool_tmp,
        &err);
    if (run->spool_fd >= 0)
      return GST_FLOW_OK;
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
        ("cache-dir: %s; going on without the cache", err->message), (NULL));
    g_clear_pointer (&run->cache, seedance_cache_free);
  }
  /* Without a cache, the location's own temporary file is the spool. */
  run->spool_fd = run->location_fd;
  run->spool_is_location = TRUE;
  return GST_FLOW_OK;
}

/* The whole file into the spool, checked, then kept: stored in the cache,
 * renamed to `location`, or both. */
static GstFlowReturn
download_to_spool (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  guint8 head[TYPEFIND_SIZE];
  gssize n;

  if (run->spool_fd < 0 && open_spool (self) != GST_FLOW_OK)
    return GST_FLOW_ERROR;

  for (;;) {
    gboolean done = FALSE;
    GstFlowReturn ret = pump_download (self, spool_sink, &done);

    if (run->spool_errno) {
      g_autofree gchar *what = g_strdup_printf ("%s: cannot write \"%s\"",
          run->spool_is_location ? "location" : "cache-dir",
          run->spool_is_location ? run->s.location :
          seedance_cache_get_dir (run->cache));

      return write_error (self, what, run->spool_errno);
    }
    if (ret != GST_FLOW_OK)
      return ret;
    if (done)
      break;
  }
  if (run->size < 0)
    set_size (self, (gint64) run->stream_pos);

  n = pread (run->spool_fd, head, sizeof (head), 0);
  if (n <= 0 || !looks_like_mp4 (self, head, (gsize) n))
    return not_mp4 (self);
  run->type_checked = TRUE;

  if (run->cache) {
    g_autoptr (GError) err = NULL;
    SeedanceCacheLock *lock = seedance_cache_lock (run->cache,
        run->cache_key, self->cancellable, &err);

    /* Stored under the key's lock: another element's lookup must never
     * see half an entry. */
    if (lock && seedance_cache_store_clip (run->cache, run->cache_key,
            run->spool_tmp, run->task_id, run->final_task_json, &err)) {
      g_clear_pointer (&run->spool_tmp, g_free);
      GST_INFO_OBJECT (self, "stored the clip in the cache");
    } else if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_clear_pointer (&lock, seedance_cache_unlock);
      return GST_FLOW_FLUSHING;
    } else {
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("cache-dir: the clip could not be stored: %s", err->message),
          (NULL));
    }
    g_clear_pointer (&lock, seedance_cache_unlock);
  }

  if (run->spool_is_location) {
    g_autofree gchar *what = g_strdup_printf ("location: cannot write \"%s\"",
        run->s.location);

    if (fsync (run->location_fd) != 0 ||
        g_rename (run->location_tmp, run->s.location) != 0)
      return write_error (self, what, errno);
    g_clear_pointer (&run->location_tmp, g_free);
    GST_INFO_OBJECT (self, "saved the video to %s", run->s.location);
  } else if (run->location_fd >= 0) {
    return copy_spool_to_location (self);
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
read_from_spool (GstSeedanceSrc * self, guint64 offset, GstBuffer ** buf)
{
  Run *run = &self->run;
  gsize want, got = 0;
  GstMapInfo map;
  GstBuffer *b;

  if (offset >= (guint64) run->size)
    return GST_FLOW_EOS;
  want = (gsize) MIN ((guint64) BUFFER_SIZE, (guint64) run->size - offset);
  b = gst_buffer_new_allocate (NULL, want, NULL);
  gst_buffer_map (b, &map, GST_MAP_WRITE);
  while (got < want) {
    gssize n = pread (run->spool_fd, map.data + got, want - got,
        (off_t) (offset + got));

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = errno;

      gst_buffer_unmap (b, &map);
      gst_buffer_unref (b);
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("Cannot read the downloaded video back: %s",
              n == 0 ? "the file is shorter than expected" :
              g_strerror (saved)), (NULL));
      return GST_FLOW_ERROR;
    }
    got += (gsize) n;
  }
  gst_buffer_unmap (b, &map);
  GST_BUFFER_OFFSET (b) = offset;
  GST_BUFFER_OFFSET_END (b) = offset + want;
  *buf = b;
  return GST_FLOW_OK;
}

static GstFlowReturn
read_from_network (GstSeedanceSrc * self, guint64 offset, GstBuffer ** buf)
{
  Run *run = &self->run;
  GstBuffer *b;

  if (offset != run->next_offset) {
    /* A seek: what was read ahead is for another place. */
    GST_DEBUG_OBJECT (self, "seek from %" G_GUINT64_FORMAT " to %"
        G_GUINT64_FORMAT, run->next_offset, offset);
    run_clear_download (run);
    run->next_offset = run->stream_pos = offset;
  }

  while (g_queue_is_empty (&run->ready)) {
    gboolean done = FALSE;
    GstFlowReturn ret = pump_download (self, buffer_sink, &done);

    if (ret != GST_FLOW_OK)
      return ret;
    /* Hand out what came, full buffer or not. */
    finish_fill (run);
    if (done && g_queue_is_empty (&run->ready))
      return GST_FLOW_EOS;
  }

  b = g_queue_pop_head (&run->ready);
  if (!run->type_checked && run->next_offset == 0) {
    GstMapInfo map;
    gboolean ok;

    gst_buffer_map (b, &map, GST_MAP_READ);
    ok = looks_like_mp4 (self, map.data, MIN (map.size, TYPEFIND_SIZE));
    gst_buffer_unmap (b, &map);
    if (!ok) {
      gst_buffer_unref (b);
      return not_mp4 (self);
    }
    run->type_checked = TRUE;
  }
  GST_BUFFER_OFFSET (b) = run->next_offset;
  run->next_offset += gst_buffer_get_size (b);
  GST_BUFFER_OFFSET_END (b) = run->next_offset;
  *buf = b;
  return GST_FLOW_OK;
}

static GstFlowReturn
post_dry_run (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  g_autofree gchar *endpoint = seedance_client_get_create_url (run->client);
  const gchar *cache = "off";

  if (run->cache) {
    g_autoptr (GError) err = NULL;
    g_autofree gchar *id = NULL;
    SeedanceCacheLock *lock = seedance_cache_lock (run->cache,
        run->cache_key, self->cancellable, &err);

    if (lock == NULL && g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return GST_FLOW_FLUSHING;
    if (seedance_cache_lookup_clip (run->cache, run->cache_key, NULL, NULL,
            NULL))
      cache = "hit";
    else if ((id = seedance_cache_get_task_id (run->cache, run->cache_key,
                NULL)))
      cache = "resumed";
    else
      cache = "miss";
    g_clear_pointer (&lock, seedance_cache_unlock);
  }
  post_task_message (self, gst_structure_new ("seedance-dry-run",
          "endpoint", G_TYPE_STRING, endpoint,
          "body", G_TYPE_STRING, run->body,
          "task-id", G_TYPE_STRING, run->task_id,
          "cache-key", G_TYPE_STRING, run->cache_key,
          "cache", G_TYPE_STRING, cache, NULL));
  GST_INFO_OBJECT (self, "dry run: nothing sent");
  return GST_FLOW_EOS;
}

static GstFlowReturn
need_key (GstSeedanceSrc * self)
{
  if (self->run.have_key)
    return GST_FLOW_OK;
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
      ("No API key: set the api-key property or the SEEDANCE_API_KEY "
          "environment variable (the clip is not in the cache)"),
      ("nothing was sent"));
  return GST_FLOW_ERROR;
}

/* A clip from the cache: no request at all. */
static GstFlowReturn
serve_cached_clip (GstSeedanceSrc * self, const gchar * path,
    const gchar * task_json)
{
  Run *run = &self->run;
  g_autoptr (SeedanceTask) task = NULL;
  struct stat st;

  run->spool_fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (run->spool_fd < 0 || fstat (run->spool_fd, &st) != 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("cache-dir: cannot read the cached clip \"%s\": %s", path,
            g_strerror (errno)), (NULL));
    return GST_FLOW_ERROR;
  }
  run->origin = "hit";
  set_size (self, st.st_size);
  task = task_json ? seedance_task_parse (task_json, strlen (task_json),
      NULL) : NULL;
  if (task) {
    if (task->id && run->task_id == NULL) {
      run->task_id = g_strdup (task->id);
      set_report (self, &self->task_id, run->task_id, "task-id");
    }
    report_task (self, task);
    set_report (self, &self->status, task->status_str, "status");
    post_final_message (self, task);
    send_tags (self, task);
  }
  GST_INFO_OBJECT (self, "serving the clip from the cache: %s", path);
  if (run->location_fd >= 0)
    return copy_spool_to_location (self);
  return GST_FLOW_OK;
}

/* With a cache, under the key's lock: the stored clip, else the journalled
 * task, else a new task journalled at once. */
static GstFlowReturn
claim_from_cache (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  g_autoptr (GError) err = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *task_json = NULL;
  SeedanceCacheLock *lock;
  GstFlowReturn ret = GST_FLOW_OK;

  lock = seedance_cache_lock (run->cache, run->cache_key, self->cancellable,
      &err);
  if (lock == NULL) {
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return GST_FLOW_FLUSHING;
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
        ("cache-dir: %s; going on without the cache", err->message), (NULL));
    g_clear_pointer (&run->cache, seedance_cache_free);
    return GST_FLOW_OK;
  }

  if (seedance_cache_lookup_clip (run->cache, run->cache_key, &path,
          &task_json, &err)) {
    seedance_cache_unlock (lock);
    return serve_cached_clip (self, path, task_json);
  }
  if (err) {
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("cache-dir: %s; it was removed and will be replaced", err->message),
        (NULL));
    g_clear_error (&err);
  }

  run->task_id = seedance_cache_get_task_id (run->cache, run->cache_key, &err);
  if (err) {
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("cache-dir: %s; it was removed", err->message), (NULL));
    g_clear_error (&err);
  }
  if (run->task_id) {
    GST_INFO_OBJECT (self, "resuming journalled task %s", run->task_id);
    run->origin = "resumed";
    run->from_journal = TRUE;
    set_report (self, &self->task_id, run->task_id, "task-id");
    post_task_message (self, gst_structure_new ("seedance-task",
            "event", G_TYPE_STRING, "resumed",
            "task-id", G_TYPE_STRING, run->task_id,
            "elapsed", G_TYPE_DOUBLE, elapsed_s (self), NULL));
  } else if ((ret = need_key (self)) == GST_FLOW_OK &&
      (ret = create_task (self)) == GST_FLOW_OK) {
    run->origin = "created";
    /* Journalled the moment the answer arrived: from here on, a crash
     * loses nothing that was paid for. */
    if (!seedance_cache_put_task_id (run->cache, run->cache_key,
            run->task_id, &err))
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("cache-dir: the task could not be journalled: %s", err->message),
          (NULL));
  }
  seedance_cache_unlock (lock);
  return ret;
}

/* Under the key's lock, and only if the journal still names the task that
 * could not be resumed: another run may have journalled a new one since,
 * and dropping that would have this run pay a second time. */
static void
drop_stale_journal (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  SeedanceCacheLock *lock = seedance_cache_lock (run->cache, run->cache_key,
      self->cancellable, NULL);
  g_autofree gchar *current = NULL;

  if (lock == NULL)
    return;
  current = seedance_cache_get_task_id (run->cache, run->cache_key, NULL);
  if (g_strcmp0 (current, run->task_id) == 0)
    seedance_cache_drop_task_id (run->cache, run->cache_key, NULL);
  seedance_cache_unlock (lock);
}

/* Until the task has succeeded: a dry run, the cache, a create or a
 * resume, then the polling. */
static GstFlowReturn
obtain_video (GstSeedanceSrc * self)
{
  Run *run = &self->run;
  GstFlowReturn ret;

  if (run->s.dry_run)
    return post_dry_run (self);

  for (;;) {
    gboolean query_now;

    if (run->task_id == NULL && run->cache) {
      /* Then: a clip (served), a task id, or no cache any more. */
      ret = claim_from_cache (self);
      if (ret != GST_FLOW_OK || run->spool_fd >= 0)
        return ret;
    }
    if (run->task_id == NULL) {
      if ((ret = need_key (self)) != GST_FLOW_OK ||
          (ret = create_task (self)) != GST_FLOW_OK)
        return ret;
      run->origin = "created";
    } else if (run->origin == NULL) {
      run->origin = "resumed";
      set_report (self, &self->task_id, run->task_id, "task-id");
    }
    if ((ret = need_key (self)) != GST_FLOW_OK)
      return ret;

    /* A new task is queued: its first query can wait an interval.  A
     * resumed one may already be done. */
    query_now = g_strcmp0 (run->origin, "resumed") == 0 &&
        run->status == SEEDANCE_STATUS_UNKNOWN;
    ret = poll_task (self, query_now);
    if (ret != FLOW_STALE_JOURNAL)
      return ret;

    GST_INFO_OBJECT (self, "journalled task %s cannot be resumed; creating "
        "a new one", run->task_id);
    if (run->cache)
      drop_stale_journal (self);
    g_clear_pointer (&run->task_id, g_free);
    run->from_journal = FALSE;
    run->origin = NULL;
    run->status = SEEDANCE_STATUS_UNKNOWN;
  }
}

static GstFlowReturn
gst_seedance_src_create (GstBaseSrc * bsrc, guint64 offset, guint length,
    GstBuffer ** buf)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);
  Run *run = &self->run;
  GstFlowReturn ret;

  if (run->phase == PHASE_TASK) {
    ret = obtain_video (self);
    if (ret != GST_FLOW_OK)
      return ret;
    /* A cached clip is already in the spool. */
    if (run->spool_fd >= 0)
      run->phase = PHASE_STREAM;
    else if (run->cache || run->location_fd >= 0)
      run->phase = PHASE_SPOOL;
    else
      run->phase = PHASE_STREAM;
  }
  if (run->phase == PHASE_SPOOL) {
    ret = download_to_spool (self);
    if (ret != GST_FLOW_OK)
      return ret;
    run->phase = PHASE_STREAM;
  }

  if (run->spool_fd >= 0)
    return read_from_spool (self, offset, buf);
  return read_from_network (self, offset, buf);
}

/* --- seeking and queries --- */

static gboolean
gst_seedance_src_is_seekable (GstBaseSrc * bsrc)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);
  gboolean seekable;

  /* Not before the size is known: a seek needs somewhere to land. */
  GST_OBJECT_LOCK (self);
  seekable = self->size >= 0;
  GST_OBJECT_UNLOCK (self);
  return seekable;
}

static gboolean
gst_seedance_src_get_size (GstBaseSrc * bsrc, guint64 * size)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);
  gboolean known;

  GST_OBJECT_LOCK (self);
  known = self->size >= 0;
  if (known)
    *size = (guint64) self->size;
  GST_OBJECT_UNLOCK (self);
  return known;
}

static gboolean
gst_seedance_src_do_seek (GstBaseSrc * bsrc, GstSegment * segment)
{
  /* create() sees the new offset and reopens the transfer there (a Range
   * request) or reads the local copy there. */
  GST_DEBUG_OBJECT (bsrc, "seek to %" G_GUINT64_FORMAT, segment->start);
  segment->time = segment->start;
  return TRUE;
}

static gboolean
gst_seedance_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_SCHEDULING:{
      /* Push mode only, seekable once the size is known: pull mode would
       * let downstream ask for any range at any time, and a network source
       * is bandwidth-limited (playbin then buffers). */
      GstSchedulingFlags flags = GST_SCHEDULING_FLAG_BANDWIDTH_LIMITED;

      if (gst_seedance_src_is_seekable (bsrc))
        flags |= GST_SCHEDULING_FLAG_SEEKABLE;
      gst_query_set_scheduling (query, flags, 1, -1, 0);
      gst_query_add_scheduling_mode (query, GST_PAD_MODE_PUSH);
      return TRUE;
    }
    case GST_QUERY_URI:{
      GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);
      gchar *uri;

      GST_OBJECT_LOCK (self);
      uri = g_strdup (self->uri);
      GST_OBJECT_UNLOCK (self);
      if (uri == NULL)
        break;
      gst_query_set_uri (query, uri);
      g_free (uri);
      return TRUE;
    }
    default:
      break;
  }
  return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
}

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
  value_array_from_strv (&value, (GStrv) values->pdata);
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

static void
gst_seedance_src_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  GstURIHandlerInterface *iface = (GstURIHandlerInterface *) g_iface;

  iface->get_type = gst_seedance_src_uri_get_type;
  iface->get_protocols = gst_seedance_src_uri_get_protocols;
  iface->get_uri = gst_seedance_src_uri_get_uri;
  iface->set_uri = gst_seedance_src_uri_set_uri;
}
