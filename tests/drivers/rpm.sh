#!/bin/bash
# rpm.sh: builds the binary RPMs of rpm/libftp.spec with rpmbuild (Debian's `rpm`
# package) the way a build system does, without network, then checks them.
#  - Source0 is a tarball of the tracked sources (libftp-VERSION/), Source1 the crates of
#    Cargo.lock (`cargo vendor`, with network or cargo's cache, tarred as vendor/).
#  - rpmbuild -bb runs inside a network namespace with no network (`unshare -n`) and
#    an empty CARGO_HOME, with --nodeps (Debian's rpm database is empty: the
#    BuildRequires are Fedora's names) and the cargo on PATH (rustup's here).
#  - Checked: the spec's Version is Cargo.toml's; the three packages and the files each
#    holds (rpm -qlp); libftp.so.1's SONAME and links; what they provide and require
#    (libftp.so.1 with every symbol version node of cmake/libftp.symbols,
#    pkgconfig(libftp), libssl); and that a program builds with pkg-config from the
#    unpacked packages and runs with their libftp.so.1.
# Needs root (unshare); skips (77) without it outside CI and fails under CI=true, and
# likewise where rpmbuild is missing (tests/setup-debian.sh installs `rpm`).
# KEEP_TMP=1 keeps the temporary directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
fail() { echo "rpm.sh: FAIL: $*" >&2; exit 1; }
missing() {
  [ "${CI:-}" != true ] || fail "$1"
  echo "rpm.sh: $1; skipped"
  exit 77
}
command -v rpmbuild >/dev/null && command -v rpm2archive >/dev/null || missing "rpmbuild not found (apt-get install rpm)"
unshare -n true 2>/dev/null || missing "cannot create a network namespace (unshare -n needs root)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libftp-rpm.XXXXXX")
[ "${KEEP_TMP:-0}" = 1 ] && echo "rpm.sh: keeping $tmp" || trap 'rm -rf "$tmp"' EXIT

spec=$repo/rpm/libftp.spec
version=$(sed -nE 's/^version = "([0-9.]+)"$/\1/p' "$repo/Cargo.toml" | head -1)
spec_version=$(rpmspec -q --srpm --qf '%{VERSION}' "$spec")
[ "$spec_version" = "$version" ] || fail "rpm/libftp.spec has Version $spec_version, Cargo.toml $version"
release=$(rpmspec -q --srpm --qf '%{RELEASE}' "$spec")
arch=$(rpm --eval '%{_arch}')
libdir=$(rpm --eval '%{_libdir}') mandir=$(rpm --eval '%{_mandir}') includedir=$(rpm --eval '%{_includedir}')

echo "== Source0 (the tracked sources) and Source1 (cargo vendor)"
top=$tmp/rpmbuild
mkdir -p "$top/SOURCES" "$tmp/src/libftp-$version"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) |
  tar -xf - -C "$tmp/src/libftp-$version"
tar -czf "$top/SOURCES/libftp-$version.tar.gz" -C "$tmp/src" "libftp-$version"
(cd "$tmp/src/libftp-$version" && cargo vendor --locked vendor >/dev/null 2>"$tmp/vendor.log") ||
  { cat "$tmp/vendor.log"; fail "cargo vendor failed"; }
tar -czf "$top/SOURCES/libftp-$version-vendor.tar.gz" -C "$tmp/src/libftp-$version" vendor
rm -rf "$tmp/src"
ls -s --block-size=K "$top/SOURCES" | sed 's/^/   /'

# The network probe (tests/drivers/no-network.sh), then what runs without network.
{ cat "$repo/tests/drivers/no-network.sh"; cat <<'INNER'
set -euo pipefail
tmp=$1 top=$2 spec=$3
fail() { echo "rpm.sh: FAIL: $*" >&2; exit 1; }
prove_no_network
rpmbuild -bb --nodeps --define "_topdir $top" "$spec" >"$tmp/build.log" 2>&1
INNER
} >"$tmp/offline.sh"
echo "== rpmbuild -bb without network: $(cargo --version)"
unshare -n bash "$tmp/offline.sh" "$tmp" "$top" "$spec" ||
  { [ -f "$tmp/build.log" ] && tail -60 "$tmp/build.log"; fail "rpmbuild failed"; }
grep -q -- "--offline --locked" "$tmp/build.log" || fail "cargo did not build offline from the vendored crates"

rpms=$top/RPMS/$arch
lib=$rpms/libftp-$version-$release.$arch.rpm
dev=$rpms/libftp-devel-$version-$release.$arch.rpm
sta=$rpms/libftp-static-$version-$release.$arch.rpm
for p in "$lib" "$dev" "$sta"; do [ -f "$p" ] || { ls -R "$top/RPMS"; fail "expected $(basename "$p")"; }; done
echo "   built: $(cd "$rpms" && echo *.rpm)"

