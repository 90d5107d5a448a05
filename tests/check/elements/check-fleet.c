/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* Many seedancesrc elements in one process under one account, as an
 * application generating a rundown runs them: every clip delivered, each
 * task created once, a handful of status calls for the whole process, a
 * 429 that slows everyone but never ends a wait, and a stop that leaves the
 * batch at once while the others carry on. */
#include "common/harness.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define FLEET_MAX 50

/* One clip rendered once per run by the simulator's own renderer, then
 * served for every task (50 tasks do not render 50 files). */
static gchar *video_dir;
static gchar *video_path;
static gchar *video_sha256;
static gsize video_size;

typedef struct
{
  GstElement *pipeline;
  GstBus *bus;
  gchar *prompt;
  gchar *task_id;
  /* written by the streaming thread until EOS, read after it */
  GChecksum *sum;
  guint64 bytes;
  gint64 first_byte_us;
  /* EOS or ERROR, NULL until one came */
  GstMessage *result;
  gboolean stopped;
} Member;

typedef struct
{
  SeedanceSim *sim;
  guint n;
  guint poll_interval_ms;
  gint64 started_us;
  Member m[FLEET_MAX];
} Fleet;

/* What the request log says about the API calls. */
typedef struct
{
  guint creates, creates_ok, creates_429;
  guint queries, queries_429;
  guint lists, lists_429;
  guint api_calls, api_429;
  gint64 first_status_us, last_status_us;
  /* the longest time without an API call, and when it began (from the
   * first call) */
  gint64 longest_gap_us, gap_from_us;
  gint64 first_call_us;
} Tally;

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, Member * m)
{
  GstMapInfo map;

  if (m->first_byte_us == 0)
    m->first_byte_us = g_get_monotonic_time ();
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  g_checksum_update (m->sum, map.data, map.size);
  m->bytes += map.size;
  gst_buffer_unmap (buf, &map);
}

/* Builds `n` pipelines "seedancesrc prompt="TAG i" user-agent=fleet/i
 * poll-interval=... PROPS ! fakesink" and sets them all to PLAYING. */
