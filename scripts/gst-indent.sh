#!/usr/bin/env bash
# Formats C files as GStreamer does: GNU indent (Debian package `indent`)
# with gst-indent's flags.  Headers are left alone (indent misreads
# G_BEGIN_DECLS); wrap printf-attribute prototypes in INDENT-OFF/ON.
#   bash scripts/gst-indent.sh plugin/*.c plugin/seedance/*.c
set -euo pipefail
for f in "$@"; do
  indent --braces-on-if-line --case-brace-indentation0 --case-indentation2 \
    --braces-after-struct-decl-line --line-length80 --no-tabs --cuddle-else \
    --dont-line-up-parentheses --continuation-indentation4 --honour-newlines \
    --tab-size8 --indent-level2 --leave-preprocessor-space "$f" -o "$f.indent"
  mv "$f.indent" "$f"
done
