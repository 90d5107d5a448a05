/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* The fleet rows of seedance-bench (issue 15): many clips from one process
 * under one account's rate limit, in a table of their own.
 *
 * The same load twice in one run, each side against a fresh simulator of
 * its own (same limit, same schedule, one small MP4 served for every task):
 *
 *   seedancesrc       N pipelines `seedancesrc prompt="fleet clip I" !
 *                     fakesink` in this process, all set to PLAYING at
 *                     once; the default poll interval (5 s), the cache on
 *                     (the default) in an empty directory of its own, no
 *                     requests-per-minute (the hub learns from the 429s).
 *   per-task client   what a user of the Ark SDK writes, in C: for each
 *                     clip, create, then GET the task every poll interval
 *                     until it is final, each call with the SDK's retries
 *                     (two, after 0.5 s then 1 s with jitter, or the
 *                     Retry-After the service sent when 0 < it <= 60 s),
 *                     then download the video.  A call that still fails
 *                     after its retries gives the clip up: not delivered.
 *                     The N loops run asynchronously (libsoup) on one
 *                     thread of their own, the leanest way to wait; each
 *                     download runs in a thread of a pool (libcurl), as
 *                     many as clips, so that one thread reading every
 *                     body does not hold the first bytes back.
 *
 * Counts come from the simulator's log; the latency runs from the moment
 * the simulator made the task succeeded to the first byte downstream (a
 * probe on seedancesrc's src pad; the first body bytes libcurl hands the
 * client), both on g_get_monotonic_time () in this process.
 */
#define _GNU_SOURCE

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include <curl/curl.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "bench.h"

#define FLEET_CLIPS 200
#define FLEET_CLIPS_QUICK 50
#define FLEET_QUEUED_MS 10000
#define FLEET_RUNNING_MS 50000
#define FLEET_QUEUED_MS_QUICK 5000
#define FLEET_RUNNING_MS_QUICK 15000
#define FLEET_RATE 300          /* calls a minute, for FLEET_CLIPS */
#define FLEET_POLL_MS 5000      /* seedancesrc's default poll-interval */
#define FLEET_GRACE_S 300       /* after the generations, to finish */
/* Today's memory per waiting element (the scale row, before the hub). */
#define FLEET_KIB_GOAL 53.0

/* The Ark Python SDK (volcenginesdkarkruntime/_constants.py,
 * _base_client.py): max_retries, the first backoff and its cap; it retries
 * 408, 409, 429, 5xx and connection errors. */
#define SDK_MAX_RETRIES 2
#define SDK_INITIAL_RETRY_DELAY_S 0.5
#define SDK_MAX_RETRY_DELAY_S 8.0
/* httpx.Limits (max_connections) of the SDK's client. */
#define SDK_MAX_CONNECTIONS 1000


typedef struct
{
  guint n;
  guint queued_ms;
  guint running_ms;
  guint rate;
  const gchar *file;
  guint64 file_size;
} FleetLoad;

/* What one side measured. */
typedef struct
{
  guint delivered;
  guint creates, created, queries, lists, deletes, calls, n429;
  gdouble status_span_s;        /* first create to last status call */
  GArray *latency_s;            /* success to first byte, delivered clips */
  GArray *detect_s;             /* success to the answer that told it */
  GArray *fetch_s;              /* that answer to the first byte */
  gdouble wall_s;
  gint64 rss_before_kib, rss_wait_kib, peak_kib;
  gint64 threads_before, threads_wait;
  gboolean peak_reset;
  gint64 overflows;             /* ListenOverflows during the side */
  guint samples;                /* of the waiting window */
  guint created_at_window;      /* tasks created when the window opened */
  GHashTable *lost;             /* why -> count (GUINT_TO_POINTER) */
} FleetResult;

static void
fleet_result_init (FleetResult * r)
{
  memset (r, 0, sizeof (*r));
  r->latency_s = g_array_new (FALSE, FALSE, sizeof (gdouble));
  r->detect_s = g_array_new (FALSE, FALSE, sizeof (gdouble));
  r->fetch_s = g_array_new (FALSE, FALSE, sizeof (gdouble));
  r->lost = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
fleet_result_clear (FleetResult * r)
{
  g_array_unref (r->latency_s);
  g_array_unref (r->detect_s);
  g_array_unref (r->fetch_s);
  g_hash_table_unref (r->lost);
}

static void
count_lost (FleetResult * r, const gchar * why)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (r->lost, why));

  g_hash_table_replace (r->lost, g_strdup (why), GUINT_TO_POINTER (n + 1));
}

static gchar *
lost_summary (FleetResult * r)
{
  GString *s = g_string_new (NULL);
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, r->lost);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_string_append_printf (s, "%s%u %s", s->len ? "; " : "",
        GPOINTER_TO_UINT (v), (const gchar *) k);
  return g_string_free (s, FALSE);
}

/* TcpExt ListenOverflows of this network namespace (every process in it
 * counts), -1 when unknown. */
static gint64
listen_overflows (void)
{
  gchar *text = NULL;
  gchar **lines;
  gint64 v = -1;
  guint i, j;

  if (!g_file_get_contents ("/proc/net/netstat", &text, NULL, NULL))
    return -1;
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] && lines[i + 1]; i++) {
    gchar **names, **values;

    if (!g_str_has_prefix (lines[i], "TcpExt:") ||
        !g_str_has_prefix (lines[i + 1], "TcpExt:"))
      continue;
    names = g_strsplit (lines[i], " ", -1);
    values = g_strsplit (lines[i + 1], " ", -1);
    for (j = 0; names[j] && values[j]; j++)
      if (strcmp (names[j], "ListenOverflows") == 0)
        v = g_ascii_strtoll (values[j], NULL, 10);
    g_strfreev (names);
    g_strfreev (values);
    break;
  }
  g_strfreev (lines);
  g_free (text);
  return v;
}

