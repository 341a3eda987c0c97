#!/bin/sh
# deps.sh — make sure the build and run-time dependencies are present.
#
# Called by the Makefile before any build. When something is missing it installs
# it (as root, with apt-get) or prints the one command a user must run. Exit 0
# means everything is there.
set -u
missing=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
have_pc zlib      || missing="$missing zlib1g-dev"
have_pc libsodium || missing="$missing libsodium-dev"
have_pc cmocka    || missing="$missing libcmocka-dev"
command -v gnuplot >/dev/null 2>&1 || missing="$missing gnuplot-nox"
command -v pigz >/dev/null 2>&1    || missing="$missing pigz"      # tests and bench-pigz
command -v python3 >/dev/null 2>&1 || missing="$missing python3"   # tests/cli.sh damages files with it
command -v patch >/dev/null 2>&1   || missing="$missing patch"     # labs: answers are patches (labs-verify, bench-chan)
command -v strace >/dev/null 2>&1  || missing="$missing strace"    # tests/cli.sh injects EINTR, ENOMEM, EIO
# clang and its libFuzzer runtime: the fuzz target (make fuzz, and a short pass in make test).
if ! command -v clang >/dev/null 2>&1; then
    missing="$missing clang"
elif ! ls "$(clang -print-runtime-dir)"/libclang_rt.fuzzer-* >/dev/null 2>&1; then
    missing="$missing libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
fi
command -v man >/dev/null 2>&1     || missing="$missing man-db"    # tests/install.sh renders the man page
command -v tmux >/dev/null 2>&1    || missing="$missing tmux"      # tests/live.sh runs --live in real terminals
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "pipelab needs:$missing" >&2
    echo "run:  sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "pipelab: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 && apt-get install -y -qq$missing >&2 || {
    echo "pipelab: apt-get install failed for:$missing" >&2
    exit 1
}
