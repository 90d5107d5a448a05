/* seedance-bench: how seedancesrc compares with its peers on loopback.
 *
 * Rows (--rows picks some, comma-separated; default all):
 *   throughput  a 400+ MB moov-at-end MP4 served by the simulator:
 *               `seedancesrc ! fakesink` against `curl -o /dev/null URL` and
 *               `souphttpsrc location=URL ! fakesink`, alternating, each run a
 *               child process; wall time spawn..exit, CPU and peak RSS from
 *               wait4(); medians.  Also gives the CPU-per-GB row.
 *   cpu         the same runs as throughput (either name runs them).
 *   memory      peak RSS of `... ! qtdemux ! fakesink` for a 16 MB and the
 *               400+ MB file (both moov at the end), seedancesrc and
 *               souphttpsrc.
 *   idle        a child waiting on a task that stays queued, poll-interval 5 s,
 *               for 60 s: its CPU time and the queries the simulator saw.
 *   stop        PLAYING->NULL while polling and while a download is stalled,
 *               in this process, 100 times each.
 *   first-byte  from the "seedance-task" message with event "succeeded" to
 *               the first buffer at the sink, in this process; then its twin
 *               (first-byte-cache alone): the same with the cache on, each
 *               run a new task in an empty cache, so that the clip is pushed
 *               while it is spooled, beside the same path with cache=false.
 *   scale       100 seedancesrc in this process, each creating its own task:
 *               threads and memory per element while they wait, then all EOS.
 *   fleet       200 clips from one process under a limit of 300 calls a
 *               minute, 60 s generations: 200 seedancesrc against a per-task
 *               polling client with the Ark SDK's retries (fleet.c), its own
 *               table.
 *
 * Every row but first-byte-cache and fleet sets cache=false: they measure
 * the network path, as before the cache was on by default.  The process
 * sets SEEDANCE_CACHE_DIR to a temporary directory of its own (removed at
 * the end), so that nothing is written into the user's cache.
 *
 * Figures differ between machines: every goal compares with peers measured
 * in the same run, or is an absolute bound from the issue.  The exit status
 * is 0 when every selected row could be measured (goals met or not), 1 when
 * something could not be measured.
 *
 * The simulator serving the files runs in this process, in its own thread;
 * the measured downloads run in child processes, so their rusage holds the
 * client only.
 */
#define _GNU_SOURCE

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#define TASK_BODY "{\"model\": \"doubao-seedance-2.0\", \"content\": " \
  "[{\"type\": \"text\", \"text\": \"seedance benchmark\"}]}"
/* 1920x1080 UYVY: 4147200 bytes a frame. */
#define FRAME_BYTES (1920 * 1080 * 2)
#define BIG_FRAMES 105
#define BIG_FRAMES_QUICK 26
#define SMALL_FRAMES 4
#define QUEUED_FOREVER_MS (24 * 3600 * 1000)
#define GB 1e9
#define MIB (1024.0 * 1024.0)

/* --- options and state --- */

static gboolean opt_quick = FALSE;
static gchar *opt_rows = NULL;
static gchar *opt_markdown = NULL;
static gint opt_idle_s = 0;
static gint opt_runs = 0;
static gint opt_fleet_clips = 0;

static GOptionEntry entries[] = {
  {"quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick,
        "Smaller files, fewer repetitions, a shorter idle row (a smoke run)",
      NULL},
  {"rows", 'r', 0, G_OPTION_ARG_STRING, &opt_rows,
      "Rows to run, comma-separated: throughput,cpu,memory,idle,stop,"
        "first-byte,first-byte-cache,scale,fleet (default: all)", "LIST"},
  {"markdown", 'm', 0, G_OPTION_ARG_FILENAME, &opt_markdown,
      "Also write the table as Markdown to FILE", "FILE"},
  {"runs", 0, 0, G_OPTION_ARG_INT, &opt_runs,
      "Runs of each download in the throughput row (default 5, 2 with "
        "--quick)", "N"},
  {"idle-seconds", 0, 0, G_OPTION_ARG_INT, &opt_idle_s,
      "Length of the idle row (default 60, 20 with --quick)", "S"},
  {"fleet-clips", 0, 0, G_OPTION_ARG_INT, &opt_fleet_clips,
      "Clips of the fleet rows (default 200, 50 with --quick; the limit "
        "scales with them, 300 calls a minute for 200)", "N"},
  {NULL}
};

typedef struct
{
  gchar *figure;
  gchar *value;
  gchar *peer;
  gchar *ratio;
  gchar *goal;
  gchar *met;                   /* "yes", "NO", "-" (reported only) */
  gchar *group;                 /* NULL: the main table */
} Row;

static void
row_free (gpointer data)
{
  Row *r = data;

  g_free (r->figure);
  g_free (r->value);
  g_free (r->peer);
  g_free (r->ratio);
  g_free (r->goal);
  g_free (r->met);
  g_free (r->group);
  g_free (r);
}

static void
group_free (gpointer data)
{
  BenchGroup *g = data;

  g_free (g->name);
  g_free (g->title);
  g_free (g->peer_head);
  g_free (g);
}

void
bench_add_group (Bench * b, const gchar * name, const gchar * title,
    const gchar * peer_head)
{
  BenchGroup *g = g_new0 (BenchGroup, 1);

  g->name = g_strdup (name);
  g->title = g_strdup (title);
  g->peer_head = g_strdup (peer_head);
  g_ptr_array_add (b->groups, g);
}

void
add_row (Bench * b, gchar * figure, gchar * value, gchar * peer,
    gchar * ratio, const gchar * goal, const gchar * met)
{
  Row *r = g_new0 (Row, 1);

  r->figure = figure;
  r->value = value ? value : g_strdup ("-");
  r->peer = peer ? peer : g_strdup ("-");
  r->ratio = ratio ? ratio : g_strdup ("-");
  r->goal = g_strdup (goal ? goal : "reported");
  r->met = g_strdup (met ? met : "-");
  r->group = g_strdup (b->group);
  g_ptr_array_add (b->rows, r);
}

void
add_note (Bench * b, const gchar * format, ...)
{
  va_list args;
  gchar *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("  note: %s\n", text);
  g_ptr_array_add (b->notes, text);
}

void
fail (Bench * b, const gchar * format, ...)
{
  va_list args;
  gchar *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("seedance-bench: %s\n", text);
  g_ptr_array_add (b->notes, g_strdup_printf ("could not measure: %s", text));
  g_free (text);
  b->failed = TRUE;
}

const gchar *
yes_no (gboolean ok)
{
  return ok ? "yes" : "NO";
}

/* --- statistics --- */

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static void
sort_doubles (GArray * a)
{
  g_array_sort (a, cmp_double);
}

gdouble
median (GArray * values)
{
  GArray *a;
  gdouble m;

  if (values->len == 0)
    return NAN;
  a = g_array_copy (values);
  sort_doubles (a);
  if (a->len % 2)
    m = g_array_index (a, gdouble, a->len / 2);
  else
    m = (g_array_index (a, gdouble, a->len / 2 - 1) +
        g_array_index (a, gdouble, a->len / 2)) / 2;
  g_array_unref (a);
  return m;
}

/* Nearest rank. */
gdouble
percentile (GArray * values, gdouble p)
{
  GArray *a;
  gdouble v;
  guint rank;

  if (values->len == 0)
    return NAN;
  a = g_array_copy (values);
  sort_doubles (a);
  rank = (guint) ceil (p / 100.0 * a->len);
  if (rank < 1)
    rank = 1;
  v = g_array_index (a, gdouble, MIN (rank, a->len) - 1);
  g_array_unref (a);
  return v;
}

gdouble
array_max (GArray * values)
{
  gdouble m = -INFINITY;
  guint i;

  for (i = 0; i < values->len; i++)
    m = MAX (m, g_array_index (values, gdouble, i));
  return m;
}

/* --- the machine --- */

static gchar *
cpu_model (void)
{
  gchar *text = NULL, *model = NULL;
  gchar **lines;
  guint i;

  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    return g_strdup ("unknown CPU");
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] && model == NULL; i++) {
    if (g_str_has_prefix (lines[i], "model name")) {
      const gchar *colon = strchr (lines[i], ':');

      if (colon)
        model = g_strstrip (g_strdup (colon + 1));
    }
  }
  g_strfreev (lines);
  g_free (text);
  return model ? model : g_strdup ("unknown CPU");
}

static gchar *
load_average (void)
{
  gchar *text = NULL;
  gchar **f;
  gchar *out;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("?");
  f = g_strsplit (text, " ", 4);
  out = g_strdup_printf ("%s %s %s", f[0] ? f[0] : "?",
      f[0] && f[1] ? f[1] : "?", f[0] && f[1] && f[2] ? f[2] : "?");
  g_strfreev (f);
  g_free (text);
  return out;
}

static gchar *
machine_line (void)
{
  struct utsname u;
  gchar *model = cpu_model ();
  gchar *gst = gst_version_string ();
  gchar *line;
  guint64 mem_kib = 0;
  gchar *text = NULL;

  if (g_file_get_contents ("/proc/meminfo", &text, NULL, NULL)) {
    const gchar *m = strstr (text, "MemTotal:");

    if (m)
      mem_kib = g_ascii_strtoull (m + strlen ("MemTotal:"), NULL, 10);
    g_free (text);
  }
  if (uname (&u) != 0)
    memset (&u, 0, sizeof (u));
  line = g_strdup_printf ("%u CPUs (nproc), %s, %.1f GiB RAM, Linux %s %s, "
      "%s", g_get_num_processors (), model,
      mem_kib / (1024.0 * 1024.0), u.release, u.machine, gst);
  g_free (model);
  g_free (gst);
  return line;
}

/* /proc/self/status fields, in kB or counts; -1 when missing. */
gint64
proc_status_field (const gchar * path, const gchar * field)
{
  gchar *text = NULL, *key;
  const gchar *p;
  gint64 v = -1;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  key = g_strdup_printf ("\n%s:", field);
  p = strstr (text, key);
  if (p)
    v = g_ascii_strtoll (p + strlen (key), NULL, 10);
  g_free (key);
  g_free (text);
  return v;
}

