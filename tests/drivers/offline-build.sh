#!/bin/bash
# offline-build.sh cmake|cargo-c
# The vendored build of docs/packaging.md, without network: `cargo vendor` puts the
# crates of Cargo.lock into a temporary directory (this step may use the network or
# cargo's cache), then, inside a new network namespace (`unshare -n`: only a loopback
# interface, down) and with an empty CARGO_HOME (no crate cache), it
#   cmake:   configures with -DLIBFTP_VENDORED_DIR, builds and installs (DESTDIR) from
#            the source tree itself, mounted read-only (the build writes nothing there);
#   cargo-c: writes the snippet `cargo vendor` prints into .cargo/config.toml of a copy
#            of the sources and runs `cargo cinstall` (DESTDIR).
# It first proves there is no network there: cargo fails to fetch a crate. Then it
# checks the installed files and builds and runs a program with pkg-config from them.
# Needs root (unshare), and cargo-c for its mode (from PATH or tests/setup-debian.sh's
# cache, tests/drivers/cargo-c-path.sh); skips (77) without them outside CI and fails under
# CI=true.
# KEEP_TMP=1 keeps the temporary directory.
set -euo pipefail
mode=${1:?usage: offline-build.sh cmake|cargo-c}
case "$mode" in cmake|cargo-c) ;; *) echo "offline-build.sh: unknown mode '$mode'" >&2; exit 2 ;; esac
repo=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
export CMAKE=${CMAKE:-cmake}
fail() { echo "offline-build.sh ($mode): FAIL: $*" >&2; exit 1; }
missing() { # WHAT: a missing tool fails under CI, skips elsewhere
  [ "${CI:-}" != true ] || fail "$1"
  echo "offline-build.sh ($mode): $1; skipped"
  exit 77
}
. "$repo/tests/drivers/cargo-c-path.sh"
if [ "$mode" = cargo-c ] && ! command -v cargo-cinstall >/dev/null; then
  missing "cargo-c not installed (tests/setup-debian.sh builds it)"
fi
command -v unshare >/dev/null || missing "unshare (util-linux) not found"
unshare -n -m true 2>/dev/null || missing "cannot create network and mount namespaces (unshare -n -m needs root)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libftp-offline-$mode.XXXXXX")
[ "${KEEP_TMP:-0}" = 1 ] && echo "offline-build.sh: keeping $tmp" || trap 'rm -rf "$tmp"' EXIT

echo "== cargo vendor (with network or cargo's cache)"
(cd "$repo" && cargo vendor --locked "$tmp/vendor" >"$tmp/vendor-config.toml" 2>"$tmp/vendor.log") ||
  { cat "$tmp/vendor.log"; fail "cargo vendor failed"; }
grep -q "^directory = \"$tmp/vendor\"" "$tmp/vendor-config.toml" ||
  { cat "$tmp/vendor-config.toml"; fail "cargo vendor printed no source replacement"; }

# The network probe (tests/drivers/no-network.sh), then what runs without network.
# Arguments: mode, repo, tmp.
{ cat "$repo/tests/drivers/no-network.sh"; cat <<'INNER'
set -euo pipefail
mode=$1 repo=$2 tmp=$3
fail() { echo "offline-build.sh ($mode): FAIL: $*" >&2; exit 1; }
prove_no_network

root=$tmp/root
case "$mode" in
cmake)
  # The source tree read-only in this mount namespace: the build must not write there.
  mount --bind "$repo" "$repo"
  mount -o remount,bind,ro "$repo"
  if touch "$repo/.offline-build-probe" 2>/dev/null; then
    rm -f "$repo/.offline-build-probe"
    fail "could not make $repo read-only"
  fi
  echo "== cmake -DLIBFTP_VENDORED_DIR=... (source tree read-only), build, install"
  "$CMAKE" -S "$repo" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release -DLIBFTP_VENDORED_DIR="$tmp/vendor" \
    -DLIBFTP_BUILD_TESTS=OFF -DLIBFTP_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=/usr >"$tmp/configure.log" 2>&1 ||
    { cat "$tmp/configure.log"; fail "cmake configure failed"; }
  "$CMAKE" --build "$tmp/build" -j"$(nproc)" >"$tmp/build.log" 2>&1 ||
    { tail -40 "$tmp/build.log"; fail "the build from the vendored crates failed"; }
  DESTDIR=$root "$CMAKE" --install "$tmp/build" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "cmake --install failed"; }
  ;;
cargo-c)
  echo "== .cargo/config.toml from cargo vendor's snippet, cargo cinstall"
  mkdir "$tmp/src"
  # The tracked files (and new ones not ignored), as a source package would hold them.
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) |
    tar -xf - -C "$tmp/src"
  mkdir -p "$tmp/src/.cargo"
  cp "$tmp/vendor-config.toml" "$tmp/src/.cargo/config.toml"
  multiarch=$(gcc -print-multiarch)
  (cd "$tmp/src" && CARGO_TARGET_DIR=$tmp/target CARGO_NET_OFFLINE=true cargo cinstall --release \
    --prefix=/usr --libdir="lib/$multiarch" --destdir="$root" >"$tmp/build.log" 2>&1) ||
    { tail -40 "$tmp/build.log"; fail "cargo cinstall from the vendored crates failed"; }
  ;;
esac
INNER
} >"$tmp/offline.sh"
unshare -n -m bash "$tmp/offline.sh" "$mode" "$repo" "$tmp"

echo "== the installed files"
libdir=$(dirname "$(find "$tmp/root" -name libftp.so.1 | head -1)")
[ -n "$libdir" ] && [ "$libdir" != . ] || { find "$tmp/root"; fail "no libftp.so.1 installed"; }
readelf -d "$libdir/libftp.so.1" | grep -q 'SONAME.*\[libftp.so.1\]' || fail "SONAME is not libftp.so.1"
[ -L "$libdir/libftp.so" ] || fail "no libftp.so link"
for f in "$libdir/libftp.a" "$libdir/pkgconfig/libftp.pc"; do [ -f "$f" ] || fail "$f missing"; done
cmp -s "$tmp/root/usr/include/ftp.h" "$repo/include/ftp.h" || fail "the installed ftp.h is not the committed one"
export PKG_CONFIG_SYSROOT_DIR=$tmp/root PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046
cc -o "$tmp/consumer" "$repo/tests/consumer/main.c" $(pkg-config --cflags --libs libftp) -ldl -Wl,-rpath,"$libdir"
"$tmp/consumer" >"$tmp/consumer.log" || { cat "$tmp/consumer.log"; fail "the program failed"; }
grep -q "^libftp path: $libdir/libftp.so.1" "$tmp/consumer.log" || fail "the program did not load the installed library"
echo "offline-build.sh: OK: $mode build and install from vendored crates without network"
