#!/bin/bash
# Installs what building and testing libftp needs on a fresh Debian machine (run as root).
# Idempotent: quick when everything is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# dante-server and tinyproxy: the proxies tests/proxy_behaviour.rs and the C proxy test
# start as private instances on free loopback ports (their system services are not used).
need_apt=()
for p in cmake pkg-config libssl-dev g++ curl binutils python3-pip ca-certificates \
         golang-go valgrind dpkg-dev debhelper fakeroot groff-base lftp rpm \
         dante-server tinyproxy; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
# Node.js and npm for the ftp-srv test server (any Node.js >= 18 found on PATH will do).
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${need_apt[@]}"
fi

if ! python3 -c 'import pyftpdlib, OpenSSL, ziglang' >/dev/null 2>&1; then
  python3 -m pip install -q pyftpdlib pyopenssl ziglang 2>/dev/null ||
    python3 -m pip install -q --break-system-packages pyftpdlib pyopenssl ziglang
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup-debian.sh: cargo not found; install Rust stable (https://rustup.rs) first" >&2
  exit 1
fi

# cargo-c, for the tests that install through it (tests/drivers/cargo-c.sh, offline-build.sh
# cargo-c). The newest needs a newer rustc than this machine's stable: this version,
# built without optimisation (about 4 minutes on 2 cores instead of 11; it only drives
# cargo) into a cache the tests find it in (tests/drivers/cargo-c-path.sh), kept between runs.
# It builds beside fetch.sh's unftp build: each leaves a core idle at times.
cargo_c_version=0.10.24+cargo-0.98.0
cargo_c=${XDG_CACHE_HOME:-$HOME/.cache}/libftp/cargo-c
cargo_c_pid=
if [ "$(cat "$cargo_c/version" 2>/dev/null)" != "$cargo_c_version" ]; then
  mkdir -p "$(dirname "$cargo_c")"
  (
    t0=$SECONDS
    rm -rf "$cargo_c"
    CARGO_TARGET_DIR="$cargo_c.build" cargo install --locked --quiet --debug --root "$cargo_c" \
      cargo-c --version "$cargo_c_version"
    rm -rf "$cargo_c.build"
    echo "$cargo_c_version" > "$cargo_c/version"
    echo "cargo-c $cargo_c_version built in $((SECONDS - t0)) s (cached in $cargo_c)"
  ) > "$cargo_c.log" 2>&1 &
  cargo_c_pid=$!
fi

# The real FTP servers the tests run (unpacked, not installed: the packages conflict).
bash "$here/servers/fetch.sh"

if [ -n "$cargo_c_pid" ]; then
  status=0
  wait "$cargo_c_pid" || status=$?
  cat "$cargo_c.log"
  [ "$status" = 0 ] || { echo "setup-debian.sh: building cargo-c failed" >&2; exit 1; }
fi
