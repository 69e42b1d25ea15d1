# soak.tcl --
#
#	A soak of the allocator: `vtalloc stress` round after round for a
#	given time, each round with a random pattern, thread count (1 to 6),
#	volume and size range. A round passes when its content checks found
#	no damaged block, every byte it allocated was freed again (the
#	requested total is back where it started), its peak RSS stayed under
#	the bound (RSS before the round, plus twice the most its blocks can
#	hold at once: slots times the largest size, plus 128 MiB), and, every
#	fifth round, RSS after `vtalloc trim` is back within 64 MiB of the
#	start. A round's blocks hold at most 3 GiB at once.
#
#	Usage: tclsh soak.tcl SECONDS ?SEED?
#
#	make soak runs it for SOAK_SECONDS (600); make test runs 30 seconds.
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

package require vtalloc

lassign $argv seconds seed
if {![string is integer -strict $seconds] || $seconds < 1} {
    puts stderr "usage: tclsh soak.tcl SECONDS ?SEED?"
    exit 2
}
if {$seed eq ""} {
    set seed [expr {[clock milliseconds] % 1000000}]
}
expr {srand($seed)}

proc Pick {list} {
    lindex $list [expr {int(rand() * [llength $list])}]
}
proc Between {low high} {
    expr {$low + int(rand() * ($high - $low + 1))}
}

# Slots, Bound --
#	Slots: how many blocks a round's pattern keeps at once. Bound: the
#	most RSS a round may reach: RSS before it, plus twice what its live
#	blocks can hold at once (its slots times the largest size; realloc
#	growth in tclmix and churn is what the factor covers), plus 128 MiB.

proc Slots {pattern threads} {
    set slots [dict get {cells 64000 tclmix 4096 churn 64 xthread 4096} $pattern]
    if {$pattern ne "cells"} {
	set slots [expr {$slots * $threads}]
    }
    return $slots
}

proc Bound {rssBefore pattern threads maxSize} {
    if {$maxSize eq ""} {
	set maxSize [dict get {cells 8192 tclmix 16384 churn 16384 xthread 1024} \
	    $pattern]
    }
    expr {$rssBefore + 2 * [Slots $pattern $threads] * $maxSize
	    + 128 * 1024 * 1024}
}

# The most a round's blocks may hold at once (slots times the largest
# size): the workloads write every page of their blocks, so that is memory
# the machine must have. A larger size range is cut down to it.

set budget [expr {3 << 30}]

set mib [expr {1 << 20}]
set trimSlack [expr {64 * $mib}]
vtalloc trim
set start [vtalloc stats]
set baseRequested [dict get $start requested]
set baseRss [dict get $start rss]
set deadline [expr {[clock milliseconds] + $seconds * 1000}]
set passed 0
set failed 0
set round 0
set totalOps 0
set maxPeak 0

puts "soak: $seconds s, seed $seed, rss at start [expr {$baseRss / $mib}] MiB"
while {[clock milliseconds] < $deadline} {
    incr round
    set pattern [Pick {cells tclmix xthread churn}]
    set threads [Between 1 6]
    set options [list -pattern $pattern -threads $threads \
	-ops [Between 200000 3000000]]
    set maxSize ""
    if {rand() < 0.3} {
	set low [Pick {1 16 100 1000 20000}]
	set maxSize [expr {$low * [Pick {1 2 8 64}]}]
	set most [expr {$budget / [Slots $pattern $threads]}]
	if {$maxSize > $most} {
	    set maxSize [expr {max($low, $most)}]
	}
	lappend options -minsize $low -maxsize $maxSize
    }
    set bound [Bound [dict get [vtalloc stats] rss] $pattern $threads $maxSize]
    set result [vtalloc stress {*}$options]
    set stats [vtalloc stats]
    set problems {}
    if {[dict get $result errors] != 0} {
	lappend problems "[dict get $result errors] damaged blocks"
    }
    if {[dict get $stats requested] != $baseRequested} {
	lappend problems "requested [dict get $stats requested], was $baseRequested"
    }
    set peak [dict get $result peakrss]
    if {$peak > $maxPeak} {
	set maxPeak $peak
    }
    if {$peak > $bound} {
	lappend problems "peak rss [expr {$peak / $mib}] MiB,\
		bound [expr {$bound / $mib}] MiB"
    }
    set note ""
    if {$round % 5 == 0} {
	vtalloc trim
	set rss [dict get [vtalloc stats] rss]
	set note ", rss after trim [expr {$rss / $mib}] MiB"
	if {$rss > $baseRss + $trimSlack} {
	    lappend problems "rss after trim [expr {$rss / $mib}] MiB"
	}
    }
    incr totalOps [dict get $result ops]
    puts [format "round %d: %s: %d ops, %.1f Mops/s, peak %d MiB%s%s" \
	$round $options [dict get $result ops] \
	[expr {[dict get $result opspersec] / 1e6}] [expr {$peak / $mib}] \
	$note [expr {[llength $problems] ? ": FAILED: [join $problems {, }]" : ""}]]
    if {[llength $problems]} {
	incr failed
    } else {
	incr passed
    }
}
vtalloc trim
set rss [dict get [vtalloc stats] rss]
puts "soak: $round rounds, $totalOps ops, highest peak [expr {$maxPeak / $mib}] MiB,\
	rss at the end (trimmed) [expr {$rss / $mib}] MiB, seed $seed"
puts "unit soak: $passed passed, $failed failed"
exit [expr {$failed > 0}]