static guint
count_threads (void)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  if (dir)
    g_dir_close (dir);
  return n;
}

/* The simulator listens with GLib's default backlog of 10 connections:
 * 200 downloads (or creates) that start in the same second overflow it,
 * and the kernel drops the SYNs past it, which the clients send again 1 s,
 * then 3 s, later.  That would be the simulator's delay, not the client's:
 * a real CDN or API gateway listens with hundreds (nginx: 511).  So the
 * listening sockets of this process on the simulator's ports get
 * SOMAXCONN (listen () again on a listening socket only sets its
 * backlog).  Returns how many. */
static guint
raise_listen_backlog (SeedanceSim * sim)
{
  const gchar *hosts[3] = { seedance_sim_get_api_host (sim),
    seedance_sim_get_file_host (sim), seedance_sim_get_second_file_host (sim)
  };
  guint ports[3], raised = 0, i;
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const gchar *name;

  for (i = 0; i < 3; i++) {
    const gchar *colon = hosts[i] ? strrchr (hosts[i], ':') : NULL;

    ports[i] = colon ? (guint) g_ascii_strtoull (colon + 1, NULL, 10) : 0;
  }
  while (dir && (name = g_dir_read_name (dir))) {
    int fd = (int) g_ascii_strtoll (name, NULL, 10), listening = 0;
    socklen_t len = sizeof (listening);
    struct sockaddr_storage ss;
    socklen_t slen = sizeof (ss);
    guint port = 0;

    if (getsockopt (fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
        !listening || getsockname (fd, (struct sockaddr *) &ss, &slen) != 0)
      continue;
    if (ss.ss_family == AF_INET)
      port = ntohs (((struct sockaddr_in *) &ss)->sin_port);
    else if (ss.ss_family == AF_INET6)
      port = ntohs (((struct sockaddr_in6 *) &ss)->sin6_port);
    for (i = 0; i < 3; i++)
      if (port != 0 && port == ports[i] && listen (fd, SOMAXCONN) == 0)
        raised++;
  }
  if (dir)
    g_dir_close (dir);
  return raised;
}

/* Before a side: the plugin and libcurl are loaded, the thread pools of
 * what ran before have settled, malloc has given back what it can, the
 * peak is reset. */
static void
fleet_before (FleetResult * r)
{
  GstElement *warm = gst_element_factory_make ("seedancesrc", NULL);

  if (warm)
    gst_object_unref (warm);
  g_usleep (1500 * 1000);
  malloc_trim (0);
  r->rss_before_kib = proc_status_field ("/proc/self/status", "VmRSS");
  r->threads_before = count_threads ();
  r->peak_reset = reset_peak_rss ();
  r->overflows = listen_overflows ();
}

/* While every task waits (created, none can have succeeded yet): the
 * largest RSS and thread count seen. */
static void
fleet_sample (FleetResult * r, const FleetLoad * load, SeedanceSim * sim,
    gint64 t0)
{
  gint64 now = g_get_monotonic_time ();
  gint64 open = t0 + (gint64) MIN (15000, (load->queued_ms +
          load->running_ms) / 2) * 1000;
  gint64 close = t0 + (gint64) (load->queued_ms + load->running_ms -
      2000) * 1000;
  gint64 rss;
  guint th;

  if (now < open || now > close)
    return;
  if (r->samples == 0)
    r->created_at_window = seedance_sim_count_status (sim,
        SEEDANCE_SIM_CREATE, SOUP_STATUS_OK);
  rss = proc_status_field ("/proc/self/status", "VmRSS");
  th = count_threads ();
  r->rss_wait_kib = MAX (r->rss_wait_kib, rss);
  r->threads_wait = MAX (r->threads_wait, (gint64) th);
  r->samples++;
}

/* The simulator's side of it. */
static void
fleet_count (FleetResult * r, SeedanceSim * sim)
{
  GPtrArray *log = seedance_sim_get_requests (sim);
  gint64 first_create = 0, last_status = 0;
  guint i;

  r->creates = seedance_sim_count_requests (sim, SEEDANCE_SIM_CREATE);
  r->created = seedance_sim_count_status (sim, SEEDANCE_SIM_CREATE,
      SOUP_STATUS_OK);
  r->queries = seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY);
  r->lists = seedance_sim_count_requests (sim, SEEDANCE_SIM_LIST);
  r->deletes = seedance_sim_count_requests (sim, SEEDANCE_SIM_DELETE);
  r->calls = r->creates + r->queries + r->lists + r->deletes;
  r->n429 = seedance_sim_count_status (sim, SEEDANCE_SIM_ANY_ENDPOINT, 429);
  for (i = 0; i < log->len; i++) {
    SeedanceSimRequest *q = g_ptr_array_index (log, i);

    if (q->endpoint == SEEDANCE_SIM_CREATE && first_create == 0)
      first_create = q->time_us;
    if (q->endpoint == SEEDANCE_SIM_QUERY || q->endpoint == SEEDANCE_SIM_LIST)
      last_status = MAX (last_status, q->time_us);
  }
  g_ptr_array_unref (log);
  r->status_span_s = first_create && last_status > first_create ?
      (last_status - first_create) / 1e6 : 0;
  r->peak_kib = proc_status_field ("/proc/self/status", "VmHWM");
  r->overflows = r->overflows >= 0 && listen_overflows () >= 0 ?
      listen_overflows () - r->overflows : -1;
}

