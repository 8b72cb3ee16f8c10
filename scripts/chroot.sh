#!/usr/bin/env bash
# Debian chroots with newer QGIS releases, to run the plugin's tests on them (issue 15):
#   trixie → QGIS 3.40 LTR (Python 3.13), sid → the newest Debian QGIS (3.44 at the time of writing).
# Built once per machine with debootstrap from the machine's own Debian mirror and kept OUTSIDE the repo
# (WBE_CHROOTS, default /var/cache/wbe-chroots/<suite>); a stamp file records the package set, so a later
# call only adds what is missing. Needs root (debootstrap, chroot, mount).
#
#   scripts/chroot.sh build <suite>            build or complete the chroot
#   scripts/chroot.sh run <suite> <cmd...>     run a command inside, the repo bind-mounted at /repo
#   scripts/chroot.sh run-nopandas <suite> <cmd...>
#                                              the same, with pandas hidden (an empty directory mounted over
#                                              its package in a private mount namespace): the "pandas is not
#                                              installed" case, without building a third chroot
#   scripts/chroot.sh path <suite>             print the chroot's folder
set -euo pipefail

ROOT_DIR="${WBE_CHROOTS:-/var/cache/wbe-chroots}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# What the test subset needs; recommends are not installed (they would pull the desktop and GRASS).
PACKAGES="qgis python3-qgis qgis-providers python3-numpy python3-pandas python3-scipy python3-pytest \
python3-venv python3-pip python3-hypothesis python3-numba fonts-noto-cjk poppler-utils make bc pyqt5-dev-tools qttools5-dev-tools locales ca-certificates"
# Suite-only additions. sid: PyQt6, for scripts/qt6_names.py (the Qt names the plugin uses, resolved in real PyQt6;
# QGIS 4's qgis.PyQt.X is PyQt6.X); Debian 12 and trixie need not carry it.
EXTRA_PACKAGES_sid="python3-pyqt6 python3-pyqt6.qtsvg"
# From PyPI into a venv inside the chroot (Debian has no pytest-qgis, pymannkendall); unpinned: the
# pins in requirements-test.txt are for Debian 12's Python 3.11 and the chroots run 3.13.
PIP_PACKAGES="pytest-qgis pymannkendall esda libpysal mapclassify PyKrige shapely"

mirror() {
  # The mirror the host's apt uses (deb822 or one-line format), so the chroots come from the same place.
  local m
  m="$(grep -hoE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{print $2}')"
  [ -n "$m" ] || m="$(grep -hoE '^deb +\S+' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1 | awk '{print $2}')"
  echo "${m:-http://deb.debian.org/debian}"
}

# The Debian packages of one suite: the common list plus its additions (the list, and so the stamp, of a suite
# without additions is the common one).
suite_packages() {
  local extra="EXTRA_PACKAGES_${1//-/_}"
  if [ -n "${!extra:-}" ]; then echo "$PACKAGES ${!extra}"; else echo "$PACKAGES"; fi
}

need_root() { [ "$(id -u)" = 0 ] || { echo "chroot.sh: run as root" >&2; exit 1; }; }

build() {
  local suite="$1" dir="$ROOT_DIR/$1" stamp t0 packages
  need_root
  packages="$(suite_packages "$suite")"
  stamp="$(echo "$packages|$PIP_PACKAGES" | md5sum | cut -c1-12)"
  if [ -f "$dir/.wbe-ready" ] && [ "$(cat "$dir/.wbe-ready")" = "$stamp" ]; then
    echo "chroot $suite: ready ($dir)"
    return 0
  fi
  t0=$(date +%s)
  command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }
  if [ ! -f "$dir/.wbe-base" ]; then
    rm -rf "$dir"
    mkdir -p "$ROOT_DIR"
    debootstrap --variant=minbase "$suite" "$dir" "$(mirror)"
    touch "$dir/.wbe-base"
  fi
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  # The host's CA bundle: where the registries are reached through a TLS-inspecting proxy, its CA is there.
  mkdir -p "$dir/etc/ssl"
  cp "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$dir/etc/ssl/host-ca-bundle.crt"
  with_mounts "$dir" bash -c "
    set -e
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o Acquire::Check-Valid-Until=false update -qq
    apt-get install -y -qq --no-install-recommends $packages
    [ -x /opt/wbe-venv/bin/python ] || python3 -m venv --system-site-packages /opt/wbe-venv
    # pip may never replace Debian's numpy/pandas/scipy (the QGIS build and each other are built against them).
    python3 -c \"import numpy, pandas, scipy; print(f'numpy=={numpy.__version__}\\npandas=={pandas.__version__}\\nscipy=={scipy.__version__}')\" >/opt/wbe-venv/constraints.txt
    /opt/wbe-venv/bin/python -m pip install -q --disable-pip-version-check --cert /etc/ssl/host-ca-bundle.crt \\
      -c /opt/wbe-venv/constraints.txt $PIP_PACKAGES
    apt-get clean
  "
  echo "$stamp" >"$dir/.wbe-ready"
  echo "chroot $suite: built in $(($(date +%s) - t0)) s ($dir)"
  chroot "$dir" /usr/bin/dpkg-query -W -f='${Version}\n' qgis | sed "s/^/chroot $suite: qgis /"
}

