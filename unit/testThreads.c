/*
 * testThreads.c --
 *
 *	Multi-threaded unit tests of the vtalloc core, also built under
 *	ThreadSanitizer and AddressSanitizer: a stress with random sizes
 *	where a quarter of the blocks are freed by another thread and every
 *	block's contents are checked; pages that outlive their thread
 *	(orphans) freed from elsewhere and adopted; sparse pages given up by
 *	one thread and taken by another; thread churn; blocks of
 *	other threads' pages kept by the thread that frees them; sweeps of
 *	pages that other threads emptied, racing with their owners; vtalloc's
 *	own threads in a program with much thread-local storage.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtTest.h"

#define THREADS 4
#define SLOTS 1024

/*
 * A block in flight between threads.
 */

typedef struct Parcel {
    void *ptr;
    size_t size;
    uint64_t tag;
} Parcel;

typedef struct Mailbox {
    pthread_mutex_t lock;
    Parcel *parcels;
    size_t count, room;
} Mailbox;

static Mailbox mailboxes[THREADS];
static pthread_barrier_t barrier;
static _Atomic long errors;
static long opsPerThread = 200000;
static _Atomic int stressDone;

static size_t
RandomSize(
    uint64_t *seedPtr)
{
    uint64_t r = VtRandomNext(seedPtr);

    switch (r % 100) {
    case 0:
	return VT_SMALL_MAX + (size_t) (r >> 8) % 300000;
    case 1: case 2: case 3:
	return (size_t) (r >> 8) % VT_SMALL_MAX;
    default:
	if (r % 100 < 30) {
	    return 129 + (size_t) (r >> 8) % 4000;
	}
	return (size_t) (r >> 8) % 129;
    }
}

static void
MailboxesOpen(
    int count)
{
    int i;

    for (i = 0; i < count; i++) {
	pthread_mutex_init(&mailboxes[i].lock, NULL);
    }
}

static void
MailboxesClose(
    int count)
{
    int i;

    for (i = 0; i < count; i++) {
	pthread_mutex_destroy(&mailboxes[i].lock);
	free(mailboxes[i].parcels);
	mailboxes[i].parcels = NULL;
	mailboxes[i].count = mailboxes[i].room = 0;
    }
}

static void
Post(
    int to,
    Parcel parcel)
{
    Mailbox *boxPtr = &mailboxes[to];

    pthread_mutex_lock(&boxPtr->lock);
    if (boxPtr->count == boxPtr->room) {
	boxPtr->room = boxPtr->room ? 2 * boxPtr->room : 256;
	boxPtr->parcels = realloc(boxPtr->parcels,
		boxPtr->room * sizeof(Parcel));
    }
    boxPtr->parcels[boxPtr->count++] = parcel;
    pthread_mutex_unlock(&boxPtr->lock);
}

/*
 * Free (after checking) every block other threads sent to thread `self`.
 */

static void
Drain(
    int self)
{
    Mailbox *boxPtr = &mailboxes[self];
    size_t i;

    pthread_mutex_lock(&boxPtr->lock);
    for (i = 0; i < boxPtr->count; i++) {
	Parcel *p = &boxPtr->parcels[i];

	if (!TestVerify(p->ptr, p->size, p->tag)) {
	    errors++;
	}
	VtFree(p->ptr);
    }
    boxPtr->count = 0;
    pthread_mutex_unlock(&boxPtr->lock);
}

static void *
StressThread(
    void *data)
{
    int self = (int) (intptr_t) data;
    uint64_t seed = 0x9E3779B97F4A7C15ull * (uint64_t) (self + 1);
    static _Thread_local Parcel slots[SLOTS];
    long op;
    int i;

    memset(slots, 0, sizeof(slots));
    for (op = 0; op < opsPerThread; op++) {
	uint64_t r = VtRandomNext(&seed);
	Parcel *p = &slots[r % SLOTS];

	if (p->ptr == NULL) {
	    p->size = RandomSize(&seed);
	    p->tag = r;
	    p->ptr = VtMalloc(p->size);
	    if (p->ptr == NULL) {
		errors++;
		continue;
	    }
	    TestFill(p->ptr, p->size, p->tag);
	} else if ((r >> 40) % 4 == 0) {
	    Post((self + 1 + (int) ((r >> 50) % (THREADS - 1))) % THREADS,
		    *p);
	    p->ptr = NULL;
	} else {
	    if (!TestVerify(p->ptr, p->size, p->tag)) {
		errors++;
	    }
	    if ((r >> 40) % 4 == 1) {
		p->ptr = VtRealloc(p->ptr, p->size + 100);
		if (!TestVerify(p->ptr, p->size, p->tag)) {
		    errors++;
		}
	    }
	    VtFree(p->ptr);
	    p->ptr = NULL;
	}
	if (op % 1000 == 0) {
	    Drain(self);
	}
    }
    for (i = 0; i < SLOTS; i++) {
	if (slots[i].ptr != NULL) {
	    Post((self + 1) % THREADS, slots[i]);
	}
    }
    pthread_barrier_wait(&barrier);
    Drain(self);
    pthread_barrier_wait(&barrier);
    stressDone++;
    return NULL;
}

