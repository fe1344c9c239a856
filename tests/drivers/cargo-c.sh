#!/bin/bash
# cargo-c.sh: `cargo cinstall` into a DESTDIR must give the names the CMake build
# installs (libftp.so and libftp.so.1 -> libftp.so.1.1.0 with SONAME libftp.so.1,
# libftp.a, include/ftp.h identical to the committed header, libftp.pc), export only
# ftp_* symbols, and a program must build with pkg-config from there and run.
# cargo-c comes from PATH or from tests/setup-debian.sh's cache (tests/drivers/cargo-c-path.sh);
# without it this skips (77), and fails under CI=true.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
. "$repo/tests/drivers/cargo-c-path.sh"
if ! command -v cargo-cinstall >/dev/null; then
  [ "${CI:-}" != true ] || { echo "cargo-c.sh: FAIL: cargo-c not installed (tests/setup-debian.sh builds it)" >&2; exit 1; }
  echo "cargo-c.sh: cargo-c not installed (tests/setup-debian.sh builds it); skipped"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libftp-cargo-c.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "cargo-c.sh: FAIL: $*" >&2; exit 1; }
multiarch=$(gcc -print-multiarch)
root=$tmp/root
(cd "$repo" && CARGO_TARGET_DIR=${CARGO_C_TARGET_DIR:-$tmp/target} cargo cinstall --release \
  --prefix=/usr --libdir="lib/$multiarch" --destdir="$root" >"$tmp/log" 2>&1) ||
  { tail -30 "$tmp/log"; fail "cargo cinstall failed"; }
libdir=$root/usr/lib/$multiarch
# cargo-c points libftp.so straight at the file (CMake goes through libftp.so.1).
for link in libftp.so libftp.so.1; do
  [ -L "$libdir/$link" ] && [ "$(readlink -f "$libdir/$link")" = "$(readlink -f "$libdir/libftp.so.1.1.0")" ] ||
    fail "$link is not a symlink to libftp.so.1.1.0"
done
readelf -d "$libdir/libftp.so.1.1.0" | grep -q 'SONAME.*\[libftp.so.1\]' || fail "SONAME is not libftp.so.1"
[ -f "$libdir/libftp.a" ] && [ -f "$libdir/pkgconfig/libftp.pc" ] || fail "libftp.a or libftp.pc missing"
cmp -s "$root/usr/include/ftp.h" "$repo/include/ftp.h" || fail "the installed ftp.h is not the committed one"
others=$(nm -D --defined-only "$libdir/libftp.so.1.1.0" | awk 'NF >= 3 && $3 !~ /^ftp_/ {print $3}')
[ -z "$others" ] || fail "exports outside ftp_*: $others"
# shellcheck disable=SC2046
PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$libdir/pkgconfig \
  cc -o "$tmp/consumer" "$repo/tests/consumer/main.c" $(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs libftp) -ldl -Wl,-rpath,"$libdir"
"$tmp/consumer" | grep -q "^libftp path: $libdir/libftp.so.1" || fail "the program did not load the cargo-c library"
echo "cargo-c.sh: OK: cargo cinstall gives the CMake build's names"
