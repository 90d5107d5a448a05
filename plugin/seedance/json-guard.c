/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* A look at JSON text before parsing it. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "json-guard.h"

gboolean
seedance_json_depth_ok (const gchar * data, gsize len)
{
  gint depth = 0;
  gboolean in_string = FALSE;
  gsize i;

  for (i = 0; i < len; i++) {
    gchar c = data[i];

    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      if (++depth > SEEDANCE_JSON_MAX_DEPTH)
        return FALSE;
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  return TRUE;
}
