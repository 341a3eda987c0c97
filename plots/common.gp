# common.gp — what every pipelab plot shares: the terminal, its size and fonts,
# and one colour and point shape per backend, so that "mutex" is the same red
# line in every picture a student compares.
#
# Run it before a plot script, in the same gnuplot:
#   gnuplot -e "fmt='png'; out='out/plots/NAME'" plots/common.gp plots/NAME.gp
# fmt is png or svg; out is the image path without its extension.
# plots/plots.sh does this for every plot, once per format.

if (!exists("fmt")) fmt = 'png'
if (!exists("out")) out = 'plot'
if (!exists("width")) width = 1000
if (!exists("height")) height = 600

# Font sizes: the base font is set with the terminal; titles use bigfont and
# small labels smallfont. SVG sizes are pixels, PNG sizes points, hence two sets.
if (fmt eq 'svg') {
    bigfont = ',17'
    smallfont = ',12'
} else {
    bigfont = ',13'
    smallfont = ',9'
}

if (fmt eq 'svg') {
    set terminal svg size width,height dynamic noenhanced font 'DejaVu Sans,16' background rgb 'white'
} else {
    # pngcairo draws antialiased lines; the libgd png terminal is the fallback
    # on builds without cairo (it is coarser, but just as readable).
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size width,height noenhanced font 'DejaVu Sans,12'
    } else {
        set terminal png size width,height noenhanced font 'DejaVu Sans,12'
    }
}
set output out.'.'.fmt

# noenhanced above: titles hold file names and settings such as
# writer_delay, whose underscores must not turn into subscripts.

# One line type per backend: colour, shape and width. Distinct point shapes
# keep the lines apart in greyscale print-outs too.
set linetype 1 lc rgb '#6b6b6b' lw 2 pt 5 ps 1.3 dt 1   # serial: grey squares
set linetype 2 lc rgb '#d62728' lw 2 pt 7 ps 1.3 dt 1   # mutex: red discs
set linetype 3 lc rgb '#1f77b4' lw 2 pt 9 ps 1.5 dt 1   # bounded: blue triangles
set linetype 4 lc rgb '#ff7f0e' lw 2 pt 13 ps 1.5 dt 1  # unbounded: orange diamonds
set linetype 5 lc rgb '#2ca02c' lw 2 pt 11 ps 1.3 dt 1  # any other backend
btype(b) = b eq 'serial' ? 1 : b eq 'mutex' ? 2 : b eq 'bounded' ? 3 : b eq 'unbounded' ? 4 : 5

set grid ytics xtics lc rgb '#dddddd' lw 1 dt 1
set border 3 lw 1.2
set tics nomirror out
set key opaque box lc rgb '#bbbbbb'
