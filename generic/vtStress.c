/*
 * vtStress.c --
 *
 *	Native multi-threaded workloads that check every block they free:
 *
 *	  cells    64,000 cells shared by all threads, random sizes, random
 *		   replace (the classic Tcl thread-allocator test): about half
 *		   of the frees are by a thread other than the allocator;
 *	  tclmix   Tcl-like sizes (mostly 16..128 bytes, some to 16 KiB) in
 *		   each thread's own slots, random replace, some reallocs;
 *	  xthread  producer/consumer pairs: every block is freed by the
 *		   other thread of its pair;
 *	  churn	   short-lived threads, each doing a burst of tclmix.
 *
 *	A block is stamped with a tag at both ends and at every 4 KiB
 *	between (so that all of its memory pages are touched, as by a real
 *	user of the block, and RSS is comparable between allocators) when
 *	allocated, and checked when freed, so a block handed out twice or
 *	overwritten is counted as an error. The allocator is a parameter, so
 *	that benchmarks run the same workloads on other allocators.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtStress.h"

const char *const vtStressPatterns[] = {
    "cells", "tclmix", "xthread", "churn", NULL
};

#define CELLS		64000
#define SLOTS		4096
#define RING		1024
#define CHURN_BURST	2000

typedef struct Stress Stress;

/*
 * One worker thread.
 */

typedef struct Worker {
    Stress *stressPtr;
    int index;
    uint64_t ops;			/* Allocations to do. */
    _Atomic uint64_t done;		/* ... done so far. */
    _Atomic int finished;		/* The thread's work is over. */
    uint64_t finishedAt;		/* ... at this VtpNow(). */
    uint64_t errors;
    uint64_t seed;
    uintptr_t thread;
} Worker;

/*
 * A single-producer single-consumer ring for xthread.
 */

typedef struct Ring {
    _Atomic(void *) slots[RING];
    _Atomic uint64_t head;		/* Next to take (consumer). */
    _Atomic uint64_t tail;		/* Next to fill (producer). */
    _Atomic int closed;			/* The producer has finished. */
} Ring;

struct Stress {
    const VtStressConfig *configPtr;
    size_t minSize, maxSize;
    _Atomic(void *) *cells;		/* cells pattern. */
    Ring *rings;			/* xthread: one per pair. */
    Worker *workers;
};

/*
 *----------------------------------------------------------------------
 *
 * Stamp, Check --
 *
 *	Stamping a block with a tag at its start, its end and every
 *	STAMP_STRIDE bytes between, and checking the stamp.
 *
 * Results:
 *	Check: 1 if the stamp is intact.
 *
 * Side effects:
 *	Stamp writes into the block.
 *
 *----------------------------------------------------------------------
 */

#define STAMP_STRIDE	4096

static inline void
Stamp(
    void *ptr,
    size_t size,
    uint64_t tag)
{
    uint8_t *p = ptr;
    size_t i;

    if (size >= 16) {
	memcpy(p, &tag, 8);
	memcpy(p + 8, &size, 8);
	for (i = STAMP_STRIDE; i < size - 1; i += STAMP_STRIDE) {
	    p[i] = (uint8_t) (tag >> 8);
	}
	if (size > 16) {
	    p[size - 1] = (uint8_t) tag;
	}
    } else if (size > 0) {
	memcpy(p, &tag, size);
    }
}

static inline int
Check(
    const void *ptr,
    size_t size,
    uint64_t tag)
{
    const uint8_t *p = ptr;
    uint64_t word;
    size_t stored, i;

    if (size >= 16) {
	memcpy(&word, p, 8);
	memcpy(&stored, p + 8, 8);
	if (word != tag || stored != size) {
	    return 0;
	}
	for (i = STAMP_STRIDE; i < size - 1; i += STAMP_STRIDE) {
	    if (p[i] != (uint8_t) (tag >> 8)) {
		return 0;
	    }
	}
	return size == 16 || p[size - 1] == (uint8_t) tag;
    }
    return size == 0 || memcmp(p, &tag, size) == 0;
}

