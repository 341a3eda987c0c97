# timeline.gp — memory and queued chunks over time, one line per backend,
# for the same input and the same slow writer: the backpressure picture.
#
# Run after common.gp (plots/plots.sh does it). Variables:
#   dir       folder of timeline-BACKEND.csv files from `process --timeline`
#             (time_s,rss_kib,chunks_in_flight,bytes_in_flight,
#              cpu_queue_depth,writer_queue_depth,bytes_read,bytes_written;
#              one row every 10 ms)
#   backends  the backends to draw, space separated
#   t1, t2    the title
#
# Top: resident memory. mutex reads the whole file before it works, and
# unbounded lets the reader run ahead of the slow writer: both climb to about
# the file's size and only drain as the writer catches up. bounded stays flat:
# its reader blocks on a full channel (that wait is the backpressure).
# RSS need not fall when chunks are freed: malloc keeps freed memory for
# reuse rather than handing it back, so the bottom panel is the live count.
# Bottom: chunks in flight (read, not yet written) as solid lines, and the
# chunks sitting in the two channels as dashed lines (mutex has no channels).

set datafile separator ','
# margins: left, right, bottom, top of the two panels (screen fractions),
# leaving room for the two-line title above.
set multiplot layout 2,1 title t1."\n".t2 font bigfont margins 0.1,0.97,0.1,0.88 spacing 0,0.06
set key top right
set xrange [0:*]
set yrange [0:*]
set offsets 0, 0, graph 0.3, 0    # room for the key above the lines

set ylabel 'resident memory, RSS (MiB)'
set xlabel ''
set format x ''
plot for [b in backends] dir.'/timeline-'.b.'.csv' skip 1 using 1:($2/1024) \
     with lines lt btype(b) lw 2.5 title b

set ylabel 'chunks'
set xlabel 'time since the run started (s)'
set format x '%g'
plot for [b in backends] dir.'/timeline-'.b.'.csv' skip 1 using 1:3 \
         with lines lt btype(b) lw 2.5 title b.': in flight', \
     for [b in backends] dir.'/timeline-'.b.'.csv' skip 1 \
         using 1:(b eq 'mutex' || b eq 'serial' ? NaN : $5+$6) \
         with lines lt btype(b) lw 1.5 dt 2 title (b eq 'mutex' || b eq 'serial' ? '' : b.': in the channels')
unset multiplot
