#!/bin/sh
# plots.sh — the awk programs behind `make plots` and `make report`, on small
# CSV files whose answers are known: median.awk (the kit's one median) and
# verdicts.awk (the report's verdicts). Prints "N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
passed=0; failed=0
ok()   { echo "[       OK ] $1"; passed=$((passed + 1)); }
fail() { echo "[  FAILED  ] $1: $2"; failed=$((failed + 1)); }
# same NAME WANT GOT
same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "want '$2', got '$3'"; fi; }
median() { awk -F, "$@" -f "$root/plots/median.awk" data.csv 2>&1; }

# Columns by name, in any order; odd count: the middle; even: mean of the two.
printf 'x,backend\n3,a\n1,a\n2,a\n6,b\n4,b\n' > data.csv
same "median: by column name, odd and even counts" "a 2 1 3
b 5 4 6" "$(median -v by=backend -v cols=x)"
same "median: count=1 header=1 name the fields" "backend n x x_min x_max
a 3 2 1 3
b 2 5 4 6" "$(median -v by=backend -v cols=x -v count=1 -v header=1)"
same "median: by= empty is one group" "3 1 6" "$(median -v by= -v cols=x)"
same "median: where= keeps matching rows" "b 5 4 6" "$(median -v by=backend -v cols=x -v where=backend=b)"
median -v by=backend -v cols=nope >/dev/null
same "median: an unknown column is an error" 1 $?

# verdicts.awk on made-up medians: mutex clearly faster than bounded, so the
# throughput claim is reversed; the depth it quotes is the data's (8, not 4).
figures=backend,throughput_mb_s,wall_time_s,peak_rss_kib,peak_chunks_in_flight_chunks,chunks
figures=$figures,cpu_queue_depth_max_items,writer_queue_depth_max_items,lock_hold_total_ms
figures=$figures,lock_wait_total_ms,worker_busy_total_ms,bytes_in_b,chunk_size_b,workers_set
figures=$figures,channel_depth_set,cores
{
    echo "$figures"
    echo "serial,20,5,4000,1,13,0,0,0,0,0,104857600,8388608,10,8,2"
    echo "mutex,60,2,110000,13,13,0,0,100,50,0,104857600,8388608,10,8,2"
    echo "bounded,40,3,90000,11,13,9,9,0,0,5000,104857600,8388608,10,8,2"
    echo "unbounded,40,3,95000,12,13,3,3,0,0,5000,104857600,8388608,10,8,2"
} > seed.csv
{
    echo "backend,channel_depth_set,peak_rss_kib,bytes_in_b,workers_set,chunk_size_b"
    echo "mutex,1,35000,33554432,2,1048576"
    echo "bounded,8,12000,33554432,2,1048576"
} > depths.csv
cols=${figures#backend,}
awk -F, -v by=backend -v cols="$cols" -v count=1 -v header=1 -f "$root/plots/median.awk" seed.csv > seed.med
awk -F, -v by=backend -v cols=peak_rss_kib,bytes_in_b,workers_set,chunk_size_b -v count=1 -v header=1 \
    -f "$root/plots/median.awk" depths.csv > depths.med
awk -F, -v by=backend,channel_depth_set -v cols=peak_rss_kib -v count=1 -v header=1 \
    -f "$root/plots/median.awk" depths.csv > depth.med
verdicts() {
    awk -v load="0.1 0.1 0.1" -f "$root/plots/verdicts.awk" table=seed seed.med \
        table=depths depths.med table=depth "$1" 2>&1
}
text=$(verdicts depth.med)
case $text in *"The claim is reversed here"*) ok "verdicts: mutex faster in every repeat reverses the claim" ;;
    *) fail "verdicts: mutex faster in every repeat reverses the claim" "$text" ;; esac
case $text in *"more than the depth of 8"*"bounded at depth 8 can hold at most 20 chunks"*)
    ok "verdicts: the channel depth comes from the data" ;;
    *) fail "verdicts: the channel depth comes from the data" "$text" ;; esac
grep -v '^bounded 8 ' depth.med > no-depth.med
text=$(verdicts no-depth.med)
case $text in *"no peak_rss_kib for bounded 8 in the depth table"*) ok "verdicts: a missing figure is named" ;;
    *) fail "verdicts: a missing figure is named" "$text" ;; esac
verdicts no-depth.med >/dev/null
same "verdicts: a missing figure fails" 1 $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
