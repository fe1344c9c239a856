#!/bin/bash
# Stops the servers start.sh started in WORKDIR (by their pid files).
# Usage: stop.sh WORKDIR
[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
for f in "$1"/*.pid; do
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null && for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$f"
done
exit 0
