#!/bin/bash
# binding-coverage.sh [REPO]
# Fails when a function libftp exports (cmake/libftp.symbols) is reachable from neither
# the Go binding (a cgo call C.ftp_x in bindings/go) nor the Zig binding (c.ftp_x, the
# translated header, in bindings/zig), unless it is a deliberate omission below.
# Prints, for information, what each binding leaves to the other.
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/../..}" && pwd)

# Deliberate omissions: NAME, then why neither binding calls it. Keep this list short.
omissions=(
  ftp_list_get "the 1.0 name of ftp_list_all (the same function), kept for the ABI only"
  ftp_tls_config_insecure_skip_verify "the 1.0 name of ftp_tls_config_set_insecure_skip_verify (the same function)"
  ftp_transfercmd "ftp_ntransfercmd without the announced size: the bindings call ftp_ntransfercmd"
)

declare -A omitted=()
for ((i = 0; i < ${#omissions[@]}; i += 2)); do
  omitted[${omissions[i]}]=${omissions[i + 1]}
done

mapfile -t exported < <(sed -n 's/^\(ftp_[a-z0-9_]*\)@.*/\1/p' "$repo/cmake/libftp.symbols" | sort -u)
[ "${#exported[@]}" -gt 100 ] || { echo "binding-coverage: only ${#exported[@]} names in cmake/libftp.symbols" >&2; exit 1; }

refs() { # DIR GLOB PREFIX: the ftp_* names called as PREFIX.ftp_x in DIR's GLOB files
  [ -d "$1" ] || return 0
  find "$1" -name "$2" -type f -print0 | xargs -0 -r grep -ohE "(^|[^A-Za-z0-9_])$3\.ftp_[a-z0-9_]+\b" |
    sed -E 's/.*\.(ftp_[a-z0-9_]+)$/\1/' | sort -u
}
declare -A in_go=() in_zig=()
while read -r n; do [ -n "$n" ] && in_go[$n]=1; done < <(refs "$repo/bindings/go" '*.go' C)
while read -r n; do [ -n "$n" ] && in_zig[$n]=1; done < <(refs "$repo/bindings/zig" '*.zig' c)

missing=() go_only=() zig_only=() stale=()
for n in "${exported[@]}"; do
  g=${in_go[$n]:-} z=${in_zig[$n]:-}
  if [ -n "${omitted[$n]+x}" ]; then
    continue
  fi
  if [ -z "$g" ] && [ -z "$z" ]; then
    missing+=("$n")
  fi
  [ -z "$g" ] && zig_only+=("$n")
  [ -z "$z" ] && go_only+=("$n")
done
for n in "${!omitted[@]}"; do
  grep -qx "$n" < <(printf '%s\n' "${exported[@]}") || stale+=("$n")
done

echo "binding-coverage: ${#exported[@]} exported functions, ${#omitted[@]} deliberate omissions"
echo "binding-coverage: not called from Go (${#zig_only[@]}): ${zig_only[*]:-none}"
echo "binding-coverage: not called from Zig (${#go_only[@]}): ${go_only[*]:-none}"
status=0
if [ "${#stale[@]}" -gt 0 ]; then
  echo "binding-coverage: omissions that libftp no longer exports: ${stale[*]}" >&2
  status=1
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "binding-coverage: exported but reachable from neither Go nor Zig (${#missing[@]}):" >&2
  printf '  %s\n' "${missing[@]}" >&2
  echo "binding-coverage: bind them, or add each to the omissions in $0 with the reason" >&2
  status=1
fi
exit "$status"
