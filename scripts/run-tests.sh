#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 The gst-seedance developers
# Runs every suite of the build under meson and ends with the line
# "N passed, N failed" counting the checks of all suites together.
set -uo pipefail
build="$1"

meson test -C "$build" --print-errorlogs --num-processes 1 "${@:2}"
status=$?

python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, re, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout") or ""
    m = re.findall(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)", out)
    if m:  # libcheck's closing line, every suite's
        checks, failures, errors = map(int, m[-1])
        bad = failures + errors
        if t["result"] != "OK" and bad == 0:
            bad = 1  # crashed or leaked after its checks
        passed += max(checks - failures - errors, 0) if t["result"] == "OK" else max(checks - bad, 0)
        failed += bad
    elif t["result"] == "SKIP":
        skipped += 1
    elif t["result"] == "OK":
        passed += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
