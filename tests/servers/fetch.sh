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
ls /var/lib/apt/lists/*Packages* >/dev/null 2>&1 || apt-get update -q
# Runtime libraries the unpacked binaries link against.
apt-get install -y -q libwrap0 libcap2 libpam0g libpam-modules libseccomp2 libssl3 openssl \
  libmemcached11 libmemcachedutil2 libpcre2-posix3 libsodium23 libhiredis0.14 >/dev/null
for p in "${missing[@]}"; do
  rm -f "${p}"_*.deb
  apt-get download "$p" 2>/dev/null || { apt-get update -q && apt-get download "$p"; }
  dpkg -x "${p}"_*.deb root
  touch "$p.stamp"
done
echo "servers unpacked in $dest/root"
