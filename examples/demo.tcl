# demo.tcl --
#
#	A short tour of vtalloc: four threads allocate blocks of Tcl-like
#	sizes, fill them, and hand a third of them to the next thread, which
#	checks and frees them (frees from a thread that does not own the
#	page). Then `vtalloc stats` shows what happened, while the threads
#	still run and after they have exited; then the memory going back to
#	the OS, at once, after the decay and after a trim, beside a stock
#	tclsh (Tcl's own allocator, Zippy) running the same pattern with Tcl
#	strings, where one can be run.
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

package require Thread
package require vtalloc

set threads 4
set rounds 20000

proc Show {title stats} {
    puts "$title:"
    foreach key {threads allocs frees remotefrees requested inuse committed
	    released rss {pages inuse} {pages orphaned}} {
	puts [format "  %-14s %12s" $key [dict get $stats {*}$key]]
    }
}

# The sizes, mostly small blocks like Tcl's objects and strings (the
# workers of both runs define it).
set sizeProc {
    proc Size {} {
	set r [expr {rand()}]
	expr {$r < 0.8 ? int(16 + rand() * 112)
	    : $r < 0.98 ? int(128 + rand() * 2000) : int(rand() * 40000)}
    }
}

set rssStart [dict get [vtalloc stats] rss]
tsv::set demo done 0
tsv::set demo errors 0
set workers {}
for {set i 0} {$i < $threads} {incr i} {
    set t [thread::create -joinable]
    thread::send $t [list set auto_path $auto_path]
    thread::send $t {package require vtalloc}
    thread::send $t $sizeProc
    lappend workers $t
}

puts "vtalloc [vtalloc version]: $threads threads x $rounds allocations,\
	a third of the blocks freed by another thread"
set start [clock milliseconds]
set i 0
foreach t $workers {
    thread::send -async $t [list apply {{self count rounds} {
	set mine {}
	expr {srand($self + 7)}
	for {set n 0} {$n < $rounds} {incr n} {
	    set h [vtalloc block alloc [Size]]
	    vtalloc block fill $h [expr {$n & 255}]
	    if {$n % 3 == 0} {
		tsv::lappend demo mail[expr {($self + 1) % $count}] \
		    [list $h [expr {$n & 255}]]
	    } else {
		lappend mine $h
	    }
	    if {[llength $mine] > 200} {
		foreach h [lrange $mine 0 99] {vtalloc block free $h}
		set mine [lrange $mine 100 end]
	    }
	    if {$n % 500 == 0 && [tsv::exists demo mail$self]} {
		foreach item [tsv::pop demo mail$self] {
		    lassign $item h byte
		    if {![vtalloc block check $h $byte]} {tsv::incr demo errors}
		    vtalloc block free $h
		}
	    }
	}
	foreach h $mine {vtalloc block free $h}
	tsv::incr demo done
    }} $i $threads $rounds]
    incr i
}
while {[tsv::get demo done] < $threads} {
    after 50
}
set elapsed [expr {[clock milliseconds] - $start}]
Show "while the threads are alive (some blocks still in flight)" [vtalloc stats]

foreach key [tsv::array names demo mail*] {
    foreach item [tsv::pop demo $key] {
	lassign $item h byte
	if {![vtalloc block check $h $byte]} {tsv::incr demo errors}
	vtalloc block free $h
    }
}
foreach t $workers {
    thread::release $t
    thread::join $t
}
set stats [vtalloc stats -buckets]
Show "after the threads exited and every block was freed" $stats
set mb {{bytes} {format %.1f [expr {$bytes / 1048576.0}]}}
set held {}
foreach when {now decay trim} {
    if {$when eq "decay"} {
	after [expr {2 * [vtalloc config -decay] + 500}]
    } elseif {$when eq "trim"} {
	vtalloc trim
    }
    set now [vtalloc stats]
    lappend held [apply $mb [dict get $now committed]] \
	[apply $mb [expr {[dict get $now rss] - $rssStart}]]
}

puts "busiest buckets (size: allocs, remote frees):"
set busiest [lsort -integer -decreasing -index 1 [lmap b [dict get $stats buckets] {
    list [dict get $b size] [dict get $b allocs] [dict get $b remotefrees]
}]]
foreach b [lrange $busiest 0 5] {
    puts [format "  %6s: %8d %8d" {*}$b]
}
puts "content errors: [tsv::get demo errors]; [expr {$threads * $rounds}]\
	allocations in $elapsed ms (script-driven; see the C stress for speed)"

# The same pattern in a stock tclsh with Tcl strings (Zippy holds their
# memory): the RSS above its start once the threads exited and every
# string was freed, and a second later. Where the tclsh running the demo
# is not a stock one, or has no /proc, Zippy's column is left out.

set zippy {}
set zippyScript {
    package require Thread
    proc Rss {} {
	set f [open /proc/self/status]
	regexp -line {^VmRSS:\s+(\d+)} [read $f] -> kb
	close $f
	return [expr {$kb * 1024}]
    }
    set start [Rss]
    set workers {}
    for {set i 0} {$i < THREADS} {incr i} {
	set t [thread::create -joinable]
	thread::send $t {SIZEPROC}
	lappend workers $t
    }
    set i 0
    foreach t $workers {
	thread::send -async $t [list apply {{self count rounds} {
	    set mine {}
	    expr {srand($self + 7)}
	    for {set n 0} {$n < $rounds} {incr n} {
		set s [string repeat x [Size]]
		if {$n % 3 == 0} {
		    tsv::lappend zdemo mail[expr {($self + 1) % $count}] $s
		} else {
		    lappend mine $s
		}
		if {[llength $mine] > 200} {
		    set mine [lrange $mine 100 end]
		}
		if {$n % 500 == 0 && [tsv::exists zdemo mail$self]} {
		    tsv::pop zdemo mail$self
		}
	    }
	    set mine {}
	    tsv::incr zdemo done
	}} $i THREADS ROUNDS]
	incr i
    }
    while {![tsv::exists zdemo done] || [tsv::get zdemo done] < THREADS} {
	after 50
    }
    foreach key [tsv::array names zdemo mail*] {
	tsv::unset zdemo $key
    }
    foreach t $workers {
	thread::release $t
	thread::join $t
    }
    set freed [expr {[Rss] - $start}]
    after 1000
    puts [list $freed [expr {[Rss] - $start}]]
}
if {[file readable /proc/self/status]
	&& [dict get [vtalloc stats] mode] eq "package"} {
    catch {
	set zippy [lmap bytes [exec [info nameofexecutable] << \
		[string map [list THREADS $threads ROUNDS $rounds \
		SIZEPROC $sizeProc] $zippyScript]] {apply $mb $bytes}]
    }
}
puts "memory after the threads exited and every block was freed (MB):"
puts [format "  %-16s %18s %16s   %s" "" "vtalloc: committed" \
	"RSS above start" \
	[expr {[llength $zippy] ? "Zippy: RSS above start" : ""}]]
foreach {when i z} {"at once" 0 0 "after the decay" 2 1 "after a trim" 4 1} {
    puts [format "  %-16s %18s %16s   %s" $when [lindex $held $i] \
	    [lindex $held [expr {$i + 1}]] [lindex $zippy $z]]
}
if {[tsv::get demo errors] != 0 || [dict get $stats remotefrees] == 0
	|| [dict get $stats allocs] != [dict get $stats frees]
	|| [dict get $now committed] > (2 << 20)} {
    puts "demo FAILED"
    exit 1
}
