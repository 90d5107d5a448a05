/* GStreamer Seedance video generation source
 * SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/**
 * SECTION:element-seedancesrc
 * @title: seedancesrc
 *
 * seedancesrc generates a video from a text prompt (and optional reference
 * images, videos and audio) with the Seedance video API: it creates a
 * generation task, polls it in its streaming thread, then downloads the
 * generated MP4 and pushes it downstream as `video/quicktime`.  The output
 * is byte-seekable once its size is known, like souphttpsrc.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 seedancesrc prompt="A cat stretching in the morning sun" \
 *     ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! autovideosink
 * ]|
 *
 * The API key comes from #GstSeedanceSrc:api-key, else the environment
 * variable SEEDANCE_API_KEY, else ARK_API_KEY.  It is sent to the API host
 * only.
 *
 * ## Paying once
 * The same request (the same URI or properties) gives the same clip and is
 * paid for once, in this process or the next: with #GstSeedanceSrc:cache
 * (on by default) a journal records each task the moment it is created and
 * the finished clip is kept, so a rerun, a second open of the URI or a
 * second element resumes the task or serves the clip.  A new take comes
 * from another #GstSeedanceSrc:seed, or from cache=false.
 *
 * ## Messages
 * Element messages named `seedance-task` follow the task; their `event`
 * field says what happened:
 *  - `created`: the task was created (`task-id`, `elapsed`);
 *  - `resumed`: a journalled task is being resumed (`task-id`);
 *  - `status`: a new status that is not final (`status`);
 *  - `succeeded`: the task is done, with what the service said of it
 *    (`model`, `seed`, `resolution`, `ratio`, `duration` or `frames`,
 *    `framespersecond`, `completion-tokens`, `total-tokens`, `video-url`,
 *    `cache`: "created", "resumed" or "hit", and with
 *    #GstSeedanceSrc:return-last-frame the `last-frame-url` and the image
 *    as a #GstSample in `last-frame`).
 *
 * With #GstSeedanceSrc:dry-run, one `seedance-dry-run` message carries the
 * `endpoint`, the create `body`, the `cache-key` and what the cache holds
 * (`cache`: "off", "miss", "resumed" or "hit"); nothing is sent.
 *
 * Progress messages (#GST_MESSAGE_PROGRESS, code "seedance-generate")
 * start when the task is created or resumed and complete when it has
 * succeeded.  Errors carry details (`task-id`, `http-status-code`, and the
 * service's `code`, `message`, `type`, `param`).
 *
 * ## Blocking calls
 * The #GstSeedanceSrc::cancel signal and #GstSeedanceSrc:cancel-on-stop
 * make one DELETE request to the service from the calling thread (the
 * state change, for cancel-on-stop), bounded to a few seconds.  Nothing
 * else blocks a state change on the network.
 */

/* Thread-safety and locks:
 * - GST_OBJECT_LOCK (self) guards `settings` (written by set_property,
 *   copied whole by start()), the reports (`task_id`, `status`,
 *   `video_url`, `last_frame_url`, `usage_tokens`, `actual_seed`), `size`
 *   (read by queries from any thread), `uri`, and `run.task.status` as far
 *   as other threads read it.  It is never held across I/O or while posting
 *   a message or notifying.
 * - Two cancellables, both thread-safe: `cancellable` is the one flush
 *   path: unlock() cancels it, unlock_stop() resets it, and every wait of
 *   the streaming thread (poll interval, backoff, transfer, cache lock,
 *   hub) watches it.  `poll_wake` only ends a poll interval early, without
 *   flushing, after the cancel signal.
 * - `run` otherwise belongs to the streaming thread.  start() and stop()
 *   touch it only while that thread is not running, as GstBaseSrc
 *   guarantees.
 * There is no other lock, so there is no lock order.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstseedancesrc-private.h"

#include <string.h>

GST_DEBUG_CATEGORY (gst_seedance_src_debug);

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
#define DEFAULT_PRIORITY -1
#define DEFAULT_POLL_INTERVAL 5000
#define MIN_POLL_INTERVAL 100
#define DEFAULT_TIMEOUT 0
#define DEFAULT_RETRIES 5
#define DEFAULT_CONNECT_TIMEOUT 15
#define DEFAULT_STALL_TIMEOUT 30
#define DEFAULT_SSL_STRICT TRUE
#define DEFAULT_CANCEL_ON_STOP FALSE
#define DEFAULT_CACHE TRUE
#define DEFAULT_CACHE_MAX_SIZE (G_GUINT64_CONSTANT (4) << 30)
#define DEFAULT_REQUESTS_PER_MINUTE 0
#define DEFAULT_REQUESTS_PER_MINUTE_ENV "SEEDANCE_REQUESTS_PER_MINUTE"
#define DEFAULT_DRY_RUN FALSE

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
  PROP_CACHE,
  PROP_CACHE_DIR,
  PROP_CACHE_MAX_SIZE,
  PROP_REQUESTS_PER_MINUTE,
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

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/quicktime"));

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
static gboolean gst_seedance_src_query (GstBaseSrc * bsrc, GstQuery * query);
static GstFlowReturn gst_seedance_src_create (GstBaseSrc * bsrc,
    guint64 offset, guint length, GstBuffer ** buf);
static void gst_seedance_src_cancel (GstSeedanceSrc * self);

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
  s->cache = DEFAULT_CACHE;
  s->cache_max_size = DEFAULT_CACHE_MAX_SIZE;
  s->requests_per_minute = DEFAULT_REQUESTS_PER_MINUTE;
}

/* --- class --- */