static void
fleet_start (Fleet * f, SeedanceSim * sim, guint n, const gchar * tag,
    guint poll_interval_ms, const gchar * props)
{
  guint i;

  fail_unless (n <= FLEET_MAX);
  memset (f, 0, sizeof (*f));
  f->sim = sim;
  f->n = n;
  f->poll_interval_ms = poll_interval_ms;
  for (i = 0; i < n; i++) {
    Member *m = &f->m[i];
    gchar *rest;
    GstElement *sink;

    m->prompt = g_strdup_printf ("%s %u", tag, i);
    /* The user agent tells which element sent a request. */
    rest = g_strdup_printf ("prompt=\"%s\" user-agent=\"fleet/%u\" "
        "poll-interval=%u %s ! fakesink name=sink signal-handoffs=true",
        m->prompt, i, poll_interval_ms, props ? props : "");
    m->pipeline = test_pipeline_new (sim, rest);
    g_free (rest);
    m->bus = gst_element_get_bus (m->pipeline);
    m->sum = g_checksum_new (G_CHECKSUM_SHA256);
    sink = gst_bin_get_by_name (GST_BIN (m->pipeline), "sink");
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), m);
    gst_object_unref (sink);
  }
  f->started_us = g_get_monotonic_time ();
  for (i = 0; i < n; i++)
    fail_if (gst_element_set_state (f->m[i].pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
}

/* Waits until every member not stopped has posted EOS or an error, or
 * `timeout_s` passed.  Returns how many ended. */
static guint
fleet_wait (Fleet * f, guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  guint i, ended = 0;

  for (i = 0; i < f->n; i++) {
    Member *m = &f->m[i];
    gint64 left = MAX (deadline - g_get_monotonic_time (), 0);

    if (m->stopped)
      continue;
    if (m->result == NULL)
      m->result = gst_bus_timed_pop_filtered (m->bus, left * GST_USECOND,
          GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (m->result)
      ended++;
  }
  return ended;
}

static gchar *
member_task_id (Member * m)
{
  GstElement *src = test_pipeline_get_src (m->pipeline);
  gchar *id = NULL;

  g_object_get (src, "task-id", &id, NULL);
  return id;
}

/* Every member not stopped reached EOS with the whole clip, byte for byte,
 * from a task of its own. */
static void
fleet_assert_delivered (Fleet * f)
{
  GHashTable *ids = g_hash_table_new (g_str_hash, g_str_equal);
  guint i;

  for (i = 0; i < f->n; i++) {
    Member *m = &f->m[i];

    if (m->stopped)
      continue;
    if (m->result == NULL) {
      gchar *id = member_task_id (m), *status = NULL, *sim_status;

      g_object_get (test_pipeline_get_src (m->pipeline), "status", &status,
          NULL);
      sim_status = id ? seedance_sim_get_task_status (f->sim, id) : NULL;
      fail ("clip %u (\"%s\") did not end in time: task %s, status %s "
          "(the service says %s), %" G_GUINT64_FORMAT " bytes downstream", i,
          m->prompt, GST_STR_NULL (id), GST_STR_NULL (status),
          GST_STR_NULL (sim_status), m->bytes);
    }
    if (GST_MESSAGE_TYPE (m->result) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *debug = NULL;

      gst_message_parse_error (m->result, &err, &debug);
      fail ("clip %u (\"%s\") failed: %s (%s)", i, m->prompt, err->message,
          GST_STR_NULL (debug));
    }
    fail_unless_equals_int (GST_MESSAGE_TYPE (m->result), GST_MESSAGE_EOS);
    fail_unless (m->bytes == video_size, "clip %u: %" G_GUINT64_FORMAT
        " bytes downstream, the video has %" G_GSIZE_FORMAT, i, m->bytes,
        video_size);
    fail_unless_equals_string (g_checksum_get_string (m->sum), video_sha256);
    m->task_id = member_task_id (m);
    fail_unless (m->task_id != NULL, "clip %u has no task id", i);
    fail_if (g_hash_table_contains (ids, m->task_id),
        "clip %u was given task %s, which another clip has", i, m->task_id);
    g_hash_table_add (ids, m->task_id);
    if (g_hash_table_size (ids) <= 3) {
      /* What the service holds as that task's video, for a few. */
      GBytes *video = seedance_sim_get_task_video (f->sim, m->task_id);
      gchar *sum;

      fail_unless (video != NULL, "the service has no video for task %s",
          m->task_id);
      sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, video);
      fail_unless_equals_string (g_checksum_get_string (m->sum), sum);
      g_free (sum);
      g_bytes_unref (video);
    }
  }
  g_hash_table_unref (ids);
}

static void
fleet_free (Fleet * f)
{
  guint i;

  for (i = 0; i < f->n; i++) {
    Member *m = &f->m[i];

    gst_element_set_state (m->pipeline, GST_STATE_NULL);
    gst_object_unref (m->pipeline);
    gst_object_unref (m->bus);
    if (m->result)
      gst_message_unref (m->result);
    g_checksum_free (m->sum);
    g_free (m->prompt);
    g_free (m->task_id);
  }
}

/* The text prompt of a create body. */
static gchar *
create_prompt (const gchar * body)
{
  JsonParser *parser = json_parser_new ();
  gchar *prompt = NULL;
  JsonArray *content;
  guint i;

  fail_unless (json_parser_load_from_data (parser, body, -1, NULL),
      "a create body that is not JSON: %s", body);
  content = json_object_get_array_member (json_node_get_object
      (json_parser_get_root (parser)), "content");
  for (i = 0; content && i < json_array_get_length (content) && !prompt; i++) {
    JsonObject *part = json_array_get_object_element (content, i);

    if (g_strcmp0 (json_object_get_string_member_with_default (part, "type",
                NULL), "text") == 0)
      prompt = g_strdup (json_object_get_string_member (part, "text"));
  }
  g_object_unref (parser);
  return prompt;
}

static void
tally (SeedanceSim * sim, Tally * t)
{
  GPtrArray *reqs = seedance_sim_get_requests (sim);
  guint i;

  gint64 last_call_us = 0;

  memset (t, 0, sizeof (*t));
  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);
    gboolean limited = r->status == 429;

    switch (r->endpoint) {
      case SEEDANCE_SIM_CREATE:
        t->creates++;
        t->creates_ok += r->status == 200;
        t->creates_429 += limited;
        break;
      case SEEDANCE_SIM_QUERY:
        t->queries++;
        t->queries_429 += limited;
        break;
      case SEEDANCE_SIM_LIST:
        t->lists++;
        t->lists_429 += limited;
        break;
      case SEEDANCE_SIM_DELETE:
        break;
      default:
        continue;
    }
    t->api_calls++;
    t->api_429 += limited;
    if (t->first_call_us == 0)
      t->first_call_us = r->time_us;
    if (last_call_us && r->time_us - last_call_us > t->longest_gap_us) {
      t->longest_gap_us = r->time_us - last_call_us;
      t->gap_from_us = last_call_us - t->first_call_us;
    }
    last_call_us = r->time_us;
    if (r->endpoint == SEEDANCE_SIM_QUERY || r->endpoint == SEEDANCE_SIM_LIST) {
      if (t->first_status_us == 0)
        t->first_status_us = r->time_us;
      t->last_status_us = r->time_us;
    }
  }
  g_ptr_array_unref (reqs);
}

