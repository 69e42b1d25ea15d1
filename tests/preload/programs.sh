#!/bin/sh
# programs.sh --
#
#	Real programs run with LD_PRELOAD=libvtmalloc.so, each checked by its
#	own output against the same program run without the preload:
#	python3 building and printing data, gcc compiling a file (identical
#	object), sort with several threads (identical output), a C++ program
#	using new, delete and aligned new (when g++ is there), a shell
#	pipeline, threads that create threads (a C program, python3's
#	thread pools); and VTALLOC_STATS=1 printing its summary at exit
#	(also for a program that closes its standard error first, or puts a
#	file on descriptor 2); bad values of VTALLOC_* reported; the package
#	loaded under the preload binding its own functions; a program under
#	a small address-space limit (ulimit -v); and two figures against
#	glibc's in the same run: the time of a realloc growth, the RSS of
#	aligned blocks. A threaded program still running after 120 s is
#	killed and reported hung. Prints
#	"unit programs: P passed, F failed".
#
# Usage:
#	sh programs.sh /path/to/libvtmalloc.so ?tclsh?
#	(the package is looked for next to libvtmalloc.so)
#
# Copyright (c) 2026 The vtalloc authors.
# See the file "license.terms" for information on usage and redistribution.

lib=$1
tclsh=${2:-tclsh}
pkgdir=$(dirname "$lib")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/../outcome.sh"

# Check NAME COMMAND...: run COMMAND without and with the preload (in
# $work/plain and $work/vt) and compare the outputs it leaves in
# $work/out.plain and $work/out.vt. COMMAND runs its programs under
# $watch: one killed (status 137) is reported hung.
watch="timeout -s KILL 120"
check() {
    name=$1
    shift
    if ! "$@" plain >"$work/log.plain" 2>&1; then
	echo "  $name: skipped (fails without the preload too)"
	return
    fi
    LD_PRELOAD=$lib "$@" vt >"$work/log.vt" 2>&1
    status=$?
    if [ $status = 137 ]; then
	echo "hung: killed after 120 s" >>"$work/log.vt"
    fi
    [ $status = 0 ] && cmp -s "$work/out.plain" "$work/out.vt"
    outcome "$name" $? "$work/log.vt"
}

python() {
    py=$(command -v /usr/bin/python3 || command -v python3) || return 1
    "$py" -c '
import json, collections
data = {str(i): [j * j for j in range(i % 200)] for i in range(20000)}
words = collections.Counter(str(sum(v)) for v in data.values())
print(len(json.dumps(data)), len(words), sorted(words.items())[:5])
' >"$work/out.$1"
}

compile() {
    gcc -O2 -D_GNU_SOURCE -I"$here/../../generic" -I"$here/../../unix" \
	-c "$here/testMalloc.c" -o "$work/out.$1"
}

parallelsort() {
    awk 'BEGIN { srand(7); for (i = 0; i < 2000000; i++)
	printf "%d %x\n", int(rand() * 1e9), i }' >"$work/input"
    sort --parallel=4 -S 64M "$work/input" >"$work/out.$1"
}

cplusplus() {
    command -v g++ >/dev/null 2>&1 || return 1
    if [ ! -x "$work/cxx" ]; then
	cat >"$work/cxx.cc" <<'CXX'
#include <cstdint>
#include <iostream>
#include <map>
#include <new>
#include <string>
#include <vector>
struct alignas(256) Wide { char bytes[300]; };
int main() {
    std::map<std::string, std::vector<int>> m;
    for (int i = 0; i < 100000; i++) {
        m[std::to_string(i % 5000)].push_back(i);
    }
    int misaligned = 0;
    for (int i = 0; i < 1000; i++) {
        Wide *w = new Wide;
        misaligned += (reinterpret_cast<std::uintptr_t>(w) % 256) != 0;
        delete w;
    }
    std::cout << m.size() << " " << m["42"].size() << " " << misaligned
              << std::endl;
    return misaligned != 0;
}
CXX
	g++ -O2 -std=c++17 -o "$work/cxx" "$work/cxx.cc" || return 1
    fi
    "$work/cxx" >"$work/out.$1"
}

summary() {
    if [ "$1" = plain ]; then
	echo "vtalloc: summary" >"$work/out.plain"
	return 0
    fi
    VTALLOC_STATS=1 /bin/true 2>&1 | grep -o '^vtalloc: ' | head -1 \
	| sed 's/$/summary/' >"$work/out.$1"
}

# GNU sort closes its standard error at exit, before the library's
# destructor prints the summary.
closedstderr() {
    if [ "$1" = plain ]; then
	echo "vtalloc: summary" >"$work/out.plain"
	return 0
    fi
    VTALLOC_STATS=1 sort /etc/passwd 2>&1 >/dev/null \
	| grep -o '^vtalloc: ' | head -1 | sed 's/$/summary/' >"$work/out.$1"
}

