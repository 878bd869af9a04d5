# Throughput per core of each phase across the capacity history (capacity.py report runs it):
# top, MB/s per core for the phases that move bytes; bottom, thousands of rows/s per core.
# Inputs (gnuplot -e): data = path prefix of <data>_mb.dat and <data>_rows.dat (one block per
# phase, its first line the quoted phase name; columns: run start as epoch seconds, value),
# out = the PNG to write, plot_title.
set terminal pngcairo size 1100,900 noenhanced font ",10"
set output out
set multiplot layout 2,1 title plot_title
file_mb = data."_mb.dat"
file_rows = data."_rows.dat"
# stats first: it is not available once the x axis holds times.
stats file_mb using 2 nooutput
n_mb = STATS_blocks
stats file_rows using 2 nooutput
n_rows = STATS_blocks
set xdata time
set timefmt "%s"
set format x "%m-%d\n%H:%M"
set grid
set key outside right top
set ylabel "MB/s per core"
set yrange [0:*]
plot for [i=0:n_mb-1] file_mb index i using 1:2 with linespoints linetype i+1 pointtype (i % 13) + 1 title columnheader(1)
set ylabel "k rows/s per core"
plot for [i=0:n_rows-1] file_rows index i using 1:2 with linespoints linetype i+1 pointtype (i % 13) + 1 title columnheader(1)
unset multiplot
