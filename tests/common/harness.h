/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* Helpers the element's test suites share: a simulator per test, pipelines
 * run to their end, the messages they posted. */
#pragma once

#include <gio/gio.h>
#include <gst/check/gstcheck.h>
#include "seedance-sim.h"

G_BEGIN_DECLS

#define TEST_API_KEY "sim-key"

/* The exit status meson reads as SKIP. */
#define TEST_EXIT_SKIP 77

/* What the simulator renders its clips with, and its audio with. */
#define TEST_SIM_ELEMENTS "videotestsrc", "textoverlay", "videoconvert", \
    "x264enc", "h264parse", "mp4mux", "filesink", "pngenc"
#define TEST_SIM_AUDIO_ELEMENTS "audiotestsrc", "audioconvert", \
    "avenc_aac", "aacparse"
/* What decodes the simulator's clips. */
#define TEST_DECODE_ELEMENTS "qtdemux", "decodebin", "avdec_h264", "avdec_aac"

/* TRUE when GStreamer has every element factory of the NULL-terminated
 * list.  Otherwise prints a line naming each one missing, with the Debian
 * package that has it, and returns FALSE: a suite that needs them then
 * exits with TEST_EXIT_SKIP before running anything (see
 * TEST_CHECK_MAIN_REQUIRING). */
gboolean test_have_elements (const gchar * first, ...) G_GNUC_NULL_TERMINATED;

/* TRUE when the program is on PATH; otherwise prints a line and returns
 * FALSE. */
gboolean test_have_program (const gchar * name, const gchar * package);

/* GST_CHECK_MAIN (name), skipping the whole suite (exit TEST_EXIT_SKIP, one
 * line per missing element) unless every element listed is installed. */
#define TEST_CHECK_MAIN_REQUIRING(name, ...)                            \
int main (int argc, char **argv)                                        \
{                                                                       \
  gst_check_init (&argc, &argv);                                        \
  if (!test_have_elements (__VA_ARGS__, NULL))                          \
    return TEST_EXIT_SKIP;                                              \
  return gst_check_run_suite (name ## _suite (), # name, __FILE__);     \
}

/* A started simulator with a fast schedule (queued 100 ms, running 300 ms). */
SeedanceSim *test_sim_new (void);

/* "seedancesrc base-url=... api-key=... poll-interval=100" followed by
 * `rest`, parsed into a pipeline; the source is named "src". */
GstElement *test_pipeline_new (SeedanceSim * sim, const gchar * rest);
GstElement *test_pipeline_get_src (GstElement * pipeline);

/* Sets PLAYING and waits for EOS or an error (or `timeout_s`); returns that
 * message (EOS/ERROR, or NULL on timeout), sets the pipeline to NULL.  All
 * the element messages seen are appended to `messages` when not NULL. */
GstMessage *test_pipeline_run (GstElement * pipeline, guint timeout_s,
    GPtrArray * messages);

/* Waits on the bus for an element message named `name` (posted by the
 * source) whose "event" field, when `event` is not NULL, equals it. */
GstMessage *test_wait_for_task_message (GstElement * pipeline,
    const gchar * event, guint timeout_s);

/* The bodies of the creates the simulator received, in order. */
GPtrArray *test_sim_create_bodies (SeedanceSim * sim);

/* Asserts that an error message is of `domain`/`code` and that its text
 * contains `needle` (when not NULL); never the API key. */
void test_assert_error (GstMessage * msg, GQuark domain, gint code,
    const gchar * needle);

/* Asserts that a run ended in EOS; an error fails the test with its text. */
void test_assert_eos (GstMessage * msg);

/* The first message in `messages` whose structure is named `name` and, when
 * `event` is not NULL, whose "event" field equals it. */
const GstStructure *test_find_message (GPtrArray * messages,
    const gchar * name, const gchar * event);

/* Sets the pipeline to NULL and returns how long that took, in ms. */
gdouble test_time_to_null (GstElement * pipeline);

/* A TCP socket bound to a free loopback port, listening when `listen`;
 * `*port` receives the port. */
GSocket *test_loopback_socket (gboolean listen, guint * port);

gchar *test_write_temp_file (const gchar * name, const guint8 * data,
    gsize len);

/* The next `want` bytes an appsink gets (fewer if no sample comes within
 * `timeout`). */
GBytes *test_pull_bytes (GstElement * appsink, gsize want,
    GstClockTime timeout);

/* A flushing BYTES seek of `pipeline` to `offset`, then checks that what
 * its appsink gets next (300000 bytes, or to the end) is `file` there;
 * `timeout` bounds the wait for each sample. */
void test_seek_and_check (GstElement * pipeline, GstElement * appsink,
    GBytes * file, guint64 offset, GstClockTime timeout);

G_END_DECLS
