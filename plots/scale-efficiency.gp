# scale-efficiency.gp — parallel efficiency (speedup / N) against worker
# threads, every backend and pigz, one panel per corpus and zlib level.
#
# Run after common.gp (bench/scale.sh does it); variables as in
# scale-speedup.gp. 1 is perfect scaling; past the cores efficiency must
# fall (N threads share fewer CPUs), so the part of the curve that says
# something about a design is N <= cores. The thick black line is pigz.

set multiplot layout 2,2 title "Efficiency (speedup / N) against worker threads\n".t2 font bigfont
set xlabel 'worker threads (N)'
set ylabel 'efficiency (1 = perfect)'
set xrange [0.5:maxn + 0.5]
set yrange [0:1.2]
set key bottom left font smallfont
set linetype 9 lc rgb '#000000' lw 3 pt 6 ps 1.2 dt 1
set arrow 1 from cores, graph 0 to cores, graph 1 nohead dt 2 lc rgb '#999999'
do for [level in '1 6'] {
    do for [corpus in 'text tar'] {
        set title sprintf('%s, level %s', corpus, level) font smallfont
        plot dir.'/sp-pigz-'.corpus.'-'.level.'.dat' using 1:5 with linespoints lt 9 title 'pigz -p N', \
             for [b in backends] dir.'/sp-'.b.'-'.corpus.'-'.level.'.dat' using 1:5 \
                 with linespoints lt btype(b) title b
    }
}
unset multiplot
