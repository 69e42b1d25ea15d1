/*
 * testRelease.c --
 *
 *	Unit tests of memory going back to the OS: after threads exit, after
 *	the decay time with the threads still alive (the purger), at once on
 *	trim, from orphans freed by other threads, from pages of an idle
 *	thread freed by others, under thread churn, and the size shift
 *	(small blocks freed, then large blocks of the same volume) that
 *	makes Zippy grow. Committed bytes are checked in every
 *	build; the process RSS also in the plain build (sanitizers add
 *	memory of their own).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtTest.h"
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#   define SANITIZED 1
#   define SCALE 8			/* Sanitized runs use 1/8 of the volume. */
#else
#   define SANITIZED 0
#   define SCALE 1
#endif

#define MIB ((uint64_t) 1 << 20)
#define THREADS 4

static VtStats base;

/*
 * Blocks chained through their first word (VtChainFill), so that the test
 * keeps no array of its own that would count in the RSS.
 */

static void *
Malloc(
    size_t size)
{
    return VtMalloc(size);
}

static void
Free(
    void *ptr)
{
    VtFree(ptr);
}

#define Fill(bytes, minSize, maxSize, seed) \
    VtChainFill((bytes), (minSize), (maxSize), (seed), Malloc)
#define FreeChain(chain, keep)	VtChainFree((chain), (keep), Free)

/*
 * Settle: trim, so each test starts from the same floor.
 */

static void
Baseline(void)
{
    VtTrim();
    VtGetStats(&base, NULL, NULL);
}

static int
CommittedNear(
    uint64_t slack)
{
    VtStats stats;

    VtGetStats(&stats, NULL, NULL);
    if (stats.committed > base.committed + slack) {
	printf("    committed %llu MiB, baseline %llu MiB\n",
		(unsigned long long) (stats.committed / MIB),
		(unsigned long long) (base.committed / MIB));
	return 0;
    }
    return 1;
}

static int
RssNear(
    uint64_t slack)
{
    uint64_t rss = VtpRss();

    if (!SANITIZED && rss > base.rss + slack) {
	printf("    rss %llu MiB, baseline %llu MiB\n",
		(unsigned long long) (rss / MIB),
		(unsigned long long) (base.rss / MIB));
	return 0;
    }
    return 1;
}

/*
 *----------------------------------------------------------------------
 *
 * TestThreadExit --
 *
 *	Four threads allocate 240 MiB of small blocks; each frees three
 *	quarters of its own and one quarter of its neighbour's (remote
 *	frees); the threads exit. Memory beyond the reserve is back at once.
 *
 *----------------------------------------------------------------------
 */

static void *chains[THREADS];
static pthread_barrier_t barrier;

static void *
ExitWorker(
    void *data)
{
    int self = (int) (intptr_t) data;

    chains[self] = Fill(60 * MIB / SCALE, 16, 512, (uint64_t) self + 1);
    chains[self] = FreeChain(chains[self], 4);
    pthread_barrier_wait(&barrier);
    FreeChain(chains[(self + 1) % THREADS], 0);
    pthread_barrier_wait(&barrier);
    return NULL;
}

static void
TestThreadExit(void)
{
    pthread_t threads[THREADS];
    VtStats peak;
    int i;

    Baseline();
    pthread_barrier_init(&barrier, NULL, THREADS);
    for (i = 0; i < THREADS; i++) {
	TestThreadStart(&threads[i], ExitWorker, (void *) (intptr_t) i);
    }
    for (i = 0; i < THREADS; i++) {
	TestThreadJoin(threads[i]);
    }
    pthread_barrier_destroy(&barrier);
    VtGetStats(&peak, NULL, NULL);
    printf("    released %llu MiB\n",
	    (unsigned long long) ((peak.released - base.released) / MIB));
    CHECK(peak.released - base.released + (uint64_t) VtOptionOf(RESERVE)
	    >= 200 * MIB / SCALE);
    CHECK(peak.threads == base.threads);
    CHECK(peak.pagesOrphaned == 0);

    /*
     * The reserve counts touched bytes; committed counts whole slices,
     * of which the parked pages and free runs may hold parts.
     */

    CHECK(CommittedNear((uint64_t) VtOptionOf(RESERVE) + 4 * MIB));
    CHECK(RssNear((uint64_t) VtOptionOf(RESERVE) + 8 * MIB));
}

/*
 *----------------------------------------------------------------------
 *
 * TestDecay --
 *
 *	A thread that stays alive allocates and frees 200 MiB; without any
 *	further call into vtalloc, the purger releases it within a few
 *	decay times, and the reserve too once no page has been taken for
 *	two decays.
 *
 *----------------------------------------------------------------------
 */

static void *
DecayWorker(
    void *data)
{
    (void) data;
    FreeChain(Fill(200 * MIB / SCALE, 16, 1024, 7), 0);
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    return NULL;
}

