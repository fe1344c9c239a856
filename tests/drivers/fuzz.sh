#!/bin/bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time, starting from the committed
# seeds (fuzz/seeds/<target>) in a throwaway corpus, so runs never dirty the repository.
# Any crash, leak report or timeout fails the script.
# Usage: bash tests/drivers/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-30}
export PATH="$HOME/.cargo/bin:$PATH"
# libFuzzer needs nightly-only flags; cargo fuzz on stable works with this.
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
cd "$repo/fuzz"
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$repo/fuzz/target}
targets=$(cargo fuzz list)
cargo fuzz build --release $targets >/dev/null 2>&1 || cargo fuzz build --release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
for t in $targets; do
  mkdir -p "$work/$t"
  log="$work/$t.log"
  if ! cargo fuzz run --release "$t" "$work/$t" "seeds/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz.sh: target $t FAILED (artifacts in $repo/fuzz/artifacts/$t)" >&2
    exit 1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  # A target that ran nothing tested nothing.
  if [ -z "$execs" ] || [ "$execs" = 0 ]; then
    tail -20 "$log"
    echo "fuzz.sh: target $t reported no runs" >&2
    exit 1
  fi
  echo "fuzz: $t: $execs runs in ${secs}s, no crash"
  n=$((n + 1))
done
# Every target in fuzz_targets/ ran (cargo fuzz list could leave one out).
want=$(ls fuzz_targets/*.rs | wc -l)
[ "$n" = "$want" ] || { echo "fuzz.sh: ran $n targets of the $want in fuzz/fuzz_targets" >&2; exit 1; }
echo "fuzz: $n targets, each ${secs} s, 0 crashes"
