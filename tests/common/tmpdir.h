/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */

/* Temporary directories of the tests, for the element's suites and the
 * client library's alike: GLib only, no GStreamer, no check framework. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Deletes `path`, a file or a directory and everything below it.  A
 * symbolic link is removed, never followed.  What cannot be removed is
 * left; NULL is ignored. */
void test_remove_tree (const gchar * path);

G_END_DECLS
