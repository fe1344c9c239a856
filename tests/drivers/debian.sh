#!/bin/bash
# debian.sh: builds the Debian packages the way a build daemon does, without network,
# then checks them.
#  - A copy of the tracked sources gets the crates of Cargo.lock in vendor/ (`cargo
#    vendor`, with network or cargo's cache), as debian/README.source says.
#  - dpkg-buildpackage -us -uc -b runs inside a network namespace with no network
#    (`unshare -n`) and an empty CARGO_HOME (no crate cache): with Debian's cargo and
#    rustc where the installed rustc is 1.85 or later (trixie), else (bookworm) with the
#    build profile pkg.libftp-rs.rustup and rustup's cargo on PATH.
#  - Checked: Build-Depends name cargo and rustc (>= 1.85) except under the profile;
#    the build used vendor/ and dh_clean left it whole; the two packages and their
#    relations (the -dev package conflicts with ftplib's libftp-dev), the files each
#    holds, the symbols file (every name of cmake/libftp.symbols with the version of its
#    node: ftp_1.0 -> 1.0.0, ftp_1.1 -> 1.1.0; no dpkg-gensymbols warning); and that a
#    program builds with pkg-config from the unpacked packages and runs with their
#    libftp.so.1.
# Needs root (unshare); skips (77) without it outside CI and fails under CI=true.
# KEEP_TMP=1 keeps the temporary directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
fail() { echo "debian.sh: FAIL: $*" >&2; exit 1; }
if ! unshare -n true 2>/dev/null; then
  [ "${CI:-}" != true ] || fail "cannot create a network namespace (unshare -n needs root)"
  echo "debian.sh: cannot create a network namespace (unshare -n needs root); skipped"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libftp-deb.XXXXXX")
[ "${KEEP_TMP:-0}" = 1 ] && echo "debian.sh: keeping $tmp" || trap 'rm -rf "$tmp"' EXIT
profile=pkg.libftp-rs.rustup

echo "== Build-Depends with and without the profile $profile"
# Against an empty package database every Build-Depends is unmet and listed.
mkdir "$tmp/admin" && : >"$tmp/admin/status"
unmet() { (cd "$repo" && dpkg-checkbuilddeps --admindir="$tmp/admin" "$@" 2>&1 || true) | sed -n 's/.*[Uu]nmet build dependencies: //p'; }
plain=$(unmet) rustup=$(unmet -P"$profile")
echo "   default: $plain"
echo "   $profile: $rustup"
[[ " $plain " == *" cargo rustc (>= 1.85) "* ]] || fail "Build-Depends lack cargo and rustc (>= 1.85)"
[[ " $rustup " != *" cargo "* && " $rustup " != *" rustc "* ]] || fail "the profile $profile keeps cargo or rustc"
[ "$rustup" = "${plain/ cargo rustc (>= 1.85)/}" ] || fail "the profile changes more than cargo and rustc"

echo "== a copy of the sources with the crates in vendor/"
src=$tmp/src
mkdir "$src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) |
  tar -xf - -C "$src"
(cd "$src" && cargo vendor --locked vendor >/dev/null 2>"$tmp/vendor.log") || { cat "$tmp/vendor.log"; fail "cargo vendor failed"; }
(cd "$src" && find vendor -type f | sort) >"$tmp/vendor.before"
if rustc_deb=$(dpkg-query -W -f '${Version}' rustc 2>/dev/null) && dpkg --compare-versions "$rustc_deb" ge 1.85; then
  toolchain="Debian's rustc $rustc_deb" build_args=()
else
  toolchain="rustup's $(rustc --version) (profile $profile)" build_args=(-P"$profile")
fi
# Recent cargo vendor keeps each crate's Cargo.toml.orig (listed in its checksums);
# trixie's cargo 1.85 writes none, and the dh_clean check below then proves less.
if ! grep -q '/Cargo.toml.orig$' "$tmp/vendor.before"; then
  [ ${#build_args[@]} -eq 0 ] || fail "no Cargo.toml.orig in vendor/ (the dh_clean check would prove nothing)"
  echo "   note: $(cargo --version) vendored no Cargo.toml.orig; the dh_clean check proves less"
fi

# The network probe (tests/drivers/no-network.sh), then what runs without network.
{ cat "$repo/tests/drivers/no-network.sh"; cat <<'INNER'
set -euo pipefail
tmp=$1; shift
fail() { echo "debian.sh: FAIL: $*" >&2; exit 1; }
prove_no_network
cd "$tmp/src"
dpkg-buildpackage -us -uc -b "$@" >"$tmp/build.log" 2>&1
INNER
} >"$tmp/offline.sh"
echo "== dpkg-buildpackage -us -uc -b ${build_args[*]} without network: $toolchain"
unshare -n bash "$tmp/offline.sh" "$tmp" "${build_args[@]}" ||
  { [ -f "$tmp/build.log" ] && tail -60 "$tmp/build.log"; fail "dpkg-buildpackage failed"; }
grep -E 'dpkg-gensymbols: warning' "$tmp/build.log" && fail "the symbols file does not match the library"
grep -q -- "-DLIBFTP_VENDORED_DIR=$src/vendor" "$tmp/build.log" || fail "debian/rules did not build from vendor/"
# dpkg-buildpackage cleaned before building; clean once more after it.
(cd "$src" && debian/rules clean >"$tmp/clean.log" 2>&1) || { cat "$tmp/clean.log"; fail "debian/rules clean failed"; }
(cd "$src" && find vendor -type f | sort) >"$tmp/vendor.after"
diff "$tmp/vendor.before" "$tmp/vendor.after" >"$tmp/vendor.diff" ||
  { head -20 "$tmp/vendor.diff"; fail "the build or dh_clean changed vendor/"; }
leftovers=$(cd "$src" && ls -d obj-* debian/cargo-home debian/libftp1.symbols debian/libftp1 debian/.debhelper 2>/dev/null || true)
[ -z "$leftovers" ] || fail "debian/rules clean left: $leftovers"

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

echo "== the symbols file: each name of cmake/libftp.symbols from the version of its node"
# dpkg-shlibdeps' view: the symbols file shipped with the library.
dpkg-deb -I "$lib" symbols >"$tmp/symbols"
head -1 "$tmp/symbols" | grep -qx 'libftp.so.1 libftp1 #MINVER#' || fail "symbols file header: $(head -1 "$tmp/symbols")"
tail -n +2 "$repo/cmake/libftp.symbols" | sed -E 's/^(.*@ftp_([0-9]+)\.([0-9]+))$/ \1 \2.\3.0/' >"$tmp/symbols.want"
tail -n +2 "$repo/cmake/libftp.symbols" | sed -E 's/.*@(ftp_([0-9]+)\.([0-9]+))$/ \1@\1 \2.\3.0/' | sort -u >>"$tmp/symbols.want"
diff <(sort "$tmp/symbols.want") <(tail -n +2 "$tmp/symbols" | sort) >"$tmp/symbols.diff" ||
  { cat "$tmp/symbols.diff"; fail "the symbols file differs from cmake/libftp.symbols"; }
grep -q '^ ftp_connect@ftp_1.0 1.0.0$' "$tmp/symbols" || fail "ftp_connect@ftp_1.0 not from 1.0.0"
echo "   $(($(wc -l <"$tmp/symbols") - 1)) lines; nodes: $(grep -o '^ ftp_[0-9.]*@ftp_[0-9.]* [0-9.]*' "$tmp/symbols" | tr '\n' ';')"

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
echo "debian.sh: OK: libftp1 and libftp1-dev $version, built offline from vendor/ with $toolchain"
