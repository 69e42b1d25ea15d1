# serverbench.tcl --
#
#	Runs the server workload (bench/server.tcl) on the Tcl built with
#	vtalloc and on the stock Tcl (Zippy), alone and with tcmalloc,
#	jemalloc, mimalloc or libvtmalloc preloaded, at 2, 20 and 64 threads,
#	and writes bench-results/server.md: RSS with the threads idle, at the
#	peak, after the idle gap and after a trim, each thread's footprint,
#	the live bytes, page bodies a second, the shifting phase, the ratios
#	to Zippy measured in the same run, and the targets.
#
# Usage:
#	tclsh serverbench.tcl VTTCLSH TCLSH LIBVTMALLOC PKGDIR RESULTS ?-quick?
#	VTTCLSH: the Tcl built with vtalloc ("" if there is none: its rows
#	are left out); TCLSH: the stock one; PKGDIR: the built vtalloc
#	package (for `vtalloc trim` and the live bytes where the process's
#	allocator is vtalloc). -quick checks that everything runs, and that
#	after the idle gap the Tcl built with vtalloc holds no more than
#	Zippy (exit status 1 if it does).
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

lassign $argv vttclsh tclsh vtmalloc pkgdir results quick
set quick [expr {$quick eq "-quick"}]
if {$results eq ""} {
    puts stderr "usage: tclsh serverbench.tcl VTTCLSH TCLSH LIBVTMALLOC\
	    PKGDIR RESULTS ?-quick?"
    exit 2
}
file mkdir $results
set script [file join [file dirname [info script]] server.tcl]

