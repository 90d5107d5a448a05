#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 The gst-seedance developers
#
# Formats C files as GStreamer does: GNU indent (Debian package `indent`)
# with gst-indent's flags.
#   bash scripts/gst-indent.sh FILE.c...   format these files
#   bash scripts/gst-indent.sh             every C file of plugin/, tests/
#                                          and examples/ that git tracks
#   bash scripts/gst-indent.sh --check ... change nothing; list the files
#                                          that are not formatted, exit 1
# Headers are left alone (indent misreads G_BEGIN_DECLS); wrap what indent
# must not touch, such as printf-attribute prototypes, in
# /* *INDENT-OFF* */ ... /* *INDENT-ON* */, which indent honours.
# G_DEFINE_QUARK (name-with-dashes, ...) is protected that way by this
# script itself: indent would turn the quark's name into "name - with -
# dashes", the string then registered.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check=false
if [ "${1:-}" = "--check" ]; then
  check=true
  shift
fi
if [ $# -eq 0 ]; then
  mapfile -t files < <(cd "$here" && git ls-files -- 'plugin/*.c' \
    'tests/*.c' 'examples/*.c' | sed "s|^|$here/|")
else
  files=("$@")
fi

off='/* *INDENT-OFF* (gst-indent.sh) */'
on='/* *INDENT-ON* (gst-indent.sh) */'
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

status=0
for f in "${files[@]}"; do
  # Wrap each G_DEFINE_QUARK statement (to its ";") in our own markers.
  # (Not inside a region the file already keeps from indent.)
  awk -v off="$off" -v on="$on" '
    /\*INDENT-OFF\*/ { kept = 1 }
    /\*INDENT-ON\*/ { kept = 0 }
    !kept && /^[ \t]*G_DEFINE_QUARK[ \t]*\(/ { print off; quark = 1 }
    { print }
    quark && /;/ { print on; quark = 0 }
  ' "$f" > "$scratch/in.c"
  indent --braces-on-if-line --case-brace-indentation0 --case-indentation2 \
    --braces-after-struct-decl-line --line-length80 --no-tabs --cuddle-else \
    --dont-line-up-parentheses --continuation-indentation4 --honour-newlines \
    --tab-size8 --indent-level2 --leave-preprocessor-space \
    "$scratch/in.c" -o "$scratch/out.c"
  grep -vxF -e "$off" -e "$on" "$scratch/out.c" > "$scratch/new.c" || true
  if $check; then
    if ! cmp -s "$f" "$scratch/new.c"; then
      echo "not formatted: $f"
      status=1
    fi
  elif ! cmp -s "$f" "$scratch/new.c"; then
    cat "$scratch/new.c" > "$f"
  fi
done
exit $status
