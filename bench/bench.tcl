# bench.tcl --
#
#	Runs the benchmark program (bench/bench.c) for vtalloc and its peers
#	in one run and writes the results: a Markdown report of throughput,
#	memory, instruction counts and the targets, with ratios of vtalloc to
#	each peer measured in the same run, and PNG plots (gnuplot) of the
#	throughput and of the RSS after a peak.
#
#	Peers: vtalloc's C API, the same with huge pages once the heap holds
#	64 MiB (vtalloc+hp: -hugepages 64M), libvtmalloc (LD_PRELOAD), Zippy
#	(Tcl_Alloc of the stock Tcl library), glibc, and jemalloc, tcmalloc
#	and mimalloc when Debian's libjemalloc2, libtcmalloc-minimal4 and
#	libmimalloc2.0 are installed. The targets are judged on vtalloc's
#	default configuration.
#
# Usage:
#	tclsh bench.tcl PROGRAM LIBVTMALLOC RESULTS ?-quick?
#	-quick checks that everything runs, with small volumes; its numbers
#	say nothing about speed.
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

lassign $argv program vtmalloc results quick
set quick [expr {$quick eq "-quick"}]
if {$results eq ""} {
    puts stderr "usage: tclsh bench.tcl PROGRAM LIBVTMALLOC RESULTS ?-quick?"
    exit 2
}
file mkdir $results
set MiB [expr {1 << 20}]

# name {allocator preload ?environment?}
set peers [list vtalloc {vtalloc {}} \
	vtalloc+hp {vtalloc {} {VTALLOC_HUGEPAGES 67108864}} \
	libvtmalloc [list system $vtmalloc] zippy {zippy {}} glibc {system {}}]
