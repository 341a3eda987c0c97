#!/bin/sh
# measure.sh — the measuring commands, end to end, on the real binary.
#
# --metrics json prints every named metric; --timeline writes a CSV with a
# header and rows; --trace writes JSON a parser accepts with one span per chunk
# per stage; compare prints a row per backend; bench writes one CSV row per
# run, with repeats interleaved (A B A B). Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh"
test_pipelab
test_scratch measure
check() { name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else fail "$name" "$*"; fi; }

"$P" gen in.bin --size 3M --kind text --seed 3 && "$P" keygen k || exit 1

# --metrics json: valid JSON holding every metric the issue names.
"$P" process in.bin o --backend bounded --metrics json --key-file k --chunk-size 64K >m.json
check "metrics json parses" python3 -m json.tool m.json
for name in wall_time bytes_in bytes_out ratio throughput peak_rss peak_chunks_in_flight \
    peak_bytes_in_flight cpu_queue_depth cpu_queue_depth_max cpu_queue_depth_mean \
    cpu_queue_wait_p50 cpu_queue_wait_p90 cpu_queue_wait_p99 cpu_queue_wait_max \
    cpu_queue_send_blocked cpu_queue_recv_starved writer_queue_depth writer_queue_depth_max \
    writer_queue_depth_mean writer_queue_wait_p99 writer_queue_send_blocked \
    writer_queue_recv_starved cpu_token_wait_p99 semaphore_wait_p99 lock_wait_p99 \
    lock_hold_p99; do
    check "metrics json has $name" grep -q "\"$name\"" m.json
done
check "metrics json has per-worker figures" grep -q '"per_worker": \[{"chunks"' m.json
check "--metrics-out writes a file" "$P" process in.bin o2 --metrics csv --metrics-out m.csv --key-file k
check "metrics csv has a header and a row" test "$(wc -l <m.csv)" -eq 2
check "--metrics bogus is refused" sh -c "! '$P' process in.bin o3 --metrics bogus --key-file k"

# --timeline: a CSV with its header and at least two rows.
"$P" process in.bin o --force --timeline tl.csv --writer-delay-us 2000 --stages compress --chunk-size 64K
check "timeline has its header" grep -q '^time_s,rss_kib,chunks_in_flight,bytes_in_flight,cpu_queue_depth,writer_queue_depth' tl.csv
check "timeline has rows" test "$(wc -l <tl.csv)" -ge 3

# --trace: JSON, one read/process/write span per chunk.
"$P" process in.bin o --force --trace tr.json --stages compress --chunk-size 256K --workers 2
chunks=12
check "trace parses as JSON" python3 -m json.tool tr.json
for span in read process write; do
    n=$(grep -c "\"name\":\"$span\",\"cat\":\"chunk\",\"ph\":\"X\"" tr.json)
    check "trace has one $span span per chunk" test "$n" -eq "$chunks"
done
n=$(grep -c '"name":"cpu_queue","cat":"queue","ph":"b"' tr.json)
check "trace has one cpu_queue wait per chunk" test "$n" -eq "$chunks"

# compare: a row per backend, and a CSV.
"$P" compare in.bin --workers 2 --key-file k --csv cmp.csv >cmp.txt
# Its default list is every backend `pipelab backends` names.
backends=$("$P" backends | awk 'NF { print $1 }')
nbackends=$(echo "$backends" | wc -l)
for b in $backends; do
    check "compare shows $b" grep -q "^$b " cmp.txt
done
check "compare csv has a row per backend ($nbackends)" test "$(wc -l <cmp.csv)" -eq $((nbackends + 1))
check "compare prints the load average above its table" \
    sh -c "sed -n 2p cmp.txt | grep -Eq '^load average: [0-9.]+, [0-9.]+, [0-9.]+ on [0-9]+ cores'"
check "compare --backends refuses a bogus name" sh -c "! '$P' compare in.bin --backends serial,nope"

