#!/bin/sh
# report.sh — write report/REPORT.md, a comparative benchmark report: the
# machine, the exact commands, tables, plots, and the design note's "Expected
# Results" (mutex vs channels, 10 workers, 100 MB, 8 MB chunks) reproduced
# with figures measured by this very run. `make report` runs it.
#
# Everything is measured afresh (nothing is reused from out/), so every
# number in the report comes from this run; the raw CSV files stay beside it
# in report/data/. The verdicts on the design note's claims are computed from the
# measured numbers, never written in advance (plots/verdicts.awk, which reads
# them by column name): on another machine the same script may well reach the
# opposite conclusion, and say so. Every median is plots/median.awk's.
# One section is not measured here: "Granularity" reads the last
# `make bench-grain` (out/data/grain.csv, or GRAIN_CSV), whose runs take
# minutes of their own, and says when they were made (or that there are none).
#
# Takes a few minutes on 2 cores: the plots' data (under a minute), the
# regime map (about 2 minutes, bench/regimes.sh) and the seed experiment
# (4 backends x 3 interleaved repeats of 100 MiB at zlib level 6, the
# default stages compress,encrypt).
#
# With DATA=DIR (`make report DATA=DIR`) it measures nothing: it hands over to
# plots/report-machines.sh, which draws the report from the CSV files in DIR,
# one series per machine (a class's bench files, a run on a big server).
set -eu
if [ -n "${DATA:-}" ]; then
    exec plots/report-machines.sh "$DATA"
fi
pipelab=${1:-${PIPELAB:-build/pipelab}}
report=${REPORT_DIR:-report}
data=$report/data
md=$report/REPORT.md
gp=plots

if ! command -v gnuplot >/dev/null 2>&1; then
    echo "pipelab: gnuplot not found; install it with: sudo apt-get install gnuplot-nox" >&2
    exit 69
fi
[ -x "$pipelab" ] || { echo "report.sh: $pipelab not found; run make first" >&2; exit 66; }

started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$report"
mkdir -p "$data"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

echo "report.sh: 1/4 the plots' data (fresh)"
DATA_DIR=$data FRESH=1 plots/plots-data.sh "$pipelab"

# ---- the design note's experiment ----------------------------------------------
# The design note: "10 workers processing 100MB file (8MB chunks)". Defaults for the
# rest: stages compress,encrypt at zlib level 6, channel depth 4 (the design note's
# own default), CPU tokens = cores. bench runs each backend in its own
# process (peak RSS per run) and interleaves the repeats.
echo "report.sh: 2/4 the design note's experiment: 4 backends x 3 repeats, 100 MiB, 10 workers, 8 MiB chunks"
seed_csv=$data/seed.csv
key=$tmp/throwaway.key
set -- bench --backends serial,mutex,bounded,unbounded --workers-list 10 --depths 4 \
    --chunk-sizes 8M --size 100M --stages compress,encrypt --level 6 --key-file "$key" \
    --repeats 3 --csv "$seed_csv"
seed_cmds="$pipelab keygen $key    # a throwaway key, deleted afterwards
$pipelab $*"
"$pipelab" keygen "$key"
"$pipelab" "$@"

# The regime map (bench/regimes.sh): the claim above on 16 and 64 workers
# whose costs are sleeps; it writes its own section, regimes.md.
echo "report.sh: 3/4 the regime map (mutex vs bounded over read and write cost, 16 and 64 workers)"
REGIMES_DATA=$data REGIMES_PLOTS=$report bench/regimes.sh "$pipelab" > "$tmp/regimes.out"

echo "report.sh: 4/4 plots and REPORT.md"
DATA_DIR=$data OUT_DIR=$report COMPARE_CSV=$seed_csv \
    COMPARE_TITLE="The design note's experiment: 10 workers, 100 MiB text, 8 MiB chunks, compress (level 6) + encrypt" \
    plots/plots.sh > "$tmp/plots.out"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- helpers --------------------------------------------------------------

# stat CSV BACKEND COLUMN [med|min|max]: a column's median (or min, max) over
# the backend's rows.
stat() {
    awk -F, -v by=backend -v cols="$3" -v where="backend=$2" -f "$gp/median.awk" "$1" |
        awk -v f="${4:-med}" '{ print (f == "min") ? $3 : (f == "max") ? $4 : $2 }'
}

