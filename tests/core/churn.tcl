# churn.tcl --
#
#	Threads that create and delete interpreters full of objects, then
#	exit, round after round, in a Tcl whose every allocation goes through
#	its allocator. Measures the process RSS and Tcl_GetMemoryInfo's
#	figures at the start, at the peak and after the threads are gone.
#
#	    churn.tcl stock	in a stock Tcl (Zippy): prints the figures
#	    churn.tcl vt FILE	in the Tcl built with vtalloc: prints them,
#				compares with the stock run's FILE, and checks
#				that the memory came back; ends with "unit
#				churn: P passed, F failed".
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

package require Thread
lassign $argv kind stockFile
set MiB [expr {1 << 20}]

foreach dir [concat [expr {[info exists env(TCLLIBPATH)] ? $env(TCLLIBPATH) : ""}] $auto_path] {
    set lib [file join $dir obj libvtmeminfo[info sharedlibextension]]
    if {[file exists $lib]} {
	load $lib Vtmeminfo
	break
    }
}

proc Rss {} {
    set f [open /proc/self/status]
    set rss 0
    foreach line [split [read $f] \n] {
	if {[regexp {^VmRSS:\s+(\d+) kB} $line -> kb]} {
	    set rss [expr {$kb * 1024}]
	}
    }
    close $f
    return $rss
}

# Bytes held free in the allocator's caches, from Tcl_GetMemoryInfo.
proc Held {} {
    set held 0
    foreach cache [meminfo] {
	foreach bucket [lrange $cache 1 end] {
	    lassign $bucket size free
	    incr held [expr {$size * $free}]
	}
    }
    return $held
}

proc Round {threads} {
    set workers {}
    for {set i 0} {$i < $threads} {incr i} {
	set t [thread::create -joinable]
	thread::send -async $t {
	    for {set n 0} {$n < 4} {incr n} {
		set slave [interp create]
		$slave eval {
		    set l {}
		    for {set i 0} {$i < 150000} {incr i} {
			lappend l [list $i [string repeat x [expr {$i % 50}]]]
		    }
		    set d [dict create]
		    foreach e [lrange $l 0 50000] {dict set d [lindex $e 0] $e}
		}
		interp delete $slave
	    }
	}
	lappend workers $t
    }
    foreach t $workers {
	thread::release $t
	thread::join $t
    }
}

set base [Rss]
set peak $base
for {set round 0} {$round < 4} {incr round} {
    set t [thread::create]
    thread::send -async $t [list apply {{main} {
	# Sample the RSS while the round runs; report the highest so far
	# (the main thread reads the last report, after the round).
	set highest 0
	while 1 {
	    set f [open /proc/self/status]
	    regexp {VmRSS:\s+(\d+) kB} [read $f] -> kb
	    close $f
	    if {$kb > $highest} {
		set highest $kb
	    }
	    thread::send -async $main [list set ::sample [expr {$highest * 1024}]]
	    after 50
	}
    }} [thread::id]]
    Round 3
    thread::release $t
    update
    if {[info exists sample] && $sample > $peak} {
	set peak $sample
    }
}
after 1000
set end [Rss]
set held [Held]
set figures [list base $base peak $peak end $end held $held]
puts [format "churn %s: rss base %d MiB, peak %d MiB, end %d MiB;\
	free blocks held by the allocator %d MiB" $kind \
	[expr {$base / $MiB}] [expr {$peak / $MiB}] [expr {$end / $MiB}] \
	[expr {$held / $MiB}]]
if {$kind eq "stock"} {
    puts $figures
    exit 0
}

# The checks, in the Tcl built with vtalloc.
set passed 0
set failed 0
proc Check {what ok} {
    global passed failed
    puts "  $what: [expr {$ok ? {ok} : {FAILED}}]"
    incr [expr {$ok ? "passed" : "failed"}]
}
package require vtalloc
set stats [vtalloc stats]
Check "the package reports the core's allocator" \
    [expr {[dict get $stats mode] eq "core"}]
Check "the rounds needed memory (peak 64 MiB above the start)" \
    [expr {$peak - $base >= 64 * $MiB}]
Check "memory came back after the threads exited (end within 24 MiB of the start)" \
    [expr {$end - $base <= 24 * $MiB}]
Check "free blocks held in caches are few (under 8 MiB)" \
    [expr {$held <= 8 * $MiB}]
if {$stockFile ne "" && [file exists $stockFile]} {
    set f [open $stockFile]
    set stock [lindex [split [string trim [read $f]] \n] end]
    close $f
    puts [format "  stock Tcl (Zippy), same run: end %d MiB above its start,\
	    %d MiB of free blocks held; vtalloc: %d MiB above, %d MiB held" \
	[expr {([dict get $stock end] - [dict get $stock base]) / $MiB}] \
	[expr {[dict get $stock held] / $MiB}] \
	[expr {($end - $base) / $MiB}] [expr {$held / $MiB}]]
    Check "less memory held at the end than the stock Tcl" \
	[expr {$end - $base < [dict get $stock end] - [dict get $stock base]}]
}
puts "unit churn: $passed passed, $failed failed"
exit [expr {$failed > 0}]