gboolean
reset_peak_rss (void)
{
  /* "5" resets the peak RSS (proc(5), clear_refs, Linux 4.0); written in
   * place, not through a temporary file as g_file_set_contents does. */
  int fd = open ("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = write (fd, "5", 1) == 1;
  close (fd);
  return ok;
}

void
rm_rf (const gchar * path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode)) {
    GDir *dir = g_dir_open (path, 0, NULL);
    const gchar *name;

    while (dir && (name = g_dir_read_name (dir))) {
      gchar *child = g_build_filename (path, name, NULL);

      rm_rf (child);
      g_free (child);
    }
    if (dir)
      g_dir_close (dir);
    g_rmdir (path);
  } else {
    g_unlink (path);
  }
}

/* CPU time of the threads of process `pid` (0: this one) in ns, from
 * schedstat (nanoseconds) or, without it, stat (clock ticks).  Only the
 * threads whose name starts with `prefix` when it is not NULL. */
static gint64
threads_cpu_ns (pid_t pid, const gchar * prefix)
{
  gchar *dirpath = pid ? g_strdup_printf ("/proc/%d/task", (int) pid) :
      g_strdup ("/proc/self/task");
  GDir *dir = g_dir_open (dirpath, 0, NULL);
  const gchar *name;
  gint64 total = 0;

  if (dir == NULL) {
    g_free (dirpath);
    return -1;
  }
  while ((name = g_dir_read_name (dir))) {
    gchar *path, *text = NULL;

    if (prefix) {
      gchar *comm = NULL;
      gboolean match;

      path = g_build_filename (dirpath, name, "comm", NULL);
      match = g_file_get_contents (path, &comm, NULL, NULL) &&
          g_str_has_prefix (comm, prefix);
      g_free (comm);
      g_free (path);
      if (!match)
        continue;
    }
    path = g_build_filename (dirpath, name, "schedstat", NULL);
    if (g_file_get_contents (path, &text, NULL, NULL)) {
      total += g_ascii_strtoll (text, NULL, 10);
    } else {
      gchar *p;

      g_free (path);
      path = g_build_filename (dirpath, name, "stat", NULL);
      if (g_file_get_contents (path, &text, NULL, NULL) &&
          (p = strrchr (text, ')'))) {
        gchar **f = g_strsplit (p + 2, " ", 16);

        /* fields 14 and 15 of stat: utime, stime; here 12 and 13 */
        if (g_strv_length (f) > 12)
          total += (g_ascii_strtoll (f[11], NULL, 10) +
              g_ascii_strtoll (f[12], NULL, 10)) *
              (G_GINT64_CONSTANT (1000000000) / sysconf (_SC_CLK_TCK));
        g_strfreev (f);
      }
    }
    g_free (text);
    g_free (path);
  }
  g_dir_close (dir);
  g_free (dirpath);
  return total;
}

/* --- child processes ---
 *
 * Linux keeps the largest RSS a process ever had across exec(), and a
 * spawned child starts from its parent's: every child of this process,
 * which maps the served files (hundreds of MB), would report at least that
 * as its ru_maxrss.  So the measured children are spawned by a small helper
 * forked at the very start, before anything is loaded: it spawns, waits
 * with wait4() and sends back the wall time and the rusage. */

typedef struct
{
  gint64 wall_us;
  gdouble cpu_s;                /* ru_utime + ru_stime */
  glong maxrss_kib;
  int wstatus;
  gboolean killed;              /* the watchdog killed it */
} ChildRun;

typedef struct
{
  gint64 wall_us;
  gint64 cpu_us;
  gint64 maxrss_kib;
  gint32 wstatus;
  gint32 error;
} HelperResult;

static int helper_req = -1;
static int helper_res = -1;
static pid_t helper_pid = -1;

static gboolean
read_full (int fd, gpointer data, gsize len)
{
  guint8 *p = data;

  while (len > 0) {
    ssize_t n = read (fd, p, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    len -= (gsize) n;
  }
  return TRUE;
}

static gboolean
write_full (int fd, gconstpointer data, gsize len)
{
  const guint8 *p = data;

  while (len > 0) {
    ssize_t n = write (fd, p, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    len -= (gsize) n;
  }
  return TRUE;
}

/* The helper: a request is a length, then "stderr-path\0arg0\0arg1\0...";
 * the answer the pid (or -errno), then a HelperResult. */
static void G_GNUC_NORETURN
helper_main (int req, int res)
{
  for (;;) {
    guint32 len;
    gchar *buf, *p, *end;
    GPtrArray *argv;
    const gchar *err_path;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, deflt;
    pid_t pid = -1;
    gint32 answer;
    HelperResult r;
    struct rusage ru;
    gint64 t0;
    int rc, st = 0;

    if (!read_full (req, &len, sizeof (len)))
      _exit (0);
    buf = g_malloc (len + 1);
    if (!read_full (req, buf, len))
      _exit (0);
    buf[len] = '\0';
    end = buf + len;
    err_path = buf;
    argv = g_ptr_array_new ();
    for (p = buf + strlen (buf) + 1; p < end; p += strlen (p) + 1)
      g_ptr_array_add (argv, p);
    g_ptr_array_add (argv, NULL);

    posix_spawn_file_actions_init (&fa);
    posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen (&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen (&fa, 2, err_path,
        O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawnattr_init (&attr);
    sigemptyset (&none);
    sigemptyset (&deflt);
    sigaddset (&deflt, SIGINT);
    sigaddset (&deflt, SIGTERM);
    sigaddset (&deflt, SIGPIPE);
    posix_spawnattr_setsigmask (&attr, &none);
    posix_spawnattr_setsigdefault (&attr, &deflt);
    posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK |
        POSIX_SPAWN_SETSIGDEF);
    t0 = g_get_monotonic_time ();
    rc = posix_spawnp (&pid, g_ptr_array_index (argv, 0), &fa, &attr,
        (char *const *) argv->pdata, environ);
    posix_spawn_file_actions_destroy (&fa);
    posix_spawnattr_destroy (&attr);
    g_ptr_array_unref (argv);
    g_free (buf);

    answer = rc == 0 ? (gint32) pid : -rc;
    if (!write_full (res, &answer, sizeof (answer)))
      _exit (0);
    if (rc != 0)
      continue;

    memset (&ru, 0, sizeof (ru));
    while (wait4 (pid, &st, 0, &ru) < 0 && errno == EINTR);
    memset (&r, 0, sizeof (r));
    r.wall_us = g_get_monotonic_time () - t0;
    r.cpu_us = ru.ru_utime.tv_sec * G_GINT64_CONSTANT (1000000) +
        ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * G_GINT64_CONSTANT (1000000)
        + ru.ru_stime.tv_usec;
    r.maxrss_kib = ru.ru_maxrss;
    r.wstatus = st;
    if (!write_full (res, &r, sizeof (r)))
      _exit (0);
  }
}

/* Before any thread exists. */
static gboolean
helper_start (void)
{
  int req[2], res[2];

  if (pipe2 (req, O_CLOEXEC) != 0 || pipe2 (res, O_CLOEXEC) != 0)
    return FALSE;
  helper_pid = fork ();
  if (helper_pid < 0)
    return FALSE;
  if (helper_pid == 0) {
    close (req[1]);
    close (res[0]);
    helper_main (req[0], res[1]);
  }
  close (req[0]);
  close (res[1]);
  helper_req = req[1];
  helper_res = res[0];
  return TRUE;
}

static void
helper_stop (void)
{
  if (helper_pid <= 0)
    return;
  close (helper_req);
  close (helper_res);
  while (waitpid (helper_pid, NULL, 0) < 0 && errno == EINTR);
  helper_pid = -1;
}

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
  pid_t pid;
  guint timeout_s;
  gboolean killed;
} Watchdog;

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *w = data;
  gint64 end = g_get_monotonic_time () + (gint64) w->timeout_s * G_USEC_PER_SEC;

  g_mutex_lock (&w->lock);
  while (!w->done) {
    if (!g_cond_wait_until (&w->cond, &w->lock, end)) {
      if (!w->done) {
        kill (w->pid, SIGKILL);
        w->killed = TRUE;
      }
      break;
    }
  }
  g_mutex_unlock (&w->lock);
  return NULL;
}

/* Returns the child's pid, -1 on failure. */
static pid_t
spawn_child (Bench * b, gchar ** argv)
{
  GByteArray *req = g_byte_array_new ();
  guint32 len;
  gint32 answer = 0;
  guint i;

  g_byte_array_append (req, (const guint8 *) b->stderr_path,
      strlen (b->stderr_path) + 1);
  for (i = 0; argv[i]; i++)
    g_byte_array_append (req, (const guint8 *) argv[i], strlen (argv[i]) + 1);
  len = req->len;
  if (helper_pid <= 0 || !write_full (helper_req, &len, sizeof (len)) ||
      !write_full (helper_req, req->data, req->len) ||
      !read_full (helper_res, &answer, sizeof (answer))) {
    fail (b, "the spawning helper is gone");
    answer = -1;
    helper_stop ();
  } else if (answer < 0) {
    fail (b, "cannot run %s: %s", argv[0], g_strerror (-answer));
  }
  g_byte_array_unref (req);
  return answer > 0 ? (pid_t) answer : -1;
}

/* Waits for `pid`, killing it after timeout_s. */
static void
reap_child (pid_t pid, guint timeout_s, ChildRun * r)
{
  Watchdog w;
  GThread *t;
  HelperResult hr;
  gboolean got;

  memset (r, 0, sizeof (*r));
  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  w.done = FALSE;
  w.pid = pid;
  w.timeout_s = timeout_s;
  w.killed = FALSE;
  t = g_thread_new ("bench-watchdog", watchdog_thread, &w);

  got = read_full (helper_res, &hr, sizeof (hr));

  g_mutex_lock (&w.lock);
  w.done = TRUE;
  g_cond_signal (&w.cond);
  g_mutex_unlock (&w.lock);
  g_thread_join (t);
  r->killed = w.killed || !got;
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);
  if (!got) {
    helper_stop ();
    return;
  }
  r->wall_us = hr.wall_us;
  r->cpu_s = hr.cpu_us / 1e6;
  r->maxrss_kib = hr.maxrss_kib;
  r->wstatus = hr.wstatus;
}

static gboolean
child_ok (const ChildRun * r)
{
  return !r->killed && WIFEXITED (r->wstatus) && WEXITSTATUS (r->wstatus) == 0;
}

static gchar *
child_stderr (Bench * b)
{
  gchar *text = NULL;

  if (!g_file_get_contents (b->stderr_path, &text, NULL, NULL))
    return g_strdup ("");
  if (strlen (text) > 2000)
    text[2000] = '\0';
  return g_strstrip (text);
}

