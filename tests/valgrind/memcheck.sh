#!/bin/sh
# memcheck.sh --
#
#	Runs tests/valgrind/faults.c, built with vtalloc's core in its
#	valgrind variant (VT_VALGRIND), under valgrind's memcheck and checks
#	that each planted fault is reported where it is, that a clean
#	workload draws no report, and that the unit test programs of the
#	variant run under memcheck without a report.
#
#	Usage: memcheck.sh FAULTS-PROGRAM UNIT-PROGRAM...
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

faults=$1
shift
log=${TMPDIR:-/tmp}/vtalloc-memcheck.$$
trap 'rm -f "$log" "$log.why"' EXIT
. "$(dirname "$0")/../outcome.sh"

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind is not installed (Debian: valgrind)"
    outcome "valgrind installed" 1
    totals memcheck
    exit 1
fi

# check NAME PATTERN -- the log holds PATTERN (an extended regexp).
check() {
    grep -E -- "$2" "$log" >/dev/null
    status=$?
    echo "no line matching \"$2\"" >"$log.why"
    outcome "$1" $status "$log.why"
}

# In about 3 runs of 100, memcheck calls the large leak "possibly lost":
# some word it scans, different from run to run with the address layout,
# then points inside the block. Either way memcheck reports the leak, and
# counts it as an error.

valgrind --leak-check=full --errors-for-leak-kinds=definite,possible \
    --num-callers=8 "$faults" >/dev/null 2>"$log"
check "small leak reported" \
    "100 bytes in 1 blocks are definitely lost"
check "small leak names its allocation" "LeakSmall"
check "large leak reported" \
    "200,000 bytes in 1 blocks are (definitely|possibly) lost"
check "read after free reported" "Invalid read of size 1"
check "read after free at its place" "ReadAfterFree"
check "freed by VtFree" "Address .* is 20 bytes inside a block of size 48 free'd"
check "uninitialised read reported" \
    "Conditional jump or move depends on uninitialised value"
check "uninitialised read at its place" "ReadUninitialised"
check "write past the end reported" "Invalid write of size 1"
check "write past the end at its place" "WritePastEnd"
check "no error from vtalloc's own code" "ERROR SUMMARY: 5 errors"
if test $failed != 0; then
    sed 's/^/    | /' "$log"
fi

for program in "$faults clean" "$@"; do
    valgrind -q --error-exitcode=9 --leak-check=full \
	--errors-for-leak-kinds=definite $program >"$log" 2>&1
    outcome "no report from $program" $? "$log"
done

totals memcheck
