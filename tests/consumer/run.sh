#!/bin/bash
# run.sh MODE BUILD_DIR SOURCE_DIR    (MODE: pkgconfig | cmake | destdir)
#
# Installs the built project (cmake --install BUILD_DIR) into a fresh temporary
# prefix, builds tests/consumer/main.c out of tree against that prefix, either with
# pkg-config or with find_package(libftp), runs it and checks that the libftp.so it
# loaded is the one inside the prefix (not some other libftp.so on the system).
# pkgconfig mode also links a second consumer statically with libftp.a using
# `pkg-config --static`. destdir mode installs as a distro package build does
# (--prefix /usr, DESTDIR=staging), checks the tree (SONAME symlinks, man pages,
# nothing outside the staging directory) and builds with pkg-config and with
# find_package from the staging tree only.
#
# Environment: CMAKE, CC, PKG_CONFIG (defaults cmake, cc, pkg-config);
# KEEP_TMP=1 keeps the temporary directory.
set -euo pipefail

mode=${1:?usage: run.sh pkgconfig|cmake BUILD_DIR SOURCE_DIR}
build_dir=${2:?usage: run.sh pkgconfig|cmake BUILD_DIR SOURCE_DIR}
source_dir=${3:?usage: run.sh pkgconfig|cmake BUILD_DIR SOURCE_DIR}
CMAKE=${CMAKE:-cmake}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

case "$mode" in
  pkgconfig|cmake|destdir) ;;
  *) echo "run.sh: unknown mode '$mode' (pkgconfig, cmake or destdir)" >&2; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libftp-consumer-$mode.XXXXXX")
if [ "${KEEP_TMP:-0}" = 1 ]; then
  echo "run.sh: keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
fail() { echo "run.sh ($mode): FAIL: $*" >&2; exit 1; }

if [ "$mode" = destdir ]; then
  stage=$tmp/stage
  mkdir -p "$stage"
  echo "== install $build_dir -> DESTDIR=$stage, prefix /usr"
  DESTDIR=$stage "$CMAKE" --install "$build_dir" --prefix /usr >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install with DESTDIR failed"; }
  outside=$(find "$stage" -mindepth 1 -maxdepth 1 ! -name usr)
  [ -z "$outside" ] || fail "installed outside DESTDIR/usr: $outside"
  prefix=$stage/usr
else
  prefix=$tmp/prefix
  mkdir -p "$prefix"
  echo "== install $build_dir -> $prefix"
  "$CMAKE" --install "$build_dir" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "cmake --install failed"; }
fi
real_prefix=$(cd "$prefix" && pwd -P)

# GNUInstallDirs may have chosen lib, lib64 or lib/<multiarch>: find what was installed.
pc=$(find "$prefix" -path '*/pkgconfig/libftp.pc' -print -quit)
[ -n "$pc" ] || fail "no pkgconfig/libftp.pc under $prefix"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
for f in "$libdir/libftp.so" "$libdir/libftp.so.1" "$libdir/libftp.a" \
         "$libdir/cmake/libftp/libftpConfig.cmake" "$libdir/cmake/libftp/libftpConfigVersion.cmake" \
         "$prefix/include/ftp.h"; do
  [ -e "$f" ] || fail "$f was not installed"
done
echo "   libdir: ${libdir#"$prefix"/}"
# The SONAME chain a distro expects: libftp.so -> libftp.so.1 -> libftp.so.1.x.y (a file).
[ -L "$libdir/libftp.so" ] && [ "$(readlink "$libdir/libftp.so")" = libftp.so.1 ] ||
  fail "libftp.so is not a symlink to libftp.so.1"
real_so=$(readlink "$libdir/libftp.so.1")
case "$real_so" in libftp.so.1.*) ;; *) fail "libftp.so.1 points at '$real_so'" ;; esac
[ -f "$libdir/$real_so" ] && [ ! -L "$libdir/$real_so" ] || fail "$real_so is not a regular file"
if [ "$mode" = destdir ]; then
  for page in ftp.3 ftp_connect.3 ftp_retr_file.3; do
    [ -f "$prefix/share/man/man3/$page" ] || fail "man page $page was not installed"
  done
fi