static gboolean
run_child (Bench * b, gchar ** argv, guint timeout_s, ChildRun * r)
{
  pid_t pid = spawn_child (b, argv);

  if (pid < 0)
    return FALSE;
  reap_child (pid, timeout_s, r);
  if (!child_ok (r)) {
    gchar *cmd = g_strjoinv (" ", argv);
    gchar *err = child_stderr (b);

    fail (b, "`%s` %s: %s", cmd, r->killed ? "timed out" :
        WIFEXITED (r->wstatus) ? "failed" : "was killed", err);
    g_free (err);
    g_free (cmd);
    return FALSE;
  }
  return TRUE;
}

/* --- GStreamer helpers (in this process) --- */

/* Runs a pipeline to EOS; FALSE with the error on stderr. */
static gboolean
run_pipeline (Bench * b, const gchar * desc, guint timeout_s)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);
  GstBus *bus;
  GstMessage *msg;
  gboolean ok = FALSE;

  if (p == NULL) {
    fail (b, "cannot build `%s`: %s", desc, err->message);
    g_error_free (err);
    return FALSE;
  }
  bus = gst_element_get_bus (p);
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, timeout_s * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg == NULL) {
    fail (b, "`%s` did not finish within %u s", desc, timeout_s);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fail (b, "`%s`: %s (%s)", desc, err->message, dbg ? dbg : "");
    g_clear_error (&err);
    g_free (dbg);
  } else {
    ok = TRUE;
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (p);
  return ok;
}

/* The top-level atoms of an MP4: TRUE when there is an mdat and the last
 * atom is the moov. */
static gboolean
moov_at_end (const gchar * path)
{
  FILE *f = fopen (path, "rb");
  guint64 off = 0, size;
  guint8 h[16];
  gboolean saw_mdat = FALSE, last_moov = FALSE;
  struct stat st;

  if (f == NULL || fstat (fileno (f), &st) != 0) {
    if (f)
      fclose (f);
    return FALSE;
  }
  while (off + 8 <= (guint64) st.st_size) {
    if (fseeko (f, (off_t) off, SEEK_SET) != 0 || fread (h, 1, 8, f) != 8)
      break;
    size = GST_READ_UINT32_BE (h);
    if (size == 1) {
      if (fread (h + 8, 1, 8, f) != 8)
        break;
      size = GST_READ_UINT64_BE (h + 8);
    } else if (size == 0) {
      size = (guint64) st.st_size - off;
    }
    if (size < 8)
      break;
    if (memcmp (h + 4, "mdat", 4) == 0)
      saw_mdat = TRUE;
    last_moov = memcmp (h + 4, "moov", 4) == 0;
    off += size;
  }
  fclose (f);
  return saw_mdat && last_moov && off == (guint64) st.st_size;
}

gboolean
make_mp4 (Bench * b, const gchar * path, guint width, guint height,
    guint frames, guint64 * size)
{
  gchar *desc;
  gint64 t0 = g_get_monotonic_time ();
  GStatBuf st;
  gboolean ok;

  desc = g_strdup_printf ("videotestsrc num-buffers=%u ! video/x-raw,"
      "format=UYVY,width=%u,height=%u,framerate=25/1 ! qtmux ! "
      "filesink location=\"%s\"", frames, width, height, path);
  ok = run_pipeline (b, desc, 600);
  g_free (desc);
  if (!ok)
    return FALSE;
  if (g_stat (path, &st) != 0) {
    fail (b, "%s was not written", path);
    return FALSE;
  }
  *size = (guint64) st.st_size;
  if (!moov_at_end (path)) {
    fail (b, "%s: the moov atom is not at the end", path);
    return FALSE;
  }
  /* qtdemux must play it. */
  desc = g_strdup_printf ("filesrc location=\"%s\" ! qtdemux ! fakesink", path);
  ok = run_pipeline (b, desc, 600);
  g_free (desc);
  if (!ok)
    return FALSE;
  g_print ("  generated %s: %" G_GUINT64_FORMAT " bytes (%.1f MB), %u frames "
      "%ux%u, moov at the end, plays through qtdemux (%.1f s)\n", path, *size,
      *size / 1e6, frames, width, height, (g_get_monotonic_time () - t0) / 1e6);
  return TRUE;
}

/* --- the simulator --- */

SeedanceSim *
sim_start (Bench * b)
{
  SeedanceSim *sim = seedance_sim_new ();
  GError *err = NULL;

  seedance_sim_set_api_key (sim, API_KEY);
  if (!seedance_sim_start (sim, 0, &err)) {
    fail (b, "the simulator did not start: %s", err->message);
    g_error_free (err);
    seedance_sim_free (sim);
    return NULL;
  }
  return sim;
}

/* A task serving `file`; waits until it succeeded unless queued_ms is
 * long. */
static gchar *
sim_task (Bench * b, SeedanceSim * sim, const gchar * file, guint queued_ms,
    gboolean wait_succeeded)
{
  GError *err = NULL;
  gchar *id;
  gint64 end;

  seedance_sim_set_video_file (sim, file);
  seedance_sim_set_schedule (sim, queued_ms, 10);
  id = seedance_sim_create_task (sim, TASK_BODY, &err);
  if (id == NULL) {
    fail (b, "the simulator refused the task: %s", err->message);
    g_error_free (err);
    return NULL;
  }
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (wait_succeeded) {
    gchar *status = seedance_sim_get_task_status (sim, id);
    gboolean done = g_strcmp0 (status, "succeeded") == 0;

    g_free (status);
    if (done)
      break;
    if (g_get_monotonic_time () > end) {
      fail (b, "task %s did not succeed within 30 s", id);
      g_free (id);
      return NULL;
    }
    g_usleep (10 * 1000);
  }
  return id;
}

/* The task's content.video_url, as any client of the API gets it. */
static gchar *
sim_video_url (Bench * b, SeedanceSim * sim, const gchar * id)
{
  SoupSession *session = soup_session_new ();
  gchar *url = g_strdup_printf ("%s/contents/generations/tasks/%s",
      seedance_sim_get_base_url (sim), id);
  SoupMessage *msg = soup_message_new ("GET", url);
  GError *err = NULL;
  GBytes *body;
  JsonParser *parser = NULL;
  gchar *video_url = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg),
      "Authorization", "Bearer " API_KEY);
  body = soup_session_send_and_read (session, msg, NULL, &err);
  if (body == NULL) {
    fail (b, "GET %s: %s", url, err->message);
    g_error_free (err);
    goto out;
  }
  parser = json_parser_new ();
  if (soup_message_get_status (msg) == 200 &&
      json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
          (gssize) g_bytes_get_size (body), NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    JsonObject *c = json_object_has_member (o, "content") ?
        json_object_get_object_member (o, "content") : NULL;

    if (c && json_object_has_member (c, "video_url"))
      video_url = g_strdup (json_object_get_string_member (c, "video_url"));
  }
  if (video_url == NULL)
    fail (b, "GET %s: no content.video_url (HTTP %u)", url,
        soup_message_get_status (msg));
  g_bytes_unref (body);
out:
  if (parser)
    g_object_unref (parser);
  g_object_unref (msg);
  g_object_unref (session);
  g_free (url);
  return video_url;
}

/* --- throughput and CPU per GB --- */

typedef enum
{
  TOOL_SEEDANCE,
  TOOL_CURL,
  TOOL_SOUP,
  N_TOOLS
} Tool;

static const gchar *tool_names[N_TOOLS] = { "seedancesrc", "curl",
  "souphttpsrc"
};

static gchar **
tool_argv (Tool tool, SeedanceSim * sim, const gchar * id, const gchar * url,
    const gchar * tail)
{
  GPtrArray *a = g_ptr_array_new ();

  switch (tool) {
    case TOOL_SEEDANCE:
      g_ptr_array_add (a, g_strdup ("gst-launch-1.0"));
      g_ptr_array_add (a, g_strdup ("-q"));
      g_ptr_array_add (a, g_strdup ("seedancesrc"));
      g_ptr_array_add (a, g_strdup_printf ("base-url=%s",
              seedance_sim_get_base_url (sim)));
      g_ptr_array_add (a, g_strdup ("api-key=" API_KEY));
      g_ptr_array_add (a, g_strdup_printf ("task-id=%s", id));
      /* The network path, as before the cache was on by default. */
      g_ptr_array_add (a, g_strdup ("cache=false"));
      break;
    case TOOL_SOUP:
      g_ptr_array_add (a, g_strdup ("gst-launch-1.0"));
      g_ptr_array_add (a, g_strdup ("-q"));
      g_ptr_array_add (a, g_strdup ("souphttpsrc"));
      g_ptr_array_add (a, g_strdup_printf ("location=%s", url));
      break;
    case TOOL_CURL:
    default:
      g_ptr_array_add (a, g_strdup ("curl"));
      g_ptr_array_add (a, g_strdup ("-s"));
      g_ptr_array_add (a, g_strdup ("-f"));
      g_ptr_array_add (a, g_strdup ("-o"));
      g_ptr_array_add (a, g_strdup ("/dev/null"));
      g_ptr_array_add (a, g_strdup (url));
      tail = NULL;
      break;
  }
  if (tail) {
    gchar **t = g_strsplit (tail, " ", -1);
    guint i;

    for (i = 0; t[i]; i++)
      g_ptr_array_add (a, g_strdup (t[i]));
    g_strfreev (t);
  }
  g_ptr_array_add (a, NULL);
  return (gchar **) g_ptr_array_free (a, FALSE);
}