/* The most status calls (queries and list calls) made within any
 * `window_ms`. */
static guint
peak_status_calls (SeedanceSim * sim, guint window_ms)
{
  GPtrArray *reqs = seedance_sim_get_requests (sim);
  GArray *times = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint i, first = 0, peak = 0;

  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint == SEEDANCE_SIM_QUERY || r->endpoint == SEEDANCE_SIM_LIST)
      g_array_append_val (times, r->time_us);
  }
  /* The log is in the order received. */
  for (i = 0; i < times->len; i++) {
    while (g_array_index (times, gint64, i) - g_array_index (times, gint64,
            first) >= (gint64) window_ms * 1000)
      first++;
    peak = MAX (peak, i - first + 1);
  }
  g_array_unref (times);
  g_ptr_array_unref (reqs);
  return peak;
}

/* Exactly one create answered 200 for each member's prompt, none for any
 * other prompt. */
static void
assert_one_create_each (Fleet * f)
{
  GPtrArray *reqs = seedance_sim_get_requests (f->sim);
  GHashTable *created = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  guint i;

  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);
    gchar *prompt;

    if (r->endpoint != SEEDANCE_SIM_CREATE || r->status != 200)
      continue;
    prompt = create_prompt (r->body);
    fail_unless (prompt != NULL, "a create without a prompt: %s", r->body);
    fail_if (g_hash_table_contains (created, prompt),
        "\"%s\" was created twice", prompt);
    g_hash_table_add (created, prompt);
  }
  for (i = 0; i < f->n; i++)
    fail_unless (g_hash_table_contains (created, f->m[i].prompt),
        "\"%s\" was never created", f->m[i].prompt);
  fail_unless_equals_int (g_hash_table_size (created), f->n);
  g_hash_table_unref (created);
  g_ptr_array_unref (reqs);
}

static gint
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Prints the median and the largest delay from a task's success on the
 * service to its first byte downstream (the benchmark holds the goal). */
