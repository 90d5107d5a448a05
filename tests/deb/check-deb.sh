#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 The gst-seedance developers
#
# The Debian packages, as a site that installs them gets them: built with
# `bash scripts/bootstrap.sh deb` in a copy of the source tree (so that the
# developer's tree and its parent are untouched), then checked:
#   - dist/ holds both .debs, the .changes and the .buildinfo, and nothing is
#     left beside the copied tree;
#   - gstreamer1.0-seedance, unpacked with dpkg-deb -x, holds the plugin in
#     the multiarch GStreamer directory, and GStreamer loads it from there
#     (GST_PLUGIN_SYSTEM_PATH_1_0 names only that directory);
#   - gst-inspect-1.0 seedancesrc lists the element;
#   - a dry-run=true pipeline runs to its end with no key and no network;
#   - seedance-tools holds both programs and their manual pages, and
#     seedance-generate --dry-run works with the unpacked plugin;
#   - lintian --fail-on error passes on the .changes.
# The packages are built with DEB_BUILD_OPTIONS=nocheck: the test suite they
# would run is the one meson is running now.
#
#   check-deb.sh SOURCE_DIR GST_SYSTEM_PLUGIN_DIR
# Ends with "N passed, N failed"; exit 77 (skip) only when the package tools
# are missing.
set -uo pipefail

src="$1"
system_plugins="$2"

for tool in dpkg-buildpackage dpkg-deb dpkg-architecture dpkg-checkbuilddeps dh lintian; do
  if ! command -v "$tool" > /dev/null; then
    echo "SKIP: $tool is missing (Debian packages dpkg-dev, debhelper, lintian)"
    exit 77
  fi
done

passed=0
failed=0
check() {
  # check NAME COMMAND...: runs COMMAND, counts and prints the result.
  local name="$1"
  shift
  if "$@"; then
    echo "PASS: $name"
    passed=$((passed + 1))
  else
    echo "FAIL: $name"
    failed=$((failed + 1))
  fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/seedance-deb.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The copy sits alone in its parent, so that anything the build leaves
# beside it shows.
parent="$work/parent"
tree="$parent/gst-seedance"
mkdir -p "$tree"

# The source as it is now (committed or not), without build trees and
# ignored files; a plain copy without them when it is not a git checkout.
if git -C "$src" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
    tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$tree" -xf -
else
  tar -C "$src" --exclude='./build*' --exclude='./obj-*' --exclude=./dist \
    --exclude=./debian/tmp --exclude=./.git -cf - . | tar -C "$tree" -xf -
fi

export DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}"
missing="$(cd "$tree" && dpkg-checkbuilddeps -P nocheck 2>&1)"
if [ -n "$missing" ]; then
  echo "FAIL: the Build-Depends are installed: $missing"
  failed=$((failed + 1))
  finish
fi

echo "Building the packages in a copy of the tree ($tree)"
start=$(date +%s)
if ! bash "$tree/scripts/bootstrap.sh" deb > "$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log"
  echo "FAIL: bash scripts/bootstrap.sh deb"
  failed=$((failed + 1))
  finish
fi
echo "PASS: bash scripts/bootstrap.sh deb ($(($(date +%s) - start)) s)"
passed=$((passed + 1))

dist="$tree/dist"
arch="$(dpkg-architecture -qDEB_HOST_ARCH)"
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
version="$(cd "$tree" && dpkg-parsechangelog -S Version)"
plugin_deb="$dist/gstreamer1.0-seedance_${version}_${arch}.deb"
tools_deb="$dist/seedance-tools_${version}_${arch}.deb"
changes="$dist/gst-seedance_${version}_${arch}.changes"
buildinfo="$dist/gst-seedance_${version}_${arch}.buildinfo"

check "dist/ holds both .debs, the .changes and the .buildinfo" \
  test -f "$plugin_deb" -a -f "$tools_deb" -a -f "$changes" -a -f "$buildinfo"
leftovers="$(ls -A "$parent" | grep -vx gst-seedance)"
check "nothing is left beside the source tree${leftovers:+ (found: $leftovers)}" \
  test -z "$leftovers"
# --post-clean: the tree holds no build products after the build.
leftovers="$(cd "$tree" && ls -d obj-* debian/tmp debian/files \
  debian/gstreamer1.0-seedance debian/.debhelper 2> /dev/null)"