static void
row_throughput (Bench * b, gboolean want_tput, gboolean want_cpu)
{
  SeedanceSim *sim = sim_start (b);
  gchar *id = NULL, *url = NULL;
  GArray *wall[N_TOOLS], *cpu[N_TOOLS], *rss[N_TOOLS];
  guint runs = opt_runs > 0 ? (guint) opt_runs : opt_quick ? 2 : 5, i, t;
  gdouble gbps[N_TOOLS], cpu_gb[N_TOOLS], best_peer, lean_peer;
  Tool fast = TOOL_CURL, lean = TOOL_CURL;
  gdouble gb = b->big_size / GB;
  ChildRun r;
  gchar **argv;

  g_print ("throughput and CPU per GB: %u runs of each, %.1f MB file\n",
      runs, b->big_size / 1e6);
  for (t = 0; t < N_TOOLS; t++) {
    wall[t] = g_array_new (FALSE, FALSE, sizeof (gdouble));
    cpu[t] = g_array_new (FALSE, FALSE, sizeof (gdouble));
    rss[t] = g_array_new (FALSE, FALSE, sizeof (gdouble));
  }
  if (sim == NULL)
    goto out;
  id = sim_task (b, sim, b->big_path, 10, TRUE);
  if (id == NULL)
    goto out;
  url = sim_video_url (b, sim, id);
  if (url == NULL)
    goto out;

  /* One run of each, not counted: the page cache, the registry. */
  for (t = 0; t < N_TOOLS; t++) {
    argv = tool_argv (t, sim, id, url, "! fakesink");
    if (!run_child (b, argv, 300, &r)) {
      g_strfreev (argv);
      goto out;
    }
    g_strfreev (argv);
  }

  for (i = 0; i < runs; i++) {
    for (t = 0; t < N_TOOLS; t++) {
      gdouble w, c, m;

      argv = tool_argv (t, sim, id, url, "! fakesink");
      if (!run_child (b, argv, 300, &r)) {
        g_strfreev (argv);
        goto out;
      }
      g_strfreev (argv);
      w = r.wall_us / 1e6;
      c = r.cpu_s;
      m = r.maxrss_kib / 1024.0;
      g_array_append_val (wall[t], w);
      g_array_append_val (cpu[t], c);
      g_array_append_val (rss[t], m);
      g_print ("  run %u %-12s %6.3f s  %5.2f GB/s  CPU %.3f s  peak RSS "
          "%.1f MiB\n", i + 1, tool_names[t], w, gb / w, c, m);
    }
  }

  for (t = 0; t < N_TOOLS; t++) {
    gbps[t] = gb / median (wall[t]);
    cpu_gb[t] = median (cpu[t]) / gb;
  }
  fast = gbps[TOOL_CURL] >= gbps[TOOL_SOUP] ? TOOL_CURL : TOOL_SOUP;
  lean = cpu_gb[TOOL_CURL] <= cpu_gb[TOOL_SOUP] ? TOOL_CURL : TOOL_SOUP;
  best_peer = gbps[fast];
  lean_peer = cpu_gb[lean];

  if (want_tput)
    add_row (b, g_strdup_printf ("download throughput, %.0f MB, median of %u",
            b->big_size / 1e6, runs),
        g_strdup_printf ("%.2f GB/s", gbps[TOOL_SEEDANCE]),
        g_strdup_printf ("%s %.2f GB/s (%s %.2f)", tool_names[fast],
            best_peer, tool_names[fast == TOOL_CURL ? TOOL_SOUP : TOOL_CURL],
            gbps[fast == TOOL_CURL ? TOOL_SOUP : TOOL_CURL]),
        g_strdup_printf ("%.2fx", gbps[TOOL_SEEDANCE] / best_peer),
        ">= 0.90x the faster peer",
        yes_no (gbps[TOOL_SEEDANCE] >= 0.9 * best_peer));
  if (want_cpu)
    add_row (b, g_strdup ("CPU (user+sys) per GB, same runs"),
        g_strdup_printf ("%.3f s/GB", cpu_gb[TOOL_SEEDANCE]),
        g_strdup_printf ("%s %.3f s/GB (%s %.3f)", tool_names[lean],
            lean_peer, tool_names[lean == TOOL_CURL ? TOOL_SOUP : TOOL_CURL],
            cpu_gb[lean == TOOL_CURL ? TOOL_SOUP : TOOL_CURL]),
        g_strdup_printf ("%.2fx", cpu_gb[TOOL_SEEDANCE] / lean_peer),
        "<= 1.20x the leaner peer",
        yes_no (cpu_gb[TOOL_SEEDANCE] <= 1.2 * lean_peer));
  add_note (b, "throughput runs, peak RSS (median): seedancesrc %.1f MiB, "
      "curl %.1f MiB, souphttpsrc %.1f MiB", median (rss[TOOL_SEEDANCE]),
      median (rss[TOOL_CURL]), median (rss[TOOL_SOUP]));

  /* What a child costs before and after its transfer, to read the figures
   * above with: the same start-up and exit, nothing moved. */
  {
    GArray *bw[2], *bc[2];
    gchar *base_gst[] = { (gchar *) "gst-launch-1.0", (gchar *) "-q",
      (gchar *) "fakesrc", (gchar *) "num-buffers=1", (gchar *) "!",
      (gchar *) "fakesink", NULL
    };
    gchar *base_curl[] = { (gchar *) "curl", (gchar *) "-s", (gchar *) "-o",
      (gchar *) "/dev/null", (gchar *) "file:///dev/null", NULL
    };
    guint k;

    for (k = 0; k < 2; k++) {
      bw[k] = g_array_new (FALSE, FALSE, sizeof (gdouble));
      bc[k] = g_array_new (FALSE, FALSE, sizeof (gdouble));
    }
    for (i = 0; i < runs; i++) {
      for (k = 0; k < 2; k++) {
        gdouble w, c;

        if (!run_child (b, k == 0 ? base_gst : base_curl, 60, &r))
          break;
        w = r.wall_us / 1e6;
        c = r.cpu_s;
        g_array_append_val (bw[k], w);
        g_array_append_val (bc[k], c);
      }
    }
    if (bw[0]->len > 0 && bw[1]->len > 0) {
      gdouble gw = median (bw[0]), gc = median (bc[0]);
      gdouble cw = median (bw[1]), cc = median (bc[1]);
      gdouble s_gbps = gb / (median (wall[TOOL_SEEDANCE]) - gw);
      gdouble s_cpu = (median (cpu[TOOL_SEEDANCE]) - gc) / gb;
      gdouble c_gbps = gb / (median (wall[TOOL_CURL]) - cw);
      gdouble c_cpu = (median (cpu[TOOL_CURL]) - cc) / gb;
      gdouble o_gbps = gb / (median (wall[TOOL_SOUP]) - gw);
      gdouble o_cpu = (median (cpu[TOOL_SOUP]) - gc) / gb;

      add_note (b, "process start-up and exit with nothing moved: "
          "gst-launch-1.0 (fakesrc num-buffers=1 ! fakesink) %.1f ms wall, "
          "%.1f ms CPU; curl (file:///dev/null) %.1f ms wall, %.1f ms CPU. "
          "Without them: seedancesrc %.2f GB/s and %.3f s/GB, curl %.2f GB/s "
          "and %.3f s/GB, souphttpsrc %.2f GB/s and %.3f s/GB; seedancesrc "
          "against the faster %.2fx, against the leaner %.2fx",
          gw * 1e3, gc * 1e3, cw * 1e3, cc * 1e3, s_gbps, s_cpu, c_gbps,
          c_cpu, o_gbps, o_cpu, s_gbps / MAX (c_gbps, o_gbps),
          s_cpu / MIN (c_cpu, o_cpu));
    }
    for (k = 0; k < 2; k++) {
      g_array_unref (bw[k]);
      g_array_unref (bc[k]);
    }
  }

out:
  if (b->failed && wall[TOOL_SEEDANCE]->len < runs) {
    if (want_tput)
      add_row (b, g_strdup ("download throughput"), g_strdup ("not measured"),
          NULL, NULL, ">= 0.90x the faster peer", "NO");
    if (want_cpu)
      add_row (b, g_strdup ("CPU per GB"), g_strdup ("not measured"), NULL,
          NULL, "<= 1.20x the leaner peer", "NO");
  }
  for (t = 0; t < N_TOOLS; t++) {
    g_array_unref (wall[t]);
    g_array_unref (cpu[t]);
    g_array_unref (rss[t]);
  }
  g_free (id);
  g_free (url);
  if (sim)
    seedance_sim_free (sim);
}

/* --- memory --- */

static void
row_memory (Bench * b)
{
  SeedanceSim *sim = sim_start (b);
  gchar *ids[2] = { NULL, NULL }, *urls[2] = { NULL, NULL };
  const gchar *paths[2] = { b->small_path, b->big_path };
  guint64 sizes[2] = { b->small_size, b->big_size };
  GArray *rss[2][2];            /* [tool: 0 seedance, 1 soup][file] */
  guint runs = opt_quick ? 1 : 3, i, f, k;
  gdouble m[2][2], grow[2];
  ChildRun r;
  gboolean ok = FALSE;

  g_print ("memory: peak RSS of `... ! qtdemux ! fakesink`, %u runs of each\n",
      runs);
  for (k = 0; k < 2; k++)
    for (f = 0; f < 2; f++)
      rss[k][f] = g_array_new (FALSE, FALSE, sizeof (gdouble));
  if (sim == NULL)
    goto out;
  for (f = 0; f < 2; f++) {
    ids[f] = sim_task (b, sim, paths[f], 10, TRUE);
    if (ids[f] == NULL)
      goto out;
    urls[f] = sim_video_url (b, sim, ids[f]);
    if (urls[f] == NULL)
      goto out;
  }

  for (i = 0; i < runs; i++) {
    for (f = 0; f < 2; f++) {
      for (k = 0; k < 2; k++) {
        Tool tool = k == 0 ? TOOL_SEEDANCE : TOOL_SOUP;
        gchar **argv = tool_argv (tool, sim, ids[f], urls[f],
            "! qtdemux ! fakesink");
        gdouble mib;

        if (!run_child (b, argv, 300, &r)) {
          g_strfreev (argv);
          goto out;
        }
        g_strfreev (argv);
        mib = r.maxrss_kib / 1024.0;
        g_array_append_val (rss[k][f], mib);
        g_print ("  run %u %-12s %6.1f MB file: peak RSS %.1f MiB (%.2f s)\n",
            i + 1, tool_names[tool], sizes[f] / 1e6, mib, r.wall_us / 1e6);
      }
    }
  }
  for (k = 0; k < 2; k++) {
    for (f = 0; f < 2; f++)
      m[k][f] = median (rss[k][f]);
    grow[k] = m[k][1] - m[k][0];
  }
  for (f = 0; f < 2; f++)
    add_row (b, g_strdup_printf ("peak RSS, qtdemux, %.1f MB file",
            sizes[f] / 1e6), g_strdup_printf ("%.1f MiB", m[0][f]),
        g_strdup_printf ("souphttpsrc %.1f MiB", m[1][f]),
        g_strdup_printf ("%.2fx", m[0][f] / m[1][f]), NULL, NULL);
  add_row (b, g_strdup_printf ("peak RSS growth, %.1f MB -> %.1f MB file",
          sizes[0] / 1e6, sizes[1] / 1e6),
      g_strdup_printf ("%+.1f MiB", grow[0]),
      g_strdup_printf ("souphttpsrc %+.1f MiB", grow[1]), NULL,
      "< 16 MiB", yes_no (grow[0] < 16.0));
  ok = TRUE;

out:
  if (!ok)
    add_row (b, g_strdup ("peak RSS growth"), g_strdup ("not measured"),
        NULL, NULL, "< 16 MiB", "NO");
  for (k = 0; k < 2; k++)
    for (f = 0; f < 2; f++)
      g_array_unref (rss[k][f]);
  for (f = 0; f < 2; f++) {
    g_free (ids[f]);
    g_free (urls[f]);
  }
  if (sim)
    seedance_sim_free (sim);
}

