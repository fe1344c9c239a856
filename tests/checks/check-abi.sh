#!/bin/bash
# check-abi.sh LIBFTP_SO SYMBOLS_FILE [--update]
# Compares the functions libftp.so exports (name@version) with the list recorded in the
# repository. The first line of the list is "SONAME libftp.so.N". A symbol that
# disappeared or changed version fails the check unless the SONAME changed too (an ABI
# break needs a SONAME bump); a new symbol fails until it is recorded (--update writes
# the list), so the file always says exactly what the library exports.
set -euo pipefail
lib=${1:?usage: check-abi.sh LIBFTP_SO SYMBOLS_FILE [--update]}
list=${2:?usage: check-abi.sh LIBFTP_SO SYMBOLS_FILE [--update]}
NM=${NM:-nm}
READELF=${READELF:-readelf}

soname=$("$READELF" -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
current=$("$NM" -D --defined-only "$lib" | awk '$2 != "A" && NF >= 3 { sub(/@@/, "@", $3); print $3 }' | LC_ALL=C sort)
if [ "${3:-}" = --update ]; then
  { echo "SONAME $soname"; printf '%s\n' "$current"; } >"$list"
  echo "check-abi: wrote $(printf '%s\n' "$current" | wc -l) symbols to $list"
  exit 0
fi
[ -f "$list" ] || { echo "check-abi: FAIL: no recorded list $list (run with --update)" >&2; exit 1; }
recorded_soname=$(sed -n '1s/^SONAME //p' "$list")
recorded=$(tail -n +2 "$list" | LC_ALL=C sort)
gone=$(LC_ALL=C comm -23 <(printf '%s\n' "$recorded") <(printf '%s\n' "$current"))
added=$(LC_ALL=C comm -13 <(printf '%s\n' "$recorded") <(printf '%s\n' "$current"))
fail=0
if [ -n "$gone" ]; then
  if [ "$soname" = "$recorded_soname" ]; then
    echo "check-abi: FAIL: removed or re-versioned without a SONAME bump ($soname):" >&2
    printf '  %s\n' $gone >&2
    fail=1
  else
    echo "check-abi: note: SONAME $recorded_soname -> $soname; removed: $gone"
  fi
fi
if [ -n "$added" ]; then
  echo "check-abi: FAIL: exported but not recorded in $list (check their version node, then" >&2
  echo "  bash tests/checks/check-abi.sh $lib $list --update):" >&2
  printf '  %s\n' $added >&2
  fail=1
fi
[ "$fail" = 0 ] && echo "check-abi: OK: $(printf '%s\n' "$current" | wc -l) symbols match $list ($soname)"
exit "$fail"