static void
TestDecay(void)
{
    pthread_t thread;
    VtStats stats;
    int waited;

    VtOptionSet(VT_OPTION_DECAY, 100);
    Baseline();
    pthread_barrier_init(&barrier, NULL, 2);
    TestThreadStart(&thread, DecayWorker, NULL);
    pthread_barrier_wait(&barrier);
    for (waited = 0; waited < 5000 && !CommittedNear(
	    (uint64_t) VtOptionOf(RESERVE) + 4 * MIB); waited += 100) {
	VtpSleep(100);
    }
    printf("    released after %d ms (decay 100 ms)\n", waited);
    CHECK(waited < 5000);
    CHECK(CommittedNear((uint64_t) VtOptionOf(RESERVE) + 4 * MIB));
    CHECK(RssNear((uint64_t) VtOptionOf(RESERVE) + 8 * MIB));
    for (; waited < 5000; waited += 100) {
	VtGetStats(&stats, NULL, NULL);
	if (stats.dirty == 0) {
	    break;
	}
	VtpSleep(100);
    }
    printf("    reserve released after %d ms\n", waited);
    CHECK(stats.dirty == 0);
    CHECK(CommittedNear(4 * MIB));
    pthread_barrier_wait(&barrier);
    TestThreadJoin(thread);
    pthread_barrier_destroy(&barrier);
    VtOptionSet(VT_OPTION_DECAY, vtOptionInfo[VT_OPTION_DECAY].def);
}

/*
 *----------------------------------------------------------------------
 *
 * TestTrim --
 *
 *	With a decay of an hour nothing goes back by itself; a trim gives
 *	back everything at once, the reserve included.
 *
 *----------------------------------------------------------------------
 */

static void
TestTrim(void)
{
    VtStats stats;

    VtOptionSet(VT_OPTION_DECAY, 3600000);
    Baseline();
    FreeChain(Fill(200 * MIB / SCALE, 16, 1024, 9), 0);
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.committed > base.committed + 150 * MIB / SCALE);
    VtTrim();
    CHECK(CommittedNear(2 * MIB));
    CHECK(RssNear(4 * MIB));
    VtOptionSet(VT_OPTION_DECAY, vtOptionInfo[VT_OPTION_DECAY].def);
}

/*
 *----------------------------------------------------------------------
 *
 * TestOrphans --
 *
 *	A thread allocates and exits leaving its blocks to this thread,
 *	which frees them all; the purger sweeps the emptied orphans and
 *	releases them with no further allocation.
 *
 *----------------------------------------------------------------------
 */

static void *orphanChain;

static void *
OrphanWorker(
    void *data)
{
    (void) data;
    orphanChain = Fill(40 * MIB / SCALE, 16, 256, 11);
    return NULL;
}

static void
TestOrphans(void)
{
    pthread_t thread;
    VtStats stats;
    int waited;

    VtOptionSet(VT_OPTION_DECAY, 100);
    Baseline();
    TestThreadStart(&thread, OrphanWorker, NULL);
    TestThreadJoin(thread);
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.pagesOrphaned > 0);
    FreeChain(orphanChain, 0);
    for (waited = 0; waited < 5000; waited += 100) {
	VtpSleep(100);
	VtGetStats(&stats, NULL, NULL);
	if (stats.pagesOrphaned == 0 && CommittedNear(
		(uint64_t) VtOptionOf(RESERVE) + 2 * MIB)) {
	    break;
	}
    }
    printf("    orphans released after %d ms\n", waited);
    CHECK(stats.pagesOrphaned == 0);
    CHECK(CommittedNear((uint64_t) VtOptionOf(RESERVE) + 2 * MIB));
    VtOptionSet(VT_OPTION_DECAY, vtOptionInfo[VT_OPTION_DECAY].def);
}

/*
 *----------------------------------------------------------------------
 *
 * TestChurn --
 *
 *	Two thousand short-lived threads, each allocating 1 MiB and freeing
 *	it: committed memory stays within the reserve.
 *
 *----------------------------------------------------------------------
 */

static void *
ChurnWorker(
    void *data)
{
    FreeChain(Fill(MIB, 16, 2048, (uint64_t) (intptr_t) data), 0);
    return NULL;
}

static void
TestChurn(void)
{
    pthread_t threads[2];
    uint64_t most = 0;
    VtStats stats;
    int round, i;

    Baseline();
    for (round = 0; round < 1000 / SCALE; round++) {
	for (i = 0; i < 2; i++) {
	    TestThreadStart(&threads[i], ChurnWorker,
		    (void *) (intptr_t) (round * 2 + i));
	}
	for (i = 0; i < 2; i++) {
	    TestThreadJoin(threads[i]);
	}
	VtGetStats(&stats, NULL, NULL);
	if (stats.committed > most) {
	    most = stats.committed;
	}
    }
    printf("    %d threads; most committed %llu MiB\n", 2000 / SCALE,
	    (unsigned long long) (most / MIB));
    CHECK(most <= base.committed + (uint64_t) VtOptionOf(RESERVE) + 8 * MIB);
    CHECK(CommittedNear((uint64_t) VtOptionOf(RESERVE) + 2 * MIB));
    CHECK(stats.threads == base.threads);
}

