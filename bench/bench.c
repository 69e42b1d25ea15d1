/*
 * bench.c --
 *
 *	The benchmark program: one workload on one allocator per process, so
 *	that each starts from a clean RSS.
 *
 *	    bench ALLOCATOR WORKLOAD ?THREADS? ?OPS?
 *
 *	ALLOCATOR: vtalloc (the C API), zippy (Tcl_Alloc of the Tcl library
 *	linked in: Tcl's threaded allocator), or system (malloc, which
 *	LD_PRELOAD turns into jemalloc, tcmalloc, mimalloc or libvtmalloc).
 *
 *	WORKLOAD:
 *	  cells tclmix xthread churn  vtStress.c's patterns, checked blocks;
 *	  realloc      strings grown by appends, as Tcl's strings and lists;
 *	  pair         malloc+free of 16..128 bytes in a loop (for callgrind);
 *	  peak	       two threads fill OPS MiB of small blocks and free them
 *		       all, staying alive: RSS at the peak, at once, every
 *		       100 ms for 1 s, and after a trim;
 *	  peakcross    the same, but each thread frees the other's blocks
 *		       (blocks that a server's threads hand to each other);
 *	  shift	       OPS MiB of 48-byte blocks, freed, then of 4 KiB blocks.
 *
 *	Output: one line of "key value" pairs (and "rss T BYTES" lines for
 *	peak), read by bench/bench.tcl.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include <tcl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "vtApi.h"
#include "vtStress.h"

#define MIB ((uint64_t) 1 << 20)

static void *(*allocProc)(size_t);
static void (*freeProc)(void *);
static void *(*reallocProc)(void *, size_t);
static void (*trimProc)(void);

static void *ZippyAlloc(size_t n) { return Tcl_Alloc((unsigned) n); }
static void ZippyFree(void *p) { Tcl_Free(p); }
static void *ZippyRealloc(void *p, size_t n) {
    return Tcl_Realloc(p, (unsigned) n);
}
static void NoTrim(void) { }
static void SystemTrim(void) { malloc_trim(0); }

/*
 * Vt_Free's body (VtFree is inline) with the void * of the other frees: a
 * call through a wrapper of Vt_Free would count a jump that no caller of
 * the API pays.
 */

static void VtFreeProc(void *p) { VtFree(p); }

/*
 * peak, peakcross: two threads that fill, wait, free (their own blocks, or
 * the other thread's), wait.
 */

static pthread_barrier_t barrier;
static uint64_t peakBytes;
static int peakCross;
static void *peakChains[2];

static void
PeakThread(
    void *data)
{
    int self = (int) (uintptr_t) data;

    peakChains[self] = VtChainFill(peakBytes / 2, 16, 256,
	    (uint64_t) self + 1, allocProc);
    pthread_barrier_wait(&barrier);	/* Peak reached. */
    pthread_barrier_wait(&barrier);	/* Measured. */
    (void) VtChainFree(peakChains[peakCross ? 1 - self : self], 0,
	    freeProc);
    pthread_barrier_wait(&barrier);	/* All freed. */
    pthread_barrier_wait(&barrier);	/* Done measuring: exit. */
}

static void
Peak(
    uint64_t mib,
    int cross)
{
    uintptr_t threads[2];
    uint64_t base = VtpRss(), peak, start;
    int i;

    peakBytes = mib * MIB;
    peakCross = cross;
    pthread_barrier_init(&barrier, NULL, 3);
    VtPurgerSafePoint();		/* As a program's first thread. */
    for (i = 0; i < 2; i++) {
	VtpThreadCreate(PeakThread, (void *) (uintptr_t) i, &threads[i]);
    }
    pthread_barrier_wait(&barrier);
    peak = VtpRss();
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    start = VtpNow();
    printf("rss 0 %llu\n", (unsigned long long) VtpRss());
    for (i = 1; i <= 10; i++) {
	VtpSleep(100);
	printf("rss %.1f %llu\n", (double) (VtpNow() - start) / 1e9,
		(unsigned long long) VtpRss());
    }
    trimProc();
    printf("trimmed %llu\n", (unsigned long long) VtpRss());
    pthread_barrier_wait(&barrier);
    for (i = 0; i < 2; i++) {
	VtpThreadJoin(threads[i]);
    }
    printf("base %llu peak %llu\n", (unsigned long long) base,
	    (unsigned long long) peak);
}

/*
 * realloc: strings grown by appends of 1..64 bytes up to 1..64 KiB, as
 * Tcl's string and list growth does, many at a time.
 */