static void
print_latency (Fleet * f, const gchar * what)
{
  GArray *lat = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint i;

  for (i = 0; i < f->n; i++) {
    Member *m = &f->m[i];
    gint64 done;

    if (m->stopped || m->task_id == NULL || m->first_byte_us == 0)
      continue;
    done = seedance_sim_get_task_succeeded_us (f->sim, m->task_id);
    if (done > 0) {
      gint64 l = m->first_byte_us - done;

      g_array_append_val (lat, l);
    }
  }
  if (lat->len > 0) {
    g_array_sort (lat, compare_gint64);
    g_print ("%s: success to first byte: median %.0f ms, max %.0f ms "
        "(poll interval %u ms)\n", what,
        g_array_index (lat, gint64, lat->len / 2) / 1000.0,
        g_array_index (lat, gint64, lat->len - 1) / 1000.0,
        f->poll_interval_ms);
  }
  g_array_unref (lat);
}

static void
print_tally (const gchar * what, const Tally * t)
{
  g_print ("%s: %u API calls, %u answered 429 (%.1f %%); creates %u (%u "
      "answered 200, %u 429); queries %u (%u 429); list calls %u (%u 429)\n",
      what, t->api_calls, t->api_429,
      t->api_calls ? 100.0 * t->api_429 / t->api_calls : 0.0, t->creates,
      t->creates_ok, t->creates_429, t->queries, t->queries_429, t->lists,
      t->lists_429);
  g_print ("%s: the longest time without an API call: %.1f s, from %.1f s "
      "after the first\n", what, t->longest_gap_us / 1e6, t->gap_from_us / 1e6);
}

/* 429s stay rare: at most 2 % of the API calls. */
static void
assert_429s_rare (const Tally * t)
{
  fail_unless (t->api_429 * 50 <= t->api_calls, "%u of %u API calls were "
      "answered 429 (%.1f %%, more than 2 %%)", t->api_429, t->api_calls,
      t->api_calls ? 100.0 * t->api_429 / t->api_calls : 0.0);
}

/* --- 50 elements --- */

/* A few seconds per task, 120 calls a minute for the account: 50 elements
 * polling on their own would make 50 calls a second. */
#define FLEET_N 50
#define FLEET_LIMIT 120
#define FLEET_POLL_MS 1000

static void
run_fifty (SeedanceSim * sim, const gchar * tag, Tally * t)
{
  Fleet f;
  gint64 wall;
  guint ended;

  seedance_sim_set_video_file (sim, video_path);
  seedance_sim_set_schedule (sim, 2000, 1000);
  seedance_sim_set_rate_limit (sim, FLEET_LIMIT);
  fleet_start (&f, sim, FLEET_N, tag, FLEET_POLL_MS, NULL);
  ended = fleet_wait (&f, 150);
  wall = g_get_monotonic_time () - f.started_us;
  tally (sim, t);
  g_print ("%s: %u of %u clips ended in %.1f s\n", tag, ended, FLEET_N,
      wall / 1e6);
  print_tally (tag, t);
  fleet_assert_delivered (&f);
  print_latency (&f, tag);
  assert_one_create_each (&f);
  fail_unless_equals_int (t->creates_ok, FLEET_N);
  fleet_free (&f);
}