# Mount /proc, /dev, /dev/pts, a fresh /tmp and the repo at /repo, run the command in the chroot, unmount, also
# when this script is interrupted or killed (the command then gets SIGTERM first).
unmount_all() {
  local dir="$1" m
  for m in shared repo tmp; do
    if mountpoint -q "$dir/$m"; then umount "$dir/$m" 2>/dev/null || umount -l "$dir/$m"; fi
  done
  if mountpoint -q "$dir/dev"; then umount -R "$dir/dev" 2>/dev/null || umount -Rl "$dir/dev"; fi
  if mountpoint -q "$dir/proc"; then umount "$dir/proc" 2>/dev/null || umount -l "$dir/proc"; fi
}

with_mounts() {
  local dir="$1"
  shift
  mkdir -p "$dir/repo"
  CHILD=""
  trap 'unmount_all "'"$dir"'"' EXIT
  trap '[ -n "$CHILD" ] && kill "$CHILD" 2>/dev/null; wait; exit 143' TERM
  trap '[ -n "$CHILD" ] && kill "$CHILD" 2>/dev/null; wait; exit 130' INT
  mount -t proc proc "$dir/proc"
  mount --rbind /dev "$dir/dev"
  mount --make-rslave "$dir/dev"
  mount -t tmpfs tmpfs "$dir/tmp"
  mount --bind "$REPO" "$dir/repo"
  # The shared/ folder beside the repo (tests read reference data from ../shared), read-only.
  if [ -d "$REPO/../shared" ]; then
    mkdir -p "$dir/shared"
    mount --bind -o ro "$REPO/../shared" "$dir/shared"
  fi
  local rc=0
  chroot "$dir" /usr/bin/env -i HOME=/root PATH=/opt/wbe-venv/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen CI="${CI:-}" "$@" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  unmount_all "$dir"
  trap - EXIT TERM INT
  return $rc
}

run() {
  local suite="$1" dir="$ROOT_DIR/$1"
  shift
  need_root
  [ -f "$dir/.wbe-ready" ] || { echo "chroot $suite: not built; run scripts/chroot.sh build $suite" >&2; exit 2; }
  with_mounts "$dir" "$@"
}

run_nopandas() {
  local suite="$1" dir="$ROOT_DIR/$1"
  shift
  need_root
  [ -f "$dir/.wbe-ready" ] || { echo "chroot $suite: not built" >&2; exit 2; }
  # A private mount namespace (the hiding never shows outside this command): an overlay over dist-packages
  # whose upper layer holds whiteouts for pandas and its metadata, so the package is truly absent (an empty
  # directory mounted over it would still import, as a namespace package).
  unshare --mount --propagation private bash -c '
    set -e
    dir="$1"; shift
    dp="$dir/usr/lib/python3/dist-packages"
    layer="$(mktemp -d)"
    mkdir "$layer/up" "$layer/work"
    for entry in "$dp"/pandas "$dp"/pandas-*; do
      [ -e "$entry" ] && mknod "$layer/up/$(basename "$entry")" c 0 0
    done
    mount -t overlay overlay -o "lowerdir=$dp,upperdir=$layer/up,workdir=$layer/work" "$dp"
    rc=0
    bash "$0" run "$(basename "$dir")" "$@" || rc=$?
    umount "$dp"
    rm -rf "$layer"
    exit $rc
  ' "${BASH_SOURCE[0]}" "$dir" "$@"
}

case "${1:-}" in
  build) build "$2" ;;
  run) shift; run "$@" ;;
  run-nopandas) shift; run_nopandas "$@" ;;
  path) echo "$ROOT_DIR/$2" ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