#define RW_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
install_string (GObjectClass * gobject_class, guint id, const gchar * name,
    const gchar * nick, const gchar * blurb, const gchar * def)
{
  g_object_class_install_property (gobject_class, id,
      g_param_spec_string (name, nick, blurb, def, RW_READY));
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
      g_param_spec_boolean (name, nick, blurb, def, RW_READY));
}

static void
install_uint (GObjectClass * gobject_class, guint id, const gchar * name,
    const gchar * nick, const gchar * blurb, guint min, guint max, guint def)
{
  g_object_class_install_property (gobject_class, id,
      g_param_spec_uint (name, nick, blurb, min, max, def, RW_READY));
}

static void
install_media_array (GObjectClass * gobject_class, guint id,
    const gchar * name, const gchar * nick, const gchar * blurb)
{
  g_object_class_install_property (gobject_class, id,
      gst_param_spec_array (name, nick, blurb,
          g_param_spec_string ("reference", "Reference",
              "A URL, asset:// ID, data: URI, file:// URI or local path",
              NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS), RW_READY));
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

  /**
   * GstSeedanceSrc:api-key:
   *
   * The Seedance API key.  Write-only: no gst-inspect, dot file or notify
   * shows it, and it is sent to the API host only.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_API_KEY,
      g_param_spec_string ("api-key", "API key",
          "The Seedance API key (write-only).  Unset: the environment "
          "variable SEEDANCE_API_KEY, else ARK_API_KEY.  Sent to the API "
          "host only, never to the host of the video", DEFAULT_API_KEY,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  /**
   * GstSeedanceSrc:base-url:
   *
   * The API root, with its /api/v3 part.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_BASE_URL, "base-url", "Base URL",
      "The API root, with its /api/v3 part.  Unset: the environment "
      "variable SEEDANCE_BASE_URL, else " DEFAULT_BASE_URL, NULL);
  /**
   * GstSeedanceSrc:model:
   *
   * The model that generates the video.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_MODEL, "model", "Model",
      "The model: " SEEDANCE_DEFAULT_MODEL " (480p, 720p, 1080p) or "
      SEEDANCE_FAST_MODEL " (480p, 720p)", DEFAULT_MODEL);
  /**
   * GstSeedanceSrc:prompt:
   *
   * The text prompt, sent as a "text" content item.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_PROMPT, "prompt", "Prompt",
      "The text prompt (a \"text\" content item)", DEFAULT_PROMPT);
  /**
   * GstSeedanceSrc:ratio:
   *
   * The aspect ratio of the video.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_RATIO, "ratio", "Aspect ratio",
      "The aspect ratio: 16:9, 9:16 or 1:1", DEFAULT_RATIO);
  /**
   * GstSeedanceSrc:resolution:
   *
   * The resolution of the video.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_RESOLUTION, "resolution", "Resolution",
      "The resolution: 480p, 720p or 1080p", DEFAULT_RESOLUTION);
  /**
   * GstSeedanceSrc:duration:
   *
   * The length of the video in seconds, 5 to 15.  The range of the
   * property is wide on purpose: a value out of range is an error naming
   * the rule when the element starts, not a warning and a silent default
   * that still costs money.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_DURATION,
      g_param_spec_int ("duration", "Duration",
          "Length of the video in seconds, 5 to 15 (checked at start).  "
          "Setting it unsets frames; 0 = not sent", 0, G_MAXINT,
          DEFAULT_DURATION, RW_READY));
  /**
   * GstSeedanceSrc:frames:
   *
   * The length of the video in frames, the alternative to
   * #GstSeedanceSrc:duration.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_FRAMES,
      g_param_spec_int ("frames", "Frames",
          "Length of the video in frames, the alternative to duration.  "
          "Setting it above 0 unsets duration; 0 = not sent", 0, G_MAXINT,
          DEFAULT_FRAMES, RW_READY));
  /**
   * GstSeedanceSrc:seed:
   *
   * The random seed.  With the cache, another seed is another clip.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_int64 ("seed", "Seed",
          "Random seed, 0 to 4294967295; -1 = random (not sent)",
          G_MININT64, G_MAXINT64, DEFAULT_SEED, RW_READY));
  /**
   * GstSeedanceSrc:generate-audio:
   *
   * Generate a synchronized audio track.
   *
   * Since: 0.1
   */
  install_bool (gobject_class, PROP_GENERATE_AUDIO, "generate-audio",
      "Generate audio", "Generate a synchronized audio track",
      DEFAULT_GENERATE_AUDIO);
  /**
   * GstSeedanceSrc:watermark:
   *
   * Add the AI-generated watermark.
   *
   * Since: 0.1
   */
  install_bool (gobject_class, PROP_WATERMARK, "watermark", "Watermark",
      "Add the AI-generated watermark (sent when true)", DEFAULT_WATERMARK);
  /**
   * GstSeedanceSrc:return-last-frame:
   *
   * Ask for the last frame as an image: it is fetched and posted in the
   * `succeeded` seedance-task message.
   *
   * Since: 0.1
   */
  install_bool (gobject_class, PROP_RETURN_LAST_FRAME, "return-last-frame",
      "Return last frame", "Ask for the last frame as an image: it is "
      "fetched and posted in the final seedance-task message (sent when "
      "true)", DEFAULT_RETURN_LAST_FRAME);
  /**
   * GstSeedanceSrc:service-tier:
   *
   * The service tier.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_SERVICE_TIER, "service-tier",
      "Service tier", "The service tier: default or flex (unset: not sent)",
      DEFAULT_SERVICE_TIER);
  /**
   * GstSeedanceSrc:execution-expires-after:
   *
   * The task's timeout on the service, in seconds.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class,
      PROP_EXECUTION_EXPIRES_AFTER, g_param_spec_int64
      ("execution-expires-after", "Execution expires after",
          "Task timeout on the service, in seconds; 0 = not sent", 0,
          G_MAXINT64, DEFAULT_EXECUTION_EXPIRES_AFTER, RW_READY));
  /**
   * GstSeedanceSrc:first-frame:
   *
   * Image-to-video: the first frame.  Local files are sent as data URIs,
   * their type read from their content.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_FIRST_FRAME, "first-frame",
      "First frame", "Image-to-video: the first frame (URL, asset://, data: "
      "URI, file:// URI or local path; local files are sent as data URIs)",
      NULL);
  /**
   * GstSeedanceSrc:last-frame:
   *
   * The last frame; needs #GstSeedanceSrc:first-frame.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_LAST_FRAME, "last-frame", "Last frame",
      "The last frame; needs first-frame", NULL);
  /**
   * GstSeedanceSrc:reference-images:
   *
   * Multimodal reference images, 1 to 9.
   *
   * Since: 0.1
   */
  install_media_array (gobject_class, PROP_REFERENCE_IMAGES,
      "reference-images", "Reference images",
      "Multimodal reference images, 1 to 9, e.g. "
      "'<\"a.png\", \"https://x/b.jpg\">'");
  /**
   * GstSeedanceSrc:reference-videos:
   *
   * Multimodal reference videos, at most 3 and 15 s in all.
   *
   * Since: 0.1
   */
  install_media_array (gobject_class, PROP_REFERENCE_VIDEOS,
      "reference-videos", "Reference videos",
      "Multimodal reference videos, at most 3, as http(s) URLs or asset:// "
      "IDs, 15 s in all");
  /**
   * GstSeedanceSrc:reference-audios:
   *
   * Multimodal reference audio, at most 3 and 15 s in all; needs a
   * reference image or video beside it.
   *
   * Since: 0.1
   */
  install_media_array (gobject_class, PROP_REFERENCE_AUDIOS,
      "reference-audios", "Reference audios",
      "Multimodal reference audio, at most 3, 15 s in all; needs a "
      "reference image or video");
  /**
   * GstSeedanceSrc:draft-task-id:
   *
   * Make the final video from this draft task; it stands alone.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_DRAFT_TASK_ID, "draft-task-id",
      "Draft task ID", "Make the final video from this draft task (stands "
      "alone: no prompt or media)", NULL);
  /**
   * GstSeedanceSrc:priority:
   *
   * The task's priority, 0 to 9, higher first.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PRIORITY,
      g_param_spec_int ("priority", "Priority",
          "Task priority, 0 to 9, higher runs first; -1 = not sent",
          -1, G_MAXINT, DEFAULT_PRIORITY, RW_READY));
  /**
   * GstSeedanceSrc:callback-url:
   *
   * An http(s) URL the service POSTs the task object to at each status
   * change.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_CALLBACK_URL, "callback-url",
      "Callback URL", "An http(s) URL the service POSTs the task to at each "
      "status change (unset: not sent)", NULL);
  /**
   * GstSeedanceSrc:safety-identifier:
   *
   * A stable ID of the end user, for the provider's abuse controls.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_SAFETY_IDENTIFIER, "safety-identifier",
      "Safety identifier", "A stable ID of the end user, at most 64 "
      "characters, for the provider's abuse controls (unset: not sent)", NULL);
  /**
   * GstSeedanceSrc:poll-interval:
   *
   * Milliseconds between two queries of the task's status.  Elements of one
   * process that use the same service share their queries: the tasks that
   * are due are asked for in one call.
   *
   * Since: 0.1
   */
  install_uint (gobject_class, PROP_POLL_INTERVAL, "poll-interval",
      "Poll interval", "Milliseconds between two queries of the task",
      MIN_POLL_INTERVAL, G_MAXUINT, DEFAULT_POLL_INTERVAL);
  /**
   * GstSeedanceSrc:timeout:
   *
   * Seconds to wait for the task to finish, rate limits included.
   *
   * Since: 0.1
   */
  install_uint (gobject_class, PROP_TIMEOUT, "timeout", "Timeout",
      "Seconds to wait for the task to finish; 0 = no limit", 0, G_MAXUINT,
      DEFAULT_TIMEOUT);
  /**
   * GstSeedanceSrc:task-id:
   *
   * The task's ID once created.  Set before start to resume that task
   * instead of creating one.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_TASK_ID, "task-id", "Task ID",
      "The task's ID once created.  Set before start to resume that task "
      "instead of creating one (nothing is paid twice)", NULL);
  /**
   * GstSeedanceSrc:location:
   *
   * Also keep the MP4 in this file, written under a temporary name beside
   * it and renamed once whole.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_LOCATION, "location", "Location",
      "Also keep the downloaded MP4 in this file, written under a "
      "temporary name and renamed once whole", NULL);
  /**
   * GstSeedanceSrc:retries:
   *
   * How often a failed query or transfer is tried again: consecutive
   * failures without progress.  A rate limit (429) is not a failure.
   *
   * Since: 0.1
   */
  install_uint (gobject_class, PROP_RETRIES, "retries", "Retries",
      "How often a failed query or transfer is tried again before giving "
      "up (consecutive failures; a 429 does not count)", 0, 100,
      DEFAULT_RETRIES);
  /**
   * GstSeedanceSrc:connect-timeout:
   *
   * Seconds to wait for a connection.
   *
   * Since: 0.1
   */
  install_uint (gobject_class, PROP_CONNECT_TIMEOUT, "connect-timeout",
      "Connect timeout", "Seconds to wait for a connection; 0 = libcurl's "
      "default", 0, 3600, DEFAULT_CONNECT_TIMEOUT);
  /**
   * GstSeedanceSrc:stall-timeout:
   *
   * Seconds without a byte before a transfer is abandoned; a download is
   * then resumed where it stopped.
   *
   * Since: 0.1
   */
  install_uint (gobject_class, PROP_STALL_TIMEOUT, "stall-timeout",
      "Stall timeout", "Seconds without a byte before a transfer is "
      "abandoned (and a download resumed); 0 = none", 0, 3600,
      DEFAULT_STALL_TIMEOUT);
  /**
   * GstSeedanceSrc:ssl-strict:
   *
   * Verify TLS certificates and host names.  When false, a WARNING in the
   * debug log says so once per run.
   *
   * Since: 0.1
   */
  install_bool (gobject_class, PROP_SSL_STRICT, "ssl-strict", "SSL strict",
      "Verify TLS certificates and host names", DEFAULT_SSL_STRICT);
  /**
   * GstSeedanceSrc:ssl-ca-file:
   *
   * A file of CA certificates to trust instead of the system's, for both
   * the API host and the video host.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_SSL_CA_FILE, "ssl-ca-file",
      "SSL CA file", "A file of CA certificates to trust instead of the "
      "system's", NULL);
  /**
   * GstSeedanceSrc:proxy:
   *
   * An HTTP proxy URL, credentials included if needed
   * (http://user:password@host:port).  Reading the property back gives it
   * without its credentials.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_PROXY, "proxy", "Proxy",
      "HTTP proxy URL, e.g. http://user:pass@host:3128 (read back without "
      "credentials).  Unset: libcurl's environment variables (https_proxy, "
      "http_proxy, all_proxy, no_proxy)", NULL);
  /**
   * GstSeedanceSrc:user-agent:
   *
   * The User-Agent header.
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_USER_AGENT, "user-agent", "User agent",
      "The User-Agent header (unset: gst-seedance/" VERSION ")", NULL);
  /**
   * GstSeedanceSrc:cancel-on-stop:
   *
   * When the element stops before the video was delivered and the task is
   * still queued, cancel it: one DELETE request from the state change,
   * bounded to a few seconds.
   *
   * Since: 0.1
   */
  install_bool (gobject_class, PROP_CANCEL_ON_STOP, "cancel-on-stop",
      "Cancel on stop", "When the element stops before the video was "
      "delivered and the task is still queued, cancel it (DELETE); never "
      "for a task in any other status", DEFAULT_CANCEL_ON_STOP);
  /**
   * GstSeedanceSrc:cache:
   *
   * Keep a journal of created tasks and the finished clips, so that the
   * same request is paid for once: a second open of the same URI, another
   * element or a rerun resumes the task or serves the stored clip.
   *
   * Since: 0.1
   */
  install_bool (gobject_class, PROP_CACHE, "cache", "Cache",
      "Pay once: journal each created task and keep the finished clip, so "
      "that the same request, in this process or the next, resumes the "
      "task or serves the clip.  false: every start is a new task",
      DEFAULT_CACHE);
  /**
   * GstSeedanceSrc:cache-dir:
   *
   * Where the cache lives; per user, private (mode 0700).
   *
   * Since: 0.1
   */
  install_string (gobject_class, PROP_CACHE_DIR, "cache-dir",
      "Cache directory", "Where the journal and the clips are kept.  Unset: "
      "the environment variable SEEDANCE_CACHE_DIR, else "
      "$XDG_CACHE_HOME/gst-seedance (~/.cache/gst-seedance)", NULL);
  /**
   * GstSeedanceSrc:cache-max-size:
   *
   * The bytes of clips the cache keeps; the least recently used go first.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CACHE_MAX_SIZE,
      g_param_spec_uint64 ("cache-max-size", "Cache maximum size",
          "Bytes of clips to keep; the least recently used are removed "
          "first; 0 = no bound", 0, G_MAXUINT64, DEFAULT_CACHE_MAX_SIZE,
          RW_READY));
  /**
   * GstSeedanceSrc:requests-per-minute:
   *
   * A cap on the API calls per minute that all elements of this process
   * make to one service with one key.  Without it the pace is learnt from
   * the service's 429 answers.
   *
   * Since: 0.1
   */
  install_uint (gobject_class, PROP_REQUESTS_PER_MINUTE,
      "requests-per-minute", "Requests per minute",
      "Cap on the API calls per minute of all elements of this process for "
      "one service and key.  0 = the environment variable "
      DEFAULT_REQUESTS_PER_MINUTE_ENV ", else learnt from 429 answers",
      0, G_MAXUINT, DEFAULT_REQUESTS_PER_MINUTE);
  /**
   * GstSeedanceSrc:dry-run:
   *
   * Validate and build the request, post it in a `seedance-dry-run`
   * message, and send nothing.
   *
   * Since: 0.1
   */
  install_bool (gobject_class, PROP_DRY_RUN, "dry-run", "Dry run",
      "Validate and build the request, post it in a seedance-dry-run "
      "message, and send nothing", DEFAULT_DRY_RUN);

  /**
   * GstSeedanceSrc:status:
   *
   * The last status of the task seen.
   *
   * Since: 0.1
   */
  install_report (gobject_class, PROP_STATUS, "status", "Status",
      "The last status seen: queued, running, succeeded, failed, expired, "
      "cancelled");
  /**
   * GstSeedanceSrc:video-url:
   *
   * The generated video's URL (signed, temporary).
   *
   * Since: 0.1
   */
  install_report (gobject_class, PROP_VIDEO_URL, "video-url", "Video URL",
      "The generated video's URL (signed, temporary)");
  /**
   * GstSeedanceSrc:last-frame-url:
   *
   * The last frame image's URL, with #GstSeedanceSrc:return-last-frame.
   *
   * Since: 0.1
   */
  install_report (gobject_class, PROP_LAST_FRAME_URL, "last-frame-url",
      "Last frame URL", "The last frame image's URL, with return-last-frame");
  /**
   * GstSeedanceSrc:usage-tokens:
   *
   * The tokens the task used (usage.total_tokens); notified when known.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_USAGE_TOKENS,
      g_param_spec_int64 ("usage-tokens", "Usage tokens",
          "Tokens the task used (usage.total_tokens); -1 = not known yet",
          -1, G_MAXINT64, -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstSeedanceSrc:actual-seed:
   *
   * The seed the service used; notified when known.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ACTUAL_SEED,
      g_param_spec_int64 ("actual-seed", "Actual seed",
          "The seed the service used; -1 = not known yet", -1, G_MAXINT64,
          -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstSeedanceSrc::cancel:
   *
   * Cancels the current task now, if it is still queued: the element then
   * ends with an error saying so.  A running task cannot be cancelled: a
   * warning says so and the element carries on.  The DELETE request is
   * made from the calling thread, bounded to a few seconds.
   *
   * Since: 0.1
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
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_seedance_src_query);
  basesrc_class->create = GST_DEBUG_FUNCPTR (gst_seedance_src_create);

  GST_DEBUG_CATEGORY_INIT (gst_seedance_src_debug, "seedancesrc", 0,
      "Seedance video generation source");
}

static void
run_init (Run * run)
{
  memset (run, 0, sizeof (*run));
  run->out.size = -1;
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
  run_init (&self->run);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_BYTES);
}

static void
gst_seedance_src_finalize (GObject * object)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (object);

  gst_seedance_src_settings_clear (&self->settings);
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

/* A URL without its user information: what a proxy URL may be shown as. */
static gchar *
redact_url (const gchar * url)
{
  g_autoptr (GUri) uri = NULL;

  if (url == NULL)
    return NULL;
  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, NULL);
  if (uri == NULL)
    return g_strdup ("(not a URL)");
  return g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO);
}

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
      gst_seedance_src_wipe_string (&s->api_key);
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
      s->reference_images = gst_seedance_src_strv_from_value_array (value);
      break;
    case PROP_REFERENCE_VIDEOS:
      g_strfreev (s->reference_videos);
      s->reference_videos = gst_seedance_src_strv_from_value_array (value);
      break;
    case PROP_REFERENCE_AUDIOS:
      g_strfreev (s->reference_audios);
      s->reference_audios = gst_seedance_src_strv_from_value_array (value);
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
      gst_seedance_src_wipe_string (&s->proxy);
      set_string (&s->proxy, value);
      break;
    case PROP_USER_AGENT:
      set_string (&s->user_agent, value);
      break;
    case PROP_CANCEL_ON_STOP:
      s->cancel_on_stop = g_value_get_boolean (value);
      break;
    case PROP_CACHE:
      s->cache = g_value_get_boolean (value);
      break;
    case PROP_CACHE_DIR:
      set_string (&s->cache_dir, value);
      break;
    case PROP_CACHE_MAX_SIZE:
      s->cache_max_size = g_value_get_uint64 (value);
      break;
    case PROP_REQUESTS_PER_MINUTE:
      s->requests_per_minute = g_value_get_uint (value);
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
      gst_seedance_src_value_array_from_strv (value, s->reference_images);
      break;
    case PROP_REFERENCE_VIDEOS:
      gst_seedance_src_value_array_from_strv (value, s->reference_videos);
      break;
    case PROP_REFERENCE_AUDIOS:
      gst_seedance_src_value_array_from_strv (value, s->reference_audios);
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
      /* Read back for dot files and inspectors: never the credentials. */
      g_value_take_string (value, redact_url (s->proxy));
      break;
    case PROP_USER_AGENT:
      g_value_set_string (value, s->user_agent);
      break;
    case PROP_CANCEL_ON_STOP:
      g_value_set_boolean (value, s->cancel_on_stop);
      break;
    case PROP_CACHE:
      g_value_set_boolean (value, s->cache);
      break;
    case PROP_CACHE_DIR:
      g_value_set_string (value, s->cache_dir);
      break;
    case PROP_CACHE_MAX_SIZE:
      g_value_set_uint64 (value, s->cache_max_size);
      break;
    case PROP_REQUESTS_PER_MINUTE:
      g_value_set_uint (value, s->requests_per_minute);
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