GST_START_TEST (test_fifty_elements_share_the_status_calls)
{
  SeedanceSim *sim = test_sim_new ();
  Tally t;
  gdouble intervals, allowed;
  guint status_calls, peak;

  run_fifty (sim, "fifty", &t);

  /* The status calls of the whole process, over the time they were made:
   * one list call per interval when the tasks fall into step, with room
   * for half as many again, for a first round split in two and a few
   * GETs of tasks the list missed or that were alone. */
  status_calls = t.queries + t.lists;
  intervals = (t.last_status_us - t.first_status_us) / 1000.0 /
      FLEET_POLL_MS + 1;
  allowed = 1.5 * intervals + 3;
  g_print ("fifty: %u status calls (%u list, %u query) over %.1f poll "
      "intervals: %.2f per interval, %.1f allowed\n", status_calls, t.lists,
      t.queries, intervals, status_calls / intervals, allowed);
  /* And in any one interval: a pause the service asked for (a 429's
   * Retry-After) must not hide a burst of calls, one per task. */
  peak = peak_status_calls (sim, FLEET_POLL_MS);
  g_print ("fifty: at most %u status calls in one poll interval\n", peak);
  fail_unless (t.lists > 0, "the list endpoint was never used");
  fail_unless (peak <= 4, "%u status calls within one poll interval for %u "
      "elements", peak, FLEET_N);
  fail_unless (status_calls <= allowed, "%u status calls over %.1f poll "
      "intervals for %u elements (at most %.1f allowed)", status_calls,
      intervals, FLEET_N, allowed);
  assert_429s_rare (&t);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_fifty_elements_without_the_list_endpoint)
{
  SeedanceSim *sim = test_sim_new ();
  Tally t;

  /* A gateway without the list endpoint: one GET per task, paced. */
  seedance_sim_set_list_status (sim, 404);
  run_fifty (sim, "nolist", &t);
  fail_unless (t.queries >= FLEET_N, "%u queries for %u tasks", t.queries,
      FLEET_N);
  assert_429s_rare (&t);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* --- a stop mid-wait --- */

#define STOP_N 6
#define STOP_POLL_MS 500
#define STOP_BOUND_MS 500.0

/* Which member sent a request, by its user agent; -1 when none. */
static gint
request_member (const SeedanceSimRequest * r)
{
  const gchar *ua = r->headers ? strstr (r->headers, "User-Agent: fleet/") :
      NULL;

  return ua ? (gint) g_ascii_strtoull (ua + strlen ("User-Agent: fleet/"),
      NULL, 10) : -1;
}

/* Waits for the next list call the simulator receives (it delays each one,
 * so that the call is still on its way when this returns) and returns it;
 * NULL after `timeout_s`.  The simulator has no way to tell a test of a
 * request but its log: polled every few milliseconds. */
static SeedanceSimRequest *
wait_for_list_call (SeedanceSim * sim, guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  guint seen = seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST);
  SeedanceSimRequest *found = NULL;

  while (found == NULL && g_get_monotonic_time () < deadline) {
    GPtrArray *reqs;
    guint i;

    if (seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST) == seen) {
      g_usleep (2000);
      continue;
    }
    reqs = seedance_sim_get_requests (sim);
    for (i = reqs->len; i > 0 && found == NULL; i--) {
      SeedanceSimRequest *r = g_ptr_array_index (reqs, i - 1);

      if (r->endpoint == SEEDANCE_SIM_LIST) {
        found = g_ptr_array_steal_index (reqs, i - 1);
      }
    }
    g_ptr_array_unref (reqs);
  }
  return found;
}

static void
request_free (SeedanceSimRequest * r)
{
  g_free (r->method);
  g_free (r->host);
  g_free (r->path);
  g_free (r->query);
  g_free (r->authorization);
  g_free (r->range);
  g_free (r->headers);
  g_free (r->body);
  g_free (r);
}

/* TRUE when the request asks for the task `id`: its GET, or a list call
 * with it among filter.task_ids. */
static gboolean
request_asks_for (const SeedanceSimRequest * r, const gchar * id)
{
  gchar **params;
  gboolean found = FALSE;
  guint i;

  if (r->endpoint == SEEDANCE_SIM_QUERY)
    return g_str_has_suffix (r->path, id) &&
        r->path[strlen (r->path) - strlen (id) - 1] == '/';
  if (r->endpoint != SEEDANCE_SIM_LIST || r->query == NULL)
    return FALSE;
  params = g_strsplit (r->query, "&", -1);
  for (i = 0; params[i] && !found; i++) {
    gchar *param = g_uri_unescape_string (params[i], NULL);

    found = param && g_str_has_prefix (param, "filter.task_ids=") &&
        strcmp (param + strlen ("filter.task_ids="), id) == 0;
    g_free (param);
  }
  g_strfreev (params);
  return found;
}

