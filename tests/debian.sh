#!/bin/bash
# debian.sh: builds the Debian packages (dpkg-buildpackage -us -uc -b) from a copy of
# the tracked sources, then checks them: the two packages and their relations (the
# -dev package conflicts with ftplib's libftp-dev), the files each holds, the symbols
# file, and that a program builds with pkg-config from the unpacked packages and runs
# with their libftp.so.1.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libftp-deb.XXXXXX")
[ "${KEEP_TMP:-0}" = 1 ] && echo "debian.sh: keeping $tmp" || trap 'rm -rf "$tmp"' EXIT
fail() { echo "debian.sh: FAIL: $*" >&2; exit 1; }

mkdir "$tmp/src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) |
  tar -xf - -C "$tmp/src"
echo "== dpkg-buildpackage -us -uc -b"
(cd "$tmp/src" && dpkg-buildpackage -us -uc -b >"$tmp/build.log" 2>&1) ||
  { tail -60 "$tmp/build.log"; fail "dpkg-buildpackage failed"; }
grep -E 'dpkg-gensymbols: warning' "$tmp/build.log" && fail "the symbols file does not match the library"

arch=$(dpkg --print-architecture)
version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
lib=$tmp/libftp1_${version}_${arch}.deb
dev=$tmp/libftp1-dev_${version}_${arch}.deb
[ -f "$lib" ] && [ -f "$dev" ] || { ls "$tmp"; fail "expected $(basename "$lib") and $(basename "$dev")"; }
echo "   built: $(basename "$lib") $(basename "$dev")"

[ "$(dpkg-deb -f "$dev" Conflicts)" = libftp-dev ] || fail "libftp1-dev does not conflict with libftp-dev"
dpkg-deb -f "$dev" Depends | grep -q "libftp1 (= $version)" || fail "libftp1-dev does not depend on libftp1 (= $version)"
dpkg-deb -f "$lib" Depends | grep -q libssl3 || fail "libftp1 does not depend on libssl3 (shlibs)"

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
dpkg-deb -c "$lib" | awk '{print $6}' | sed 's|^\./||' >"$tmp/lib.files"
dpkg-deb -c "$dev" | awk '{print $6}' | sed 's|^\./||' >"$tmp/dev.files"
for f in "usr/lib/$multiarch/libftp.so.1" "usr/lib/$multiarch/libftp.so.$version"; do
  grep -qx "$f" "$tmp/lib.files" || fail "libftp1 lacks $f"
done
for f in usr/include/ftp.h "usr/lib/$multiarch/libftp.so" "usr/lib/$multiarch/libftp.a" \
         "usr/lib/$multiarch/pkgconfig/libftp.pc" "usr/lib/$multiarch/cmake/libftp/libftpConfig.cmake" \
         usr/share/man/man3/ftp.3.gz usr/share/man/man3/ftp_connect.3.gz; do
  grep -qx "$f" "$tmp/dev.files" || fail "libftp1-dev lacks $f"
done
# libftp1 must not hold what would clash with libftp4 / libftp-dev.
grep -E '\.so$|\.a$|include/' "$tmp/lib.files" && fail "libftp1 holds development files"
# dpkg-shlibdeps' view: the symbols file shipped with the library.
dpkg-deb -I "$lib" symbols | grep -q '^ ftp_connect@ftp_1.0 1.0.0' || fail "no symbols file in libftp1"

echo "== build a program with pkg-config from the unpacked packages"
dpkg -x "$lib" "$tmp/root"
dpkg -x "$dev" "$tmp/root"
libdir=$tmp/root/usr/lib/$multiarch
[ "$(readlink "$libdir/libftp.so")" = libftp.so.1 ] || fail "libftp.so does not point to libftp.so.1"
export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046
cc -o "$tmp/consumer" "$repo/tests/consumer/main.c" $(pkg-config --cflags --libs libftp) -ldl -Wl,-rpath,"$libdir"
out=$("$tmp/consumer")
echo "$out" | sed 's/^/   /'
echo "$out" | grep -q "^libftp path: $libdir/libftp.so.1" || fail "the program did not load the packaged libftp.so.1"
echo "debian.sh: OK: libftp1 and libftp1-dev $version"
