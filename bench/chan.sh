#!/bin/sh
# chan.sh PIPELAB — what a channel handoff costs, before and after (make bench-chan).
#
# Three channels, measured in the same run, interleaved (ROUNDS rounds, each
# runs every configuration once):
#   naive     lab 1's answer (labs/01-bounded-channel/chan.c healed with its
#             solution.patch): one mutex, two condition variables, a signal
#             on every send and every receive. The "before".
#   teaching  the kit's src/prim/chan.c: the same design with its two tricks
#             (signal only sleepers; yield a few times before sleeping).
#   lockfree  src/prim/chan_lockfree.c: the turn-numbered ring.
# The naive one needs its own pipelab: the kit's build with the lab's chan.c
# in place of chan.o, linked by the labs' own rule (labs/labs.mk, lab-pipelab).
#
# Then the oversubscribed check: `process --workers 8` on 2 cores, and the
# whole process pinned to one CPU (taskset -c 0), lockfree against bounded.
#
# Prints PASS or MISS per target and always exits 0: a benchmark reports, a
# test fails. CSV: out/data/chan.csv (every run, impl = naive, mutex, lockfree).
# Settings: ROUNDS (5), CHAN_MESSAGES (200000), OVERSUB_SIZE (64M).
set -eu
calc() { awk "BEGIN { print $* }"; }
pipelab=$1
rounds=${ROUNDS:-5}; messages=${CHAN_MESSAGES:-200000}
dir=build/bench/chan; naive_dir=$dir/naive; mkdir -p "$dir" out/data
csv=out/data/chan.csv

# ---- the naive channel's pipelab ----------------------------------------
rm -rf "$naive_dir"; mkdir -p "$naive_dir"
cp labs/01-bounded-channel/chan.c "$naive_dir/chan.c"
patch -s -p1 -d "$naive_dir" --fuzz=0 --forward --batch --no-backup-if-mismatch -r - \
    -i "$PWD/labs/01-bounded-channel/solution.patch"
${MAKE:-make} --no-print-directory LAB_DIR=labs/01-bounded-channel LAB_SRC="$naive_dir" \
    LAB_OUT="$naive_dir" LAB_PIPELAB_OUT="$naive_dir" LAB_FILES=chan.c LAB_REPLACES=chan.o \
    "$naive_dir/pipelab" >"$naive_dir/build.log" 2>&1 ||
    { echo "bench-chan: cannot build the naive channel's pipelab (see $naive_dir/build.log)" >&2; exit 70; }
naive=$naive_dir/pipelab

echo "machine: $("$pipelab" --machine)"
echo "$(awk '{ printf "load average: %s, %s, %s", $1, $2, $3 }' /proc/loadavg) before the runs"
echo "chanbench: $messages messages per run, $rounds interleaved rounds"

# ---- the handoff, interleaved ---------------------------------------------
# One round: the naive binary once, then the kit's; impl "mutex" of the naive
# binary becomes "naive" in the CSV.
bench() { # bench BINARY IMPLS
    "$1" chanbench --impls "$2" --capacities 1,4,64,1024 --shapes 1p1c,4p4c,pipeline \
        --messages "$messages" --repeats 1 --csv "$dir/round.csv" >/dev/null 2>&1 ||
        { echo "bench-chan: $1 chanbench failed" >&2; exit 70; }
}
# relabel ROUND [IMPL] [HEADER]: round.csv's rows with repeat = ROUND (and impl
# = IMPL if given), found by their header names; the header too if HEADER.
relabel() {
    awk -F, -v OFS=, -v r="$1" -v impl="${2:-}" -v header="${3:-}" '
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; if (header) print; next }
        { $c["repeat"] = r; if (impl != "") $c["impl"] = impl; print }' "$dir/round.csv"
}
rm -f "$csv.tmp"
for r in $(seq 1 "$rounds"); do
    bench "$naive" mutex
    relabel "$r" naive "$([ "$r" = 1 ] && echo 1)" >>"$csv.tmp"
    bench "$pipelab" mutex,lockfree
    relabel "$r" >>"$csv.tmp"
    echo "round $r of $rounds done"
done
mv "$csv.tmp" "$csv"; rm -f "$dir/round.csv"