static SeedanceSim *
fleet_sim (Bench * b, const FleetLoad * load)
{
  SeedanceSim *sim = sim_start (b);

  if (sim == NULL)
    return NULL;
  seedance_sim_set_video_file (sim, load->file);
  seedance_sim_set_schedule (sim, load->queued_ms, load->running_ms);
  seedance_sim_set_rate_limit (sim, load->rate);
  g_print ("  the simulator's listen backlog raised on %u sockets\n",
      raise_listen_backlog (sim));
  return sim;
}

/* --- seedancesrc --- */

/* A delivered clip: its three times, on g_get_monotonic_time (). */
static void
add_latency (FleetResult * r, gint64 t_ok, gint64 t_detect, gint64 t_first)
{
  gdouble v = (t_first - t_ok) / 1e6;

  r->delivered++;
  g_array_append_val (r->latency_s, v);
  if (t_detect > 0) {
    v = (t_detect - t_ok) / 1e6;
    g_array_append_val (r->detect_s, v);
    v = (t_first - t_detect) / 1e6;
    g_array_append_val (r->fetch_s, v);
  }
}

typedef struct
{
  GMutex lock;
  gint64 t_detect;              /* the "succeeded" message */
  gint64 t_first;
  guint64 bytes;
} ElemStamp;

static GstBusSyncReply
stamp_succeeded (GstBus * bus, GstMessage * msg, gpointer data)
{
  ElemStamp *s = data;
  const GstStructure *st;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
    return GST_BUS_PASS;
  st = gst_message_get_structure (msg);
  if (st && gst_structure_has_name (st, "seedance-task") &&
      g_strcmp0 (gst_structure_get_string (st, "event"), "succeeded") == 0) {
    gint64 now = g_get_monotonic_time ();

    g_mutex_lock (&s->lock);
    if (s->t_detect == 0)
      s->t_detect = now;
    g_mutex_unlock (&s->lock);
  }
  return GST_BUS_PASS;
}

static GstPadProbeReturn
count_bytes (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  ElemStamp *s = data;
  gint64 now = g_get_monotonic_time ();
  gsize size = 0;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    size = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    guint i;

    for (i = 0; i < gst_buffer_list_length (list); i++)
      size += gst_buffer_get_size (gst_buffer_list_get (list, i));
  }
  g_mutex_lock (&s->lock);
  if (s->t_first == 0 && size > 0)
    s->t_first = now;
  s->bytes += size;
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

/* Returns FALSE when it could not be measured at all. */
static gboolean
fleet_seedancesrc (Bench * b, const FleetLoad * load, FleetResult * r)
{
  SeedanceSim *sim = fleet_sim (b, load);
  gchar *cache_dir = g_build_filename (b->tmpdir, "fleet-cache", NULL);
  GstElement **pipes = g_new0 (GstElement *, load->n);
  GstElement **srcs = g_new0 (GstElement *, load->n);
  ElemStamp *stamps = g_new0 (ElemStamp, load->n);
  gboolean *ended = g_new0 (gboolean, load->n);
  gboolean *eos = g_new0 (gboolean, load->n);
  guint i, n_ended = 0, errors = 0;
  gint64 t0, deadline, t_last_end = 0;
  gchar *first_error = NULL;
  gboolean ok = FALSE;

  g_print ("fleet, seedancesrc: %u pipelines in this process\n", load->n);
  for (i = 0; i < load->n; i++)
    g_mutex_init (&stamps[i].lock);
  if (sim == NULL)
    goto out;
  rm_rf (cache_dir);
  fleet_before (r);

  for (i = 0; i < load->n; i++) {
    gchar *desc = g_strdup_printf ("seedancesrc name=src base-url=%s "
        "api-key=" API_KEY " prompt=\"fleet clip %u\" cache-dir=\"%s\" ! "
        "fakesink name=sink", seedance_sim_get_base_url (sim), i, cache_dir);
    GError *err = NULL;
    GstPad *pad;
    GstBus *bus;

    pipes[i] = gst_parse_launch (desc, &err);
    g_free (desc);
    if (pipes[i] == NULL) {
      fail (b, "fleet: cannot build pipeline %u: %s", i, err->message);
      g_error_free (err);
      goto out;
    }
    bus = gst_element_get_bus (pipes[i]);
    gst_bus_set_sync_handler (bus, stamp_succeeded, &stamps[i], NULL);
    gst_object_unref (bus);
    srcs[i] = gst_bin_get_by_name (GST_BIN (pipes[i]), "src");
    pad = gst_element_get_static_pad (srcs[i], "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_BUFFER_LIST, count_bytes, &stamps[i], NULL);
    gst_object_unref (pad);
  }

  t0 = g_get_monotonic_time ();
  for (i = 0; i < load->n; i++)
    gst_element_set_state (pipes[i], GST_STATE_PLAYING);
  deadline = t0 + (gint64) (load->queued_ms + load->running_ms) * 1000 +
      (gint64) FLEET_GRACE_S *G_USEC_PER_SEC;

  while (n_ended < load->n && g_get_monotonic_time () < deadline) {
    for (i = 0; i < load->n; i++) {
      GstBus *bus;
      GstMessage *msg;

      if (ended[i])
        continue;
      bus = gst_element_get_bus (pipes[i]);
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
      gst_object_unref (bus);
      if (msg == NULL)
        continue;
      ended[i] = TRUE;
      n_ended++;
      t_last_end = g_get_monotonic_time ();
      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
        eos[i] = TRUE;
      } else {
        GError *err = NULL;

        errors++;
        gst_message_parse_error (msg, &err, NULL);
        count_lost (r, err->message);
        if (first_error == NULL)
          first_error = g_strdup_printf ("pipeline %u: %s", i, err->message);
        g_error_free (err);
      }
      gst_message_unref (msg);
    }
    fleet_sample (r, load, sim, t0);
    g_usleep (50 * 1000);
  }
  r->wall_s = ((n_ended == load->n ? t_last_end : g_get_monotonic_time ()) -
      t0) / 1e6;
  fleet_count (r, sim);

  for (i = 0; i < load->n; i++) {
    gchar *id = NULL;
    gint64 t_ok = 0, t_first, t_detect;
    guint64 bytes;

    g_object_get (srcs[i], "task-id", &id, NULL);
    if (id)
      t_ok = seedance_sim_get_task_succeeded_us (sim, id);
    g_mutex_lock (&stamps[i].lock);
    t_first = stamps[i].t_first;
    t_detect = stamps[i].t_detect;
    bytes = stamps[i].bytes;
    g_mutex_unlock (&stamps[i].lock);
    if (!ended[i]) {
      count_lost (r, "not finished by the deadline");
    } else if (eos[i] && bytes != load->file_size) {
      count_lost (r, "EOS with a clip of the wrong size");
    } else if (eos[i] && (t_first == 0 || t_ok == 0)) {
      count_lost (r, "EOS without a success or a first byte stamped");
    } else if (eos[i]) {
      add_latency (r, t_ok, t_detect, t_first);
    }
    g_free (id);
  }
  g_print ("  %u delivered, %u errors, %.1f s\n", r->delivered, errors,
      r->wall_s);
  if (first_error)
    add_note (b, "fleet, seedancesrc: %u errors, the first: %s", errors,
        first_error);
  ok = TRUE;

out:
  for (i = 0; i < load->n; i++) {
    if (pipes[i]) {
      gst_element_set_state (pipes[i], GST_STATE_NULL);
      gst_object_unref (pipes[i]);
    }
    if (srcs[i])
      gst_object_unref (srcs[i]);
    g_mutex_clear (&stamps[i].lock);
  }
  if (sim)
    seedance_sim_free (sim);
  rm_rf (cache_dir);
  g_free (cache_dir);
  g_free (pipes);
  g_free (srcs);
  g_free (stamps);
  g_free (ended);
  g_free (eos);
  g_free (first_error);
  return ok;
}

