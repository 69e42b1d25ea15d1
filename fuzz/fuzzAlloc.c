/*
 * fuzzAlloc.c --
 *
 *	A fuzz target for the vtalloc core. The input is a program of
 *	operations on 64 slots: allocate (any size, or aligned), free,
 *	realloc, hand a block to a second thread that frees it, let that
 *	thread allocate blocks this one frees, end that thread (its pages
 *	become orphans) and start another, trim. A shadow model knows each
 *	live block's size and contents (a pattern from a per-block seed) and
 *	checks them on every free and realloc; after the program all blocks
 *	are freed and the statistics must show no live byte, and every
 *	segment must pass its invariant check.
 *
 *	Built with clang -fsanitize=fuzzer it is a libFuzzer target (make
 *	fuzz); built without (VT_FUZZ_REPLAY) its main runs the files named
 *	on the command line, so the corpus in fuzz/corpus/ replays with any
 *	compiler.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtApi.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS		64
#define CHECKED_BYTES	256	/* Bytes checked at each end of a block. */

typedef struct Slot {
    uint8_t *ptr;
    size_t size;
    uint8_t seed;
} Slot;

static Slot slots[SLOTS];

/*
 * The second thread: it runs one request at a time for the main thread
 * and waits for the next.
 */

enum Request { R_NONE, R_ALLOC, R_FREE, R_EXIT };

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    int running;
    enum Request request;
    size_t size;
    void *ptr;
} helper = { .lock = PTHREAD_MUTEX_INITIALIZER,
	     .cond = PTHREAD_COND_INITIALIZER };

static void
Fail(
    const char *what,
    const Slot *slotPtr)
{
    fprintf(stderr, "fuzzAlloc: %s (block %p, size %zu)\n", what,
	    slotPtr ? (void *) slotPtr->ptr : NULL,
	    slotPtr ? slotPtr->size : (size_t) 0);
    abort();
}

static void *
HelperMain(
    void *data)
{
    (void) data;
    pthread_mutex_lock(&helper.lock);
    for (;;) {
	while (helper.request == R_NONE) {
	    pthread_cond_wait(&helper.cond, &helper.lock);
	}
	if (helper.request == R_EXIT) {
	    break;
	}
	if (helper.request == R_ALLOC) {
	    helper.ptr = VtMalloc(helper.size);
	} else {
	    VtFree(helper.ptr);
	}
	helper.request = R_NONE;
	pthread_cond_broadcast(&helper.cond);
    }
    helper.request = R_NONE;
    pthread_cond_broadcast(&helper.cond);
    pthread_mutex_unlock(&helper.lock);
    return NULL;
}

static void *
HelperDo(
    enum Request request,
    size_t size,
    void *ptr)
{
    if (!helper.running) {
	if (pthread_create(&helper.thread, NULL, HelperMain, NULL) != 0) {
	    Fail("cannot start the second thread", NULL);
	}
	helper.running = 1;
    }
    pthread_mutex_lock(&helper.lock);
    helper.request = request;
    helper.size = size;
    helper.ptr = ptr;
    pthread_cond_broadcast(&helper.cond);
    while (helper.request != R_NONE) {
	pthread_cond_wait(&helper.cond, &helper.lock);
    }
    ptr = helper.ptr;
    pthread_mutex_unlock(&helper.lock);
    if (request == R_EXIT) {
	pthread_join(helper.thread, NULL);
	helper.running = 0;
    }
    return ptr;
}

/*
 * The shadow model: byte i of a block holds seed + i * 7 (mod 256); the
 * first and last CHECKED_BYTES are written and checked.
 */

static void
Fill(
    Slot *slotPtr,
    size_t from)
{
    size_t i, size = slotPtr->size;

    for (i = from; i < size; i++) {
	if (i == CHECKED_BYTES && size > 2 * CHECKED_BYTES) {
	    i = size - CHECKED_BYTES;
	    if (i < from) {
		i = from;
	    }
	}
	slotPtr->ptr[i] = (uint8_t) (slotPtr->seed + i * 7);
    }
}

static void
Check(
    const Slot *slotPtr,
    size_t size)
{
    size_t i;

    for (i = 0; i < size; i++) {
	if (i == CHECKED_BYTES && slotPtr->size > 2 * CHECKED_BYTES) {
	    if (size < slotPtr->size) {
		break;			/* Prefix of a shrunk block. */
	    }
	    i = size - CHECKED_BYTES;
	}
	if (slotPtr->ptr[i] != (uint8_t) (slotPtr->seed + i * 7)) {
	    Fail("contents changed", slotPtr);
	}
    }
}

/*
 * A size from two input bytes: mostly small, some large, a few huge.
 */

static size_t
SizeOf(
    uint8_t a,
    uint8_t b)
{
    size_t n = (size_t) a << 8 | b;

    switch (a >> 6) {
    case 0: case 1:
	return n & 255;				/* 0 .. 255 */
    case 2:
	return n & 0x7FFF;			/* .. 32 KiB */
    default:
	return (n & 0x3FFF) * ((a & 1) ? 64 : 8);	/* .. 1 MiB */
    }
}