# med IMPL SHAPE CAPACITY COLUMN: the median of COLUMN over the rounds.
med() {
    awk -F, -v by=impl,shape,capacity -v cols="$4" -f plots/median.awk "$csv" |
        awk -v i="$1" -v s="$2" -v c="$3" '$1 == i && $2 == s && $3 == c { print $4 }'
}
echo
echo "medians of $rounds rounds (ns per message; context switches per message, voluntary/involuntary):"
printf '%-9s %-9s %8s %10s %10s %10s\n' shape capacity "" naive teaching lockfree
for shape in 1p1c 4p4c pipeline; do
    for cap in 1 4 64 1024; do
        printf '%-9s %8s  ns/msg  %10.0f %10.0f %10.0f\n' "$shape" "$cap" \
            "$(med naive $shape $cap ns_per_msg)" "$(med mutex $shape $cap ns_per_msg)" \
            "$(med lockfree $shape $cap ns_per_msg)"
        printf '%-9s %8s  csw/msg %5.2f/%-4.2f %5.2f/%-4.2f %5.2f/%-4.2f\n' "" "" \
            "$(med naive $shape $cap vcsw_per_msg)" "$(med naive $shape $cap ivcsw_per_msg)" \
            "$(med mutex $shape $cap vcsw_per_msg)" "$(med mutex $shape $cap ivcsw_per_msg)" \
            "$(med lockfree $shape $cap vcsw_per_msg)" "$(med lockfree $shape $cap ivcsw_per_msg)"
    done
done

verdict() { # verdict LABEL VALUE OP LIMIT UNIT
    if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !(op == ">=" ? v >= l : v < l) }'; then
        word=PASS; else word=MISS; fi
    printf '%-4s  %-58s %8.1f%s (target %s %s%s)\n' "$word" "$1" "$2" "$5" "$3" "$4" "$5"
}
echo
echo "targets (A vs B: how many times fewer ns per message A takes; medians of this run):"
n1=$(med naive 1p1c 4 ns_per_msg); t1=$(med mutex 1p1c 4 ns_per_msg); l1=$(med lockfree 1p1c 4 ns_per_msg)
n4=$(med naive 4p4c 4 ns_per_msg); l4=$(med lockfree 4p4c 4 ns_per_msg)
verdict "lockfree vs naive, 1p1c capacity 4" "$(calc "$n1 / $l1")" ">=" 50 x
verdict "lockfree 1p1c capacity 4, ns per message" "$l1" "<" 150 " ns"
verdict "lockfree vs naive, 4p4c capacity 4" "$(calc "$n4 / $l4")" ">=" 20 x
verdict "teaching vs naive, 1p1c capacity 4" "$(calc "$n1 / $t1")" ">=" 5 x
printf 'info  %-58s %8.1fx\n' "lockfree vs teaching, 1p1c capacity 4" "$(calc "$t1 / $l1")"

# ---- oversubscribed: 8 workers on 2 cores, and on one CPU ----------------
echo
if ! "$pipelab" backends | awk '{ print $1 }' | grep -qx lockfree; then
    echo "skip  oversubscribed check: this pipelab has no lockfree backend (see \`pipelab backends\`)"
    exit 0
fi
in=$dir/text-${OVERSUB_SIZE:-64M}.bin
[ -f "$in" ] || "$pipelab" gen "$in" --size "${OVERSUB_SIZE:-64M}" --kind text --seed 1 >/dev/null
seconds() { s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); calc "$e - $s"; }
run() { # run PIN BACKEND: one process run, 4 KiB checksum chunks (a handoff per 4 KiB)
    $1 "$pipelab" process "$in" "$dir/out.plab" --force --backend "$2" --workers 8 \
        --stages checksum --chunk-size 4K --no-progress
}
echo "round,pinned,backend,seconds" >"$dir/oversub.csv"
for r in $(seq 1 "$rounds"); do
    for pin in none cpu0; do
        prefix=""; [ $pin = cpu0 ] && prefix="taskset -c 0"
        for b in bounded lockfree; do
            echo "$r,$pin,$b,$(seconds run "$prefix" $b)" >>"$dir/oversub.csv"
        done
    done
done
rm -f "$dir/out.plab"
omed() { awk -F, -v by=pinned,backend -v cols=seconds -f plots/median.awk "$dir/oversub.csv" |
             awk -v p="$1" -v b="$2" '$1 == p && $2 == b { print $3 }'; }
for pin in none cpu0; do
    label="--workers 8 on $(nproc) cores"; [ $pin = cpu0 ] && label="--workers 8 under taskset -c 0"
    lb=$(omed $pin lockfree); bb=$(omed $pin bounded)
    printf 'info  %-58s bounded %.2f s, lockfree %.2f s\n' "$label" "$bb" "$lb"
    if awk -v l="$lb" -v b="$bb" 'BEGIN { exit !(l <= 1.5 * b) }'; then word=PASS; else word=MISS; fi
    printf '%-4s  %-58s %8.2fx (target <= 1.5x)\n' "$word" "lockfree time / bounded time, $label" \
        "$(calc "$lb / $bb")"
done
