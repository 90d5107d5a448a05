/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* The hub of one service: one pace for every API call, one list call for
 * every task that is due, and no thread of its own.
 *
 * Thread-safety:
 * - `hubs_lock` (a G_LOCK) guards the table of hubs, every hub's `refs`,
 *   and the set of services found to have no list endpoint.
 * - `SeedanceHub.lock` guards every other field of its hub, and every
 *   Waiter linked into the hub's queue (they live on their callers'
 *   stacks; a Waiter is only touched by others while it is linked).
 * - Order: `hubs_lock`, then a hub's lock.  Neither is ever held across
 *   network I/O, a sleep (other than a GCond wait on the hub's lock), or
 *   g_cancellable_connect/disconnect (the handlers take the hub's lock).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "hub.h"

#include <string.h>

/* The fewest calls answered in the last minute that a 429 teaches a pace
 * from: below that, the 429 was not about our volume (another client of
 * the account, an overloaded service), and the holds do the work. */
#define MIN_LEARN_CALLS 10
/* The closest two calls of one service go: at most 50 a second. */
#define MIN_SPACING_US (20 * 1000)
/* How much a 429 takes off the pace, at most once per COOLDOWN: the calls
 * already on their way when it came say nothing new. */
#define CUT_FACTOR 0.9
#define CUT_COOLDOWN_US (2 * G_USEC_PER_SEC)
/* After a minute without a 429 the pace grows by this much a minute. */
#define RAISE_AFTER_US (60 * G_USEC_PER_SEC)
#define RAISE_PER_MINUTE 0.20
#define MAX_HOLD_S 600
/* How many seconds the count of answered calls covers (a minute: the
 * window of the services' limits). */
#define WINDOW_S 60

typedef enum
{
  WAITER_WAITING,               /* until due, then fetched with the others */
  WAITER_IN_FETCH,              /* in a list call another caller makes */
  WAITER_GET_SELF,              /* missing from the list: a GET of its own */
  WAITER_DONE,                  /* task or error delivered */
} WaiterState;

typedef struct
{
  SeedanceHub *hub;
  GList link;                   /* in hub->waiters */
  GCond cond;
  const gchar *task_id;         /* the caller's: only read while linked */
  guint interval_ms;
  gint64 due_us;
  GCancellable *cancellable;
  GCancellable *wake;
  WaiterState state;
  /* delivered by a fetcher */
  SeedanceTask *task;
  GError *error;
  SeedanceServiceError *detail;
} Waiter;

struct _SeedanceHub
{
  gchar *service;               /* "ROOT SHA256(KEY)": no key in clear */
  gint refs;                    /* hubs_lock */

  GMutex lock;

  /* the pace, in calls a second */
  gdouble cap;                  /* 0: none */
  gdouble rate;                 /* 0: unpaced */
  gint64 next_slot_us;          /* the earliest the next call may go */
  gint64 hold_until_us;         /* a Retry-After, for every caller */
  guint epoch;                  /* bumped by each 429: reservations void */
  guint streak;                 /* 429s in a row */
  gint64 last_429_us;
  gint64 last_cut_us;
  gint64 last_raise_us;
  guint answered[WINDOW_S];     /* answered calls, per second ... */
  gint64 answered_s[WINDOW_S];  /* ... of this monotonic second */

  /* the batch */
  GQueue waiters;               /* Waiter*, linked through Waiter.link */
  gboolean fetching;
  gboolean no_list;
  GHashTable *last_answer;      /* task id -> gint64* monotonic us */
};

G_LOCK_DEFINE_STATIC (hubs);
static GHashTable *hubs;        /* service -> SeedanceHub* */
static GHashTable *no_list_services;    /* service, for the process */

static gchar *
service_name (const gchar * base_url, const gchar * api_key)
{
  g_autofree gchar *root = g_strdup (base_url ? base_url : "");
  g_autofree gchar *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
      api_key ? api_key : "", -1);
  gsize len = strlen (root);

  while (len > 0 && root[len - 1] == '/')
    root[--len] = '\0';
  return g_strconcat (root, " ", hash, NULL);
}

SeedanceHub *
seedance_hub_acquire (const gchar * base_url, const gchar * api_key,
    guint requests_per_minute)
{
  g_autofree gchar *service = service_name (base_url, api_key);
  SeedanceHub *hub;

  G_LOCK (hubs);
  if (hubs == NULL)
    hubs = g_hash_table_new (g_str_hash, g_str_equal);
  hub = g_hash_table_lookup (hubs, service);
  if (hub == NULL) {
    hub = g_new0 (SeedanceHub, 1);
    hub->service = g_steal_pointer (&service);
    g_mutex_init (&hub->lock);
    g_queue_init (&hub->waiters);
    hub->last_answer = g_hash_table_new_full (g_str_hash, g_str_equal,
        g_free, g_free);
    hub->no_list = no_list_services &&
        g_hash_table_contains (no_list_services, hub->service);
    g_hash_table_insert (hubs, hub->service, hub);
  }
  hub->refs++;
  if (requests_per_minute > 0) {
    gdouble cap = requests_per_minute / 60.0;

    g_mutex_lock (&hub->lock);
    if (hub->cap == 0 || cap < hub->cap)
      hub->cap = cap;
    if (hub->rate == 0 || hub->rate > hub->cap)
      hub->rate = hub->cap;
    g_mutex_unlock (&hub->lock);
  }
  G_UNLOCK (hubs);
  return hub;
}

SeedanceHub *
seedance_hub_ref (SeedanceHub * hub)
{
  G_LOCK (hubs);
  hub->refs++;
  G_UNLOCK (hubs);
  return hub;
}

void
seedance_hub_release (SeedanceHub * hub)
{
  if (hub == NULL)
    return;
  G_LOCK (hubs);
  if (--hub->refs > 0) {
    G_UNLOCK (hubs);
    return;
  }
  g_hash_table_remove (hubs, hub->service);
  G_UNLOCK (hubs);

  /* Every caller held a reference while waiting: none is left. */
  g_warn_if_fail (g_queue_is_empty (&hub->waiters));
  g_hash_table_unref (hub->last_answer);
  g_mutex_clear (&hub->lock);
  g_free (hub->service);
  g_free (hub);
}

/* --- the pace --- */

gdouble
seedance_hub_get_rate (SeedanceHub * hub)
{
  gdouble rate;

  g_mutex_lock (&hub->lock);
  rate = hub->rate * 60.0;
  g_mutex_unlock (&hub->lock);
  return rate;
}

static gint64
spacing_us_locked (SeedanceHub * hub)
{
  /* Even before a pace is learnt, calls due together go one after another,
   * not as one burst: the call that meets the account's limit is then the
   * only one answered 429, not every call already on its way. */
  return hub->rate > 0 ? MAX ((gint64) (G_USEC_PER_SEC / hub->rate),
      MIN_SPACING_US) : MIN_SPACING_US;
}

static guint
answered_last_minute_locked (SeedanceHub * hub, gint64 now)
{
  gint64 sec = now / G_USEC_PER_SEC;
  guint i, n = 0;

  for (i = 0; i < WINDOW_S; i++)
    if (hub->answered_s[i] > sec - WINDOW_S)
      n += hub->answered[i];
  return n;
}

/* Sleeps until `until_us`, or fails at once when `cancellable` fires. */
static gboolean
sleep_until (gint64 until_us, GCancellable * cancellable, GError ** error)
{
  GPollFD fd;
  gboolean have_fd = cancellable &&
      g_cancellable_make_pollfd (cancellable, &fd);
  gboolean ok = TRUE;

  for (;;) {
    gint64 left_ms;

    if (g_cancellable_set_error_if_cancelled (cancellable, error)) {
      ok = FALSE;
      break;
    }
    left_ms = (until_us - g_get_monotonic_time () + 999) / 1000;
    if (left_ms <= 0)
      break;
    if (have_fd) {
      fd.revents = 0;
      g_poll (&fd, 1, (gint) MIN (left_ms, G_MAXINT));
    } else {
      g_usleep (MIN (left_ms, 50) * 1000);
    }
  }
  if (have_fd)
    g_cancellable_release_fd (cancellable);
  return ok;
}

gboolean
seedance_hub_take_slot (SeedanceHub * hub, GCancellable * cancellable,
    gint64 deadline_us, GError ** error)
{
  g_mutex_lock (&hub->lock);
  for (;;) {
    gint64 now = g_get_monotonic_time ();
    gint64 t = MAX (now, MAX (hub->hold_until_us, hub->next_slot_us));
    guint epoch;

    if (deadline_us > 0 && t > deadline_us) {
      g_mutex_unlock (&hub->lock);
      if (!sleep_until (deadline_us, cancellable, error))
        return FALSE;
      g_set_error_literal (error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_RATE_LIMITED, "still rate limited when the "
          "timeout ran out (the service's Retry-After or pace reaches past "
          "it)");
      return FALSE;
    }
    /* Reserve the slot: the next caller goes one spacing later. */
    hub->next_slot_us = t + spacing_us_locked (hub);
    if (t <= now)
      break;
    epoch = hub->epoch;
    g_mutex_unlock (&hub->lock);
    if (!sleep_until (t, cancellable, error))
      return FALSE;
    g_mutex_lock (&hub->lock);
    /* A 429 came while this caller slept: its slot was given at a pace
     * that is no more, and maybe inside the new hold.  Queue again. */
    if (hub->epoch == epoch)
      break;
  }
  g_mutex_unlock (&hub->lock);
  return TRUE;
}

void
seedance_hub_report_429 (SeedanceHub * hub, gint retry_after_s)
{
  gint64 now = g_get_monotonic_time ();
  gint64 hold_ms;
  guint went;

  g_mutex_lock (&hub->lock);
  /* A 429 for a call sent during a hold came from the calls already on
   * their way: it does not make the backoff longer. */
  if (now >= hub->hold_until_us)
    hub->streak++;
  if (retry_after_s >= 0)
    hold_ms = (gint64) MIN (retry_after_s, MAX_HOLD_S) * 1000;
  else
    hold_ms = seedance_backoff_ms (1000, MAX (hub->streak, 1) - 1, -1);
  hub->hold_until_us = MAX (hub->hold_until_us, now + hold_ms * 1000);
  hub->next_slot_us = hub->hold_until_us;
  hub->epoch++;
  hub->last_429_us = now;

  /* What went through in the last minute is what the service allows us
   * (the limits are per minute): stay a little below it. */
  went = answered_last_minute_locked (hub, now);
  if (went >= MIN_LEARN_CALLS && (hub->last_cut_us == 0 ||
          now - hub->last_cut_us >= CUT_COOLDOWN_US)) {
    gdouble rate = CUT_FACTOR * went / 60.0;

    if (hub->rate > 0)
      rate = MIN (rate, CUT_FACTOR * hub->rate);
    if (hub->cap > 0)
      rate = MIN (rate, hub->cap);
    hub->rate = rate;
    hub->last_cut_us = now;
  }
  g_debug ("a 429: pacing the service at %.1f calls a minute, holding "
      "every call for %" G_GINT64_FORMAT " ms", hub->rate * 60, hold_ms);
  g_mutex_unlock (&hub->lock);
}

void
seedance_hub_report_ok (SeedanceHub * hub)
{
  gint64 now = g_get_monotonic_time ();
  gint64 sec = now / G_USEC_PER_SEC;
  guint i = (guint) (sec % WINDOW_S);

  g_mutex_lock (&hub->lock);
  hub->streak = 0;
  if (hub->answered_s[i] != sec) {
    hub->answered_s[i] = sec;
    hub->answered[i] = 0;
  }
  hub->answered[i]++;

  if (hub->rate > 0 && hub->last_429_us > 0 &&
      now - hub->last_429_us >= RAISE_AFTER_US) {
    gint64 since = now - MAX (hub->last_raise_us, hub->last_429_us +
        RAISE_AFTER_US);

    hub->rate *= 1.0 + RAISE_PER_MINUTE * since / (60.0 * G_USEC_PER_SEC);
    if (hub->cap > 0)
      hub->rate = MIN (hub->rate, hub->cap);
    hub->last_raise_us = now;
  }
  g_mutex_unlock (&hub->lock);
}

/* --- the batch --- */

static SeedanceServiceError *
service_error_copy (const SeedanceServiceError * se)
{
  SeedanceServiceError *copy;

  if (se == NULL)
    return NULL;
  copy = g_new0 (SeedanceServiceError, 1);
  copy->http_status = se->http_status;
  copy->code = g_strdup (se->code);
  copy->message = g_strdup (se->message);
  copy->param = g_strdup (se->param);
  copy->type = g_strdup (se->type);
  return copy;
}

static void
waiter_poke (GCancellable * cancellable, Waiter * w)
{
  g_mutex_lock (&w->hub->lock);
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->hub->lock);
}

