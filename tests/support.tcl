# support.tcl --
#
#	Helpers and constraints shared by the vtalloc test files: worker
#	threads with the package loaded, figures that moved between two
#	`vtalloc stats`, and the constraints
#	    thread	the Thread package is there;
#	    ownStats	vtalloc's figures count only what the tests allocate
#			(mode package). Under LD_PRELOAD=libvtmalloc.so or in
#			a Tcl core built with vtalloc, every malloc of the
#			process counts too, so exact deltas cannot hold;
#	    noTsan	the package is not the ThreadSanitizer build (make
#			test-sanitized sets VTALLOC_TEST_SANITIZER): under
#			it an address-space limit cannot be set;
#	    noSanitizer	no sanitizer build at all: their runtimes are not
#			safe across fork in a threaded process (ASan's
#			allocator lock may be held by another thread at the
#			fork, TSan reports in the child).
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

package require tcltest 2.2
namespace import ::tcltest::*
package require vtalloc

testConstraint thread [expr {![catch {package require Thread 2.8}]}]
testConstraint ownStats [expr {[dict get [vtalloc stats] mode] eq "package"}]
testConstraint processMalloc [expr {![testConstraint ownStats]}]

# A build without statistics (configure --disable-stats) keeps no counters
# and no record of the bytes asked for: `vtalloc stats` leaves those keys
# out.
testConstraint counted [dict exists [vtalloc stats] allocs]
testConstraint notCounted [expr {![testConstraint counted]}]
testConstraint noTsan [expr {![info exists ::env(VTALLOC_TEST_SANITIZER)]
	|| $::env(VTALLOC_TEST_SANITIZER) ne "thread"}]
testConstraint noSanitizer [expr {![info exists ::env(VTALLOC_TEST_SANITIZER)]}]

# The mode the runner expects: package, or as VTALLOC_EXPECT_MODE says
# (make test sets it for the runs under LD_PRELOAD and in the Tcl core).

set expectedMode [expr {[info exists ::env(VTALLOC_EXPECT_MODE)]
	? $::env(VTALLOC_EXPECT_MODE) : "package"}]

# Worker --
#
#	A new joinable thread with vtalloc loaded.

proc Worker {} {
    set t [thread::create -joinable]
    thread::send $t [list set auto_path $::auto_path]
    thread::send $t {package require vtalloc}
    return $t
}

# Finish --
#
#	End worker threads and wait until they have exited (and their
#	caches are dissolved).

proc Finish {args} {
    foreach t $args {
	thread::release $t
	thread::join $t
    }
}

# Delta --
#
#	How much each named figure (a key, or a key path such as
#	{pages orphaned}) changed from `before` to `after`.

proc Delta {before after args} {
    lmap key $args {
	expr {[dict get $after {*}$key] - [dict get $before {*}$key]}
    }
}

# TestLib NAME --
#	The path of a test extension that make test builds (obj/libNAME next
#	to the package found on TCLLIBPATH or auto_path), or "".

proc TestLib {name} {
    global auto_path env
    foreach dir [concat [expr {[info exists env(TCLLIBPATH)]
	    ? $env(TCLLIBPATH) : ""}] $auto_path] {
	set candidate [file join $dir obj lib$name[info sharedlibextension]]
	if {[file exists $candidate]} {
	    return $candidate
	}
    }
    return ""
}
