#!/bin/sh
# bench-pigz.sh PIPELAB — speed at the limit.
#
# On this kind of machine the pipeline is bound by deflate, and `pigz -p 2` is
# at that limit. This runs, interleaved in the same time window (5 rounds):
#   pigz -p 2 -6 -b 8192                                  the yardstick
#   pipelab --backend bounded --workers 2 --level 6       compress + encrypt
#   the same with --metrics json                          what metrics cost
#   pipelab --backend serial                              for the speedup
# on the same 256 MiB text file, and prints medians and the ratios:
#   bounded / pigz >= 0.97, bounded / serial >= 1.90, metrics cost <= 2%,
#   peak RSS <= (2 x depth + workers + 2) x chunk x 1.4 + 16 MiB.
set -eu
calc() { awk "BEGIN { print $* }"; }   # arithmetic with fractions
pipelab=$1
dir=build/bench; mkdir -p "$dir"
in=$dir/text-256M.bin; key=$dir/bench.key; rounds=${ROUNDS:-5}
[ -f "$in" ] || "$pipelab" gen "$in" --size 256M --kind text --seed 1
[ -f "$key" ] || "$pipelab" keygen "$key"
command -v pigz >/dev/null || { echo "pigz not found: sudo apt-get install pigz" >&2; exit 69; }
echo "machine: $("$pipelab" --machine), $(pigz --version 2>&1)"
mb=268.435456   # 256 MiB in MB

seconds() { # seconds CMD... : wall time of one run
    s=$(date +%s.%N); "$@"; e=$(date +%s.%N); calc "$e - $s"
}
run_pigz()    { pigz -p 2 -6 -b 8192 -c "$in" >"$dir/out.gz"; }
run_bounded() { "$pipelab" process "$in" "$dir/out.plab" --force --backend bounded --workers 2 \
                    --level 6 --key-file "$key" --no-progress "$@"; }
run_serial()  { "$pipelab" process "$in" "$dir/out.plab" --force --backend serial --level 6 \
                    --key-file "$key" --no-progress; }
# One row per round; median COLUMN is its median (plots/median.awk).
rounds_csv=$dir/pigz-rounds.csv
echo "round,pigz_s,bounded_s,bounded_metrics_s,serial_s,peak_rss_kib" > "$rounds_csv"
median() { awk -F, -v by= -v cols="$1" -f plots/median.awk "$rounds_csv" | cut -d' ' -f1; }

for r in $(seq 1 "$rounds"); do
    tp=$(seconds run_pigz)
    tb=$(seconds run_bounded --metrics none)
    tm=$(seconds run_bounded --metrics csv --metrics-out "$dir/m.csv")
    ts=$(seconds run_serial)
    kib=$(awk -F, 'NR==1 {for (i=1;i<=NF;i++) if ($i=="peak_rss_kib") c=i} NR==2 {print $c}' "$dir/m.csv")
    printf 'round %d: pigz %.1f  bounded %.1f  bounded+metrics %.1f  serial %.1f MB/s  (peak RSS %d KiB)\n' \
        "$r" "$(calc "$mb/$tp")" "$(calc "$mb/$tb")" "$(calc "$mb/$tm")" \
        "$(calc "$mb/$ts")" "$kib"
    echo "$r,$tp,$tb,$tm,$ts,$kib" >> "$rounds_csv"
done
mp=$(median pigz_s); mbd=$(median bounded_s); mm=$(median bounded_metrics_s); ms=$(median serial_s)
mr=$(median peak_rss_kib)
limit_kib=$(calc "((2*4 + 2 + 2) * 1024 * 1.4 + 16384)")
vs_pigz=$(calc "$mp / $mbd"); vs_serial=$(calc "$ms / $mbd")
cost=$(calc "($mm / $mbd - 1) * 100")
echo
printf 'median: pigz %.1f MB/s, bounded %.1f MB/s, serial %.1f MB/s\n' \
    "$(calc "$mb/$mp")" "$(calc "$mb/$mbd")" "$(calc "$mb/$ms")"
printf 'bounded / pigz      = %.3f   (target >= 0.97)\n' "$vs_pigz"
printf 'bounded / serial    = %.2fx  (target >= 1.90)\n' "$vs_serial"
printf 'metrics on vs off   = %+.1f%%  (target <= 2%%)\n' "$cost"
printf 'bounded peak RSS    = %.1f MiB (limit %.1f MiB)\n' "$(calc "$mr/1024")" "$(calc "$limit_kib/1024")"
rm -f "$dir/out.gz" "$dir/out.plab" "$dir/m.csv" "$rounds_csv"
awk -v a="$vs_pigz" -v b="$vs_serial" -v c="$cost" -v r="$mr" -v l="$limit_kib" \
    'BEGIN { exit !(a >= 0.97 && b >= 1.90 && c <= 2 && r <= l) }'
