#!/bin/sh
# run.sh --
#
#	The fuzz part of the tests: replays the corpus in fuzz/corpus/ with
#	the replay build of the fuzz target (any compiler), then runs the
#	libFuzzer build for a bounded time, starting from that corpus. New
#	inputs go to the work folder, never into the source tree; a crash
#	leaves its input there (crash-*) and fails the part.
#
#	Usage: run.sh REPLAY-PROGRAM FUZZER-PROGRAM CORPUS WORK SECONDS
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

replay=$1
fuzzer=$2
corpus=$3
work=$4
seconds=$5
passed=0
failed=0

echo "--- replaying $(ls "$corpus" | wc -l) inputs of $corpus"
if "$replay" "$corpus"/*; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
fi

echo "--- libFuzzer for $seconds s"
mkdir -p "$work/new"
if (cd "$work" && "$fuzzer" -max_total_time="$seconds" -max_len=1024 \
	-print_final_stats=1 new "$corpus") >"$work/fuzz.log" 2>&1; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    tail -60 "$work/fuzz.log"
fi
grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::new_units_added)' \
    "$work/fuzz.log"

echo "unit fuzz: $passed passed, $failed failed"
test $failed = 0
