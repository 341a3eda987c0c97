#!/bin/sh
# alloc-sweep.sh — pipelab out of memory at every allocation, one at a time.
#
#   PIPELAB=build/pipelab SHIM=build/faults/alloc_shim.so sh tests/faults/alloc-sweep.sh
#
# For `process` on each backend (serial, mutex, bounded, unbounded; a 96 KiB
# input in six 16 KiB chunks, encrypted, with --ordered --trace --timeline and
# --metrics-out) and for `restore` of such a container, the run is made once
# with alloc_shim.so counting its allocations, then once for each N from 1 to
# that count (plus a margin: the threaded backends do not allocate in the same
# order or number every time) with the N-th allocation failing. Every run
# must satisfy sweep-lib.sh's oracle: a correct result, or one line and no
# file left. The counts are small (tens of allocations per run), so every
# allocation is swept, none skipped.
here=$(cd "$(dirname "$0")" && pwd)
SHIM=${SHIM:-build/faults/alloc_shim.so}
. "$here/sweep-lib.sh"
sweep_setup

MARGIN=10

# Known failures, to be removed from this list when they are fixed:
# - a failure to create or start the timeline prints a second line,
#   "cannot start the run", after the line that says why;
# - OUT and the timeline are committed before the trace and the metrics are
#   written, so a failure there leaves them in place (no temporaries).
KNOWN_FAILURES='process-*: exit * with 2 lines on stderr: pipelab: cannot create tl.csv: *|pipelab: cannot start the run|
process-*: exit * with 2 lines on stderr: pipelab: cannot start the monitor thread|pipelab: cannot start the run|
process-*: exit * left files: in k o t* (was: in k)*'
"$P" gen in --size 96K --seed 7 >/dev/null || exit 1
"$P" keygen k >/dev/null || exit 1
cd .. && "$P" process d/in ref.plab --key-file d/k --chunk-size 16K || exit 1
cd d || exit 1
export LD_PRELOAD="$SHIM"

# The outputs of a successful process run are right: the container restores
# to the input, and each extra file is complete.
process_ok() {
    env -u LD_PRELOAD "$P" restore o "$T/back" --key-file k 2>/dev/null &&
        cmp -s in "$T/back" &&
        [ "$(tail -n 1 t.json)" = "]}" ] &&
        head -n 1 tl.csv | grep -q '^time_s,' &&
        grep -q '"backend"' m.json
}
restore_ok() { cmp -s back in; }

# count_allocations COMMAND...: the number of allocations one clean run makes.
count_allocations() {
    rm -f $OUTPUTS
    FAULT_FAIL_AT=0 FAULT_COUNT_FILE="$T/count" "$@" >/dev/null 2>&1 || return 1
    cat "$T/count"
}

# sweep WHAT CHECK COMMAND...
sweep() {
    what=$1; check=$2; shift 2
    total=$(count_allocations "$@") || { fail "$what" "the run fails without a fault"; return; }
    echo "== $what: $total allocations, sweeping 1..$((total + MARGIN))"
    n=1
    while [ "$n" -le $((total + MARGIN)) ]; do
        FAULT_FAIL_AT=$n
        fault_run "$what, allocation $n" "$check" "$@"
        n=$((n + 1))
    done
}

export FAULT_FAIL_AT
OUTPUTS="o t.json tl.csv m.json"
for backend in serial mutex bounded unbounded; do
    sweep "process-$backend" process_ok "$P" process in o --key-file k --chunk-size 16K \
        --backend "$backend" --workers 2 --ordered --trace t.json --timeline tl.csv \
        --metrics json --metrics-out m.json
done

cp ../ref.plab c.plab
OUTPUTS="back"
sweep restore restore_ok "$P" restore c.plab back --key-file k

sweep_summary
