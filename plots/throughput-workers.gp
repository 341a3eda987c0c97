# throughput-workers.gp — throughput against the number of worker threads,
# one line per backend: does adding workers make the pipeline faster, and
# where does it stop?
#
# Run after common.gp (plots/plots.sh does it). Variables:
#   dir       folder of per-backend files workers-BACKEND.dat, rows:
#             workers  median_MB/s  min_MB/s  max_MB/s  (from median.awk)
#   backends  the backends to draw, space separated
#   t1, t2    the title: what was measured, and with which settings
#   cores     the machine's cores (a dashed line marks that worker count)
#
# Points are medians over the repeats; the error bars span the fastest and
# slowest repeat. Expect every parallel backend to climb until workers reach
# the number of cores and to stay flat after: more threads than cores (and
# than --cpu-tokens) cannot run deflate any faster. serial ignores --workers,
# so its flat line shows the run-to-run noise.

set title t1."\n".t2 font bigfont
set xlabel 'worker threads (--workers)'
set ylabel 'throughput (MB/s, input bytes / wall time)'
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set xrange [0.5:*]
set xtics 1
set key bottom right
set arrow 1 from cores, graph 0 to cores, graph 1 nohead dt 2 lc rgb '#999999'
set label 1 sprintf('%d cores', cores) at cores, graph 0.04 offset 0.5,0 tc rgb '#777777'

plot for [b in backends] dir.'/workers-'.b.'.dat' using 1:2:3:4 \
     with yerrorlines lt btype(b) title b
