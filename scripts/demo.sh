#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 The gst-seedance developers
# The demo: a prompt in, a playable MP4 out, through a real pipeline that
# decodes the generated video and encodes it again.
#
# With SEEDANCE_API_KEY set it calls the real service (SEEDANCE_BASE_URL
# chooses another API root); without it, the local simulator stands in.
#
#   bash scripts/demo.sh BUILD_DIR [OUT.mp4] [PROMPT]
set -euo pipefail

build="$1"
out="${2:-seedance-demo.mp4}"
prompt="${3:-A paper boat drifting down a rainy street, cinematic}"
export GST_PLUGIN_PATH="$build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${SEEDANCE_API_KEY:-}" ] && [ -z "${ARK_API_KEY:-}" ]; then
  echo "No SEEDANCE_API_KEY: using the local Seedance simulator."
  fifo="$(mktemp -u)"
  mkfifo "$fifo"
  "$build/tests/simulator/seedance-sim" > "$fifo" &
  sim_pid=$!
  # The simulator prints its address and key first.
  exec 3< "$fifo"
  rm -f "$fifo"
  read -r line1 <&3
  read -r line2 <&3
  export "${line1?}" "${line2?}"
  echo "Simulator at $SEEDANCE_BASE_URL"
else
  echo "Using the Seedance API at ${SEEDANCE_BASE_URL:-https://api.wisgate.ai/api/v3}."
fi

echo "Generating \"$prompt\" into $out ..."
gst-launch-1.0 -e \
  seedancesrc prompt="$prompt" duration=5 resolution=480p ratio=16:9 \
      generate-audio=true poll-interval=1000 \
  ! decodebin name=dec \
  dec. ! queue ! videoconvert ! x264enc speed-preset=veryfast \
       ! video/x-h264,profile=high ! h264parse ! queue ! mux. \
  dec. ! queue ! audioconvert ! audioresample ! avenc_aac ! aacparse \
       ! queue ! mux. \
  mp4mux name=mux ! filesink location="$out"

echo
info="$(gst-discoverer-1.0 "$out")"
echo "$info" | sed -n '1,30p'
# A playable video, or the demo has failed.
echo "$info" | grep -q "video #" || { echo "No video stream in $out" >&2; exit 1; }
echo "Done: $out"
