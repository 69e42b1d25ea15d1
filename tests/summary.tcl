# summary.tcl --
#
#	Prints the totals of a test log written by "make test" (or one of
#	the test-* targets): the sum of every unit test program's line
#	"unit NAME: P passed, F failed" and of every tcltest totals line.
#	The last line printed is "P passed, F failed", followed by
#	", S skipped" when tests were skipped.  A run that ended with a
#	non-zero exit status without reporting a failure (a crash, a leak
#	found at exit), a tcltest file that could not run, and a part of the
#	suite that failed to build or ran no test each count as one failure,
#	so none of them can pass for success.  Exits 1 when anything failed.
#
# Usage:
#	tclsh summary.tcl LOGFILE

# Summarise --
#
#	Adds up the results found in the lines of a test log.
#
# Results:
#	A dict with the keys passed, failed, skipped, found (the number of
#	result lines seen) and notes (a list of lines explaining failures
#	that no test reported).
#
# Side effects:
#	None.

proc Summarise {lines} {
    set passed 0
    set failed 0
    set skipped 0
    set found 0
    set notes {}

    # Failures and results seen since the last "*** run" and "*** part"
    # lines: a non-zero exit status counts only when nothing has said
    # why already.
    set runFailed 0
    set partFailed 0
    set partTests 0

    set unitRE {^\s*unit (\S+): (\d+) passed, (\d+) failed$}
    set tcltestRE {^all\.tcl:\s+Total\s+(\d+)\s+Passed\s+(\d+)\s+Skipped\s+(\d+)}
    append tcltestRE {\s+Failed\s+(\d+)}

    foreach line $lines {
	set line [string trimright $line]
	if {[regexp $unitRE $line -> name p f]} {
	    incr found
	    incr passed $p
	    incr failed $f
	    incr runFailed $f
	    incr partFailed $f
	    incr partTests [expr {$p + $f}]
	} elseif {[regexp $tcltestRE $line -> total p s f]} {
	    incr found
	    incr passed $p
	    incr skipped $s
	    incr failed $f
	    incr runFailed $f
	    incr partFailed $f
	    incr partTests $total
	} elseif {[regexp {^Test file error: } $line]} {
	    incr failed
	    incr runFailed
	    incr partFailed
	    lappend notes "tcltest: $line: counted as 1 failure"
	} elseif {[regexp {^\*\*\* run (.+): exit status (\d+)$} $line \
		-> name status]} {
	    if {$status != 0 && $runFailed == 0} {
		incr failed
		incr partFailed
		lappend notes "$name: exit status $status but no failure\
			reported: counted as 1 failure"
	    }
	    set runFailed 0
	} elseif {[regexp {^\*\*\* part (.+): exit status (\d+)$} $line \
		-> name status]} {
	    if {$partFailed == 0 && ($status != 0 || $partTests == 0)} {
		incr failed
		if {$partTests == 0} {
		    set why "did not run any test"
		} else {
		    set why "ended with exit status $status"
		}
		lappend notes "test part $name $why: counted as 1 failure"
	    }
	    set runFailed 0
	    set partFailed 0
	    set partTests 0
	}
    }
    return [dict create passed $passed failed $failed skipped $skipped \
	    found $found notes $notes]
}

# Main --
#
#	Reads the log named on the command line and prints its summary.
#
# Results:
#	The exit status for the script: 0 when all passed, 1 otherwise.
#
# Side effects:
#	Writes the summary to stdout, errors to stderr.

proc Main {argv} {
    if {[llength $argv] != 1} {
	puts stderr "usage: [info nameofexecutable] summary.tcl LOGFILE"
	return 2
    }
    set logFile [lindex $argv 0]
    if {[catch {
	set chan [open $logFile r]
	fconfigure $chan -translation auto
	set text [read $chan]
	close $chan
    } msg]} {
	puts stderr "cannot read the test log: $msg"
	puts "0 passed, 1 failed"
	return 1
    }

    set result [Summarise [split $text \n]]
    foreach note [dict get $result notes] {
	puts $note
    }
    if {[dict get $result found] == 0} {
	puts "no test result found in $logFile"
	puts "0 passed, 1 failed"
	return 1
    }
    set line "[dict get $result passed] passed,\
	    [dict get $result failed] failed"
    if {[dict get $result skipped] > 0} {
	append line ", [dict get $result skipped] skipped"
    }
    puts $line
    return [expr {[dict get $result failed] > 0}]
}

exit [Main $argv]
