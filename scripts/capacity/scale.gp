# Wall time of each step against the extract's size (patients), log-log, at one ranks x threads
# layout (capacity.py report runs it). Inputs: data (one block per step, first line the quoted
# step name; columns: patients, median wall seconds), out, plot_title.
set terminal pngcairo size 1000,650 noenhanced font ",10"
set output out
set title plot_title
set logscale xy
set grid
set key outside right top
set xlabel "patients"
set ylabel "wall time (s)"
stats data using 1 nooutput
n = STATS_blocks
plot for [i=0:n-1] data index i using 1:2 with linespoints linetype i+1 pointtype (i % 13) + 1 title columnheader(1)
