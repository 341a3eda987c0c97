# machines-speedup.gp — one backend's speedup over its own 1-worker run
# against workers, one line per machine, with the ideal y = N.
#
# Run after common.gp (plots/report-machines.sh does it); variables as in
# machines-throughput.gp. Each machine's line can rise only to its own core
# count (the CSV's cores field, in the line's title); a line that bends
# earlier shows where that machine stops scaling.

set title sprintf("%s: speedup over 1 worker, one line per machine", backend) font bigfont
set xlabel 'worker threads (--workers)'
set ylabel 'speedup over the same machine at 1 worker'
set yrange [0:*]
set xrange [0.5:*]
set key top left font smallfont
plot x with lines dt 2 lw 2 lc rgb '#999999' title 'ideal', \
     for [k = 1:machines] dir.'/machines-'.k.'.dat' using 1:5 with linespoints \
     lt (k % 8) + 1 title columnheader(2)
