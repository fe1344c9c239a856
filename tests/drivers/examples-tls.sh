#!/bin/bash
# The example tools over FTPS against the live servers: --tls and ftps:// URLs, --cacert,
# --insecure, --cert/--key, the failures a user sees without them, and the progress bar.
# Usage: examples-tls.sh ENV_FILE BUILD_DIR   (ENV_FILE written by tests/servers/start.sh)
set -euo pipefail
env_file=${1:?usage: examples-tls.sh ENV_FILE BUILD_DIR}
build=${2:?usage: examples-tls.sh ENV_FILE BUILD_DIR}
# shellcheck disable=SC1090
. "$env_file"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checks=0
ok() { checks=$((checks + 1)); echo "ok: $*"; }
fail() { echo "examples-tls: FAIL: $*" >&2; exit 1; }
# Runs a tool that must fail with status 1 and a message matching a pattern.
must_fail() { # PATTERN COMMAND...
  local pattern=$1 status=0
  shift
  "$@" > "$tmp/out" 2> "$tmp/err" || status=$?
  [ "$status" = 1 ] || fail "$* exited $status, want 1; stderr: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "$*: stderr lacks '$pattern': $(cat "$tmp/err")"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

vs=127.0.0.1:$VSFTPS_PORT
"$build/ftpget" --tls --cacert "$CA_FILE" "ftp://$vs/big.bin" "$tmp/big1"
[ "$(sha "$tmp/big1")" = "$BIG_SHA256" ] || fail "explicit FTPS download differs"
ok "ftpget --tls --cacert: big.bin from vsftpd (require_ssl_reuse)"

"$build/ftpget" --cacert "$CA_FILE" "ftps://127.0.0.1:$VSFTPS_IMPLICIT_PORT/big.bin" "$tmp/big2"
[ "$(sha "$tmp/big2")" = "$BIG_SHA256" ] || fail "implicit FTPS download differs"
ok "ftpget ftps:// (implicit): big.bin"

"$build/ftpget" -n 4 --tls --cacert "$CA_FILE" "ftp://$vs/big.bin" "$tmp/big5"
[ "$(sha "$tmp/big5")" = "$BIG_SHA256" ] || fail "segmented FTPS download differs"
[ ! -e "$tmp/big5.part" ] && [ ! -e "$tmp/big5.segments" ] || fail "ftpget -n left its part or state file"
ok "ftpget -n 4 --tls: big.bin in 4 segments (require_ssl_reuse on each connection)"

# -c continues the .part an earlier run left (here its first MiB); the result has the
# server's modification time.
head -c 1048576 "$tmp/big5" > "$tmp/big6.part"
"$build/ftpget" -c --tls --cacert "$CA_FILE" "ftp://$vs/big.bin" "$tmp/big6"
[ "$(sha "$tmp/big6")" = "$BIG_SHA256" ] && [ ! -e "$tmp/big6.part" ] || fail "ftpget -c: resumed file differs"
[ "$(stat -c %Y "$tmp/big6")" = "$(stat -c %Y "$ANON_ROOT/big.bin")" ] || fail "ftpget: not the server's modification time"
ok "ftpget -c: resumes big.bin.part, server's mtime"

status=0
"$build/ftpget" -n 0 "ftp://$vs/big.bin" "$tmp/x" 2> "$tmp/err" || status=$?
[ "$status" = 2 ] && grep -q "1 to 64" "$tmp/err" || fail "ftpget -n 0: status $status, $(cat "$tmp/err")"
ok "ftpget -n 0 is a usage error"

name=examples-tls-$$.bin
"$build/ftpput" --tls --cacert "$CA_FILE" "$tmp/big1" "ftp://$FTP_USER:$FTP_PASS@$vs/$name"
cmp "$tmp/big1" "$VSFTPS_USER_ROOT/$name" || fail "explicit FTPS upload differs"
rm -f "$VSFTPS_USER_ROOT/$name"
ok "ftpput --tls: upload arrives byte-identical"

"$build/ftpls" --tls --cacert "$CA_FILE" "ftp://$vs/" > "$tmp/ls"
grep -q 'big.bin' "$tmp/ls" || fail "ftpls --tls does not list big.bin: $(cat "$tmp/ls")"
ok "ftpls --tls lists the root"

must_fail "not trusted" "$build/ftpget" --tls "ftp://$vs/hello.txt" "$tmp/x"
ok "without --cacert: refused, certificate not trusted"
"$build/ftpget" --tls --insecure "ftp://$vs/hello.txt" "$tmp/hello" 2> "$tmp/err"
grep -q "insecure" "$tmp/err" || fail "--insecure gave no warning"
[ "$(cat "$tmp/hello")" = "hello, world" ] || fail "--insecure download differs"
ok "--insecure: works, with a warning"

must_fail "not trusted" "$build/ftpget" --tls --cacert "$CA_FILE" \
  "ftp://127.0.0.1:$PYFTPS_UNTRUSTED_PORT/hello.txt" "$tmp/x"
"$build/ftpget" --tls --insecure "ftp://127.0.0.1:$PYFTPS_UNTRUSTED_PORT/hello.txt" "$tmp/x" 2>/dev/null
ok "untrusted server: refused with --cacert, accepted with --insecure"

must_fail "expired" "$build/ftpget" --tls --cacert "$CA_FILE" "ftp://127.0.0.1:$PYFTPS_EXPIRED_PORT/hello.txt" "$tmp/x"
must_fail "host name" "$build/ftpget" --tls --cacert "$CA_FILE" \
  "ftp://127.0.0.1:$PYFTPS_WRONGHOST_PORT/hello.txt" "$tmp/x"
must_fail "TLS required" "$build/ftpget" --tls --cacert "$CA_FILE" "ftp://127.0.0.1:$VSFTPD_PORT/hello.txt" "$tmp/x"
ok "expired, wrong host and plain servers: each refused with its own message"

cc=127.0.0.1:$PYFTPS_CLIENTCERT_PORT
"$build/ftpget" --tls --cacert "$CA_FILE" --cert "$CLIENT_CERT" --key "$CLIENT_KEY" "ftp://$cc/hello.txt" "$tmp/cc"
[ "$(cat "$tmp/cc")" = "hello, world" ] || fail "client-certificate download differs"
# TLS 1.3 checks the client certificate after the client's handshake ends: the refusal
# comes as an alert or, if the server's reset wins the race, as a reset on the next send.
must_fail "TLS\|reset" "$build/ftpget" --tls --cacert "$CA_FILE" "ftp://$cc/hello.txt" "$tmp/x"
ok "client certificate: accepted with --cert/--key, refused without"

status=0
"$build/ftpget" --cacert "$CA_FILE" "ftp://$vs/hello.txt" "$tmp/x" 2> "$tmp/err" || status=$?
[ "$status" = 2 ] && grep -q "need --tls" "$tmp/err" || fail "TLS options without --tls: status $status"
status=0
"$build/ftpget" --tls --cert "$CLIENT_CERT" "ftp://$vs/hello.txt" "$tmp/x" 2> "$tmp/err" || status=$?
[ "$status" = 2 ] || fail "--cert without --key: status $status"
ok "usage errors: TLS options without TLS, --cert without --key"

# A progress bar on a terminal (script(1) gives the tool one), nothing otherwise.
script -qec "$build/ftpget --tls --cacert $CA_FILE ftp://$vs/big.bin $tmp/big3" /dev/null > "$tmp/tty" 2>&1
grep -q "100%.*8.0 MiB / 8.0 MiB" "$tmp/tty" || fail "no progress bar on a terminal: $(tr '\r' '\n' < "$tmp/tty" | tail -2)"
"$build/ftpget" --tls --cacert "$CA_FILE" "ftp://$vs/big.bin" "$tmp/big4" 2> "$tmp/err"
[ ! -s "$tmp/err" ] || fail "output on a non-terminal stderr: $(cat "$tmp/err")"
ok "progress bar on a terminal only"

echo "examples-tls: $checks checks passed"
