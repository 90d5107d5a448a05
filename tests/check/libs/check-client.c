/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* check-client: the client's retry policy, the list call and the hub,
 * against the simulator, without GStreamer (libcheck only).  Under
 * valgrind: see tests/check/libs/valgrind.supp. */
#include <check.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "seedance/client.h"
#include "seedance/hub.h"
#include "seedance-sim.h"

#define KEY "sim-key"
#define BODY "{\"model\": \"doubao-seedance-2.0\", \"content\": " \
  "[{\"type\": \"text\", \"text\": \"a red fox runs through snow\"}], " \
  "\"resolution\": \"480p\", \"ratio\": \"16:9\", \"duration\": 5}"
#define MS (G_GINT64_CONSTANT (1000))
/* How long a stop may take (the goal is p99 < 50 ms; valgrind is slow). */
#define STOP_LATENCY_US (250 * MS)

/* A few bytes served as every task's video: nothing is rendered. */
static gchar *video_path;

static SeedanceSim *
sim_new (guint queued_ms, guint running_ms)
{
  SeedanceSim *sim = seedance_sim_new ();
  GError *error = NULL;

  seedance_sim_set_schedule (sim, queued_ms, running_ms);
  seedance_sim_set_video_file (sim, video_path);
  ck_assert_msg (seedance_sim_start (sim, 0, &error), "simulator: %s",
      error ? error->message : "");
  return sim;
}

typedef struct
{
  guint retries;
  guint backoff_ms;
  SeedanceHub *hub;
  gint64 deadline_us;
  GCancellable *cancellable;
  const gchar *base_url;        /* NULL: the simulator's */
  guint stall_s;                /* 0: 10 s */
} ClientOpts;

static SeedanceClient *
client_new (SeedanceSim * sim, const ClientOpts * o)
{
  SeedanceClientConfig cc = { 0, };
  SeedanceHttpConfig hc = { 0, };

  cc.base_url = o->base_url ? o->base_url : seedance_sim_get_base_url (sim);
  cc.api_key = KEY;
  cc.retries = o->retries;
  cc.backoff_ms = o->backoff_ms ? o->backoff_ms : 10;
  cc.hub = o->hub;
  cc.deadline_us = o->deadline_us;
  hc.connect_timeout_s = 2;
  /* Long enough for valgrind, unless a test waits for it. */
  hc.stall_timeout_s = o->stall_s ? o->stall_s : 10;
  return seedance_client_new (&cc, &hc, o->cancellable);
}

static gchar *
create_direct (SeedanceSim * sim)
{
  GError *error = NULL;
  gchar *id = seedance_sim_create_task (sim, BODY, &error);

  ck_assert_msg (id != NULL, "create: %s", error ? error->message : "");
  return id;
}

static void
add_status_fault (SeedanceSim * sim, SeedanceSimEndpoint endpoint,
    guint times, guint status, const gchar * code, guint retry_after_s)
{
  SeedanceSimFaultParams p = { 0, };

  p.status = status;
  p.code = code;
  p.message = "injected";
  p.retry_after_s = retry_after_s;
  seedance_sim_add_fault (sim, endpoint, SEEDANCE_SIM_FAULT_STATUS, times, &p);
}

static void
add_fault (SeedanceSim * sim, SeedanceSimEndpoint endpoint,
    SeedanceSimFaultKind kind, guint times, guint delay_ms)
{
  SeedanceSimFaultParams p = { 0, };

  p.delay_ms = delay_ms;
  seedance_sim_add_fault (sim, endpoint, kind, times, &p);
}

/* Cancels a GCancellable after a delay, from another thread, and records
 * when. */
typedef struct
{
  GCancellable *cancellable;
  guint after_ms;
  gint64 cancelled_us;
} Canceller;

static gpointer
canceller_thread (gpointer data)
{
  Canceller *c = data;

  g_usleep (c->after_ms * 1000);
  c->cancelled_us = g_get_monotonic_time ();
  g_cancellable_cancel (c->cancellable);
  return NULL;
}

static GThread *
cancel_later (Canceller * c, GCancellable * cancellable, guint after_ms)
{
  c->cancellable = cancellable;
  c->after_ms = after_ms;
  c->cancelled_us = 0;
  return g_thread_new ("canceller", canceller_thread, c);
}

/* --- backoff --- */

START_TEST (test_backoff_bounds)
{
  guint attempt, i;

  for (attempt = 0; attempt < 24; attempt++) {
    guint64 nominal = MIN ((guint64) 1000 << MIN (attempt, 16), 30000);

    for (i = 0; i < 50; i++) {
      guint ms = seedance_backoff_ms (1000, attempt, -1);

      ck_assert_uint_ge (ms, nominal * 75 / 100);
      ck_assert_uint_le (ms, nominal * 125 / 100);
    }
  }
  /* The service's Retry-After wins, clamped to 10 minutes. */
  ck_assert_uint_eq (seedance_backoff_ms (1000, 5, 0), 0);
  ck_assert_uint_eq (seedance_backoff_ms (1000, 0, 7), 7000);
  ck_assert_uint_eq (seedance_backoff_ms (1000, 0, 100000), 600000);
}

