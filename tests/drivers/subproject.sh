#!/bin/bash
# subproject.sh: a parent CMake project (tests/subproject) builds libftp with
# add_subdirectory() in Debug, so both the CMAKE_CURRENT_* paths and the Debug build
# (cargo's dev profile, target/debug) are exercised; then it links a program with
# libftp::ftp and one with libftp::ftp_static, and runs them.
# Environment: CMAKE (default cmake); SUBPROJECT_CARGO_TARGET_DIR keeps cargo's target
# directory between runs (ctest passes one in the build directory: later runs are
# quick); it must serve Debug builds only. KEEP_TMP=1 keeps the temporary directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
CMAKE=${CMAKE:-cmake}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libftp-subproject.XXXXXX")
[ "${KEEP_TMP:-0}" = 1 ] && echo "subproject.sh: keeping $tmp" || trap 'rm -rf "$tmp"' EXIT
fail() { echo "subproject.sh: FAIL: $*" >&2; exit 1; }
target=${SUBPROJECT_CARGO_TARGET_DIR:-$tmp/cargo}
build=$tmp/build

"$CMAKE" -S "$repo/tests/subproject" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
  -DLIBFTP_SOURCE_DIR="$repo" -DLIBFTP_CARGO_TARGET_DIR="$target" >"$tmp/configure.log" 2>&1 ||
  { cat "$tmp/configure.log"; fail "configuring the parent project failed"; }
"$CMAKE" --build "$build" -j"$(nproc)" >"$tmp/build.log" 2>&1 ||
  { tail -40 "$tmp/build.log"; fail "building the parent project failed"; }

# Debug means cargo's dev profile, and only that.
[ -f "$target/debug/libftp.a" ] || fail "no $target/debug/libftp.a: the Debug build did not use cargo's dev profile"
[ ! -e "$target/release" ] || fail "a Debug build ran cargo build --release ($target/release exists)"
grep -q -- '--release' "$build/libftp/CMakeFiles/libftp_cargo.dir/build.make" &&
  fail "the Debug build's cargo command has --release"
# The library's own outputs land in its binary directory, not the parent's.
lib=$build/libftp/libftp.so.1
[ -f "$lib" ] || { find "$build" -name 'libftp.so*'; fail "no $lib"; }
readelf -S "$lib" | grep -q '\.debug_info' || fail "the Debug libftp.so.1 has no debug info"
# Examples and tests stay off in a parent project unless asked for.
[ ! -e "$build/libftp/ftpget" ] || fail "the examples were built in a parent project"
[ ! -e "$build/libftp/CTestTestfile.cmake" ] || fail "libftp's tests were registered in a parent project"

out=$("$build/consumer") || { echo "$out"; fail "the program linked with libftp::ftp failed"; }
echo "$out" | sed 's/^/   /'
echo "$out" | grep -q "^libftp path: $build/libftp/libftp.so.1" || fail "the program did not load the subproject's libftp.so.1"
out=$(LIBFTP_CONSUMER_STATIC=1 "$build/consumer_static") ||
  { echo "$out"; fail "the program linked with libftp::ftp_static failed"; }
echo "subproject.sh: OK: add_subdirectory(libftp) in Debug, libftp::ftp and libftp::ftp_static"
