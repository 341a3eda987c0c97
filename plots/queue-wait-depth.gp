# queue-wait-depth.gp — how long a chunk waits in the bounded backend's
# channels (enqueue -> dequeue), median and 99th percentile, against depth.
#
# Run after common.gp (plots/plots.sh does it). Variables:
#   data      rows: depth  cpu_p50 min max  cpu_p99 min max
#                          writer_p50 min max  writer_p99 min max   (ms)
#   t1, t2    the title
#
# What to see: with a slow writer the channels stay full, so by Little's law
# (mean depth = arrival rate x mean wait) a chunk waits about depth / rate.
# A deeper channel buys no throughput here; it only adds latency and memory.

set title t1."\n".t2 font bigfont
set xlabel 'channel depth (--channel-depth, chunks per channel; log scale)'
set ylabel 'queue wait, enqueue to dequeue (ms)'
set logscale x 2
set xtics 2 format '%g'
set yrange [0:*]
set offsets graph 0.05, graph 0.05, graph 0.05, 0
set key top left

plot data using 1:2:3:4   with yerrorlines lt 3 dt 1 title 'reader -> workers channel, p50', \
     data using 1:5:6:7   with yerrorlines lt 3 dt 2 pt 8 title 'reader -> workers channel, p99', \
     data using 1:8:9:10  with yerrorlines lt 5 dt 1 title 'workers -> writer channel, p50', \
     data using 1:11:12:13 with yerrorlines lt 5 dt 2 pt 10 title 'workers -> writer channel, p99'
