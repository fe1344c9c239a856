#!/bin/bash
# Stops the servers start.sh started in WORKDIR (by their pid files).
# Usage: stop.sh WORKDIR
[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
# Gone, or a zombie nobody reaps (the starting shell has exited).
alive() { [ -n "$(ps -o stat= -p "$1" 2>/dev/null | grep -v Z)" ]; }
for f in "$1"/*.pid; do
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null && for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$f"
done
if [ -f "$1/data-dir" ]; then
  data=$(cat "$1/data-dir")
  # Only what start.sh made (under /tmp, or LIBFTP_DATA_PARENT such as /dev/shm).
  case "$(basename "$data")" in libftp-ftpdata.*) rm -rf "$data" ;; esac
  rm -f "$1/data-dir"
fi
# The private /etc of LIBFTP_PRIVATE_ETC=1: its mount went with the servers' namespace.
if [ -f "$1/etc-dir" ]; then
  etc=$(cat "$1/etc-dir")
  case "$(basename "$etc")" in libftp-etc.*) rm -rf "$etc" ;; esac
  rm -f "$1/etc-dir"
fi
exit 0
