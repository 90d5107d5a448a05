/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers
 */
/* seedancesrc: a text prompt (and reference media) in, a generated MP4 out. */
#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasesrc.h>

G_BEGIN_DECLS

#define GST_TYPE_SEEDANCE_SRC (gst_seedance_src_get_type ())
G_DECLARE_FINAL_TYPE (GstSeedanceSrc, gst_seedance_src, GST, SEEDANCE_SRC,
    GstBaseSrc);

GST_ELEMENT_REGISTER_DECLARE (seedancesrc);

G_END_DECLS
