/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* sim-validate: the create body, checked against every rule of the contract,
 * and the list query.
 *
 * Pure functions, no locking: the caller supplies a draft lookup and holds
 * whatever lock that needs.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a valid create body asked for, defaults filled in. */
typedef struct
{
  gchar *model;                 /* as sent */
  gchar *prompt;                /* NULL when there is no text item */
  gchar *draft_id;              /* NULL unless a draft_task item */
  gboolean has_frames;
  gint64 duration;              /* 5 when neither was sent */
  gint64 frames;
  gchar *resolution;
  gchar *ratio;
  gint64 seed;
  gboolean generate_audio;
  gboolean watermark;
  gboolean return_last_frame;
  gchar *service_tier;
  gint64 execution_expires_after;
  gint64 priority;
  gchar *callback_url;
  gchar *safety_identifier;
  guint n_images;
  guint n_videos;
  guint n_audios;
} SimCreateParams;

/* An Ark 400 answer: code is "InvalidParameter" or "MissingParameter". */
typedef struct
{
  const gchar *code;
  gchar *param;
  gchar *message;
} SimValidationError;

/* TRUE when `id` names a task that succeeded. */
typedef gboolean (*SimDraftCheck) (const gchar * id, gpointer user_data);

gboolean sim_validate_create (const gchar * body, gsize length,
    SimDraftCheck draft_check, gpointer user_data, SimCreateParams * out,
    SimValidationError * error);

void sim_create_params_clear (SimCreateParams * params);

/* What a valid list query asked for. */
typedef struct
{
  gint64 page_num;              /* 1 to 500, default 1 */
  gint64 page_size;             /* 1 to 500, default 10 */
  gchar *status;                /* NULL = any */
  gchar *model;                 /* NULL = any */
  gchar *service_tier;          /* NULL = any */
  GPtrArray *task_ids;          /* of gchar*; empty = any */
} SimListParams;

/* The query string of a list request (NULL = none), as Ark reads it:
 * filter.task_ids repeated for several ids, empty filters ignored, unknown
 * parameters ignored. */
gboolean sim_validate_list_query (const gchar * query, SimListParams * out,
    SimValidationError * error);
void sim_list_params_clear (SimListParams * params);
void sim_validation_error_clear (SimValidationError * error);

G_END_DECLS