/* --- idle cost --- */

static void
row_idle (Bench * b)
{
  SeedanceSim *sim = sim_start (b);
  guint secs = opt_idle_s > 0 ? (guint) opt_idle_s : opt_quick ? 20 : 60;
  gchar *id = NULL;
  gchar **argv = NULL;
  gint64 t0, t_first = 0, t_end, cpu0, cpu1;
  pid_t pid;
  ChildRun r;
  GPtrArray *log;
  GArray *gaps = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gint64 last = 0;
  guint queries = 0, expect_lo, expect_hi, i;
  gdouble window_s, cpu_ms, per_min_ms, gap_lo, gap_hi;
  gboolean spacing_ok;

  g_print ("idle: a queued task, poll-interval 5000 ms, %u s\n", secs);
  if (sim == NULL)
    goto failed;
  id = sim_task (b, sim, b->small_path, QUEUED_FOREVER_MS, FALSE);
  if (id == NULL)
    goto failed;
  seedance_sim_clear_log (sim);
  argv = tool_argv (TOOL_SEEDANCE, sim, id, NULL,
      "poll-interval=5000 ! fakesink");
  t0 = g_get_monotonic_time ();
  pid = spawn_child (b, argv);
  if (pid < 0)
    goto failed;

  /* The window starts once the first query was answered: the element is
   * then waiting, which is what is measured. */
  while (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY) < 1 &&
      g_get_monotonic_time () - t0 < 10 * G_USEC_PER_SEC)
    g_usleep (1000);
  if (seedance_sim_count_requests (sim, SEEDANCE_SIM_QUERY) < 1) {
    kill (pid, SIGKILL);
    reap_child (pid, 10, &r);
    fail (b, "idle: the element sent no query within 10 s");
    goto failed;
  }
  g_usleep (100 * 1000);
  t_first = g_get_monotonic_time ();
  cpu0 = threads_cpu_ns (pid, NULL);
  t_end = t0 + (gint64) secs *G_USEC_PER_SEC;
  while (g_get_monotonic_time () < t_end)
    g_usleep (MIN (200 * 1000, MAX (1, t_end - g_get_monotonic_time ())));
  cpu1 = threads_cpu_ns (pid, NULL);
  window_s = (g_get_monotonic_time () - t_first) / 1e6;
  kill (pid, SIGINT);
  reap_child (pid, 20, &r);
  if (r.killed) {
    fail (b, "idle: gst-launch did not exit within 20 s of SIGINT");
    goto failed;
  }

  log = seedance_sim_get_requests (sim);
  for (i = 0; i < log->len; i++) {
    SeedanceSimRequest *q = g_ptr_array_index (log, i);

    if (q->endpoint != SEEDANCE_SIM_QUERY)
      continue;
    queries++;
    if (last) {
      gdouble gap = (q->time_us - last) / 1e6;

      g_array_append_val (gaps, gap);
    }
    last = q->time_us;
  }
  g_ptr_array_unref (log);

  cpu_ms = (cpu1 - cpu0) / 1e6;
  per_min_ms = cpu_ms * 60.0 / window_s;
  expect_lo = secs / 5;
  expect_hi = secs / 5 + 1;
  gap_lo = gaps->len ? percentile (gaps, 0) : 0;
  gap_hi = gaps->len ? array_max (gaps) : 0;
  spacing_ok = gaps->len > 0 && gap_lo >= 4.9 && gap_hi <= 5.5;

  add_row (b, g_strdup_printf ("idle CPU while a task waits (%.0f s window, "
          "per minute)", window_s), g_strdup_printf ("%.1f ms/min", per_min_ms),
      NULL, NULL, "< 50 ms in the minute", yes_no (per_min_ms < 50.0));
  add_row (b, g_strdup_printf ("idle queries in %u s, poll-interval 5 s", secs),
      g_strdup_printf ("%u (gaps %.3f-%.3f s)", queries, gap_lo, gap_hi),
      NULL, NULL, "one per interval",
      yes_no (queries >= expect_lo && queries <= expect_hi && spacing_ok));
  add_note (b, "idle child: whole-process CPU from rusage %.0f ms (start-up "
      "and shutdown included), %.0f ms of it in the %.1f s waiting window "
      "(per-thread schedstat), peak RSS %.1f MiB", r.cpu_s * 1e3, cpu_ms,
      window_s, r.maxrss_kib / 1024.0);
  goto out;

failed:
  add_row (b, g_strdup ("idle CPU while a task waits"),
      g_strdup ("not measured"), NULL, NULL, "< 50 ms in the minute", "NO");
out:
  g_array_unref (gaps);
  g_strfreev (argv);
  g_free (id);
  if (sim)
    seedance_sim_free (sim);
}

/* --- in-process pipelines --- */

typedef struct
{
  GMutex lock;
  GCond cond;
  gint64 t_succeeded;
  gint64 t_first_buffer;
  gint64 t_status;
} Stamps;

static GstBusSyncReply
stamp_messages (GstBus * bus, GstMessage * msg, gpointer data)
{
  Stamps *s = data;
  const GstStructure *st;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
    return GST_BUS_PASS;
  st = gst_message_get_structure (msg);
  if (st && gst_structure_has_name (st, "seedance-task")) {
    const gchar *ev = gst_structure_get_string (st, "event");
    gint64 now = g_get_monotonic_time ();

    g_mutex_lock (&s->lock);
    if (g_strcmp0 (ev, "succeeded") == 0 && s->t_succeeded == 0)
      s->t_succeeded = now;
    if (g_strcmp0 (ev, "status") == 0 && s->t_status == 0)
      s->t_status = now;
    g_cond_broadcast (&s->cond);
    g_mutex_unlock (&s->lock);
  }
  return GST_BUS_PASS;
}

static GstPadProbeReturn
stamp_first_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Stamps *s = data;

  g_mutex_lock (&s->lock);
  if (s->t_first_buffer == 0) {
    s->t_first_buffer = g_get_monotonic_time ();
    g_cond_broadcast (&s->cond);
  }
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

/* `desc` has a sink named "sink". */
static GstElement *
stamped_launch (Bench * b, const gchar * desc, Stamps * s)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);
  GstElement *sink;
  GstBus *bus;
  GstPad *pad;

  if (p == NULL) {
    fail (b, "cannot build the pipeline: %s", err->message);
    g_error_free (err);
    return NULL;
  }
  s->t_succeeded = s->t_first_buffer = s->t_status = 0;
  bus = gst_element_get_bus (p);
  gst_bus_set_sync_handler (bus, stamp_messages, s, NULL);
  gst_object_unref (bus);
  sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_first_buffer, s,
      NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  return p;
}

/* The network path: a known task, no cache. */
static GstElement *
stamped_pipeline (Bench * b, SeedanceSim * sim, const gchar * id,
    guint poll_ms, Stamps * s)
{
  gchar *desc = g_strdup_printf ("seedancesrc name=src base-url=%s "
      "api-key=" API_KEY " task-id=%s poll-interval=%u cache=false ! "
      "fakesink name=sink", seedance_sim_get_base_url (sim), id, poll_ms);
  GstElement *p = stamped_launch (b, desc, s);

  g_free (desc);
  return p;
}

/* Waits until *field is set; FALSE after timeout_ms. */
static gboolean
wait_stamp (Stamps * s, gint64 * field, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean ok = TRUE;

  g_mutex_lock (&s->lock);
  while (*field == 0 && ok)
    ok = g_cond_wait_until (&s->cond, &s->lock, end) || *field != 0;
  ok = *field != 0;
  g_mutex_unlock (&s->lock);
  return ok;
}