/*
 *----------------------------------------------------------------------
 *
 * PickSize --
 *
 *	A request size for the pattern: uniform in the configured range, or
 *	Tcl-like for tclmix and churn (80% 16..128 bytes, 15% to 1 KiB, 5%
 *	to 16 KiB) clamped to the range.
 *
 * Results:
 *	A size.
 *
 * Side effects:
 *	Advances the seed.
 *
 *----------------------------------------------------------------------
 */

static size_t
PickSize(
    Stress *stressPtr,
    uint64_t *seedPtr)
{
    uint64_t r = VtRandomNext(seedPtr);
    VtStressPattern pattern = stressPtr->configPtr->pattern;
    size_t size, span = stressPtr->maxSize - stressPtr->minSize + 1;

    if (pattern == VT_STRESS_TCLMIX || pattern == VT_STRESS_CHURN) {
	unsigned percent = (unsigned) (r % 100);

	r >>= 8;
	size = percent < 80 ? 16 + r % 113
		: percent < 95 ? 129 + r % 896 : 1025 + r % 15360;
	if (size < stressPtr->minSize) {
	    size = stressPtr->minSize;
	} else if (size > stressPtr->maxSize) {
	    size = stressPtr->maxSize;
	}
	return size;
    }
    return stressPtr->minSize + (size_t) ((r >> 8) % span);
}

/*
 * A block in a slot or cell: the block and what it was stamped with.
 * Blocks in cells carry their size and tag inside (stamp), so a cell
 * holds just the pointer; slots keep both.
 */

typedef struct Slot {
    void *ptr;
    size_t size;
    uint64_t tag;
} Slot;

static inline void *
NewBlock(
    Worker *workerPtr,
    size_t size,
    uint64_t tag)
{
    void *ptr = workerPtr->stressPtr->configPtr->allocProc(size);

    if (ptr == NULL) {
	workerPtr->errors++;
	return NULL;
    }
    Stamp(ptr, size, tag);
    return ptr;
}

static inline void
DropBlock(
    Worker *workerPtr,
    void *ptr,
    size_t size,
    uint64_t tag)
{
    if (!Check(ptr, size, tag)) {
	workerPtr->errors++;
    }
    workerPtr->stressPtr->configPtr->freeProc(ptr);
}

/*
 * Cells hold blocks of at least 16 bytes, so that the stamp carries the
 * size and the tag (its first word) for whoever frees it.
 */

static void
DropCell(
    Worker *workerPtr,
    void *ptr)
{
    uint64_t tag;
    size_t size;

    memcpy(&tag, ptr, 8);
    memcpy(&size, (uint8_t *) ptr + 8, 8);
    DropBlock(workerPtr, ptr, size, tag);
}

/*
 *----------------------------------------------------------------------
 *
 * RunCells, RunMix, RunProducer, RunConsumer --
 *
 *	The patterns' thread bodies.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Allocate and free; count ops and errors.
 *
 *----------------------------------------------------------------------
 */

static void
RunCells(
    Worker *workerPtr)
{
    Stress *stressPtr = workerPtr->stressPtr;
    uint64_t i;

    for (i = 0; i < workerPtr->ops; i++) {
	uint64_t r = VtRandomNext(&workerPtr->seed);
	_Atomic(void *) *cellPtr = &stressPtr->cells[r % CELLS];
	size_t size = PickSize(stressPtr, &workerPtr->seed);
	void *old, *ptr;

	if (size < 16) {
	    size = 16;
	}
	old = atomic_exchange_explicit(cellPtr, NULL, memory_order_acq_rel);
	if (old != NULL) {
	    DropCell(workerPtr, old);
	}
	ptr = NewBlock(workerPtr, size, r | 1);
	if (ptr != NULL) {
	    old = atomic_exchange_explicit(cellPtr, ptr, memory_order_acq_rel);
	    if (old != NULL) {
		DropCell(workerPtr, old);
	    }
	}
	VtStore(&workerPtr->done, i + 1);
    }
}