/*
 *----------------------------------------------------------------------
 *
 * TestStress --
 *
 *	Four threads, random sizes from 0 to 300 KB, a quarter of the blocks
 *	freed by another thread, every block checked before it is freed,
 *	while this thread reads the statistics. Afterwards every count adds
 *	up and every page is back.
 *
 *----------------------------------------------------------------------
 */

static void
TestStress(void)
{
    pthread_t threads[THREADS];
    VtStats before, during, after;
    long reads, backwards = 0;
    int i;

    VtGetStats(&before, NULL, NULL);
    pthread_barrier_init(&barrier, NULL, THREADS);
    MailboxesOpen(THREADS);
    stressDone = 0;
    for (i = 0; i < THREADS; i++) {
	TestThreadStart(&threads[i], StressThread, (void *) (intptr_t) i);
    }

    /*
     * Meanwhile the statistics are read as the threads count (under
     * ThreadSanitizer: without a race report), and no counter goes back.
     */

    during = before;
    for (reads = 0; stressDone < THREADS; reads++) {
	VtStats now;

	VtGetStats(&now, NULL, NULL);
	if (now.allocs < during.allocs || now.frees < during.frees
		|| now.remoteFrees < during.remoteFrees) {
	    backwards++;
	}
	during = now;
    }
    for (i = 0; i < THREADS; i++) {
	TestThreadJoin(threads[i]);
    }

    /*
     * Orphans that the last remote frees emptied go back at the purger's
     * next round (within 100 ms; longer under valgrind).
     */

    for (i = 0; i < 100; i++) {
	VtGetStats(&after, NULL, NULL);
	if (after.pagesOrphaned == 0) {
	    break;
	}
	VtpSleep(50);
    }
    printf("    %ld ops/thread x %d threads: %llu allocs, %llu frees, "
	    "%llu remote frees; %ld statistics read meanwhile\n",
	    opsPerThread, THREADS,
	    (unsigned long long) (after.allocs - before.allocs),
	    (unsigned long long) (after.frees - before.frees),
	    (unsigned long long) (after.remoteFrees - before.remoteFrees),
	    reads);
    CHECK(errors == 0);
    CHECK(reads > 0);
    CHECK(backwards == 0);
    CHECK(COUNTED(after.allocs - before.allocs > (uint64_t) opsPerThread));
    CHECK(after.allocs - before.allocs == after.frees - before.frees);
    CHECK(COUNTED(after.remoteFrees - before.remoteFrees
	    > (after.frees - before.frees) / 10));
    CHECK(after.requested == before.requested);
    CHECK(after.inuse == before.inuse);
    CHECK(after.threads == before.threads);
    CHECK(after.pagesOrphaned == 0);
    CHECK(after.pagesInuse == before.pagesInuse);
    MailboxesClose(THREADS);
}

/*
 *----------------------------------------------------------------------
 *
 * TestOrphans --
 *
 *	A thread allocates and exits while its blocks are still in use: its
 *	pages become orphans, frees from this thread still work, and the
 *	emptied orphans go back (adopted by a thread that needs the bucket,
 *	or swept by the purger, which the first free into an orphan calls).
 *
 *----------------------------------------------------------------------
 */

enum { ORPHAN_BLOCKS = 20000 };
static void *orphanBlocks[ORPHAN_BLOCKS];

static void *
OrphanMaker(
    void *data)
{
    int i;

    (void) data;
    for (i = 0; i < ORPHAN_BLOCKS; i++) {
	orphanBlocks[i] = VtMalloc(64);
	TestFill(orphanBlocks[i], 64, (uint64_t) i);
    }
    return NULL;
}

static void *
OrphanReuser(
    void *data)
{
    void *ptr = VtMalloc(64);

    (void) data;
    VtFree(ptr);
    return NULL;
}

