#!/bin/sh
# scale.sh PIPELAB — how every backend, and pigz, scale with worker threads.
# `make bench-scale` runs it; it is made to run unchanged on 2 cores or 64.
#
# For N = 1, 2, 4, ... up to the cores, the cores themselves, and 1.5 x the
# cores (oversubscribed: the curve should flatten there, not fall), it runs
#   pipelab bench: every backend `pipelab backends` lists, N workers,
#                  compress + encrypt, zlib level 1 and 6, 1 MiB chunks
#   pigz -p N -b 1024 at level 1 and 6 (compression only: the yardstick)
# on two corpora of SCALE_SIZE bytes (default 32M): generated text, and real
# files, a tar of /usr/share sorted by name (so the same machine always makes
# the same bytes), cut at SCALE_SIZE. Repeats are interleaved: round 1 runs
# every configuration once, then round 2 ... (SCALE_REPEATS, default 3).
# serial runs at N = 1 only (it ignores --workers).
#
# Writes out/data/scale.csv (SCALE_DATA: another folder), one row per run,
# each naming its machine, and draws with gnuplot (when installed) into
# out/plots/ (SCALE_PLOTS): scale-speedup, scale-efficiency, scale-vs-pigz
# (.svg and .png). Then prints the Amdahl serial fraction that best fits each
# curve (plots/amdahl.awk). Speedup is each tool against itself at N = 1.
#
# Time: about 3.5 minutes on a busy 2-core machine at the defaults; on 16 cores
# (N = 1 2 4 8 16 24) the runs are shorter, so about the same.
set -eu
pipelab=${1:-build/pipelab}
size=${SCALE_SIZE:-32M}
repeats=${SCALE_REPEATS:-3}
data=${SCALE_DATA:-out/data}
plotdir=${SCALE_PLOTS:-out/plots}
gp=$(cd "$(dirname "$0")/../plots" && pwd)
csv=$data/scale.csv

command -v pigz >/dev/null || { echo "scale.sh: pigz not found: sudo apt-get install pigz" >&2; exit 69; }
[ -x "$pipelab" ] || { echo "scale.sh: $pipelab not found; run make first" >&2; exit 66; }
started=$(date +%s)
cores=$(nproc)
# N = 1 2 4 ... < cores, cores, ceil(1.5 x cores)
ns=$(awk -v c="$cores" 'BEGIN { for (n = 1; n < c; n *= 2) printf "%d ", n
                                 printf "%d %d", c, int((3 * c + 1) / 2) }')
list=$(echo "$ns" | tr ' ' ,)
backends=$("$pipelab" backends | awk '$1 != "serial" { printf "%s%s", s, $1; s = "," }')

mkdir -p "$data"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-scale.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The corpora, made on the spot.
"$pipelab" gen "$tmp/text" --size "$size" --kind text --seed 1 >/dev/null
tar --sort=name -cf - /usr/share 2>/dev/null | head -c "$size" > "$tmp/tar" || true
want=$(wc -c < "$tmp/text"); got=$(wc -c < "$tmp/tar")
if [ "$got" -lt "$want" ]; then
    echo "scale.sh: the tar of /usr/share has only $got bytes, not $want: the tar corpus is smaller" >&2
fi
"$pipelab" keygen "$tmp/key" >/dev/null

echo "machine: $("$pipelab" --machine), $(pigz --version 2>&1)"
echo "$("$pipelab" --version); N = $ns; backends serial,$backends; $size per corpus; $repeats rounds"

# One CSV for both tools: the fields the plots need, then the machine.
header="round,corpus,backend,workers_set,level,wall_time_s,bytes_in_b,throughput_mb_s"
header="$header,tool_version,cpu_model,cores,compiler,zlib,libsodium"
echo "$header" > "$tmp/scale.csv"
version=$("$pipelab" --version | tr ' ' _)
pigz_version=$(pigz --version 2>&1 | tr ' ' _)

# bench_rows ROUND CORPUS BENCH_CSV: bench's rows in this CSV's columns; the
# machine fields are kept for the pigz rows of the same round.
bench_rows() {
    awk -F, -v round="$1" -v corpus="$2" -v v="$version" '
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { m = $c["cpu_model"] "," $c["cores"] "," $c["compiler"] "," $c["zlib"] "," $c["libsodium"]
          printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", round, corpus, $c["backend"], $c["workers_set"],
              $c["level"], $c["wall_time_s"], $c["bytes_in_b"], $c["throughput_mb_s"], v, m
          print m > "/dev/stderr" }' "$3" >> "$tmp/scale.csv" 2> "$tmp/machine"
}

# pigz_row ROUND CORPUS N LEVEL: time one pigz run, append its row.
pigz_row() {
    in=$tmp/$2
    s=$(date +%s.%N)
    pigz -p "$3" -"$4" -b 1024 -c "$in" > "$tmp/out.gz"
    e=$(date +%s.%N)
    bytes=$(wc -c < "$in")
    awk -v r="$1" -v c="$2" -v n="$3" -v l="$4" -v s="$s" -v e="$e" -v b="$bytes" \
        -v v="$pigz_version" -v m="$(tail -n 1 "$tmp/machine")" \
        'BEGIN { printf "%s,%s,pigz,%s,%s,%.6f,%s,%.4f,%s,%s\n", r, c, n, l, e - s, b,
                 b / 1e6 / (e - s), v, m }' >> "$tmp/scale.csv"
}

