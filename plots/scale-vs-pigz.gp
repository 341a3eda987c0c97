# scale-vs-pigz.gp — pipelab throughput / pigz throughput at each N, per
# backend, one panel per corpus and zlib level.
#
# Run after common.gp (bench/scale.sh does it). Variables as in
# scale-speedup.gp; dir holds vs-BACKEND-CORPUS-LEVEL.dat, rows:
#   N  median pipelab MB/s / median pigz -p N MB/s
# pipelab also encrypts and writes a container, pigz only compresses, so 1
# (the grey line) is a hard target, not a fair tie.

set multiplot layout 2,2 title "pipelab / pigz at the same N (throughput, medians)\n".t2 font bigfont
set xlabel 'worker threads (N)'
set ylabel 'pipelab MB/s / pigz MB/s'
set xrange [0.5:maxn + 0.5]
set yrange [0:1.3]
set key bottom left font smallfont
do for [level in '1 6'] {
    do for [corpus in 'text tar'] {
        set title sprintf('%s, level %s', corpus, level) font smallfont
        plot 1 with lines dt 2 lw 2 lc rgb '#999999' title 'as fast as pigz', \
             for [b in backends] dir.'/vs-'.b.'-'.corpus.'-'.level.'.dat' using 1:2 \
                 with linespoints lt btype(b) title b
    }
}
unset multiplot
