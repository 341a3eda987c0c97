# scale-speedup.gp — speedup against worker threads, every backend and pigz,
# one panel per corpus (text, tar of /usr/share) and zlib level (1, 6).
#
# Run after common.gp (bench/scale.sh does it). Variables:
#   dir       folder of sp-TOOL-CORPUS-LEVEL.dat, rows (plots/speedup.awk):
#             N  speedup  min  max  efficiency
#   backends  the pipelab backends, space separated (serial has one point)
#   cores     the machine's cores; maxn the largest N measured
#   t2        the machine and the settings
#
# Speedup is each tool against itself at N = 1. The thick black line is
# pigz -p N, the yardstick; the dashed grey line the ideal (N up to the
# cores, flat after). A backend below pigz loses something pigz does not:
# the single reader and writer, a lock, or the channels.

set multiplot layout 2,2 title "Speedup against worker threads (compress + encrypt; pigz: compress only)\n".t2 font bigfont
set xlabel 'worker threads (N)'
set ylabel 'speedup over the same tool at N = 1'
set xrange [0.5:maxn + 0.5]
set yrange [0:*]
set key bottom right font smallfont
ideal(x) = x < 1 ? NaN : x < cores ? x : cores
set linetype 9 lc rgb '#000000' lw 3 pt 6 ps 1.2 dt 1
do for [level in '1 6'] {
    do for [corpus in 'text tar'] {
        set title sprintf('%s, level %s', corpus, level) font smallfont
        plot ideal(x) with lines dt 2 lw 2 lc rgb '#999999' title sprintf('ideal on %d cores', cores), \
             dir.'/sp-pigz-'.corpus.'-'.level.'.dat' using 1:2:3:4 with yerrorlines lt 9 title 'pigz -p N', \
             for [b in backends] dir.'/sp-'.b.'-'.corpus.'-'.level.'.dat' using 1:2:3:4 \
                 with yerrorlines lt btype(b) title b
    }
}
unset multiplot
