#!/bin/sh
# plots.sh — the awk programs behind `make plots` and `make report`, on small
# CSV files whose answers are known: median.awk (the kit's one median) and
# verdicts.awk (the report's verdicts). Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh"
test_scratch plots
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
    awk -v load_avg="0.1 0.1 0.1" -f "$root/plots/verdicts.awk" table=seed seed.med \
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

# speedup.awk and amdahl.awk: a curve made from s = 0.2 exactly gives 0.2
# back; N past the cores is left out of the fit.
{
    echo "backend workers_set throughput_mb_s throughput_mb_s_min throughput_mb_s_max"
    awk 'BEGIN { for (n = 1; n <= 8; n *= 2) { s = 10 / (0.2 + 0.8 / n); print "a", n, s, s, s }
                 print "a", 16, 1, 1, 1 }'
} > med.txt
awk -v group=backend -f "$root/plots/speedup.awk" med.txt > speedup.txt
same "speedup: each group against its own 1 worker" "a 8 3.3333 3.3333 3.3333 0.4167" \
    "$(grep '^a 8 ' speedup.txt)"
same "amdahl: s = 0.2 fitted back, from N = 2, 4, 8 (not 16 > cores)" "a 0.200 3" \
    "$(awk -v group=backend -v cores=8 -f "$root/plots/amdahl.awk" speedup.txt | tail -n 1)"

# report-machines.sh: two CSV sets whose machine fields differ are two
# series; a cut file and a mixed-version file are each named and skipped.
mkdir -p class
row() { # row BACKEND N MB/S CPU CORES
    echo "1,1,$2,4,1048576,0,0,0,6,$1,1.0,33554432,$3,\"$4\",$5,\"gcc 12\",1.2.13,1.0.18"
}
hdr="run,repeat,workers_set,channel_depth_set,chunk_size_b,stage_cost_us,writer_delay_us"
hdr="$hdr,reader_delay_us,level,backend,wall_time_s,bytes_in_b,throughput_mb_s"
hdr="$hdr,cpu_model,cores,compiler,zlib,libsodium"
{ echo "$hdr"; row bounded 1 20 "Laptop CPU" 2; row bounded 2 39 "Laptop CPU" 2; } > class/alice.csv
{ echo "$hdr"; row bounded 1 30 "Server CPU" 64; row bounded 2 60 "Server CPU" 64
  row bounded 1 99 "Server CPU" 64 | sed 's/,0,6,/,5000,6,/'; } > class/bob.csv
{ echo "$hdr"; row bounded 1 20 "Laptop CPU" 2; echo "1,1,2,4"; } > class/cut.csv
{ echo "$hdr"; row bounded 1 20 "Old CPU" 2; echo "run,backend,workers_set,throughput_mb_s"; } > class/mixed.csv
REPORT_DIR=rep "$root/plots/report-machines.sh" class > report.out 2>&1
same "report DATA: two machines, two series" 2 "$(ls rep/data/machines-*.dat | wc -l)"
same "report DATA: each series named by its machine" \
    'N "Laptop CPU, 2 cores, gcc 12, zlib 1.2.13" min max speedup|N "Server CPU, 64 cores, gcc 12, zlib 1.2.13" min max speedup' \
    "$(head -q -n 1 rep/data/machines-1.dat rep/data/machines-2.dat | paste -sd '|')"
same "report DATA: a row with an experiment delay is not averaged in" "1 30 30 30 1" \
    "$(sed -n 2p rep/data/machines-2.dat)"
same "report DATA: a cut file is named once and skipped" 1 \
    "$(grep -c 'cut.csv: line 3 has 4 fields.*skipped' report.out)"
same "report DATA: a mixed-version file is named once and skipped" 1 \
    "$(grep -c 'mixed.csv: line 3 is a second, different header.*skipped' report.out)"
case $(cat rep/REPORT.md) in *"## Laptop CPU"*"## Server CPU"*) ok "report DATA: REPORT.md has a section per machine" ;;
    *) fail "report DATA: REPORT.md has a section per machine" "$(head -n 20 rep/REPORT.md)" ;; esac
mkdir -p empty; echo "x,y" > empty/x.csv
REPORT_DIR=rep2 "$root/plots/report-machines.sh" empty >/dev/null 2>&1
same "report DATA: nothing usable is an error (65)" 65 $?

test_summary