/*
 *----------------------------------------------------------------------
 *
 * TestTouched --
 *
 *	A thread takes one block of every bucket and exits: its empty
 *	current pages stay parked with its cache, a thread that only frees
 *	leaves them alone, and the next thread that allocates gets them (the
 *	same blocks, no shared lock). Given back to their segment,
 *	the reserve counts the 4 KiB pages they touched (a block and a side
 *	array entry each), not their 64 KiB slices.
 *
 *----------------------------------------------------------------------
 */

static void *touchedBlocks[VT_NBUCKETS];
static uint64_t touchedLocks;

static void *
TouchedWorker(
    void *data)
{
    void *blocks[VT_NBUCKETS];
    unsigned bucket;

    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	blocks[bucket] = Vt_Malloc(VT_BUCKET_SIZE(bucket));
	memset(blocks[bucket], 1, VT_BUCKET_SIZE(bucket));
    }
    if (data != NULL) {
	touchedLocks = 0;
	for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	    touchedLocks += vtCachePtr->counts.locks[bucket];
	}
    }
    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	if (data == NULL) {
	    touchedBlocks[bucket] = blocks[bucket];
	} else if (touchedBlocks[bucket] != blocks[bucket]) {
	    touchedBlocks[bucket] = NULL;
	}
	Vt_Free(blocks[bucket]);
    }
    return NULL;
}

static void *
FreeOnlyWorker(
    void *data)
{
    Vt_Free(data);
    return NULL;
}

static void
TestTouched(void)
{
    pthread_t thread;
    VtStats stats;
    unsigned bucket, same = 0;

    VtOptionSet(VT_OPTION_DECAY, 3600000);
    Baseline();
    TestThreadStart(&thread, TouchedWorker, NULL);
    TestThreadJoin(thread);
    VtGetStats(&stats, NULL, NULL);
    printf("    parked %llu pages, dirty %llu KiB\n",
	    (unsigned long long) stats.pagesParked,
	    (unsigned long long) (stats.dirty / 1024));
    CHECK(stats.pagesParked == VT_NBUCKETS);
    CHECK(stats.pagesInuse == base.pagesInuse);
    TestThreadStart(&thread, FreeOnlyWorker, Vt_Malloc(100));
    TestThreadJoin(thread);
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.pagesParked == VT_NBUCKETS);
    TestThreadStart(&thread, TouchedWorker, (void *) 1);
    TestThreadJoin(thread);
    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	same += touchedBlocks[bucket] != NULL;
    }
    printf("    the next thread: %u of %u blocks the same, %llu locks\n",
	    same, VT_NBUCKETS, (unsigned long long) touchedLocks);
    CHECK(same == VT_NBUCKETS);
    CHECK(touchedLocks == 0);

    VtSharedLock(NULL, 0);
    VtUnpark();
    VtSharedUnlock();
    VtGetStats(&stats, NULL, NULL);
    printf("    unparked: dirty %llu KiB in %llu free committed slices\n",
	    (unsigned long long) (stats.dirty / 1024),
	    (unsigned long long) stats.pagesFree);
    CHECK(stats.pagesParked == 0);
    CHECK(stats.dirty > 0);
    CHECK(stats.dirty <= (uint64_t) VT_NBUCKETS * 4 * 4096);
    CHECK(stats.pagesFree * VT_SLICE_SIZE >= 8 * stats.dirty);
    VtOptionSet(VT_OPTION_DECAY, vtOptionInfo[VT_OPTION_DECAY].def);
    VtTrim();
}

/*
 *----------------------------------------------------------------------
 *
 * TestShift --
 *
 *	512 MiB of 48-byte blocks, freed, then 512 MiB of 4 KiB blocks: the
 *	second phase reuses the first one's pages (they coalesce into runs
 *	that serve the larger bucket), so it needs no more than 5% more.
 *
 *----------------------------------------------------------------------
 */

