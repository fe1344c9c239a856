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

# The real FTP servers the tests run (unpacked, not installed: the packages conflict).
bash "$here/servers/fetch.sh"