static gchar *
bus_error (GstElement * p)
{
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gchar *text = NULL;

  if (msg) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    text = g_strdup (err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return text;
}

/* --- stop latency --- */

static gboolean
stop_series (Bench * b, SeedanceSim * sim, const gchar * id, gboolean download,
    guint n, GArray * ms)
{
  guint i;

  for (i = 0; i < n; i++) {
    Stamps s;
    GstElement *p;
    gint64 t0, t1;
    gdouble v;
    gboolean reached;
    GstStateChangeReturn ret;

    g_mutex_init (&s.lock);
    g_cond_init (&s.cond);
    if (download) {
      SeedanceSimFaultParams fp = { 0, };

      fp.bytes = 1000000;
      seedance_sim_add_fault (sim, SEEDANCE_SIM_VIDEO,
          SEEDANCE_SIM_FAULT_STALL_AFTER, 1, &fp);
    }
    p = stamped_pipeline (b, sim, id, 5000, &s);
    if (p == NULL)
      return FALSE;
    gst_element_set_state (p, GST_STATE_PLAYING);
    reached = wait_stamp (&s, download ? &s.t_first_buffer : &s.t_status,
        10000);
    if (!reached) {
      gchar *err = bus_error (p);

      fail (b, "stop latency: the element never reached %s%s%s",
          download ? "its download" : "its polling", err ? ": " : "",
          err ? err : "");
      g_free (err);
      gst_element_set_state (p, GST_STATE_NULL);
      gst_object_unref (p);
      return FALSE;
    }
    /* Into the wait: the poll interval, or the stalled body. */
    g_usleep (g_random_int_range (download ? 20 : 5, download ? 100 : 200) *
        1000);
    t0 = g_get_monotonic_time ();
    ret = gst_element_set_state (p, GST_STATE_NULL);
    t1 = g_get_monotonic_time ();
    v = (t1 - t0) / 1e3;
    g_array_append_val (ms, v);
    gst_object_unref (p);
    g_mutex_clear (&s.lock);
    g_cond_clear (&s.cond);
    if (ret == GST_STATE_CHANGE_FAILURE) {
      fail (b, "stop latency: the change to NULL failed");
      return FALSE;
    }
  }
  return TRUE;
}

static void
row_stop (Bench * b)
{
  SeedanceSim *sim = sim_start (b);
  guint n = opt_quick ? 20 : 100;
  gchar *queued = NULL, *done = NULL;
  GArray *poll_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *dl_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gboolean ok_poll = FALSE, ok_dl = FALSE;

  g_print ("stop latency: PLAYING->NULL, %u times while polling, %u times "
      "during a stalled download\n", n, n);
  if (sim == NULL)
    goto out;
  queued = sim_task (b, sim, b->small_path, QUEUED_FOREVER_MS, FALSE);
  done = sim_task (b, sim, b->small_path, 10, TRUE);
  if (queued == NULL || done == NULL)
    goto out;
  ok_poll = stop_series (b, sim, queued, FALSE, n, poll_ms);
  ok_dl = stop_series (b, sim, done, TRUE, n, dl_ms);
  seedance_sim_clear_faults (sim);

out:
  if (ok_poll)
    add_row (b, g_strdup_printf ("stop latency while polling, %u stops", n),
        g_strdup_printf ("p99 %.1f ms (p50 %.1f, max %.1f)",
            percentile (poll_ms, 99), median (poll_ms), array_max (poll_ms)),
        NULL, NULL, "p99 < 50 ms", yes_no (percentile (poll_ms, 99) < 50));
  else
    add_row (b, g_strdup ("stop latency while polling"),
        g_strdup ("not measured"), NULL, NULL, "p99 < 50 ms", "NO");
  if (ok_dl)
    add_row (b, g_strdup_printf ("stop latency during a download, %u stops",
            n), g_strdup_printf ("p99 %.1f ms (p50 %.1f, max %.1f)",
            percentile (dl_ms, 99), median (dl_ms), array_max (dl_ms)), NULL,
        NULL, "p99 < 50 ms", yes_no (percentile (dl_ms, 99) < 50));
  else
    add_row (b, g_strdup ("stop latency during a download"),
        g_strdup ("not measured"), NULL, NULL, "p99 < 50 ms", "NO");
  g_array_unref (poll_ms);
  g_array_unref (dl_ms);
  g_free (queued);
  g_free (done);
  if (sim)
    seedance_sim_free (sim);
}

/* --- detection to first byte --- */

static void
row_first_byte (Bench * b)
{
  SeedanceSim *sim = sim_start (b);
  guint n = opt_quick ? 5 : 20, i;
  gchar *id = NULL;
  GArray *ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gboolean ok = FALSE;

  g_print ("detection to first byte: %u runs, %.1f MB file\n", n,
      b->small_size / 1e6);
  if (sim == NULL)
    goto out;
  id = sim_task (b, sim, b->small_path, 10, TRUE);
  if (id == NULL)
    goto out;
  for (i = 0; i < n; i++) {
    Stamps s;
    GstElement *p;
    GstBus *bus;
    GstMessage *msg;
    gdouble v;

    g_mutex_init (&s.lock);
    g_cond_init (&s.cond);
    p = stamped_pipeline (b, sim, id, 5000, &s);
    if (p == NULL)
      goto out;
    bus = gst_element_get_bus (p);
    gst_element_set_state (p, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    gst_element_set_state (p, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (p);
    if (msg == NULL || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS ||
        s.t_succeeded == 0 || s.t_first_buffer == 0) {
      fail (b, "first byte: run %u did not end in EOS with both stamps", i + 1);
      if (msg)
        gst_message_unref (msg);
      goto out;
    }
    gst_message_unref (msg);
    v = (s.t_first_buffer - s.t_succeeded) / 1e3;
    g_array_append_val (ms, v);
    g_mutex_clear (&s.lock);
    g_cond_clear (&s.cond);
  }
  ok = TRUE;

out:
  if (ok)
    add_row (b, g_strdup_printf ("detection to first byte, %u runs", n),
        g_strdup_printf ("median %.1f ms (max %.1f)", median (ms),
            array_max (ms)), NULL, NULL, "median < 20 ms",
        yes_no (median (ms) < 20));
  else
    add_row (b, g_strdup ("detection to first byte"),
        g_strdup ("not measured"), NULL, NULL, "median < 20 ms", "NO");
  g_array_unref (ms);
  g_free (id);
  if (sim)
    seedance_sim_free (sim);
}

/* --- detection to first byte, cache on (issue 14's twin) --- */

/* The bytes of the regular files under `path`. */
static guint64
tree_size (const gchar * path)
{
  GStatBuf st;
  guint64 total = 0;

  if (g_lstat (path, &st) != 0)
    return 0;
  if (S_ISDIR (st.st_mode)) {
    GDir *dir = g_dir_open (path, 0, NULL);
    const gchar *name;

    while (dir && (name = g_dir_read_name (dir))) {
      gchar *child = g_build_filename (path, name, NULL);

      total += tree_size (child);
      g_free (child);
    }
    if (dir)
      g_dir_close (dir);
  } else if (S_ISREG (st.st_mode)) {
    total = (guint64) st.st_size;
  }
  return total;
}

/* One run from a prompt (a new task each time): with the cache on in an
 * empty directory of its own, so that the clip is downloaded into the spool
 * while it is pushed, or with cache=false.  The time from the "succeeded"
 * message to the first buffer in ms; < 0 when the run failed. */
static gdouble
first_byte_prompt_run (Bench * b, SeedanceSim * sim, guint run, gboolean cache)
{
  gchar *dir = g_strdup_printf ("%s/first-byte-cache-%u", b->tmpdir, run);
  gchar *cache_props = cache ? g_strdup_printf ("cache=true cache-dir=\"%s\"",
      dir) : g_strdup ("cache=false");
  gchar *desc = g_strdup_printf ("seedancesrc name=src base-url=%s "
      "api-key=" API_KEY " prompt=\"first byte %u\" poll-interval=100 %s ! "
      "fakesink name=sink", seedance_sim_get_base_url (sim), run,
      cache_props);
  Stamps s;
  GstElement *p;
  GstBus *bus;
  GstMessage *msg;
  gdouble v = -1;
  guint64 stored;

  g_mutex_init (&s.lock);
  g_cond_init (&s.cond);
  p = stamped_launch (b, desc, &s);
  if (p == NULL)
    goto out;
  bus = gst_element_get_bus (p);
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  if (msg == NULL || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS ||
      s.t_succeeded == 0 || s.t_first_buffer == 0) {
    gchar *err = NULL;

    if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *e = NULL;

      gst_message_parse_error (msg, &e, NULL);
      err = g_strdup (e->message);
      g_error_free (e);
    }
    fail (b, "first byte, cache %s: run %u did not end in EOS with both "
        "stamps%s%s", cache ? "on" : "off", run + 1, err ? ": " : "",
        err ? err : "");
    g_free (err);
  } else if (cache && (stored = tree_size (dir)) < b->small_size) {
    /* Otherwise the row would not be measuring the spool. */
    fail (b, "first byte, cache on: run %u stored %" G_GUINT64_FORMAT
        " bytes in the cache, not the clip", run + 1, stored);
  } else {
    v = (s.t_first_buffer - s.t_succeeded) / 1e3;
  }
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (p);
out:
  g_mutex_clear (&s.lock);
  g_cond_clear (&s.cond);
  rm_rf (dir);
  g_free (desc);
  g_free (cache_props);
  g_free (dir);
  return v;
}

static void
row_first_byte_cache (Bench * b)
{
  SeedanceSim *sim = sim_start (b);
  guint n = opt_quick ? 5 : 20, i;
  GArray *on = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *off = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gboolean ok = FALSE;

  g_print ("detection to first byte, cache on: %u runs, each a new task in "
      "an empty cache, alternating with %u runs with cache=false, %.1f MB "
      "file\n", n, n, b->small_size / 1e6);
  if (sim == NULL)
    goto out;
  seedance_sim_set_video_file (sim, b->small_path);
  seedance_sim_set_schedule (sim, 10, 10);
  for (i = 0; i < 2 * n; i++) {
    gboolean cache = i % 2 == 0;
    gdouble v = first_byte_prompt_run (b, sim, i, cache);

    if (v < 0)
      goto out;
    g_print ("  run %u cache %-3s %6.1f ms\n", i / 2 + 1, cache ? "on" : "off",
        v);
    g_array_append_val (cache ? on : off, v);
  }
  ok = TRUE;

out:
  if (ok)
    add_row (b, g_strdup_printf ("detection to first byte, cache on, %u runs",
            n), g_strdup_printf ("median %.1f ms (max %.1f)", median (on),
            array_max (on)), g_strdup_printf ("cache=false, same path: median "
            "%.1f ms (max %.1f)", median (off), array_max (off)),
        g_strdup_printf ("%.2fx", median (on) / median (off)),
        "median < 20 ms", yes_no (median (on) < 20));
  else
    add_row (b, g_strdup ("detection to first byte, cache on"),
        g_strdup ("not measured"), NULL, NULL, "median < 20 ms", "NO");
  g_array_unref (on);
  g_array_unref (off);
  if (sim)
    seedance_sim_free (sim);
}

/* --- scale --- */

typedef struct
{
  gint64 threads;
  gint64 rss_kib;
  gint64 anon_kib;
  guint fds;
  guint sockets;
  guint sim_sockets;            /* the simulator's side of a connection */
  guint eventfds;
  guint pipes;
} ProcSnap;

/* The inodes of the TCP sockets bound to one of `ports`. */
static GHashTable *
tcp_inodes_on_ports (const guint * ports, guint n_ports)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  const gchar *files[] = { "/proc/self/net/tcp", "/proc/self/net/tcp6" };
  guint f, i, j;

  for (f = 0; f < G_N_ELEMENTS (files); f++) {
    gchar *text = NULL;
    gchar **lines;

    if (!g_file_get_contents (files[f], &text, NULL, NULL))
      continue;
    lines = g_strsplit (text, "\n", -1);
    for (i = 1; lines[i]; i++) {
      gchar **col = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      GPtrArray *c = g_ptr_array_new ();
      const gchar *colon;

      for (j = 0; col[j]; j++)
        if (col[j][0])
          g_ptr_array_add (c, col[j]);
      /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
      if (c->len > 9 && (colon = strrchr (g_ptr_array_index (c, 1), ':'))) {
        guint port = (guint) g_ascii_strtoull (colon + 1, NULL, 16);

        for (j = 0; j < n_ports; j++)
          if (port == ports[j])
            g_hash_table_add (set, g_strdup (g_ptr_array_index (c, 9)));
      }
      g_ptr_array_unref (c);
      g_strfreev (col);
    }
    g_strfreev (lines);
    g_free (text);
  }
  return set;
}

static guint
host_port (const gchar * hostport)
{
  const gchar *colon = hostport ? strrchr (hostport, ':') : NULL;

  return colon ? (guint) g_ascii_strtoull (colon + 1, NULL, 10) : 0;
}

static void
snap (ProcSnap * s, SeedanceSim * sim)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  GHashTable *sim_inodes = NULL;
  const gchar *name;

  memset (s, 0, sizeof (*s));
  s->threads = proc_status_field ("/proc/self/status", "Threads");
  s->rss_kib = proc_status_field ("/proc/self/status", "VmRSS");
  s->anon_kib = proc_status_field ("/proc/self/status", "RssAnon");
  if (sim) {
    guint ports[2];

    ports[0] = host_port (seedance_sim_get_api_host (sim));
    ports[1] = host_port (seedance_sim_get_file_host (sim));
    sim_inodes = tcp_inodes_on_ports (ports, 2);
  }
  while (dir && (name = g_dir_read_name (dir))) {
    gchar *path = g_build_filename ("/proc/self/fd", name, NULL);
    gchar *target = g_file_read_link (path, NULL);

    if (target) {
      s->fds++;
      if (g_str_has_prefix (target, "socket:[")) {
        gchar *inode = g_strndup (target + 8, strlen (target) - 9);

        s->sockets++;
        if (sim_inodes && g_hash_table_contains (sim_inodes, inode))
          s->sim_sockets++;
        g_free (inode);
      } else if (strstr (target, "eventfd")) {
        s->eventfds++;
      } else if (g_str_has_prefix (target, "pipe:")) {
        s->pipes++;
      }
    }
    g_free (target);
    g_free (path);
  }
  if (dir) {
    g_dir_close (dir);
    s->fds--;                   /* the directory's own */
  }
  if (sim_inodes)
    g_hash_table_unref (sim_inodes);
}

