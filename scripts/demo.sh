#!/bin/sh
# demo.sh PIPELAB — the main job, as README.md describes it:
#   1. generate 256 MiB of English-like text (deterministic: seed 1);
#   2. run serial, mutex, bounded and unbounded on it side by side, each in
#      its own process, and print the table (compare prints the load average
#      above it, with a warning when other programs were using the CPUs);
#   3. draw the plots (make plots) and say where they are.
# A rerun reuses what an earlier run left in out/: the input (the same bytes,
# since it is deterministic) and the plots' data in out/data/; it says so.
# The table is measured afresh every time. FRESH=1 (make demo FRESH=1)
# measures the plots' data again too.
set -eu
pipelab=$1
dir=out/demo
data=out/data
mkdir -p "$dir"
in=$dir/text-256M.bin
start=$(date +%s)
echo "machine: $("$pipelab" --machine)"
if [ ! -f "$in" ]; then
    echo "generating $in (256 MiB of text, seed 1)"
    "$pipelab" gen "$in" --size 256M --kind text --seed 1
else
    echo "reusing $in from an earlier run (the same bytes: seed 1); the table below is measured now"
fi
if [ "${FRESH:-}" != 1 ] && [ -n "$(ls -A "$data" 2>/dev/null)" ]; then
    echo "reusing the plots' data in $data/ from an earlier run; to measure it again: make demo FRESH=1"
fi
echo
"$pipelab" compare "$in" --workers "$(nproc)" --csv "$dir/compare.csv"
echo
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "pipelab: gnuplot not found; install it with: sudo apt-get install gnuplot-nox" >&2
    exit 69
fi
COMPARE_CSV=$dir/compare.csv "${MAKE:-make}" --no-print-directory plots
echo
echo "demo finished in $(( $(date +%s) - start )) s; the table's rows are in $dir/compare.csv"