echo "== files (rpm -qlp)"
rpm -qlp "$lib" >"$tmp/lib.files"
rpm -qlp "$dev" >"$tmp/dev.files"
rpm -qlp "$sta" >"$tmp/sta.files"
has() { grep -qx "$2" "$tmp/$1.files" || fail "$1 package lacks $2"; }
has lib "$libdir/libftp.so.1"
has lib "$libdir/libftp.so.$version"
# %license: /usr/share/licenses/libftp on Fedora, where this rpm puts it otherwise.
grep -q "/LICENSE-MIT$" "$tmp/lib.files" && grep -q "/LICENSE-APACHE$" "$tmp/lib.files" ||
  fail "libftp lacks its license files"
grep -E '\.so$|\.a$|/include/|/pkgconfig/|/cmake/|/man3/' "$tmp/lib.files" && fail "libftp holds development files"
for f in "$includedir/ftp.h" "$libdir/libftp.so" "$libdir/pkgconfig/libftp.pc" \
         "$libdir/cmake/libftp/libftpConfig.cmake" "$libdir/cmake/libftp/libftpConfigVersion.cmake" \
         "$libdir/cmake/libftp/libftpTargets.cmake"; do
  has dev "$f"
done
# Compressed by brp-compress where it works (Fedora); Debian's fails under dash, so .3 too.
for page in ftp ftp_connect ftp_tls_config_set_insecure_skip_verify; do
  grep -Eqx "$mandir/man3/$page\.3(\.gz|\.bz2|\.xz|\.zst)?" "$tmp/dev.files" || fail "libftp-devel lacks the man page $page(3)"
done
grep -E '\.so\.|\.a$' "$tmp/dev.files" && fail "libftp-devel holds the runtime or static library"
[ "$(cat "$tmp/sta.files")" = "$libdir/libftp.a" ] || fail "libftp-static holds: $(cat "$tmp/sta.files")"
pages=$(grep -c "^$mandir/man3/" "$tmp/dev.files")
functions=$(tail -n +2 "$repo/cmake/libftp.symbols" | grep -vc '^ftp_[0-9.]*@')
[ "$pages" -gt "$functions" ] || fail "libftp-devel has $pages man pages for $functions functions"
echo "   libftp: $(wc -l <"$tmp/lib.files") files; libftp-devel: $(wc -l <"$tmp/dev.files") ($pages man pages); libftp-static: libftp.a"

echo "== provides and requires"
rpm -qp --provides "$lib" >"$tmp/lib.provides"
rpm -qp --requires "$lib" >"$tmp/lib.requires"
rpm -qp --provides "$dev" >"$tmp/dev.provides"
rpm -qp --requires "$dev" >"$tmp/dev.requires"
bits=$(rpm --eval '%{__isa_bits}')
suffix=$([ "$bits" = 64 ] && echo '(64bit)' || true)
need() { grep -qxF "$3" "$tmp/$1.$2" || { cat "$tmp/$1.$2"; fail "$1 does not have '$3' in its $2"; }; }
need lib provides "libftp.so.1()$suffix"
for node in $(tail -n +2 "$repo/cmake/libftp.symbols" | sed -n 's/.*@\(ftp_[0-9.]*\)$/\1/p' | sort -u); do
  need lib provides "libftp.so.1($node)$suffix"
done
need lib provides "libftp = $version-$release"
grep -q '^libssl\.so\.3' "$tmp/lib.requires" || { cat "$tmp/lib.requires"; fail "libftp does not require libssl.so.3"; }
need dev provides "pkgconfig(libftp) = $version"
isa=$(rpm --eval '%{?_isa}')
need lib provides "libftp$isa = $version-$release"
need dev requires "libftp$isa = $version-$release"
need dev requires "pkgconfig(openssl)"
rpm -qp --conflicts "$dev" | grep -qx ftplib-devel || fail "libftp-devel does not conflict with ftplib-devel"
echo "   libftp provides: $(grep '^libftp.so' "$tmp/lib.provides" | tr '\n' ' ')"

echo "== SONAME, links, and a program built with pkg-config from the unpacked packages"
root=$tmp/root
mkdir "$root"
for p in "$lib" "$dev"; do rpm2archive - <"$p" | tar -xzf - -C "$root"; done
dir=$root$libdir
readelf -d "$dir/libftp.so.$version" | grep -q 'SONAME.*\[libftp.so.1\]' || fail "SONAME is not libftp.so.1"
[ "$(readlink "$dir/libftp.so.1")" = "libftp.so.$version" ] || fail "libftp.so.1 does not point to libftp.so.$version"
[ "$(readlink "$dir/libftp.so")" = libftp.so.1 ] || fail "libftp.so does not point to libftp.so.1"
export PKG_CONFIG_PATH=$dir/pkgconfig
# shellcheck disable=SC2046
cc -o "$tmp/consumer" "$repo/tests/consumer/main.c" $(pkg-config --cflags --libs libftp) -ldl -Wl,-rpath,"$dir"
out=$("$tmp/consumer")
echo "$out" | sed 's/^/   /'
echo "$out" | grep -q "^libftp path: $dir/libftp.so.1" || fail "the program did not load the packaged libftp.so.1"
echo "rpm.sh: OK: libftp, libftp-devel and libftp-static $version-$release, built offline from Source1"