/* --- start and stop --- */

static void
run_clear_task (TaskState * task)
{
  g_free (task->body);
  g_free (task->id);
  g_free (task->video_url);
  g_free (task->final_json);
}

static void
run_clear_cache (CacheState * cache)
{
  /* The claim first: it releases the key's lock. */
  g_clear_pointer (&cache->claim, seedance_cache_claim_free);
  g_clear_pointer (&cache->cache, seedance_cache_free);
  g_free (cache->key);
}

static void
run_clear (Run * run)
{
  /* The transfer first: it borrows the cache. */
  g_clear_pointer (&run->out.transfer, seedance_transfer_free);
  run_clear_cache (&run->cache);
  run_clear_task (&run->task);
  g_clear_pointer (&run->client, seedance_client_free);
  g_clear_pointer (&run->hub, seedance_hub_release);
  gst_seedance_src_settings_clear (&run->s);
  run_init (run);
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

static guint
resolve_requests_per_minute (const Settings * s)
{
  const gchar *env = g_getenv (DEFAULT_REQUESTS_PER_MINUTE_ENV);
  guint64 rpm = 0;

  if (s->requests_per_minute > 0)
    return s->requests_per_minute;
  if (env && g_ascii_string_to_unsigned (env, 10, 1, G_MAXUINT, &rpm, NULL))
    return (guint) rpm;
  return 0;
}

/* The client of a run, or of the cancel path (short timeouts, no retries,
 * no hub, no flushing: it must not disturb the streaming thread). */
static SeedanceClient *
make_client (GstSeedanceSrc * self, const Settings * s, gboolean for_cancel,
    SeedanceHub * hub, gint64 deadline_us, GCancellable * cancellable)
{
  SeedanceHttpConfig hc = { 0, };
  SeedanceClientConfig cc = { 0, };
  g_autofree gchar *key = resolve_api_key (s);
  g_autofree gchar *base_url = resolve_base_url (s);
  SeedanceClient *client;

  hc.connect_timeout_s = for_cancel ? CANCEL_TIMEOUT_S : s->connect_timeout;
  hc.stall_timeout_s = for_cancel ? CANCEL_TIMEOUT_S : s->stall_timeout;
  hc.user_agent = s->user_agent;
  hc.proxy = s->proxy;
  hc.ssl_strict = s->ssl_strict;
  hc.ca_file = s->ssl_ca_file;
  cc.base_url = base_url;
  cc.api_key = key;
  cc.retries = for_cancel ? 0 : s->retries;
  cc.backoff_ms = BACKOFF_MS;
  cc.log = gst_seedance_src_library_log;
  cc.log_data = self;
  cc.hub = hub;
  cc.deadline_us = deadline_us;
  client = seedance_client_new (&cc, &hc, cancellable);
  if (key)
    memset (key, 0, strlen (key));
  return client;
}

/* The cache is a help, never a condition. */
static void
open_cache (GstSeedanceSrc * self, Run * run, const gchar * base_url)
{
  g_autofree gchar *dir = NULL;
  g_autoptr (GError) err = NULL;

  if (!run->s.cache || run->task.body == NULL)
    return;
  dir = run->s.cache_dir ? g_strdup (run->s.cache_dir) :
      seedance_cache_default_dir ();
  run->cache.key = seedance_cache_key (base_url, run->task.body, NULL);
  if (run->cache.key == NULL)
    return;
  run->cache.cache = seedance_cache_open (dir, run->s.cache_max_size, &err);
  if (run->cache.cache == NULL)
    gst_seedance_src_drop_cache (self, err);
}

static gboolean
gst_seedance_src_start (GstBaseSrc * bsrc)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);
  Run *run = &self->run;
  SeedanceRequestParams params;
  g_autofree gchar *key = NULL;
  g_autofree gchar *base_url = NULL;
  g_autofree gchar *scheme = NULL;
  g_autoptr (GError) err = NULL;
  gint64 deadline_us = 0;

  run_clear (run);
  /* A cancel signal of an earlier run must not cut this one's wait. */
  g_cancellable_reset (self->poll_wake);
  GST_OBJECT_LOCK (self);
  gst_seedance_src_settings_copy (&run->s, &self->settings);
  g_clear_pointer (&self->task_id, g_free);
  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->video_url, g_free);
  g_clear_pointer (&self->last_frame_url, g_free);
  self->usage_tokens = -1;
  self->actual_seed = -1;
  self->size = -1;
  GST_OBJECT_UNLOCK (self);

  /* Everything is checked here, before any request: no network in
   * start(), which GstBaseSrc may call just to probe. */
  base_url = resolve_base_url (&run->s);
  scheme = g_uri_parse_scheme (base_url);
  if (!g_uri_is_valid (base_url, G_URI_FLAGS_NONE, NULL) ||
      (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("base-url: \"%s\" is not an http(s) URL", base_url),
        ("nothing was sent"));
    goto failed;
  }

  if (run->s.task_id) {
    run->task.id = g_strdup (run->s.task_id);
  } else {
    gst_seedance_src_settings_to_params (&run->s, &params);
    run->task.body = seedance_request_build (&params, &err);
    if (run->task.body == NULL) {
      POST_ERROR (self, GST_RESOURCE_ERROR,
          gst_seedance_src_resource_error_for (err), g_strdup (err->message),
          g_strdup ("invalid settings; nothing was " "sent"), NULL);
      goto failed;
    }
  }
  open_cache (self, run, base_url);

  key = resolve_api_key (&run->s);
  run->have_key = key != NULL;
  /* A dry run sends nothing, and a cached clip needs no request (a peek
   * reads local files only). */
  if (key == NULL && !run->s.dry_run && (run->cache.cache == NULL ||
          seedance_cache_peek (run->cache.cache, run->cache.key) !=
          SEEDANCE_CACHE_HIT)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("No API key: set the api-key property or the SEEDANCE_API_KEY "
            "environment variable"), ("nothing was sent"));
    goto failed;
  }
  if (!run->s.ssl_strict)
    GST_WARNING_OBJECT (self, "ssl-strict is false: TLS certificates and "
        "host names are not verified");

  run->started_us = g_get_monotonic_time ();
  if (run->s.timeout > 0)
    deadline_us =
        run->started_us + run->s.timeout * G_GINT64_CONSTANT (1000000);
  if (key && !run->s.dry_run)
    run->hub = seedance_hub_acquire (base_url, key,
        resolve_requests_per_minute (&run->s));
  run->client = make_client (self, &run->s, FALSE, run->hub, deadline_us,
      self->cancellable);
  if (key)
    memset (key, 0, strlen (key));
  /* `location` is created now: a path that cannot be written is an error
   * before anything is paid for. */
  if (!run->s.dry_run && !gst_seedance_src_open_output (self, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", err->message),
        ("nothing was sent"));
    goto failed;
  }
  run->phase = PHASE_TASK;
  GST_DEBUG_OBJECT (self, "started, API root %s", base_url);
  return TRUE;