static void
TestOrphans(void)
{
    pthread_t thread;
    VtStats stats, before, settled;
    int i, intact = 1;

    VtGetStats(&before, NULL, NULL);
    TestThreadStart(&thread, OrphanMaker, NULL);
    TestThreadJoin(thread);
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.threads == before.threads);
    CHECK(stats.pagesOrphaned >= ORPHAN_BLOCKS * 64 / VT_SLICE_SIZE);
    CHECK(stats.inuse - before.inuse == ORPHAN_BLOCKS * 64);
    for (i = 0; i < ORPHAN_BLOCKS; i++) {
	intact &= TestVerify(orphanBlocks[i], 64, (uint64_t) i);
	VtFree(orphanBlocks[i]);
    }
    CHECK(intact);
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.inuse == before.inuse);
    CHECK(COUNTED(stats.remoteFrees - before.remoteFrees
	    == ORPHAN_BLOCKS));
    for (i = 0; i < 8; i++) {
	TestThreadStart(&thread, OrphanReuser, NULL);
	TestThreadJoin(thread);
	if (i == 0) {
	    VtGetStats(&settled, NULL, NULL);
	}
    }
    for (i = 0; i < 40; i++) {
	VtGetStats(&stats, NULL, NULL);
	if (stats.pagesOrphaned == 0) {
	    break;
	}
	VtpSleep(50);
    }
    printf("    orphans gone after %d ms\n", i * 50);
    CHECK(stats.pagesOrphaned == 0);

    /*
     * After the first, the reusing threads take a parked cache with the
     * page the one before used and park it again: no page is added. (The
     * first may find no such page among the caches earlier tests parked.)
     */

    CHECK(stats.pagesInuse + stats.pagesParked
	    <= settled.pagesInuse + settled.pagesParked);
}

/*
 *----------------------------------------------------------------------
 *
 * TestGiveSparse --
 *
 *	A thread whose use of a bucket fell (it freed most blocks of its
 *	pages) gives its sparse partial pages to the shared cache as it goes
 *	on allocating; another thread that then needs blocks of the bucket
 *	takes them from those pages, not from new memory, and every block
 *	keeps its contents.
 *
 *----------------------------------------------------------------------
 */

enum {
    SPARSE_SIZE = 4096,			/* 16 blocks a page. */
    SPARSE_PAGES = 64,
    SPARSE_KEPT = 3,			/* Live blocks left in each page. */
    SPARSE_AGAIN = 17 * 13,		/* Blocks the thread then allocates:
					 * 17 refills. */
    SPARSE_OTHER = 20 * 13		/* Blocks the other thread takes. */
};

static void *sparseBlocks[SPARSE_PAGES * 16];
static void *sparseAgain[SPARSE_AGAIN];
static VtPage *sparsePages[SPARSE_PAGES * 16];
static int sparsePageCount;
static VtStats sparseGiven;		/* After the thread's allocations. */
static int sparseIntact;

static int
SparseKnown(
    const VtPage *pagePtr)
{
    int i;

    for (i = 0; i < sparsePageCount; i++) {
	if (sparsePages[i] == pagePtr) {
	    return 1;
	}
    }
    return 0;
}

static void *
SparseMaker(
    void *data)
{
    int i, total = SPARSE_PAGES * 16;

    (void) data;
    sparsePageCount = 0;
    for (i = 0; i < total; i++) {
	VtPage *pagePtr;

	sparseBlocks[i] = VtMalloc(SPARSE_SIZE);
	TestFill(sparseBlocks[i], SPARSE_SIZE, (uint64_t) i);
	pagePtr = VtPageOf(sparseBlocks[i]);
	if (!SparseKnown(pagePtr)) {
	    sparsePages[sparsePageCount++] = pagePtr;
	}
    }

    /*
     * Keep the first SPARSE_KEPT blocks of each page.
     */

    for (i = 0; i < total; i++) {
	uint8_t *ptr = sparseBlocks[i];

	if ((size_t) (ptr - VtPageOf(ptr)->start) / SPARSE_SIZE
		>= SPARSE_KEPT) {
	    CHECK(TestVerify(ptr, SPARSE_SIZE, (uint64_t) i));
	    VtFree(ptr);
	    sparseBlocks[i] = NULL;
	}
    }
    for (i = 0; i < SPARSE_AGAIN; i++) {
	sparseAgain[i] = VtMalloc(SPARSE_SIZE);
	TestFill(sparseAgain[i], SPARSE_SIZE, (uint64_t) (total + i));
    }
    VtGetStats(&sparseGiven, NULL, NULL);
    pthread_barrier_wait(&barrier);	/* The thread stays while the other
					 * allocates. */
    pthread_barrier_wait(&barrier);
    for (i = 0; i < total; i++) {
	if (sparseBlocks[i] != NULL) {
	    sparseIntact &= TestVerify(sparseBlocks[i], SPARSE_SIZE,
		    (uint64_t) i);
	    VtFree(sparseBlocks[i]);
	}
    }
    for (i = 0; i < SPARSE_AGAIN; i++) {
	sparseIntact &= TestVerify(sparseAgain[i], SPARSE_SIZE,
		(uint64_t) (total + i));
	VtFree(sparseAgain[i]);
    }
    return NULL;
}