# bench: one row per run, repeats interleaved: A B A B.
"$P" bench --size 1M --backends serial,bounded --workers-list 1 --repeats 2 --csv b.csv 2>/dev/null
check "bench writes one row per run" test "$(wc -l <b.csv)" -eq 5
order=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "backend") c = i; next }
                 { printf "%s%s", sep, $c; sep = " " }' b.csv)
check "bench interleaves repeats (A B A B)" test "$order" = "serial bounded serial bounded"
check "bench rows name the machine" sh -c "head -1 b.csv | grep -q 'cpu_model,cores,compiler,zlib,libsodium'"
# --machine and bench rows describe the machine with the same code: the row's
# "cpu",cores,"compiler",zlib,libsodium appear in the line, in that order.
same_machine() {
    line=$("$P" --machine) || return 1
    want=$(tail -n 1 b.csv | awk -F'"' '{ split($3, c, ","); split($5, l, ",")
        printf "%s, %s cores, *, %s, zlib %s, libsodium %s", $2, c[2], $4, l[2], l[3] }')
    case $line in $want) return 0 ;; esac
    return 1
}
check "--machine names the machine of the bench rows" same_machine

# An interrupted sweep stops its child and leaves no scratch directory.
mkdir -p scratch
TMPDIR=$PWD/scratch "$P" bench --size 32M --repeats 5 --csv never.csv >/dev/null 2>&1 &
pid=$!
tries=0
while [ $tries -lt 200 ] && [ -z "$(ls scratch)" ]; do tries=$((tries + 1)); sleep 0.05; done
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
left=$(ls -A scratch)
if [ $rc -eq 143 ] && [ -z "$left" ] && [ ! -e never.csv ]; then ok "bench: SIGTERM leaves no scratch files"
else fail "bench: SIGTERM leaves no scratch files" "exit $rc, left: ${left:-nothing}"; fi

# chanbench: a table line per configuration, a CSV row per run (impls x
# capacities x shapes x repeats, interleaved), one line for a bad list.
"$P" chanbench --impls mutex,lockfree --capacities 1,64 --shapes 1p1c,4p4c,pipeline \
    --messages 400 --repeats 2 --csv cb.csv >cb.txt 2>cb.err
check "chanbench prints its table header" grep -q '^impl .*ns/msg.*vcsw/msg.*ivcsw/msg.*cpu_ns/msg' cb.txt
check "chanbench prints one line per configuration" test "$(grep -Ec '^(mutex|lockfree) ' cb.txt)" -eq 12
check "chanbench writes one CSV row per run" test "$(wc -l <cb.csv)" -eq $((2 * 2 * 3 * 2 + 1))
check "chanbench CSV names its columns" sh -c "head -1 cb.csv | grep -q '^run,repeat,impl,shape,capacity,workers,messages,ns_per_msg,vcsw_per_msg,ivcsw_per_msg,cpu_ns_per_msg,cpu_model,cores,compiler,zlib,libsodium$'"
order=$(awk -F, 'NR > 1 { printf "%s", $2 }' cb.csv)
check "chanbench interleaves repeats (all of round 1 first)" test "$order" = "111111111111222222222222"
check "chanbench --csv - writes the rows to stdout" sh -c \
    "'$P' chanbench --impls mutex --capacities 4 --shapes 1p1c --messages 200 --repeats 3 --csv - 2>/dev/null | test \$(wc -l) -eq 4"
check "chanbench --csv refuses to replace a device" sh -c "! '$P' chanbench --messages 200 --csv /dev/null"
for bad in "--impls mutex,nope" "--capacities 4,0" "--capacities x" "--shapes 2p2c" "--shapes ," \
    "--messages 0" "--workers 63"; do
    # shellcheck disable=SC2086
    "$P" chanbench $bad --messages 200 >bad.out 2>bad.err
    rc=$?
    if [ $rc -eq 64 ] && [ "$(wc -l <bad.err)" -eq 1 ] && [ ! -s bad.out ]; then ok "chanbench refuses $bad with one line (64)"
    else fail "chanbench refuses $bad with one line (64)" "exit $rc: $(cat bad.err)"; fi
done

test_summary