# Threads that create threads, which then exit (joined and detached):
# a C program, and python3's thread pools with threads started from
# threads.
cthreads() {
    if [ ! -x "$work/cthreads" ]; then
	cat >"$work/cthreads.c" <<'C'
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static atomic_int done;
static void *leaf(void *a) {
    char *p = malloc(3000);
    memset(p, 1, 3000); usleep(200); free(p);
    atomic_fetch_add(&done, 1);
    return a;
}
static void *mid(void *a) {
    for (int i = 0; i < 200; i++) {
        pthread_t t;
        if (pthread_create(&t, 0, leaf, 0) != 0) continue;
        if (i % 4 == 3) pthread_detach(t); else pthread_join(t, 0);
    }
    return a;
}
int main(void) {
    for (int round = 0; round < 10; round++) {
        pthread_t t[4];
        for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, mid, 0);
        for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
    }
    while (atomic_load(&done) < 8000) usleep(1000);
    printf("%d\n", atomic_load(&done));
    return 0;
}
C
	gcc -O2 -pthread -o "$work/cthreads" "$work/cthreads.c" || return 1
    fi
    $watch "$work/cthreads" >"$work/out.$1"
}

pythreads() {
    py=$(command -v /usr/bin/python3 || command -v python3) || return 1
    $watch "$py" -c '
import concurrent.futures, threading
def work(i):
    s = "".join(str(j) for j in range(i % 300))
    return len(s)
def spawner(n):
    total = []
    def leaf(k):
        total.append(sum(len(str(x)) for x in range(k % 500)))
    for k in range(n):
        t = threading.Thread(target=leaf, args=(k,))
        t.start()
        t.join()
    return sum(total)
with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
    a = sum(pool.map(work, range(20000)))
with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
    b = sum(pool.map(spawner, [300] * 8))
print(a, b)
' >"$work/out.$1"
}

# Bad values of VTALLOC_STATS are reported once at start, as those of
# the knobs are (VTALLOC_DECAY here), and the default (no summary) stays.
badstats() {
    if [ "$1" = plain ]; then
	printf '%s\n' 'VTALLOC_STATS="2"' 'VTALLOC_STATS="yes"' \
	    'VTALLOC_STATS="abc"' 'VTALLOC_DECAY="1x"' >"$work/out.plain"
	return 0
    fi
    : >"$work/out.$1"
    for value in 2 yes abc; do
	VTALLOC_STATS=$value /bin/true 2>&1 | grep -v '^vtalloc: ignoring' \
	    | grep '^vtalloc' >>"$work/out.$1"
	VTALLOC_STATS=$value /bin/true 2>&1 \
	    | grep -o '^vtalloc: ignoring VTALLOC_STATS="[^"]*"' \
	    | sed 's/^vtalloc: ignoring //' >>"$work/out.$1"
    done
    VTALLOC_DECAY=1x /bin/true 2>&1 \
	| grep -o '^vtalloc: ignoring VTALLOC_DECAY="[^"]*"' \
	| sed 's/^vtalloc: ignoring //' >>"$work/out.$1"
}

# A program that closes its standard error and opens a data file, which
# gets descriptor 2: the summary goes to the standard error the process
# started with, not into the data.
reusedstderr() {
    command -v perl >/dev/null 2>&1 || return 1
    VTALLOC_STATS=1 perl -e 'close(STDERR); open(my $f, ">", $ARGV[0])
	or die; print $f fileno($f), " data\n";' "$work/data" \
	2>"$work/err" || return 1
    if [ "$1" = plain ]; then
	echo "2 data" >"$work/out.plain"
	echo "vtalloc: summary" >>"$work/out.plain"
	return 0
    fi
    cat "$work/data" >"$work/out.$1"
    grep -o '^vtalloc: ' "$work/err" | head -1 | sed 's/$/summary/' \
	>>"$work/out.$1"
}

# The package loaded into a preloaded tclsh: its own references to the
# C API (Vt_Alloc, ... in its stubs table) are bound within it, none to
# libvtmalloc's functions of the same names (the instance table is the
# one way across). Seen with glibc's LD_DEBUG=bindings.
bindings() {
    [ -f "$pkgdir/pkgIndex.tcl" ] || return 1
    if [ "$1" = plain ]; then
	echo "preload" >"$work/out.plain"
	echo "0" >>"$work/out.plain"
	return 0
    fi
    echo 'package require vtalloc; puts [dict get [vtalloc stats] mode]' \
	| LD_DEBUG=bindings LD_DEBUG_OUTPUT="$work/bind" \
	TCLLIBPATH="$pkgdir" "$tclsh" >"$work/out.$1" || return 1
    ls "$work"/bind.* >/dev/null 2>&1 || return 1
    cat "$work"/bind.* | grep 'libvtalloc[^ ]*\.so .* to .*libvtmalloc' \
	| grep -c "symbol \`Vt_" >>"$work/out.$1"
    rm -f "$work"/bind.*
}