static void
TestShift(void)
{
    uint64_t rss1, rss2;
    VtStats first, second;
    void *chain;

    Baseline();
    chain = Fill(512 * MIB / SCALE, 48, 48, 1);
    VtGetStats(&first, NULL, NULL);
    rss1 = VtpRss();
    FreeChain(chain, 0);
    chain = Fill(512 * MIB / SCALE, 4096, 4096, 1);
    VtGetStats(&second, NULL, NULL);
    rss2 = VtpRss();
    FreeChain(chain, 0);
    printf("    committed %llu -> %llu MiB (x%.3f), rss %llu -> %llu MiB "
	    "(x%.3f)\n", (unsigned long long) (first.committed / MIB),
	    (unsigned long long) (second.committed / MIB),
	    (double) second.committed / (double) first.committed,
	    (unsigned long long) (rss1 / MIB), (unsigned long long) (rss2 / MIB),
	    (double) rss2 / (double) rss1);
    CHECK(second.committed <= first.committed * 105 / 100);
    CHECK(SANITIZED || rss2 <= rss1 * 105 / 100);
    VtTrim();
}

/*
 *----------------------------------------------------------------------
 *
 * TestIdleOwner --
 *
 *	A thread allocates 100 MiB and waits; this thread frees all of it
 *	(remote frees). With no call from the owner, the purger releases
 *	the emptied pages after the decay (or a trim at once); a block of
 *	such a page freed again is refused; then the owner allocates and
 *	frees as much again, in pages started afresh, every block checked.
 *
 *----------------------------------------------------------------------
 */

#define SAMPLES 64

static void *idleChain;
static _Atomic int idleErrors;

/*
 * Set: the owner thread stays busy (as in a call of the allocator) while
 * it waits, so that no idle trim can take its cache (as on an OS without
 * the barrier it needs, see VtIdleTrim): only the sweep gives its emptied
 * pages back.
 */

static int idleBusy;

static void *
IdleWorker(
    void *data)
{
    void **blocks;
    size_t i, count = 100 * MIB / SCALE / 136;

    (void) data;
    idleChain = Fill(100 * MIB / SCALE, 16, 256, 13);
    if (idleBusy) {
	(void) VtBusyEnter();
    }
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    VtBusyLeave();
    blocks = VtMalloc(count * sizeof(void *));
    for (i = 0; i < count; i++) {
	size_t size = 16 + i % 241;

	blocks[i] = VtMalloc(size);
	TestFill(blocks[i], size, i);
    }
    for (i = 0; i < count; i++) {
	if (!TestVerify(blocks[i], 16 + i % 241, i)) {
	    idleErrors++;
	}
	VtFree(blocks[i]);
    }
    VtFree(blocks);
    return NULL;
}

static void
IdleOwner(
    int trim,
    int busy)
{
    pthread_t thread;
    VtStats stats;
    int waited = 0, i;
    void *samples[SAMPLES], *sample;
    uint64_t seed = 17;

    VtOptionSet(VT_OPTION_DECAY, trim ? 3600000 : 100);
    Baseline();
    idleErrors = 0;
    idleBusy = busy;
    pthread_barrier_init(&barrier, NULL, 2);
    TestThreadStart(&thread, IdleWorker, NULL);
    pthread_barrier_wait(&barrier);
    for (sample = idleChain, i = 0; sample != NULL && i < SAMPLES;
	    sample = *(void **) sample) {
	if (VtRandomNext(&seed) % 1000 == 0) {
	    samples[i++] = sample;
	}
    }
    FreeChain(idleChain, 0);
    if (trim) {
	VtTrim();
	VtGetStats(&stats, NULL, NULL);
    } else {
	while (waited < 5000) {
	    VtpSleep(100);
	    waited += 100;
	    VtGetStats(&stats, NULL, NULL);
	    if (stats.released - base.released >= 80 * MIB / SCALE) {
		break;
	    }
	}
	VtpSleep(200);			/* Pages that changed last. */
	VtGetStats(&stats, NULL, NULL);
    }
    printf("    released %llu MiB after %d ms, %llu pages swept, %llu idle "
	    "caches trimmed\n",
	    (unsigned long long) ((stats.released - base.released) / MIB),
	    waited, (unsigned long long) (stats.swept - base.swept),
	    (unsigned long long) (stats.idleTrims - base.idleTrims));
    if (busy) {
	CHECK(stats.swept > base.swept);
    } else {
	CHECK(stats.idleTrims > base.idleTrims);
    }
    CHECK(stats.released - base.released >= 80 * MIB / SCALE);
    CHECK(RssNear((uint64_t) VtOptionOf(HOLD) + 8 * MIB));

    /*
     * A block of a released page freed again: refused, naming it. (The
     * page was swept, or, the owner's cache trimmed while it was idle,
     * given back to its segment, which may have gone back to the OS.)
     */

    for (sample = NULL; i-- > 0;) {
	VtPage *pagePtr;

	if (!VtSegmentKnown(samples[i])) {
	    sample = samples[i];
	    break;
	}
	pagePtr = VtPageOf(samples[i]);
	if (pagePtr->state == VT_PAGE_FREE || (pagePtr->state
		== VT_PAGE_SMALL && VtLoad(&pagePtr->capacity) == 0)) {
	    sample = samples[i];
	    break;
	}
    }
    CHECK(sample != NULL);
    if (sample != NULL) {
	char text[64];

	snprintf(text, sizeof(text), "%p", sample);
	EXPECT_PANIC(VtFree(sample), VtSegmentKnown(sample)
		? "in a free page (double free?)" : "already released");
	CHECK(strstr(panicMessage, text) != NULL);
    }
    pthread_barrier_wait(&barrier);
    TestThreadJoin(thread);
    pthread_barrier_destroy(&barrier);
    CHECK(idleErrors == 0);
    VtTrim();
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.inuse == base.inuse);
    VtOptionSet(VT_OPTION_DECAY, vtOptionInfo[VT_OPTION_DECAY].def);
}