/* A task was answered: its next poll is due an interval from now, or, when
 * it is final, there is none. */
static void
record_answer_locked (SeedanceHub * hub, const gchar * task_id,
    const SeedanceTask * task)
{
  gint64 *when;

  if (task == NULL || seedance_status_is_final (task->status)) {
    g_hash_table_remove (hub->last_answer, task_id);
    return;
  }
  when = g_new (gint64, 1);
  *when = g_get_monotonic_time ();
  g_hash_table_replace (hub->last_answer, g_strdup (task_id), when);
}

/* Wakes every waiter that has something to do now. */
static void
poke_waiters_locked (SeedanceHub * hub)
{
  gint64 now = g_get_monotonic_time ();
  GList *l;

  for (l = hub->waiters.head; l; l = l->next) {
    Waiter *o = l->data;

    if (o->state != WAITER_WAITING || o->due_us <= now)
      g_cond_signal (&o->cond);
  }
}

/* Gives every waiter of the batch its task (a copy each) from `by_id`
 * (task id -> SeedanceTask*), a GET of its own when the answer lacks it, or
 * the error of the call. */
static void
deliver_locked (SeedanceHub * hub, GHashTable * by_id, const GError * err,
    const SeedanceServiceError * se)
{
  GList *l;

  for (l = hub->waiters.head; l; l = l->next) {
    Waiter *o = l->data;
    SeedanceTask *t;

    if (o->state != WAITER_IN_FETCH)
      continue;
    if (err) {
      o->error = g_error_copy (err);
      o->detail = service_error_copy (se);
      o->state = WAITER_DONE;
      g_hash_table_remove (hub->last_answer, o->task_id);
      continue;
    }
    t = g_hash_table_lookup (by_id, o->task_id);
    if (t == NULL) {
      o->state = WAITER_GET_SELF;
      continue;
    }
    /* Each caller owns its task object: the answer is read again. */
    o->task = seedance_task_parse (t->json, strlen (t->json), NULL);
    if (o->task == NULL) {
      o->state = WAITER_GET_SELF;
      continue;
    }
    o->state = WAITER_DONE;
    record_answer_locked (hub, o->task_id, o->task);
  }
}

