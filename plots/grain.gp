# grain.gp — speedup over serial against chunk size, one line per backend
# (make bench-grain: --stages checksum, 2 workers, repeats interleaved).
#
# Run after common.gp (bench/grain.sh does it). Variables:
#   dir        the folder of grain-BACKEND.dat: chunk KiB, median speedup, min, max
#   backends   the backends to draw, space-separated
#   t1, t2     the title's two lines
#
# speedup = a run's throughput / the median serial throughput at the same
# chunk size. Below the dashed line at 1 a backend loses to one thread: the
# cost of handing a chunk over (a sleep and a wake, on a slow channel) is
# larger than the work on it. To the right the work per chunk dominates and
# every concurrent backend approaches the two cores' 2x.

set title t1."\n".t2 font bigfont
set xlabel 'chunk size (--chunk-size, KiB, log scale)'
set ylabel 'speedup over serial at the same chunk size (x)'
set logscale x 2
set xrange [2:8192]
set xtics ('4K' 4, '16K' 16, '64K' 64, '256K' 256, '1M' 1024, '4M' 4096)
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set key top right

plot 1 with lines dt 2 lw 2 lc rgb '#999999' title 'serial (1x)', \
     for [b in backends] dir.'/grain-'.b.'.dat' using 1:2:3:4 \
     with yerrorlines lt btype(b) title b