static void
RunMix(
    Worker *workerPtr,
    int slots)
{
    Stress *stressPtr = workerPtr->stressPtr;
    Slot *table = stressPtr->configPtr->allocProc(slots * sizeof(Slot));
    uint64_t i;
    int s;

    if (table == NULL) {
	workerPtr->errors++;
	return;
    }
    memset(table, 0, slots * sizeof(Slot));
    for (i = 0; i < workerPtr->ops; i++) {
	uint64_t r = VtRandomNext(&workerPtr->seed);
	Slot *slotPtr = &table[r % (uint64_t) slots];

	if (slotPtr->ptr != NULL) {
	    if ((r >> 32) % 16 == 0) {
		/*
		 * Grow it, as Tcl does with strings and lists.
		 */

		size_t size = slotPtr->size + slotPtr->size / 2 + 16;
		void *ptr;

		if (!Check(slotPtr->ptr, slotPtr->size, slotPtr->tag)) {
		    workerPtr->errors++;
		}
		ptr = stressPtr->configPtr->reallocProc(slotPtr->ptr, size);
		if (ptr == NULL) {
		    workerPtr->errors++;
		} else {
		    Stamp(ptr, size, slotPtr->tag);
		    slotPtr->ptr = ptr;
		    slotPtr->size = size;
		}
		VtStore(&workerPtr->done, i + 1);
		continue;
	    }
	    DropBlock(workerPtr, slotPtr->ptr, slotPtr->size, slotPtr->tag);
	}
	slotPtr->size = PickSize(stressPtr, &workerPtr->seed);
	slotPtr->tag = r;
	slotPtr->ptr = NewBlock(workerPtr, slotPtr->size, r);
	VtStore(&workerPtr->done, i + 1);
    }
    for (s = 0; s < slots; s++) {
	if (table[s].ptr != NULL) {
	    DropBlock(workerPtr, table[s].ptr, table[s].size, table[s].tag);
	}
    }
    stressPtr->configPtr->freeProc(table);
}

static void
RunProducer(
    Worker *workerPtr,
    Ring *ringPtr)
{
    Stress *stressPtr = workerPtr->stressPtr;
    uint64_t i;

    for (i = 0; i < workerPtr->ops; i++) {
	uint64_t r = VtRandomNext(&workerPtr->seed);
	size_t size = PickSize(stressPtr, &workerPtr->seed);
	uint64_t tail = VtLoad(&ringPtr->tail);
	void *ptr;

	while (tail - atomic_load_explicit(&ringPtr->head,
		memory_order_acquire) >= RING) {
	    VtpSleep(0);
	}
	ptr = NewBlock(workerPtr, size < 16 ? 16 : size, r | 1);
	if (ptr != NULL) {
	    VtStore(&ringPtr->slots[tail % RING], ptr);
	    atomic_store_explicit(&ringPtr->tail, tail + 1,
		    memory_order_release);
	}
	VtStore(&workerPtr->done, i + 1);
    }
    atomic_store_explicit(&ringPtr->closed, 1, memory_order_release);
}

