#!/bin/sh
# grain.sh PIPELAB — speedup over serial against chunk size (make bench-grain).
#
# The fine-grained regime: --stages checksum (a few microseconds of work per
# 4 KiB), 2 workers, generated text of GRAIN_SIZE (default 128M), every backend
# `pipelab backends` lists, chunk sizes 4K 16K 64K 256K 1M 4M, GRAIN_REPEATS
# (default 5) repeats interleaved by `pipelab bench`, each run its own
# process. At small chunks a backend pays one handoff per chunk and little
# work, so the channel decides the result; at 1 MiB and more the work does.
# All of that at the default channel depth: 4 chunks, and at least 256 KiB of
# them (64 chunks at 4K: see options_depth in src/core/options.h). Then the 4K
# runs once more at GRAIN_DEPTH (default 4) chunks per channel, the depth that
# used to be the default: a shallow channel fills in microseconds, and when the
# threads outnumber the cores most handoffs then end in a context switch.
#
# Writes out/data/grain.csv (bench's CSV, one row per run) and
# out/plots/grain.svg (and .png), and prints the median speedups and the
# targets at 4K and the default depth: lockfree >= 1.6x serial, bounded >=
# 1.2x serial, as PASS or MISS (exit 0 either way: a benchmark reports), and
# the same two at depth GRAIN_DEPTH for comparison (out/data/grain-depth.csv).
#
#   bench/grain.sh --draw CSV DIR   only draw DIR/grain.svg and .png from CSV
#   bench/grain.sh --table CSV      only print the median speedups (Markdown)
# (plots/report.sh uses these two for its granularity section.)
set -eu
chunks=4K,16K,64K,256K,1M,4M

# speedups CSV DIR: DIR/grain-BACKEND.dat per backend (chunk KiB, median
# speedup, min, max) and DIR/grain.backends (the names), from bench's CSV.
speedups() {
    awk -F, -v by=backend,chunk_size_b -v cols=throughput_mb_s -f plots/median.awk "$1" |
        awk -v dir="$2" '
            { b[NR] = $1; c[NR] = $2; med[NR] = $3; lo[NR] = $4; hi[NR] = $5
              if ($1 == "serial") base[$2] = $3
              if (!seen[$1]++) names = names (names == "" ? "" : " ") $1 }
            END {
                for (i = 1; i <= NR; i++) {
                    if (!(c[i] in base)) continue
                    f = dir "/grain-" b[i] ".dat"
                    printf "%g %.3f %.3f %.3f\n", c[i] / 1024, med[i] / base[c[i]],
                        lo[i] / base[c[i]], hi[i] / base[c[i]] > f
                }
                print names > (dir "/grain.backends")
            }'
}

draw() { # draw CSV DIR
    work=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-grain.XXXXXX")
    speedups "$1" "$work"
    names=$(cat "$work/grain.backends")
    t1="Speedup over serial against chunk size: --stages checksum, 2 workers"
    t2=$(awk -F, 'NR == 2 { for (i = 1; i <= NF; i++) if ($i ~ /^"/) { print $i; exit } }' "$1" |
         tr -d '"')
    t2="$t2, medians of the interleaved repeats, bars min-max"
    mkdir -p "$2"
    for fmt in png svg; do
        gnuplot -e "fmt='$fmt'; out='$2/grain'; dir='$work'; backends='$names'; t1='$t1'; t2='$t2'" \
            plots/common.gp plots/grain.gp ||
            { rm -rf "$work"; echo "grain.sh: gnuplot failed" >&2; exit 70; }
    done
    rm -rf "$work"
}

table() { # table CSV: backend | speedup at each chunk size
    work=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-grain.XXXXXX")
    speedups "$1" "$work"
    printf '| backend | 4K | 16K | 64K | 256K | 1M | 4M |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
    read -r names <"$work/grain.backends"
    for b in $names; do
        awk -v b="$b" '{ line = line sprintf(" %.2fx |", $2) } END { print "| " b " |" line }' \
            "$work/grain-$b.dat"
    done
    rm -rf "$work"
}

case "${1:-}" in
    --draw) draw "$2" "$3"; exit 0 ;;
    --table) table "$2"; exit 0 ;;
esac

pipelab=$1
csv=out/data/grain.csv; size=${GRAIN_SIZE:-128M}; repeats=${GRAIN_REPEATS:-5}
shallow=${GRAIN_DEPTH:-4}; shallow_csv=out/data/grain-depth.csv
mkdir -p out/data out/plots
command -v gnuplot >/dev/null || { echo "gnuplot not found: sudo apt-get install gnuplot-nox" >&2; exit 69; }
backends=$("$pipelab" backends | awk '{ printf "%s%s", sep, $1; sep = "," }')
echo "machine: $("$pipelab" --machine)"
echo "$(awk '{ printf "load average: %s, %s, %s", $1, $2, $3 }' /proc/loadavg) before the runs"
set -- bench --backends "$backends" --workers-list 2 --chunk-sizes "$chunks" --stages checksum \
    --size "$size" --repeats "$repeats" --csv "$csv"
echo "$pipelab $*"
"$pipelab" "$@" 2>/dev/null
draw "$csv" out/plots
echo
echo "median speedup over serial (throughput / serial's at the same chunk size):"
table "$csv"
echo
echo "plot: out/plots/grain.svg; data: $csv"
echo
at4k() { # at4k CSV BACKEND: its median speedup at 4K in CSV, or nothing
    work=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-grain.XXXXXX"); speedups "$1" "$work"
    if [ -f "$work/grain-$2.dat" ]; then awk '$1 == 4 { print $2 }' "$work/grain-$2.dat"; fi
    rm -rf "$work"
}
verdicts() { # verdicts CSV LABEL: PASS or MISS for each 4K target
    for target in lockfree:1.6 bounded:1.2; do
        b=${target%%:*}; want=${target#*:}; got=$(at4k "$1" "$b")
        if [ -z "$got" ]; then
            echo "skip  $b at 4K: no such backend in \`pipelab backends\` yet"
        elif awk -v g="$got" -v w="$want" 'BEGIN { exit !(g >= w) }'; then
            printf 'PASS  %-9s at 4K, %s: %.2fx serial (target >= %sx)\n' "$b" "$2" "$got" "$want"
        else
            printf 'MISS  %-9s at 4K, %s: %.2fx serial (target >= %sx)\n' "$b" "$2" "$got" "$want"
        fi
    done
}
set -- bench --backends serial,bounded,lockfree --workers-list 2 --depths "$shallow" --chunk-sizes 4K \
    --stages checksum --size "$size" --repeats "$repeats" --csv "$shallow_csv"
echo "$pipelab $*"
"$pipelab" "$@" 2>/dev/null
echo
verdicts "$csv" "default depth"
verdicts "$shallow_csv" "depth $shallow"
