/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* sim-tasks: the simulator's private state, the task store and the task
 * state machine (queued -> running -> final), task objects as JSON, the
 * DELETE and list semantics, and callback_url notifications.
 *
 * Locking: SeedanceSim.lock guards every field of SeedanceSim below it that
 * is not marked otherwise, and every SimTask.  Functions named *_locked
 * expect it held.  It is never held across network I/O or while waiting for
 * a render; the render module's own lock is taken inside it, never the
 * other way round.
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "seedance-sim.h"
#include "sim-validate.h"
#include "sim-render.h"
#include "sim-ratelimit.h"

G_BEGIN_DECLS

typedef enum
{
  SIM_TASK_QUEUED,
  SIM_TASK_RUNNING,
  SIM_TASK_SUCCEEDED,
  SIM_TASK_FAILED,
  SIM_TASK_EXPIRED,
  SIM_TASK_CANCELLED
} SimTaskStatus;

typedef struct
{
  gchar *id;
  guint serial;                 /* creation order */
  SimCreateParams params;
  const gchar *upstream_model;
  gint64 seed;                  /* the actual one */
  guint width, height, frames;
  SimTaskStatus status;
  gchar *error_code;
  gchar *error_message;
  gint64 created_at, updated_at;
  /* the outcome, captured at creation */
  SimTaskStatus outcome;
  gchar *outcome_code;
  gchar *outcome_message;
  /* progress */
  gint64 succeeded_us;           /* monotonic, 0 until succeeded */
  gboolean running_elapsed;
  gboolean rendered;
  gboolean render_failed;
  gchar *video_path;
  gchar *frame_path;
  /* signed URLs */
  gint64 url_expires;
  guint url_epoch;
  gchar *published_base;        /* video_base_url when it succeeded */
} SimTask;

typedef struct
{
  SeedanceSimEndpoint endpoint;
  SeedanceSimFaultKind kind;
  guint remaining;              /* 0 = forever */
  guint status;
  gchar *code;
  gchar *message;
  guint retry_after_s;
  guint delay_ms;
  guint64 bytes;
} SimFault;

struct _SeedanceSim
{
  GMutex lock;

  /* configuration */
  gchar *api_key;
  guint queued_ms, running_ms;
  gchar *outcome_status, *outcome_code, *outcome_message;
  guint video_kbps;
  gboolean noise, faststart;
  gchar *video_file;
  GList *faults;                /* SimFault*, FIFO */
  guint rate_limit;             /* calls per minute per key, 0 = none */
  guint max_queued;             /* 0 = no limit */
  guint list_status;            /* 0 = the list works */
  guint file_host_mode;         /* SeedanceSimFileHostFlags */
  gchar *video_base_url, *video_dir;
  /* before start only */
  gchar *tls_cert_path, *tls_key_path;
  gboolean ipv6;

  /* state */
  GPtrArray *log;               /* SeedanceSimRequest* */
  GHashTable *tasks;            /* id -> SimTask* */
  guint task_serial;
  gchar *secret;
  SimRender *render;            /* own lock; set once in new () */
  SimRateLimit *rate;
  GPtrArray *published;         /* paths written into video_dir */

  /* the server thread; set before start returns, read-only after */
  GMainContext *context;
  GThread *thread;
  GMainLoop *loop;
  GCond cond;
  gboolean ready;
  GError *start_error;
  guint want_port;
  gchar *base_url, *file_host_url, *api_host, *file_host;
  gchar *file2_host;
  const gchar *scheme;          /* "http" or "https" */
  GTlsCertificate *tls_cert;
  guint api_port, file_port, file2_port;

  /* only touched from the server thread */
  SoupServer *server;
  SoupSession *session;
  GHashTable *held;             /* SoupServerMessage* -> HeldMessage*, paused */
};

/* sim-tasks.c, all with sim->lock held */
gchar *sim_tasks_create_locked (SeedanceSim * sim, const gchar * body,
    gsize length, SimValidationError * error);
JsonNode *sim_task_to_json_locked (SeedanceSim * sim, SimTask * task,
    gboolean no_video_url);
guint sim_tasks_delete_locked (SeedanceSim * sim, const gchar * id,
    JsonNode ** answer);
/* The list answer, or NULL with *error set (400 InvalidParameter). */
JsonNode *sim_tasks_list_locked (SeedanceSim * sim, const gchar * query,
    SimValidationError * error);
guint sim_tasks_count_queued_locked (SeedanceSim * sim);
gchar *sim_task_signature_locked (SeedanceSim * sim, SimTask * task,
    const gchar * kind, gint64 expires);
void sim_task_free (gpointer data);
const gchar *sim_task_status_name (SimTaskStatus status);

/* JSON helpers (sim-tasks.c) */
JsonNode *sim_error_json (const gchar * code, const gchar * message,
    const gchar * param, const gchar * type);
gchar *sim_json_to_string (JsonNode * node);

G_END_DECLS
