/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * seedancesrc's own state, shared by the files of the element:
 *   gstseedancesrc.c         the class, properties, state changes, queries
 *   gstseedancesrc-settings.c  the settings snapshot and the request's
 *                            parameters
 *   gstseedancesrc-report.c  messages, progress, reports, errors
 *   gstseedancesrc-task.c    until the task has succeeded: the cache claim,
 *                            create or resume, polling, the final message
 *   gstseedancesrc-output.c  the bytes: buffers read from the transfer,
 *                            the size, typefinding, the transfer's errors
 *   gstseedancesrc-uri.c     the seedance:// URI handler
 * Locks: see the comment at the top of gstseedancesrc.c.
 */
#pragma once

#include "gstseedancesrc.h"

#include "seedance/cache.h"
#include "seedance/client.h"
#include "seedance/hub.h"
#include "seedance/request.h"
#include "seedance/transfer.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_seedance_src_debug);
#define GST_CAT_DEFAULT gst_seedance_src_debug

/* Each buffer pushed holds up to this much (fewer, larger buffers cost
 * less per byte downstream); the transfer pauses while one waits, so this
 * bounds what the element holds. */
#define BUFFER_SIZE (256 * 1024)
/* The first backoff of every retry (client and download); it doubles. */
#define BACKOFF_MS 500
/* Refreshing an expired signed video URL by querying the task again. */
#define MAX_URL_REFRESHES 3
/* The last frame image is small; anything larger is not one. */
#define MAX_LAST_FRAME_SIZE (32 * 1024 * 1024)

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
  gboolean cache;
  gchar *cache_dir;
  guint64 cache_max_size;
  guint requests_per_minute;
  gboolean dry_run;
} Settings;

/* Where this run's task came from. */
typedef enum
{
  ORIGIN_NONE,
  ORIGIN_CREATED,               /* created by this run */
  ORIGIN_RESUMED,               /* task-id, or the cache's journal */
  ORIGIN_CACHED,                /* the clip was in the cache: no request */
} Origin;

typedef enum
{
  PHASE_TASK,                   /* until the task has succeeded */
  PHASE_OUTPUT,                 /* the video is being read */
} Phase;

/* The task: cleared by run_clear_task. */
typedef struct
{
  gchar *body;                  /* the validated create body; NULL with task-id */
  gchar *id;
  Origin origin;
  SeedanceStatus status;        /* other threads read it under the object lock */
  gboolean create_interrupted;  /* a create was cut off: it may exist */
  gchar *video_url;
  gchar *final_json;            /* the succeeded task object, for the cache */
  guint url_refreshes;
} TaskState;

/* The cache: cleared by run_clear_cache.  `cache` is NULL when off or
 * unusable; `claim` holds the key's lock until the clip is stored. */
typedef struct
{
  SeedanceCache *cache;
  gchar *key;
  SeedanceCacheClaim *claim;
} CacheState;

/* The bytes: the transfer, and the size told downstream (-1: not yet). */
typedef struct
{
  SeedanceTransfer *transfer;
  gint64 size;
} OutputState;

/* One run, from start() to stop(): the streaming thread's. */
typedef struct
{
  Settings s;
  SeedanceClient *client;
  SeedanceHub *hub;
  gboolean have_key;
  gint64 started_us;
  Phase phase;
  gboolean progress_started;    /* a START progress message is open */
  gboolean told_final;          /* final message and tags posted */
  TaskState task;
  CacheState cache;
  OutputState out;
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
  GCancellable *poll_wake;
  Run run;
};

/* Errors keep the caller's place in the debug log: macros, not functions.
 * `text` is for the user, `debug` for the log; both are taken. */
#define POST_ERROR(self, domain, code, text, debug, details) \
  gst_element_message_full_with_details (GST_ELEMENT (self), \
      GST_MESSAGE_ERROR, domain, code, text, debug, __FILE__, GST_FUNCTION, \
      __LINE__, details)

/* A failed wait or call: quietly FLUSHING when woken by unlock(), else an
 * error (ending the open progress) at the caller's place. */
#define FLOW_FOR_ERROR(self, err, se) \
  gst_seedance_src_flow_for_error_at (self, err, se, __FILE__, \
      GST_FUNCTION, __LINE__)

/* gstseedancesrc-settings.c */
void gst_seedance_src_settings_clear (Settings * s);
void gst_seedance_src_settings_copy (Settings * dst, const Settings * src);
void gst_seedance_src_settings_to_params (const Settings * s,
    SeedanceRequestParams * p);
void gst_seedance_src_wipe_string (gchar ** s);
GStrv gst_seedance_src_strv_from_value_array (const GValue * value);
void gst_seedance_src_value_array_from_strv (GValue * value, GStrv strv);

/* gstseedancesrc-report.c */
void gst_seedance_src_post_task_event (GstSeedanceSrc * self,
    const gchar * event, const gchar * first_field, ...);
void gst_seedance_src_progress_step (GstSeedanceSrc * self,
    const gchar * text);
void gst_seedance_src_progress_end (GstSeedanceSrc * self,
    GstProgressType type, const gchar * text);
void gst_seedance_src_set_report (GstSeedanceSrc * self, gchar ** field,
    const gchar * value, const gchar * property);
void gst_seedance_src_set_status (GstSeedanceSrc * self,
    SeedanceStatus status, const gchar * str);
void gst_seedance_src_report_task (GstSeedanceSrc * self,
    const SeedanceTask * task);
void gst_seedance_src_library_log (const gchar * message, gpointer user_data);
GstResourceError gst_seedance_src_resource_error_for (const GError * err);
GstFlowReturn gst_seedance_src_flow_for_error_at (GstSeedanceSrc * self,
    const GError * err, const SeedanceServiceError * se, const gchar * file,
    const gchar * function, gint line);
void gst_seedance_src_drop_cache (GstSeedanceSrc * self, const GError * err);

/* gstseedancesrc-task.c */
GstFlowReturn gst_seedance_src_obtain_video (GstSeedanceSrc * self);

/* gstseedancesrc-output.c */
gboolean gst_seedance_src_open_output (GstSeedanceSrc * self,
    GError ** error);
GstFlowReturn gst_seedance_src_prepare_output (GstSeedanceSrc * self);
GstFlowReturn gst_seedance_src_read (GstSeedanceSrc * self, guint64 offset,
    GstBuffer ** buf);

/* gstseedancesrc-uri.c */
void gst_seedance_src_uri_handler_init (gpointer g_iface,
    gpointer iface_data);

G_END_DECLS