static void *
SparseTaker(
    void *data)
{
    void **blocks = data;
    int i;

    for (i = 0; i < SPARSE_OTHER; i++) {
	blocks[i] = VtMalloc(SPARSE_SIZE);
	TestFill(blocks[i], SPARSE_SIZE, (uint64_t) (1000000 + i));
    }
    return NULL;
}

static void
TestGiveSparse(void)
{
    static void *other[SPARSE_OTHER];
    pthread_t maker, taker;
    VtStats before, taken, after;
    int i, known = 0, intact = 1;

    VtGetStats(&before, NULL, NULL);
    pthread_barrier_init(&barrier, NULL, 2);
    TestThreadStart(&maker, SparseMaker, NULL);
    pthread_barrier_wait(&barrier);
    TestThreadStart(&taker, SparseTaker, other);
    TestThreadJoin(taker);
    VtGetStats(&taken, NULL, NULL);
    for (i = 0; i < SPARSE_OTHER; i++) {
	known += SparseKnown(VtPageOf(other[i]));
    }
    printf("    %d of %d pages given; %d of the other thread's %d blocks "
	    "in them; committed %+lld KiB\n", (int) (sparseGiven.given
	    - before.given), sparsePageCount, known, SPARSE_OTHER,
	    ((long long) taken.committed - (long long) sparseGiven.committed)
	    / 1024);
    CHECK(sparsePageCount >= SPARSE_PAGES);
    CHECK(sparseGiven.given - before.given >= SPARSE_PAGES / 2);
    CHECK(sparseGiven.pagesOrphaned - before.pagesOrphaned
	    >= SPARSE_PAGES / 2);
    CHECK(known >= SPARSE_OTHER - 16);	/* A parked current page may serve
					 * the first 16. */
    CHECK(taken.committed <= sparseGiven.committed);


    /*
     * Each thread frees its own blocks (the other thread's are in
     * orphans by now), so that this thread holds none of them.
     */

    sparseIntact = 1;
    pthread_barrier_wait(&barrier);
    TestThreadJoin(maker);
    pthread_barrier_destroy(&barrier);
    for (i = 0; i < SPARSE_OTHER; i++) {
	intact &= TestVerify(other[i], SPARSE_SIZE, (uint64_t) (1000000 + i));
	VtFree(other[i]);
    }
    CHECK(intact && sparseIntact);
    for (i = 0; i < 40; i++) {
	VtGetStats(&after, NULL, NULL);
	if (after.pagesOrphaned <= before.pagesOrphaned) {
	    break;
	}
	VtpSleep(50);
    }
    CHECK(after.pagesOrphaned <= before.pagesOrphaned);
    CHECK(after.inuse == before.inuse);
    CHECK(after.requested == before.requested);
}

/*
 *----------------------------------------------------------------------
 *
 * TestSmallStack --
 *
 *	vtalloc's own threads (the purger) start in a program whose static
 *	thread-local storage (this one has the 72 KiB of TestStress's slots)
 *	does not fit in the small stack they ask for.
 *
 *----------------------------------------------------------------------
 */

static _Atomic int smallStackRan;

static void
SmallStackMain(
    void *data)
{
    (void) data;
    smallStackRan = 1;
}

static void
TestSmallStack(void)
{
    int i;

    CHECK(VtpThreadCreate(SmallStackMain, NULL, NULL));
    for (i = 0; i < 100 && !smallStackRan; i++) {
	VtpSleep(10);
    }
    CHECK(smallStackRan);
}

/*
 *----------------------------------------------------------------------
 *
 * TestChurn --
 *
 *	Hundreds of short-lived threads: caches are reused, no segment is
 *	added after the first round, nothing is left behind.
 *
 *----------------------------------------------------------------------
 */

static void *
ChurnThread(
    void *data)
{
    void *blocks[500];
    uint64_t seed = (uint64_t) (intptr_t) data + 1;
    int i;

    for (i = 0; i < 500; i++) {
	blocks[i] = VtMalloc(RandomSize(&seed) % 2000);
    }
    for (i = 0; i < 500; i++) {
	VtFree(blocks[i]);
    }
    return NULL;
}

