#!/bin/bash
# Unpacks vsftpd, proftpd, pure-ftpd, inetutils-ftpd and ftpd-ssl from Debian's packages
# into $LIBFTP_SERVERS (default: <repo>/.servers). The packages conflict with each other
# (each is "the" ftp-server), so they are downloaded and unpacked side by side instead of
# installed; their shared libraries are installed normally. Then fetch-more.sh installs
# the servers from other registries (ftp-srv from npm, unftp from crates.io).
# Run as root (apt-get).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$(cd "$(dirname "$0")" && pwd)
dest=${LIBFTP_SERVERS:-$repo/.servers}
mkdir -p "$dest"
cd "$dest"

pkgs=(vsftpd proftpd-core proftpd-mod-crypto pure-ftpd inetutils-ftpd ftpd-ssl)
missing=()
for p in "${pkgs[@]}"; do [ -f "$p.stamp" ] || missing+=("$p"); done

export DEBIAN_FRONTEND=noninteractive
# Runtime libraries the unpacked binaries link against.
libs=(libwrap0 libcap2 libpam0g libpam-modules libseccomp2 libssl3 openssl
  libmemcached11 libmemcachedutil2 libpcre2-posix3 libsodium23 libhiredis0.14 libcrypt1)
fetch() {
  apt-get install -y -q "${libs[@]}" >/dev/null || return 1
  for p in "${missing[@]}"; do
    rm -f "${p}"_*.deb
    apt-get download "$p" || return 1
    dpkg -x "${p}"_*.deb root
    touch "$p.stamp"
  done
}
if [ ${#missing[@]} -gt 0 ]; then
  # Package lists may be missing or stale (a version no longer on the mirror): update once.
  fetch || { apt-get update -q && fetch; }
  echo "servers unpacked in $dest/root"
fi
LIBFTP_SERVERS=$dest bash "$here/fetch-more.sh"
