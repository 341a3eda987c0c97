#!/bin/sh
# report-machines.sh DIR — a report from CSV files measured elsewhere: a
# class's `pipelab bench --csv` files, a `make bench-scale` run on a 64-core
# server, drawn here. `make report DATA=DIR` runs it (through report.sh).
#
# Every *.csv in DIR is checked (plots/machines.awk): a malformed or
# mixed-version file gets one line saying why and is skipped, never averaged
# in. The rows of the plain configuration (level 6, no experiment delays,
# generated text) are grouped by machine, named by the machine fields of
# each row, so two files from the same machine make one series and two
# machines two. Writes REPORT_DIR/REPORT.md (default report/machines/) with, per
# machine, a table of median throughput per backend and worker count, and
# the plots machines-throughput and machines-speedup (one line per machine,
# for REPORT_BACKEND, default bounded), PNG and SVG; the gnuplot data is kept
# in REPORT_DIR/data/machines-K.dat. Measures nothing.
set -eu
src=${1:?usage: plots/report-machines.sh DIR}
report=${REPORT_DIR:-report/machines}   # never over the measured report/REPORT.md
backend=${REPORT_BACKEND:-bounded}
gp=$(dirname "$0")   # the awk and gnuplot files beside this one
[ -d "$src" ] || { echo "report: $src is not a folder" >&2; exit 66; }
set -- "$src"/*.csv
[ -f "$1" ] || { echo "report: no .csv files in $src" >&2; exit 66; }
mkdir -p "$report/data"
rm -f "$report"/data/machines-*.dat
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-machines.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

awk -F, -v out="$tmp/rows" -f "$gp/machines.awk" "$@" | tee "$tmp/skipped" >&2
machines=$(wc -l < "$tmp/rows.names")
if [ "$machines" -eq 0 ]; then
    echo "report: no usable CSV in $src" >&2
    exit 65
fi

# Medians per machine, backend and N (median.awk reads named columns).
{ echo "machine,backend,workers_set,throughput_mb_s"; tr ' ' , < "$tmp/rows"; } > "$tmp/rows.csv"
awk -F, -v by=machine,backend,workers_set -v cols=throughput_mb_s -f "$gp/median.awk" \
    "$tmp/rows.csv" | sort -k1,1n -k2,2 -k3,3n > "$tmp/med"

# One gnuplot data file per machine: a header whose second field is the
# machine's name (the series title), then "N median min max speedup".
while IFS="$(printf '\t')" read -r id name; do
    awk -v id="$id" -v b="$backend" -v name="$name" '
        BEGIN { printf "N \"%s\" min max speedup\n", name }
        $1 == id && $2 == b { if ($3 == 1) base = $4; n[++k] = $3; m[k] = $4; lo[k] = $5; hi[k] = $6 }
        END { for (i = 1; i <= k; i++) printf "%s %s %s %s %s\n", n[i], m[i], lo[i], hi[i],
                                           (base > 0 ? m[i] / base : "NaN") }' \
        "$tmp/med" > "$report/data/machines-$id.dat"
done < "$tmp/rows.names"

# table ID: median MB/s, one row per N, one column per backend.
table() {
    awk -v id="$1" '
        $1 == id { if (!($2 in seenb)) { seenb[$2] = 1; bs[++nb] = $2 }
                   if (!($3 in seenn)) { seenn[$3] = 1; ns[++nn] = $3 }
                   v[$2, $3] = $4 }
        END {
            line = "| workers"; rule = "| ---:"
            for (j = 1; j <= nb; j++) { line = line " | " bs[j]; rule = rule " | ---:" }
            print line " |"; print rule " |"
            for (i = 1; i <= nn; i++) {
                line = "| " ns[i]
                for (j = 1; j <= nb; j++)
                    line = line " | " (((bs[j], ns[i]) in v) ? sprintf("%.1f", v[bs[j], ns[i]]) : "-")
                print line " |"
            }
        }' "$tmp/med"
}

drawn=""
if command -v gnuplot >/dev/null 2>&1; then
    for name in machines-throughput machines-speedup; do
        for fmt in png svg; do
            gnuplot -e "fmt='$fmt'; out='$report/$name'; dir='$report/data'; machines=$machines; backend='$backend'" \
                "$gp/common.gp" "$gp/$name.gp" ||
                { echo "report: gnuplot failed on $gp/$name.gp" >&2; exit 70; }
        done
        drawn="$drawn $name"
    done
else
    echo "report: gnuplot not found, tables only (sudo apt-get install gnuplot-nox)" >&2
fi

{
    echo "# pipelab: results from $machines machine(s)"
    echo
    echo "Written by \`make report DATA=$src\` ($(date -u '+%Y-%m-%d %H:%M UTC')) from the CSV"
    echo "files in that folder; nothing was measured here. Only rows of the plain"
    echo "configuration are used (zlib level 6, no experiment delays, generated text"
    echo "where the file says which corpus); a cell is the median over every such run"
    echo "of that machine. Throughput is input bytes / wall time, MB/s."
    echo
    if [ -s "$tmp/skipped" ]; then
        echo "Files left out:"
        echo
        sed 's/^report: /- /' "$tmp/skipped"
        echo
    fi
    while IFS="$(printf '\t')" read -r id name; do
        echo "## $name"
        echo
        table "$id"
        echo
    done < "$tmp/rows.names"
    for name in $drawn; do
        echo "![$name]($name.png)"
        echo
    done
} > "$report/REPORT.md"
echo "report: $report/REPORT.md, $machines machine(s)${drawn:+, plots:$drawn}"
