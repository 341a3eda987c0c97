# gantt.gp — a per-thread timeline of one run (a Gantt chart): which thread
# read, processed or wrote which chunk, and when.
#
# Run after common.gp (plots/plots.sh does it). Variables:
#   data      rows from trace2gantt.awk: lane start_ms end_ms kind chunk
#   lanes     the gnuplot file trace2gantt.awk wrote (lane names, y range,
#             run_ms: the end of the last span)
#   t1, t2    the title
#
# Read it top to bottom as a chunk's journey: reader, a worker, the writer.
# Gaps in a worker's lane are time it spent blocked: waiting for a chunk, for
# a CPU token, or for room in the writer's channel (backpressure). Numbers on
# the process boxes are chunk indexes. A write is a short system call: every
# span is drawn at least 0.3% of the run wide so that none vanishes between
# two pixels. With --writer-delay-us the writer sleeps before each write, so
# the gaps in the writer's lane are the slow disk. In a mutex trace each
# "worker" lane is a task thread that takes one chunk (the design note's one
# tokio::spawn per chunk), and the writer lane is whichever task holds the
# writer lock.

load lanes
set title t1."\n".t2 font bigfont
set xlabel 'time since the run started (ms)'
set ylabel ''
set grid noytics
set xrange [0:*]
set key inside top right horizontal opaque
set style fill solid 0.9 noborder
is(k) = strcol(4) eq k ? $1 : NaN
minw = run_ms * 0.0015
half(a, b) = (b - a) / 2 > minw ? (b - a) / 2 : minw

plot data using (($2+$3)/2):(is('read')):(half($2,$3)):(0.36) \
          with boxxyerror lc rgb '#2ca02c' title 'read', \
     data using (($2+$3)/2):(is('process')):(half($2,$3)):(0.36) \
          with boxxyerror fs solid 0.9 border lc rgb 'white' lc rgb '#1f77b4' title 'process (the stages)', \
     data using (($2+$3)/2):(is('write')):(half($2,$3)):(0.36) \
          with boxxyerror lc rgb '#9467bd' title 'write', \
     data using (($2+$3)/2):(is('process')):5 with labels tc rgb 'white' font smallfont notitle