static void
TestChurn(void)
{
    pthread_t threads[2];
    VtStats first, last;
    int round, i;

    for (round = 0; round < 300; round++) {
	for (i = 0; i < 2; i++) {
	    TestThreadStart(&threads[i], ChurnThread,
		    (void *) (intptr_t) (round * 2 + i));
	}
	for (i = 0; i < 2; i++) {
	    TestThreadJoin(threads[i]);
	}
	if (round == 0) {
	    VtGetStats(&first, NULL, NULL);
	}
    }
    VtGetStats(&last, NULL, NULL);
    CHECK(last.threads == first.threads);
    CHECK(last.segments <= first.segments + 1);
    CHECK(last.inuse == first.inuse);
    CHECK(last.pagesOrphaned == 0);
}

/*
 *----------------------------------------------------------------------
 *
 * TestHold --
 *
 *	A thread that frees blocks of a live thread's pages keeps them, up to
 *	the hold option and VT_HOLD_MAX per bucket, and hands them out for
 *	its own allocations of the bucket; kept blocks count as free, a
 *	second free of one panics, and they go onto their pages' remote lists
 *	when the thread trims (also when another thread asked for the trim)
 *	or exits. Blocks of orphans, and blocks of buckets the thread does
 *	not allocate from, are not kept.
 *
 *----------------------------------------------------------------------
 */

enum { HOLD_SIZE = 3000, HOLD_FIRST = 40, HOLD_BLOCKS = 80 };
static void *holdBlocks[HOLD_BLOCKS];

static void *
HoldOwner(
    void *data)
{
    int i;

    (void) data;
    for (i = 0; i < HOLD_BLOCKS; i++) {
	holdBlocks[i] = VtMalloc(HOLD_SIZE);
    }
    pthread_barrier_wait(&barrier);	/* Blocks made. */
    pthread_barrier_wait(&barrier);	/* The test is done with the owner. */
    return NULL;
}

static void *
HoldAndExit(
    void *data)
{
    (void) data;
    VtFree(holdBlocks[29]);		/* Only a thread that allocates the
					 * bucket holds its blocks. */
    CHECK(vtCachePtr->heldBytes == 0);
    VtFree(VtMalloc(HOLD_SIZE));
    VtFree(holdBlocks[30]);
    VtFree(holdBlocks[31]);
    CHECK(vtCachePtr->heldBytes == 2 * vtBuckets[VtBucketOfSize(
	    HOLD_SIZE)].blockSize);
    return NULL;
}

static void *
TrimThread(
    void *data)
{
    (void) data;
    Vt_Trim();
    return NULL;
}

static uint32_t
RemoteCount(
    void *ptr)
{
    return VtRemoteCount(atomic_load(&VtPageOf(ptr)->remote));
}

/*
 * Blocks of ptr's page neither free in it nor on its remote list (the
 * page's owner is idle: it changes neither).
 */

static uint32_t
LiveCount(
    void *ptr)
{
    return VtUsed(VtPageOf(ptr)) - RemoteCount(ptr);
}

