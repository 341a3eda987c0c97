# compare.gp — throughput and peak memory per backend, side by side, from a
# `pipelab compare --csv` (or `bench --csv`) file.
#
# Run after common.gp (plots/plots.sh does it). Variables:
#   data      rows: backend  mbs_median mbs_min mbs_max  rss_kib_median min max
#             (median.awk by backend; one row per backend for a compare CSV)
#   t1, t2    the title
#
# Left: faster is better. Right: smaller is better. Whiskers span the
# repeats when there are several (bench); a compare run has one per backend.
# The value is written inside each bar, clear of the whiskers.

set multiplot layout 1,2 title t1."\n".t2 font bigfont
set style fill solid 0.85 border lc rgb 'white'
set boxwidth 0.6
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
if (!exists("nb")) nb = 4
set xrange [-0.6:nb - 0.4]
set grid noxtics
set key off
set xtics scale 0

set title 'throughput (higher is better)' font bigfont
set ylabel 'throughput (MB/s)'
plot data using 0:2:(btype(strcol(1))):xtic(1) with boxes lc variable, \
     data using 0:3:(0):($4-$3) with vectors heads size screen 0.006,90 lc rgb '#333333' lw 1.5, \
     data using 0:($2/2):(sprintf('%.1f', $2)) with labels tc rgb 'white' font bigfont

set title 'peak memory (lower is better)' font bigfont
set ylabel 'peak RSS (MiB)'
plot data using 0:($5/1024):(btype(strcol(1))):xtic(1) with boxes lc variable, \
     data using 0:($6/1024):(0):(($7-$6)/1024) with vectors heads size screen 0.006,90 lc rgb '#333333' lw 1.5, \
     data using 0:($5/1024/2):(sprintf('%.0f', $5/1024)) with labels tc rgb 'white' font bigfont
unset multiplot
