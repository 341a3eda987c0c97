# regimes.gp — the regime map: bounded / mutex throughput over write cost and
# read cost (each against the compute stage's pace u = C / workers), for 16
# and 64 workers, with the bottleneck law's prediction in every cell.
#
# Run after common.gp (bench/regimes.sh does it). Variables:
#   data  two blocks (16 workers, then 64), rows as in regimes-ratio.dat:
#         workers  W/u  R/u  bounded_MB/s  mutex_MB/s  ratio  predicted  bound
#   t2    the machine and the settings
#
# Colour: the measured ratio (white = a tie, deep blue = mutex loses badly).
# Each cell: the measured ratio, and below it in brackets the bottleneck
# law's prediction. Cells outlined in black: mutex loses by 1.5x or more.

ix(x) = log(x) / log(2)             # W/u = 0.25 .. 2  ->  -2 .. 1
ir(r) = r == 0 ? -3 : log(r) / log(2) # R/u = 0, 0.25 .. 2 -> -3, -2 .. 1
set multiplot layout 1,2 title "Regime map: bounded / mutex throughput (measured; in brackets, the bottleneck law)\n".t2 font bigfont
set xlabel 'write cost / compute pace (W / u)'
set ylabel 'read cost / compute pace (R / u)'
set xtics ('0.25' -2, '0.5' -1, '1' 0, '2' 1)
set ytics ('0' -3, '0.25' -2, '0.5' -1, '1' 0, '2' 1)
set xrange [-2.5:1.5]
set yrange [-3.5:1.5]
set cbrange [1:2.5]
set cblabel 'bounded / mutex'
set palette defined (1 '#ffffff', 1.5 '#9ecae1', 2.5 '#4292c6')
unset grid
unset key
set size square
do for [i = 0:1] {
    set title sprintf('%d workers', i == 0 ? 16 : 64) font smallfont
    plot data index i using (ix($2)):(ir($3)):6 with image, \
         data index i using (ix($2)):(ir($3)):($6 >= 1.5 ? 0.5 : NaN):($6 >= 1.5 ? 0.5 : NaN) \
             with boxxyerror fs empty border lc rgb '#000000' lw 2, \
         data index i using (ix($2)):(ir($3)):(sprintf("%.2f\n(%.2f)", $6, $7)) \
             with labels font smallfont tc rgb '#000000'
}
unset multiplot
