#!/bin/sh
# plots.sh [--collect] — draw every pipelab plot whose data is present, as PNG
# and SVG, with gnuplot; awk turns the CSV and trace files into what gnuplot
# reads (no python: a bare Debian machine may not have it).
#
#   plots/plots.sh              draw from DATA_DIR (default out/data)
#   plots/plots.sh --collect    first collect missing data (plots/plots-data.sh;
#                                 `make plots` runs this)
#   COMPARE_CSV=out/demo/compare.csv plots/plots.sh
#                                 also a bar chart of throughput and peak RSS per
#                                 backend from that `compare --csv` (or `bench
#                                 --csv`: medians over its repeats); COMPARE_TITLE
#                                 overrides its title
# Images go to OUT_DIR (default out/plots). plots/*.gp say what each one shows.
set -eu
data=${DATA_DIR:-out/data}
outdir=${OUT_DIR:-out/plots}
gp=plots

if ! command -v gnuplot >/dev/null 2>&1; then
    echo "pipelab: gnuplot not found; install it with: sudo apt-get install gnuplot-nox" >&2
    exit 69
fi
case "${1:-}" in
    --collect) plots/plots-data.sh ;;
    "") ;;
    *) echo "usage: plots/plots.sh [--collect]  (see the comment at its top)" >&2; exit 64 ;;
esac

mkdir -p "$outdir"
work=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-plots.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
drawn=""

# quote: text made safe inside a gnuplot '...' string ('' is a quote there).
quote() {
    sed "s/'/''/g"
}

# meta NAME FIELD: a line of DATA_DIR/NAME.meta (title, settings), or "".
meta() {
    sed -n "s/^$2: //p" "$data/$1.meta" 2>/dev/null | head -n 1 | quote
}

# render NAME SCRIPT VARS: run plots/common.gp then SCRIPT, once as PNG and
# once as SVG. VARS are gnuplot assignments ("dir='...'; t1='...'").
render() {
    for fmt in png svg; do
        gnuplot -e "fmt='$fmt'; out='$outdir/$1'; $3" "$gp/common.gp" "$gp/$2" ||
            { echo "plots.sh: gnuplot failed on $gp/$2 for $1.$fmt" >&2; exit 70; }
    done
    drawn="$drawn $1"
}

# backends CSV: the backends present in a CSV, the four known ones first in
# teaching order, then any others.
backends() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "backend") c = i; next }
             c && $1 != "run" && $1 != "backend" && !seen[$c]++ { list[++n] = $c }
             END { split("serial mutex bounded unbounded", known, " ")
                   for (k = 1; k <= 4; k++) for (i = 1; i <= n; i++) if (list[i] == known[k]) out = out " " list[i]
                   for (i = 1; i <= n; i++) if (list[i] !~ /^(serial|mutex|bounded|unbounded)$/) out = out " " list[i]
                   print substr(out, 2) }' "$1"
}

# first CSV COLUMN: COLUMN's value in CSV's first data row.
first() {
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                          c && $1 != "run" && $1 != "backend" { print $c; exit }' "$1"
}

# mib BYTES: BYTES in MiB, as short as it can be written.
mib() {
    awk -v b="$1" 'BEGIN { printf "%g", b / 1048576 }'
}

# per_backend CSV PREFIX XCOL YCOL: one file WORK/PREFIX-B.dat per backend,
# rows "x median min max" sorted by x.
per_backend() {
    for b in $(backends "$1"); do
        awk -F, -v by="$3" -v cols="$4" -v where="backend=$b" -f "$gp/median.awk" "$1" |
            sort -n -k1,1 > "$work/$2-$b.dat"
    done
}

# ---- 1. throughput and speedup against workers --------------------------
if [ -s "$data/workers.csv" ]; then
    csv=$data/workers.csv
    per_backend "$csv" workers workers_set throughput_mb_s
    list=$(backends "$csv")
    cores=$(first "$csv" cores)
    t1=$(meta workers title); t2=$(meta workers settings)
    [ -n "$t1" ] || t1="Throughput against workers, per backend"
    [ -n "$t2" ] || t2="from $csv"
    vars="dir='$work'; backends='$list'; t1='$t1'; t2='$t2'; cores=${cores:-$(nproc)}"
    render throughput-workers throughput-workers.gp "$vars"
    base=$(awk -F, -v by=backend -v cols=throughput_mb_s -v where=backend=serial \
               -f "$gp/median.awk" "$csv" | awk '{ print $2 }')
    if [ -n "$base" ]; then
        render speedup-workers speedup-workers.gp \
            "$vars; t1='Speedup over serial against workers, per backend'; base=$base"
    else
        echo "plots.sh: no serial rows in $csv, so no speedup plot" >&2
    fi
fi

