/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* The hub of one service (API root and key) in this process: one pace for
 * every call to it, and one list call for every task that is due.
 *
 * GLib and libcurl (through client.h and http.h) only, no GStreamer, and
 * no thread of its own: the work is lent to the callers that wait.
 */
#pragma once

#include "client.h"

G_BEGIN_DECLS

/* The hub of (API root, API key) in this process: made on first use,
 * shared by every caller with the same pair (an API root with or without a
 * trailing slash is the same), freed when the last reference goes (and
 * made again on the next use).  `requests_per_minute` > 0 caps the pace
 * from the start (the first caller's value, or the lowest asked for); 0 =
 * learn it from the service's 429s.  The key is never logged and is kept
 * only as a hash, for the lookup.  Thread-safe. */
SeedanceHub *seedance_hub_acquire (const gchar * base_url,
    const gchar * api_key, guint requests_per_minute);
/* Another reference to a hub one already holds. */
SeedanceHub *seedance_hub_ref (SeedanceHub * hub);
void seedance_hub_release (SeedanceHub * hub);

/* Waits until the task is due (`interval_ms` after its last answer from
 * the hub, or after this call when the hub has none; at once when `now`),
 * then returns its task object (the caller's own, to free).
 *
 * Every task of the hub that is due, or due within half its interval, is
 * fetched in ONE list call (in pages of 500), so that tasks polled at the
 * same interval fall into step.  A task missing from the list answer gets
 * a single GET, since the list only covers 7 days; a lone task always does.
 * After a NO_LIST answer the hub uses one GET per task for this service for
 * the rest of the process.
 *
 * The work is lent to a waiting caller: the first due caller fetches for
 * every due caller, with its own `client` (whose hub must be this one).
 * If that caller is cancelled mid-call, another waiting caller takes over,
 * so no caller ever waits on another's stop.
 *
 * Ends at once with G_IO_ERROR_CANCELLED when the client's cancellable
 * fires (the caller leaves the batch); ends early, as if due now, when
 * `wake` (may be NULL) fires; G_IO_ERROR_TIMED_OUT at the client's deadline
 * while waiting.  Errors of the calls are those of client.h (a list call
 * that failed for everyone fails every task of its batch); `detail` as
 * there. */
SeedanceTask *seedance_hub_poll_task (SeedanceHub * hub,
    SeedanceClient * client, const gchar * task_id, guint interval_ms,
    gboolean now, GCancellable * wake, SeedanceServiceError ** detail,
    GError ** error);

/* The pace, used by the client around every API call. */

/* Waits for this caller's turn to send a call to the service: after any
 * Retry-After the service asked for, and spaced from the calls of every
 * other caller by the learned rate (none while the service has not
 * answered 429 and no cap is set).  FALSE with G_IO_ERROR_CANCELLED at once
 * when `cancellable` fires, or with SEEDANCE_CLIENT_ERROR_RATE_LIMITED when
 * the turn would come after `deadline_us` (0 = none), once that is
 * reached. */
gboolean seedance_hub_take_slot (SeedanceHub * hub, GCancellable * cancellable,
    gint64 deadline_us, GError ** error);
/* The service answered 429: every caller holds for `retry_after_s` (-1:
 * a doubling backoff from 1 s), and the rate drops. */
void seedance_hub_report_429 (SeedanceHub * hub, gint retry_after_s);
/* The service answered something other than 429: the rate creeps back up,
 * a minute after the last 429, never above the cap. */
void seedance_hub_report_ok (SeedanceHub * hub);

/* The rate the hub paces calls at now, in calls a minute; 0 = unpaced. */
gdouble seedance_hub_get_rate (SeedanceHub * hub);

G_END_DECLS