failed:
  run_clear (run);
  return FALSE;
}

static gboolean
cancel_queued_task (GstSeedanceSrc * self, const Settings * s,
    const gchar * task_id, SeedanceServiceError ** detail, GError ** error)
{
  /* Bounded: a 429 is retried only until this deadline. */
  SeedanceClient *client = make_client (self, s, TRUE, NULL,
      g_get_monotonic_time () + CANCEL_TIMEOUT_S * G_USEC_PER_SEC, NULL);
  gboolean ok = seedance_client_cancel_task (client, task_id, detail, error);

  seedance_client_free (client);
  return ok;
}

static gboolean
gst_seedance_src_stop (GstBaseSrc * bsrc)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);
  Run *run = &self->run;

  if (run->task.id && run->task.status == SEEDANCE_STATUS_QUEUED &&
      run->s.cancel_on_stop) {
    g_autoptr (GError) err = NULL;

    GST_INFO_OBJECT (self, "cancelling queued task %s on stop", run->task.id);
    if (cancel_queued_task (self, &run->s, run->task.id, NULL, &err))
      gst_seedance_src_set_status (self, SEEDANCE_STATUS_CANCELLED,
          "cancelled");
    else
      GST_WARNING_OBJECT (self, "could not cancel task %s: %s", run->task.id,
          err->message);
  }
  if (run->phase == PHASE_TASK)
    gst_seedance_src_progress_end (self, GST_PROGRESS_TYPE_CANCELED, "Stopped");

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
  SeedanceStatus st;
  Settings s;

  GST_OBJECT_LOCK (self);
  task_id = g_strdup (self->task_id);
  status = g_strdup (self->status);
  st = self->run.task.status;
  gst_seedance_src_settings_copy (&s, &self->settings);
  GST_OBJECT_UNLOCK (self);

  if (task_id == NULL) {
    GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
        ("Nothing to cancel: no task has been created yet"), (NULL));
    goto done;
  }
  if (st != SEEDANCE_STATUS_QUEUED) {
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
  gst_seedance_src_settings_clear (&s);
}

static GstFlowReturn
gst_seedance_src_create (GstBaseSrc * bsrc, guint64 offset, guint length,
    GstBuffer ** buf)
{
  GstSeedanceSrc *self = GST_SEEDANCE_SRC (bsrc);
  Run *run = &self->run;

  if (run->phase == PHASE_TASK) {
    GstFlowReturn ret = gst_seedance_src_obtain_video (self);

    if (ret != GST_FLOW_OK || (ret = gst_seedance_src_prepare_output
            (self)) != GST_FLOW_OK)
      return ret;
  }
  return gst_seedance_src_read (self, offset, buf);
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
gst_seedance_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_SCHEDULING) {
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
  return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
}