static uint64_t
Realloc(
    uint64_t ops)
{
    enum { STRINGS = 256 };
    char *strings[STRINGS];
    size_t lengths[STRINGS], limits[STRINGS];
    uint64_t seed = 99, i;
    int s;

    for (s = 0; s < STRINGS; s++) {
	strings[s] = NULL;
	lengths[s] = 0;
	limits[s] = 1024;
    }
    for (i = 0; i < ops; i++) {
	size_t grow;

	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	s = (int) ((seed >> 33) % STRINGS);
	grow = 1 + (size_t) ((seed >> 20) % 64);
	if (lengths[s] + grow > limits[s]) {
	    freeProc(strings[s]);
	    strings[s] = NULL;
	    lengths[s] = 0;
	    limits[s] = 1024 + (size_t) ((seed >> 40) % 65536);
	}
	strings[s] = reallocProc(strings[s], lengths[s] + grow);
	memset(strings[s] + lengths[s], 'x', grow);
	lengths[s] += grow;
    }
    for (s = 0; s < STRINGS; s++) {
	freeProc(strings[s]);
    }
    return ops;
}

/*
 * pair: the fast path alone, for instruction counts.
 */

static uint64_t
Pair(
    uint64_t ops)
{
    uint64_t i;

    for (i = 0; i < ops; i++) {
	void *ptr = allocProc(16 + (i & 7) * 16);

	*(volatile char *) ptr = 1;
	freeProc(ptr);
    }
    return ops;
}

int
main(
    int argc,
    char **argv)
{
    const char *which = argc > 1 ? argv[1] : "", *workload = argc > 2
	    ? argv[2] : "";
    int threads = argc > 3 ? atoi(argv[3]) : 2;
    uint64_t ops = argc > 4 ? strtoull(argv[4], NULL, 10) : 1000000;
    VtStressConfig config;
    VtStressResult result;
    uint64_t start;
    int i;

    Tcl_FindExecutable(argv[0]);
    if (strcmp(which, "vtalloc") == 0) {
	allocProc = Vt_Malloc;
	freeProc = VtFreeProc;
	reallocProc = Vt_ReallocSize;
	trimProc = Vt_Trim;
    } else if (strcmp(which, "zippy") == 0) {
	allocProc = ZippyAlloc;
	freeProc = ZippyFree;
	reallocProc = ZippyRealloc;
	trimProc = NoTrim;
    } else if (strcmp(which, "system") == 0) {
	allocProc = malloc;
	freeProc = free;
	reallocProc = realloc;
	trimProc = SystemTrim;
    } else {
	fprintf(stderr, "usage: %s vtalloc|zippy|system workload ?threads?"
		" ?ops?\n", argv[0]);
	return 2;
    }

    if (strcmp(workload, "peak") == 0
	    || strcmp(workload, "peakcross") == 0) {
	Peak(ops, workload[4] != '\0');
	return 0;
    }
    if (strcmp(workload, "shift") == 0) {
	uint64_t base = VtpRss(), first;
	void *chain = VtChainFill(ops * MIB, 48, 48, 1, allocProc);

	first = VtpRss();
	(void) VtChainFree(chain, 0, freeProc);
	chain = VtChainFill(ops * MIB, 4096, 4096, 1, allocProc);
	printf("base %llu first %llu second %llu\n", (unsigned long long) base,
		(unsigned long long) first, (unsigned long long) VtpRss());
	(void) VtChainFree(chain, 0, freeProc);
	return 0;
    }
    if (strcmp(workload, "realloc") == 0 || strcmp(workload, "pair") == 0) {
	start = VtpNow();
	ops = workload[0] == 'r' ? Realloc(ops) : Pair(ops);
	printf("ops %llu seconds %.3f peakrss %llu errors 0\n",
		(unsigned long long) ops, (double) (VtpNow() - start) / 1e9,
		(unsigned long long) VtpRss());
	return 0;
    }
    memset(&config, 0, sizeof(config));
    for (i = 0; vtStressPatterns[i] != NULL; i++) {
	if (strcmp(workload, vtStressPatterns[i]) == 0) {
	    config.pattern = (VtStressPattern) i;
	    break;
	}
    }
    if (vtStressPatterns[i] == NULL) {
	fprintf(stderr, "unknown workload \"%s\"\n", workload);
	return 2;
    }
    config.threads = threads;
    config.ops = ops;
    config.allocProc = allocProc;
    config.freeProc = freeProc;
    config.reallocProc = reallocProc;
    if (!VtStress(&config, &result)) {
	fprintf(stderr, "could not start the threads\n");
	return 1;
    }
    printf("ops %llu seconds %.3f peakrss %llu errors %llu endrss %llu\n",
	    (unsigned long long) result.ops, result.seconds,
	    (unsigned long long) result.peakRss,
	    (unsigned long long) result.errors,
	    (unsigned long long) VtpRss());
    return result.errors != 0;
}
