# all.tcl --
#
#	Runs every tests/*.test file of vtalloc with tcltest, in this
#	interpreter's child interpreters, and prints tcltest's totals line.
#	Run it with TCLLIBPATH pointing at the build directory (make test
#	does) so that the uninstalled package is the one loaded.
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

package require Tcl 8.6
package require tcltest 2.2

::tcltest::configure -testdir [file dirname [file normalize [info script]]]
eval ::tcltest::configure $argv
::tcltest::runAllTests