static void
RunConsumer(
    Worker *workerPtr,
    Ring *ringPtr)
{
    for (;;) {
	uint64_t head = VtLoad(&ringPtr->head);
	int closed = atomic_load_explicit(&ringPtr->closed,
		memory_order_acquire);

	if (head == atomic_load_explicit(&ringPtr->tail,
		memory_order_acquire)) {
	    if (closed) {
		return;
	    }
	    VtpSleep(0);
	    continue;
	}
	DropCell(workerPtr, VtLoad(&ringPtr->slots[head % RING]));
	atomic_store_explicit(&ringPtr->head, head + 1, memory_order_release);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * WorkerMain --
 *
 *	A worker thread: the pattern's body.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	See the patterns.
 *
 *----------------------------------------------------------------------
 */

static void
WorkerMain(
    void *data)
{
    Worker *workerPtr = data;
    Stress *stressPtr = workerPtr->stressPtr;
    int threads = stressPtr->configPtr->threads;

    switch (stressPtr->configPtr->pattern) {
    case VT_STRESS_CELLS:
	RunCells(workerPtr);
	break;
    case VT_STRESS_TCLMIX:
	RunMix(workerPtr, SLOTS);
	break;
    case VT_STRESS_CHURN:
	RunMix(workerPtr, 64);
	break;
    case VT_STRESS_XTHREAD:
	if (workerPtr->index % 2 == 0 && workerPtr->index + 1 < threads) {
	    RunProducer(workerPtr, &stressPtr->rings[workerPtr->index / 2]);
	} else if (workerPtr->index % 2 == 1) {
	    RunConsumer(workerPtr, &stressPtr->rings[workerPtr->index / 2]);
	} else {
	    RunMix(workerPtr, SLOTS);	/* An odd thread out. */
	}
	break;
    }
    workerPtr->finishedAt = VtpNow();
    atomic_store_explicit(&workerPtr->finished, 1, memory_order_release);
}

/*
 * The stress tables come from the OS, not from the allocator under test:
 * reserved and committed (on Windows a reservation alone is not memory).
 */

static void *
Table(
    size_t size)
{
    void *ptr = VtpReserve(size, 0);

    if (ptr != NULL && !VtpCommit(ptr, size)) {
	VtpRelease(ptr, size);
	ptr = NULL;
    }
    return ptr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtStress --
 *
 *	Run a workload to completion.
 *
 * Results:
 *	1 with *resultPtr filled; 0 if the threads or their tables could not
 *	be had.
 *
 * Side effects:
 *	Threads; calls the progress procedure about once a second from the
 *	calling thread.
 *
 *----------------------------------------------------------------------
 */

int
VtStress(
    const VtStressConfig *configPtr,
    VtStressResult *resultPtr)
{
    VtStressConfig config = *configPtr;
    Stress stress;
    uint64_t start, lastReport, perThread, end;
    int i, running, started = 0, round = 0, ok = 1;
    int threads = config.threads > 0 ? config.threads : 1;
    int churn = config.pattern == VT_STRESS_CHURN;

    if (config.allocProc == NULL) {
	VtPurgerSafePoint();		/* It creates threads: a safe point
					 * (called from the front ends'
					 * commands, never from malloc). A
					 * caller that gives its allocator
					 * passes its own. */
	config.allocProc = VtMalloc;
	config.freeProc = VtFree;
	config.reallocProc = VtRealloc;
    }
    config.threads = threads;
    memset(&stress, 0, sizeof(stress));
    memset(resultPtr, 0, sizeof(VtStressResult));
    stress.configPtr = &config;
    stress.minSize = config.minSize;
    stress.maxSize = config.maxSize;
    if (stress.maxSize == 0) {
	stress.minSize = config.pattern == VT_STRESS_CELLS ? 1 : 16;
	stress.maxSize = config.pattern == VT_STRESS_CELLS ? 8192
		: config.pattern == VT_STRESS_XTHREAD ? 1024 : 16384;
    }
    if (stress.minSize > stress.maxSize) {
	stress.minSize = stress.maxSize;
    }

    stress.workers = Table(threads * sizeof(Worker));
    stress.cells = Table(CELLS * sizeof(void *));
    stress.rings = Table((threads / 2 + 1) * sizeof(Ring));
    if (stress.workers == NULL || stress.cells == NULL
	    || stress.rings == NULL) {
	ok = 0;
	goto done;
    }
    memset(stress.cells, 0, CELLS * sizeof(void *));
    memset(stress.rings, 0, (threads / 2 + 1) * sizeof(Ring));

    /*
     * churn runs rounds of short-lived threads, each doing a burst; the
     * others run every thread once, the allocating ones (in xthread the
     * producers and an odd thread out, not the consumers) with their
     * share of the ops.
     */

    perThread = churn ? CHURN_BURST : config.ops / (uint64_t)
	    (config.pattern == VT_STRESS_XTHREAD ? (threads + 1) / 2 : threads)
	    + 1;
    start = lastReport = end = VtpNow();
    resultPtr->peakRss = VtpRss();
    while (ok && (round == 0 || (churn && resultPtr->ops < config.ops))) {
	for (i = 0; i < threads; i++) {
	    Worker *workerPtr = &stress.workers[i];

	    memset(workerPtr, 0, sizeof(Worker));
	    workerPtr->stressPtr = &stress;
	    workerPtr->index = i;
	    workerPtr->ops = perThread;
	    workerPtr->seed = 0x9E3779B97F4A7C15ull * (uint64_t) (round
		    * threads + i + 1);
	    if (!VtpThreadCreate(WorkerMain, workerPtr,
		    &workerPtr->thread)) {
		ok = 0;
		break;
	    }
	    started = i + 1;
	}
	/*
	 * Watch the threads: RSS and progress every 50 ms; churn's short
	 * rounds are sampled once and joined at once, so that the workload
	 * measures the threads, not this loop.
	 */

	for (running = 1; running; ) {
	    uint64_t now, sofar = 0;

	    if (!churn) {
		VtpSleep(50);
	    }
	    running = 0;
	    for (i = 0; i < started; i++) {
		sofar += VtLoad(&stress.workers[i].done);
		running |= !atomic_load_explicit(&stress.workers[i].finished,
			memory_order_acquire);
	    }
	    now = VtpNow();
	    if (VtpRss() > resultPtr->peakRss) {
		resultPtr->peakRss = VtpRss();
	    }
	    if (config.progressProc != NULL && now - lastReport >= 1000000000u) {
		VtStressResult sofarResult = *resultPtr;

		sofarResult.ops += sofar;
		sofarResult.seconds = (double) (now - start) / 1e9;
		config.progressProc(config.progressData, &sofarResult);
		lastReport = now;
	    }
	    if (churn) {
		break;
	    }
	}
	for (i = 0; i < started; i++) {
	    VtpThreadJoin(stress.workers[i].thread);
	    resultPtr->ops += VtLoad(&stress.workers[i].done);
	    resultPtr->errors += stress.workers[i].errors;
	    if (stress.workers[i].finishedAt > end) {
		end = stress.workers[i].finishedAt;
	    }
	}
	started = 0;
	round++;
    }
    resultPtr->seconds = (double) (end - start) / 1e9;

    /*
     * Blocks left in cells are checked and freed by this thread.
     */

    if (stress.cells != NULL) {
	Worker self;

	memset(&self, 0, sizeof(self));
	self.stressPtr = &stress;
	for (i = 0; i < CELLS; i++) {
	    void *ptr = VtLoad(&stress.cells[i]);

	    if (ptr != NULL) {
		DropCell(&self, ptr);
	    }
	}
	resultPtr->errors += self.errors;
    }

  done:
    if (stress.workers != NULL) {
	VtpRelease(stress.workers, threads * sizeof(Worker));
    }
    if (stress.cells != NULL) {
	VtpRelease(stress.cells, CELLS * sizeof(void *));
    }
    if (stress.rings != NULL) {
	VtpRelease(stress.rings, (threads / 2 + 1) * sizeof(Ring));
    }
    return ok;
}

/*
 *----------------------------------------------------------------------
 *
 * VtChainFill, VtChainFree --
 *
 *	Fill memory for a benchmark or a test without bookkeeping of its own
 *	(no array that would count in the RSS): VtChainFill allocates blocks
 *	of random sizes from minSize to maxSize until they add up to `bytes`,
 *	chained through their first word; VtChainFree frees the blocks of a
 *	chain but every keep-th (keep 0: all of them).
 *
 * Results:
 *	VtChainFill: the chain. VtChainFree: the chain of the blocks kept.
 *
 * Side effects:
 *	Allocates with allocProc, frees with freeProc.
 *
 *----------------------------------------------------------------------
 */

void *
VtChainFill(
    uint64_t bytes,
    size_t minSize,
    size_t maxSize,
    uint64_t seed,
    void *(*allocProc)(size_t))
{
    void *chain = NULL;
    uint64_t total = 0;

    while (total < bytes) {
	size_t size = minSize + (size_t) (VtRandomNext(&seed)
		% (maxSize - minSize + 1));
	void **blockPtr = allocProc(size);

	*blockPtr = chain;
	chain = blockPtr;
	total += size;
    }
    return chain;
}

void *
VtChainFree(
    void *chain,
    int keep,
    void (*freeProc)(void *))
{
    void *kept = NULL;
    int n = 0;

    while (chain != NULL) {
	void *next = *(void **) chain;

	if (keep > 0 && n++ % keep == 0) {
	    *(void **) chain = kept;
	    kept = chain;
	} else {
	    freeProc(chain);
	}
	chain = next;
    }
    return kept;
}