check "the package build cleaned up the tree${leftovers:+ (found: $leftovers)}" \
  test -z "$leftovers"

root="$work/root"
dpkg-deb -x "$plugin_deb" "$root"
dpkg-deb -x "$tools_deb" "$root"
plugin_dir="$root/usr/lib/$multiarch/gstreamer-1.0"
check "the plugin is in /usr/lib/$multiarch/gstreamer-1.0" \
  test -f "$plugin_dir/libgstseedance.so"

# GStreamer with the unpacked plugin directory as its only system
# directory, nothing from GST_PLUGIN_PATH, and a registry of its own.
# No key, no cache, no API root from the environment either.
registries=0
gst_env() {
  local path="$1"
  shift
  registries=$((registries + 1))
  env -u GST_PLUGIN_PATH -u GST_PLUGIN_SYSTEM_PATH -u GST_REGISTRY \
    -u SEEDANCE_API_KEY -u ARK_API_KEY -u SEEDANCE_BASE_URL -u SEEDANCE_CACHE_DIR \
    GST_PLUGIN_SYSTEM_PATH_1_0="$path" GST_PLUGIN_PATH_1_0= \
    GST_REGISTRY_1_0="$work/registry-$registries.bin" "$@"
}

gst_env "$plugin_dir" gst-inspect-1.0 seedancesrc \
  > "$work/inspect.txt" 2>&1
inspect_status=$?
check "gst-inspect-1.0 seedancesrc lists the element" \
  grep -q "Factory Details:" "$work/inspect.txt"
check "GStreamer loads the plugin from the unpacked directory" \
  grep -qE "^ +Filename +$plugin_dir/libgstseedance.so$" "$work/inspect.txt"
check "gst-inspect-1.0 seedancesrc exits 0" test "$inspect_status" -eq 0
[ "$inspect_status" -eq 0 ] || sed -n 1,30p "$work/inspect.txt"

# No network: a network namespace of its own (only loopback) when the
# kernel allows one, else proxies that lead nowhere for every host.
offline=(env http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
  ALL_PROXY=http://127.0.0.1:9 no_proxy= NO_PROXY=)
if unshare -rn true 2> /dev/null; then
  offline=(unshare -rn "${offline[@]}")
  echo "The pipelines run in a network namespace of their own (no network)."
else
  echo "The pipelines run with a dead proxy (no network namespace here)."
fi

# fakesink comes from the system's GStreamer, the element from the package.
pipeline_path="$plugin_dir:$system_plugins"
gst_env "$pipeline_path" "${offline[@]}" timeout 60 gst-launch-1.0 -m \
  seedancesrc dry-run=true prompt="A red fox in the snow" ! fakesink \
  > "$work/launch.txt" 2>&1
launch_status=$?
check "a dry-run=true pipeline ends with EOS, no key, no network" \
  test "$launch_status" -eq 0
check "the dry run posts the request it would send" \
  grep -q "seedance-dry-run" "$work/launch.txt"
check "the dry run reaches EOS" grep -q "Got EOS from element" "$work/launch.txt"
[ "$launch_status" -eq 0 ] || sed -n 1,40p "$work/launch.txt"

for f in usr/bin/seedance-generate usr/bin/seedance-rundown \
  usr/share/man/man1/seedance-generate.1.gz usr/share/man/man1/seedance-rundown.1.gz; do
  check "seedance-tools holds /$f" test -f "$root/$f"
done
gst_env "$pipeline_path" "${offline[@]}" timeout 60 \
  "$root/usr/bin/seedance-generate" --dry-run "A quiet harbour" \
  > "$work/generate.txt" 2>&1
generate_status=$?
check "seedance-generate --dry-run works with the packaged plugin" \
  test "$generate_status" -eq 0
check "seedance-generate --dry-run prints the request" \
  grep -q '"text" : "A quiet harbour"' "$work/generate.txt"
[ "$generate_status" -eq 0 ] || sed -n 1,20p "$work/generate.txt"

lintian --fail-on error --display-info "$changes" > "$work/lintian.txt" 2>&1
lintian_status=$?
sed 's/^/  lintian: /' "$work/lintian.txt"
check "lintian --fail-on error passes on the .changes" test "$lintian_status" -eq 0

finish
