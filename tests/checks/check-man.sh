#!/bin/bash
# check-man.sh MANDIR LIBFTP_SO
# Fails unless every function libftp.so exports has a man page in MANDIR, ftp.3 exists,
# and every page renders with groff without a warning.
set -euo pipefail
dir=${1:?usage: check-man.sh MANDIR LIBFTP_SO}
lib=${2:?usage: check-man.sh MANDIR LIBFTP_SO}
NM=${NM:-nm}
fail=0
[ -f "$dir/ftp.3" ] || { echo "check-man: FAIL: no ftp.3" >&2; fail=1; }
n=0
for sym in $("$NM" -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }'); do
  n=$((n + 1))
  [ -f "$dir/$sym.3" ] || { echo "check-man: FAIL: $sym has no man page" >&2; fail=1; }
done
for page in "$dir"/*.3; do
  out=$(groff -man -Tutf8 -ww -z "$page" 2>&1) || true
  [ -z "$out" ] || { echo "check-man: FAIL: $page: $out" >&2; fail=1; }
  grep -q '^\.SH DESCRIPTION' "$page" || { echo "check-man: FAIL: $page has no DESCRIPTION" >&2; fail=1; }
done
[ "$n" -gt 100 ] || { echo "check-man: FAIL: only $n exported functions found in $lib" >&2; fail=1; }
[ "$fail" = 0 ] && echo "check-man: OK: $n functions, each with a page; $(ls "$dir" | wc -l) pages render cleanly"
exit "$fail"