/* --- the per-task client --- */

typedef struct _Client Client;

typedef enum
{
  CALL_CREATE,
  CALL_QUERY
} CallKind;

static const gchar *call_names[] = { "create", "GET" };

typedef struct
{
  Client *client;
  guint index;
  CallKind call;
  guint retries_left;           /* of the current call */
  gchar *id;
  gchar *video_url;
  SoupMessage *msg;
  gchar *download_error;        /* set in the pool's thread */
  guint64 bytes;
  gint64 t_detect;              /* the answer that said "succeeded" */
  gint64 t_first_byte;
  GSource *timer;
  gboolean timer_new_call;      /* the timer starts next_call, or resends */
  CallKind next_call;
  gboolean busy;                /* an asynchronous operation is pending */
  gboolean done;
  gboolean delivered;
  gchar *why;                   /* why it was not delivered */
} ClientTask;

/* Everything but `remaining`, `aborting` (atomic) and `t_end` belongs to
 * the client's thread while it runs, but a task in the download pool,
 * which is the pool's until download_done (); `t_end` is read after the
 * join. */
struct _Client
{
  GMainContext *ctx;
  GMainLoop *loop;
  SoupSession *session;
  GThreadPool *downloads;
  GCancellable *cancel;
  gchar *create_url;
  guint poll_ms;
  guint64 file_size;
  guint n;
  ClientTask *tasks;
  gint remaining;               /* atomic: tasks not done */
  gint aborting;                /* atomic */
  gint64 t_end;
};

static void client_send (ClientTask * t);

static void
task_finish (ClientTask * t, gboolean delivered, gchar * why)
{
  Client *c = t->client;

  if (t->done) {
    g_free (why);
    return;
  }
  t->done = TRUE;
  t->delivered = delivered;
  t->why = why;
  if (t->timer) {
    g_source_destroy (t->timer);
    g_source_unref (t->timer);
    t->timer = NULL;
  }
  g_clear_pointer (&t->download_error, g_free);
  g_clear_object (&t->msg);
  c->t_end = g_get_monotonic_time ();
  if (g_atomic_int_dec_and_test (&c->remaining))
    g_main_loop_quit (c->loop);
}

static void
start_call (ClientTask * t, CallKind call)
{
  t->call = call;
  t->retries_left = SDK_MAX_RETRIES;
  client_send (t);
}

static gboolean
timer_fired (gpointer data)
{
  ClientTask *t = data;

  g_source_unref (t->timer);
  t->timer = NULL;
  if (t->timer_new_call)
    start_call (t, t->next_call);
  else
    client_send (t);
  return G_SOURCE_REMOVE;
}

static void
schedule (ClientTask * t, guint delay_ms, gboolean new_call, CallKind next)
{
  t->timer_new_call = new_call;
  t->next_call = next;
  t->timer = g_timeout_source_new (delay_ms);
  g_source_set_callback (t->timer, timer_fired, t, NULL);
  g_source_attach (t->timer, t->client->ctx);
}

/* The SDK's _calculate_retry_timeout: a Retry-After of 0 < s <= 60 as
 * said, else 0.5 s doubling per retry, at most 8 s, less up to 25 %. */
