#!/bin/bash
# check-header-fresh.sh SOURCE_DIR
# Regenerates the header with tools/gen-header (cbindgen, from src/capi/) into a
# temporary file and fails when it differs from include/ftp.h, or, in a git checkout,
# when include/ftp.h differs from the committed version.
# Environment: CARGO (default cargo), CARGO_TARGET_DIR (where the tool is built;
# default a directory under the temporary one, which then rebuilds cbindgen each time).
set -euo pipefail
src=${1:?usage: check-header-fresh.sh SOURCE_DIR}
CARGO=${CARGO:-cargo}
GIT=${GIT:-git}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libftp-header.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$tmp/target}
regen="cargo run --manifest-path tools/gen-header/Cargo.toml   (or: cmake --build BUILD_DIR --target header)"

if ! "$CARGO" run --quiet --locked --manifest-path "$src/tools/gen-header/Cargo.toml" -- "$tmp/ftp.h" \
     >"$tmp/log" 2>&1; then
  cat "$tmp/log" >&2
  echo "header_is_fresh: FAIL: tools/gen-header could not generate the header" >&2
  exit 1
fi
if ! cmp -s "$tmp/ftp.h" "$src/include/ftp.h"; then
  diff -u "$src/include/ftp.h" "$tmp/ftp.h" | head -60 >&2 || true
  echo "header_is_fresh: FAIL: include/ftp.h is not what cbindgen generates from src/capi/ now." >&2
  echo "  Regenerate it from the source tree with" >&2
  echo "    $regen" >&2
  echo "  then review and commit include/ftp.h" >&2
  exit 1
fi
# The header is the product: the generated one must also be the committed one.
if "$GIT" -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  if ! "$GIT" -C "$src" ls-files --error-unmatch include/ftp.h >/dev/null 2>&1; then
    echo "header_is_fresh: FAIL: include/ftp.h is not tracked by git (commit the generated header)" >&2
    exit 1
  fi
  if ! "$GIT" -C "$src" diff --quiet HEAD -- include/ftp.h; then
    echo "header_is_fresh: FAIL: include/ftp.h is up to date but differs from the committed version: commit it" >&2
    exit 1
  fi
fi
echo "header_is_fresh: OK: include/ftp.h is what tools/gen-header generates"
