/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* What the row groups of seedance-bench share: the table, the notes, the
 * statistics, the process's own figures and the simulator. */
#pragma once

#include <glib.h>

#include "seedance-sim.h"

G_BEGIN_DECLS

#define API_KEY "sim-key"

typedef struct
{
  gchar *tmpdir;
  gchar *stderr_path;
  gchar *big_path;
  gchar *small_path;
  guint64 big_size;
  guint64 small_size;
  gboolean quick;               /* --quick */
  gint fleet_clips;             /* --fleet-clips, 0: the default */
  const gchar *group;           /* the table add_row () adds to; NULL: main */
  GPtrArray *groups;            /* of BenchGroup*: the tables after the main */
  GPtrArray *rows;              /* of Row* */
  GPtrArray *notes;             /* of gchar* */
  gboolean failed;              /* something could not be measured */
} Bench;

/* A table of its own, printed after the main one. */
typedef struct
{
  gchar *name;
  gchar *title;
  gchar *peer_head;             /* the heading of its peer column */
} BenchGroup;

/* Declares a table for the rows added while b->group is `name`. */
void bench_add_group (Bench * b, const gchar * name, const gchar * title,
    const gchar * peer_head);

/* A row of the current table.  Takes the strings; NULL value, peer or
 * ratio print "-", NULL goal "reported", NULL met "-". */
void add_row (Bench * b, gchar * figure, gchar * value, gchar * peer,
    gchar * ratio, const gchar * goal, const gchar * met);
void add_note (Bench * b, const gchar * format, ...) G_GNUC_PRINTF (2, 3);
/* Something could not be measured: a note, and the exit status 1. */
void fail (Bench * b, const gchar * format, ...) G_GNUC_PRINTF (2, 3);
const gchar *yes_no (gboolean ok);

/* Of a GArray of gdouble; NAN when empty.  percentile: nearest rank. */
gdouble median (GArray * values);
gdouble percentile (GArray * values, gdouble p);
gdouble array_max (GArray * values);

/* A field of a /proc/.../status file, in kB or a count; -1 when missing. */
gint64 proc_status_field (const gchar * path, const gchar * field);

/* Resets this process's peak RSS (VmHWM) to its current RSS; FALSE where
 * the kernel does not allow it. */
gboolean reset_peak_rss (void);

/* A simulator started with API_KEY, NULL (and fail ()) when it cannot. */
SeedanceSim *sim_start (Bench * b);

/* Renders a moov-at-end MP4 of raw UYVY frames and checks that qtdemux
 * plays it. */
gboolean make_mp4 (Bench * b, const gchar * path, guint width, guint height,
    guint frames, guint64 * size);

/* Removes `path` and everything under it; never follows a symbolic link. */
void rm_rf (const gchar * path);

/* The fleet rows (fleet.c): 200 clips from one process under one
 * account's rate limit, seedancesrc against a per-task polling client. */
void row_fleet (Bench * b);

G_END_DECLS
