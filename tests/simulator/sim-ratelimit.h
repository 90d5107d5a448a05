/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */

/* sim-ratelimit: calls per API key in a sliding 60 s window.
 *
 * Not thread-safe by itself: the simulator calls it with sim->lock held.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SimRateLimit SimRateLimit;

SimRateLimit *sim_rate_limit_new (void);
void sim_rate_limit_free (SimRateLimit * rl);

/* One call by `key` at `now_us` (monotonic) against at most `limit` calls in
 * the 60 s before it.  TRUE: allowed, and counted.  FALSE: refused and not
 * counted; *retry_after_s is the whole seconds until the oldest call in the
 * window leaves it, at least 1.  `limit` 0 allows and counts nothing. */
gboolean sim_rate_limit_take (SimRateLimit * rl, const gchar * key,
    guint limit, gint64 now_us, guint * retry_after_s);

G_END_DECLS