/* Stops member `k` and checks that it took under the bound. */
static gint64
stop_member (Fleet * f, guint k, const gchar * why)
{
  Member *m = &f->m[k];
  gdouble ms;

  m->task_id = member_task_id (m);
  fail_unless (m->task_id != NULL);
  ms = test_time_to_null (m->pipeline);
  m->stopped = TRUE;
  g_print ("stop: clip %u (%s) reached NULL in %.1f ms\n", k, why, ms);
  fail_unless (ms < STOP_BOUND_MS, "clip %u (%s) took %.1f ms to stop", k,
      why, ms);
  return g_get_monotonic_time ();
}

GST_START_TEST (test_stop_mid_wait_leaves_the_batch)
{
  SeedanceSim *sim = test_sim_new ();
  SeedanceSimFaultParams delay = { 0, };
  SeedanceSimRequest *list;
  GPtrArray *reqs;
  Fleet f;
  gint fetcher, other;
  gint64 stopped_us[STOP_N] = { 0, };
  guint i, j;

  seedance_sim_set_video_file (sim, video_path);
  /* The tasks are queued for a while: several list rounds pass. */
  seedance_sim_set_schedule (sim, 4000, 500);
  /* Every list call is slow: the stop lands while one is on its way. */
  delay.delay_ms = 300;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_LIST, SEEDANCE_SIM_FAULT_DELAY, 0,
      &delay);
  fleet_start (&f, sim, STOP_N, "stop", STOP_POLL_MS, NULL);
  for (i = 0; i < STOP_N; i++) {
    GstMessage *msg = test_wait_for_task_message (f.m[i].pipeline,
        "created", 30);

    fail_unless (msg != NULL, "clip %u was not created", i);
    gst_message_unref (msg);
  }

  /* The element fetching for the batch, stopped mid-call: another takes
   * over. */
  list = wait_for_list_call (sim, 10);
  fail_unless (list != NULL, "no list call");
  fetcher = request_member (list);
  fail_unless (fetcher >= 0 && fetcher < STOP_N, "a list call from %s",
      list->headers);
  request_free (list);
  stopped_us[fetcher] = stop_member (&f, fetcher, "fetching for the batch");

  /* One that waits while another fetches. */
  list = wait_for_list_call (sim, 10);
  fail_unless (list != NULL, "no list call after the fetcher stopped");
  other = request_member (list);
  fail_unless (other >= 0 && other < STOP_N && other != fetcher);
  request_free (list);
  other = (other + 1) % STOP_N;
  if (other == fetcher)
    other = (other + 1) % STOP_N;
  stopped_us[other] = stop_member (&f, other, "waiting in the batch");

  fleet_wait (&f, 60);
  fleet_assert_delivered (&f);
  assert_one_create_each (&f);

  /* Nothing asked for a stopped element's task after its stop. */
  reqs = seedance_sim_get_requests (sim);
  for (i = 0; i < STOP_N; i++) {
    if (!f.m[i].stopped)
      continue;
    for (j = 0; j < reqs->len; j++) {
      SeedanceSimRequest *r = g_ptr_array_index (reqs, j);

      fail_if (r->time_us > stopped_us[i] &&
          request_asks_for (r, f.m[i].task_id), "clip %u's task %s was "
          "asked for %.0f ms after its stop (%s %s?%s)", i, f.m[i].task_id,
          (r->time_us - stopped_us[i]) / 1000.0, r->method, r->path,
          GST_STR_NULL (r->query));
    }
  }
  g_ptr_array_unref (reqs);
  fleet_free (&f);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* --- creates under a 429 storm --- */

#define STORM_N 20