END_TEST
/* --- the retry policy --- */
START_TEST (test_query_retried)
{
  SeedanceSim *sim = sim_new (100, 100);
  ClientOpts o = { 2, 0, NULL, 0, NULL, NULL, 1 };
  SeedanceClient *c = client_new (sim, &o);
  g_autofree gchar *id = create_direct (sim);
  g_autoptr (GError) error = NULL;
  g_autoptr (SeedanceServiceError) se = NULL;
  SeedanceTask *task;

  /* 5xx twice, then the answer. */
  add_status_fault (sim, SEEDANCE_SIM_QUERY, 2, 503, "ServerOverloaded", 0);
  task = seedance_client_get_task (c, id, NULL, &error);
  ck_assert_msg (task != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (task->id, id);
  seedance_task_free (task);
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY), 3);

  /* No answer at all (a stall), then an unreadable one, then the answer. */
  seedance_sim_clear_log (sim);
  add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_STALL, 1, 0);
  add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_MALFORMED, 1, 0);
  task = seedance_client_get_task (c, id, NULL, &error);
  ck_assert_msg (task != NULL, "%s", error ? error->message : "");
  seedance_task_free (task);
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY), 3);

  /* More failures than retries: the last one is the error. */
  seedance_sim_clear_log (sim);
  add_status_fault (sim, SEEDANCE_SIM_QUERY, 5, 500, "InternalServiceError", 0);
  task = seedance_client_get_task (c, id, &se, &error);
  ck_assert (task == NULL);
  ck_assert (g_error_matches (error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_SERVER));
  ck_assert (se != NULL && se->http_status == 500);
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY), 3);

  seedance_client_free (c);
  seedance_sim_free (sim);
}

END_TEST
START_TEST (test_create_not_repeated)
{
  SeedanceSim *sim = sim_new (100, 100);
  ClientOpts o = { 3, 0, NULL, 0, NULL, NULL, 1 };
  SeedanceClient *c = client_new (sim, &o);
  g_autoptr (GError) error = NULL;
  gchar *id;

  /* A 5xx: the create may have gone through. */
  add_status_fault (sim, SEEDANCE_SIM_CREATE, 1, 500, "InternalServiceError",
      0);
  id = seedance_client_create_task (c, BODY, NULL, &error);
  ck_assert (id == NULL);
  ck_assert (g_error_matches (error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN));
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_CREATE), 1);
  g_clear_error (&error);

  /* Sent, then no answer: not sent again either. */
  add_fault (sim, SEEDANCE_SIM_CREATE, SEEDANCE_SIM_FAULT_STALL, 1, 0);
  id = seedance_client_create_task (c, BODY, NULL, &error);
  ck_assert (id == NULL);
  ck_assert (g_error_matches (error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_CREATE_UNKNOWN));
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_CREATE), 2);
  g_clear_error (&error);
  seedance_client_free (c);

  /* Never connected: safe to repeat, and repeated up to `retries`. */
  o.base_url = "http://127.0.0.1:1/api/v3";
  c = client_new (sim, &o);
  id = seedance_client_create_task (c, BODY, NULL, &error);
  ck_assert (id == NULL);
  ck_assert_msg (g_error_matches (error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_NETWORK), "%s", error->message);
  ck_assert (strstr (error->message, "4 times") != NULL);

  seedance_client_free (c);
  seedance_sim_free (sim);
}

END_TEST
/* A 429 is not a failure: with no retries and no deadline, a create and a
 * query are sent again until they go through. */
START_TEST (test_429_not_counted)
{
  SeedanceSim *sim = sim_new (100, 100);
  ClientOpts o = { 0, };
  SeedanceClient *c = client_new (sim, &o);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *id2 = NULL;
  SeedanceTask *task;

  add_status_fault (sim, SEEDANCE_SIM_CREATE, 6, 429,
      "RateLimitExceeded.EndpointRPM", 0);
  id = seedance_client_create_task (c, BODY, NULL, &error);
  ck_assert_msg (id != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_CREATE,
          429), 6);
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_CREATE,
          200), 1);

  /* Too many queued tasks: not created either, so sent again. */
  add_status_fault (sim, SEEDANCE_SIM_CREATE, 3, 429, "QuotaExceeded", 0);
  id2 = seedance_client_create_task (c, BODY, NULL, &error);
  ck_assert_msg (id2 != NULL, "%s", error ? error->message : "");
  ck_assert_str_ne (id, id2);
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_CREATE,
          200), 2);

  add_status_fault (sim, SEEDANCE_SIM_QUERY, 7, 429,
      "RateLimitExceeded.EndpointRPM", 0);
  task = seedance_client_get_task (c, id, NULL, &error);
  ck_assert_msg (task != NULL, "%s", error ? error->message : "");
  seedance_task_free (task);
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_QUERY,
          429), 7);

  /* The cancel too. */
  add_status_fault (sim, SEEDANCE_SIM_DELETE, 2, 429,
      "RateLimitExceeded.EndpointRPM", 0);
  ck_assert (seedance_client_cancel_task (c, id2, NULL, &error));
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_DELETE), 3);

  seedance_client_free (c);
  seedance_sim_free (sim);
}

