# server.tcl --
#
#	The server workload: Tcl interpreters in T threads (as NaviServer's
#	connection threads) run an allocation-heavy page body in bursts with
#	idle gaps between, then a phase whose mix shifts between many small
#	objects and large strings. Run by the tclsh under test (stock, built
#	with vtalloc, or with an allocator preloaded); measures the process's
#	RSS at each step and prints one dict on standard output.
#
# Usage:
#	tclsh server.tcl THREADS ?BODIES? ?BURSTS? ?IDLE-MS? ?CYCLES?
#	BODIES: page bodies per thread per burst (default 2000 / THREADS, at
#	least 20); BURSTS (3), IDLE-MS (2000): the gap after each burst;
#	CYCLES (4): small/large cycles of the shifting phase.
#
#	Keys: threads, bodies, rss_start (before the threads), rss_threads
#	(threads created, idle), rss_peak, rss_idle (after the last burst and
#	its gap), rss_trim (after `vtalloc trim`, where the process's
#	allocator is vtalloc: else rss_idle), live (bytes asked for by live
#	blocks, `vtalloc stats` requested, after the trim; -1 where unknown),
#	per_thread (rss_idle - rss_threads over THREADS), rps (page bodies a
#	second over the bursts), shift (the RSS after each small and large
#	phase), shift_idle (after the shifting phase and a gap), mode (what
#	`vtalloc stats` says serves the process: core, preload, or package,
#	the package's own, which is not the process's allocator).
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

package require Thread

lassign $argv threads bodies bursts idle cycles
if {![string is integer -strict $threads] || $threads < 1} {
    puts stderr "usage: tclsh server.tcl THREADS ?BODIES? ?BURSTS? ?IDLE-MS?\
	    ?CYCLES?"
    exit 2
}
if {$bodies eq ""} {
    set bodies [expr {max(20, 2000 / $threads)}]
}
if {$bursts eq ""} {
    set bursts 3
}
if {$idle eq ""} {
    set idle 2000
}
if {$cycles eq ""} {
    set cycles 4
}

proc Rss {} {
    set f [open /proc/self/status]
    regexp -line {^VmRSS:\s+(\d+)} [read $f] -> kb
    close $f
    return [expr {$kb * 1024}]
}

# The process's allocator, if it is vtalloc (the Tcl built with it, or
# libvtmalloc preloaded): its `vtalloc stats` and trim are the process's.

set mode none
if {![catch {package require vtalloc}]} {
    set mode [dict get [vtalloc stats] mode]
}
set vtalloc [expr {$mode in {core preload}}]

# The thread body: a page that builds a few hundred KB of strings, lists
# and dicts (rows of a table rendered to HTML), and the two mixes of the
# shifting phase.

set body {
    proc Page {n} {
	set rows [dict create]
	for {set i 0} {$i < 1500} {incr i} {
	    dict set rows row$i [list $i "item [expr {$n * 7 + $i}]" \
		[string repeat abcdefgh [expr {1 + ($i + $n) % 12}]] \
		[expr {$i * 1.5}]]
	}
	set html ""
	dict for {key row} $rows {
	    append html "<tr><td>$key</td><td>[lindex $row 1]</td><td>" \
		[lindex $row 2] "</td></tr>\n"
	}
	set lines {}
	foreach line [split $html \n] {
	    lappend lines [string toupper $line]
	}
	return [string length [join $lines]]
    }
    proc Burst {count} {
	set total 0
	for {set n 0} {$n < $count} {incr n} {
	    incr total [Page $n]
	}
	return $total
    }
    proc Small {} {
	set d [dict create]
	for {set i 0} {$i < 3000} {incr i} {
	    dict set d k$i [list $i a$i b c]
	}
	return [dict size $d]
    }
    proc Large {} {
	set strings {}
	for {set i 0} {$i < 40} {incr i} {
	    set size [expr {8192 + ($i * 1361) % 53248}]
	    lappend strings [string repeat x $size]
	}
	return [llength $strings]
    }
}

proc RunAll {workers script} {
    array unset ::reply
    foreach t $workers {
	thread::send -async $t $script ::reply($t)
    }
    foreach t $workers {
	while {![info exists ::reply($t)]} {
	    vwait ::reply($t)
	}
    }
}

set result [dict create threads $threads bodies $bodies mode $mode]
dict set result rss_start [Rss]
set workers {}
for {set i 0} {$i < $threads} {incr i} {
    set t [thread::create -preserved]
    thread::send $t $body
    lappend workers $t
}
after 200
dict set result rss_threads [Rss]

set peak 0
set seconds 0.0
for {set b 0} {$b < $bursts} {incr b} {
    set start [clock microseconds]
    foreach t $workers {
	thread::send -async $t [list Burst $bodies] ::reply($t)
    }
    set waiting $workers
    while {[llength $waiting]} {
	after 100 {set ::tick 1}
	vwait ::tick
	set peak [expr {max($peak, [Rss])}]
	set waiting [lmap t $waiting {
	    expr {[info exists ::reply($t)] ? [continue] : $t}
	}]
    }
    set seconds [expr {$seconds + ([clock microseconds] - $start) / 1e6}]
    array unset ::reply
    after $idle
}
dict set result rss_peak $peak
dict set result rss_idle [Rss]
dict set result rps [expr {round($threads * $bodies * $bursts / $seconds)}]
dict set result per_thread [expr {([dict get $result rss_idle]
	- [dict get $result rss_threads]) / $threads}]
if {$vtalloc} {
    vtalloc trim
    dict set result rss_trim [Rss]
    dict set result live [dict get [vtalloc stats] requested]
} else {
    dict set result rss_trim [dict get $result rss_idle]
    dict set result live -1
}

# The shifting phase: every thread builds many small objects, then large
# strings, and again.

set shift {}
for {set c 0} {$c < $cycles} {incr c} {
    foreach phase {Small Large} {
	RunAll $workers $phase
	lappend shift [Rss]
    }
}
after $idle
dict set result shift $shift
dict set result shift_idle [Rss]

foreach t $workers {
    thread::release $t
}
puts $result