static void
TestHold(void)
{
    pthread_t owner, other;
    unsigned bucket = VtBucketOfSize(HOLD_SIZE);
    size_t blockSize = vtBuckets[bucket].blockSize;
    int64_t hold = VtOptionGet(VT_OPTION_HOLD);
    VtStats before, stats;
    uint64_t given, trims;
    uint32_t live;
    uint32_t remote;
    void *ptr, *trimmed, *drain[64];
    int i, drained;

    pthread_barrier_init(&barrier, NULL, 2);
    TestThreadStart(&owner, HoldOwner, NULL);
    pthread_barrier_wait(&barrier);
    for (drained = 0; drained < 64 && (drained == 0
	    || vtCachePtr->pages[bucket]->freePtr != NULL); drained++) {
	drain[drained] = VtMalloc(HOLD_SIZE);	/* This thread's current page
						 * of the bucket, used up. */
    }
    CHECK(vtCachePtr->heldBytes == 0 && vtCachePtr->held[bucket] == NULL);
    CHECK(vtCachePtr->pages[bucket]->freePtr == NULL);
    VtGetStats(&before, NULL, NULL);

    /*
     * Kept, counted free, handed back to this thread's next allocation.
     */

    remote = RemoteCount(holdBlocks[0]);
    VtFree(holdBlocks[0]);
    CHECK(vtCachePtr->heldBytes == blockSize);
    CHECK(RemoteCount(holdBlocks[0]) == remote);
    VtGetStats(&stats, NULL, NULL);
    CHECK(before.inuse - stats.inuse == blockSize);
    CHECK(COUNTED(before.requested - stats.requested == HOLD_SIZE));
    CHECK(stats.held - before.held == blockSize);
    EXPECT_PANIC(VtFree(holdBlocks[0]), "double free");
    ptr = VtMalloc(HOLD_SIZE);
    CHECK(ptr == holdBlocks[0]);
    CHECK(vtCachePtr->heldBytes == 0);
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.inuse == before.inuse && stats.requested == before.requested);

    /*
     * Up to the limit; the rest go onto the remote lists.
     */

    VtOptionSet(VT_OPTION_HOLD, (int64_t) (2 * blockSize));
    for (i = 1; i <= 5; i++) {
	VtFree(holdBlocks[i]);
    }
    CHECK(vtCachePtr->heldBytes == 2 * blockSize);
    remote = 0;
    for (i = 1; i <= 5; i++) {
	remote += VtPageOf(holdBlocks[i]) == VtPageOf(holdBlocks[1])
		? 0 : 1;
    }
    CHECK(remote == 0);			/* One page: count its list. */
    CHECK(RemoteCount(holdBlocks[1]) >= 3);
    live = LiveCount(holdBlocks[1]);	/* Held ones count. */

    /*
     * A trim by another thread gives them back for this thread, which is
     * not busy in the allocator meanwhile (the idle trim does, see
     * VtIdleTrim), before they would serve it; with 0 nothing is kept.
     */

    VtGetStats(&stats, NULL, NULL);
    given = stats.heldGivenBack;
    trims = stats.idleTrims;
    TestThreadStart(&other, TrimThread, NULL);
    TestThreadJoin(other);
    VtGetStats(&stats, NULL, NULL);
    CHECK(vtCachePtr->heldBytes == 0 && vtCachePtr->held[bucket] == NULL);
    CHECK(stats.heldGivenBack - given == 2);
    CHECK(stats.idleTrims - trims >= 1);
    CHECK(LiveCount(holdBlocks[1]) == live - 2);
    trimmed = VtMalloc(HOLD_SIZE);
    for (i = 1; i <= 5; i++) {
	CHECK(trimmed != holdBlocks[i]);
    }
    VtFree(trimmed);
    VtOptionSet(VT_OPTION_HOLD, 0);
    VtFree(holdBlocks[6]);
    CHECK(vtCachePtr->heldBytes == 0);
    VtOptionSet(VT_OPTION_HOLD, hold);

    /*
     * At most VT_HOLD_MAX blocks of a bucket.
     */

    for (i = HOLD_FIRST; i < HOLD_FIRST + VT_HOLD_MAX + 2; i++) {
	VtFree(holdBlocks[i]);
    }
    CHECK(vtCachePtr->heldCount[bucket] == VT_HOLD_MAX);
    CHECK(vtCachePtr->heldBytes == VT_HOLD_MAX * blockSize);
    Vt_Trim();
    CHECK(vtCachePtr->heldCount[bucket] == 0);

    /*
     * A thread that exits gives its kept blocks back.
     */

    remote = RemoteCount(holdBlocks[30]);
    TestThreadStart(&other, HoldAndExit, NULL);
    TestThreadJoin(other);
    CHECK(RemoteCount(holdBlocks[30]) >= remote + (VtPageOf(holdBlocks[30])
	    == VtPageOf(holdBlocks[31]) ? 2 : 1));

    /*
     * Orphans: not kept. Then everything goes back.
     */

    pthread_barrier_wait(&barrier);
    TestThreadJoin(owner);
    for (i = 7; i < HOLD_BLOCKS; i++) {
	if ((i < 29 || i > 31)
		&& (i < HOLD_FIRST || i >= HOLD_FIRST + VT_HOLD_MAX + 2)) {
	    VtFree(holdBlocks[i]);
	}
    }
    CHECK(vtCachePtr->heldBytes == 0);
    VtFree(ptr);
    Vt_Trim();
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.pagesOrphaned == 0);
    CHECK(before.inuse - stats.inuse == HOLD_BLOCKS * blockSize);
    for (i = 0; i < drained; i++) {
	VtFree(drain[i]);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * TestHoldPins --
 *
 *	A thread frees, in random order, every block of a structure that
 *	another thread built, then stays idle; the builder goes on working.
 *	The blocks the idle thread holds must not keep the emptied pages
 *	from going back (each held block keeps its page).
 *
 *----------------------------------------------------------------------
 */

enum { PIN_BLOCKS = 100000 };
static void *pinBlocks[PIN_BLOCKS];

static void *
PinBuilder(
    void *data)
{
    static void *scratch[20000];
    int i, round;

    (void) data;
    for (i = 0; i < PIN_BLOCKS; i++) {
	pinBlocks[i] = VtMalloc(64);
    }
    pthread_barrier_wait(&barrier);	/* Built. */
    pthread_barrier_wait(&barrier);	/* Freed by the other thread. */
    for (round = 0; round < 10; round++) {
	for (i = 0; i < 20000; i++) {
	    scratch[i] = VtMalloc(64);
	}
	for (i = 0; i < 20000; i++) {
	    VtFree(scratch[i]);
	}
    }
    pthread_barrier_wait(&barrier);	/* Worked. */
    pthread_barrier_wait(&barrier);	/* Measured. */
    return NULL;
}

static void *
PinFreer(
    void *data)
{
    void *own = VtMalloc(64);		/* It allocates the bucket too. */
    uint64_t seed = 7;
    int i;

    (void) data;
    pthread_barrier_wait(&barrier);
    for (i = PIN_BLOCKS - 1; i > 0; i--) {
	int j = (int) (VtRandomNext(&seed) % (uint64_t) (i + 1));
	void *swap = pinBlocks[i];

	pinBlocks[i] = pinBlocks[j];
	pinBlocks[j] = swap;
    }
    for (i = 0; i < PIN_BLOCKS; i++) {
	VtFree(pinBlocks[i]);
    }
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);	/* Idle while measured. */
    pthread_barrier_wait(&barrier);
    VtFree(own);
    return NULL;
}