END_TEST
/* Rate limited for good: the deadline ends it, with RATE_LIMITED. */
START_TEST (test_429_deadline)
{
  SeedanceSim *sim = sim_new (100, 100);
  g_autofree gchar *id = create_direct (sim);
  ClientOpts o = {.retries = 1,.backoff_ms = 50 };
  SeedanceClient *c;
  g_autoptr (GError) error = NULL;
  g_autoptr (SeedanceServiceError) se = NULL;
  SeedanceHub *hub;
  gint64 start;
  SeedanceTask *task;

  add_status_fault (sim, SEEDANCE_SIM_QUERY, 0, 429,
      "RateLimitExceeded.EndpointRPM", 0);
  start = g_get_monotonic_time ();
  o.deadline_us = start + 500 * MS;
  c = client_new (sim, &o);
  task = seedance_client_get_task (c, id, &se, &error);
  ck_assert (task == NULL);
  ck_assert_msg (g_error_matches (error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_RATE_LIMITED), "%s", error->message);
  ck_assert (strstr (error->message, "timeout") != NULL);
  ck_assert (se != NULL && se->http_status == 429);
  ck_assert_int_ge (g_get_monotonic_time (), o.deadline_us);
  ck_assert_int_lt (g_get_monotonic_time (), o.deadline_us + 500 * MS);
  /* Sent again and again, not 1 + retries times. */
  ck_assert_uint_gt (seedance_sim_count_status (sim, SEEDANCE_SIM_QUERY,
          429), 2);
  seedance_client_free (c);
  g_clear_error (&error);
  g_clear_pointer (&se, seedance_service_error_free);

  /* Through a hub, whose hold (the Retry-After) outlasts the deadline. */
  seedance_sim_clear_faults (sim);
  add_status_fault (sim, SEEDANCE_SIM_QUERY, 0, 429,
      "RateLimitExceeded.EndpointRPM", 30);
  hub = seedance_hub_acquire (seedance_sim_get_base_url (sim), KEY, 0);
  o.hub = hub;
  o.deadline_us = g_get_monotonic_time () + 500 * MS;
  c = client_new (sim, &o);
  task = seedance_client_get_task (c, id, &se, &error);
  ck_assert (task == NULL);
  ck_assert_msg (g_error_matches (error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_RATE_LIMITED), "%s", error->message);
  ck_assert (se != NULL && se->http_status == 429);
  ck_assert_int_ge (g_get_monotonic_time (), o.deadline_us);
  ck_assert_int_lt (g_get_monotonic_time (), o.deadline_us + 500 * MS);

  seedance_client_free (c);
  seedance_hub_release (hub);
  seedance_sim_free (sim);
}

END_TEST
/* A stop ends a 429's wait at once, with or without a hub. */
START_TEST (test_429_wait_cancelled)
{
  SeedanceSim *sim = sim_new (100, 100);
  g_autofree gchar *id = create_direct (sim);
  SeedanceHub *hub = seedance_hub_acquire (seedance_sim_get_base_url (sim),
      KEY, 0);
  guint round;

  add_status_fault (sim, SEEDANCE_SIM_QUERY, 0, 429,
      "RateLimitExceeded.EndpointRPM", 30);
  for (round = 0; round < 2; round++) {
    g_autoptr (GCancellable) cancellable = g_cancellable_new ();
    g_autoptr (GError) error = NULL;
    ClientOpts o = { 0, };
    SeedanceClient *c;
    Canceller cl;
    GThread *t;
    SeedanceTask *task;

    o.cancellable = cancellable;
    o.hub = round == 1 ? hub : NULL;
    c = client_new (sim, &o);
    t = cancel_later (&cl, cancellable, 300);
    task = seedance_client_get_task (c, id, NULL, &error);
    ck_assert (task == NULL);
    ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    g_thread_join (t);
    ck_assert_int_lt (g_get_monotonic_time () - cl.cancelled_us,
        STOP_LATENCY_US);
    seedance_client_free (c);
  }

  seedance_hub_release (hub);
  seedance_sim_free (sim);
}

END_TEST
/* --- the list call --- */
START_TEST (test_list_tasks)
{
  SeedanceSim *sim = sim_new (100, 100);
  ClientOpts o = { 0, };
  SeedanceClient *c = client_new (sim, &o);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GPtrArray) requests = NULL;
  SeedanceSimRequest *req;
  g_autofree gchar *a = create_direct (sim);
  g_autofree gchar *b = create_direct (sim);
  g_autofree gchar *d = create_direct (sim);
  const gchar *ids[] = { a, b, "cgt-no-such-task", "x&y=z", d };
  guint i, found = 0;

  ck_assert_msg (seedance_client_list_tasks (c, ids, G_N_ELEMENTS (ids),
          &tasks, NULL, &error), "%s", error->message);
  ck_assert_uint_eq (tasks->len, 3);
  for (i = 0; i < tasks->len; i++) {
    SeedanceTask *t = tasks->pdata[i];

    found += g_strcmp0 (t->id, a) == 0 || g_strcmp0 (t->id, b) == 0 ||
        g_strcmp0 (t->id, d) == 0;
    ck_assert (t->status != SEEDANCE_STATUS_UNKNOWN);
    ck_assert (t->json != NULL);
  }
  ck_assert_uint_eq (found, 3);

  /* One request, each id its own escaped parameter. */
  requests = seedance_sim_get_requests (sim);
  ck_assert_uint_eq (requests->len, 1);
  req = requests->pdata[0];
  ck_assert_int_eq (req->endpoint, SEEDANCE_SIM_LIST);
  ck_assert_str_eq (req->method, "GET");
  ck_assert (strstr (req->query, "page_num=1") != NULL);
  ck_assert (strstr (req->query, "page_size=5") != NULL);
  ck_assert (strstr (req->query, "filter.task_ids=x%26y%3Dz") != NULL);
  ck_assert (strstr (req->query, "filter.task_ids=cgt-no-such-task") != NULL);
  ck_assert_str_eq (req->authorization, "Bearer " KEY);

  seedance_client_free (c);
  seedance_sim_free (sim);
}