for round in $(seq 1 "$repeats"); do
    for corpus in text tar; do
        echo "round $round/$repeats, $corpus: pipelab (serial at 1 worker; $backends at $ns)"
        common="--input $tmp/$corpus --size $(wc -c < "$tmp/$corpus") --levels 1,6"
        common="$common --stages compress,encrypt --key-file $tmp/key --repeats 1"
        # shellcheck disable=SC2086
        "$pipelab" bench $common --backends serial --workers-list 1 --csv "$tmp/b.csv" 2>/dev/null
        bench_rows "$round" "$corpus" "$tmp/b.csv"
        # shellcheck disable=SC2086
        "$pipelab" bench $common --backends "$backends" --workers-list "$list" \
            --csv "$tmp/b.csv" 2>/dev/null
        bench_rows "$round" "$corpus" "$tmp/b.csv"
        echo "round $round/$repeats, $corpus: pigz -p N at $ns"
        for n in $ns; do
            for level in 1 6; do
                pigz_row "$round" "$corpus" "$n" "$level"
            done
        done
    done
done
mv "$tmp/scale.csv" "$csv"
echo "scale.sh: $csv ($(( $(date +%s) - started )) s so far)"

# Medians, then speedup against each tool's own 1-worker run.
awk -F, -v by=backend,corpus,level,workers_set -v cols=throughput_mb_s -v header=1 \
    -f "$gp/median.awk" "$csv" > "$tmp/median.txt"
awk -v group=backend,corpus,level -f "$gp/speedup.awk" "$tmp/median.txt" 2>/dev/null \
    > "$tmp/speedup.txt"

echo
echo "Amdahl serial fraction s (speedup = 1 / (s + (1 - s) / N), fitted on N = 2..$cores):"
awk -v group=backend,corpus,level -v cores="$cores" -f "$gp/amdahl.awk" "$tmp/speedup.txt" |
    awk '$NF == 0 { next }   # serial: one worker count, nothing to fit
         NR == 1 { printf "  %-10s %-5s %-5s %7s %s\n", "backend", "corpus", "level", "s", "points"; next }
         { printf "  %-10s %-5s %-5s %7s %s\n", $1, $2, $3, $4, $5 }' | tee "$data/scale-amdahl.txt"
[ "$cores" -gt 2 ] || echo "  (2 cores: one point, N = 2, so each fit is exact: it measures, it does not test the law)"

if ! command -v gnuplot >/dev/null 2>&1; then
    echo "scale.sh: gnuplot not found, no plots (sudo apt-get install gnuplot-nox)" >&2
    exit 0
fi
# One file per tool, corpus and level: N speedup min max efficiency, and
# pipelab / pigz at each N (median over median).
mkdir -p "$plotdir"
awk -v dir="$tmp" 'NR > 1 { f = dir "/sp-" $1 "-" $2 "-" $3 ".dat"
                            print $4, $5, $6, $7, $8 > f }' "$tmp/speedup.txt"
awk -v dir="$tmp" 'NR == 1 { next }
    { v[$1, $2, $3, $4] = $5; if ($1 != "pigz" && $1 != "serial") row[$1 " " $2 " " $3 " " $4] = 1 }
    END { for (r in row) { split(r, k, " ")
              if ((("pigz", k[2], k[3], k[4]) in v) && v["pigz", k[2], k[3], k[4]] > 0)
                  print k[4], v[k[1], k[2], k[3], k[4]] / v["pigz", k[2], k[3], k[4]] > (dir "/vs-" k[1] "-" k[2] "-" k[3] ".dat") } }' \
    "$tmp/median.txt"
for f in "$tmp"/vs-*.dat; do [ -f "$f" ] && sort -n -o "$f" "$f"; done
tools=$(echo "$backends" | tr , ' ')
machine=$(tail -n 1 "$tmp/machine" | awk -F, '{ gsub(/"/, ""); printf "%s, %s cores", $1, $2 }')
vars="dir='$tmp'; backends='$tools'; cores=$cores; maxn=$(echo "$ns" | awk '{ print $NF }')"
vars="$vars; t2='$machine; $size per corpus; medians of $repeats interleaved runs; $(date -u +%Y-%m-%d)'"
for name in scale-speedup scale-efficiency scale-vs-pigz; do
    for fmt in svg png; do
        gnuplot -e "fmt='$fmt'; out='$plotdir/$name'; height=800; $vars" \
            "$gp/common.gp" "$gp/$name.gp" ||
            { echo "scale.sh: gnuplot failed on $gp/$name.gp" >&2; exit 70; }
    done
    echo "plot: $plotdir/$name.svg"
done
echo "scale.sh: done in $(( $(date +%s) - started )) s"
