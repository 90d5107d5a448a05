#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 The gst-seedance developers
# Runs the fuzz target for a fixed number of inputs, starting from the
# checked-in corpus; what it finds goes to a scratch directory, never into
# the corpus.
set -euo pipefail
target="$1"
corpus="$2"
runs="${3:-20000}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$target" -runs="$runs" -seed=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  "$scratch" "$corpus"