static void
TestIdleOwner(void)
{
    IdleOwner(0, 0);
}

static void
TestIdleOwnerTrim(void)
{
    IdleOwner(1, 0);
}

static void
TestIdleOwnerBusy(void)
{
    IdleOwner(0, 1);
}

static void
TestIdleOwnerBusyTrim(void)
{
    IdleOwner(1, 1);
}

/*
 *----------------------------------------------------------------------
 *
 * TestIdleHolder --
 *
 *	A thread frees the blocks that another built, one block of each of
 *	32 pages first (it keeps those, see -hold: it allocates the bucket
 *	too), then both go idle (the builder busy, as with idleBusy). The
 *	kept blocks are given back for it after the decay (VtIdleTrim), and
 *	their pages swept after the next; before, each kept block kept its
 *	page until the thread exited.
 *
 *----------------------------------------------------------------------
 */

#define HOLDER_PAGES 32

static void **holderBlocks;
static size_t holderCount;
static _Atomic int holderKept;

static void *
HolderBuilder(
    void *data)
{
    size_t i;

    (void) data;
    for (i = 0; i < holderCount; i++) {
	holderBlocks[i] = VtMalloc(64);
    }
    (void) VtBusyEnter();		/* Its pages: the sweep's (idleBusy). */
    pthread_barrier_wait(&barrier);	/* Built. */
    pthread_barrier_wait(&barrier);	/* Freed by the holder. */
    pthread_barrier_wait(&barrier);	/* Measured. */
    VtBusyLeave();
    return NULL;
}

static void *
Holder(
    void *data)
{
    void *own = VtMalloc(64);
    VtPage *lastPtr = NULL;
    size_t i;
    int pages = 0;

    (void) data;
    pthread_barrier_wait(&barrier);
    for (i = 0; i < holderCount && pages < HOLDER_PAGES; i++) {
	if (VtPageOf(holderBlocks[i]) != lastPtr) {
	    lastPtr = VtPageOf(holderBlocks[i]);
	    VtFree(holderBlocks[i]);
	    holderBlocks[i] = NULL;
	    pages++;
	}
    }
    holderKept = vtCachePtr->heldCount[VtBucketOfSize(64)];
    for (i = 0; i < holderCount; i++) {
	if (holderBlocks[i] != NULL) {
	    VtFree(holderBlocks[i]);
	}
    }
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);	/* Idle while measured. */
    VtFree(own);
    return NULL;
}

static void
TestIdleHolder(void)
{
    pthread_t builder, holder;
    VtStats stats;
    int waited = 0;

    VtOptionSet(VT_OPTION_DECAY, 100);
    Baseline();
    holderCount = (size_t) (HOLDER_PAGES + 4)
	    * vtBuckets[VtBucketOfSize(64)].reserved;
    holderBlocks = malloc(holderCount * sizeof(void *));
    pthread_barrier_init(&barrier, NULL, 3);
    TestThreadStart(&builder, HolderBuilder, NULL);
    TestThreadStart(&holder, Holder, NULL);
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    VtGetStats(&stats, NULL, NULL);
    CHECK(holderKept == HOLDER_PAGES);
    CHECK(stats.held >= HOLDER_PAGES * 64);
    while (waited < 5000) {
	VtpSleep(50);
	waited += 50;
	VtGetStats(&stats, NULL, NULL);
	if (stats.heldGivenBack - base.heldGivenBack >= HOLDER_PAGES
		&& stats.swept - base.swept >= HOLDER_PAGES) {
	    break;
	}
    }
    printf("    after %d ms: %llu kept blocks given back, %llu pages swept, "
	    "%llu bytes still kept\n", waited,
	    (unsigned long long) (stats.heldGivenBack - base.heldGivenBack),
	    (unsigned long long) (stats.swept - base.swept),
	    (unsigned long long) stats.held);
    CHECK(stats.heldGivenBack - base.heldGivenBack >= HOLDER_PAGES);
    CHECK(stats.swept - base.swept >= HOLDER_PAGES);
    CHECK(stats.held == 0);
    pthread_barrier_wait(&barrier);
    TestThreadJoin(builder);
    TestThreadJoin(holder);
    pthread_barrier_destroy(&barrier);
    free(holderBlocks);
    VtTrim();
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.inuse == base.inuse);
    VtOptionSet(VT_OPTION_DECAY, vtOptionInfo[VT_OPTION_DECAY].def);
}

