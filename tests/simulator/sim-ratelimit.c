/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */

/* sim-ratelimit: a queue of call times per key, oldest first; see
 * sim-ratelimit.h.  A queue never holds more than `limit` entries, since a
 * refused call is not recorded. */
#include "sim-ratelimit.h"

#define WINDOW_US (60 * G_USEC_PER_SEC)

struct _SimRateLimit
{
  GHashTable *windows;          /* key -> GQueue of gint64*, oldest first */
};

static void
window_free (gpointer data)
{
  g_queue_free_full (data, g_free);
}

SimRateLimit *
sim_rate_limit_new (void)
{
  SimRateLimit *rl = g_new0 (SimRateLimit, 1);

  rl->windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      window_free);
  return rl;
}

void
sim_rate_limit_free (SimRateLimit * rl)
{
  if (rl == NULL)
    return;
  g_hash_table_unref (rl->windows);
  g_free (rl);
}

gboolean
sim_rate_limit_take (SimRateLimit * rl, const gchar * key, guint limit,
    gint64 now_us, guint * retry_after_s)
{
  GQueue *window;
  gint64 *oldest;

  if (limit == 0)
    return TRUE;

  window = g_hash_table_lookup (rl->windows, key);
  if (window == NULL) {
    window = g_queue_new ();
    g_hash_table_insert (rl->windows, g_strdup (key), window);
  }
  /* the calls that have left the window */
  while ((oldest = g_queue_peek_head (window)) != NULL &&
      *oldest <= now_us - WINDOW_US)
    g_free (g_queue_pop_head (window));

  if (g_queue_get_length (window) >= limit) {
    /* the call whose leaving makes room (the oldest, unless the limit was
     * lowered meanwhile) */
    gint64 *frees = g_queue_peek_nth (window,
        g_queue_get_length (window) - limit);
    gint64 left_us = *frees + WINDOW_US - now_us;

    *retry_after_s = MAX (1, (left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
    return FALSE;
  }
  oldest = g_new (gint64, 1);
  *oldest = now_us;
  g_queue_push_tail (window, oldest);
  return TRUE;
}
