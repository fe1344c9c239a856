#!/bin/bash
# trixie.sh [CHROOT_DIR]
# Builds the Debian package on Debian 13 (trixie) with Debian's own cargo and rustc (no
# rustup profile): a trixie chroot made with debootstrap (kept in CHROOT_DIR, default
# ~/.cache/libftp/trixie, about 2.7 GB, reused when there), the committed sources cloned
# into it with their crates vendored, dpkg-buildpackage without network (unshare -n),
# then the packages installed and a C program built against them through pkg-config.
# Not part of ctest: it needs root and the Debian mirror, and takes about 3 minutes
# (5 the first time). tests/drivers/debian.sh is the bookworm build that ctest runs.
# Between runs of this script, ctest msrv_syntax keeps let chains (rustc 1.88 syntax)
# out and clippy's incompatible_msrv lint std APIs newer than rust-version (1.85).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
root=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/libftp/trixie}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
fail() { echo "trixie.sh: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot)"

if [ ! -x "$root/usr/bin/dpkg-buildpackage" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  rm -rf "$root"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=buildd trixie "$root" "$mirror" >"$root.log" 2>&1 || fail "debootstrap (see $root.log)"
fi
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
# Build-Depends without the rustup profile: Debian's cargo and rustc.
chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  --no-install-recommends debhelper cmake pkg-config libssl-dev python3 cargo rustc' >/dev/null \
  || fail "installing the Build-Depends in the chroot"
echo "trixie.sh: $(chroot "$root" rustc --version), $(chroot "$root" cargo --version)"

rm -rf "$root/build"
mkdir -p "$root/build"
git clone -q "$repo" "$root/build/libftp"
# Vendored by this machine's cargo (the chroot has no crates.io credentials or proxy
# setup); debian/rules finds vendor/ and builds offline from it.
(cd "$root/build/libftp" && cargo vendor --locked vendor >/dev/null 2>&1) || fail "cargo vendor"

if ! unshare -n chroot "$root" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
     sh -c 'cd /build/libftp && dpkg-buildpackage -us -uc -b' >"$root/build/build.log" 2>&1; then
  tail -30 "$root/build/build.log" >&2
  fail "dpkg-buildpackage without network (log: $root/build/build.log)"
fi

cat >"$root/build/hello.c" <<'C'
#include <ftp.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    printf("%s %s\n", ftp_version(), ftp_strerror(FTP_OK));
    return strcmp(ftp_strerror(FTP_OK), "success") != 0;
}
C
out=$(chroot "$root" sh -c 'cd /build && apt-get install -y -qq ./libftp1_*.deb ./libftp1-dev_*.deb >/dev/null \
  && cc -Wall -Werror -o hello hello.c $(pkg-config --cflags --libs libftp) && ./hello') \
  || fail "the installed packages do not build and run a C program"
want=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)
[ "$out" = "$want success" ] || fail "the C program printed '$out', not '$want success'"
echo "trixie.sh: OK: $(cd "$root/build" && ls libftp1*_*.deb | tr '\n' ' ')built offline with Debian's rustc; a C program linked to them prints: $out"
