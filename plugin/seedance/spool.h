/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * A spool: a temporary file beside a target path, written once from start
 * to end, read back at any offset while it is being written, and committed
 * (fsync, then rename over the target) once whole.  Freeing a spool that
 * was not committed removes its file, so a target is whole or absent.
 *
 * It keeps the SHA-256 of what was written, so that a caller storing the
 * file (the clip cache) does not read it all again.
 *
 * GLib and GIO only; no GStreamer.  A spool belongs to one thread.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SeedanceSpool SeedanceSpool;

/* Creates ".NAME.XXXXXX.part" in the directory of `target`, with `mode`
 * (less the umask).  Errors are in G_IO_ERROR / G_FILE_ERROR and name the
 * directory. */
SeedanceSpool *seedance_spool_new (const gchar * target, gint mode,
    GError ** error);

/* A spool with no name in `dir` (O_TMPFILE, else a name unlinked at
 * once): nothing to commit, and nothing a crash leaves behind. */
SeedanceSpool *seedance_spool_new_nameless (const gchar * dir,
    GError ** error);

/* A whole file that exists already (a stored clip), opened for reading
 * only: committed, never written, never removed. */
SeedanceSpool *seedance_spool_open (const gchar * path, GError ** error);

/* Appends.  A failed write (ENOSPC, EFBIG, …) is G_IO_ERROR_NO_SPACE or
 * another G_IO_ERROR code; the spool is unusable after it. */
gboolean seedance_spool_write (SeedanceSpool * spool, const guint8 * data,
    gsize len, GError ** error);

/* Reads up to `len` bytes at `offset` (of what was written).  Returns the
 * count, 0 at the end of what was written, -1 with an error. */
gssize seedance_spool_pread (SeedanceSpool * spool, guint8 * buf, gsize len,
    guint64 offset, GError ** error);

/* Bytes written so far. */
guint64 seedance_spool_get_size (SeedanceSpool * spool);

/* The lowercase hex SHA-256 of what was written (g_free). */
gchar *seedance_spool_get_sha256 (SeedanceSpool * spool);

/* Copies everything `src` holds into `spool` (which must be empty). */
gboolean seedance_spool_copy_from (SeedanceSpool * spool, SeedanceSpool * src,
    GError ** error);

/* fsync, then rename the file over the target.  The spool stays readable
 * (the descriptor is kept) and its file is no longer removed on free. */
gboolean seedance_spool_commit (SeedanceSpool * spool, GError ** error);
gboolean seedance_spool_is_committed (SeedanceSpool * spool);

const gchar *seedance_spool_get_target (SeedanceSpool * spool);

/* Closes; removes the temporary file unless it was committed. */
void seedance_spool_free (SeedanceSpool * spool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeedanceSpool, seedance_spool_free);

G_END_DECLS
