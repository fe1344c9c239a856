# Sourced by the tests that run cargo-c: puts the cargo-c tests/setup-debian.sh built
# (in the user's cache) on PATH, after any cargo-c already there.
PATH=$PATH:${XDG_CACHE_HOME:-$HOME/.cache}/libftp/cargo-c/bin