static guint
sdk_retry_delay_ms (ClientTask * t)
{
  const gchar *ra = NULL;
  guint nb = SDK_MAX_RETRIES - t->retries_left;
  gdouble s;

  if (t->msg)
    ra = soup_message_headers_get_one (soup_message_get_response_headers
        (t->msg), "Retry-After");
  if (ra) {
    gchar *end = NULL;
    gdouble v = g_ascii_strtod (ra, &end);

    if (end != ra && v > 0 && v <= 60)
      return (guint) (v * 1000);
  }
  s = MIN (SDK_INITIAL_RETRY_DELAY_S * pow (2.0, nb), SDK_MAX_RETRY_DELAY_S);
  s *= 1 - 0.25 * g_random_double ();
  return (guint) (s * 1000);
}

static gboolean
sdk_should_retry (guint status)
{
  return status == 0 || status == 408 || status == 409 || status == 429 ||
      status >= 500;
}

static GBytes *
create_body (guint index)
{
  JsonBuilder *jb = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  gchar *text, *prompt = g_strdup_printf ("fleet client clip %u", index);
  gsize len;

  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "model");
  json_builder_add_string_value (jb, "doubao-seedance-2.0");
  json_builder_set_member_name (jb, "content");
  json_builder_begin_array (jb);
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "type");
  json_builder_add_string_value (jb, "text");
  json_builder_set_member_name (jb, "text");
  json_builder_add_string_value (jb, prompt);
  json_builder_end_object (jb);
  json_builder_end_array (jb);
  json_builder_end_object (jb);
  root = json_builder_get_root (jb);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (jb);
  g_free (prompt);
  return g_bytes_new_take (text, len);
}

/* The download, in a thread of the pool, as a user's code would run it
 * (requests.get in a thread): libcurl, one connection per clip.  Ends on
 * the client's thread with download_done (). */
static size_t
download_write (char *ptr, size_t size, size_t nmemb, void *data)
{
  ClientTask *t = data;

  if (g_atomic_int_get (&t->client->aborting))
    return 0;
  if (t->t_first_byte == 0)
    t->t_first_byte = g_get_monotonic_time ();
  t->bytes += (guint64) (size * nmemb);
  return size * nmemb;
}

static gboolean
download_done (gpointer data)
{
  ClientTask *t = data;

  t->busy = FALSE;
  if (g_atomic_int_get (&t->client->aborting))
    task_finish (t, FALSE, g_strdup ("not finished by the deadline"));
  else if (t->download_error)
    task_finish (t, FALSE, g_steal_pointer (&t->download_error));
  else if (t->bytes != t->client->file_size)
    task_finish (t, FALSE, g_strdup ("a download of the wrong size"));
  else
    task_finish (t, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
download_in_thread (gpointer data, gpointer user_data)
{
  ClientTask *t = data;
  CURL *easy = curl_easy_init ();
  CURLcode rc = CURLE_FAILED_INIT;
  long status = 0;

  if (easy) {
    curl_easy_setopt (easy, CURLOPT_URL, t->video_url);
    curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
    /* The simulator is on loopback. */
    curl_easy_setopt (easy, CURLOPT_NOPROXY, "*");
    curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, download_write);
    curl_easy_setopt (easy, CURLOPT_WRITEDATA, t);
    rc = curl_easy_perform (easy);
    curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup (easy);
  }
  if (rc != CURLE_OK)
    t->download_error = g_strdup_printf ("the download failed: %s",
        curl_easy_strerror (rc));
  else if (status != 200)
    t->download_error = g_strdup_printf ("download: HTTP %ld", status);
  g_main_context_invoke (t->client->ctx, download_done, t);
}

/* A 200 answer of the API. */
static void
api_ok (ClientTask * t, GBytes * body)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *o = NULL;

  if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
          (gssize) g_bytes_get_size (body), NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    o = json_node_get_object (json_parser_get_root (parser));
  if (o == NULL) {
    task_finish (t, FALSE, g_strdup_printf ("%s: not a JSON object",
            call_names[t->call]));
  } else if (t->call == CALL_CREATE) {
    const gchar *id = json_object_get_string_member_with_default (o, "id",
        NULL);

    if (id == NULL) {
      task_finish (t, FALSE, g_strdup ("create: no id"));
    } else {
      t->id = g_strdup (id);
      schedule (t, t->client->poll_ms, TRUE, CALL_QUERY);
    }
  } else {
    const gchar *status = json_object_get_string_member_with_default (o,
        "status", "");
    JsonObject *content = json_object_has_member (o, "content") &&
        JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "content")) ?
        json_object_get_object_member (o, "content") : NULL;

    if (g_strcmp0 (status, "succeeded") == 0 && content &&
        json_object_get_string_member_with_default (content, "video_url",
            NULL)) {
      t->t_detect = g_get_monotonic_time ();
      t->video_url = g_strdup (json_object_get_string_member (content,
              "video_url"));
      t->busy = TRUE;
      g_thread_pool_push (t->client->downloads, t, NULL);
    } else if (g_strcmp0 (status, "queued") == 0 ||
        g_strcmp0 (status, "running") == 0) {
      schedule (t, t->client->poll_ms, TRUE, CALL_QUERY);
    } else {
      task_finish (t, FALSE, g_strdup_printf ("the task ended %s", status));
    }
  }
  g_object_unref (parser);
}