# commands NAME...: the commands recorded in data/NAME.meta, as a code block.
commands() {
    echo '```sh'
    for name in "$@"; do
        sed -n 's/^command: //p' "$data/$name.meta"
    done
    echo '```'
}

# settings NAME: the one-line description of an experiment (data/NAME.meta).
settings() {
    sed -n 's/^settings: //p' "$data/$1.meta"
}

# table_by CSV X COLUMN SCALE FORMAT XNAME: a markdown table, one row per
# value of X, one column per backend, cells the median of COLUMN / SCALE.
table_by() {
    list=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "backend") c = i; next }
                    !seen[$c]++ { printf "%s ", $c }' "$1")
    awk -F, -v by="backend,$2" -v cols="$3" -f "$gp/median.awk" "$1" |
        awk -v list="$list" -v scale="$4" -v fmt="$5" -v xname="$6" '
            { v[$1, $2] = $3 / scale; if (!($2 in x)) { xs[++n] = $2; x[$2] = 1 } }
            END {
                nb = split(list, b, " ")
                head = "| " xname; rule = "| ---:"
                for (j = 1; j <= nb; j++) { head = head " | " b[j]; rule = rule " | ---:" }
                print head " |"; print rule " |"
                for (i = 1; i <= n; i++) {
                    line = "| " xs[i]
                    for (j = 1; j <= nb; j++)
                        line = line " | " (((b[j], xs[i]) in v) ? sprintf(fmt, v[b[j], xs[i]]) : "-")
                    print line " |"
                }
            }'
}

# workers_summary: one sentence on the speedups at workers = cores.
workers_summary() {
    csv=$data/workers.csv
    base=$(stat "$csv" serial throughput_mb_s)
    n=$(stat "$csv" serial cores)
    awk -F, -v by="backend,workers_set" -v cols=throughput_mb_s -f "$gp/median.awk" "$csv" |
        awk -v base="$base" -v n="$n" '
            $2 == n && $1 != "serial" {
                s = s sprintf("%s%s %.2fx", s == "" ? "" : ", ", $1, $3 / base)
                if ($3 / base > 1.05 * n) over = 1
            }
            END { printf "With as many workers as cores (%d), over the median of every serial run (%.1f MB/s): %s. ", n, base, s
                  printf "Ideal would be %dx; more workers than cores cannot help, since only %d chunks can be compressed at once.", n, n
                  if (over)
                      printf " A figure above %dx is noise: other programs on the machine slowed some serial runs more than the parallel ones.", n
                  printf "\n" }'
}

# queue_table: bounded's queue-wait percentiles against depth (depths.csv).
queue_table() {
    echo "| depth | reader -> workers p50 | p99 | workers -> writer p50 | p99 | MB/s |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
    awk -F, -v by=channel_depth_set -v where=backend=bounded \
        -v cols=cpu_queue_wait_p50_ms,cpu_queue_wait_p99_ms,writer_queue_wait_p50_ms,writer_queue_wait_p99_ms,throughput_mb_s \
        -f "$gp/median.awk" "$data/depths.csv" | sort -n -k1,1 |
        awk '{ printf "| %d | %.1f | %.1f | %.1f | %.1f | %.1f |\n", $1, $2, $5, $8, $11, $14 }'
}

# writer_pace: how slow the depth experiment's writer was, in words.
writer_pace() {
    awk -v delay="$(stat "$data/depths.csv" mutex writer_delay_us)" \
        -v chunk="$(stat "$data/depths.csv" mutex chunk_size_b)" \
        'BEGIN { printf "%g ms per %g MiB: a disk of about %.0f MB/s", delay / 1000, chunk / 1048576, chunk / delay }'
}

