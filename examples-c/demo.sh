#!/bin/bash
# "See it work": installs prerequisites, builds libftp and its examples, starts local
# FTP servers on 127.0.0.1, and lists, downloads and uploads with the example programs,
# plainly and over FTPS.
# Run as root on Debian: bash examples-c/demo.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (sudo bash examples-c/demo.sh)" >&2; exit 1; }

bash "$repo/tests/setup-debian.sh"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target ftpget ftpput ftpls

srv=$build/demo-servers
bash "$repo/tests/servers/start.sh" "$srv"
trap 'bash "$repo/tests/servers/stop.sh" "$srv"' EXIT
# shellcheck disable=SC1091
. "$srv/env"
url=ftp://127.0.0.1:$VSFTPD_PORT
user_url=ftp://$FTP_USER:$FTP_PASS@127.0.0.1:$VSFTPD_PORT

set -x
"$build/ftpls" "$url/"
"$build/ftpget" "$url/hello.txt" -
"$build/ftpget" "$url/big.bin" "$build/big.bin"
"$build/ftpput" "$build/big.bin" "$user_url/uploaded.bin"
"$build/ftpls" -v "$user_url/"
# The same over explicit FTPS, verifying the test server's certificate with its CA.
"$build/ftpget" --tls --cacert "$CA_FILE" "ftp://127.0.0.1:$VSFTPS_PORT/big.bin" "$build/big-tls.bin"
set +x
cmp "$build/big.bin" "$build/big-tls.bin"
cmp "$build/big.bin" "$VSFTPD_USER_ROOT/uploaded.bin"
echo "demo.sh: downloaded and uploaded $(stat -c %s "$build/big.bin") bytes; they match."