static void
api_answered (GObject * source, GAsyncResult * res, gpointer data)
{
  ClientTask *t = data;
  GError *err = NULL;
  GBytes *body = soup_session_send_and_read_finish (SOUP_SESSION (source),
      res, &err);
  guint status = body ? soup_message_get_status (t->msg) : 0;

  t->busy = FALSE;
  if (g_atomic_int_get (&t->client->aborting)) {
    task_finish (t, FALSE, g_strdup ("not finished by the deadline"));
  } else if (sdk_should_retry (status)) {
    if (t->retries_left > 0) {
      guint delay = sdk_retry_delay_ms (t);

      t->retries_left--;
      schedule (t, delay, FALSE, t->call);
    } else if (status == 0) {
      task_finish (t, FALSE, g_strdup_printf ("%s failed (%s) after %u "
              "retries", call_names[t->call], err ? err->message : "?",
              SDK_MAX_RETRIES));
    } else {
      task_finish (t, FALSE, g_strdup_printf ("%s answered %u after %u "
              "retries", call_names[t->call], status, SDK_MAX_RETRIES));
    }
  } else if (status != SOUP_STATUS_OK) {
    task_finish (t, FALSE, g_strdup_printf ("%s answered %u",
            call_names[t->call], status));
  } else {
    api_ok (t, body);
  }
  g_clear_error (&err);
  if (body)
    g_bytes_unref (body);
}

static void
client_send (ClientTask * t)
{
  Client *c = t->client;
  gchar *url;

  if (g_atomic_int_get (&c->aborting)) {
    task_finish (t, FALSE, g_strdup ("not finished by the deadline"));
    return;
  }
  g_clear_object (&t->msg);
  switch (t->call) {
    case CALL_CREATE:{
      GBytes *body = create_body (t->index);

      t->msg = soup_message_new ("POST", c->create_url);
      soup_message_set_request_body_from_bytes (t->msg, "application/json",
          body);
      g_bytes_unref (body);
      break;
    }
    case CALL_QUERY:
    default:
      url = g_strdup_printf ("%s/%s", c->create_url, t->id);
      t->msg = soup_message_new ("GET", url);
      g_free (url);
      break;
  }
  if (t->msg == NULL) {
    task_finish (t, FALSE, g_strdup_printf ("%s: a URL libsoup refuses",
            call_names[t->call]));
    return;
  }
  t->busy = TRUE;
  soup_message_headers_replace (soup_message_get_request_headers (t->msg),
      "Authorization", "Bearer " API_KEY);
  soup_session_send_and_read_async (c->session, t->msg, G_PRIORITY_DEFAULT,
      c->cancel, api_answered, t);
}

/* On the client's thread, at the deadline: the waits end, the calls in
 * flight are cancelled and end in their callbacks. */
static gboolean
client_abort (gpointer data)
{
  Client *c = data;
  guint i;

  g_atomic_int_set (&c->aborting, TRUE);
  g_cancellable_cancel (c->cancel);
  for (i = 0; i < c->n; i++) {
    ClientTask *t = &c->tasks[i];

    if (!t->done && !t->busy)
      task_finish (t, FALSE, g_strdup ("not finished by the deadline"));
  }
  return G_SOURCE_REMOVE;
}

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  gboolean busy;
  guint i;

  g_main_context_push_thread_default (c->ctx);
  /* No proxy resolver: GIO's default (libproxy) looks every new
   * connection up in a small thread pool of its own, which made 200
   * connections opened together wait seconds on this machine; httpx reads
   * the proxy variables once. */
  c->session = soup_session_new_with_options ("max-conns",
      SDK_MAX_CONNECTIONS, "max-conns-per-host", SDK_MAX_CONNECTIONS,
      "proxy-resolver", NULL, NULL);
  /* A thread for every download that runs at once, as many as clips. */
  c->downloads = g_thread_pool_new (download_in_thread, c, (gint) c->n,
      FALSE, NULL);
  for (i = 0; i < c->n; i++)
    start_call (&c->tasks[i], CALL_CREATE);
  g_main_loop_run (c->loop);
  /* Nothing of a task may be left pending when it is freed. */
  do {
    busy = FALSE;
    for (i = 0; i < c->n; i++)
      busy |= c->tasks[i].busy;
    if (busy)
      g_main_context_iteration (c->ctx, TRUE);
  } while (busy);
  g_thread_pool_free (c->downloads, FALSE, TRUE);
  g_object_unref (c->session);
  c->session = NULL;
  /* What the session still had to close. */
  while (g_main_context_iteration (c->ctx, FALSE));
  g_main_context_pop_thread_default (c->ctx);
  return NULL;
}