END_TEST
START_TEST (test_list_pages)
{
  SeedanceSim *sim = sim_new (100, 100);
  ClientOpts o = { 0, };
  SeedanceClient *c = client_new (sim, &o);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint i;

  for (i = 0; i < 520; i++)
    g_ptr_array_add (ids, create_direct (sim));
  ck_assert_msg (seedance_client_list_tasks (c, (const gchar * const *)
          ids->pdata, ids->len, &tasks, NULL, &error), "%s", error->message);
  ck_assert_uint_eq (tasks->len, 520);
  for (i = 0; i < tasks->len; i++)
    g_hash_table_add (seen, ((SeedanceTask *) tasks->pdata[i])->id);
  ck_assert_uint_eq (g_hash_table_size (seen), 520);
  /* 500, then 20. */
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST), 2);
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_LIST, 200),
      2);

  seedance_client_free (c);
  seedance_sim_free (sim);
}

END_TEST
/* A gateway that finds the URL too long gets fewer ids a call. */
START_TEST (test_list_uri_too_long)
{
  SeedanceSim *sim = sim_new (100, 100);
  ClientOpts o = { 0, };
  SeedanceClient *c = client_new (sim, &o);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) tasks = NULL;
  guint i;

  for (i = 0; i < 6; i++)
    g_ptr_array_add (ids, create_direct (sim));
  add_status_fault (sim, SEEDANCE_SIM_LIST, 1, 414, NULL, 0);
  ck_assert_msg (seedance_client_list_tasks (c, (const gchar * const *)
          ids->pdata, ids->len, &tasks, NULL, &error), "%s", error->message);
  ck_assert_uint_eq (tasks->len, 6);
  /* 6 refused, then 3 and 3; and 3 a call from then on. */
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST), 3);
  g_clear_pointer (&tasks, g_ptr_array_unref);
  ck_assert (seedance_client_list_tasks (c, (const gchar * const *)
          ids->pdata, ids->len, &tasks, NULL, &error));
  ck_assert_uint_eq (tasks->len, 6);
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST), 5);

  seedance_client_free (c);
  seedance_sim_free (sim);
}

END_TEST
START_TEST (test_list_missing)
{
  static const guint statuses[] = { 404, 405, 400 };
  SeedanceSim *sim = sim_new (100, 100);
  ClientOpts o = {.retries = 2 };
  SeedanceClient *c = client_new (sim, &o);
  g_autofree gchar *a = create_direct (sim);
  g_autofree gchar *b = create_direct (sim);
  const gchar *ids[] = { a, b };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (statuses); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (SeedanceServiceError) se = NULL;
    GPtrArray *tasks = NULL;

    seedance_sim_clear_log (sim);
    seedance_sim_set_list_status (sim, statuses[i]);
    ck_assert (!seedance_client_list_tasks (c, ids, 2, &tasks, &se, &error));
    ck_assert (tasks == NULL);
    ck_assert_msg (g_error_matches (error, SEEDANCE_CLIENT_ERROR,
            SEEDANCE_CLIENT_ERROR_NO_LIST), "%u: %s", statuses[i],
        error->message);
    ck_assert_uint_eq (se->http_status, statuses[i]);
    /* Not a failure to retry. */
    ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST), 1);
  }

  seedance_client_free (c);
  seedance_sim_free (sim);
}

END_TEST
/* --- the hub: the pace --- */
START_TEST (test_hub_shared)
{
  SeedanceHub *a = seedance_hub_acquire ("http://127.0.0.1:9/api/v3", "k1",
      600);
  SeedanceHub *b = seedance_hub_acquire ("http://127.0.0.1:9/api/v3/", "k1",
      300);
  SeedanceHub *other = seedance_hub_acquire ("http://127.0.0.1:9/api/v3",
      "k2", 0);
  SeedanceHub *again;
  gint64 start;
  guint i;

  /* One per (root, key); the lowest cap wins. */
  ck_assert_ptr_eq (a, b);
  ck_assert_ptr_ne (a, other);
  ck_assert (seedance_hub_get_rate (a) == 300.0);
  ck_assert (seedance_hub_get_rate (other) == 0.0);

  /* Calls are spaced at the pace: 11 calls at 5 a second take 2 s. */
  start = g_get_monotonic_time ();
  for (i = 0; i < 11; i++)
    ck_assert (seedance_hub_take_slot (a, NULL, 0, NULL));
  ck_assert_int_ge (g_get_monotonic_time () - start, 1900 * MS);
  ck_assert_int_lt (g_get_monotonic_time () - start, 3000 * MS);
  /* No pace learnt yet: still one after another, 20 ms apart (at most 50
   * a second), never as one burst. */
  start = g_get_monotonic_time ();
  for (i = 0; i < 50; i++)
    ck_assert (seedance_hub_take_slot (other, NULL, 0, NULL));
  ck_assert_int_ge (g_get_monotonic_time () - start, 49 * 20 * MS);
  ck_assert_int_lt (g_get_monotonic_time () - start, 1500 * MS);

  seedance_hub_release (a);
  seedance_hub_release (b);
  seedance_hub_release (other);
  /* Made again on the next use, afresh. */
  again = seedance_hub_acquire ("http://127.0.0.1:9/api/v3", "k1", 0);
  ck_assert (seedance_hub_get_rate (again) == 0.0);
  seedance_hub_release (again);
}