# granularity: the section on speedup against chunk size, from the last
# `make bench-grain`, or one line saying there is none.
granularity() {
    grain=${GRAIN_CSV:-out/data/grain.csv}
    if [ ! -f "$grain" ]; then
        echo "No granularity data ($grain is missing): run \`make bench-grain\`, then \`make report\` again."
        return
    fi
    cp "$grain" "$data/grain.csv"
    bench/grain.sh --draw "$data/grain.csv" "$report"
    echo "From the last \`make bench-grain\` ($(date -u -r "$grain" '+%Y-%m-%d %H:%M UTC'), not"
    echo "this run; its rows are in [data/grain.csv](data/grain.csv)): every backend, --stages"
    echo "checksum, 2 workers, chunk sizes 4K to 4M, repeats interleaved. Median speedup"
    echo "over serial at the same chunk size:"
    echo
    bench/grain.sh --table "$data/grain.csv"
    echo
    echo "Below 1x two threads lose to one: each chunk costs a handoff, and at small"
    echo "chunks the handoff costs more than the work (lesson 9)."
    echo
    echo "![speedup over serial against chunk size](grain.png)"
}

# ---- the design note's figures and the verdicts ------------------------------------
S=$(stat "$seed_csv" serial throughput_mb_s)

# One row per backend for the table, every figure a median over the repeats.
seed_table() {
    echo "| backend | throughput MB/s, median (min-max) | speedup over serial | peak RSS MiB | peak chunks in flight | chunks in either channel, max | writer lock held, % of the run | writer lock wait, total ms |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for b in serial mutex bounded unbounded; do
        awk -v b=$b -v S="$S" \
            -v mbs="$(stat "$seed_csv" $b throughput_mb_s)" \
            -v lo="$(stat "$seed_csv" $b throughput_mb_s min)" \
            -v hi="$(stat "$seed_csv" $b throughput_mb_s max)" \
            -v rss="$(stat "$seed_csv" $b peak_rss_kib)" \
            -v inflight="$(stat "$seed_csv" $b peak_chunks_in_flight_chunks)" \
            -v chunks="$(stat "$seed_csv" $b chunks)" \
            -v qc="$(stat "$seed_csv" $b cpu_queue_depth_max_items)" \
            -v qw="$(stat "$seed_csv" $b writer_queue_depth_max_items)" \
            -v hold="$(stat "$seed_csv" $b lock_hold_total_ms)" \
            -v wait="$(stat "$seed_csv" $b lock_wait_total_ms)" \
            -v wall="$(stat "$seed_csv" $b wall_time_s)" '
            BEGIN {
                chan = (b == "bounded" || b == "unbounded") ? sprintf("%d + %d", qc, qw) : "-"
                lock = (b == "mutex") ? sprintf("%.1f %%", 100 * hold / 1000 / wall) : "-"
                lw = (b == "mutex") ? sprintf("%.0f", wait) : "-"
                printf "| %s | %.1f (%.1f-%.1f) | %.2fx | %.0f | %d of %d | %s | %s | %s |\n",
                    b, mbs, lo, hi, mbs / S, rss / 1024, inflight, chunks, chan, lock, lw
            }'
    done
}

# verdicts: the design note's claims against the medians (plots/verdicts.awk
# says how each verdict is reached). It reads three median tables by name.
verdicts() {
    figures=throughput_mb_s,wall_time_s,peak_rss_kib,peak_chunks_in_flight_chunks,chunks
    figures=$figures,cpu_queue_depth_max_items,writer_queue_depth_max_items
    figures=$figures,lock_hold_total_ms,lock_wait_total_ms,worker_busy_total_ms
    figures=$figures,bytes_in_b,chunk_size_b,workers_set,channel_depth_set,cores
    awk -F, -v by=backend -v cols="$figures" -v count=1 -v header=1 \
        -f "$gp/median.awk" "$seed_csv" > "$tmp/seed.med"
    awk -F, -v by=backend -v cols="$figures" -v count=1 -v header=1 \
        -f "$gp/median.awk" "$data/depths.csv" > "$tmp/depths.med"
    awk -F, -v by=backend,channel_depth_set -v cols=peak_rss_kib -v count=1 -v header=1 \
        -f "$gp/median.awk" "$data/depths.csv" > "$tmp/depth.med"
    awk -v load_avg="$load_before" -f "$gp/verdicts.awk" table=seed "$tmp/seed.med" \
        table=depths "$tmp/depths.med" table=depth "$tmp/depth.med"
}

