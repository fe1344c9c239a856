#!/bin/bash
# Installs the test servers that do not come as Debian packages, into $LIBFTP_SERVERS
# (default: <repo>/.servers), each pinned:
#   ftp-srv 4.6.3 (Node.js, npm)  -> npm/node_modules/ftp-srv
#   unftp 0.16.0 (Rust, crates.io) -> unftp-0.16.0/bin/unftp
# unftp is built with `cargo install --locked` once and then cached: the binary is kept in
# $LIBFTP_SERVERS and in ${XDG_CACHE_HOME:-$HOME/.cache}/libftp (which outlives a fresh
# checkout, and CI can keep), and is only built when neither has it. A cold build takes
# about 5 minutes on 2 cores.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dest=${LIBFTP_SERVERS:-$repo/.servers}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

ftpsrv_version=4.6.3
unftp_version=0.16.0

# --- ftp-srv (npm) -----------------------------------------------------------------
if [ ! -f "$dest/npm/ftp-srv-$ftpsrv_version.stamp" ]; then
  command -v npm >/dev/null || { echo "fetch-more.sh: npm missing (ftp-srv needs Node.js >= 18)" >&2; exit 1; }
  mkdir -p "$dest/npm"
  # --ignore-scripts: the only install script is an optional dtrace probe's native build.
  npm install --prefix "$dest/npm" --no-audit --no-fund --ignore-scripts "ftp-srv@$ftpsrv_version" >/dev/null
  touch "$dest/npm/ftp-srv-$ftpsrv_version.stamp"
  echo "ftp-srv $ftpsrv_version installed in $dest/npm"
fi

# --- unftp (crates.io, built once, cached) -----------------------------------------
cache=${XDG_CACHE_HOME:-$HOME/.cache}/libftp/unftp-$unftp_version
target=$dest/unftp-$unftp_version
if [ ! -x "$target/bin/unftp" ] && [ -x "$cache/bin/unftp" ]; then
  mkdir -p "$target/bin"
  cp "$cache/bin/unftp" "$target/bin/unftp"
fi
if [ ! -x "$target/bin/unftp" ]; then
  command -v cargo >/dev/null || { echo "fetch-more.sh: cargo missing (unftp is built from crates.io)" >&2; exit 1; }
  build() {
    local t0=$SECONDS
    rm -rf "$target.build"
    # A private target dir so the build neither reuses nor pollutes the project's. Only
    # the JSON users back-end (the default features add Google Cloud, OpenDAL and REST
    # back-ends, hundreds of crates), and a quick release profile instead of unftp's own
    # fat LTO and one codegen unit: about 5 minutes on 2 cores instead of 25.
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
      CARGO_TARGET_DIR="$target.build/target" cargo install --locked --quiet \
      --root "$target.build" unftp --version "$unftp_version" --no-default-features --features auth_jsonfile &&
      mkdir -p "$cache/bin" "$target/bin" &&
      cp "$target.build/bin/unftp" "$cache/bin/unftp" &&
      mv "$target.build/bin/unftp" "$target/bin/unftp" &&
      rm -rf "$target.build" &&
      echo "unftp $unftp_version built in $((SECONDS - t0)) s (cached in $cache)"
  }
  build
fi