END_TEST
START_TEST (test_hub_learns)
{
  SeedanceHub *hub = seedance_hub_acquire ("http://127.0.0.1:9/api/v3",
      "learn", 0);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  Canceller cl;
  GThread *t;
  gint64 start;
  gdouble rate;
  guint i;

  /* 40 calls went through in the last minute, then a 429: the pace is a
   * little under 40 a minute, and every caller holds for the Retry-After. */
  for (i = 0; i < 40; i++)
    seedance_hub_report_ok (hub);
  seedance_hub_report_429 (hub, 1);
  rate = seedance_hub_get_rate (hub);
  ck_assert_msg (rate >= 30 && rate < 40, "rate %f", rate);

  start = g_get_monotonic_time ();
  ck_assert (seedance_hub_take_slot (hub, NULL, 0, NULL));
  ck_assert_int_ge (g_get_monotonic_time () - start, 900 * MS);

  /* The calls already on their way get 429s too: one cut only. */
  seedance_hub_report_429 (hub, 0);
  ck_assert (seedance_hub_get_rate (hub) == rate);

  /* A hold past the deadline: RATE_LIMITED at the deadline. */
  seedance_hub_report_429 (hub, 30);
  start = g_get_monotonic_time ();
  ck_assert (!seedance_hub_take_slot (hub, NULL, start + 300 * MS, &error));
  ck_assert (g_error_matches (error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_RATE_LIMITED));
  ck_assert_int_ge (g_get_monotonic_time () - start, 300 * MS);
  ck_assert_int_lt (g_get_monotonic_time () - start, 800 * MS);
  g_clear_error (&error);

  /* A stop ends the hold at once. */
  t = cancel_later (&cl, cancellable, 200);
  ck_assert (!seedance_hub_take_slot (hub, cancellable, 0, &error));
  ck_assert (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_thread_join (t);
  ck_assert_int_lt (g_get_monotonic_time () - cl.cancelled_us, STOP_LATENCY_US);

  seedance_hub_release (hub);
}

END_TEST
/* A 429's Retry-After holds every caller of the service. */
    typedef struct
{
  SeedanceClient *client;
  const gchar *task_id;
  SeedanceTask *task;
} Getter;

static gpointer
getter_thread (gpointer data)
{
  Getter *g = data;

  g->task = seedance_client_get_task (g->client, g->task_id, NULL, NULL);
  return NULL;
}

START_TEST (test_hub_retry_after_shared)
{
  SeedanceSim *sim = sim_new (100, 100);
  g_autofree gchar *id = create_direct (sim);
  SeedanceHub *hub = seedance_hub_acquire (seedance_sim_get_base_url (sim),
      KEY, 0);
  ClientOpts o = { 0, };
  Getter a = { 0, };
  SeedanceTask *task;
  SeedanceClient *b;
  GThread *t;
  gint64 start;

  o.hub = hub;
  a.client = client_new (sim, &o);
  a.task_id = id;
  b = client_new (sim, &o);

  /* a meets a 429 with Retry-After: 1 ... */
  add_status_fault (sim, SEEDANCE_SIM_QUERY, 1, 429,
      "RateLimitExceeded.EndpointRPM", 1);
  start = g_get_monotonic_time ();
  t = g_thread_new ("a", getter_thread, &a);
  /* (the hold is in force when a slot cannot be had within 1 ms) */
  while (seedance_hub_take_slot (hub, NULL, g_get_monotonic_time () + 1000,
          NULL))
    g_usleep (1000);
  /* ... and b, which never saw one, holds too. */
  task = seedance_client_get_task (b, id, NULL, NULL);
  ck_assert (task != NULL);
  seedance_task_free (task);
  ck_assert_int_ge (g_get_monotonic_time () - start, 950 * MS);
  g_thread_join (t);
  ck_assert (a.task != NULL);
  seedance_task_free (a.task);
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_QUERY,
          200), 2);

  /* A client of another hub is not held by it. */
  seedance_client_free (b);
  add_status_fault (sim, SEEDANCE_SIM_QUERY, 1, 429,
      "RateLimitExceeded.EndpointRPM", 1);
  o.hub = NULL;
  b = client_new (sim, &o);
  t = g_thread_new ("a", getter_thread, &a);
  while (seedance_sim_count_status (sim, SEEDANCE_SIM_QUERY, 429) < 2)
    g_usleep (5000);
  start = g_get_monotonic_time ();
  task = seedance_client_get_task (b, id, NULL, NULL);
  ck_assert (task != NULL);
  seedance_task_free (task);
  ck_assert_int_lt (g_get_monotonic_time () - start, 500 * MS);
  g_thread_join (t);
  ck_assert (a.task != NULL);
  seedance_task_free (a.task);

  seedance_client_free (a.client);
  seedance_client_free (b);
  seedance_hub_release (hub);
  seedance_sim_free (sim);
}

END_TEST
/* --- the hub: the batch --- */
    typedef struct
{
  SeedanceSim *sim;
  SeedanceHub *hub;
  guint interval_ms;
  gboolean create;              /* through the client, else given */
  gchar *task_id;
  gint64 deadline_us;
  GCancellable *cancellable;
  GCancellable *wake;
  gboolean now;
  gboolean once;                /* one poll, not until final */
  /* results */
  SeedanceStatus status;
  GError *error;
  gint64 first_poll_us;
  gint64 done_us;
  guint polls;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  ClientOpts o = {.retries = 2,.backoff_ms = 100 };
  SeedanceClient *c;

  o.hub = w->hub;
  o.deadline_us = w->deadline_us;
  o.cancellable = w->cancellable;
  c = client_new (w->sim, &o);
  if (w->create) {
    w->task_id = seedance_client_create_task (c, BODY, NULL, &w->error);
    if (w->task_id == NULL)
      goto out;
  }
  w->first_poll_us = g_get_monotonic_time ();
  for (;;) {
    SeedanceTask *task = seedance_hub_poll_task (w->hub, c, w->task_id,
        w->interval_ms, w->now, w->wake, NULL, &w->error);

    w->now = FALSE;
    if (task == NULL)
      break;
    w->polls++;
    w->status = task->status;
    seedance_task_free (task);
    if (w->once || seedance_status_is_final (w->status))
      break;
  }
out:
  w->done_us = g_get_monotonic_time ();
  seedance_client_free (c);
  return NULL;
}

