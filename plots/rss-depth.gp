# rss-depth.gp — peak resident memory (RSS) per backend against the channel
# depth, with a writer slowed down so that chunks pile up somewhere.
#
# Run after common.gp (plots/plots.sh does it). Variables:
#   dir       folder of per-backend files depth-BACKEND.dat, rows:
#             depth  median_KiB  min_KiB  max_KiB  (peak_rss_kib via median.awk)
#   backends  the backends to draw, space separated
#   t1, t2    the title
#   input_mib the input's size in MiB (a dashed line: "the whole file")
#   workers, chunk_mib   the runs' --workers and chunk size in MiB, for
#             bounded's cap: (2 x depth + workers + 2) chunks can be in flight
#             (one per channel slot, one per worker, the reader's and the
#             writer's), drawn dotted. RSS adds the program itself and the
#             stages' output buffers to what the cap counts.
#
# What to see: only bounded depends on --channel-depth. Its memory is capped
# by (2 x depth + workers + 2) chunks, so it climbs with the depth and
# reaches the whole file once that cap exceeds the file. mutex reads the
# whole input before it starts, and unbounded lets the reader run ahead of the
# slow writer: both hold about the whole file whatever the depth.

set title t1."\n".t2 font bigfont
set xlabel 'channel depth (--channel-depth, chunks per channel; log scale)'
set ylabel 'peak RSS (MiB)'
set logscale x 2
set xtics 2 format '%g'
set yrange [0:*]
# Room above the lines for the key, so that it never hides a line.
set offsets graph 0.05, graph 0.05, graph 0.45, 0
set key top left
set arrow 1 from graph 0, first input_mib to graph 1, first input_mib nohead dt 2 lw 1.5 lc rgb '#999999'
set label 1 sprintf('input file: %g MiB', input_mib) at graph 0.01, first input_mib left offset 0,-0.8 tc rgb '#777777'

cap(d) = (2 * d + workers + 2) * chunk_mib

plot cap(x) with lines lt 3 dt 3 lw 2 title sprintf('bounded cap: (2 x depth + %d) chunks of %g MiB', workers + 2, chunk_mib), \
     for [b in backends] dir.'/depth-'.b.'.dat' using 1:($2/1024):($3/1024):($4/1024) \
     with yerrorlines lt btype(b) title b
