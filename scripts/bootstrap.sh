#!/usr/bin/env bash
# gst-seedance in one command on Debian 12: installs what is missing, builds,
# then runs the demo or the whole test suite.
#
#   bash scripts/bootstrap.sh demo [OUT.mp4]   a real pipeline, a playable video
#   bash scripts/bootstrap.sh test             every test suite
#   bash scripts/bootstrap.sh build            install and build only
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SEEDANCE_BUILD_DIR:-$here/build}"
what="${1:-}"

install_packages() {
  local missing=() pkg
  while read -r pkg; do
    [ -z "$pkg" ] || [ "${pkg#\#}" != "$pkg" ] && continue
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done < "$here/scripts/debian-packages.txt"
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
  *)
    echo "usage: $0 demo [OUT.mp4] | test | build" >&2
    exit 2
    ;;
esac
