# Sourced into the inner scripts the offline build tests run under `unshare -n`
# (debian.sh, rpm.sh, offline-build.sh): proves the namespace has no network before
# anything is built there. Needs $tmp and a fail() of the caller's; leaves cargo with an
# empty CARGO_HOME (no crate cache to fall back on).
prove_no_network() {
  export CARGO_HOME=$tmp/cargo-home CARGO_NET_RETRY=0
  mkdir -p "$CARGO_HOME"
  local ifaces
  ifaces=$(awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' /proc/net/dev | tr '\n' ' ')
  [ "$ifaces" = "lo " ] || fail "network interfaces in the namespace: $ifaces"
  mkdir -p "$tmp/probe/src"
  printf '[package]\nname = "probe"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nitoa = "1"\n' \
    >"$tmp/probe/Cargo.toml"
  echo 'fn main() {}' >"$tmp/probe/src/main.rs"
  if (cd "$tmp/probe" && timeout 60 cargo generate-lockfile) >"$tmp/probe.log" 2>&1; then
    fail "cargo fetched the crates.io index: the namespace has network"
  fi
  grep -Eiq 'resolve|network|connect' "$tmp/probe.log" || { cat "$tmp/probe.log"; fail "the probe failed for another reason"; }
  echo "   no network: interfaces $ifaces(loopback only); cargo: $(grep -Ei -m1 'resolve|network|connect' "$tmp/probe.log")"
}