# ---- 2 and 4. peak RSS and queue wait against channel depth -------------
if [ -s "$data/depths.csv" ]; then
    csv=$data/depths.csv
    per_backend "$csv" depth channel_depth_set peak_rss_kib
    t2=$(meta depths settings)
    [ -n "$t2" ] || t2="from $csv"
    input_mib=$(mib "$(first "$csv" bytes_in_b)")
    chunk_mib=$(mib "$(first "$csv" chunk_size_b)")
    render rss-depth rss-depth.gp \
        "dir='$work'; backends='$(backends "$csv")'; t1='Peak memory against channel depth, per backend'; t2='$t2'; input_mib=$input_mib; workers=$(first "$csv" workers_set); chunk_mib=$chunk_mib"
    if echo " $(backends "$csv") " | grep -q ' bounded '; then
        awk -F, -v by=channel_depth_set -v where=backend=bounded \
            -v cols=cpu_queue_wait_p50_ms,cpu_queue_wait_p99_ms,writer_queue_wait_p50_ms,writer_queue_wait_p99_ms \
            -f "$gp/median.awk" "$csv" | sort -n -k1,1 > "$work/qwait-bounded.dat"
        render queue-wait-depth queue-wait-depth.gp \
            "data='$work/qwait-bounded.dat'; t1='Queue wait against channel depth, bounded backend'; t2='$t2'"
    fi
fi

# ---- 3. memory and chunks over time with a slow writer ------------------
list=""
for b in serial mutex bounded unbounded; do
    [ -s "$data/timeline-$b.csv" ] && list="$list $b"
done
if [ -n "$list" ]; then
    t1=$(meta timeline title); t2=$(meta timeline settings)
    [ -n "$t1" ] || t1="Memory over time"
    [ -n "$t2" ] || t2="from $data/timeline-*.csv"
    render timeline-slow-writer timeline.gp \
        "dir='$data'; backends='${list# }'; t1='$t1'; t2='$t2'; height=760"
fi

# ---- 5. per-thread Gantt chart of a trace -------------------------------
for trace in "$data"/trace-*.json; do
    [ -s "$trace" ] || continue
    name=$(basename "$trace" .json)
    awk -v lanes="$work/$name.lanes.gp" -f "$gp/trace2gantt.awk" "$trace" > "$work/$name.dat"
    t1=$(meta "$name" title); t2=$(meta "$name" settings)
    [ -n "$t1" ] || t1="Per-thread timeline of $trace"
    [ -n "$t2" ] || t2=" "
    lanes=$(awk -F'= ' '/^lanes_count/ { print $2 }' "$work/$name.lanes.gp")
    h=$(( 230 + 42 * lanes )); [ "$h" -ge 600 ] || h=600; [ "$h" -le 1100 ] || h=1100
    render "gantt-${name#trace-}" gantt.gp \
        "data='$work/$name.dat'; lanes='$work/$name.lanes.gp'; t1='$t1'; t2='$t2'; width=1200; height=$h"
done

# ---- optional: bar chart of a compare (or bench) CSV --------------------
if [ -n "${COMPARE_CSV:-}" ]; then
    if [ ! -s "$COMPARE_CSV" ]; then
        echo "plots.sh: COMPARE_CSV=$COMPARE_CSV: no such file" >&2
        exit 66
    fi
    # Medians per backend, in teaching order.
    for b in $(backends "$COMPARE_CSV"); do
        awk -F, -v by=backend -v cols=throughput_mb_s,peak_rss_kib -v where="backend=$b" \
            -f "$gp/median.awk" "$COMPARE_CSV"
    done > "$work/compare.dat"
    n=$(wc -l < "$work/compare.dat")
    runs=$(( $(grep -c . "$COMPARE_CSV") - 1 ))
    workers=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "backend") b = i; if ($i == "workers") w = i }; next }
                       $b == "bounded" || $b == "unbounded" { print $w; exit }' "$COMPARE_CSV")
    t1=${COMPARE_TITLE:-"Every backend on the same input, each in its own process"}
    t2="$runs runs from $(basename "$COMPARE_CSV")"
    [ "$runs" -gt "$n" ] || t2="one run per backend, from $(basename "$COMPARE_CSV")"
    [ -n "${COMPARE_TITLE:-}" ] ||
        t2="$(mib "$(first "$COMPARE_CSV" bytes_in_b)") MiB input${workers:+; $workers workers}; $t2"
    [ "$runs" -gt "$n" ] && t2="$t2 (bars: medians, whiskers: fastest and slowest)"
    render compare compare.gp \
        "data='$work/compare.dat'; t1='$(echo "$t1" | quote)'; t2='$t2'; nb=$n"
fi

if [ -z "$drawn" ]; then
    echo "plots.sh: no data in $data/ to draw; run \`make plots\` (it collects the data first)" >&2
    exit 66
fi
echo "plots: PNG and SVG images in $outdir/:"
for name in $drawn; do
    echo "  $outdir/$name.png"
done