/* Puts the batch back: its waiters wait again, and the due ones fetch. */
static void
hand_back_locked (SeedanceHub * hub)
{
  GList *l;

  for (l = hub->waiters.head; l; l = l->next) {
    Waiter *o = l->data;

    if (o->state == WAITER_IN_FETCH)
      o->state = WAITER_WAITING;
  }
}

/* `self` is due and nobody fetches: fetch every task that is due, or due
 * within half its interval, with `client`.  Called and returns with the
 * hub's lock held; releases it for the call. */
static void
fetch_locked (SeedanceHub * hub, SeedanceClient * client, Waiter * self)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) err = NULL;
  g_autoptr (SeedanceServiceError) se = NULL;
  gint64 now = g_get_monotonic_time ();
  gint64 deadline = seedance_client_get_deadline (client);
  gboolean ok;
  GList *l;
  guint i;

  for (l = hub->waiters.head; l; l = l->next) {
    Waiter *o = l->data;

    if (o->state != WAITER_WAITING ||
        o->due_us > now + (gint64) o->interval_ms * 1000 / 2)
      continue;
    o->state = WAITER_IN_FETCH;
    if (!g_hash_table_contains (seen, o->task_id)) {
      gchar *id = g_strdup (o->task_id);

      g_ptr_array_add (ids, id);
      g_hash_table_add (seen, id);
    }
  }
  g_return_if_fail (self->state == WAITER_IN_FETCH);
  hub->fetching = TRUE;
  g_mutex_unlock (&hub->lock);

  if (ids->len == 1) {
    /* A lone task: a GET is as cheap, and needs no list endpoint. */
    SeedanceTask *task = seedance_client_get_task (client, ids->pdata[0],
        &se, &err);

    ok = task != NULL;
    if (ok) {
      tasks = g_ptr_array_new_with_free_func ((GDestroyNotify)
          seedance_task_free);
      g_ptr_array_add (tasks, task);
      /* Whatever id the answer carries (or none): it is this task's. */
      g_hash_table_insert (by_id, ids->pdata[0], task);
    }
  } else {
    ok = seedance_client_list_tasks (client,
        (const gchar * const *) ids->pdata, ids->len, &tasks, &se, &err);
    for (i = 0; ok && i < tasks->len; i++) {
      SeedanceTask *t = tasks->pdata[i];

      g_hash_table_insert (by_id, t->id, t);
    }
  }

  if (!ok && g_error_matches (err, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_NO_LIST)) {
    G_LOCK (hubs);
    if (no_list_services == NULL)
      no_list_services = g_hash_table_new_full (g_str_hash, g_str_equal,
          g_free, NULL);
    g_hash_table_add (no_list_services, g_strdup (hub->service));
    G_UNLOCK (hubs);
    g_debug ("the service has no usable list endpoint: one query per "
        "task from now on (%s)", err->message);
  }

  g_mutex_lock (&hub->lock);
  hub->fetching = FALSE;
  if (ok) {
    deliver_locked (hub, by_id, NULL, NULL);
  } else if (g_error_matches (err, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_NO_LIST)) {
    hub->no_list = TRUE;
    hand_back_locked (hub);
  } else if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      (deadline > 0 && g_get_monotonic_time () >= deadline)) {
    /* This caller's own stop or timeout: the others are not concerned,
     * and one of them takes over. */
    hand_back_locked (hub);
    if (self->link.data) {
      self->state = WAITER_DONE;
      self->error = g_steal_pointer (&err);
      self->detail = g_steal_pointer (&se);
    }
  } else {
    deliver_locked (hub, by_id, err, se);
  }
  poke_waiters_locked (hub);
}