/*
 *----------------------------------------------------------------------
 *
 * TestHugePages --
 *
 *	With the hugepages option, new segments ask for transparent huge
 *	pages (Linux, when the system allows them): the kernel backs them
 *	with huge pages, or tried to. Pages of one bucket freed among pages
 *	of another still go back to the OS, and the segments they were in no
 *	longer ask for huge pages (so that the kernel does not fill them in
 *	again); a trim gives back the rest.
 *
 *----------------------------------------------------------------------
 */

static uint64_t
ProcNumber(
    const char *path,
    const char *key)
{
    char line[256];
    uint64_t value = 0;
    size_t length = strlen(key);
    FILE *f = fopen(path, "r");

    if (f == NULL) {
	return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
	if (strncmp(line, key, length) == 0) {
	    value = strtoull(line + length, NULL, 10);
	    break;
	}
    }
    fclose(f);
    return value;
}

static unsigned
SegmentsAsking(void)
{
    VtSegment *segPtr;
    unsigned count = 0;

    VtSharedLock(NULL, VT_NBUCKETS);
    for (segPtr = vtShared.segmentsPtr; segPtr != NULL;
	    segPtr = segPtr->nextPtr) {
	count += segPtr->hugePages;
    }
    VtSharedUnlock();
    return count;
}

