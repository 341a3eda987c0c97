# speedup-workers.gp — speedup over the serial backend against the number of
# worker threads, one line per backend.
#
# Run after common.gp (plots/plots.sh does it). Variables:
#   dir, backends, t1, t2, cores   as in throughput-workers.gp
#   base      the serial baseline: median MB/s over every serial run
#
# speedup = a configuration's median throughput / base. The dashed grey line
# is the ideal: linear in the workers up to the number of cores, flat after,
# since two cores cannot run more than two deflates at once. The gap between a
# backend and that line is what its synchronisation (or the single reader and
# writer) costs.

set title t1."\n".t2 font bigfont
set xlabel 'worker threads (--workers)'
set ylabel sprintf('speedup over serial (x, serial = %.1f MB/s)', base)
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set xrange [0.5:*]
set xtics 1
set key bottom right
ideal(x) = x < 1 ? NaN : x < cores ? x : cores

plot ideal(x) with lines dt 2 lw 2 lc rgb '#999999' title sprintf('ideal on %d cores', cores), \
     for [b in backends] dir.'/workers-'.b.'.dat' using 1:($2/base):($3/base):($4/base) \
     with yerrorlines lt btype(b) title b