static void
TestHoldPins(void)
{
    pthread_t builder, freer;
    VtStats before, built, after;

    VtGetStats(&before, NULL, NULL);
    pthread_barrier_init(&barrier, NULL, 3);
    TestThreadStart(&builder, PinBuilder, NULL);
    TestThreadStart(&freer, PinFreer, NULL);
    pthread_barrier_wait(&barrier);
    VtGetStats(&built, NULL, NULL);
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    VtGetStats(&after, NULL, NULL);
    pthread_barrier_wait(&barrier);
    TestThreadJoin(builder);
    TestThreadJoin(freer);
    printf("    pages in use: %llu built, %llu after (held %llu bytes)\n",
	    (unsigned long long) (built.pagesInuse - before.pagesInuse),
	    (unsigned long long) (after.pagesInuse - before.pagesInuse),
	    (unsigned long long) after.held);
    CHECK(built.pagesInuse - before.pagesInuse >= PIN_BLOCKS * 64
	    / VT_SLICE_SIZE);
    CHECK(after.pagesInuse - before.pagesInuse
	    < (built.pagesInuse - before.pagesInuse) / 2);
}

/*
 *----------------------------------------------------------------------
 *
 * TestSweepRace --
 *
 *	Two threads hand each other batches of blocks and free the other's
 *	(remote frees), pausing now and then, while this thread trims every
 *	millisecond: each trim takes the cache of each thread that is
 *	between calls (an idle trim: its held blocks and pages, racing with
 *	the thread coming back), and sweeps every page of a busy one whose
 *	blocks are all on its remote list, racing with its owner making
 *	pages current, freeing into them and collecting them (on a slow run
 *	the idle trims may leave the sweep nothing). Every block is checked
 *	before it is freed; afterwards every count adds up.
 *
 *----------------------------------------------------------------------
 */

#define SWEEP_BATCH 2000

static _Atomic int sweepDone;

static void *
SweepThread(
    void *data)
{
    int self = (int) (intptr_t) data;
    uint64_t seed = 0xD1B54A32D192ED03ull * (uint64_t) (self + 1);
    static _Thread_local Parcel kept[SWEEP_BATCH];
    long round, rounds = opsPerThread / 2000;
    int i, count, nKept;

    for (round = 0; round < rounds; round++) {
	count = 1 + (int) (VtRandomNext(&seed) % SWEEP_BATCH);
	nKept = 0;
	for (i = 0; i < count; i++) {
	    uint64_t r = VtRandomNext(&seed);
	    Parcel p;

	    p.size = 16 + (size_t) (r % 1000);
	    p.tag = r;
	    p.ptr = VtMalloc(p.size);
	    if (p.ptr == NULL) {
		errors++;
		continue;
	    }
	    TestFill(p.ptr, p.size, p.tag);
	    if ((r >> 32) % 8 == 0) {
		kept[nKept++] = p;
	    } else {
		Post(1 - self, p);
	    }
	}
	Drain(self);
	for (i = 0; i < nKept; i++) {
	    if (!TestVerify(kept[i].ptr, kept[i].size, kept[i].tag)) {
		errors++;
	    }
	    VtFree(kept[i].ptr);
	}
	if (round % 4 == 0) {
	    VtpSleep(1);
	}
    }
    pthread_barrier_wait(&barrier);
    Drain(self);
    pthread_barrier_wait(&barrier);
    sweepDone++;
    return NULL;
}

