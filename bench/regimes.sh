#!/bin/sh
# regimes.sh PIPELAB — where the legacy mutex design loses to the bounded
# pipeline, and where it does not: a map over read cost and write cost.
# `make bench-regimes` runs it; a few minutes on 2 cores.
#
# The costs are sleeps, so 16 or 64 workers behave on 2 cores as if each had
# its own core: the stage is the cheap checksum plus --stage-cost-us (the
# compute cost C per chunk), the writer sleeps W per chunk (--writer-delay-us)
# and the reader R per chunk (--reader-delay-us), with --cpu-tokens = workers
# (so the tokens do not cap the sleeping workers at the core count). With w
# workers the compute stage serves one chunk every u = C / w; the map's axes
# are W / u and R / u, and u = REGIMES_UNIT_US (default 1000) at both 16 and
# 64 workers (C = 16 ms and 64 ms).
#
# The bottleneck law: a stage with k servers and cost t per item passes at
# most k / t items per second, and a pipeline no more than its slowest stage:
#   bounded  X <= min(1/R, w/C, 1/W)                (the stages overlap)
#   mutex    X <= 1 / (R + max(W, (C + W)/w))       (everything is read
#            first; then a task holds its permit through C, the lock wait
#            and W, and the lock lets one write at a time)
# so the predicted ratio bounded/mutex is (r + max(x, 1 + x/w)) / max(r, 1, x)
# with x = W/u, r = R/u. regimes.csv has every run; regimes-ratio.dat the
# measured medians and the prediction; plots regimes.png/.svg; regimes.md a
# report section written from the measured ratios.
#
# Knobs: REGIMES_REPEATS (3), REGIMES_CHUNKS (200 chunks of 8 KiB per run),
# REGIMES_DATA (out/data), REGIMES_PLOTS (out/plots).
set -eu
pipelab=${1:-build/pipelab}
repeats=${REGIMES_REPEATS:-3}
chunks=${REGIMES_CHUNKS:-200}
unit=${REGIMES_UNIT_US:-1000}
data=${REGIMES_DATA:-out/data}
plotdir=${REGIMES_PLOTS:-out/plots}
gp=$(cd "$(dirname "$0")/../plots" && pwd)
ratios="0.25 0.5 1 2"     # W / u and R / u; R / u also 0 (no read cost)
[ -x "$pipelab" ] || { echo "regimes.sh: $pipelab not found; run make first" >&2; exit 66; }
started=$(date +%s)
mkdir -p "$data" "$plotdir"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-regimes.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
"$pipelab" keygen "$tmp/key" >/dev/null

us_list() { # us_list RATIOS: the ratios as microseconds, comma separated
    echo "$1" | awk -v u="$unit" '{ for (i = 1; i <= NF; i++) printf "%s%d", (i > 1 ? "," : ""), $i * u }'
}
echo "machine: $("$pipelab" --machine); $(cut -d' ' -f1-3 /proc/loadavg) load"
csv=$data/regimes.csv
: > "$tmp/all.csv"
for w in 16 64; do
    echo "regimes.sh: $w workers, C = $((w * unit)) us, mutex and bounded, $repeats repeats"
    "$pipelab" bench --backends mutex,bounded --stages checksum --workers-list "$w" \
        --cpu-tokens "$w" --chunk-sizes 8K --size $((chunks * 8))K \
        --stage-costs $((w * unit)) --writer-delays "$(us_list "$ratios")" \
        --reader-delays "0,$(us_list "$ratios")" --repeats "$repeats" \
        --key-file "$tmp/key" --csv "$tmp/w$w.csv" 2>/dev/null
    if [ -s "$tmp/all.csv" ]; then tail -n +2 "$tmp/w$w.csv"; else cat "$tmp/w$w.csv"; fi >> "$tmp/all.csv"
done
mv "$tmp/all.csv" "$csv"

# Median throughput per configuration, then bounded / mutex per cell, with
# the bottleneck law's prediction beside it.
awk -F, -v by=workers_set,writer_delay_us,reader_delay_us,backend -v cols=throughput_mb_s \
    -f "$gp/median.awk" "$csv" > "$tmp/med"
awk -v u="$unit" -v chunk=8192 '
    { v[$1, $2, $3, $4] = $5; cell[$1 " " $2 " " $3] = 1 }
    END {
        print "workers x r bounded_mb_s mutex_mb_s ratio predicted bounded_bound_mb_s"
        for (c in cell) {
            split(c, k, " "); w = k[1]; x = k[2] / u; r = k[3] / u
            b = v[w, k[2], k[3], "bounded"]; m = v[w, k[2], k[3], "mutex"]
            if (m <= 0) continue
            top = r > 1 ? r : 1; if (x > top) top = x
            legacy = r + (x > 1 + x / w ? x : 1 + x / w)
            # bounded bound in MB/s: chunk bytes / (u x max(r, 1, x))
            printf "%d %g %g %.2f %.2f %.3f %.3f %.2f\n", w, x, r, b, m, b / m, legacy / top,
                chunk / 1e6 / (u / 1e6 * top)
        }
    }' "$tmp/med" | { read -r h; echo "$h"; sort -k1,1n -k2,2g -k3,3g; } > "$data/regimes-ratio.dat"

echo
echo "bounded / mutex, measured (bottleneck law's prediction), rows R/u, columns W/u:"
awk 'NR > 1 { cell[$1, $2, $3] = sprintf("%5.2f (%4.2f)", $6, $7); ws[$1] = 1; xs[$2] = 1; rs[$3] = 1 }
     END { nx = split("0.25 0.5 1 2", X, " "); nr = split("0 0.25 0.5 1 2", R, " ")
           for (w = 16; w <= 64; w *= 4) {
               printf "  %d workers    ", w; for (i = 1; i <= nx; i++) printf "   W/u=%-5s   ", X[i]; print ""
               for (j = 1; j <= nr; j++) { printf "  R/u=%-5s   ", R[j]
                   for (i = 1; i <= nx; i++) printf "  %-13s", cell[w, X[i], R[j]]; print "" } } }' \
    "$data/regimes-ratio.dat" | tee "$tmp/table"

if command -v gnuplot >/dev/null 2>&1; then
    # gnuplot's image wants one block per panel: 16 workers, then 64.
    awk 'NR > 1 { print > (FILENAME ".w" $1) }' "$data/regimes-ratio.dat"
    { cat "$data/regimes-ratio.dat.w16"; printf '\n\n'; cat "$data/regimes-ratio.dat.w64"; } > "$tmp/map.dat"
    rm -f "$data"/regimes-ratio.dat.w*
    for fmt in png svg; do
        gnuplot -e "fmt='$fmt'; out='$plotdir/regimes'; data='$tmp/map.dat'; width=1200; height=620; t2='$("$pipelab" --machine | cut -d, -f1-2); u = $unit us; $chunks chunks of 8 KiB; medians of $repeats'" \
            "$gp/common.gp" "$gp/regimes.gp" ||
            { echo "regimes.sh: gnuplot failed on plots/regimes.gp" >&2; exit 70; }
    done
    echo "plot: $plotdir/regimes.svg"
fi

# The report section: where the design note's 1.67x holds on this map.
awk -v load_avg="$(cut -d' ' -f1-3 /proc/loadavg)" -v machine="$("$pipelab" --machine)" \
    -v repeats="$repeats" -v unit="$unit" -f "$gp/regimes.awk" "$data/regimes-ratio.dat" \
    > "$data/regimes.md"
echo "regimes.sh: $csv, $data/regimes.md ($(( $(date +%s) - started )) s)"
