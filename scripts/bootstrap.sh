#!/usr/bin/env bash
# gst-seedance in one command on Debian 12: installs what is missing, builds,
# then runs the demo or the whole test suite.
#
#   bash scripts/bootstrap.sh demo [OUT.mp4]   a real pipeline, a playable video
#   bash scripts/bootstrap.sh test             every test suite
#   bash scripts/bootstrap.sh build            install and build only
#   bash scripts/bootstrap.sh deb              the Debian packages, in dist/
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SEEDANCE_BUILD_DIR:-$here/build}"
what="${1:-}"

install_packages() {
  local pkgs=() pkg
  while read -r pkg; do
    [ -z "$pkg" ] || [ "${pkg#\#}" != "$pkg" ] && continue
    pkgs+=("$pkg")
  done < "$here/scripts/debian-packages.txt"
  apt_install "${pkgs[@]}"
}

# Installs the packages named that are not installed yet.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Arguments are meson options (-Dname=value) for this build directory.
build_project() {
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$here" "$@"
  elif [ $# -gt 0 ]; then
    meson configure "$build" "$@"
  fi
  ninja -C "$build"
}

# The files of ours that dpkg-buildpackage writes in DIR (it writes them in
# the parent of the source tree), one a line.
package_files_in() {
  local f
  for f in "$1"/gst-seedance_* "$1"/gstreamer1.0-seedance*_* "$1"/seedance-tools*_*; do
    [ -f "$f" ] && printf '%s\n' "$f"
  done
  return 0
}

# The Debian packages: built by dpkg-buildpackage (with the test suite unless
# DEB_BUILD_OPTIONS has nocheck), then moved from .. to dist/, so that
# nothing is left beside the source tree.
build_debs() {
  local parent="$(dirname "$here")" dist="$here/dist" sudo="" profiles=()
  local version arch changes f left
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  apt_install dpkg-dev debhelper
  # nocheck also leaves out the test suite's Build-Depends (<!nocheck>).
  case " ${DEB_BUILD_OPTIONS:-} " in
    *" nocheck "*)
      case " ${DEB_BUILD_PROFILES:-} " in
        *" nocheck "*) ;;
        *) export DEB_BUILD_PROFILES="${DEB_BUILD_PROFILES:+$DEB_BUILD_PROFILES }nocheck" ;;
      esac ;;
  esac
  [ -z "${DEB_BUILD_PROFILES:-}" ] || profiles=(-P "${DEB_BUILD_PROFILES// /,}")
  if ! (cd "$here" && dpkg-checkbuilddeps "${profiles[@]}" 2>/dev/null); then
    echo "Installing the Build-Depends of debian/control"
    $sudo apt-get update -qq
    (cd "$here" && DEBIAN_FRONTEND=noninteractive $sudo apt-get build-dep -y -qq \
       --no-install-recommends "${profiles[@]}" ./)
  fi
  case " ${DEB_BUILD_OPTIONS:-} " in
    *" parallel="*) ;;
    *) export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$(nproc)" ;;
  esac

  version="$(cd "$here" && dpkg-parsechangelog -S Version)"
  arch="$(dpkg-architecture -qDEB_HOST_ARCH)"
  changes="gst-seedance_${version#*:}_${arch}.changes"
  left="$(package_files_in "$parent")"
  if [ -n "$left" ]; then
    echo "The package build would overwrite these; move them away first:" >&2
    echo "$left" >&2
    exit 1
  fi

  echo "Building the packages (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
  # --post-clean leaves the tree as it was (no obj-*/, no debian/tmp/).
  if ! (cd "$here" && dpkg-buildpackage -us -uc -b --post-clean); then
    package_files_in "$parent" | while read -r f; do rm -f -- "$f"; done
    echo "The package build failed." >&2
    exit 1
  fi

  mkdir -p "$dist"
  rm -f -- "$dist"/*.deb "$dist"/*.changes "$dist"/*.buildinfo
  mv -- "$parent/$changes" "$dist/"
  # The .changes names every other file of the build: the .debs, the
  # dbgsym packages, the .buildinfo.
  awk '/^Files:/ { files = 1; next } /^[^ ]/ { files = 0 }
       files && NF == 5 { print $5 }' "$dist/$changes" |
    while read -r f; do mv -- "$parent/$f" "$dist/"; done
  left="$(package_files_in "$parent")"
  if [ -n "$left" ]; then
    echo "Left beside the source tree by the package build:" >&2
    echo "$left" >&2
    exit 1
  fi
  echo "The packages are in $dist:"
  ls -1 "$dist"
  echo "Install them with:"
  echo "  sudo apt-get install $dist/gstreamer1.0-seedance_${version#*:}_${arch}.deb" \
    "$dist/seedance-tools_${version#*:}_${arch}.deb"
}

case "$what" in
  build)
    install_packages
    build_project
    ;;
  demo)
    install_packages
    build_project
    exec bash "$here/scripts/demo.sh" "$build" "${2:-seedance-demo.mp4}"
    ;;
  test)
    install_packages
    build_project -Dfuzz=enabled
    exec bash "$here/scripts/run-tests.sh" "$build"
    ;;
  deb)
    build_debs
    ;;
  *)
    echo "usage: $0 demo [OUT.mp4] | test | build | deb" >&2
    exit 2
    ;;
esac
