/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* Settings -> a validated create body.  Every rule of the contract is
 * checked here, before anything is sent or paid for, and each error names
 * the element property (the public name) and the rule it breaks.  Local
 * images and audio become base64 data URIs typed from their content. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SEEDANCE_REQUEST_ERROR (seedance_request_error_quark ())
GQuark seedance_request_error_quark (void);

typedef enum
{
  SEEDANCE_REQUEST_ERROR_SETTINGS,      /* a value or combination the API refuses */
  SEEDANCE_REQUEST_ERROR_NOT_FOUND,     /* a local media file does not exist */
  SEEDANCE_REQUEST_ERROR_READ,          /* a local media file cannot be read */
} SeedanceRequestError;

#define SEEDANCE_DEFAULT_MODEL "doubao-seedance-2.0"
#define SEEDANCE_FAST_MODEL "doubao-seedance-2-fast"
#define SEEDANCE_MIN_DURATION 5
#define SEEDANCE_MAX_DURATION 15
#define SEEDANCE_MAX_REFERENCE_IMAGES 9
#define SEEDANCE_MAX_REFERENCE_VIDEOS 3
#define SEEDANCE_MAX_REFERENCE_AUDIOS 3
#define SEEDANCE_MAX_PRIORITY 9
#define SEEDANCE_MAX_SAFETY_IDENTIFIER 64
/* Larger local files belong on a URL or in an asset (the page's advice). */
#define SEEDANCE_MAX_LOCAL_MEDIA (30 * 1024 * 1024)

/* Strings: NULL or "" = not set.  Numbers: their documented "unset". */
typedef struct
{
  const gchar *model;
  const gchar *prompt;
  const gchar *ratio;
  const gchar *resolution;
  gint duration;                /* seconds; 0 = not set */
  gint frames;                  /* 0 = not set */
  gint64 seed;                  /* -1 = random, not sent */
  gboolean generate_audio;      /* always sent */
  gboolean watermark;           /* sent when TRUE */
  gboolean return_last_frame;   /* sent when TRUE */
  const gchar *service_tier;
  gint64 execution_expires_after;       /* 0 = not set */
  const gchar *first_frame;
  const gchar *last_frame;
  const gchar *const *reference_images;  /* NULL-terminated, or NULL */
  const gchar *const *reference_videos;
  const gchar *const *reference_audios;
  const gchar *draft_task_id;
  gint priority;                /* -1 = not set */
  const gchar *callback_url;
  const gchar *safety_identifier;
} SeedanceRequestParams;

void seedance_request_params_init (SeedanceRequestParams * params);

/* Checks the settings alone, touching no file. */
gboolean seedance_request_validate (const SeedanceRequestParams * params,
    GError ** error);

/* Validates, reads and encodes local media, and returns the create body
 * (compact JSON). */
gchar *seedance_request_build (const SeedanceRequestParams * params,
    GError ** error);

G_END_DECLS
