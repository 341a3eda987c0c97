#!/bin/sh
# run.sh — run the restore fuzzer (fuzz_restore.c) for a while, one summary.
#
#   FUZZER=build/fuzz/fuzz_restore FUZZ_SECONDS=20 sh tests/fuzz/run.sh
#
# libFuzzer starts from the seed corpus in tests/fuzz/corpus (never written
# to) and keeps the inputs it finds in FUZZ_WORK (a scratch directory unless
# given; `make fuzz` keeps build/fuzz/corpus). Its chatter and the one line
# restore prints per rejected input go to a log; on a crash, a sanitizer
# report or an oracle failure, the end of the log is shown and the input that
# did it is kept in build/fuzz/ (crash-*, timeout-*, oom-*). The last line is
# "N passed, M failed", as the other suites print.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
FUZZER=${FUZZER:-$root/build/fuzz/fuzz_restore}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
if [ ! -x "$FUZZER" ]; then
    echo "[  FAILED  ] fuzz_restore: $FUZZER is missing (make SAN=fuzz build/fuzz/fuzz_restore)"
    echo "0 passed, 1 failed"
    exit 1
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-fuzzrun-XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM
work=${FUZZ_WORK:-$scratch/corpus}
mkdir -p "$work" "$root/build/fuzz"
log=$scratch/log

# -timeout: one input taking 10 s is a hang; -rss_limit_mb: restore's memory
# must not follow what a file claims.
"$FUZZER" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$root/build/fuzz/" \
    "$work" "$here/corpus" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
    echo "[       OK ] fuzz_restore: $runs inputs in ${FUZZ_SECONDS}s, no crash, no oracle failure"
    echo "1 passed, 0 failed"
    exit 0
fi
tail -n 60 "$log"
echo "[  FAILED  ] fuzz_restore: exit $rc (input kept as build/fuzz/crash-* or similar)"
echo "0 passed, 1 failed"
exit 1