GST_START_TEST (test_creates_under_a_quota_storm)
{
  SeedanceSim *sim = test_sim_new ();
  Tally t;
  Fleet f;
  gint64 wall;

  seedance_sim_set_video_file (sim, video_path);
  seedance_sim_set_schedule (sim, 1000, 300);
  /* At most 5 tasks queued at once: the other creates are answered 429
   * QuotaExceeded and were not created. */
  seedance_sim_set_max_queued (sim, 5);
  fleet_start (&f, sim, STORM_N, "storm", 500, NULL);
  fleet_wait (&f, 150);
  wall = g_get_monotonic_time () - f.started_us;
  tally (sim, &t);
  g_print ("storm: clips ended in %.1f s\n", wall / 1e6);
  print_tally ("storm", &t);
  fleet_assert_delivered (&f);
  assert_one_create_each (&f);
  fail_unless_equals_int (t.creates_ok, STORM_N);
  fail_unless (t.creates_429 > 0, "no create was refused: no storm");
  fleet_free (&f);
  seedance_sim_free (sim);
}

GST_END_TEST;

GST_START_TEST (test_creates_under_a_rate_limit_storm)
{
  SeedanceSim *sim = test_sim_new ();
  SeedanceSimFaultParams fp = { 0, };
  Tally t;
  Fleet f;
  gint64 wall;

  seedance_sim_set_video_file (sim, video_path);
  seedance_sim_set_schedule (sim, 1000, 300);
  /* The account's limit, reached: the next 30 creates are answered 429
   * with Retry-After 1 and were not created. */
  fp.status = 429;
  fp.code = "RateLimitExceeded.EndpointRPM";
  fp.message = "injected";
  fp.retry_after_s = 1;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_CREATE, SEEDANCE_SIM_FAULT_STATUS,
      30, &fp);
  fleet_start (&f, sim, STORM_N, "rpm", 500, NULL);
  fleet_wait (&f, 150);
  wall = g_get_monotonic_time () - f.started_us;
  tally (sim, &t);
  g_print ("rpm: clips ended in %.1f s\n", wall / 1e6);
  print_tally ("rpm", &t);
  fleet_assert_delivered (&f);
  assert_one_create_each (&f);
  fail_unless_equals_int (t.creates_ok, STORM_N);
  fail_unless_equals_int (t.creates_429, 30);
  fleet_free (&f);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* --- a 429 never ends a wait --- */

GST_START_TEST (test_429_never_ends_a_wait_without_timeout)
{
  SeedanceSim *sim = test_sim_new ();
  SeedanceSimFaultParams fp = { 0, };
  Tally t;
  Fleet f;

  seedance_sim_set_video_file (sim, video_path);
  seedance_sim_set_schedule (sim, 300, 300);
  /* Four 429s in a row on the task's status, twice as many as `retries`
   * allows failures: "later", never "failed". */
  fp.status = 429;
  fp.code = "RateLimitExceeded.EndpointRPM";
  fp.message = "injected";
  fp.retry_after_s = 1;
  seedance_sim_add_fault (sim, SEEDANCE_SIM_QUERY, SEEDANCE_SIM_FAULT_STATUS,
      4, &fp);
  fleet_start (&f, sim, 1, "patient", 500, "retries=1 timeout=0");
  fleet_wait (&f, 60);
  tally (sim, &t);
  print_tally ("patient", &t);
  fleet_assert_delivered (&f);
  assert_one_create_each (&f);
  fail_unless_equals_int (t.queries_429, 4);
  fleet_free (&f);
  seedance_sim_free (sim);
}

GST_END_TEST;

/* --- the clip every task serves --- */