static void
row_scale (Bench * b)
{
  SeedanceSim *sim = sim_start (b);
  const guint n = 100;
  guint queued_ms = opt_quick ? 8000 : 15000;
  GstElement *pipes[100];
  gboolean ended[100];
  guint i, eos = 0, errors = 0, created = 0, waiting = 0;
  ProcSnap before = { 0, }, built = { 0, }, during = { 0, }, after = { 0, },
      trimmed = { 0, };
  gint64 t0, end, cpu0 = 0, cpu1 = 0, tw0 = 0, tw1 = 0;
  gdouble th_per, kib_per, fds_per, stream_cpu_ms_min = 0;
  gchar *first_error = NULL;
  gboolean measured = FALSE;

  memset (pipes, 0, sizeof (pipes));
  memset (ended, 0, sizeof (ended));
  g_print ("scale: %u seedancesrc in this process, each creating its own "
      "task (queued %u ms)\n", n, queued_ms);
  if (sim == NULL)
    goto out;
  seedance_sim_set_video_file (sim, b->small_path);
  seedance_sim_set_schedule (sim, queued_ms, 100);

  /* Let the thread pools of earlier rows settle. */
  g_usleep (1000 * 1000);
  snap (&before, sim);
  t0 = g_get_monotonic_time ();
  for (i = 0; i < n; i++) {
    gchar *desc = g_strdup_printf ("seedancesrc name=sd%u base-url=%s "
        "api-key=" API_KEY " prompt=\"scale %u\" poll-interval=1000 "
        "cache=false ! fakesink", i, seedance_sim_get_base_url (sim), i);
    GError *err = NULL;

    pipes[i] = gst_parse_launch (desc, &err);
    g_free (desc);
    if (pipes[i] == NULL) {
      fail (b, "scale: cannot build pipeline %u: %s", i, err->message);
      g_error_free (err);
      goto out;
    }
  }
  /* The pipelines in NULL: what is left is what the elements take when
   * they run (each pipeline's bus holds a socketpair of its own). */
  snap (&built, sim);
  for (i = 0; i < n; i++)
    gst_element_set_state (pipes[i], GST_STATE_PLAYING);

  /* While they wait: every task created and queried at least once. */
  end = t0 + 60 * G_USEC_PER_SEC;
  do {
    g_usleep (50 * 1000);
    created = seedance_sim_count_requests (sim, SEEDANCE_SIM_CREATE);
  } while (created < n && g_get_monotonic_time () < end);
  g_usleep (1500 * 1000);
  waiting = 0;
  for (i = 0; i < n; i++) {
    gchar *name = g_strdup_printf ("sd%u", i);
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipes[i]), name);
    gchar *status = NULL;

    g_object_get (src, "status", &status, NULL);
    if (g_strcmp0 (status, "queued") == 0)
      waiting++;
    g_free (status);
    g_free (name);
    gst_object_unref (src);
  }
  if ((g_get_monotonic_time () - t0) / 1000 + 3000 < queued_ms) {
    snap (&during, sim);
    tw0 = g_get_monotonic_time ();
    cpu0 = threads_cpu_ns (0, "sd");
    g_usleep (2000 * 1000);
    cpu1 = threads_cpu_ns (0, "sd");
    tw1 = g_get_monotonic_time ();
    measured = TRUE;
  } else {
    fail (b, "scale: creating %u tasks took too long to measure them "
        "waiting (%u created)", n, created);
  }
  g_print ("  %u created, %u queued when measured\n", created, waiting);

  /* Then they all finish. */
  end = g_get_monotonic_time () + (queued_ms + 120000) * (gint64) 1000;
  while (eos + errors < n && g_get_monotonic_time () < end) {
    for (i = 0; i < n; i++) {
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
      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
        eos++;
      } else {
        GError *err = NULL;

        errors++;
        gst_message_parse_error (msg, &err, NULL);
        if (first_error == NULL)
          first_error = g_strdup_printf ("pipeline %u: %s", i, err->message);
        g_error_free (err);
      }
      gst_message_unref (msg);
    }
    g_usleep (20 * 1000);
  }
  g_print ("  %u EOS, %u errors after %.1f s\n", eos, errors,
      (g_get_monotonic_time () - t0) / 1e6);

out:
  for (i = 0; i < n; i++) {
    if (pipes[i]) {
      gst_element_set_state (pipes[i], GST_STATE_NULL);
      gst_object_unref (pipes[i]);
    }
  }
  if (sim) {
    seedance_sim_free (sim);
    sim = NULL;
  }
  /* Pool threads linger half a second after their task. */
  g_usleep (1500 * 1000);
  snap (&after, NULL);
  /* What of that is only malloc keeping freed memory. */
  malloc_trim (0);
  snap (&trimmed, NULL);

  add_row (b, g_strdup_printf ("scale: %u elements, each its own task, EOS",
          n), g_strdup_printf ("%u/%u", eos, n), NULL, NULL,
      "all succeed", yes_no (eos == n));
  if (first_error)
    add_note (b, "scale: %u errors, the first: %s", errors, first_error);
  if (measured) {
    th_per = (during.threads - built.threads) / (gdouble) n;
    kib_per = (during.rss_kib - before.rss_kib) / (gdouble) n;
    fds_per = ((gdouble) during.fds - during.sim_sockets - built.fds +
        built.sim_sockets) / n;
    stream_cpu_ms_min = (cpu1 - cpu0) / 1e6 / n * 60e6 / (tw1 - tw0);
    add_row (b, g_strdup ("scale: threads per waiting element"),
        g_strdup_printf ("%.2f", th_per), NULL, NULL,
        "<= 1 (its streaming thread)", yes_no (th_per <= 1.0));
    add_row (b, g_strdup ("scale: memory per waiting element"),
        g_strdup_printf ("%.0f KiB RSS, %.2f fds", kib_per, fds_per), NULL,
        NULL, NULL, NULL);
    add_note (b, "scale: per waiting element, beyond its pipeline in NULL "
        "(%.2f fds, %.0f KiB each): %.2f sockets (the simulator's side not "
        "counted; it holds %.2f more), %.2f eventfds, %.2f pipes; the RSS "
        "per element counts from before the pipelines were built, and "
        "includes the simulator's own state for each task",
        ((gdouble) built.fds - before.fds) / n,
        ((gdouble) built.rss_kib - before.rss_kib) / n,
        ((gdouble) during.sockets - during.sim_sockets - built.sockets +
            built.sim_sockets) / n,
        ((gdouble) during.sim_sockets - built.sim_sockets) / n,
        ((gdouble) during.eventfds - built.eventfds) / n,
        ((gdouble) during.pipes - built.pipes) / n);
    add_row (b, g_strdup ("scale: CPU per waiting element (poll 1 s)"),
        g_strdup_printf ("%.2f ms/min", stream_cpu_ms_min), NULL, NULL, NULL,
        NULL);
    add_note (b, "scale: before %" G_GINT64_FORMAT " threads, %" G_GINT64_FORMAT
        " KiB RSS, %u fds; while %u wait %" G_GINT64_FORMAT " threads, %"
        G_GINT64_FORMAT " KiB, %u fds; after NULL %" G_GINT64_FORMAT
        " threads, %" G_GINT64_FORMAT " KiB (anonymous %" G_GINT64_FORMAT
        " KiB before, %" G_GINT64_FORMAT " KiB now, %" G_GINT64_FORMAT
        " KiB after malloc_trim), %u fds", before.threads, before.rss_kib,
        before.fds, waiting, during.threads, during.rss_kib, during.fds,
        after.threads, after.rss_kib, before.anon_kib, after.anon_kib,
        trimmed.anon_kib, after.fds);
  } else {
    add_row (b, g_strdup ("scale: threads per waiting element"),
        g_strdup ("not measured"), NULL, NULL,
        "<= 1 (its streaming thread)", "NO");
  }
  g_free (first_error);
}

/* --- output --- */

/* The rows of one table (`group` NULL: the main one), on stdout and into
 * `md`. */
