#!/bin/sh
# io-sweep.sh — pipelab with a failing or short read, write, fsync, close or
# rename at every call, one at a time.
#
#   PIPELAB=build/pipelab SHIM=build/faults/io_shim.so sh tests/faults/io-sweep.sh
#
# The runs are alloc-sweep.sh's (sweep-lib.sh: `process` on each backend with
# every extra output and --sync, and `restore`). For each kind of call
# (io_shim.c says which functions each covers) the run is made once counting
# its calls, then once for each N with the N-th call failing: reads with EIO,
# writes with ENOSPC, fsync, close and rename with EIO; then again with the
# N-th read or write short (half the bytes: read(2) and write(2) must be
# retried and the run succeed; a short stdio call is a failure, as stdio
# reports one). Every run must satisfy sweep-lib.sh's oracle. The counts are
# small (at most a few hundred calls), so every call is swept, none skipped.
here=$(cd "$(dirname "$0")" && pwd)
SHIM=${SHIM:-build/faults/io_shim.so}
. "$here/sweep-lib.sh"
sweep_setup

# Known failures, to be removed from this list when they are fixed:
# - OUT and the timeline are committed before the trace and the metrics are
#   written, so a failure there leaves them in place (no temporaries);
#   --metrics-out is written in place, not through a temporary, so a failed
#   close leaves it and every other output;
# - a failed write into --metrics-out is not noticed (the file is closed,
#   never checked with ferror): exit 0 with the metrics cut short;
# - restore prints "cannot read IN" twice for one read error;
# - restore, after a short read that ends in an error (fread), exits 74 but
#   leaves OUT in place, and the message may carry a stale errno.
KNOWN_FAILURES='process-*: exit * left files: c.plab in k o* (was: c.plab in k)*
process-*: exit * left files: c.plab in k m.json o* (was: c.plab in k)*
process-*: exit 0 with a wrong output (m.json)*
restore*: exit 74 with 2 lines on stderr: pipelab: cannot read c.plab: *|pipelab: cannot read c.plab: *|
restore (short)*: exit 74 left files: back c.plab in k (was: c.plab in k): pipelab: cannot read c.plab: *'

sweep_inputs
export LD_PRELOAD="$SHIM"
SYNC=--sync

for how in error short; do
    FAULT_HOW=$how
    export FAULT_HOW
    for kind in read write fsync close rename; do
        if [ "$how" = short ] && [ "$kind" != read ] && [ "$kind" != write ]; then
            continue
        fi
        FAULT_FUNC=$kind
        export FAULT_FUNC
                for backend in serial mutex bounded unbounded; do
            fault_sweep "process-$backend ($how)" "$kind" process_ok process_run "$backend"
        done
                fault_sweep "restore ($how)" "$kind" restore_ok restore_run
    done
done

sweep_summary
