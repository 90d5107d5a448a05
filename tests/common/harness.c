/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
#include "harness.h"
#include "tmpdir.h"

#include <gst/app/gstappsink.h>

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

static gchar *test_cache_dir;

static void
remove_test_cache_dir (void)
{
  if (test_cache_dir)
    test_remove_tree (test_cache_dir);
  g_clear_pointer (&test_cache_dir, g_free);
}

/* The element's cache is on by default: each test (a process of its own
 * under check's fork mode) gets an empty one, so that no test is served a
 * clip another made. */
static void
use_fresh_cache_dir (void)
{
  if (test_cache_dir)
    return;
  test_cache_dir = g_dir_make_tmp ("seedance-test-cache-XXXXXX", NULL);
  fail_unless (test_cache_dir != NULL);
  g_setenv ("SEEDANCE_CACHE_DIR", test_cache_dir, TRUE);
  atexit (remove_test_cache_dir);
}

SeedanceSim *
test_sim_new (void)
{
  SeedanceSim *sim = seedance_sim_new ();
  GError *err = NULL;

  use_fresh_cache_dir ();
  seedance_sim_set_schedule (sim, 100, 300);
  fail_unless (seedance_sim_start (sim, 0, &err), "simulator: %s",
      err ? err->message : "?");
  return sim;
}

GstElement *
test_pipeline_new (SeedanceSim * sim, const gchar * rest)
{
  GError *err = NULL;
  gchar *desc = g_strdup_printf ("seedancesrc name=src base-url=\"%s\" "
      "api-key=" TEST_API_KEY " poll-interval=100 %s",
      seedance_sim_get_base_url (sim), rest);
  GstElement *pipeline = gst_parse_launch_full (desc, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &err);

  fail_unless (pipeline != NULL, "cannot parse '%s': %s", desc,
      err ? err->message : "?");
  g_free (desc);
  use_fresh_cache_dir ();
  return pipeline;
}

GstElement *
test_pipeline_get_src (GstElement * pipeline)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");

  fail_unless (src != NULL);
  /* The pipeline keeps it alive for the test's needs. */
  gst_object_unref (src);
  return src;
}

GstMessage *
test_pipeline_run (GstElement * pipeline, guint timeout_s, GPtrArray * messages)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *result = NULL;
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (result == NULL) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *msg;

    if (left <= 0)
      break;
    msg = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT |
        GST_MESSAGE_PROGRESS | GST_MESSAGE_WARNING);
    if (msg == NULL)
      break;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS ||
        GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      result = msg;
    } else if (messages) {
      g_ptr_array_add (messages, msg);
    } else {
      gst_message_unref (msg);
    }
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return result;
}

GstMessage *
test_wait_for_task_message (GstElement * pipeline, const gchar * event,
    guint timeout_s)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  GstMessage *found = NULL;

  while (found == NULL) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *msg;
    const GstStructure *s;

    if (left <= 0)
      break;
    msg = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    if (msg == NULL)
      break;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;

      gst_message_parse_error (msg, &err, NULL);
      fail ("error while waiting for %s: %s", event, err->message);
    }
    s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "seedance-task") && (event == NULL ||
            g_strcmp0 (gst_structure_get_string (s, "event"), event) == 0))
      found = msg;
    else
      gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return found;
}

GPtrArray *
test_sim_create_bodies (SeedanceSim * sim)
{
  GPtrArray *reqs = seedance_sim_get_requests (sim);
  GPtrArray *bodies = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; i < reqs->len; i++) {
    SeedanceSimRequest *r = g_ptr_array_index (reqs, i);

    if (r->endpoint == SEEDANCE_SIM_CREATE)
      g_ptr_array_add (bodies, g_strdup (r->body));
  }
  g_ptr_array_unref (reqs);
  return bodies;
}

void
test_assert_error (GstMessage * msg, GQuark domain, gint code,
    const gchar * needle)
{
  GError *err = NULL;
  gchar *debug = NULL;

  fail_unless (msg != NULL, "expected an error, got a timeout");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (err->domain == domain && err->code == code,
      "expected %s %d, got %s %d: %s", g_quark_to_string (domain), code,
      g_quark_to_string (err->domain), err->code, err->message);
  if (needle)
    fail_unless (strstr (err->message, needle) != NULL,
        "error \"%s\" does not contain \"%s\"", err->message, needle);
  fail_if (strstr (err->message, TEST_API_KEY) != NULL);
  fail_if (debug && strstr (debug, TEST_API_KEY) != NULL);
  g_error_free (err);
  g_free (debug);
}

void
test_assert_eos (GstMessage * msg)
{
  fail_unless (msg != NULL, "timeout");
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    fail ("error: %s", err->message);
  }
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
}

