#!/bin/sh
# tclsuite.sh --
#
#	Runs Tcl's own test suite (tests/ of Tcl's sources) twice with the
#	same tclsh: plain, and with vtalloc in the process (LD_PRELOAD of
#	libvtmalloc, or a tclsh built with vtalloc given as the second
#	tclsh), and compares: a test that fails with vtalloc but not without
#	it is a failure; one that fails in both runs is not vtalloc's doing.
#	A new failure is tried once more, alone, before it counts (Tcl's suite
#	has a few timing-dependent tests). Prints both summaries and, last,
#	"unit NAME: P passed, F failed" (P: tests passed with vtalloc).
#
# Usage:
#	sh tclsuite.sh NAME SRCDIR STOCK_TCLSH VT_TCLSH [PRELOAD_LIB]
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

name=$1 src=$2 stock=$3 vt=$4 preload=$5
work=${TMPDIR:-/tmp}/vtalloc-tclsuite.$$
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# The HTTP and socket tests that reach out of the machine are left to
# Tcl's own CI; everything else runs.
skip="http11.test httpold.test"

run() {
    label=$1 shell=$2 lib=$3
    (cd "$work" && if [ -n "$lib" ]; then
	LD_PRELOAD=$lib "$shell" "$src/tests/all.tcl" -notfile "$skip"
    else
	"$shell" "$src/tests/all.tcl" -notfile "$skip"
    fi) >"$work/$label.log" 2>&1
    grep -a '^all.tcl:' "$work/$label.log" | tail -1 \
	| awk -v label="$label" '{ printf "  Tcl'"'"'s suite, %s: %s tests, %s passed, %s skipped, %s failed\n", label, $3, $5, $7, $9 }' 
    grep -a '^==== .* FAILED$' "$work/$label.log" \
	| sed 's/^==== \([^ ]*\) .*/\1/' | sort -u >"$work/$label.failed"
}

run stock "$stock" ""
run vtalloc "$vt" "$preload"
passed=$(grep -a '^all.tcl:' "$work/vtalloc.log" | tail -1 \
    | awk '{print $5}')
new=$(comm -13 "$work/stock.failed" "$work/vtalloc.failed")
failed=0
for t in $new; do
    file=$(grep -al "^test $t \|^    test $t \|test $t " "$src"/tests/*.test \
	| head -1)
    if (cd "$work" && env ${preload:+LD_PRELOAD=$preload} "$vt" \
	    "$src/tests/all.tcl" -file "$(basename "$file")" -match "$t") \
	    2>&1 | grep -aq "^==== $t .*FAILED"; then
	echo "  $t fails with vtalloc only"
	failed=$((failed + 1))
    else
	echo "  $t failed once with vtalloc, passed when run again"
    fi
done
echo "  failing in both runs: $(comm -12 "$work/stock.failed" \
    "$work/vtalloc.failed" | tr '\n' ' ')"
echo "  failing with the stock Tcl only: $(comm -23 "$work/stock.failed" \
    "$work/vtalloc.failed" | tr '\n' ' ')"
echo "unit $name: ${passed:-0} passed, $failed failed"
test -n "$passed" && test "$failed" = 0
