# Speed-up of each step against the core count (ranks x threads) at one scale, with the ideal
# line (capacity.py report runs it). Speed-up is relative to the smallest core count measured,
# scaled so that the ideal line is y = cores. Inputs: data (one block per step, first line the
# quoted step name; columns: cores, speed-up), out, plot_title.
set terminal pngcairo size 1000,650 noenhanced font ",10"
set output out
set title plot_title
set grid
set key outside right top
set xlabel "cores (ranks x threads)"
set ylabel "speed-up (ideal = cores)"
set xrange [0:*]
set offsets 0, 0.5, 0, 0
set yrange [0:*]
stats data using 1 nooutput
n = STATS_blocks
plot for [i=0:n-1] data index i using 1:2 with linespoints linetype i+1 pointtype (i % 13) + 1 title columnheader(1), \
     x with lines dashtype 2 linecolor rgb "black" title "ideal"