static void
print_group (Bench * b, const gchar * group, const gchar * const *head,
    GString * md)
{
  gsize w[6];
  guint i, c;

  for (c = 0; c < 6; c++)
    w[c] = g_utf8_strlen (head[c], -1);
  for (i = 0; i < b->rows->len; i++) {
    Row *r = g_ptr_array_index (b->rows, i);
    const gchar *cells[6] = { r->figure, r->value, r->peer, r->ratio, r->goal,
      r->met
    };

    if (g_strcmp0 (r->group, group) != 0)
      continue;
    for (c = 0; c < 6; c++)
      w[c] = MAX (w[c], (gsize) g_utf8_strlen (cells[c], -1));
  }

  for (c = 0; c < 6; c++)
    g_print ("%s%-*s", c ? " | " : "", (int) w[c], head[c]);
  g_print ("\n");
  for (c = 0; c < 6; c++) {
    gchar *dash = g_strnfill (w[c], '-');

    g_print ("%s%s", c ? "-|-" : "", dash);
    g_free (dash);
  }
  g_print ("\n");
  g_string_append_printf (md, "| %s | %s | %s | %s | %s | %s |\n"
      "|---|---|---|---|---|---|\n", head[0], head[1], head[2], head[3],
      head[4], head[5]);
  for (i = 0; i < b->rows->len; i++) {
    Row *r = g_ptr_array_index (b->rows, i);
    const gchar *cells[6] = { r->figure, r->value, r->peer, r->ratio, r->goal,
      r->met
    };

    if (g_strcmp0 (r->group, group) != 0)
      continue;
    for (c = 0; c < 6; c++) {
      gsize len = g_utf8_strlen (cells[c], -1);

      g_print ("%s%s%*s", c ? " | " : "", cells[c], (int) (w[c] - len), "");
    }
    g_print ("\n");
    g_string_append_printf (md, "| %s | %s | %s | %s | %s | %s |\n",
        r->figure, r->value, r->peer, r->ratio, r->goal, r->met);
  }
}

static gboolean
group_has_rows (Bench * b, const gchar * group)
{
  guint i;

  for (i = 0; i < b->rows->len; i++) {
    Row *r = g_ptr_array_index (b->rows, i);

    if (g_strcmp0 (r->group, group) == 0)
      return TRUE;
  }
  return FALSE;
}

static void
print_table (Bench * b, const gchar * machine, const gchar * command,
    const gchar * load0, const gchar * load1, gdouble total_s)
{
  const gchar *head[6] = { "figure", "seedancesrc", "peer", "ratio", "goal",
    "met"
  };
  guint i;
  GString *md = g_string_new (NULL);

  g_print ("\n");
  if (group_has_rows (b, NULL) || b->groups->len == 0)
    print_group (b, NULL, head, md);
  for (i = 0; i < b->groups->len; i++) {
    BenchGroup *g = g_ptr_array_index (b->groups, i);
    const gchar *ghead[6] = { "figure", "seedancesrc", g->peer_head, "ratio",
      "goal", "met"
    };

    if (!group_has_rows (b, g->name))
      continue;
    g_print ("\n%s\n\n", g->title);
    g_string_append_printf (md, "%s%s\n\n", md->len ? "\n" : "", g->title);
    print_group (b, g->name, ghead, md);
  }
  g_print ("\nmachine: %s; load average %s before, %s after; %.0f s\n",
      machine, load0, load1, total_s);
  g_print ("command: %s\n", command);
  if (b->notes->len) {
    g_print ("notes:\n");
    for (i = 0; i < b->notes->len; i++)
      g_print ("- %s\n", (gchar *) g_ptr_array_index (b->notes, i));
  }

  if (opt_markdown) {
    GError *err = NULL;

    g_string_append_printf (md, "\nMachine: %s; load average %s before, %s "
        "after.\n\nCommand: `%s`\n", machine, load0, load1, command);
    if (b->notes->len) {
      g_string_append (md, "\nNotes:\n\n");
      for (i = 0; i < b->notes->len; i++)
        g_string_append_printf (md, "- %s\n",
            (gchar *) g_ptr_array_index (b->notes, i));
    }
    if (!g_file_set_contents (opt_markdown, md->str, -1, &err)) {
      g_printerr ("seedance-bench: cannot write %s: %s\n", opt_markdown,
          err->message);
      g_error_free (err);
      b->failed = TRUE;
    }
  }
  g_string_free (md, TRUE);
}

/* Running the binary by hand from the build tree: find the plugin there. */
static void
default_plugin_path (void)
{
  gchar *exe, *dir, *plugin_dir;

  if (g_getenv ("GST_PLUGIN_PATH_1_0") || g_getenv ("GST_PLUGIN_PATH"))
    return;
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe == NULL)
    return;
  dir = g_path_get_dirname (exe);
  plugin_dir = g_build_filename (dir, "..", "..", "plugin", NULL);
  if (g_file_test (plugin_dir, G_FILE_TEST_IS_DIR))
    g_setenv ("GST_PLUGIN_PATH_1_0", plugin_dir, TRUE);
  g_free (plugin_dir);
  g_free (dir);
  g_free (exe);
}

static gboolean
want_row (gchar ** rows, const gchar * name)
{
  return rows == NULL || g_strv_contains ((const gchar * const *) rows, name);
}

/* The SEEDANCE_CACHE_DIR of this process and its children. */
static gchar *bench_cache_dir = NULL;

static void
remove_cache_dir (void)
{
  if (bench_cache_dir)
    rm_rf (bench_cache_dir);
  g_clear_pointer (&bench_cache_dir, g_free);
}

int
main (int argc, char **argv)
{
  static const gchar *known[] = { "throughput", "cpu", "memory", "idle",
    "stop", "first-byte", "first-byte-cache", "scale", "fleet", NULL
  };
  GOptionContext *ctx;
  GError *err = NULL;
  Bench bench, *b = &bench;
  gchar **rows = NULL, *machine, *command, *load0, *load1;
  GString *cmd = g_string_new (NULL);
  gint64 t_start = g_get_monotonic_time ();
  GstElementFactory *f;
  guint i;
  int status;

  for (i = 0; i < (guint) argc; i++) {
    gchar *q = g_shell_quote (argv[i]);

    g_string_append_printf (cmd, "%s%s", i ? " " : "", q);
    g_free (q);
  }
  command = g_string_free (cmd, FALSE);

  default_plugin_path ();
  /* Before the helper forks: the children it spawns inherit it. */
  bench_cache_dir = g_dir_make_tmp ("seedance-bench-cache-XXXXXX", &err);
  if (bench_cache_dir == NULL) {
    g_printerr ("seedance-bench: %s\n", err->message);
    return 1;
  }
  /* Also when --help exits from the option parsing. */
  atexit (remove_cache_dir);
  g_setenv ("SEEDANCE_CACHE_DIR", bench_cache_dir, TRUE);
  if (!helper_start ()) {
    g_printerr ("seedance-bench: cannot fork the spawning helper: %s\n",
        g_strerror (errno));
    return 1;
  }
  ctx = g_option_context_new ("- measure seedancesrc against its peers");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("seedance-bench: %s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (opt_rows) {
    rows = g_strsplit (opt_rows, ",", -1);
    for (i = 0; rows[i]; i++) {
      g_strstrip (rows[i]);
      if (!g_strv_contains (known, rows[i])) {
        g_printerr ("seedance-bench: unknown row \"%s\" (rows: throughput, "
            "cpu, memory, idle, stop, first-byte, first-byte-cache, scale, "
            "fleet)\n", rows[i]);
        return 2;
      }
    }
  }

  memset (b, 0, sizeof (*b));
  b->quick = opt_quick;
  b->fleet_clips = opt_fleet_clips;
  b->groups = g_ptr_array_new_with_free_func (group_free);
  b->rows = g_ptr_array_new_with_free_func (row_free);
  b->notes = g_ptr_array_new_with_free_func (g_free);
  machine = machine_line ();
  load0 = load_average ();
  g_print ("seedance-bench on %s\nload average %s\n", machine, load0);

  f = gst_element_factory_find ("seedancesrc");
  if (f == NULL) {
    g_printerr ("seedance-bench: no seedancesrc: set GST_PLUGIN_PATH_1_0 to "
        "the build tree's plugin directory\n");
    return 1;
  }
  gst_object_unref (f);

  b->tmpdir = g_dir_make_tmp ("seedance-bench-XXXXXX", &err);
  if (b->tmpdir == NULL) {
    g_printerr ("seedance-bench: %s\n", err->message);
    return 1;
  }
  b->stderr_path = g_build_filename (b->tmpdir, "child-stderr.txt", NULL);
  b->big_path = g_build_filename (b->tmpdir, "big.mp4", NULL);
  b->small_path = g_build_filename (b->tmpdir, "small.mp4", NULL);

  g_print ("generating the files in %s\n", b->tmpdir);
  if (!make_mp4 (b, b->small_path, 1920, 1080, SMALL_FRAMES, &b->small_size))
    goto done;
  if ((want_row (rows, "throughput") || want_row (rows, "cpu") ||
          want_row (rows, "memory")) &&
      !make_mp4 (b, b->big_path, 1920, 1080,
          opt_quick ? BIG_FRAMES_QUICK : BIG_FRAMES, &b->big_size))
    goto done;

  if (want_row (rows, "throughput") || want_row (rows, "cpu"))
    row_throughput (b, want_row (rows, "throughput"), want_row (rows, "cpu"));
  if (want_row (rows, "memory"))
    row_memory (b);
  if (want_row (rows, "idle"))
    row_idle (b);
  if (want_row (rows, "stop"))
    row_stop (b);
  if (want_row (rows, "first-byte"))
    row_first_byte (b);
  if (want_row (rows, "first-byte") || want_row (rows, "first-byte-cache"))
    row_first_byte_cache (b);
  if (want_row (rows, "scale"))
    row_scale (b);
  if (want_row (rows, "fleet"))
    row_fleet (b);

done:
  load1 = load_average ();
  print_table (b, machine, command, load0, load1,
      (g_get_monotonic_time () - t_start) / 1e6);
  helper_stop ();
  if (b->tmpdir)
    rm_rf (b->tmpdir);
  status = b->failed ? 1 : 0;

  g_ptr_array_unref (b->groups);
  g_ptr_array_unref (b->rows);
  g_ptr_array_unref (b->notes);
  g_free (b->tmpdir);
  g_free (b->stderr_path);
  g_free (b->big_path);
  g_free (b->small_path);
  g_free (machine);
  g_free (command);
  g_free (load0);
  g_free (load1);
  g_strfreev (rows);
  g_free (opt_rows);
  g_free (opt_markdown);
  gst_deinit ();
  return status;
}