static GThread *
worker_start (Worker * w)
{
  return g_thread_new ("worker", worker_thread, w);
}

static void
worker_clear (Worker * w)
{
  g_free (w->task_id);
  g_clear_error (&w->error);
  g_clear_object (&w->cancellable);
  g_clear_object (&w->wake);
}

#define FLEET 50

/* Status calls over the polling of a fleet: a count, and the span from the
 * first to the last.  `rate`: calls of any kind a second, from the first
 * to the last. */
static guint
count_status_calls (SeedanceSim * sim, gint64 * span_us, gdouble * rate)
{
  g_autoptr (GPtrArray) requests = seedance_sim_get_requests (sim);
  gint64 first = 0, last = 0;
  guint i, n = 0;

  for (i = 0; i < requests->len; i++) {
    SeedanceSimRequest *r = requests->pdata[i];

    if (r->endpoint != SEEDANCE_SIM_LIST && r->endpoint != SEEDANCE_SIM_QUERY)
      continue;
    if (n++ == 0)
      first = r->time_us;
    last = r->time_us;
  }
  *span_us = last - first;
  *rate = 0;
  if (requests->len > 1) {
    SeedanceSimRequest *a = requests->pdata[0];
    SeedanceSimRequest *b = requests->pdata[requests->len - 1];

    *rate = (requests->len - 1) * (gdouble) G_USEC_PER_SEC /
        MAX (b->time_us - a->time_us, 1);
  }
  return n;
}

START_TEST (test_hub_fleet)
{
  SeedanceSim *sim = sim_new (300, 1200);
  SeedanceHub *hub = seedance_hub_acquire (seedance_sim_get_base_url (sim),
      KEY, 0);
  Worker w[FLEET];
  GThread *t[FLEET];
  gint64 span_us;
  guint i, calls, intervals;
  gdouble rate;

  /* Per task, every 500 ms, that would be ~200 calls in 2 s. */
  seedance_sim_set_rate_limit (sim, 150);
  memset (w, 0, sizeof (w));
  for (i = 0; i < FLEET; i++) {
    w[i].sim = sim;
    w[i].hub = hub;
    w[i].interval_ms = 500;
    w[i].create = TRUE;
    w[i].deadline_us = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    t[i] = worker_start (&w[i]);
  }
  for (i = 0; i < FLEET; i++)
    g_thread_join (t[i]);

  for (i = 0; i < FLEET; i++) {
    ck_assert_msg (w[i].error == NULL, "%u: %s", i, w[i].error->message);
    ck_assert_int_eq (w[i].status, SEEDANCE_STATUS_SUCCEEDED);
  }
  /* Exactly one create each, no 429. */
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_CREATE,
          200), FLEET);
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_CREATE),
      FLEET);
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_ANY_ENDPOINT,
          429), 0);

  /* One batched call per interval, give or take. */
  calls = count_status_calls (sim, &span_us, &rate);
  intervals = (guint) (span_us / (500 * MS)) + 1;
  g_print ("fleet of %u: %u status calls in %u intervals\n", FLEET, calls,
      intervals);
  ck_assert_msg (calls <= intervals * 3 / 2 + 1, "%u status calls in %u "
      "intervals", calls, intervals);
  ck_assert_uint_gt (seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST), 0);

  for (i = 0; i < FLEET; i++)
    worker_clear (&w[i]);
  seedance_hub_release (hub);
  seedance_sim_free (sim);
}

END_TEST
/* The same without the list endpoint: one GET per task, paced under the
 * cap, all delivered. */
START_TEST (test_hub_fleet_no_list)
{
  SeedanceSim *sim = sim_new (300, 1200);
  SeedanceHub *hub = seedance_hub_acquire (seedance_sim_get_base_url (sim),
      KEY, 2400);
  Worker w[FLEET];
  GThread *t[FLEET];
  gint64 span_us;
  guint i, calls, polls = 0;
  gdouble rate;

  seedance_sim_set_list_status (sim, 404);
  seedance_sim_set_rate_limit (sim, 3000);
  memset (w, 0, sizeof (w));
  for (i = 0; i < FLEET; i++) {
    w[i].sim = sim;
    w[i].hub = hub;
    w[i].interval_ms = 500;
    w[i].create = TRUE;
    w[i].deadline_us = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    t[i] = worker_start (&w[i]);
  }
  for (i = 0; i < FLEET; i++)
    g_thread_join (t[i]);

  for (i = 0; i < FLEET; i++) {
    ck_assert_msg (w[i].error == NULL, "%u: %s", i, w[i].error->message);
    ck_assert_int_eq (w[i].status, SEEDANCE_STATUS_SUCCEEDED);
    polls += w[i].polls;
  }
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_CREATE,
          200), FLEET);
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_ANY_ENDPOINT,
          429), 0);
  /* The list was tried once, then never again; a GET per answer. */
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST), 1);
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY),
      polls);
  /* Never above the cap of 40 a second (and a little for the threads'
   * wake-up times). */
  /* Never above the cap of 40 a second, on average over the whole run
   * (creates included; unpaced, the GETs alone would come at 100 a
   * second).  Each second of the log shows the threads' wake-up times too,
   * which valgrind makes long. */
  calls = count_status_calls (sim, &span_us, &rate);
  g_print ("fleet of %u without a list: %u status calls, %.1f calls a "
      "second\n", FLEET, calls, rate);
  ck_assert_uint_ge (calls, FLEET);
  ck_assert_msg (rate <= 40 * 1.1, "%.1f calls a second", rate);

  for (i = 0; i < FLEET; i++)
    worker_clear (&w[i]);
  seedance_hub_release (hub);
  seedance_sim_free (sim);
}

