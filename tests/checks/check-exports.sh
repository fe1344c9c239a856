#!/bin/bash
# check-exports.sh LIBFTP_SO [SONAME]
# Fails unless the shared library's dynamic symbol table defines only ftp_* names
# (the version nodes "ftp_1.0", "ftp_1.1", ..., absolute symbols GNU ld adds, match too) and its
# SONAME is SONAME (default libftp.so.1).
set -euo pipefail
lib=${1:?usage: check-exports.sh LIBFTP_SO [SONAME]}
want_soname=${2:-libftp.so.1}
NM=${NM:-nm}
READELF=${READELF:-readelf}

[ -f "$lib" ] || { echo "check-exports: $lib does not exist" >&2; exit 1; }

fail=0
# nm -D prints "VALUE TYPE NAME" (NAME may carry @VERSION or @@VERSION).
defined=$("$NM" -D --defined-only "$lib" | awk 'NF >= 3 { print $3 } NF == 2 { print $2 }' | sed 's/@.*//')
count=$(printf '%s\n' "$defined" | grep -c . || true)
bad=$(printf '%s\n' "$defined" | grep -v '^ftp_' | grep . || true)
if [ -n "$bad" ]; then
  echo "check-exports: FAIL: $lib exports symbols outside ftp_*:" >&2
  printf '  %s\n' $bad >&2
  fail=1
fi
for sym in ftp_version ftp_version_num ftp_new ftp_free ftp_strerror; do
  if ! printf '%s\n' "$defined" | grep -qx "$sym"; then
    echo "check-exports: FAIL: $lib does not export $sym" >&2
    fail=1
  fi
done
# Every ftp_ function should carry a version node ftp_1.N (nm shows NAME@@VERSION since
# binutils 2.35; older nm prints no versions, so the check is skipped there).
all=$("$NM" -D --defined-only "$lib")
unversioned=$(printf '%s\n' "$all" | awk '$2 != "A" && NF >= 3 { print $3 }' | grep -Ev '@@?ftp_1\.[0-9]+$' || true)
if ! printf '%s\n' "$all" | grep -q '@'; then
  echo "check-exports: note: this nm prints no symbol versions; version check skipped"
elif [ -n "$unversioned" ]; then
  echo "check-exports: FAIL: symbols without an ftp_1.N version:" >&2
  printf '  %s\n' $unversioned >&2
  fail=1
fi

soname=$("$READELF" -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" != "$want_soname" ]; then
  echo "check-exports: FAIL: SONAME of $lib is '${soname:-<none>}', want '$want_soname'" >&2
  fail=1
fi

if [ "$fail" = 0 ]; then
  echo "check-exports: OK: $count defined dynamic symbols, all ftp_*; SONAME $soname"
fi
exit "$fail"
