#!/bin/bash
# ftpmirror (the library's ftp_mirror / ftp_mirror_upload) against the live servers:
# a tree with nested directories, spaces and non-ASCII names copied byte for byte, a
# re-run that transfers nothing, deletion, skip patterns, dry runs, and the reverse.
# Usage: mirror.sh ENV_FILE BUILD_DIR   (ENV_FILE written by tests/servers/start.sh)
set -euo pipefail
env_file=${1:?usage: mirror.sh ENV_FILE BUILD_DIR}
build=${2:?usage: mirror.sh ENV_FILE BUILD_DIR}
# shellcheck disable=SC1090
. "$env_file"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checks=0
ok() { checks=$((checks + 1)); echo "ok: $*"; }
fail() { echo "mirror: FAIL: $*" >&2; exit 1; }
mirror() { "$build/ftpmirror" "$@"; }

for server in vsftpd:$VSFTPD_PORT:$VSFTPD_USER_ROOT proftpd:$PROFTPD_PORT:$PROFTPD_USER_ROOT \
              pyftpdlib:$PYFTPD_PORT:$PYFTPD_USER_ROOT pure-ftpd:$PUREFTPD_PORT:$PUREFTPD_USER_ROOT; do
  IFS=: read -r name port user_root <<< "$server"
  url=ftp://127.0.0.1:$port
  dst=$tmp/$name
  out=$(mirror "$url/" "$dst" -q)
  diff -r "$ANON_ROOT" "$dst" > /dev/null || fail "$name: the copy differs: $(diff -r "$ANON_ROOT" "$dst" | head -5)"
  [ -f "$dst/dir1/sub/café ü.txt" ] && [ -f "$dst/dir1/sub/deeper dir/x y.txt" ] || fail "$name: nested names missing"
  ok "$name: tree mirrored byte for byte ($out)"

  out=$(mirror "$url/" "$dst" -q)
  [ "$out" = "0 files, 0 bytes downloaded" ] || fail "$name: re-run transferred something: $out"
  ok "$name: re-run transfers nothing"

  printf 'x' > "$dst/hello.txt"
  touch "$dst/extra.txt"
  mkdir "$dst/extra dir"
  out=$(mirror "$url/" "$dst" -d)
  printf '%s\n' "$out" | grep -q '^get *hello.txt' || fail "$name: changed file not fetched: $out"
  [ ! -e "$dst/extra.txt" ] && [ ! -e "$dst/extra dir" ] || fail "$name: -d left extra entries"
  diff -r "$ANON_ROOT" "$dst" > /dev/null || fail "$name: differs after -d"
  ok "$name: changed file fetched again, extras deleted with -d"

  out=$(mirror "$url/" "$tmp/$name-dry" -n)
  [ ! -e "$tmp/$name-dry" ] || fail "$name: dry run wrote files"
  printf '%s\n' "$out" | grep -q '^(dry run) [1-9][0-9]* files' || fail "$name: dry run said: $out"
  ok "$name: dry run changes nothing"

  mirror "$url/" "$tmp/$name-skip" -q -s '*.bin' -s 'dir1/sub' > /dev/null
  [ ! -e "$tmp/$name-skip/big.bin" ] && [ ! -e "$tmp/$name-skip/dir1/sub" ] && [ -f "$tmp/$name-skip/dir1/a.txt" ] ||
    fail "$name: skip patterns not applied"
  ok "$name: skip patterns by name and by path"

  up=ftp://$FTP_USER:$FTP_PASS@127.0.0.1:$port/mirror-up-$$
  mirror -r "$up" "$dst" -q > /dev/null
  diff -r "$dst" "$user_root/mirror-up-$$" > /dev/null || fail "$name: reverse mirror differs"
  out=$(mirror -r "$up" "$dst" -q)
  [ "$out" = "0 files, 0 bytes uploaded" ] || fail "$name: reverse re-run transferred something: $out"
  rm -rf "${user_root:?}/mirror-up-$$"
  ok "$name: reverse mirror uploads the tree, and nothing on a re-run"
done
echo "mirror: $checks checks passed"