static gboolean
fleet_client (Bench * b, const FleetLoad * load, FleetResult * r)
{
  SeedanceSim *sim = fleet_sim (b, load);
  Client c;
  GThread *thread;
  gint64 t0, deadline;
  gboolean aborted = FALSE;
  guint i;

  g_print ("fleet, per-task client: %u loops on one thread\n", load->n);
  if (sim == NULL)
    return FALSE;
  fleet_before (r);

  memset (&c, 0, sizeof (c));
  c.ctx = g_main_context_new ();
  c.loop = g_main_loop_new (c.ctx, FALSE);
  c.cancel = g_cancellable_new ();
  c.create_url = g_strdup_printf ("%s/contents/generations/tasks",
      seedance_sim_get_base_url (sim));
  c.poll_ms = FLEET_POLL_MS;
  c.file_size = load->file_size;
  c.n = load->n;
  c.tasks = g_new0 (ClientTask, load->n);
  c.remaining = (gint) load->n;
  for (i = 0; i < load->n; i++) {
    c.tasks[i].client = &c;
    c.tasks[i].index = i;
  }

  curl_global_init (CURL_GLOBAL_DEFAULT);
  t0 = g_get_monotonic_time ();
  thread = g_thread_new ("bench-client", client_thread, &c);
  deadline = t0 + (gint64) (load->queued_ms + load->running_ms) * 1000 +
      (gint64) FLEET_GRACE_S *G_USEC_PER_SEC;
  while (g_atomic_int_get (&c.remaining) > 0) {
    if (!aborted && g_get_monotonic_time () > deadline) {
      g_main_context_invoke (c.ctx, client_abort, &c);
      aborted = TRUE;
    }
    fleet_sample (r, load, sim, t0);
    g_usleep (50 * 1000);
  }
  g_thread_join (thread);
  curl_global_cleanup ();
  r->wall_s = (c.t_end - t0) / 1e6;
  fleet_count (r, sim);

  for (i = 0; i < load->n; i++) {
    ClientTask *t = &c.tasks[i];
    gint64 t_ok = t->id ? seedance_sim_get_task_succeeded_us (sim, t->id) : 0;

    if (t->delivered && t_ok > 0 && t->t_first_byte > 0) {
      add_latency (r, t_ok, t->t_detect, t->t_first_byte);
    } else {
      count_lost (r, t->why ? t->why : "delivered without a stamp");
    }
    g_free (t->id);
    g_free (t->video_url);
    g_free (t->why);
  }
  g_print ("  %u delivered, %.1f s\n", r->delivered, r->wall_s);

  g_free (c.tasks);
  g_free (c.create_url);
  g_object_unref (c.cancel);
  g_main_loop_unref (c.loop);
  g_main_context_unref (c.ctx);
  seedance_sim_free (sim);
  return TRUE;
}

/* --- the rows --- */

static gchar *
calls_text (const FleetResult * r, gdouble per_interval)
{
  return g_strdup_printf ("%u (%u list, %u GET) in %.0f s: %.2f per "
      "interval", r->queries + r->lists, r->lists, r->queries,
      r->status_span_s, per_interval);
}

static gdouble
per_interval (const FleetResult * r)
{
  gdouble intervals = r->status_span_s / (FLEET_POLL_MS / 1000.0);

  return intervals > 0 ? (r->queries + r->lists) / intervals : NAN;
}

static gchar *
latency_text (FleetResult * r)
{
  if (r->latency_s->len == 0)
    return g_strdup ("none delivered");
  return g_strdup_printf ("median %.2f s, p95 %.2f s (%u clips)",
      median (r->latency_s), percentile (r->latency_s, 95), r->latency_s->len);
}

static gchar *
memory_text (const FleetResult * r)
{
  return g_strdup_printf ("peak RSS %.1f MiB (%+.1f)%s; %" G_GINT64_FORMAT
      " threads while waiting (%+" G_GINT64_FORMAT ")", r->peak_kib / 1024.0,
      (r->peak_kib - r->rss_before_kib) / 1024.0, r->peak_reset ? "" :
      " (peak of the process, not reset)", r->threads_wait,
      r->threads_wait - r->threads_before);
}

static gchar *
per_waiting_text (const FleetResult * r, guint n, const gchar * what)
{
  if (r->samples == 0)
    return g_strdup ("not measured");
  return g_strdup_printf ("%.0f KiB RSS, %.2f threads per waiting %s",
      (r->rss_wait_kib - r->rss_before_kib) / (gdouble) n,
      (r->threads_wait - r->threads_before) / (gdouble) n, what);
}

