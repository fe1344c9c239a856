#!/bin/bash
# bindings.sh go|go-consumer|zig|zig-package|docs BUILD_DIR
# Installs the built library into a temporary prefix (as a user would, found through
# pkg-config only), then:
#   go    go vet and go test (with -race) of bindings/go against the test servers
#   go-consumer  a Go program in a temporary module outside the checkout, using the
#         binding through a replace directive (as docs/quickstart.md says), built and
#         run against vsftpd; and CGO_ENABLED=0 must fail with the binding's message
#   zig   zig build test of bindings/zig against vsftpd, proftpd and vsftpd's FTPS
#   zig-package  a Zig project outside the checkout depends on bindings/zig as
#         docs/quickstart.md says (zig fetch --save), builds and runs against vsftpd
#   docs  extracts every C, C++, Go and Zig block of docs/*.md and README.md, builds each,
#         and runs the quick starts of docs/ against vsftpd (they must print hello.txt)
# The servers come from $LIBFTP_TEST_ENV (tests/servers/start.sh).
set -euo pipefail
mode=${1:?usage: bindings.sh go|go-consumer|zig|zig-package|docs BUILD_DIR}
build=$(cd "${2:?usage: bindings.sh go|go-consumer|zig|zig-package|docs BUILD_DIR}" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
env_file=$(realpath "${LIBFTP_TEST_ENV:?LIBFTP_TEST_ENV must name the servers env file}")
export LIBFTP_TEST_ENV=$env_file
# shellcheck disable=SC1090
. "$env_file"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libftp-$mode.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log"
pcdir=$(dirname "$(find "$tmp/prefix" -name libftp.pc -print -quit)")
libdir=$(dirname "$pcdir")
export PKG_CONFIG_PATH="$pcdir"
# Programs find the library of this prefix at run time (not another libftp.so).
export CGO_LDFLAGS="-Wl,-rpath,$libdir"
export GOFLAGS=-mod=mod GOPROXY=off GOCACHE=${GOCACHE:-$HOME/.cache/go-build}

# Fails if a zig command of this run wrote bindings/zig/.zig-cache (the caches go to $tmp).
no_cache_in_checkout() {
  [ -z "$(find "$repo/bindings/zig/.zig-cache" -newer "$tmp/install.log" -print -quit 2>/dev/null)" ] ||
    { echo "bindings.sh: zig wrote .zig-cache into the checkout" >&2; exit 1; }
}

case "$mode" in
go)
  cd "$repo/bindings/go"
  unformatted=$(gofmt -l .)
  [ -z "$unformatted" ] || { echo "bindings.sh: not gofmt'ed: $unformatted" >&2; exit 1; }
  go vet ./...
  go test -count=1 -race -v ./... 2>&1 | tee "$tmp/go.log"
  grep -q '^ok' "$tmp/go.log"
  grep -q -- '--- SKIP' "$tmp/go.log" && { echo "bindings.sh: a Go test skipped" >&2; exit 1; }
  echo "bindings.sh: go: $(grep -c -- '^--- PASS' "$tmp/go.log") tests passed"
  ;;