# Under an address-space limit of 50,000 KiB ld.so could not map the
# library (its segment map was 64 MiB of static storage) and the program
# ran on the C library's malloc without a word: now it runs on vtalloc
# (the summary at exit says so).
ulimited() {
    (ulimit -v 50000 && VTALLOC_STATS=1 grep -c . /etc/passwd) \
	>"$work/out.$1" 2>"$work/err.$1" || return 1
    if [ "$1" = plain ]; then
	echo "vtalloc: summary" >>"$work/out.plain"
	return 0
    fi
    grep -o '^vtalloc: [0-9]* allocs\|^vtalloc: [0-9]* bytes in use' \
	"$work/err.$1" | head -1 | sed 's/:.*/: summary/' >>"$work/out.$1"
}

pipeline() {
    seq 1 200000 | sed 's/$/ vtalloc/' | tr a-z A-Z | sort -r \
	| uniq -c | wc -l >"$work/out.$1"
}

# Ratio NAME LIMIT SOURCE ARGS: build the C program SOURCE (it prints one
# figure, a time or a size), run it without and with the preload, the best
# of three runs each, and check that the preloaded figure is at most LIMIT
# times glibc's (a peer measured in the same run, not an absolute figure).
ratio() {
    name=$1 limit=$2 src=$3
    shift 3
    if ! gcc -O2 -o "$work/ratio" "$src" 2>"$work/log.ratio"; then
	outcome "$name" 1 "$work/log.ratio"
	return
    fi
    plain= vt=
    for i in 1 2 3; do
	p=$("$work/ratio" "$@" 2>>"$work/log.ratio") || p=
	v=$(LD_PRELOAD=$lib timeout 60 "$work/ratio" "$@" \
	    2>>"$work/log.ratio") || v=
	if [ -z "$v" ]; then
	    echo "    no figure with the preload (or over 60 s)" \
		>>"$work/log.ratio"
	    vt= plain=
	    break
	fi
	plain=$(echo "$plain $p" | awk '{ m = $1; for (i = 2; i <= NF; i++)
	    if ($i < m) m = $i; print m }')
	vt=$(echo "$vt $v" | awk '{ m = $1; for (i = 2; i <= NF; i++)
	    if ($i < m) m = $i; print m }')
    done
    echo "    glibc $plain, vtalloc $vt" >>"$work/log.ratio"
    echo "    $name: glibc $plain, vtalloc $vt"
    [ -n "$plain" ] && [ -n "$vt" ] \
	&& awk -v p="$plain" -v v="$vt" -v l="$limit" \
	    'BEGIN { exit !(v <= l * p) }'
    outcome "$name" $? "$work/log.ratio"
}

# A block grown by 4 KiB steps to 128 MiB (seconds): realloc keeps its
# headroom at every size, and a huge block grows with mremap.
cat >"$work/grow.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(void) {
    size_t size;
    char *p = NULL;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (size = 4096; size <= ((size_t) 128 << 20); size += 4096) {
        if ((p = realloc(p, size)) == NULL) return 1;
        p[size - 1] = 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.3f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9
        + 0.01);
    return 0;
}
C

# 100,000 blocks of 100 bytes aligned on 128 KiB (MiB of RSS): no segment
# header each.
cat >"$work/aligned.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static long rss(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%ld %ld", &pages, &resident) != 2) exit(1);
    fclose(f);
    return resident * 4096;
}
int main(void) {
    enum { COUNT = 100000 };
    static void *blocks[COUNT];
    long before = rss();
    int i;
    for (i = 0; i < COUNT; i++) {
        if (posix_memalign(&blocks[i], 128 << 10, 100) != 0) return 1;
        memset(blocks[i], 1, 100);
    }
    printf("%ld\n", ((rss() - before) >> 20) + 1);
    return 0;
}
C

ratio "realloc growth to 128 MiB in 4 KiB steps (seconds, within 3x)" 3 \
    "$work/grow.c"
ratio "100,000 blocks aligned on 128 KiB (MiB of RSS, within 1.2x)" 1.2 \
    "$work/aligned.c"
check "python3 builds and prints data" python
check "gcc compiles a file (identical object)" compile
check "sort --parallel=4 (threads, identical output)" parallelsort
check "C++ new, delete and aligned new (g++)" cplusplus
check "a shell pipeline" pipeline
check "C threads that create threads (8,000)" cthreads
check "python3 thread pools, threads started from threads" pythreads
check "VTALLOC_STATS=1 prints a summary at exit" summary
check "... also for a program that closes its standard error" closedstderr
check "... also for one that reuses descriptor 2 for a file" reusedstderr
check "bad values of VTALLOC_STATS and the knobs are reported" badstats
check "the package under the preload binds its own C API" bindings
check "a program under ulimit -v 50000 runs on vtalloc" ulimited
totals programs