END_TEST
/* A caller that stops leaves at once; the others carry on, even when the
 * one that stops was fetching for them. */
START_TEST (test_hub_stop)
{
  SeedanceSim *sim = sim_new (10000, 10000);
  SeedanceHub *hub = seedance_hub_acquire (seedance_sim_get_base_url (sim),
      KEY, 0);
  Worker w[4], f, idle;
  GThread *t[4], *ft, *it;
  Canceller cf, ci;
  GThread *cft, *cit;
  gint64 t0;
  guint i;

  memset (w, 0, sizeof (w));
  memset (&f, 0, sizeof (f));
  memset (&idle, 0, sizeof (idle));
  t0 = g_get_monotonic_time ();
  for (i = 0; i < 4; i++) {
    w[i].sim = sim;
    w[i].hub = hub;
    w[i].interval_ms = 1000;
    w[i].task_id = create_direct (sim);
    w[i].once = TRUE;
    t[i] = worker_start (&w[i]);
  }
  /* One that waits long and is stopped mid-wait. */
  idle.sim = sim;
  idle.hub = hub;
  idle.interval_ms = 5000;
  idle.task_id = create_direct (sim);
  idle.cancellable = g_cancellable_new ();
  it = worker_start (&idle);
  cit = cancel_later (&ci, idle.cancellable, 200);

  /* At 600 ms, one asks now: it fetches for everyone due within half an
   * interval (the four), with a list call that hangs for 3 s; it is
   * stopped at 800 ms. */
  g_usleep (600 * 1000);
  add_fault (sim, SEEDANCE_SIM_LIST, SEEDANCE_SIM_FAULT_DELAY, 1, 3000);
  f.sim = sim;
  f.hub = hub;
  f.interval_ms = 1000;
  f.task_id = create_direct (sim);
  f.now = TRUE;
  f.once = TRUE;
  f.cancellable = g_cancellable_new ();
  ft = worker_start (&f);
  cft = cancel_later (&cf, f.cancellable, 200);

  g_thread_join (it);
  g_thread_join (cit);
  ck_assert (g_error_matches (idle.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  ck_assert_int_lt (idle.done_us - ci.cancelled_us, STOP_LATENCY_US);

  g_thread_join (ft);
  g_thread_join (cft);
  ck_assert_msg (g_error_matches (f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED),
      "%s", f.error ? f.error->message : "no error");
  ck_assert_int_lt (f.done_us - cf.cancelled_us, STOP_LATENCY_US);

  /* The four got their answer at their own due time (1 s), not after the
   * stopped caller's hanging call (3.6 s). */
  for (i = 0; i < 4; i++) {
    g_thread_join (t[i]);
    ck_assert_msg (w[i].error == NULL, "%s", w[i].error->message);
    ck_assert_int_eq (w[i].status, SEEDANCE_STATUS_QUEUED);
    ck_assert_int_lt (w[i].done_us - t0, 2000 * MS);
  }
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST), 2);

  for (i = 0; i < 4; i++)
    worker_clear (&w[i]);
  worker_clear (&f);
  worker_clear (&idle);
  seedance_hub_release (hub);
  seedance_sim_free (sim);
}

END_TEST
/* `wake` makes a task due now; the deadline ends a wait with TIMED_OUT. */
START_TEST (test_hub_wake_and_deadline)
{
  SeedanceSim *sim = sim_new (10000, 10000);
  SeedanceHub *hub = seedance_hub_acquire (seedance_sim_get_base_url (sim),
      KEY, 0);
  Worker w, d;
  GThread *t, *wt;
  Canceller cw;
  gint64 t0 = g_get_monotonic_time ();

  memset (&w, 0, sizeof (w));
  w.sim = sim;
  w.hub = hub;
  w.interval_ms = 10000;
  w.task_id = create_direct (sim);
  w.once = TRUE;
  w.wake = g_cancellable_new ();
  t = worker_start (&w);
  wt = cancel_later (&cw, w.wake, 200);
  g_thread_join (t);
  g_thread_join (wt);
  ck_assert_msg (w.error == NULL, "%s", w.error->message);
  ck_assert_int_eq (w.status, SEEDANCE_STATUS_QUEUED);
  ck_assert_int_lt (w.done_us - t0, 1000 * MS);

  memset (&d, 0, sizeof (d));
  d.sim = sim;
  d.hub = hub;
  d.interval_ms = 10000;
  d.task_id = create_direct (sim);
  d.deadline_us = g_get_monotonic_time () + 300 * MS;
  t = worker_start (&d);
  g_thread_join (t);
  ck_assert (g_error_matches (d.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  ck_assert_int_ge (d.done_us, d.deadline_us);
  ck_assert_int_lt (d.done_us, d.deadline_us + STOP_LATENCY_US);

  worker_clear (&w);
  worker_clear (&d);
  seedance_hub_release (hub);
  seedance_sim_free (sim);
}

END_TEST
/* A task the list does not return gets a GET of its own; an error of the
 * GET is that task's alone. */
START_TEST (test_hub_missing_from_list)
{
  SeedanceSim *sim = sim_new (10000, 10000);
  SeedanceHub *hub = seedance_hub_acquire (seedance_sim_get_base_url (sim),
      KEY, 0);
  Worker w[3];
  GThread *t[3];
  guint i;

  memset (w, 0, sizeof (w));
  for (i = 0; i < 3; i++) {
    w[i].sim = sim;
    w[i].hub = hub;
    w[i].interval_ms = 300;
    w[i].task_id = i < 2 ? create_direct (sim) : g_strdup ("cgt-gone");
    w[i].once = TRUE;
    t[i] = worker_start (&w[i]);
  }
  for (i = 0; i < 3; i++)
    g_thread_join (t[i]);
  for (i = 0; i < 2; i++) {
    ck_assert_msg (w[i].error == NULL, "%s", w[i].error->message);
    ck_assert_int_eq (w[i].status, SEEDANCE_STATUS_QUEUED);
  }
  ck_assert (g_error_matches (w[2].error, SEEDANCE_CLIENT_ERROR,
          SEEDANCE_CLIENT_ERROR_NOT_FOUND));
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST), 1);
  ck_assert_uint_eq (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY), 1);

  for (i = 0; i < 3; i++)
    worker_clear (&w[i]);
  seedance_hub_release (hub);
  seedance_sim_free (sim);
}