static void
TestSweepRace(void)
{
    pthread_t threads[2];
    VtStats before, after;
    long trims;
    int i;

    VtTrim();
    VtGetStats(&before, NULL, NULL);
    pthread_barrier_init(&barrier, NULL, 2);
    MailboxesOpen(2);
    sweepDone = 0;
    for (i = 0; i < 2; i++) {
	TestThreadStart(&threads[i], SweepThread, (void *) (intptr_t) i);
    }
    for (trims = 0; sweepDone < 2; trims++) {
	VtTrim();
	VtpSleep(1);
    }
    for (i = 0; i < 2; i++) {
	TestThreadJoin(threads[i]);
    }
    pthread_barrier_destroy(&barrier);
    VtTrim();
    VtGetStats(&after, NULL, NULL);
    printf("    %llu allocs, %llu remote frees; %ld trims swept %llu "
	    "pages and trimmed %llu idle caches, giving back %llu held "
	    "blocks\n",
	    (unsigned long long) (after.allocs - before.allocs),
	    (unsigned long long) (after.remoteFrees - before.remoteFrees),
	    trims, (unsigned long long) (after.swept - before.swept),
	    (unsigned long long) (after.idleTrims - before.idleTrims),
	    (unsigned long long) (after.heldGivenBack
	    - before.heldGivenBack));
    CHECK(errors == 0);
    CHECK(after.idleTrims > before.idleTrims);
    CHECK(after.heldGivenBack > before.heldGivenBack);
    CHECK(after.swept + after.idleTrims > before.swept + before.idleTrims);
    CHECK(after.allocs - before.allocs == after.frees - before.frees);
    CHECK(after.requested == before.requested);
    CHECK(after.inuse == before.inuse);
    CHECK(after.pagesInuse == before.pagesInuse);
    MailboxesClose(2);
}

/*
 *----------------------------------------------------------------------
 *
 * TestCancelInside --
 *
 *	A thread cancelled (deferred) while it allocates and frees, with
 *	this thread trimming all the while (so that it often finds its cache
 *	taken and waits inside the allocator): the cancellation is acted on
 *	only at the thread's own cancellation point, after its loop, never
 *	inside a call of the allocator (which would leave it half done).
 *
 *----------------------------------------------------------------------
 */

#ifndef _WIN32
static _Atomic int cancelLooped, cancelStarted, cancelSent;

static void *
CancelThread(
    void *data)
{
    long i, rounds = 4 * opsPerThread;

    (void) data;
    cancelStarted = 1;
    while (!cancelSent) {
	sched_yield();			/* Not a cancellation point. */
    }
    for (i = 0; i < rounds; i++) {
	void *ptr = VtMalloc(16 + (size_t) (i % 2000));

	*(volatile char *) ptr = 1;
	VtFree(ptr);
    }
    cancelLooped = 1;
    pthread_testcancel();
    return NULL;
}

static void
TestCancelInside(void)
{
    pthread_t thread;
    void *result;
    int i;

    cancelLooped = cancelStarted = cancelSent = 0;
    TestThreadStart(&thread, CancelThread, NULL);
    while (!cancelStarted) {
	VtpSleep(0);
    }
    pthread_cancel(thread);
    cancelSent = 1;
    for (i = 0; !cancelLooped && i < 100000; i++) {
	VtTrim();
    }
    pthread_join(thread, &result);
    printf("    %d trims meanwhile; the loop %s\n", i,
	    cancelLooped ? "ran to its end" : "was cut short");
    CHECK(result == PTHREAD_CANCELED);
    CHECK(cancelLooped);
}
#endif

int
main(
    int argc,
    char **argv)
{
    if (argc > 1) {
	opsPerThread = atol(argv[1]);
    }
    VtSetPanicProc(TestPanic);
    RunTest("stress with cross-thread frees", TestStress);
    RunTest("orphan pages", TestOrphans);
    RunTest("sparse pages given to another thread", TestGiveSparse);
    RunTest("threads of vtalloc with a small stack", TestSmallStack);
    RunTest("thread churn", TestChurn);
    RunTest("blocks of other threads kept", TestHold);
    RunTest("held blocks keep no emptied pages", TestHoldPins);
    RunTest("sweeps racing with the pages' owners", TestSweepRace);
#ifndef _WIN32
    RunTest("a thread cancelled while it allocates", TestCancelInside);
#endif
    return TestSummary("testThreads");
}
