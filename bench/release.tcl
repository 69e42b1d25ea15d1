# release.tcl --
#
#	Runs bench/release (built by `make bench-release`) for vtalloc,
#	Zippy, glibc and, where Debian's packages are installed, jemalloc,
#	tcmalloc and mimalloc (preloaded into the "system" runs), all in this
#	one run, and prints a Markdown table: the share of the peak still
#	resident after freeing everything (at once, 1 s later, after a trim)
#	and the growth of the size shift.
#
# Usage:
#	tclsh release.tcl PROGRAM ?PEAK_MIB? ?SHIFT_MIB?
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

lassign $argv program peakMib shiftMib
if {$program eq ""} {
    puts stderr "usage: tclsh release.tcl PROGRAM ?PEAK_MIB? ?SHIFT_MIB?"
    exit 2
}
if {$peakMib eq ""} {set peakMib 650}
if {$shiftMib eq ""} {set shiftMib 512}

set peers [list vtalloc {vtalloc {}} zippy {zippy {}} glibc {system {}}]
foreach {name lib} {
    jemalloc libjemalloc.so.2 tcmalloc libtcmalloc_minimal.so.4
    mimalloc libmimalloc.so.2
} {
    set path [lindex [glob -nocomplain /usr/lib/*/$lib /usr/lib/$lib] 0]
    if {$path ne ""} {
	lappend peers $name [list system $path]
    }
}

proc Run {mode preload args} {
    global program
    set env {}
    if {$preload ne ""} {
	set env [list env LD_PRELOAD=$preload]
    }
    return [exec {*}$env $program $mode {*}$args]
}

proc Percent {value base peak} {
    format %.1f%% [expr {100.0 * ($value - $base) / ($peak - $base)}]
}

puts "| allocator | retained at once | after 1 s | after trim | shift growth |"
puts "|---|---|---|---|---|"
foreach {name how} $peers {
    lassign $how mode preload
    set p [Run $mode $preload peak $peakMib]
    set s [Run $mode $preload shift $shiftMib]
    puts [format "| %s | %s | %s | %s | %.2fx |" $name \
	[Percent [dict get $p after0] [dict get $p base] [dict get $p peak]] \
	[Percent [dict get $p after1] [dict get $p base] [dict get $p peak]] \
	[Percent [dict get $p trimmed] [dict get $p base] [dict get $p peak]] \
	[expr {double([dict get $s second] - [dict get $s base])
	       / ([dict get $s first] - [dict get $s base])}]]
}
