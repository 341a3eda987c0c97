#!/bin/sh
# bench-serial.sh PIPELAB BENCH_DEFLATE — is the serial pipeline as fast as
# plain deflate?
#
# Target: serial compress (level 6) + encrypt reaches >= 0.95 x the throughput
# of a single-thread zlib level-6 deflate of the same 256 MiB text file. The
# two run alternately (A B A B ...) in the same time window, 5 rounds; the
# figure is the median of the per-round ratios, so a noisy moment on a shared
# machine hits both sides of a ratio alike (plots/median.awk takes the median).
set -eu
calc() { awk "BEGIN { print $* }"; }   # arithmetic with fractions
pipelab=$1; deflate=$2
dir=build/bench; mkdir -p "$dir"
in=$dir/text-256M.bin; rounds=${ROUNDS:-5}
[ -f "$in" ] || "$pipelab" gen "$in" --size 256M --kind text --seed 1
[ -f "$dir/bench.key" ] || "$pipelab" keygen "$dir/bench.key"
echo "machine: $("$pipelab" --machine)"
echo "input: 256 MiB of generated text; $rounds interleaved rounds"
rounds_csv=$dir/serial-rounds.csv      # one row per round, for plots/median.awk
echo "round,ratio" > "$rounds_csv"
for r in $(seq 1 "$rounds"); do
    base=$("$deflate" "$in" "$dir/out.z" 6)
    start=$(date +%s.%N)
    "$pipelab" process "$in" "$dir/out.plab" --force --backend serial --level 6 \
        --stages compress,encrypt --key-file "$dir/bench.key"
    end=$(date +%s.%N)
    ours=$(calc "$end - $start")
    ratio=$(calc "$base / $ours")
    printf 'round %d: zlib deflate %.1f MB/s, pipelab serial %.1f MB/s, ratio %.3f\n' "$r" \
        "$(calc "268.435456 / $base")" "$(calc "268.435456 / $ours")" "$ratio"
    echo "$r,$ratio" >> "$rounds_csv"
done
median=$(awk -F, -v by= -v cols=ratio -f plots/median.awk "$rounds_csv" | cut -d' ' -f1)
printf 'median ratio (serial / zlib deflate): %.3f (target >= 0.95)\n' "$median"
rm -f "$dir/out.z" "$dir/out.plab" "$rounds_csv"
awk -v m="$median" 'BEGIN { exit !(m >= 0.95) }'
