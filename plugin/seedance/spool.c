/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 *
 * The spool: GIO streams over a temporary file, a GChecksum over what is
 * written, and a rename to commit.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "spool.h"

#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* How much one copy_from step moves. */
#define COPY_CHUNK (256 * 1024)

struct _SeedanceSpool
{
  gchar *target;
  gchar *temp;                  /* NULL once committed */
  gint fd;
  GOutputStream *out;           /* writes, retrying EINTR for us */
  GChecksum *sha256;
  guint64 size;
  gboolean failed;
};

static gboolean
set_errno_error (GError ** error, int saved, const gchar * what,
    const gchar * path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
      "%s \"%s\": %s", what, path, g_strerror (saved));
  return FALSE;
}

SeedanceSpool *
seedance_spool_new (const gchar * target, gint mode, GError ** error)
{
  g_autofree gchar *dir = g_path_get_dirname (target);
  g_autofree gchar *base = g_path_get_basename (target);
  g_autofree gchar *tmpl = g_strdup_printf ("%s/.%s.XXXXXX.part", dir, base);
  SeedanceSpool *spool;
  gint fd;

  /* A free name, opened O_EXCL with `mode` less the umask (not
   * g_mkstemp's fixed 0600: a kept `location` gets what any new file
   * gets). */
  fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, mode);
  if (fd < 0) {
    set_errno_error (error, errno, "cannot create a file in", dir);
    return NULL;
  }

  spool = g_new0 (SeedanceSpool, 1);
  spool->target = g_strdup (target);
  spool->temp = g_steal_pointer (&tmpl);
  spool->fd = fd;
  spool->out = g_unix_output_stream_new (fd, FALSE);
  spool->sha256 = g_checksum_new (G_CHECKSUM_SHA256);
  return spool;
}

SeedanceSpool *
seedance_spool_new_nameless (const gchar * dir, GError ** error)
{
  SeedanceSpool *spool;
  gint fd = -1;

#ifdef O_TMPFILE
  fd = g_open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
  /* A file system without O_TMPFILE: a name, unlinked at once. */
  if (fd < 0) {
    g_autofree gchar *tmpl = g_build_filename (dir, ".gst-seedance-XXXXXX",
        NULL);

    fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
      g_unlink (tmpl);
  }
  if (fd < 0) {
    set_errno_error (error, errno, "cannot create a file in", dir);
    return NULL;
  }
  spool = g_new0 (SeedanceSpool, 1);
  spool->target = g_strdup_printf ("%s/(temporary file)", dir);
  spool->fd = fd;
  spool->out = g_unix_output_stream_new (fd, FALSE);
  spool->sha256 = g_checksum_new (G_CHECKSUM_SHA256);
  return spool;
}

SeedanceSpool *
seedance_spool_open (const gchar * path, GError ** error)
{
  SeedanceSpool *spool;
  struct stat st;
  gint fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0) {
    int saved = errno;

    if (fd >= 0)
      close (fd);
    set_errno_error (error, saved, "cannot read", path);
    return NULL;
  }
  spool = g_new0 (SeedanceSpool, 1);
  spool->target = g_strdup (path);
  spool->fd = fd;
  spool->size = (guint64) st.st_size;
  spool->failed = TRUE;         /* read only */
  return spool;
}

gboolean
seedance_spool_write (SeedanceSpool * spool, const guint8 * data, gsize len,
    GError ** error)
{
  g_autoptr (GError) err = NULL;

  if (spool->failed || spool->out == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "\"%s\" cannot be written to now", spool->target);
    return FALSE;
  }
  if (!g_output_stream_write_all (spool->out, data, len, NULL, NULL, &err)) {
    spool->failed = TRUE;
    g_set_error (error, err->domain, err->code, "cannot write \"%s\": %s",
        spool->target, err->message);
    return FALSE;
  }
  g_checksum_update (spool->sha256, data, (gssize) len);
  spool->size += len;
  return TRUE;
}

gssize
seedance_spool_pread (SeedanceSpool * spool, guint8 * buf, gsize len,
    guint64 offset, GError ** error)
{
  gsize got = 0;

  if (offset >= spool->size)
    return 0;
  len = (gsize) MIN ((guint64) len, spool->size - offset);
  while (got < len) {
    gssize n = pread (spool->fd, buf + got, len - got, (off_t) (offset + got));

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      set_errno_error (error, errno, "cannot read back", spool->target);
      return -1;
    }
    if (n == 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
          "cannot read back \"%s\": it is shorter than what was written",
          spool->target);
      return -1;
    }
    got += (gsize) n;
  }
  return (gssize) got;
}

guint64
seedance_spool_get_size (SeedanceSpool * spool)
{
  return spool->size;
}

gchar *
seedance_spool_get_sha256 (SeedanceSpool * spool)
{
  /* A copy: reading a GChecksum's string closes it for updates. */
  g_autoptr (GChecksum) copy = NULL;

  g_return_val_if_fail (spool->sha256 != NULL, NULL);
  copy = g_checksum_copy (spool->sha256);
  return g_strdup (g_checksum_get_string (copy));
}

gboolean
seedance_spool_copy_from (SeedanceSpool * spool, SeedanceSpool * src,
    GError ** error)
{
  g_autofree guint8 *chunk = g_malloc (COPY_CHUNK);
  guint64 offset = 0;

  while (offset < src->size) {
    gssize n = seedance_spool_pread (src, chunk, COPY_CHUNK, offset, error);

    if (n <= 0 || !seedance_spool_write (spool, chunk, (gsize) n, error))
      return FALSE;
    offset += (guint64) n;
  }
  return TRUE;
}

gboolean
seedance_spool_commit (SeedanceSpool * spool, GError ** error)
{
  g_return_val_if_fail (spool->temp != NULL, FALSE);
  g_return_val_if_fail (!spool->failed, FALSE);

  if (fsync (spool->fd) != 0)
    return set_errno_error (error, errno, "cannot write", spool->target);
  if (g_rename (spool->temp, spool->target) != 0)
    return set_errno_error (error, errno, "cannot write", spool->target);
  g_clear_pointer (&spool->temp, g_free);
  return TRUE;
}

gboolean
seedance_spool_is_committed (SeedanceSpool * spool)
{
  return spool->temp == NULL;
}

const gchar *
seedance_spool_get_target (SeedanceSpool * spool)
{
  return spool->target;
}

void
seedance_spool_free (SeedanceSpool * spool)
{
  if (spool == NULL)
    return;
  g_clear_object (&spool->out);
  close (spool->fd);
  if (spool->temp)
    g_unlink (spool->temp);
  g_clear_pointer (&spool->sha256, g_checksum_free);
  g_free (spool->temp);
  g_free (spool->target);
  g_free (spool);
}