static void
Place(
    Slot *slotPtr,
    uint8_t *ptr,
    size_t size,
    uint8_t seed)
{
    if (ptr == NULL) {
	Fail("allocation failed", slotPtr);
    }
    if ((uintptr_t) ptr % VT_ALIGN != 0) {
	Fail("block not 16-byte aligned", slotPtr);
    }
    slotPtr->ptr = ptr;
    slotPtr->size = size;
    slotPtr->seed = seed;
    Fill(slotPtr, 0);
}

static void
Release(
    Slot *slotPtr,
    int byHelper)
{
    if (slotPtr->ptr == NULL) {
	return;
    }
    Check(slotPtr, slotPtr->size);
    if (byHelper) {
	HelperDo(R_FREE, 0, slotPtr->ptr);
    } else {
	VtFree(slotPtr->ptr);
    }
    slotPtr->ptr = NULL;
}

static void
CheckInvariants(void)
{
    VtStats stats;
    VtSegment *segPtr;

    VtGetStats(&stats, NULL, NULL);
    if (stats.requested != 0 || stats.inuse != 0) {
	fprintf(stderr, "fuzzAlloc: %llu bytes requested, %llu in use after"
		" every block was freed\n",
		(unsigned long long) stats.requested,
		(unsigned long long) stats.inuse);
	abort();
    }
    VtSharedLock(NULL, 0);
    for (segPtr = vtShared.segmentsPtr; segPtr != NULL;
	    segPtr = segPtr->nextPtr) {
	if (!VtSegmentIsValid(segPtr)) {
	    fprintf(stderr, "fuzzAlloc: segment %p is not valid\n",
		    (void *) segPtr);
	    abort();
	}
    }
    VtSharedUnlock();
}

int
LLVMFuzzerTestOneInput(
    const uint8_t *data,
    size_t size)
{
    size_t pc;
    int i;

    for (pc = 0; pc + 4 <= size; pc += 4) {
	uint8_t op = data[pc], arg = data[pc + 1];
	Slot *slotPtr = &slots[arg % SLOTS];
	size_t n = SizeOf(data[pc + 2], data[pc + 3]);
	uint8_t *ptr;

	switch (op % 10) {
	case 0: case 1:			/* Allocate here. */
	    Release(slotPtr, 0);
	    Place(slotPtr, VtMalloc(n), n, data[pc + 3]);
	    break;
	case 2:				/* Free here. */
	    Release(slotPtr, 0);
	    break;
	case 3:				/* Realloc here. */
	    if (slotPtr->ptr == NULL) {
		break;
	    }
	    Check(slotPtr, slotPtr->size);
	    ptr = VtRealloc(slotPtr->ptr, n);
	    if (ptr == NULL) {
		Fail("realloc failed", slotPtr);
	    }
	    slotPtr->ptr = ptr;
	    Check(slotPtr, n < slotPtr->size ? n : slotPtr->size);
	    slotPtr->size = n;
	    Fill(slotPtr, 0);
	    break;
	case 4:				/* Allocate in the other thread. */
	    Release(slotPtr, 0);
	    Place(slotPtr, HelperDo(R_ALLOC, n, NULL), n, data[pc + 3]);
	    break;
	case 5:				/* Free in the other thread. */
	    Release(slotPtr, 1);
	    break;
	case 6:				/* The other thread ends. */
	    if (helper.running) {
		HelperDo(R_EXIT, 0, NULL);
	    }
	    break;
	case 7:				/* Aligned. */
	    Release(slotPtr, 0);
	    ptr = VtMallocAligned(n, (size_t) 1 << (arg % 18));
	    if (ptr != NULL && (uintptr_t) ptr % ((size_t) 1 << (arg % 18))) {
		Fail("block not aligned as asked", slotPtr);
	    }
	    Place(slotPtr, ptr, n, data[pc + 3]);
	    break;
	case 8:				/* Usable size. */
	    if (slotPtr->ptr != NULL
		    && Vt_UsableSize(slotPtr->ptr) < slotPtr->size) {
		Fail("usable size below the size asked for", slotPtr);
	    }
	    break;
	case 9:				/* Trim. */
	    if (arg & 1) {
		VtTrim();
	    } else {
		VtCacheTrim(VtCacheGet(1));
	    }
	    break;
	}
    }
    for (i = 0; i < SLOTS; i++) {
	Release(&slots[i], 0);
    }
    if (helper.running) {
	HelperDo(R_EXIT, 0, NULL);
    }
    CheckInvariants();
    return 0;
}

#ifdef VT_FUZZ_REPLAY
/*
 * Replay: run each file named on the command line once.
 */

int
main(
    int argc,
    char **argv)
{
    int i, runs = 0;

    for (i = 1; i < argc; i++) {
	FILE *f = fopen(argv[i], "rb");
	static uint8_t data[1 << 20];
	size_t size;

	if (f == NULL) {
	    perror(argv[i]);
	    return 1;
	}
	size = fread(data, 1, sizeof(data), f);
	fclose(f);
	LLVMFuzzerTestOneInput(data, size);
	runs++;
    }
    printf("fuzzAlloc: %d inputs replayed, no fault\n", runs);
    return 0;
}
#endif
