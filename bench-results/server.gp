set terminal png size 1000,560
set output 'bench-results/server.png'
set title 'Server workload: RSS after the idle gap, MB (lower is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set xlabel 'threads'
set yrange [0:*]
plot for [i=2:7] 'bench-results/server.dat' using i:xtic(1) title columnheader(i)
