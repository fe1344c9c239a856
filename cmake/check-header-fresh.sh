#!/bin/bash
# check-header-fresh.sh SOURCE_DIR
# Run after the cargo build (whose build.rs regenerates include/ftp.h with cbindgen):
# fails when the committed include/ftp.h differs from what cbindgen produced.
set -euo pipefail
src=${1:?usage: check-header-fresh.sh SOURCE_DIR}
GIT=${GIT:-git}

if ! command -v "$GIT" >/dev/null 2>&1; then
  echo "header_is_fresh: FAIL: git not found; this check compares include/ftp.h with the committed version" >&2
  exit 1
fi
if ! "$GIT" -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "header_is_fresh: FAIL: $src is not a git checkout, so there is no committed include/ftp.h to compare with" >&2
  exit 1
fi
if ! "$GIT" -C "$src" ls-files --error-unmatch include/ftp.h >/dev/null 2>&1; then
  echo "header_is_fresh: FAIL: include/ftp.h is not tracked by git (commit the generated header)" >&2
  exit 1
fi
if ! "$GIT" -C "$src" diff --exit-code HEAD -- include/ftp.h; then
  echo "header_is_fresh: FAIL: include/ftp.h differs from the committed version after the cargo build;" >&2
  echo "  cbindgen (build.rs) regenerated it from src/capi/: review and commit include/ftp.h" >&2
  exit 1
fi
echo "header_is_fresh: OK: include/ftp.h matches the committed version"