/* The caller's own GET (no list endpoint, or missing from the list). */
static SeedanceTask *
get_self_locked (SeedanceHub * hub, SeedanceClient * client, Waiter * w,
    SeedanceServiceError ** detail, GError ** error)
{
  SeedanceTask *task;

  g_queue_unlink (&hub->waiters, &w->link);
  w->link.data = NULL;
  g_mutex_unlock (&hub->lock);
  task = seedance_client_get_task (client, w->task_id, detail, error);
  g_mutex_lock (&hub->lock);
  record_answer_locked (hub, w->task_id, task);
  return task;
}

static SeedanceTask *
leave_locked (SeedanceHub * hub, Waiter * w, SeedanceServiceError ** detail,
    GError ** error)
{
  SeedanceTask *task = g_steal_pointer (&w->task);

  if (w->link.data) {
    g_queue_unlink (&hub->waiters, &w->link);
    w->link.data = NULL;
  }
  if (task == NULL) {
    g_hash_table_remove (hub->last_answer, w->task_id);
    if (w->error)
      g_propagate_error (error, g_steal_pointer (&w->error));
    if (detail && w->detail)
      *detail = g_steal_pointer (&w->detail);
  }
  g_clear_error (&w->error);
  g_clear_pointer (&w->detail, seedance_service_error_free);
  return task;
}

