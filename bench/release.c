/*
 * release.c --
 *
 *	Benchmark of memory going back to the OS, one allocator per process
 *	so that each starts from a clean RSS:
 *
 *	  release ALLOCATOR peak   two threads fill PEAK_MIB of small blocks
 *				   and free them all, staying alive; prints
 *				   the RSS at the peak, right after the
 *				   frees, 1 s later, and after a trim.
 *	  release ALLOCATOR shift  fill SHIFT_MIB of 48-byte blocks, free
 *				   them, fill the same volume of 4 KiB blocks;
 *				   prints both RSS figures.
 *
 *	ALLOCATOR is vtalloc (the C API), zippy (Tcl_Alloc of the Tcl
 *	library linked in: Tcl's threaded allocator) or system (malloc,
 *	which LD_PRELOAD can turn into jemalloc, tcmalloc or mimalloc).
 *	Output: one line "key value ..." for bench/release.tcl.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include <tcl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vtalloc.h"

#define MIB (1ull << 20)

static void *(*allocProc)(size_t);
static void (*freeProc)(void *);
static void (*trimProc)(void);

static void *ZippyAlloc(size_t n) { return Tcl_Alloc((unsigned) n); }
static void ZippyFree(void *p) { Tcl_Free(p); }
static void NoTrim(void) { }
static void SystemTrim(void) { malloc_trim(0); }

/*
 * Resident bytes, from /proc/self/statm.
 */

static uint64_t
Rss(void)
{
    unsigned long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f != NULL) {
	if (fscanf(f, "%llu %llu", &size, &resident) != 2) {
	    resident = 0;
	}
	fclose(f);
    }
    return resident * (uint64_t) sysconf(_SC_PAGESIZE);
}

/*
 * Blocks chained through their first word: no bookkeeping of our own.
 */

static void *
Fill(
    uint64_t bytes,
    size_t minSize,
    size_t maxSize,
    uint64_t seed)
{
    void *chain = NULL;
    uint64_t total = 0;

    while (total < bytes) {
	size_t size;
	void **blockPtr;

	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	size = minSize + (size_t) ((seed >> 33) % (maxSize - minSize + 1));
	blockPtr = allocProc(size);
	*blockPtr = chain;
	chain = blockPtr;
	total += size;
    }
    return chain;
}

static void
FreeChain(
    void *chain)
{
    while (chain != NULL) {
	void *next = *(void **) chain;

	freeProc(chain);
	chain = next;
    }
}

static pthread_barrier_t barrier;
static uint64_t peakMib = 650;

static void *
PeakThread(
    void *data)
{
    void *chain = Fill(peakMib * MIB / 2, 16, 256, (uint64_t) (intptr_t) data);

    pthread_barrier_wait(&barrier);	/* Peak reached. */
    pthread_barrier_wait(&barrier);	/* Measured. */
    FreeChain(chain);
    pthread_barrier_wait(&barrier);	/* All freed. */
    pthread_barrier_wait(&barrier);	/* Done measuring: exit. */
    return NULL;
}

int
main(
    int argc,
    char **argv)
{
    uint64_t base, peak, after0, after1, trimmed;
    pthread_t threads[2];
    const char *which = argc > 1 ? argv[1] : "";
    int i;

    Tcl_FindExecutable(argv[0]);
    if (strcmp(which, "vtalloc") == 0) {
	allocProc = Vt_Malloc;
	freeProc = (void (*)(void *)) Vt_Free;
	trimProc = Vt_Trim;
    } else if (strcmp(which, "zippy") == 0) {
	allocProc = ZippyAlloc;
	freeProc = ZippyFree;
	trimProc = NoTrim;
    } else if (strcmp(which, "system") == 0) {
	allocProc = malloc;
	freeProc = free;
	trimProc = SystemTrim;
    } else {
	fprintf(stderr, "usage: %s vtalloc|zippy|system peak|shift ?MiB?\n",
		argv[0]);
	return 2;
    }
    if (argc > 3) {
	peakMib = strtoull(argv[3], NULL, 10);
    }
    base = Rss();

    if (argc > 2 && strcmp(argv[2], "shift") == 0) {
	void *chain = Fill(peakMib * MIB, 48, 48, 1);
	uint64_t first = Rss();

	FreeChain(chain);
	chain = Fill(peakMib * MIB, 4096, 4096, 1);
	printf("base %llu first %llu second %llu\n", (unsigned long long) base,
		(unsigned long long) first, (unsigned long long) Rss());
	FreeChain(chain);
	return 0;
    }

    pthread_barrier_init(&barrier, NULL, 3);
    for (i = 0; i < 2; i++) {
	pthread_create(&threads[i], NULL, PeakThread, (void *) (intptr_t) i);
    }
    pthread_barrier_wait(&barrier);
    peak = Rss();
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    after0 = Rss();
    sleep(1);
    after1 = Rss();
    trimProc();
    trimmed = Rss();
    pthread_barrier_wait(&barrier);
    for (i = 0; i < 2; i++) {
	pthread_join(threads[i], NULL);
    }
    printf("base %llu peak %llu after0 %llu after1 %llu trimmed %llu\n",
	    (unsigned long long) base, (unsigned long long) peak,
	    (unsigned long long) after0, (unsigned long long) after1,
	    (unsigned long long) trimmed);
    return 0;
}
