#!/bin/bash
# Unpacks vsftpd, proftpd and pure-ftpd from Debian's packages into $LIBFTP_SERVERS
# (default: <repo>/.servers). The three packages conflict with each other, so they are
# downloaded and unpacked side by side instead of installed; their shared libraries are
# installed normally. Run as root (apt-get).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dest=${LIBFTP_SERVERS:-$repo/.servers}
mkdir -p "$dest"
cd "$dest"

pkgs=(vsftpd proftpd-core proftpd-mod-crypto pure-ftpd)
missing=()
for p in "${pkgs[@]}"; do [ -f "$p.stamp" ] || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0

export DEBIAN_FRONTEND=noninteractive
# Runtime libraries the unpacked binaries link against.
libs=(libwrap0 libcap2 libpam0g libpam-modules libseccomp2 libssl3 openssl
  libmemcached11 libmemcachedutil2 libpcre2-posix3 libsodium23 libhiredis0.14)
fetch() {
  apt-get install -y -q "${libs[@]}" >/dev/null || return 1
  for p in "${missing[@]}"; do
    rm -f "${p}"_*.deb
    apt-get download "$p" || return 1
    dpkg -x "${p}"_*.deb root
    touch "$p.stamp"
  done
}
# Package lists may be missing or stale (a version no longer on the mirror): update once.
fetch || { apt-get update -q && fetch; }
echo "servers unpacked in $dest/root"