void
row_fleet (Bench * b)
{
  FleetLoad load;
  FleetResult s, c;
  gchar *file = g_build_filename (b->tmpdir, "fleet.mp4", NULL);
  gchar *title, *lost, *goal;
  gboolean ok_s = FALSE, ok_c = FALSE;
  gdouble pi_s, pi_c, pct_s, pct_c, kib_s;

  memset (&load, 0, sizeof (load));
  load.n = b->fleet_clips > 0 ? (guint) b->fleet_clips : b->quick ?
      FLEET_CLIPS_QUICK : FLEET_CLIPS;
  load.queued_ms = b->quick ? FLEET_QUEUED_MS_QUICK : FLEET_QUEUED_MS;
  load.running_ms = b->quick ? FLEET_RUNNING_MS_QUICK : FLEET_RUNNING_MS;
  load.rate = MAX (1, FLEET_RATE * load.n / FLEET_CLIPS);
  load.file = file;
  fleet_result_init (&s);
  fleet_result_init (&c);

  g_print ("fleet: %u clips from one process, %.0f s generations (%.0f s "
      "queued, %.0f s running), a limit of %u calls a minute, poll interval "
      "%u ms\n", load.n, (load.queued_ms + load.running_ms) / 1e3,
      load.queued_ms / 1e3, load.running_ms / 1e3, load.rate, FLEET_POLL_MS);
  /* One small clip for every task: 1 s of 320x180, about 2.9 MB. */
  if (!make_mp4 (b, file, 320, 180, 25, &load.file_size))
    goto out;

  ok_s = fleet_seedancesrc (b, &load, &s);
  ok_c = fleet_client (b, &load, &c);

out:
  title = g_strdup_printf ("Fleet: %u clips from one process, %.0f s "
      "generations (%.0f s queued, %.0f s running), a limit of %u calls a "
      "minute, poll interval %.0f s; seedancesrc with the cache on (the "
      "default), no requests-per-minute; the per-task client with the Ark "
      "SDK's retries", load.n, (load.queued_ms + load.running_ms) / 1e3,
      load.queued_ms / 1e3, load.running_ms / 1e3, load.rate,
      FLEET_POLL_MS / 1e3);
  bench_add_group (b, "fleet", title, "per-task client");
  g_free (title);
  b->group = "fleet";
  if (!ok_s || !ok_c) {
    add_row (b, g_strdup ("fleet"), g_strdup ("not measured"), NULL, NULL,
        "all delivered", "NO");
    goto done;
  }

  goal = g_strdup_printf ("%u/%u", load.n, load.n);
  add_row (b, g_strdup ("clips delivered"),
      g_strdup_printf ("%u/%u", s.delivered, load.n),
      g_strdup_printf ("%u/%u", c.delivered, load.n), NULL, goal,
      yes_no (s.delivered == load.n));
  g_free (goal);
  add_row (b, g_strdup ("creates (tasks created)"),
      g_strdup_printf ("%u (%u)", s.creates, s.created),
      g_strdup_printf ("%u (%u)", c.creates, c.created), NULL, NULL, NULL);
  pi_s = per_interval (&s);
  pi_c = per_interval (&c);
  add_row (b, g_strdup ("status calls, first create to last status call"),
      calls_text (&s, pi_s), calls_text (&c, pi_c),
      g_strdup_printf ("%.2fx", pi_s / pi_c), "<= 1.5 per poll interval",
      yes_no (pi_s <= 1.5));
  pct_s = s.calls ? 100.0 * s.n429 / s.calls : NAN;
  pct_c = c.calls ? 100.0 * c.n429 / c.calls : NAN;
  add_row (b, g_strdup ("429 answers"),
      g_strdup_printf ("%u (%.1f %% of %u calls)", s.n429, pct_s, s.calls),
      g_strdup_printf ("%u (%.1f %% of %u calls)", c.n429, pct_c, c.calls),
      NULL, "<= 2 % of calls", yes_no (pct_s <= 2.0));
  add_row (b, g_strdup ("service's success to first byte"),
      latency_text (&s), latency_text (&c),
      s.latency_s->len && c.latency_s->len ?
      g_strdup_printf ("%.2fx", median (s.latency_s) / median (c.latency_s)) :
      NULL, "median <= 3.0 s (0.6 x the poll interval)",
      yes_no (s.latency_s->len > 0 && median (s.latency_s) <= 0.6 *
          FLEET_POLL_MS / 1e3));
  add_row (b, g_strdup ("wall time, start to last clip"),
      g_strdup_printf ("%.1f s", s.wall_s), g_strdup_printf ("%.1f s",
          c.wall_s), g_strdup_printf ("%.2fx", s.wall_s / c.wall_s), NULL,
      NULL);
  add_row (b, g_strdup ("memory and threads"), memory_text (&s),
      memory_text (&c), NULL, NULL, NULL);
  kib_s = s.samples ? (s.rss_wait_kib - s.rss_before_kib) /
      (gdouble) load.n : NAN;
  add_row (b, g_strdup ("memory per waiting element"),
      per_waiting_text (&s, load.n, "element"),
      per_waiting_text (&c, load.n, "task"), NULL, "<= 53 KiB (before the "
      "hub)", yes_no (s.samples > 0 && kib_s <= FLEET_KIB_GOAL));

  add_note (b, "fleet: the waiting window samples RSS and threads from %.0f "
      "s after the start until 2 s before the first task can succeed; "
      "seedancesrc: %u samples, %u tasks created when it opened; client: %u "
      "samples, %u created.  Per waiting element counts from before the "
      "pipelines were built (the simulator's state for each task included), "
      "as the scale row does", MIN (15000, (load.queued_ms +
              load.running_ms) / 2) / 1e3, s.samples, s.created_at_window,
      c.samples, c.created_at_window);
  add_note (b, "fleet: the simulator's listening sockets get a backlog of "
      "SOMAXCONN, as a real server has, not GLib's 10; the kernel counted "
      "%" G_GINT64_FORMAT " listen overflows (dropped SYNs) during the "
      "seedancesrc side and %" G_GINT64_FORMAT " during the client's, in "
      "this network namespace, which other processes share (-1: unknown)",
      s.overflows, c.overflows);
  add_note (b, "fleet: success to first byte, in two parts: from the "
      "service's success to the answer that told it (seedancesrc: its "
      "\"succeeded\" message; client: its GET), median %.2f s, p95 %.2f s "
      "for seedancesrc, median %.2f s, p95 %.2f s for the client; from there "
      "to the first byte, median %.0f ms, p95 %.0f ms for seedancesrc, "
      "median %.0f ms, p95 %.0f ms for the client", median (s.detect_s),
      percentile (s.detect_s, 95), median (c.detect_s),
      percentile (c.detect_s, 95), median (s.fetch_s) * 1e3,
      percentile (s.fetch_s, 95) * 1e3, median (c.fetch_s) * 1e3,
      percentile (c.fetch_s, 95) * 1e3);
  add_note (b, "fleet: calls in all: seedancesrc %u creates, %u GET, %u "
      "list, %u DELETE; client %u creates, %u GET, %u list, %u DELETE",
      s.creates, s.queries, s.lists, s.deletes, c.creates, c.queries,
      c.lists, c.deletes);
  if (g_hash_table_size (s.lost)) {
    lost = lost_summary (&s);
    add_note (b, "fleet, seedancesrc, not delivered: %s", lost);
    g_free (lost);
  }
  if (g_hash_table_size (c.lost)) {
    lost = lost_summary (&c);
    add_note (b, "fleet, per-task client, not delivered: %s", lost);
    g_free (lost);
  }

done:
  b->group = NULL;
  g_unlink (file);
  g_free (file);
  fleet_result_clear (&s);
  fleet_result_clear (&c);
}
