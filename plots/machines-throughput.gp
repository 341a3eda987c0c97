# machines-throughput.gp — one backend's throughput against workers, one line
# per machine: a class's results, or a big server's, side by side.
#
# Run after common.gp (plots/report-machines.sh does it). Variables:
#   dir       folder of machines-K.dat, K = 1..machines; each starts with a
#             header whose second field is the machine's name, then rows
#             N  median_MB/s  min  max  speedup
#   machines  how many; backend  which backend the lines show
#
# Absolute throughput says how fast each machine is; machines-speedup.gp
# says how well the design uses its cores.

set title sprintf("%s: throughput against workers, one line per machine\n(medians; bars: slowest and fastest run)", backend) font bigfont
set xlabel 'worker threads (--workers)'
set ylabel 'throughput (MB/s)'
set yrange [0:*]
set xrange [0.5:*]
set key top left font smallfont
plot for [k = 1:machines] dir.'/machines-'.k.'.dat' using 1:2:3:4 with yerrorlines \
     lt (k % 8) + 1 title columnheader(2)
