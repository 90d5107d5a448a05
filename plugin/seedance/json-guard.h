/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* What must hold of any JSON text before json-glib parses it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The deepest nesting accepted: json-glib parses recursively, so a hostile
 * text of a million '[' would otherwise exhaust the stack. */
#define SEEDANCE_JSON_MAX_DEPTH 64

/* TRUE when no array or object in `data` nests deeper than
 * SEEDANCE_JSON_MAX_DEPTH (strings and escapes taken into account). */
gboolean seedance_json_depth_ok (const gchar * data, gsize len);

G_END_DECLS