foreach {name lib} {
    jemalloc libjemalloc.so.2 tcmalloc libtcmalloc_minimal.so.4
    mimalloc libmimalloc.so.2
} {
    set path [lindex [glob -nocomplain /usr/lib/*/$lib /usr/lib/$lib] 0]
    if {$path ne ""} {
	lappend peers $name [list system $path]
    }
}
set names [dict keys $peers]

# Workloads: threads, ops (full), and the scale of quick runs.
set workloads {
    cells   {2 4000000}
    tclmix  {2 20000000}
    xthread {2 4000000}
    churn   {2 4000000}
    realloc {1 20000000}
}
set repeats [expr {$quick ? 1 : 5}]
set scale [expr {$quick ? 50 : 1}]
set peakMib [expr {$quick ? 32 : 650}]
set shiftMib [expr {$quick ? 16 : 512}]
set pairs [expr {$quick ? 20000 : 200000}]

# The command that runs the benchmark program for a peer.
proc Command {peer args} {
    global peers program
    lassign [dict get $peers $peer] how lib environment
    set command [list env]
    if {$lib ne ""} {
	lappend command LD_PRELOAD=$lib
    }
    foreach {name value} $environment {
	lappend command $name=$value
    }
    return [list {*}$command $program $how {*}$args]
}

proc Run {peer args} {
    return [exec {*}[Command $peer {*}$args] 2>@stderr]
}

# The machine's CPU time so far, and the part of it the hypervisor gave to
# other guests (steal), in ticks; {0 0} where /proc/stat is not there.
proc CpuTicks {} {
    if {[catch {open /proc/stat} f]} {
	return {0 0}
    }
    set line [gets $f]
    close $f
    set ticks [lrange $line 1 8]
    return [list [tcl::mathop::+ {*}$ticks] [lindex $ticks 7]]
}

proc Progress {text} {
    puts -nonewline stderr "$text "
    flush stderr
}

# Throughput: the median of the repeats, ops per second. Each repeat runs
# every peer once, so that a slow or busy spell of the shared machine
# falls on all of them; the median, not the best, so that a lucky run (two
# threads scheduled on one core hand blocks over without a cache miss)
# does not stand for the allocator.
foreach {workload spec} $workloads {
    lassign $spec threads ops
    set ops [expr {$ops / $scale}]
    set runs {}
    lassign [CpuTicks] total0 steal0
    for {set r 0} {$r < $repeats} {incr r} {
	foreach peer $names {
	    Progress "$workload/$peer"
	    set out [Run $peer $workload $threads $ops]
	    if {[dict get $out errors] != 0} {
		puts stderr "$workload/$peer: [dict get $out errors] errors"
		exit 1
	    }
	    dict lappend runs $peer [list [expr {[dict get $out ops]
		/ max(0.001, [dict get $out seconds])}] [dict get $out peakrss]]
	}
    }
    lassign [CpuTicks] total1 steal1
    dict set stolen $workload [expr {100.0 * ($steal1 - $steal0)
	/ max(1, $total1 - $total0)}]
    foreach peer $names {
	set sorted [lsort -real -index 0 [dict get $runs $peer]]
	lassign [lindex $sorted [expr {[llength $sorted] / 2}]] rate peakRss
	dict set speed $workload $peer $rate
	dict set rss $workload $peer $peakRss
    }
}
puts stderr ""

# Memory after a peak (each thread freeing its own blocks, and each
# freeing the other's), and the size shift.
proc PeakRun {peer workload} {
    global peakMib
    set out [Run $peer $workload 2 $peakMib]
    set series {}
    foreach line [split $out \n] {
	switch -- [lindex $line 0] {
	    rss {lappend series [lindex $line 1] [lindex $line 2]}
	    base {lassign $line - base - peak}
	    trimmed {set trimmed [lindex $line 1]}
	}
    }
    dict create base $base peak $peak trimmed $trimmed series $series
}
foreach peer $names {
    Progress "peak/$peer"
    dict set release $peer [PeakRun $peer peak]
    Progress "peakcross/$peer"
    dict set crossRelease $peer [PeakRun $peer peakcross]
    Progress "shift/$peer"
    dict set shift $peer [Run $peer shift 1 $shiftMib]
}
puts stderr ""

# Instructions per malloc+free pair (callgrind counts instructions, not
# time: the same on a busy machine). The loop's own instructions count too.
set haveValgrind [expr {[auto_execok valgrind] ne ""}]
set instructions {}
foreach peer $names {
    if {!$haveValgrind} break
    Progress "callgrind/$peer"
    foreach n [list 0 $pairs] {
	set command [Command $peer pair 1 $n]
	catch {exec {*}[lrange $command 0 end-5] valgrind --tool=callgrind \
	    --callgrind-out-file=/dev/null {*}[lrange $command end-4 end]} log
	regexp {Collected : (\d+)} $log -> count($n)
    }
    dict set instructions $peer [expr {double($count($pairs) - $count(0)) / $pairs}]
}
puts stderr ""

# The report.
proc Percent {value base peak} {
    expr {100.0 * ($value - $base) / max(1, $peak - $base)}
}
set f [open [file join $results bench.md] w]
puts $f "# Benchmark results\n"
puts $f "[clock format [clock seconds] -format {%Y-%m-%d} -gmt 1],\
	[exec nproc] cores, [expr {$quick ? "quick run (volumes too small to\
	mean anything)" : "median of $repeats runs, peers interleaved"}]; ratios are vtalloc's\
	figure over the peer's, measured in the same run. The server\
	workload (Tcl interpreters in 2, 20 and 64 threads, the Tcl built\
	with vtalloc against Zippy and the preloaded peers) has its own\
	report and plot: \[server.md\](server.md).\n"
puts $f "vtalloc+hp is vtalloc with \`-hugepages 64M\` (transparent huge\
	pages once its segments hold 64 MiB); the targets are judged on\
	vtalloc's default configuration.\n"
puts $f "## Throughput (million operations per second)\n"
puts $f "The last column is the share of the machine's CPU time that the\
	hypervisor gave to other guests while the row ran: the higher, the\
	noisier the row.\n"
puts $f "| workload | [join $names { | }] | CPU stolen |"
puts $f "|---|[string repeat ---| [llength $names]]---|"
foreach workload [dict keys $workloads] {
    set row "| $workload |"
    foreach peer $names {
	append row [format " %.2f |" [expr {[dict get $speed $workload $peer] / 1e6}]]
    }
    append row [format " %.0f%% |" [dict get $stolen $workload]]
    puts $f $row
}
puts $f "\n## vtalloc's throughput over each peer's\n"
puts $f "| workload | [join [lrange $names 1 end] { | }] |"
puts $f "|---|[string repeat ---| [expr {[llength $names] - 1}]]"
foreach workload [dict keys $workloads] {
    set row "| $workload |"
    foreach peer [lrange $names 1 end] {
	append row [format " %.2fx |" [expr {[dict get $speed $workload vtalloc]
	    / [dict get $speed $workload $peer]}]]
    }
    puts $f $row
}
set cellsLive [expr {64000 * (16 + 8192) / 2.0}]
puts $f "\n## Memory\n"
puts $f "Retained: the share of a peak of $peakMib MiB still resident after\
	two threads freed every block, their own (peak-release) or each the\
	other's (freed across), while both stay alive and idle.\n"
puts $f "| allocator | cells peak RSS / bytes live | retained at once | after 1 s | after trim | freed across: after 1 s | after trim | shift growth |"
puts $f "|---|---|---|---|---|---|---|---|"
foreach peer $names {
    set r [dict get $release $peer]
    set x [dict get $crossRelease $peer]
    set s [dict get $shift $peer]
    puts $f [format "| %s | %.2f | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.2fx |" $peer \
	[expr {[dict get $rss cells $peer] / $cellsLive}] \
	[Percent [lindex [dict get $r series] 1] [dict get $r base] [dict get $r peak]] \
	[Percent [lindex [dict get $r series] end] [dict get $r base] [dict get $r peak]] \
	[Percent [dict get $r trimmed] [dict get $r base] [dict get $r peak]] \
	[Percent [lindex [dict get $x series] end] [dict get $x base] [dict get $x peak]] \
	[Percent [dict get $x trimmed] [dict get $x base] [dict get $x peak]] \
	[expr {double([dict get $s second] - [dict get $s base])
	       / max(1, [dict get $s first] - [dict get $s base])}]]
}
if {$haveValgrind} {
    puts $f "\n## Instructions per malloc+free pair (callgrind, loop included)\n"
    puts $f "| [join $names { | }] |"
    puts $f "|[string repeat ---| [llength $names]]"
    puts $f "| [join [lmap p $names {format %.1f [dict get $instructions $p]}] { | }] |"
}

# The targets of the benchmark issue, checked against this run.
proc Ahead {workload} {
    global speed names
    set v [dict get $speed $workload vtalloc]
    foreach peer [lrange $names 1 end] {
	if {$peer ni {vtalloc+hp libvtmalloc}
		&& [dict get $speed $workload $peer] >= $v} {
	    return 0
	}
    }
    return 1
}
proc Ratio {workload peer} {
    global speed
    if {![dict exists $speed $workload $peer]} {return 0}
    expr {[dict get $speed $workload vtalloc] / [dict get $speed $workload $peer]}
}
set r [dict get $release vtalloc]
set s [dict get $shift vtalloc]
set targets [list \
    "cells >= 4x Zippy" [expr {[Ratio cells zippy] >= 4}] \
    "cells ahead of every peer" [Ahead cells] \
    "tclmix >= 2.5x Zippy" [expr {[Ratio tclmix zippy] >= 2.5}] \
    "tclmix ahead of every peer" [Ahead tclmix] \
    "xthread ahead of Zippy" [expr {[Ratio xthread zippy] > 1}] \
    "xthread >= 2x mimalloc" [expr {[Ratio xthread mimalloc] >= 2}] \
    "churn >= 2x Zippy" [expr {[Ratio churn zippy] >= 2}] \
    "churn ahead of mimalloc" [expr {[Ratio churn mimalloc] > 1}] \
    "peak-release <= 2% after 1 s" [expr {[Percent [lindex [dict get $r series] end] [dict get $r base] [dict get $r peak]] <= 2}] \
    "peak-release <= 1% after trim" [expr {[Percent [dict get $r trimmed] [dict get $r base] [dict get $r peak]] <= 1}] \
    "shift growth <= 1.05" [expr {double([dict get $s second] - [dict get $s base]) / max(1, [dict get $s first] - [dict get $s base]) <= 1.05}] \
    "cells RSS <= 1.15x bytes live" [expr {[dict get $rss cells vtalloc] / $cellsLive <= 1.15}] \
]
if {$haveValgrind && [dict exists $instructions mimalloc]} {
    lappend targets "fewer instructions per pair than mimalloc" \
	[expr {[dict get $instructions vtalloc] < [dict get $instructions mimalloc]}]
}
puts $f "\n## Targets\n"
puts $f "| target | met |"
puts $f "|---|---|"
foreach {target met} $targets {
    puts $f "| $target | [expr {$met ? "yes" : "**no**"}] |"
}

# Plots.
if {[auto_execok gnuplot] ne ""} {
    set d [open [file join $results throughput.dat] w]
    puts $d "workload [join $names { }]"
    foreach workload [dict keys $workloads] {
	puts $d "$workload [join [lmap p $names {format %.3f [expr {[dict get $speed $workload $p] / 1e6}]}] { }]"
    }
    close $d
    set d [open [file join $results release.dat] w]
    foreach peer $names {
	set r [dict get $release $peer]
	puts $d "# $peer"
	puts $d "-0.1 [expr {([dict get $r peak] - [dict get $r base]) / double($MiB)}]"
	foreach {t v} [dict get $r series] {
	    puts $d "$t [expr {($v - [dict get $r base]) / double($MiB)}]"
	}
	puts $d "\n"
    }
    close $d
    set n [llength $names]
    set g [open [file join $results plots.gp] w]
    puts $g "set terminal png size 1000,560
set output '[file join $results throughput.png]'
set title 'Throughput, million operations per second (higher is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top right
set yrange \[0:*\]
plot for \[i=2:[expr {$n + 1}]\] '[file join $results throughput.dat]' using i:xtic(1) title columnheader(i)
set output '[file join $results peak-release.png]'
set title 'RSS above the start after freeing everything (MiB, lower is better)'
set style data linespoints
set xlabel 'seconds after the frees'
set key top right
plot [join [lmap p $names {format "'%s' index %d title '%s'" [file join $results release.dat] [lsearch $names $p] $p}] {, }]"
    close $g
    if {[catch {exec gnuplot [file join $results plots.gp]} err]} {
	puts stderr "gnuplot: $err"
    } else {
	puts $f "\n!\[throughput\](throughput.png)\n\n!\[RSS after a peak\](peak-release.png)"
    }
}
close $f
puts [string trim [read [set r [open [file join $results bench.md]]]][close $r]]
set met [llength [lmap {t m} $targets {if {$m} {set t} else continue}]]
puts "bench: [expr {[llength $targets] / 2}] targets, $met met"

# Every measurement that ran (and found no damaged block) counts as a
# passed check for the test run; speed is judged above, not here.
set measured [expr {[dict size $workloads] * [llength $names]
		    + 2 * [llength $names] + [dict size $instructions]}]
puts "unit bench[expr {$quick ? "-quick" : ""}]: $measured passed, 0 failed"