SeedanceTask *
seedance_hub_poll_task (SeedanceHub * hub, SeedanceClient * client,
    const gchar * task_id, guint interval_ms, gboolean now, GCancellable * wake,
    SeedanceServiceError ** detail, GError ** error)
{
  GCancellable *cancellable = seedance_client_get_cancellable (client);
  gint64 deadline = seedance_client_get_deadline (client);
  Waiter w = { 0, };
  gulong cancel_id, wake_id = 0;
  SeedanceTask *task = NULL;
  gint64 *last;

  w.hub = hub;
  w.task_id = task_id;
  w.interval_ms = interval_ms;
  w.cancellable = cancellable;
  w.wake = wake;
  w.state = WAITER_WAITING;
  g_cond_init (&w.cond);

  /* Outside the lock: a handler runs at once if already cancelled. */
  cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (waiter_poke),
      &w, NULL);
  if (wake)
    wake_id = g_cancellable_connect (wake, G_CALLBACK (waiter_poke), &w, NULL);

  g_mutex_lock (&hub->lock);
  last = g_hash_table_lookup (hub->last_answer, task_id);
  w.due_us = now ? g_get_monotonic_time () : (last ? *last :
      g_get_monotonic_time ()) + (gint64) interval_ms *1000;
  w.link.data = &w;
  g_queue_push_tail_link (&hub->waiters, &w.link);

  for (;;) {
    gint64 t = g_get_monotonic_time ();
    gint64 until;

    if (w.state == WAITER_DONE) {
      task = leave_locked (hub, &w, detail, error);
      break;
    }
    if (g_cancellable_is_cancelled (cancellable)) {
      leave_locked (hub, &w, NULL, NULL);
      g_cancellable_set_error_if_cancelled (cancellable, error);
      break;
    }
    if (deadline > 0 && t >= deadline) {
      leave_locked (hub, &w, NULL, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Task %s: the "
          "timeout ran out while waiting for its status", task_id);
      break;
    }
    if (w.state == WAITER_WAITING && w.due_us > t && wake &&
        g_cancellable_is_cancelled (wake))
      w.due_us = t;
    if (w.state == WAITER_GET_SELF || (w.state == WAITER_WAITING &&
            hub->no_list && w.due_us <= t)) {
      /* Unlinked meanwhile: nobody else sees it. */
      task = get_self_locked (hub, client, &w, detail, error);
      break;
    }
    if (w.state == WAITER_WAITING && w.due_us <= t && !hub->fetching) {
      fetch_locked (hub, client, &w);
      continue;
    }

    /* Woken by the due time, a fetcher, the cancellable or `wake`. */
    until = w.state == WAITER_WAITING && w.due_us > t ? w.due_us : G_MAXINT64;
    if (deadline > 0)
      until = MIN (until, deadline);
    if (until == G_MAXINT64)
      g_cond_wait (&w.cond, &hub->lock);
    else
      g_cond_wait_until (&w.cond, &hub->lock, until);
  }
  g_mutex_unlock (&hub->lock);

  g_cancellable_disconnect (cancellable, cancel_id);
  if (wake_id)
    g_cancellable_disconnect (wake, wake_id);
  g_cond_clear (&w.cond);
  return task;
}