static void
TestHugePages(void)
{
    char mode[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    int available;
    void *small = NULL, *large = NULL;
    uint64_t tries, hugeBytes, rssFull, rssHalf, i;
    unsigned asking, askingAfter;

    if (f != NULL) {
	if (fgets(mode, sizeof(mode), f) == NULL) {
	    mode[0] = '\0';
	}
	fclose(f);
    }
    available = !SANITIZED && strstr(mode, "[never]") == NULL
	    && mode[0] != '\0';
#ifdef _WIN32
    available = 0;			/* Under Wine the file is Linux's, but
					 * VtpHugePages asks for nothing. */
#endif
    VtOptionSet(VT_OPTION_DECAY, 3600000);
    VtOptionSet(VT_OPTION_HUGEPAGES, 1);
    Baseline();
    tries = ProcNumber("/proc/vmstat", "thp_fault_alloc ")
	    + ProcNumber("/proc/vmstat", "thp_fault_fallback ");

    /*
     * Blocks of two buckets in turn: their pages alternate in the
     * segments.
     */

    for (i = 0; i < 64 * MIB / SCALE / 3072; i++) {
	void **blockPtr = VtMalloc(1024);

	*blockPtr = small;
	small = blockPtr;
	blockPtr = VtMalloc(2048);
	*blockPtr = large;
	large = blockPtr;
    }
    asking = SegmentsAsking();
    hugeBytes = ProcNumber("/proc/self/smaps_rollup", "AnonHugePages:")
	    * 1024;
    tries = ProcNumber("/proc/vmstat", "thp_fault_alloc ")
	    + ProcNumber("/proc/vmstat", "thp_fault_fallback ") - tries;
    rssFull = VtpRss();
    printf("    %s: %u segments ask for huge pages, %llu MiB in huge "
	    "pages, %llu huge page faults\n", mode[0] ? "thp" : "no thp",
	    asking, (unsigned long long) (hugeBytes / MIB),
	    (unsigned long long) tries);
    CHECK(asking >= 10 / SCALE);
    if (available) {
	CHECK(hugeBytes > 0 || tries > 0);
    }
    FreeChain(large, 0);
    VtTrim();
    rssHalf = VtpRss();
    askingAfter = SegmentsAsking();
    printf("    rss %llu MiB with both, %llu MiB after freeing the larger "
	    "blocks; %u segments still ask\n",
	    (unsigned long long) (rssFull / MIB),
	    (unsigned long long) (rssHalf / MIB), askingAfter);
    CHECK(askingAfter < asking);
    if (!SANITIZED) {
	CHECK(rssHalf + 32 * MIB / SCALE < rssFull);
    }
    FreeChain(small, 0);
    VtTrim();
    CHECK(CommittedNear(2 * MIB));
    CHECK(RssNear(4 * MIB));
    VtOptionSet(VT_OPTION_HUGEPAGES, 0);
    VtOptionSet(VT_OPTION_DECAY, vtOptionInfo[VT_OPTION_DECAY].def);
}

/*
 *----------------------------------------------------------------------
 *
 * TestIdleShrink --
 *
 *	A thread fills pages of one bucket, frees all but the first blocks of
 *	each page and goes idle. A trim uncarves, for it, the blocks after
 *	each page's last live block and releases their memory; a free of one
 *	of them is then refused, naming it; the live blocks keep their
 *	contents, and when the thread allocates again its pages are carved
 *	anew.
 *
 *----------------------------------------------------------------------
 */

#define SHRINK_SIZE	64
#define SHRINK_PAGES	8
#define SHRINK_KEEP	10

static void **shrinkBlocks;
static size_t shrinkCount;
static _Atomic int shrinkErrors;

static void *
ShrinkWorker(
    void *data)
{
    size_t i;
    void **again;

    (void) data;
    for (i = 0; i < shrinkCount; i++) {
	shrinkBlocks[i] = VtMalloc(SHRINK_SIZE);
	TestFill(shrinkBlocks[i], SHRINK_SIZE, i);
    }
    for (i = 0; i < shrinkCount; i++) {
	if (VtBlockIndex(VtPageOf(shrinkBlocks[i]), shrinkBlocks[i])
		>= SHRINK_KEEP) {
	    VtFree(shrinkBlocks[i]);
	}
    }
    pthread_barrier_wait(&barrier);	/* Freed: idle, not busy. */
    pthread_barrier_wait(&barrier);	/* Trimmed and looked at. */
    for (i = 0; i < shrinkCount; i++) {
	if (VtBlockIndex(VtPageOf(shrinkBlocks[i]), shrinkBlocks[i])
		< SHRINK_KEEP) {
	    if (!TestVerify(shrinkBlocks[i], SHRINK_SIZE, i)) {
		shrinkErrors++;
	    }
	    VtFree(shrinkBlocks[i]);
	}
    }
    again = VtMalloc(shrinkCount * sizeof(void *));
    for (i = 0; i < shrinkCount; i++) {
	again[i] = VtMalloc(SHRINK_SIZE);
	TestFill(again[i], SHRINK_SIZE, i + 7);
    }
    for (i = 0; i < shrinkCount; i++) {
	if (!TestVerify(again[i], SHRINK_SIZE, i + 7)) {
	    shrinkErrors++;
	}
	VtFree(again[i]);
    }
    VtFree(again);
    return NULL;
}

static void
TestIdleShrink(void)
{
    unsigned bucket = VtBucketOfSize(SHRINK_SIZE);
    uint32_t reserved = vtBuckets[bucket].reserved;
    pthread_t thread;
    VtStats before, after;
    VtPage *pages[SHRINK_PAGES + 1];
    size_t i, count = 0, shrunk = 0;
    void *uncarved = NULL;

    VtOptionSet(VT_OPTION_DECAY, 3600000);	/* The trim's alone. */
    Baseline();
    shrinkErrors = 0;
    shrinkCount = (size_t) SHRINK_PAGES * reserved;
    shrinkBlocks = malloc(shrinkCount * sizeof(void *));
    pthread_barrier_init(&barrier, NULL, 2);
    TestThreadStart(&thread, ShrinkWorker, NULL);
    pthread_barrier_wait(&barrier);
    for (i = 0; i < shrinkCount; i++) {
	VtPage *pagePtr = VtPageOf(shrinkBlocks[i]);

	/*
	 * Pages the thread carved whole (a parked cache may have given it a
	 * page of the bucket begun before, the last one may not be full).
	 */

	if (VtBlockIndex(pagePtr, shrinkBlocks[i]) == 0
		&& i + reserved <= shrinkCount && count <= SHRINK_PAGES
		&& VtPageOf(shrinkBlocks[i + reserved - 1]) == pagePtr) {
	    pages[count++] = pagePtr;
	}
	if (uncarved == NULL && VtBlockIndex(pagePtr, shrinkBlocks[i])
		== SHRINK_KEEP + 100) {
	    uncarved = shrinkBlocks[i];
	}
    }
    CHECK(count >= SHRINK_PAGES - 1 && uncarved != NULL);
    VtGetStats(&before, NULL, NULL);
    VtTrim();
    VtGetStats(&after, NULL, NULL);
    for (i = 0; i < count; i++) {
	shrunk += VtLoad(&pages[i]->capacity) == SHRINK_KEEP;
    }
    printf("    %zu of %zu pages cut to their %d live blocks, %llu KiB "
	    "released, %llu idle caches trimmed\n", shrunk, count,
	    SHRINK_KEEP, (unsigned long long) ((after.released
	    - before.released) >> 10),
	    (unsigned long long) (after.idleTrims - before.idleTrims));
    CHECK(shrunk == count);
    CHECK(after.idleTrims > before.idleTrims);
    CHECK(after.released - before.released >= (uint64_t) count
	    * ((reserved - SHRINK_KEEP) * vtBuckets[bucket].blockSize
	    - 2 * 4096));
    if (uncarved != NULL) {
	char text[64];

	snprintf(text, sizeof(text), "%p", uncarved);
	EXPECT_PANIC(VtFree(uncarved), "not the start of a block");
	CHECK(strstr(panicMessage, text) != NULL);
    }
    pthread_barrier_wait(&barrier);
    TestThreadJoin(thread);
    pthread_barrier_destroy(&barrier);
    free(shrinkBlocks);
    CHECK(shrinkErrors == 0);
    VtTrim();
    VtGetStats(&after, NULL, NULL);
    CHECK(after.inuse == base.inuse);
    VtOptionSet(VT_OPTION_DECAY, vtOptionInfo[VT_OPTION_DECAY].def);
}

#ifndef _WIN32
/*
 * A fork that catches a thread holding its page lock and busy in a call of
 * the allocator: in the child that thread never runs again. The sweep and
 * the idle trim must not count on it (the child's purger would wake for
 * ever): after the child frees the ghost's blocks and trims, nothing is
 * left pending.
 */

#define GHOST_BLOCKS 2000

static void *ghostBlocks[GHOST_BLOCKS];
static void *ghostHeld[64];
static VtCache *ghostCache;

static void *
Ghost(
    void *data)
{
    void *own = VtMalloc(64);
    size_t i;

    (void) data;
    for (i = 0; i < GHOST_BLOCKS; i++) {
	ghostBlocks[i] = VtMalloc(64);
    }
    pthread_barrier_wait(&barrier);	/* Main's blocks made. */
    for (i = 0; i < 64; i++) {
	VtFree(ghostHeld[i]);		/* Kept by this thread. */
    }
    ghostCache = vtCachePtr;
    (void) VtBusyEnter();		/* As in a call of the allocator. */
    while (!VtPageLockTry(vtCachePtr)) {
	VtpSleep(1);
    }
    pthread_barrier_wait(&barrier);	/* Caught by the fork. */
    pthread_barrier_wait(&barrier);	/* The child is done. */
    VtPageLockRelease(vtCachePtr);
    VtBusyLeave();
    for (i = 0; i < GHOST_BLOCKS; i++) {
	VtFree(ghostBlocks[i]);
    }
    VtFree(own);
    return NULL;
}

static int
GhostChild(
    void *data)
{
    int pending, i;

    (void) data;
    VtOptionSet(VT_OPTION_PURGER, 0);	/* The sweep below is the trim's;
					 * and ThreadSanitizer ends a child
					 * that starts a thread. */
    for (i = 0; i < GHOST_BLOCKS; i++) {
	VtFree(ghostBlocks[i]);
    }
    VtTrim();
    VtpLockAcquire(&vtpSharedLock);
    pending = vtShared.sweepPending || VtIdleTrim(0, VtpNow());
    VtpLockRelease(&vtpSharedLock);
    return pending ? 1 : 0;
}

static void
TestForkGhost(void)
{
    pthread_t thread;
    char message[256];
    int i, status;

    pthread_barrier_init(&barrier, NULL, 2);
    TestThreadStart(&thread, Ghost, NULL);
    for (i = 0; i < 64; i++) {
	ghostHeld[i] = VtMalloc(64);
    }
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    CHECK(VtLoad(&ghostCache->heldBytes) > 0);
    status = TestInChild(GhostChild, NULL, message, sizeof(message));
    if (status != 0) {
	printf("    child: exit status %d %s\n", status, message);
    }
    CHECK(status == 0);
    pthread_barrier_wait(&barrier);
    TestThreadJoin(thread);
    pthread_barrier_destroy(&barrier);
    VtTrim();
}
#endif /* !_WIN32 */

int
main(void)
{
    VtSetPanicProc(TestPanic);
    VtInit();
    RunTest("release at thread exit", TestThreadExit);
    RunTest("release after the decay, threads alive", TestDecay);
    RunTest("release on trim", TestTrim);
    RunTest("emptied orphans released", TestOrphans);
    RunTest("thread churn stays within the reserve", TestChurn);
    RunTest("parked pages; the reserve counts touched pages", TestTouched);
    RunTest("size shift reuses coalesced pages", TestShift);
    RunTest("idle owner: pages emptied by others released after the decay",
	    TestIdleOwner);
    RunTest("idle owner: ... and at once on trim", TestIdleOwnerTrim);
    RunTest("busy owner: pages emptied by others swept after the decay",
	    TestIdleOwnerBusy);
    RunTest("busy owner: ... and at once on trim", TestIdleOwnerBusyTrim);
    RunTest("idle holder: blocks it kept given back, their pages released",
	    TestIdleHolder);
    RunTest("idle trim: pages cut after their last live block",
	    TestIdleShrink);
    RunTest("huge pages asked for, and taken back on release",
	    TestHugePages);
#ifndef _WIN32
    RunTest("fork: a thread caught in its locked sections is not waited "
	    "for", TestForkGhost);
#endif
    return TestSummary("testRelease");
}
