#!/bin/bash
# The example tools ftpput, ftpls and ftpget against every server tests/servers/start.sh
# starts, in clear text and over each FTPS instance there is (explicit and implicit):
# an upload compared on the server's disk, its listing, and the download compared with
# the file sent. (ftpmirror: tests/drivers/mirror.sh; the tools' TLS options and failures:
# tests/drivers/examples-tls.sh.)
# Usage: examples-servers.sh ENV_FILE BUILD_DIR   (ENV_FILE written by start.sh)
set -euo pipefail
env_file=${1:?usage: examples-servers.sh ENV_FILE BUILD_DIR}
build=${2:?usage: examples-servers.sh ENV_FILE BUILD_DIR}
# shellcheck disable=SC1090
. "$env_file"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "examples-servers: FAIL: $*" >&2; exit 1; }
head -c 300000 /dev/urandom > "$tmp/up.bin"

# Runs a tool; against ftp-srv, again when one of its races (docs/servers.md) made the
# tool say so: a ClientHello read as a command after AUTH TLS, or an EPSV whose data
# server the previous transfer's late close undid ("No connector setup").
run() { # RACE(0/1) TOOL ARGS...
  local race=$1 tries=0
  shift
  while :; do
    if "$@" > "$tmp/out" 2> "$tmp/err"; then return 0; fi
    tries=$((tries + 1))
    if [ "$race" = 1 ] && [ "$tries" -lt 10 ] && grep -q "did not answer in TLS\|No connector setup" "$tmp/err"; then
      sleep 0.2
      continue
    fi
    fail "$* failed: $(cat "$tmp/err")"
  done
}

servers=0
# NAME PORT USER ROOT TLS(none|explicit|implicit)
while read -r name port user root tls; do
  [ -n "${!port:-}" ] && [ -n "${!root:-}" ] || fail "$name: $port or $root is not in $env_file"
  login=$FTP_USER
  [ "$user" = - ] || login=${!user}
  scheme=ftp
  opts=()
  case "$tls" in
  explicit) opts=(--tls --cacert "$CA_FILE") ;;
  implicit) scheme=ftps opts=(--cacert "$CA_FILE") ;;
  esac
  race=0
  [ "$name" = ftp-srv ] && race=1
  file=examples-$$-$servers.bin
  url="$scheme://$login:$FTP_PASS@127.0.0.1:${!port}"
  run "$race" "$build/ftpput" "${opts[@]}" "$tmp/up.bin" "$url/$file"
  cmp -s "$tmp/up.bin" "${!root}/$file" || fail "$name ($tls): the upload differs on the server's disk"
  run "$race" "$build/ftpls" "${opts[@]}" "$url/"
  grep -q "$file" "$tmp/out" || fail "$name ($tls): ftpls does not list $file: $(cat "$tmp/out")"
  run "$race" "$build/ftpget" "${opts[@]}" "$url/$file" "$tmp/down.bin"
  cmp -s "$tmp/up.bin" "$tmp/down.bin" || fail "$name ($tls): the download differs"
  rm -f "${!root}/$file" "$tmp/down.bin"
  echo "ok: $name ($tls): ftpput, ftpls, ftpget"
  servers=$((servers + 1))
done <<'TABLE'
vsftpd VSFTPD_PORT - VSFTPD_USER_ROOT none
proftpd PROFTPD_PORT - PROFTPD_USER_ROOT none
pure-ftpd PUREFTPD_PORT - PUREFTPD_USER_ROOT none
pyftpdlib PYFTPD_PORT - PYFTPD_USER_ROOT none
inetutils INETUTILS_PORT INETUTILS_USER INETUTILS_USER_ROOT none
netkit NETKIT_PORT NETKIT_USER NETKIT_USER_ROOT none
unftp UNFTP_PORT - UNFTP_USER_ROOT none
ftp-srv FTPSRV_PORT - FTPSRV_USER_ROOT none
vsftpd VSFTPS_PORT - VSFTPS_USER_ROOT explicit
vsftpd VSFTPS_IMPLICIT_PORT - VSFTPS_USER_ROOT implicit
proftpd PROFTPS_PORT - PROFTPS_USER_ROOT explicit
proftpd PROFTPS_IMPLICIT_PORT - PROFTPS_USER_ROOT implicit
pure-ftpd PUREFTPS_PORT - PUREFTPS_USER_ROOT explicit
pyftpdlib PYFTPS_PORT - PYFTPS_USER_ROOT explicit
unftp UNFTPS_PORT - UNFTP_USER_ROOT explicit
ftp-srv FTPSRVS_PORT - FTPSRV_USER_ROOT explicit
ftp-srv FTPSRV_IMPLICIT_PORT - FTPSRV_USER_ROOT implicit
TABLE
echo "examples-servers: OK: $servers server and mode pairs"
