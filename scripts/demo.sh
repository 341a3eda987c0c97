#!/bin/sh
# demo.sh PIPELAB — the main job, as README.md describes it:
#   1. generate 256 MiB of English-like text (deterministic: seed 1);
#   2. run serial, mutex, bounded and unbounded on it side by side, each in
#      its own process, and print the table;
#   3. draw the plots (make plots) and say where they are.
set -eu
pipelab=$1
dir=out/demo
mkdir -p "$dir"
in=$dir/text-256M.bin
start=$(date +%s)
echo "machine: $("$pipelab" --machine)"
if [ ! -f "$in" ]; then
    echo "generating $in (256 MiB of text, seed 1)"
    "$pipelab" gen "$in" --size 256M --kind text --seed 1
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