const GstStructure *
test_find_message (GPtrArray * messages, const gchar * name,
    const gchar * event)
{
  guint i;

  for (i = 0; i < messages->len; i++) {
    const GstStructure *s =
        gst_message_get_structure (g_ptr_array_index (messages, i));

    if (s && gst_structure_has_name (s, name) && (event == NULL ||
            g_strcmp0 (gst_structure_get_string (s, "event"), event) == 0))
      return s;
  }
  return NULL;
}

gdouble
test_time_to_null (GstElement * pipeline)
{
  gint64 t0 = g_get_monotonic_time ();

  gst_element_set_state (pipeline, GST_STATE_NULL);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

GSocket *
test_loopback_socket (gboolean listen, guint * port)
{
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0), *bound;

  fail_unless (g_socket_bind (sock, addr, TRUE, NULL));
  if (listen)
    fail_unless (g_socket_listen (sock, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);
  return sock;
}

gchar *
test_write_temp_file (const gchar * name, const guint8 * data, gsize len)
{
  gchar *dir = g_dir_make_tmp ("seedance-test-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, name, NULL);

  fail_unless (g_file_set_contents (path, (const gchar *) data, len, NULL));
  g_free (dir);
  return path;
}

/* Where Debian has each element the suites may miss. */
static const gchar *
element_package (const gchar * name)
{
  static const struct
  {
    const gchar *prefix;
    const gchar *package;
  } packages[] = {
    {"avdec_", "gstreamer1.0-libav"}, {"avenc_", "gstreamer1.0-libav"},
    {"x264enc", "gstreamer1.0-plugins-ugly"},
    {"h264parse", "gstreamer1.0-plugins-bad"},
    {"mpegtsmux", "gstreamer1.0-plugins-bad"},
    {"aacparse", "gstreamer1.0-plugins-good"},
    {"mp4mux", "gstreamer1.0-plugins-good"},
    {"qtdemux", "gstreamer1.0-plugins-good"},
    {"pngenc", "gstreamer1.0-plugins-good"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (packages); i++)
    if (g_str_has_prefix (name, packages[i].prefix))
      return packages[i].package;
  return "gstreamer1.0-plugins-base";
}

gboolean
test_have_elements (const gchar * first, ...)
{
  const gchar *name;
  gboolean all = TRUE;
  va_list args;

  va_start (args, first);
  for (name = first; name; name = va_arg (args, const gchar *))
  {
    GstElementFactory *f = gst_element_factory_find (name);

    if (f) {
      gst_object_unref (f);
    } else {
      g_print ("SKIP: the GStreamer element %s is not installed (Debian "
          "package %s)\n", name, element_package (name));
      all = FALSE;
    }
  }
  va_end (args);
  return all;
}

gboolean
test_have_program (const gchar * name, const gchar * package)
{
  gchar *path = g_find_program_in_path (name);
  gboolean found = path != NULL;

  if (!found)
    g_print ("SKIP: %s is not on PATH (Debian package %s)\n", name, package);
  g_free (path);
  return found;
}

GBytes *
test_pull_bytes (GstElement * appsink, gsize want, GstClockTime timeout)
{
  GByteArray *acc = g_byte_array_new ();

  while (acc->len < want) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (appsink),
        timeout);
    GstMapInfo map;
    GstBuffer *buf;

    if (sample == NULL)
      break;
    buf = gst_sample_get_buffer (sample);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (acc, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  return g_byte_array_free_to_bytes (acc);
}

void
test_seek_and_check (GstElement * pipeline, GstElement * appsink,
    GBytes * file, guint64 offset, GstClockTime timeout)
{
  gsize size = g_bytes_get_size (file);
  gsize want = MIN (300000, size - offset);
  GBytes *got;

  fail_unless (gst_element_seek (pipeline, 1.0, GST_FORMAT_BYTES,
          GST_SEEK_FLAG_FLUSH, GST_SEEK_TYPE_SET, offset, GST_SEEK_TYPE_NONE,
          -1), "seek to %" G_GUINT64_FORMAT " refused", offset);
  got = test_pull_bytes (appsink, want, timeout);
  fail_unless (g_bytes_get_size (got) >= want, "only %" G_GSIZE_FORMAT
      " bytes after a seek to %" G_GUINT64_FORMAT, g_bytes_get_size (got),
      offset);
  fail_unless (memcmp (g_bytes_get_data (got, NULL),
          (const guint8 *) g_bytes_get_data (file, NULL) + offset, want) == 0,
      "wrong bytes after a seek to %" G_GUINT64_FORMAT, offset);
  g_bytes_unref (got);
}
