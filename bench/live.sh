#!/bin/sh
# live.sh PIPELAB — what does watching cost? `make bench-live`.
#
# Target: a bounded run with --live (plain lines into a file: the view thread
# samples and formats every 100 ms exactly as on a terminal) takes at most
# 1.02 x the time of the same run without it. Off and on run alternately
# (off on off on ...), ROUNDS rounds (default 5); the figure is the median of
# the per-round ratios (plots/median.awk), so a noisy moment on a shared
# machine hits both sides of a ratio alike.
#
# With --live off the view thread does not exist; what remains are the
# threads' state stores (src/core/live_state.h), one relaxed atomic store per
# transition, a handful per chunk of 1 MiB: they are the whole cost of the
# feature when it is off, and are part of both sides here.
set -eu
calc() { awk "BEGIN { print $* }"; }
pipelab=$1
dir=build/bench; mkdir -p "$dir"
in=$dir/text-64M.bin; rounds=${ROUNDS:-5}
[ -f "$in" ] || "$pipelab" gen "$in" --size 64M --kind text --seed 1
echo "machine: $("$pipelab" --machine)"
echo "$(awk '{ printf "load average: %s, %s, %s", $1, $2, $3 }' /proc/loadavg) before the runs"
echo "input: 64 MiB of generated text, bounded, compress; $rounds interleaved rounds"
rounds_csv=$dir/live-rounds.csv
echo "round,ratio" > "$rounds_csv"
run() { # run EXTRA...: seconds of one run
    start=$(date +%s.%N)
    "$pipelab" process "$in" "$dir/out.live" --force --backend bounded --stages compress \
        --no-progress "$@" 2>"$dir/live-lines.txt"
    end=$(date +%s.%N)
    calc "$end - $start"
}
for r in $(seq 1 "$rounds"); do
    off=$(run)
    on=$(run --live=plain)
    ratio=$(calc "$on / $off")
    printf 'round %d: off %.3f s, on %.3f s (%d plain lines), ratio %.3f\n' "$r" "$off" "$on" \
        "$(wc -l <"$dir/live-lines.txt")" "$ratio"
    echo "$r,$ratio" >> "$rounds_csv"
done
median=$(awk -F, -v by= -v cols=ratio -f plots/median.awk "$rounds_csv" | cut -d' ' -f1)
printf 'median ratio (--live on / off): %.3f (target <= 1.02)\n' "$median"
rm -f "$dir/out.live" "$dir/live-lines.txt" "$rounds_csv"
# PASS or MISS, and exit 0 either way: a benchmark reports, a test fails.
verdict=$(awk -v m="$median" 'BEGIN { print (m <= 1.02) ? "PASS" : "MISS" }')
printf '%s  --live on / off, median of %d rounds: %.3f (target <= 1.02)\n' "$verdict" "$rounds" "$median"