END_TEST
/* Creates under a storm of 429s: all created, each exactly once. */
    typedef struct
{
  SeedanceSim *sim;
  SeedanceHub *hub;
  gchar *task_id;
  GError *error;
} Creator;

static gpointer
creator_thread (gpointer data)
{
  Creator *cr = data;
  ClientOpts o = {.backoff_ms = 50 };
  SeedanceClient *c;

  o.hub = cr->hub;
  o.deadline_us = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  c = client_new (cr->sim, &o);
  cr->task_id = seedance_client_create_task (c, BODY, NULL, &cr->error);
  seedance_client_free (c);
  return NULL;
}

#define CREATORS 20

START_TEST (test_hub_create_storm)
{
  SeedanceSim *sim = sim_new (300, 100);
  SeedanceHub *hub = seedance_hub_acquire (seedance_sim_get_base_url (sim),
      KEY, 0);
  Creator cr[CREATORS];
  GThread *t[CREATORS];
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  guint i;

  /* Three queued at most, and the first creates also meet a rate limit
   * with a Retry-After. */
  seedance_sim_set_max_queued (sim, 3);
  add_status_fault (sim, SEEDANCE_SIM_CREATE, 10, 429,
      "RateLimitExceeded.EndpointRPM", 1);
  memset (cr, 0, sizeof (cr));
  for (i = 0; i < CREATORS; i++) {
    cr[i].sim = sim;
    cr[i].hub = hub;
    t[i] = g_thread_new ("creator", creator_thread, &cr[i]);
  }
  for (i = 0; i < CREATORS; i++) {
    g_thread_join (t[i]);
    ck_assert_msg (cr[i].task_id != NULL, "%s", cr[i].error->message);
    g_hash_table_add (ids, cr[i].task_id);
  }
  ck_assert_uint_eq (g_hash_table_size (ids), CREATORS);
  ck_assert_uint_eq (seedance_sim_count_status (sim, SEEDANCE_SIM_CREATE,
          200), CREATORS);
  ck_assert_uint_ge (seedance_sim_count_status (sim, SEEDANCE_SIM_CREATE,
          429), 10 + 1);

  for (i = 0; i < CREATORS; i++) {
    g_free (cr[i].task_id);
    g_clear_error (&cr[i].error);
  }
  seedance_hub_release (hub);
  seedance_sim_free (sim);
}

END_TEST static Suite *
client_suite (void)
{
  Suite *s = suite_create ("client");
  TCase *tc = tcase_create ("client");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_backoff_bounds);
  tcase_add_test (tc, test_query_retried);
  tcase_add_test (tc, test_create_not_repeated);
  tcase_add_test (tc, test_429_not_counted);
  tcase_add_test (tc, test_429_deadline);
  tcase_add_test (tc, test_429_wait_cancelled);
  tcase_add_test (tc, test_list_tasks);
  tcase_add_test (tc, test_list_pages);
  tcase_add_test (tc, test_list_uri_too_long);
  tcase_add_test (tc, test_list_missing);
  tcase_add_test (tc, test_hub_shared);
  tcase_add_test (tc, test_hub_learns);
  tcase_add_test (tc, test_hub_retry_after_shared);
  tcase_add_test (tc, test_hub_fleet);
  tcase_add_test (tc, test_hub_fleet_no_list);
  tcase_add_test (tc, test_hub_stop);
  tcase_add_test (tc, test_hub_wake_and_deadline);
  tcase_add_test (tc, test_hub_missing_from_list);
  tcase_add_test (tc, test_hub_create_storm);
  return s;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  SRunner *sr;
  gint fd, failed;

  fd = g_file_open_tmp ("check-client-XXXXXX.mp4", &video_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (video_path, "not a video", -1, NULL));
  close (fd);

  sr = srunner_create (client_suite ());
  srunner_run_all (sr, CK_ENV);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  g_unlink (video_path);
  g_free (video_path);
  return failed == 0 ? 0 : 1;
}
