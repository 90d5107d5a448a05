/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* What the service answers, read tolerantly: a task object, a create
 * answer, an error answer.  Missing optional fields take their defaults and
 * unknown fields are ignored; only what a caller cannot do without is an
 * error. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SEEDANCE_ANSWER_ERROR (seedance_answer_error_quark ())
GQuark seedance_answer_error_quark (void);

typedef enum
{
  SEEDANCE_ANSWER_ERROR_INVALID,        /* not JSON, or not the expected shape */
} SeedanceAnswerError;

typedef enum
{
  SEEDANCE_STATUS_UNKNOWN,
  SEEDANCE_STATUS_QUEUED,
  SEEDANCE_STATUS_RUNNING,
  SEEDANCE_STATUS_SUCCEEDED,
  SEEDANCE_STATUS_FAILED,
  SEEDANCE_STATUS_EXPIRED,
  SEEDANCE_STATUS_CANCELLED,
} SeedanceStatus;

SeedanceStatus seedance_status_from_string (const gchar * status);
gboolean seedance_status_is_final (SeedanceStatus status);

typedef struct
{
  gchar *json;                  /* the answer as it came, for the record */
  gchar *id;
  gchar *model;                 /* the upstream model actually used */
  gchar *status_str;            /* as sent, for messages; NULL if absent */
  SeedanceStatus status;
  gchar *error_code;            /* error.code, NULL when none */
  gchar *error_message;         /* error.message, NULL when none */
  gint64 created_at;            /* unix seconds, 0 when absent */
  gint64 updated_at;
  gchar *video_url;             /* content.video_url */
  gchar *last_frame_url;        /* content.last_frame_url */
  gint64 seed;                  /* -1 when absent */
  gchar *resolution;
  gchar *ratio;
  gint64 duration;              /* 0 when absent */
  gint64 frames;                /* 0 when absent */
  gint64 framespersecond;       /* 0 when absent */
  gboolean generate_audio;
  gchar *service_tier;
  gint64 execution_expires_after;       /* 0 when absent */
  gint64 completion_tokens;     /* -1 when absent */
  gint64 total_tokens;          /* -1 when absent */
} SeedanceTask;

/* A query answer.  Needs a JSON object whose "status" is a string; an
 * unknown status string reads as SEEDANCE_STATUS_UNKNOWN. */
SeedanceTask *seedance_task_parse (const gchar * data, gsize len,
    GError ** error);
void seedance_task_free (SeedanceTask * task);

/* A list answer: {"total": N, "items": [task, ...]}.  Returns the items
 * that are task objects with an "id" and a "status" (others are skipped),
 * and sets `total` to "total" (the number of items when absent), for
 * paging.  Fails only when the answer is not such an object. */
GPtrArray *seedance_task_parse_list (const gchar * data, gsize len,
    gint64 * total, GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeedanceTask, seedance_task_free);

/* A create answer: {"id": "..."}. */
gchar *seedance_task_parse_id (const gchar * data, gsize len, GError ** error);

/* What an error answer said: {"error": {"code", "message", "param",
 * "type"}}, every field optional, or a top-level "code"/"message" pair.  The
 * body may be empty, HTML or broken: then only the status is known. */
typedef struct
{
  guint http_status;
  gchar *code;
  gchar *message;
  gchar *param;
  gchar *type;
} SeedanceServiceError;

SeedanceServiceError *seedance_service_error_parse (guint http_status,
    const gchar * data, gsize len);
void seedance_service_error_free (SeedanceServiceError * err);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeedanceServiceError,
    seedance_service_error_free);

G_END_DECLS
