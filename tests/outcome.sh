# outcome.sh --
#
#	Sourced by the shell test scripts (tests/install.sh,
#	tests/preload/programs.sh, tests/valgrind/memcheck.sh): count and
#	print each check's outcome, and the totals line that
#	tests/summary.tcl reads.
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

passed=0
failed=0

# outcome NAME STATUS ?LOG? -- "  NAME: ok" if STATUS is 0; else
# "  NAME: FAILED" and the first lines of LOG, if given.
outcome() {
    if [ "$2" = 0 ]; then
	echo "  $1: ok"
	passed=$((passed + 1))
    else
	echo "  $1: FAILED"
	if [ -n "$3" ]; then
	    sed 's/^/    | /' "$3" | head -40
	fi
	failed=$((failed + 1))
    fi
}

# totals PART -- "unit PART: P passed, F failed"; succeeds if none failed.
totals() {
    echo "unit $1: $passed passed, $failed failed"
    test "$failed" = 0
}
