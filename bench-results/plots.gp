set terminal png size 1000,560
set output 'bench-results/throughput.png'
set title 'Throughput, million operations per second (higher is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top right
set yrange [0:*]
plot for [i=2:8] 'bench-results/throughput.dat' using i:xtic(1) title columnheader(i)
set output 'bench-results/peak-release.png'
set title 'RSS above the start after freeing everything (MiB, lower is better)'
set style data linespoints
set xlabel 'seconds after the frees'
set key top right
plot 'bench-results/release.dat' index 0 title 'vtalloc', 'bench-results/release.dat' index 1 title 'libvtmalloc', 'bench-results/release.dat' index 2 title 'zippy', 'bench-results/release.dat' index 3 title 'glibc', 'bench-results/release.dat' index 4 title 'jemalloc', 'bench-results/release.dat' index 5 title 'tcmalloc', 'bench-results/release.dat' index 6 title 'mimalloc'
