#!/bin/bash
# The whole libftp test suite on a Debian machine, as root: installs what is missing,
# builds with CMake, runs the Rust tests (unit + scripted fake server) and then ctest
# (C API tests, live tests against vsftpd and pyftpdlib on loopback, header, export
# and install/consumer checks).
# Usage: bash tests/run.sh        (BUILD_DIR=... to build elsewhere than ./build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build}
[ "$(id -u)" = 0 ] || { echo "tests/run.sh: run as root (sudo bash tests/run.sh)" >&2; exit 1; }

bash "$repo/tests/setup-debian.sh"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j"$(nproc)"
(
  cd "$repo"
  export CARGO_TARGET_DIR="$build/cargo"
  cargo test --release
  # Lints where the toolchain has them (rustup's default profile does).
  if cargo fmt --version >/dev/null 2>&1; then cargo fmt --check; fi
  if cargo clippy --version >/dev/null 2>&1; then cargo clippy --release --all-targets -- -D warnings; fi
)
(cd "$build" && ctest --output-on-failure -j1)
echo "tests/run.sh: all tests passed"