go-consumer)
  # A project of its own, outside the checkout, as a user would write it.
  app=$tmp/app
  case "$app" in "$repo"/*) echo "bindings.sh: $app is inside the checkout" >&2; exit 1 ;; esac
  mkdir -p "$app"
  cat >"$app/go.mod" <<MOD
module example.com/fetch

go 1.19

require github.com/libftp/libftp/bindings/go v0.0.0

replace github.com/libftp/libftp/bindings/go => $repo/bindings/go
MOD
  cat >"$app/main.go" <<'GO'
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/libftp/libftp/bindings/go/ftp"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ftp.Dial(ctx, "127.0.0.1:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()
	if err := c.Login(ctx, "anonymous", ""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var b strings.Builder
	if _, err := c.RetrTo(ctx, "hello.txt", &b); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s %s", ftp.Version(), b.String())
}
GO
  (cd "$app" && go vet . && go build -o fetch .)
  out=$("$app/fetch" "$VSFTPD_PORT")
  [ "$out" = "$(pkg-config --modversion libftp) hello, world" ] || { echo "bindings.sh: go-consumer printed: $out" >&2; exit 1; }
  echo "bindings.sh: go-consumer: built outside the checkout ($app) and ran: $out"
  # Without cgo the binding cannot build; the error must say so, not "build constraints
  # exclude all Go files".
  if nocgo=$(cd "$app" && CGO_ENABLED=0 go build -o fetch-nocgo . 2>&1); then
    echo "bindings.sh: go-consumer: built with CGO_ENABLED=0" >&2
    exit 1
  fi
  grep -q 'needs_cgo' <<<"$nocgo" || { echo "bindings.sh: CGO_ENABLED=0 said: $nocgo" >&2; exit 1; }
  echo "bindings.sh: go-consumer: CGO_ENABLED=0 fails with: $(grep -m1 needs_cgo <<<"$nocgo")"
  ;;
zig)
  # The build cache goes to $tmp (never .zig-cache in the checkout); the global cache
  # (Zig's std, compiler_rt) is shared across runs, outside the checkout too.
  cd "$repo/bindings/zig"
  pin=$(openssl x509 -in "$CERT_DIR/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64)
  python3 -m ziglang build test --summary all --cache-dir "$tmp/zig-cache" \
    -Dport="$VSFTPD_PORT" -Dproftpd-port="$PROFTPD_PORT" -Dvsftps-port="$VSFTPS_PORT" \
    -Dbig-size="$BIG_SIZE" -Dbig-sha256="$BIG_SHA256" -Duser="$FTP_USER" -Dpass="$FTP_PASS" \
    -Dca-file="$CA_FILE" -Dca-dir="$CA_DIR" -Dcert-dir="$CERT_DIR" -Dtls-pin="sha256//$pin" \
    -Dtmp-dir="$tmp" 2>&1 | tee "$tmp/zig.log"
  no_cache_in_checkout
  grep -Eq 'run test [0-9]+ pass \([0-9]+ total\)' "$tmp/zig.log" ||
    { echo "bindings.sh: zig tests did not all run and pass" >&2; exit 1; }
  n=$(grep -Eo 'run test [0-9]+ pass' "$tmp/zig.log" | grep -Eo '[0-9]+' | tail -1)
  echo "zig: $n passed, 0 failed"
  ;;
zig-package)
  # Another project, in a directory outside the checkout, follows docs/quickstart.md:
  # `zig fetch --save` of bindings/zig, b.dependency("libftp"), import "ftp".
  proj=$tmp/zig-consumer
  mkdir -p "$proj/src"
  cd "$proj"
  zig() { python3 -m ziglang "$@"; }
  zig init --minimal >/dev/null 2>&1 || true
  python3 - "$repo/docs/quickstart.md" "$proj" <<'PY'
import re, sys
md, proj = sys.argv[1], sys.argv[2]
text = open(md).read()
zig = text[text.index("## Zig"):]
zig = zig[: zig.find("\n## ", 1) if "\n## " in zig[1:] else len(zig)]
blocks = dict((name, body) for name, body in re.findall(r"^```zig\n// (build\.zig|src/main\.zig)[^\n]*\n(.*?)^```", zig, re.S | re.M))
assert set(blocks) == {"build.zig", "src/main.zig"}, f"quickstart.md's Zig section lacks {{'build.zig', 'src/main.zig'}}: {sorted(blocks)}"
for name, body in blocks.items():
    open(f"{proj}/{name}", "w").write(body)
PY
  [ -f build.zig.zon ] || { echo "bindings.sh: zig init made no build.zig.zon" >&2; exit 1; }
  zig fetch --cache-dir "$tmp/zig-cache" --save=libftp "$repo/bindings/zig"
  grep -q '\.libftp' build.zig.zon || { echo "bindings.sh: zig fetch --save did not add libftp" >&2; exit 1; }
  out=$(zig build run --cache-dir "$tmp/zig-cache" -- 127.0.0.1 "$VSFTPD_PORT" 2>&1) ||
    { echo "bindings.sh: the consumer failed: $out" >&2; exit 1; }
  grep -qx 'hello, world' <<<"$out" || { echo "bindings.sh: the consumer printed: $out" >&2; exit 1; }
  no_cache_in_checkout
  echo "zig-package: 1 passed, 0 failed"
  ;;
docs)
  # Pull out the fenced blocks: docs/*.md are quick starts (built and run), README.md's
  # C examples connect to port 21 or are fragments, so they are built only, as are the
  # C fragments (no main) of docs/*.md.
  python3 - "$tmp/blocks" "$repo"/docs/*.md "$repo/README.md" <<'PY'
import os, re, sys
out = sys.argv[1]
os.makedirs(out)
ext = {"c": "c", "cpp": "cpp", "go": "go", "zig": "zig"}
n = 0
for md in sys.argv[2:]:
    kind = "readme" if md.endswith("README.md") else "doc"
    for lang, body in re.findall(r"^```(\w+)\n(.*?)^```", open(md).read(), re.S | re.M):
        if lang in ext:
            n += 1
            if lang == "c" and "main(" not in body:
                # A fragment (README's FTPS lines): compiled inside a function using h.
                body = "#include <ftp.h>\n#include <stdio.h>\nvoid fragment(ftp_session *h);\nvoid fragment(ftp_session *h) {\n" + body + "}\n"
            with open(f"{out}/{kind}{n:02d}.{ext[lang]}", "w") as f:
                f.write(body)
print(f"docs: {n} code blocks")
PY
  pkg_cflags=$(pkg-config --cflags libftp)
  pkg_libs=$(pkg-config --libs libftp)
  ran=0
  # Each quick start runs against every server the tests start in clear text with
  # anonymous logins (vsftpd, proftpd, pure-ftpd, pyftpdlib, inetutils, netkit, unftp,
  # ftp-srv):
  # the listing and hello.txt, printed as "hello, world".
  ports=()
  for key in VSFTPD_PORT PROFTPD_PORT PUREFTPD_PORT PYFTPD_PORT INETUTILS_PORT NETKIT_PORT UNFTP_PORT FTPSRV_PORT; do
    [ -n "${!key:-}" ] || { echo "bindings.sh: $key is not in $env_file" >&2; exit 1; }
    ports+=("${!key}")
  done
  hello_everywhere() { # NAME RUNNER: RUNNER PORT runs the quick start against that port
    local port out n=0
    for port in "${ports[@]}"; do
      # A quick start that finds hello.txt by walking the listing cannot on netkit:
      # its anonymous LIST is empty here (it runs /bin/ls, which the chroot lacks; see
      # docs/servers.md).
      if [ "$port" = "$NETKIT_PORT" ] && grep -q 'ftp_walk' "$f"; then continue; fi
      n=$((n + 1))
      out=$("$2" "$port" 2>"$tmp/stderr") || true
      grep -qx 'hello, world' <<<"$out" ||
        { echo "bindings.sh: $1 against port $port printed: $out $(cat "$tmp/stderr")" >&2; exit 1; }
    done
    echo "docs: $1 built and ran against $n servers"
    ran=$((ran + 1))
  }
  # A quick start whose usage names CAFILE (HOST PORT CAFILE USER PASSWORD [implicit])
  # runs against every FTPS instance instead, as the test user; ftp-srv's explicit one
  # again when its AUTH TLS race (docs/servers.md) made it say so.
  tls_everywhere() { # NAME
    local row port mode out n=0 tries
    for row in "$VSFTPS_PORT" "$VSFTPS_IMPLICIT_PORT implicit" "$PROFTPS_PORT" "$PROFTPS_IMPLICIT_PORT implicit" \
               "$PUREFTPS_PORT" \
               "$PYFTPS_PORT" "$UNFTPS_PORT" "$FTPSRVS_PORT" "$FTPSRV_IMPLICIT_PORT implicit"; do
      read -r port mode <<<"$row"
      tries=0
      while :; do
        # shellcheck disable=SC2086
        out=$("$bin" 127.0.0.1 "$port" "$CA_FILE" "$FTP_USER" "$FTP_PASS" $mode 2>"$tmp/stderr") || true
        grep -qx 'hello, world' <<<"$out" && break
        tries=$((tries + 1))
        [ "$port" = "$FTPSRVS_PORT" ] && [ "$tries" -lt 10 ] && grep -q "did not answer in TLS" "$tmp/stderr" && continue
        echo "bindings.sh: $1 against FTPS port $port ${mode:-explicit} printed: $out $(cat "$tmp/stderr")" >&2
        exit 1
      done
      n=$((n + 1))
    done
    echo "docs: $1 built and ran against $n FTPS servers"
    ran=$((ran + 1))
  }
  run_bin() { "$bin" 127.0.0.1 "$1"; }
  run_zig() {
    (cd "$repo/bindings/zig" && python3 -m ziglang build quickstart --cache-dir "$tmp/zig-cache" \
      -Dquickstart="$f" -Darg=127.0.0.1 -Darg="$1" 2>&1)
  }
  for f in "$tmp"/blocks/*; do
    name=$(basename "$f")
    case "$f" in
    *.c)
      # shellcheck disable=SC2086
      if grep -q 'main(' "$f"; then
        cc -std=c11 -Wall -Wextra -Werror -o "$f.bin" "$f" $pkg_cflags $pkg_libs -Wl,-rpath,"$libdir"
      else
        cc -std=c11 -Wall -Wextra -Werror -c -o "$f.o" "$f" $pkg_cflags
      fi
      # Quick starts run; fragments (docs/tls.md's, README's) are built only.
      if [[ $name == doc* && -e $f.bin ]]; then
        bin=$f.bin
        hello_everywhere "$name" run_bin
      else
        echo "docs: $name built"
      fi
      ;;
    *.cpp)
      # shellcheck disable=SC2086
      c++ -std=c++17 -Wall -Wextra -Werror -o "$f.bin" "$f" $pkg_cflags $pkg_libs -Wl,-rpath,"$libdir"
      bin=$f.bin
      hello_everywhere "$name" run_bin
      ;;
    *.go)
      mod=$tmp/gomod-$name
      mkdir -p "$mod"
      cp "$f" "$mod/main.go"
      cat >"$mod/go.mod" <<MOD
module quickstart

go 1.19

require github.com/libftp/libftp/bindings/go v0.0.0
replace github.com/libftp/libftp/bindings/go => $repo/bindings/go
MOD
      (cd "$mod" && go vet . && go build -o "$f.bin" .)
      bin=$f.bin
      if grep -q 'HOST PORT CAFILE' "$f"; then
        tls_everywhere "$name"
      else
        hello_everywhere "$name" run_bin
      fi
      ;;
    *.zig)
      # A project's build.zig is run by the zig-package mode (with its src/main.zig).
      if head -1 "$f" | grep -q '^// build\.zig'; then
        echo "docs: $name is a project's build.zig (tests/drivers/bindings.sh zig-package builds it)"
        continue
      fi
      hello_everywhere "$name" run_zig
      ;;
    esac
  done
  [ "$ran" -ge 4 ] || { echo "bindings.sh: only $ran quick starts ran" >&2; exit 1; }
  echo "bindings.sh: docs: $ran quick starts built and ran"
  ;;
*) echo "bindings.sh: unknown mode $mode" >&2; exit 2 ;;
esac
