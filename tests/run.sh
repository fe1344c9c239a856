#!/bin/bash
# The whole libftp test suite on a Debian machine, as root: installs what is missing,
# builds with CMake, runs the Rust tests (unit + scripted fake server) and then ctest
# (C API tests, live tests against vsftpd, proftpd, pure-ftpd and pyftpdlib on loopback,
# the same C tests under ASan+UBSan and under valgrind, header, export, install/consumer
# checks and the bench smoke run), and last the fuzz targets for a bounded time.
# Usage: bash tests/run.sh        (BUILD_DIR=... to build elsewhere than ./build;
#                                  FUZZ_SECS=N per fuzz target, default 15; 0 skips)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
[ "$(id -u)" = 0 ] || { echo "tests/run.sh: run as root (sudo bash tests/run.sh)" >&2; exit 1; }

bash "$repo/tests/setup-debian.sh"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLIBFTP_SANITIZE=ON -DLIBFTP_VALGRIND=ON
cmake --build "$build" -j"$(nproc)"
(
  cd "$repo"
  export CARGO_TARGET_DIR="$build/cargo"
  cargo test --release 2>&1 | tee "$build/cargo-test.log"
  # Lints where the toolchain has them (rustup's default profile does); under CI they
  # must be there.
  for lint in fmt clippy; do
    if ! cargo $lint --version >/dev/null 2>&1; then
      [ "${CI:-}" != true ] || { echo "tests/run.sh: cargo $lint is missing" >&2; exit 1; }
      echo "tests/run.sh: cargo $lint is missing: skipped" >&2
    fi
  done
  if cargo fmt --version >/dev/null 2>&1; then cargo fmt --check; fi
  if cargo clippy --version >/dev/null 2>&1; then cargo clippy --release --all-targets -- -D warnings; fi
)
(cd "$build" && ctest --output-on-failure -j1)

fuzz_secs=${FUZZ_SECS:-15}
if [ "$fuzz_secs" = 0 ] && [ "${CI:-}" = true ]; then
  echo "tests/run.sh: FUZZ_SECS=0 skips fuzzing, which CI runs" >&2
  exit 1
fi
fuzz_line="fuzz: skipped (FUZZ_SECS=0)"
if [ "$fuzz_secs" != 0 ]; then
  bash "$repo/tests/drivers/fuzz.sh" "$fuzz_secs" | tee "$build/fuzz.log"
  fuzz_line=$(tail -n 1 "$build/fuzz.log")
fi

# The counts issue 6 asks to see: hostile-server scenarios run (and passed), fuzz targets.
hostile=$(awk '/Running tests\/hostile_server.rs/ {on=1} on && /^test result:/ {print $4; exit}' \
  "$build/cargo-test.log")
[ "${hostile:-0}" -gt 0 ] || { echo "tests/run.sh: no hostile-server scenario ran" >&2; exit 1; }
echo "tests/run.sh: hostile-server scenarios passed: $hostile"
echo "tests/run.sh: $fuzz_line"
echo "tests/run.sh: all tests passed"
