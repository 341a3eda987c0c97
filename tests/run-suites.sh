#!/bin/sh
# run-suites.sh RESULTS VARIANT SUITE... — run test suites, record their counts.
#
# Each suite is a cmocka binary or a shell script; each runs under a timeout so a
# hang is reported as a failure instead of stalling the run. For every suite one
# line "variant/suite passed failed" is appended to RESULTS; the summary script
# adds them up. A suite that crashes or times out counts its unfinished tests as
# failed (at least one).
set -u
results=$1; variant=${2:-plain}; shift 2
[ -n "$variant" ] || variant=plain
limit=${SUITE_TIMEOUT:-600}
for suite in "$@"; do
    name="$variant/$(basename "${suite##* }")"   # a command line is named by its last word
    log=$(mktemp)
    echo "== $name"
    start=$(date +%s)
    timeout -k 5 "$limit" sh -c "$suite" >"$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    cat "$log"
    total=$(sed -n 's/^\[==========\] Running \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    ok=$(grep -c '^\[       OK \]' "$log")
    plain=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$plain" ]; then
        ok=$(echo "$plain" | awk '{print $1}')
        bad=$(echo "$plain" | awk '{print $3}')
    else
        bad=$((total - ok))
    fi
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
    [ "$rc" -eq 124 ] && echo "!! $name timed out after ${limit}s"
    echo "== $name: $ok passed, $bad failed in ${took} s"
    echo "$name $ok $bad" >>"$results"
    rm -f "$log"
done
exit 0