# name {tclsh preload}
set peers {}
if {$vttclsh ne ""} {
    lappend peers vtalloc [list $vttclsh {}]
}
lappend peers zippy [list $tclsh {}]
foreach {name lib} {
    tcmalloc libtcmalloc_minimal.so.4 jemalloc libjemalloc.so.2
    mimalloc libmimalloc.so.2
} {
    set path [lindex [glob -nocomplain /usr/lib/*/$lib /usr/lib/$lib] 0]
    if {$path ne ""} {
	lappend peers $name [list $tclsh $path]
    }
}
lappend peers libvtmalloc [list $tclsh $vtmalloc]
set names [dict keys $peers]

# threads, and the arguments after them (quick: small volumes).
set counts [expr {$quick ? {2 4} : {2 20 64}}]
set extra [expr {$quick ? {10 1 1500 1} : {}}]

set runs {}
foreach threads $counts {
    foreach peer $names {
	lassign [dict get $peers $peer] shell lib
	set command [list env TCLLIBPATH=$pkgdir]
	if {$lib ne ""} {
	    lappend command LD_PRELOAD=$lib
	}
	puts -nonewline stderr "server/$threads/$peer "
	flush stderr
	set out [exec {*}$command $shell $script $threads {*}$extra 2>@stderr]
	dict set runs $threads $peer $out
    }
}
puts stderr ""

proc Mb {bytes} {
    format %.1f [expr {$bytes / 1048576.0}]
}
proc Get {threads peer key} {
    global runs
    dict get $runs $threads $peer $key
}

set f [open [file join $results server.md] w]
puts $f "# The server workload\n"
puts $f "[clock format [clock seconds] -format {%Y-%m-%d} -gmt 1],\
	[exec nproc] cores[expr {$quick ? ", quick run (volumes too small to\
	mean anything)" : ""}]. Tcl interpreters in T threads run a page body\
	(a few hundred KB of strings, lists and dicts) in 3 bursts with 2 s\
	idle after each, then 4 cycles of a mix that shifts between many\
	small objects and large strings (bench/server.tcl). vtalloc is the\
	Tcl built with vtalloc; zippy the stock Tcl; the others the stock Tcl\
	with that allocator preloaded (Zippy still serves Tcl_Alloc there).\
	RSS in MB (the process starts at about 5); idle: with the threads\
	created and idle, before any burst; after idle: after the last burst\
	and its gap; per thread:\
	(after idle - idle) / T in KiB; live: bytes asked for by live blocks\
	(vtalloc's figure, where vtalloc serves the process); bodies/s over\
	the bursts; shift: the highest RSS of the shifting phase, and after\
	it.\n"
foreach threads $counts {
    puts $f "## $threads threads\n"
    puts $f "| allocator | idle | peak | after idle | after trim | per thread (KiB) | live | bodies/s | shift peak | shift end | after idle / Zippy's |"
    puts $f "|---|---|---|---|---|---|---|---|---|---|---|"
    foreach peer $names {
	set shift [Get $threads $peer shift]
	set live [Get $threads $peer live]
	puts $f [format "| %s | %s | %s | %s | %s | %d | %s | %d | %s | %s | %.2fx |" \
	    $peer [Mb [Get $threads $peer rss_threads]] \
	    [Mb [Get $threads $peer rss_peak]] \
	    [Mb [Get $threads $peer rss_idle]] \
	    [Mb [Get $threads $peer rss_trim]] \
	    [expr {[Get $threads $peer per_thread] / 1024}] \
	    [expr {$live < 0 ? "-" : [Mb $live]}] \
	    [Get $threads $peer rps] \
	    [Mb [tcl::mathfunc::max {*}$shift]] \
	    [Mb [Get $threads $peer shift_idle]] \
	    [expr {double([Get $threads $peer rss_idle])
		/ [Get $threads zippy rss_idle]}]]
    }
    puts $f ""
}

# The targets of the server issue, on the Tcl built with vtalloc.
set targets {}
if {[dict exists $peers vtalloc]} {
    foreach threads $counts {
	set idle [Get $threads vtalloc rss_idle]
	set zippy [Get $threads zippy rss_idle]
	if {$threads >= 20} {
	    lappend targets "$threads threads: after idle <= 0.8x Zippy" \
		[expr {$idle <= 0.8 * $zippy}]
	} else {
	    lappend targets "$threads threads: after idle <= Zippy" \
		[expr {$idle <= $zippy}]
	}
	set below 1
	foreach peer $names {
	    if {$peer ne "vtalloc" && [Get $threads $peer rss_idle] <= $idle} {
		set below 0
	    }
	}
	lappend targets "$threads threads: after idle below every peer" $below
	lappend targets "$threads threads: after trim, RSS above the start <=\
		1.3x live + 256 KiB a thread" [expr {[Get $threads vtalloc rss_trim]
		- [Get $threads vtalloc rss_start]
		<= 1.3 * [Get $threads vtalloc live] + 262144 * $threads}]
	lappend targets "$threads threads: per-thread footprint <= 256 KiB" \
	    [expr {[Get $threads vtalloc per_thread] <= 262144}]
	set shift [Get $threads vtalloc shift]
	lappend targets "$threads threads: no growth over the shifting\
		cycles" [expr {[lindex $shift end] <= 1.05 * [lindex $shift 1]}]
	lappend targets "$threads threads: bodies/s >= Zippy's" \
	    [expr {[Get $threads vtalloc rps] >= [Get $threads zippy rps]}]
    }
}
# A plot: RSS after the idle gap, per allocator, at each thread count.
if {[auto_execok gnuplot] ne ""} {
    set d [open [file join $results server.dat] w]
    puts $d "threads [join $names { }]"
    foreach threads $counts {
	puts $d "$threads [join [lmap p $names {Mb [Get $threads $p rss_idle]}] { }]"
    }
    close $d
    set g [open [file join $results server.gp] w]
    puts $g "set terminal png size 1000,560
set output '[file join $results server.png]'
set title 'Server workload: RSS after the idle gap, MB (lower is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set xlabel 'threads'
set yrange \[0:*\]
plot for \[i=2:[expr {[llength $names] + 1}]\] '[file join $results server.dat]' using i:xtic(1) title columnheader(i)"
    close $g
    if {[catch {exec gnuplot [file join $results server.gp]} err]} {
	puts stderr "gnuplot: $err"
    } else {
	puts $f "!\[RSS after the idle gap\](server.png)\n"
    }
}

puts $f "## Targets\n"
puts $f "| target | met |"
puts $f "|---|---|"
foreach {target met} $targets {
    puts $f "| $target | [expr {$met ? "yes" : "**no**"}] |"
}
close $f
puts [string trim [read [set r [open [file join $results server.md]]]][close $r]]
set met [llength [lmap {t m} $targets {if {$m} {set t} else continue}]]
puts "server: [expr {[llength $targets] / 2}] targets, $met met"

# What is counted: every run that completed and, on the Tcl built with
# vtalloc, at each thread count, the RSS after the idle gap at most
# Zippy's measured in the same run (the full targets are reported above,
# not counted: the quick volumes are too small for them).
set passed [expr {[llength $counts] * [llength $names]}]
set failed 0
if {[dict exists $peers vtalloc]} {
    foreach threads $counts {
	set ok [expr {[Get $threads vtalloc rss_idle]
		<= [Get $threads zippy rss_idle]}]
	puts "  $threads threads: after idle [Mb [Get $threads vtalloc\
		rss_idle]] MB, Zippy [Mb [Get $threads zippy rss_idle]] MB:\
		[expr {$ok ? "ok" : "FAILED"}]"
	incr [expr {$ok ? "passed" : "failed"}]
    }
}
puts "unit server[expr {$quick ? "-quick" : ""}]: $passed passed, $failed\
	failed"
exit [expr {$failed > 0}]