# ---- REPORT.md --------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
elapsed=$(( $(date +%s) - started ))
{
cat <<EOF
# pipelab: mutex vs channels, measured

Written by \`make report\` ($(date -u '+%Y-%m-%d %H:%M UTC'), $elapsed s). Every figure below was
measured by that one run; the raw CSV files are in [data/](data/). Throughput
is input bytes / wall time (MB/s = 10^6 bytes per second); sizes are MiB. Each
configuration ran in its own process (so peak RSS belongs to one run), repeats
were interleaved (A B A B, never A A B B), and a table cell is the median over
the repeats.

## Machine

- $("$pipelab" --machine)
- $("$pipelab" --version), source commit $commit
- load average (1, 5, 15 min) when the run started: $load_before; when it ended: $load_after.
  Other work on the machine slows some runs down; medians and the min-max
  spread below show how much.

## The design note's "Expected Results", measured

The design note this kit follows expected, for 10 workers
processing a 100MB file with 8MB chunks (condensed):

> **Before (Mutex-Based):** Throughput: ~150 MB/s (write bottleneck); Memory: Loads all chunks immediately (100MB+)
>
> **After (Channel-Based):** Throughput: ~250 MB/s (I/O bound, not mutex bound); Memory: Max 4 chunks buffered per stage (32MB)

Measured with 100 MiB of generated text, 8 MiB chunks, 10 workers, channel
depth 4, CPU tokens = cores, stages compress (zlib level 6) + encrypt, 3
interleaved repeats per backend:

\`\`\`sh
$seed_cmds
\`\`\`

$(seed_table)

$(verdicts)

![throughput and peak memory per backend, the design note's experiment](compare.png)

$(sed 's/^## /### /' "$data/regimes.md")

## Throughput and speedup against workers

What adding worker threads buys on this machine: every backend with 1, 2, 4
and 8 workers (serial ignores --workers; its line shows the noise).

$(commands workers)

Median throughput, MB/s:

$(table_by "$data/workers.csv" workers_set throughput_mb_s 1 "%.1f" workers)

$(workers_summary)

![throughput against workers](throughput-workers.png)

![speedup over serial against workers](speedup-workers.png)

## Memory and channel depth with a slow writer

Settings: $(settings depths). The writer sleeps
before each chunk ($(writer_pace)),
and the stage is the cheap checksum, so the writer is by far the slowest
stage and chunks pile up wherever the design lets them. Only bounded's
memory depends on --channel-depth.

$(commands depths)

Median peak RSS, MiB:

$(table_by "$data/depths.csv" channel_depth_set peak_rss_kib 1024 "%.1f" depth)

How long a chunk waited in the bounded backend's two channels (enqueue to
dequeue), ms, medians over the repeats. By Little's law the wait grows with
the depth: with the writer as the bottleneck a deeper channel adds latency
and memory, not throughput.

$(queue_table)

![peak memory against channel depth](rss-depth.png)

![queue wait against channel depth](queue-wait-depth.png)

Over time, one run per backend, RSS and chunks in flight sampled every 10 ms.
Settings: $(settings timeline) (the real
compress stage, with a writer delay chosen to be slower than two workers).

$(commands timeline)

![memory and chunks in flight over time](timeline-slow-writer.png)

## Per-thread timelines

One run each of bounded and mutex, drawn from \`--trace\` files (they also
open in Perfetto, ui.perfetto.dev). Settings: $(settings trace-bounded).
In bounded the writer sets the pace; the workers wait for room in its
channel and the reader waits for room in theirs (backpressure). In mutex the
reader loads everything first, then one task thread per chunk takes its turn,
and a task keeps its semaphore permit while it waits for the writer lock, so
the slow writer paces the processing as well.

$(commands trace-bounded trace-mutex)

![per-thread timeline, bounded](gantt-bounded.png)

![per-thread timeline, mutex](gantt-mutex.png)

## Granularity: speedup against chunk size

$(granularity)

## Reproduce

\`make report\` measures all of the above again (plots/report.sh);
\`make plots\` draws the same plots into out/plots/ from data it keeps in
out/data/ (\`make plots FRESH=1\` measures again). Every image here has an
SVG twin beside it.
EOF
} > "$md"

echo "report: $md ($(( $(date +%s) - started )) s), images beside it in $report/"