# Runs a consumer and checks the libftp it reports comes from the prefix.
run_consumer() {
  local exe=$1 expect=$2 out path
  echo "== run $exe"
  out=$("$exe") || { printf '%s\n' "$out"; fail "$exe exited with an error"; }
  printf '%s\n' "$out"
  path=$(printf '%s\n' "$out" | sed -n 's/^libftp path: //p')
  [ -n "$path" ] || fail "$exe did not print the libftp path"
  case "$expect" in
    prefix)
      case "$path" in
        "$real_prefix"/*) echo "   OK: libftp loaded from the install prefix" ;;
        *) fail "libftp loaded from $path, not from the install prefix $real_prefix" ;;
      esac ;;
    static)
      [ "$path" = "$(cd "$(dirname "$exe")" && pwd -P)/$(basename "$exe")" ] ||
        fail "statically linked consumer found ftp_version in $path, not in itself"
      echo "   OK: libftp linked statically into the executable" ;;
  esac
}

src=$source_dir/tests/consumer/main.c

# pkg-config finds the installed libftp.pc first (openssl.pc still comes from the
# system); its libdir must lie inside the install, so no other libftp.pc was used.
pkgconfig_flags() {
  export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  "$PKG_CONFIG" --exists --print-errors libftp || fail "pkg-config does not find libftp"
  [ "$("$PKG_CONFIG" --modversion libftp)" = 1.1.0 ] || fail "pkg-config version is not 1.1.0"
  cflags=$("$PKG_CONFIG" --cflags libftp)
  libs=$("$PKG_CONFIG" --libs libftp)
  pc_libdir=$(cd "$("$PKG_CONFIG" --variable=libdir libftp)" && pwd -P) || fail "pkg-config libdir does not exist"
  case "$pc_libdir" in "$real_prefix"/*) ;; *) fail "pkg-config libdir $pc_libdir is outside the install" ;; esac
  echo "   cflags: $cflags"
  echo "   libs:   $libs"
}

build_with_pkgconfig() {
  echo "== build (shared) with pkg-config"
  # shellcheck disable=SC2086  # word splitting of the flags is intended
  "$CC" -o "$tmp/consumer" "$src" $cflags $libs -ldl -Wl,-rpath,"$pc_libdir"
  run_consumer "$tmp/consumer" prefix
}

build_with_cmake() {
  echo "== configure and build with find_package(libftp)"
  "$CMAKE" -S "$source_dir/tests/consumer" -B "$tmp/build" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=Release >"$tmp/configure.log" 2>&1 ||
    { cat "$tmp/configure.log" >&2; fail "configuring the consumer failed"; }
  found=$(sed -n 's/^libftp_DIR:PATH=//p' "$tmp/build/CMakeCache.txt")
  echo "   libftp_DIR: $found"
  case "$(cd "$found" && pwd -P)" in
    "$real_prefix"/*) ;;
    *) fail "find_package(libftp) found $found, not the install prefix" ;;
  esac
  "$CMAKE" --build "$tmp/build" >"$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log" >&2; fail "building the consumer failed"; }
  run_consumer "$tmp/build/consumer" prefix
}

case "$mode" in
destdir)
  pkgconfig_flags
  build_with_pkgconfig
  build_with_cmake
  ;;
cmake)
  build_with_cmake
  ;;
pkgconfig)
  pkgconfig_flags
  build_with_pkgconfig

  echo "== build (static libftp.a) with pkg-config --static"
  static_libs=$("$PKG_CONFIG" --static --libs libftp)
  echo "   libs:   $static_libs"
  # Use the archive for -lftp only; the system libraries stay shared.
  static_libs=$(printf '%s\n' "$static_libs" | sed 's/\(^\| \)-lftp\( \|$\)/\1-Wl,-Bstatic -lftp -Wl,-Bdynamic\2/')
  # shellcheck disable=SC2086
  "$CC" -o "$tmp/consumer-static" "$src" $cflags $static_libs -ldl
  LIBFTP_CONSUMER_STATIC=1 run_consumer "$tmp/consumer-static" static

  # FTPS from the installed header alone, against vsftpd with require_ssl_reuse=YES.
  echo "== build and run an FTPS download with pkg-config"
  env_file=${LIBFTP_TEST_ENV:-}
  if [ -z "$env_file" ] || [ ! -r "$env_file" ]; then
    [ "${CI:-}" = true ] && fail "no servers env file (LIBFTP_TEST_ENV) for the FTPS consumer"
    echo "   skipped: no servers running (LIBFTP_TEST_ENV)"
  else
    # shellcheck disable=SC1090
    . "$env_file"
    # shellcheck disable=SC2086
    "$CC" -Wall -Wextra -Werror -o "$tmp/tls_get" "$source_dir/tests/consumer/tls_get.c" $cflags $libs \
      -Wl,-rpath,"$pc_libdir"
    "$tmp/tls_get" 127.0.0.1 "$VSFTPS_PORT" "$CA_FILE" big.bin "$ANON_ROOT/big.bin" ||
      fail "the FTPS consumer failed"
  fi
  ;;
esac
echo "run.sh ($mode): OK"