/* Renders one clip with the simulator's own renderer into `path`. */
static gboolean
render_video (const gchar * path)
{
  SeedanceSim *sim = seedance_sim_new ();
  GError *err = NULL;
  gchar *id = NULL, *status = NULL;
  GBytes *bytes = NULL;
  gboolean ok = FALSE;
  gint64 deadline;

  seedance_sim_set_schedule (sim, 0, 0);
  if (!seedance_sim_start (sim, 0, &err))
    goto out;
  id = seedance_sim_create_task (sim, "{\"model\":\"doubao-seedance-2.0\","
      "\"content\":[{\"type\":\"text\",\"text\":\"fleet\"}],"
      "\"resolution\":\"480p\"}", &err);
  if (id == NULL)
    goto out;
  /* The simulator renders in its own thread and tells nobody when done. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (g_strcmp0 (status, "succeeded") != 0 &&
      g_get_monotonic_time () < deadline) {
    g_free (status);
    status = seedance_sim_get_task_status (sim, id);
    if (g_strcmp0 (status, "succeeded") != 0)
      g_usleep (20 * 1000);
  }
  if (g_strcmp0 (status, "succeeded") == 0)
    bytes = seedance_sim_get_task_video (sim, id);
  if (bytes == NULL)
    g_set_error_literal (&err, G_IO_ERROR, G_IO_ERROR_FAILED,
        "the simulator rendered no video");
  else
    ok = g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes), &err);

out:
  if (!ok)
    g_printerr ("cannot make the test clip: %s\n", err ? err->message : "?");
  g_clear_error (&err);
  if (bytes)
    g_bytes_unref (bytes);
  g_free (status);
  g_free (id);
  seedance_sim_free (sim);
  return ok;
}

/* Renders the clip in a process of its own: rendering leaves idle threads
 * in GLib's shared thread pool, which the test processes forked later
 * would count on and not have (their pipelines' streaming threads would
 * never start). */
static gboolean
make_video (void)
{
  GError *err = NULL;
  gchar *data = NULL;
  gsize len = 0;
  pid_t pid;
  int status = 0;

  video_dir = g_dir_make_tmp ("seedance-fleet-XXXXXX", &err);
  if (video_dir == NULL) {
    g_printerr ("cannot make a directory: %s\n", err->message);
    g_error_free (err);
    return FALSE;
  }
  video_path = g_build_filename (video_dir, "clip.mp4", NULL);
  pid = fork ();
  if (pid == 0)
    _exit (render_video (video_path) ? 0 : 1);
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status) ||
      WEXITSTATUS (status) != 0)
    return FALSE;
  if (!g_file_get_contents (video_path, &data, &len, &err)) {
    g_printerr ("cannot read the test clip: %s\n", err->message);
    g_error_free (err);
    return FALSE;
  }
  video_size = len;
  video_sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      (const guchar *) data, len);
  g_free (data);
  return TRUE;
}

static void
remove_video (void)
{
  if (video_path)
    g_unlink (video_path);
  if (video_dir)
    g_rmdir (video_dir);
  g_clear_pointer (&video_path, g_free);
  g_clear_pointer (&video_dir, g_free);
  g_clear_pointer (&video_sha256, g_free);
}

static Suite *
fleet_suite (void)
{
  Suite *s = suite_create ("fleet");
  TCase *tc = tcase_create ("fleet");

  tcase_set_timeout (tc, 180);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_fifty_elements_share_the_status_calls);
  tcase_add_test (tc, test_fifty_elements_without_the_list_endpoint);
  tcase_add_test (tc, test_stop_mid_wait_leaves_the_batch);
  tcase_add_test (tc, test_creates_under_a_quota_storm);
  tcase_add_test (tc, test_creates_under_a_rate_limit_storm);
  tcase_add_test (tc, test_429_never_ends_a_wait_without_timeout);
  return s;
}

int
main (int argc, char **argv)
{
  int ret;

  gst_check_init (&argc, &argv);
  if (!test_have_elements (TEST_SIM_ELEMENTS, NULL))
    return TEST_EXIT_SKIP;
  /* Before any test forks: each test process reads the same file.  Removed
   * here, not at exit, since the test processes exit too. */
  if (!make_video ()) {
    remove_video ();
    return 1;
  }
  ret = gst_check_run_suite (fleet_suite (), "fleet", __FILE__);
  remove_video ();
  return ret;
}
