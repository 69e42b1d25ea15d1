/*
 * testCore.c --
 *
 *	Single-threaded unit tests of the vtalloc core, without Tcl: the
 *	bucket table and its waste, alignment and contents of blocks of every
 *	size, large and huge blocks, realloc in place and moving, statistics
 *	that add up, pages going back to their segments, and the panics on
 *	bad pointers.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtTest.h"
#ifndef _WIN32
#   include <sys/mman.h>
#endif

static int globalVariable;

/*
 * The figures of `vtalloc stats` after everything since `before`.
 */

static VtStats before;

static void
Snapshot(void)
{
    VtGetStats(&before, NULL, NULL);
}

/*
 * Run the segment invariant checker over every segment.
 */

static int
AllSegmentsValid(void)
{
    VtSegment *segPtr;
    int valid = 1;

    VtSharedLock(NULL, 0);
    for (segPtr = vtShared.segmentsPtr; segPtr != NULL;
	    segPtr = segPtr->nextPtr) {
	valid &= VtSegmentIsValid(segPtr);
    }
    VtSharedUnlock();
    return valid;
}

static int64_t
Delta(
    uint64_t now,
    uint64_t then)
{
    return (int64_t) (now - then);
}

/*
 *----------------------------------------------------------------------
 *
 * TestBuckets --
 *
 *	The table and the arithmetic agree for every small size; each size
 *	gets the smallest bucket that holds it; report the worst internal
 *	waste per bucket and bound it.
 *
 *----------------------------------------------------------------------
 */

static void
TestBuckets(void)
{
    size_t size;
    unsigned bucket;
    double worst = 0.0;

    for (size = 0; size <= VT_SMALL_MAX; size++) {
	unsigned fromTable = vtBucketOf[(size + VT_ALIGN - 1) / VT_ALIGN];

	if (fromTable != VtBucketOfSize(size)
		|| VT_BUCKET_SIZE(fromTable) < size
		|| (fromTable > 0 && VT_BUCKET_SIZE(fromTable - 1) >= size)) {
	    CHECK(!"bucket of size");
	    printf("    size %zu: table %u computed %u\n", size, fromTable,
		    VtBucketOfSize(size));
	    return;
	}
    }
    CHECK(VtBucketOfSize(VT_SMALL_MAX + 1) == VT_NBUCKETS);
    printf("    bucket size worst-waste page-slices blocks\n");
    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	double waste = VtBucketWaste(bucket);

	CHECK(VT_BUCKET_SIZE(bucket) % VT_ALIGN == 0);
	CHECK(vtBuckets[bucket].reserved >= 2);
	CHECK(vtBuckets[bucket].slices <= VT_MAX_PAGE_SLICES);
	if (bucket >= 8) {
	    CHECK(waste < 0.112);
	    if (waste > worst) {
		worst = waste;
	    }
	} else {
	    CHECK(VT_BUCKET_SIZE(bucket) - (bucket == 0 ? 1
		    : VT_BUCKET_SIZE(bucket - 1) + 1) == VT_ALIGN - 1);
	}
	if (bucket % 8 == 0 || bucket == VT_NBUCKETS - 1) {
	    printf("    %2u %6zu %5.1f%% %u %u\n", bucket,
		    (size_t) VT_BUCKET_SIZE(bucket), waste * 100,
		    vtBuckets[bucket].slices, vtBuckets[bucket].reserved);
	}
    }
    printf("    worst internal waste above 128 bytes: %.1f%% "
	    "(Zippy: up to 50%%)\n", worst * 100);
}

/*
 *----------------------------------------------------------------------
 *
 * TestBlockBoundaries --
 *
 *	VtSmallIndex, the test every free makes, against division: for every
 *	bucket, every byte offset of its page (and a slice past it) is the
 *	start of a block exactly when it is a multiple of the block size
 *	from the first block below the carved count, with the right index
 *	(none in a side array that starts the page); at capacity 0 (any run
 *	that is not a page of small blocks) nothing is.
 *
 *----------------------------------------------------------------------
 */

static void
TestBlockBoundaries(void)
{
    static const uint32_t fractions[] = {1, 2, 0};
    uint8_t *base = malloc((VT_MAX_PAGE_SLICES + 1) << VT_SLICE_SHIFT);
    unsigned bucket;
    uint64_t tried = 0, wrong = 0;

    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	const VtBucketInfo *infoPtr = &vtBuckets[bucket];
	size_t extent = ((size_t) infoPtr->slices + 1) << VT_SLICE_SHIFT;
	unsigned f;

	for (f = 0; f < sizeof(fractions) / sizeof(fractions[0]); f++) {
	    VtPage page;
	    size_t offset;

	    memset(&page, 0, sizeof(page));
	    page.recip = infoPtr->recip;
	    VtStore(&page.capacity, fractions[f] == 0 ? 0
		    : infoPtr->reserved / fractions[f]);
	    page.start = base + infoPtr->sideFirst;
	    for (offset = 0; offset < extent; offset++) {
		uint32_t index = UINT32_MAX;
		size_t in = offset - infoPtr->sideFirst;
		int expected = offset >= infoPtr->sideFirst
			&& in % infoPtr->blockSize == 0
			&& in / infoPtr->blockSize < VtLoad(&page.capacity);
		int got = VtSmallIndex(&page, base + offset, &index);

		tried++;
		if (got != expected || (got
			&& index != in / infoPtr->blockSize)) {
		    if (wrong++ < 5) {
			printf("    bucket %u (%u bytes) offset %zu: %d index "
				"%u, expected %d\n", bucket,
				infoPtr->blockSize, offset, got, index,
				expected);
		    }
		}
	    }
	}
    }
    free(base);
    printf("    %llu offsets tried, %llu wrong\n",
	    (unsigned long long) tried, (unsigned long long) wrong);
    CHECK(tried > 0 && wrong == 0);
}

/*
 *----------------------------------------------------------------------
 *
 * TestSideEntries --
 *
 *	Every bucket's page laid out as VtPageInit lays it out, at every
 *	carved count: each block's side-array entry (VtSideSet's address) is
 *	its own, inside the array the page opens for it, and in no block.
 *
 *----------------------------------------------------------------------
 */

static void
TestSideEntries(void)
{
    uint8_t *buffer = malloc((VT_MAX_PAGE_SLICES + 2) << VT_SLICE_SHIFT);
    uint8_t *run = (uint8_t *) (((uintptr_t) buffer + VT_SLICE_SIZE - 1)
	    & ~(uintptr_t) (VT_SLICE_SIZE - 1));
    unsigned bucket;
    uint64_t tried = 0, wrong = 0;

    for (bucket = 0; VT_STATS && bucket < VT_NBUCKETS; bucket++) {
	const VtBucketInfo *infoPtr = &vtBuckets[bucket];
	uint8_t *start = run + infoPtr->sideFirst, *side;
	size_t bytes;
	uintptr_t base, last = 0;
	uint32_t k;

	if (infoPtr->reserved <= VT_SIDE_INLINE_MAX) {
	    continue;
	}
	side = infoPtr->sideFirst != 0 ? run
		: start + (size_t) infoPtr->reserved * infoPtr->blockSize;
	bytes = (infoPtr->sideFirst != 0 ? VtSideFirstBytes : VtSideBytes)(
		infoPtr->blockSize, infoPtr->sideShift, infoPtr->sideWide,
		infoPtr->reserved);
	base = (uintptr_t) side - (((uintptr_t) start >> infoPtr->sideShift)
		<< infoPtr->sideWide);
	for (k = 0; k < infoPtr->reserved; k++) {
	    uint8_t *ptr = start + (size_t) k * infoPtr->blockSize;
	    uintptr_t entry = base + (((uintptr_t) ptr >> infoPtr->sideShift)
		    << infoPtr->sideWide);
	    int ok = entry >= (uintptr_t) side && entry
		    + ((uintptr_t) 1 << infoPtr->sideWide)
		    <= (uintptr_t) side + bytes
		    && (k == 0 || entry > last)
		    && (entry + ((uintptr_t) 1 << infoPtr->sideWide)
		    <= (uintptr_t) start || entry >= (uintptr_t) start
		    + (size_t) infoPtr->reserved * infoPtr->blockSize)
		    && (size_t) (side + bytes - run) <= (size_t)
		    infoPtr->slices << VT_SLICE_SHIFT;

	    tried++;
	    if (!ok && wrong++ < 5) {
		printf("    bucket %u (%u bytes, side first %u): block %u's "
			"entry at %zd of %zu\n", bucket, infoPtr->blockSize,
			infoPtr->sideFirst, k, (ssize_t) (entry
			- (uintptr_t) side), bytes);
	    }
	    last = entry;
	}
    }
    free(buffer);
    printf("    %llu entries tried, %llu wrong\n",
	    (unsigned long long) tried, (unsigned long long) wrong);
    CHECK(!VT_STATS || (tried > 0 && wrong == 0));
}

/*
 *----------------------------------------------------------------------
 *
 * TestSmallBlocks --
 *
 *	Every size up to the largest bucket: aligned, usable, distinct,
 *	contents kept while other blocks come and go.
 *
 *----------------------------------------------------------------------
 */

static void
TestSmallBlocks(void)
{
    enum { COUNT = 4000 };
    static void *blocks[COUNT];
    static size_t sizes[COUNT];
    uint64_t seed = 42;
    int i;

    Snapshot();
    for (i = 0; i < COUNT; i++) {
	sizes[i] = i < 2100 ? (size_t) i : VtRandomNext(&seed) % VT_SMALL_MAX;
	blocks[i] = VtMalloc(sizes[i]);
	CHECK(blocks[i] != NULL);
	CHECK(((uintptr_t) blocks[i] & (VT_ALIGN - 1)) == 0);
	CHECK(Vt_UsableSize(blocks[i]) >= sizes[i]);
	TestFill(blocks[i], sizes[i], (uint64_t) i);
    }
    for (i = 0; i < COUNT; i += 2) {
	VtFree(blocks[i]);
	blocks[i] = VtMalloc(sizes[i]);
	TestFill(blocks[i], sizes[i], (uint64_t) i);
    }
    for (i = 0; i < COUNT; i++) {
	CHECK(TestVerify(blocks[i], sizes[i], (uint64_t) i));
	if (i > 0) {
	    CHECK(blocks[i] != blocks[i - 1]);
	}
    }
    for (i = 0; i < COUNT; i++) {
	VtFree(blocks[i]);
    }
    VtFree(NULL);
}

/*
 *----------------------------------------------------------------------
 *
 * TestLargeBlocks --
 *
 *	Blocks above the largest bucket: page runs and huge blocks, written
 *	end to end, sized and freed; run memory is reused.
 *
 *----------------------------------------------------------------------
 */

static void
TestLargeBlocks(void)
{
    static const size_t sizes[] = {
	VT_SMALL_MAX + 1, 65536, 100000, 1 << 20, VT_LARGE_MAX,
	VT_LARGE_MAX + 1, 3 << 20, 64 << 20
    };
    void *blocks[sizeof(sizes) / sizeof(sizes[0])];
    size_t i, n = sizeof(sizes) / sizeof(sizes[0]);
    VtStats stats;
    void *again;

    Snapshot();
    for (i = 0; i < n; i++) {
	blocks[i] = VtMalloc(sizes[i]);
	CHECK(blocks[i] != NULL);
	CHECK(((uintptr_t) blocks[i] & (VT_ALIGN - 1)) == 0);
	CHECK(Vt_UsableSize(blocks[i]) >= sizes[i]);
	TestFill(blocks[i], sizes[i], i);
    }
    VtGetStats(&stats, NULL, NULL);
    CHECK(COUNTED(Delta(stats.buckets[VT_NBUCKETS].counters.allocs,
	    before.buckets[VT_NBUCKETS].counters.allocs) == (int64_t) n));
    CHECK(stats.committed >= before.committed + (64 << 20));
    for (i = 0; i < n; i++) {
	CHECK(TestVerify(blocks[i], sizes[i], i));
	VtFree(blocks[i]);
    }
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.requested == before.requested);
    CHECK(stats.inuse == before.inuse);
    CHECK(stats.committed < before.committed + (64 << 20));

    /*
     * Freed runs merge with their free neighbours (no two free runs are
     * ever adjacent), and are reused without a new segment.
     */

    blocks[0] = VtMalloc(100000);
    blocks[1] = VtMalloc(100000);
    VtFree(blocks[0]);
    VtFree(blocks[1]);
    for (i = 0; i < 2; i++) {
	VtPage *runPtr = VtSegmentOf(blocks[i])->map[((uintptr_t) blocks[i]
		>> VT_SLICE_SHIFT) & (VT_SLICES - 1)];

	CHECK(runPtr->state == VT_PAGE_FREE && runPtr->slices >= 2);
    }
    CHECK(AllSegmentsValid());
    VtGetStats(&stats, NULL, NULL);
    again = VtMalloc(200000);
    VtFree(again);
    CHECK(stats.segments == before.segments);
}

/*
 *----------------------------------------------------------------------
 *
 * TestRealloc --
 *
 *	In place down to half the block, moving with the contents kept,
 *	headroom for a block that moves to grow (appending byte by byte
 *	copies it a bounded number of times, requested bytes stay exact),
 *	large blocks, NULL.
 *
 *----------------------------------------------------------------------
 */

static void
TestRealloc(void)
{
    char *ptr, *moved;
    VtStats stats;

    Snapshot();
    ptr = VtRealloc(NULL, 20);
    CHECK(ptr != NULL);
    TestFill(ptr, 20, 7);
    CHECK(VtRealloc(ptr, 32) == ptr);
    CHECK(VtRealloc(ptr, 17) == ptr);
    VtGetStats(&stats, NULL, NULL);
    CHECK(COUNTED(Delta(stats.requested, before.requested) == 17));
    moved = VtRealloc(ptr, 1000);
    CHECK(moved != ptr);
    CHECK(TestVerify(moved, 17, 7));
    TestFill(moved, 1000, 9);
    CHECK(Vt_UsableSize(moved) == 1024);
    CHECK(VtRealloc(moved, 513) == moved);
    CHECK(VtRealloc(moved, 1000) == moved);
    TestFill(moved, 1000, 9);
    ptr = VtRealloc(moved, 1025);
    CHECK(ptr != moved && Vt_UsableSize(ptr) >= 1280);
    CHECK(TestVerify(ptr, 1000, 9));
    VtGetStats(&stats, NULL, NULL);
    CHECK(COUNTED(Delta(stats.requested, before.requested) == 1025));
    CHECK(VtRealloc(ptr, 1280) == ptr);
    moved = ptr;
    ptr = VtRealloc(moved, 40);
    CHECK(ptr != moved);
    CHECK(TestVerify(ptr, 40, 9));
    moved = VtRealloc(ptr, 200000);
    CHECK(TestVerify(moved, 40, 9));
    CHECK(VtRealloc(moved, 190000) == moved);
    ptr = VtRealloc(moved, 5 << 20);
    CHECK(TestVerify(ptr, 40, 9));
    CHECK(VtRealloc(ptr, 4 << 20) == ptr);
    VtGetStats(&stats, NULL, NULL);
    CHECK(Delta(stats.requested, before.requested) == 4 << 20);
    VtFree(ptr);
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.requested == before.requested);
    CHECK(stats.allocs - stats.frees == before.allocs - before.frees);

    /*
     * Appending byte by byte up to 256 KiB: a move about every quarter of
     * growth (31 moves), not at every bucket (76), and every move to a
     * block at least 1/8 larger (none back to a smaller one, as when a
     * small block given a run of a slice could not stay in it).
     */

    {
	size_t size, moves = 0, usable = 0, shrinks = 0;

	ptr = NULL;
	for (size = 1; size <= 256 * 1024; size++) {
	    moved = VtRealloc(ptr, size);
	    if (moved != ptr) {
		moves++;
		shrinks += Vt_UsableSize(moved) < usable + usable / 8;
		usable = Vt_UsableSize(moved);
	    }
	    moved[size - 1] = (char) size;
	    ptr = moved;
	}
	CHECK(shrinks == 0);
	for (size = 1; size <= 256 * 1024 && ptr[size - 1] == (char) size;
		size++) {
	    /* Empty loop body. */
	}
	CHECK(size == 256 * 1024 + 1);
	CHECK(moves >= 25 && moves <= 35);
	VtGetStats(&stats, NULL, NULL);
	CHECK(Delta(stats.requested, before.requested) == 256 * 1024);
	VtFree(ptr);
	printf("    appending to 256 KiB: %zu moves\n", moves);
    }

    /*
     * Growing by 4 KiB steps from 1 MiB to 48 MiB, past the largest run
     * into huge blocks: the headroom stays, so the block is given more
     * room about every quarter of growth (18 times), not at every slice
     * (739 times, when the headroom was dropped above 1.6 MiB); its
     * content is kept, and shrinking a huge block keeps it too.
     */

    {
	size_t size, grows = 0, usable;

	ptr = VtMalloc(1 << 20);
	TestFill(ptr, 1 << 20, 5);
	usable = Vt_UsableSize(ptr);
	for (size = (1 << 20) + 4096; size <= (size_t) 48 << 20;
		size += 4096) {
	    ptr = VtRealloc(ptr, size);
	    CHECK(ptr != NULL);
	    grows += Vt_UsableSize(ptr) != usable;
	    usable = Vt_UsableSize(ptr);
	    ptr[size - 1] = (char) (size >> 12);
	}
	CHECK(grows >= 10 && grows <= 30);
	CHECK(TestVerify(ptr, 1 << 20, 5));
	for (size = (1 << 20) + 4096; size <= (size_t) 48 << 20
		&& ptr[size - 1] == (char) (size >> 12); size += 4096) {
	    /* Empty loop body. */
	}
	CHECK(size > (size_t) 48 << 20);
	ptr = VtRealloc(ptr, 5 << 20);
	CHECK(TestVerify(ptr, 1 << 20, 5) && Vt_UsableSize(ptr) < 6 << 20);
	VtGetStats(&stats, NULL, NULL);
	CHECK(Delta(stats.requested, before.requested) == 5 << 20);
	VtFree(ptr);
	VtGetStats(&stats, NULL, NULL);
	CHECK(stats.huge == before.huge);
	printf("    growing to 48 MiB by 4 KiB: %zu grows\n", grows);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * TestZeroed --
 *
 *	VtMallocZeroed (calloc): zeros where the memory was used before,
 *	small or large, at any offset of the runs; and a huge block that is
 *	not written (its memory stays out of the RSS).
 *
 *----------------------------------------------------------------------
 */

static void
TestZeroed(void)
{
    static const size_t sizes[] = { 100, 5000, 32768, 40000, 100000,
	(size_t) 1 << 20, 1500000, (size_t) 3 << 20 };
    char *dirty[40], *ptr;
    size_t i, j, k, bad = 0;
    uint64_t rss;
#if !defined(_WIN32) && !defined(__SANITIZE_ADDRESS__) \
	&& !defined(__SANITIZE_THREAD__)
    VtStats stats;
#endif

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
	for (j = 0; j < 40; j++) {
	    dirty[j] = VtMalloc(sizes[(i + j) % 8] + j * 4096);
	    memset(dirty[j], 0xAB, sizes[(i + j) % 8] + j * 4096);
	}
	for (j = 0; j < 40; j += 2) {
	    VtFree(dirty[j]);
	}
	for (j = 0; j < 40; j += 2) {
	    dirty[j] = VtMallocZeroed(sizes[i] + j * 1000);
	    for (k = 0; k < sizes[i] + j * 1000; k++) {
		bad += dirty[j][k] != 0;
	    }
	}
	for (j = 0; j < 40; j++) {
	    VtFree(dirty[j]);
	}
    }
    CHECK(bad == 0);
    rss = VtpRss();
    ptr = VtMallocZeroed((size_t) 256 << 20);
    CHECK(ptr != NULL);
    if (rss != 0 && !VT_VALGRIND) {
	CHECK(VtpRss() < rss + (8 << 20));
	if (currentFailed) {
	    printf("    rss %llu KiB -> %llu KiB\n",
		    (unsigned long long) rss >> 10,
		    (unsigned long long) VtpRss() >> 10);
	}
    }
    for (k = 0; k < (size_t) 256 << 20; k += 4096) {
	bad += ptr[k] != 0;
    }
    CHECK(bad == 0);
    VtFree(ptr);

#if !defined(_WIN32) && !defined(__SANITIZE_ADDRESS__) \
	&& !defined(__SANITIZE_THREAD__)
    /*
     * Locked memory, which the OS refuses to release, keeps its data: it
     * stays committed (its segment mapped), and a zeroed block there is
     * cleared. (The sanitizer runtimes make mlock do nothing.)
     */

    (void) VtTrim();
    VtGetStats(&stats, NULL, NULL);
    ptr = VtMalloc(1 << 20);
    if (mlock(ptr, 1 << 20) == 0) {
	uint64_t committed = stats.committed;
	char *again;

	memset(ptr, 0xAB, 1 << 20);
	VtFree(ptr);
	(void) VtTrim();
	VtGetStats(&stats, NULL, NULL);
	CHECK(stats.committed >= committed + (1 << 20));
	again = VtMallocZeroed(1 << 20);
	for (k = 0; k < (1 << 20); k++) {
	    bad += again[k] != 0;
	}
	CHECK(bad == 0);
	munlock(ptr, 1 << 20);
	VtFree(again);
    } else {
	VtFree(ptr);
    }
#endif
}

/*
 *----------------------------------------------------------------------
 *
 * TestStats --
 *
 *	requested and inuse are exact; per-bucket counts add up to the
 *	totals; everything returns to the start after the frees.
 *
 *----------------------------------------------------------------------
 */

static void
TestStats(void)
{
    enum { COUNT = 1000 };
    static void *blocks[COUNT];
    uint64_t requested = 0, inuse = 0, sumInuse = 0;
    VtStats stats;
    unsigned bucket;
    int i;

    Snapshot();
    for (i = 0; i < COUNT; i++) {
	size_t size = (size_t) (i * 37) % 3000;

	blocks[i] = VtMalloc(size);
	requested += size;
	inuse += VT_BUCKET_SIZE(VtBucketOfSize(size));
    }
    VtGetStats(&stats, NULL, NULL);
    CHECK(COUNTED(Delta(stats.requested, before.requested)
	    == (int64_t) requested));
    CHECK(Delta(stats.inuse, before.inuse) == (int64_t) inuse);
    CHECK(COUNTED(Delta(stats.allocs, before.allocs) == COUNT));
    CHECK(stats.threads == 1);
    CHECK(stats.rss > 0);
    CHECK(stats.committed >= stats.inuse);
    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	sumInuse += stats.buckets[bucket].inuse * stats.buckets[bucket].size;
    }
    CHECK(sumInuse == stats.inuse);
    for (i = 0; i < COUNT; i++) {
	VtFree(blocks[i]);
    }
    VtGetStats(&stats, NULL, NULL);
    CHECK(stats.requested == before.requested);
    CHECK(stats.inuse == before.inuse);
    CHECK(COUNTED(Delta(stats.frees, before.frees) == COUNT));
    CHECK(stats.remoteFrees == before.remoteFrees);
}

/*
 *----------------------------------------------------------------------
 *
 * TestPagesCoalesce --
 *
 *	Fill several pages of 48-byte blocks, free them: the pages go back
 *	to their segment as free runs, which then serve 4 KiB blocks without
 *	a new segment.
 *
 *----------------------------------------------------------------------
 */

static void
TestPagesCoalesce(void)
{
    enum { COUNT = 40000 };
    static void *blocks[COUNT];
    VtStats full, after, shifted;
    int i;

    for (i = 0; i < COUNT; i++) {
	blocks[i] = VtMalloc(48);
    }
    VtGetStats(&full, NULL, NULL);
    for (i = 0; i < COUNT; i++) {
	VtFree(blocks[i]);
    }
    VtGetStats(&after, NULL, NULL);
    CHECK(after.pagesInuse + 20 < full.pagesInuse);
    CHECK(after.pagesFree + after.pagesReleased
	    >= full.pagesFree + full.pagesReleased + 20);
    for (i = 0; i < 400; i++) {
	blocks[i] = VtMalloc(4096);
    }
    VtGetStats(&shifted, NULL, NULL);
    CHECK(shifted.segments == after.segments);
    for (i = 0; i < 400; i++) {
	VtFree(blocks[i]);
    }
    CHECK(AllSegmentsValid());
}

/*
 *----------------------------------------------------------------------
 *
 * TestHotReuse --
 *
 *	A block freed into a full page, while the bucket's current page has
 *	nothing left, makes that page current: the next allocation of the
 *	bucket takes the fast path and gets the block just freed (still in
 *	the processor's cache) instead of a refill and a cold block.
 *
 *----------------------------------------------------------------------
 */

static void
TestHotReuse(void)
{
    enum { SIZE = 1024 };
    static void *blocks[1024];
    unsigned bucket = VtBucketOfSize(SIZE);
    uint32_t reserved = vtBuckets[bucket].reserved;
    VtPage *currentPtr, *fullPtr;
    int count = 0, i;

    CHECK(3 * reserved < 1024);
    do {
	blocks[count++] = VtMalloc(SIZE);
	currentPtr = vtCachePtr->pages[bucket];
    } while (count < (int) (3 * reserved) && !(currentPtr->freePtr == NULL
	    && VtLoad(&currentPtr->capacity) == reserved
	    && count > (int) reserved));
    CHECK(currentPtr->freePtr == NULL);
    fullPtr = VtLookup(blocks[0], "test");
    CHECK(fullPtr != currentPtr && VtPageIsFull(fullPtr)
	    && VtUsed(fullPtr) == reserved);
    CHECK(!VtPageIsFull(currentPtr) && VtUsed(currentPtr) == reserved);
    VtFree(blocks[0]);
    CHECK(vtCachePtr->pages[bucket] == fullPtr);
    CHECK(!VtPageIsFull(fullPtr) && VtUsed(fullPtr) == reserved - 1);
    CHECK(VtPageIsFull(currentPtr) && VtUsed(currentPtr) == reserved);
    CHECK(VtMalloc(SIZE) == blocks[0]);
    CHECK(VtUsed(fullPtr) == reserved);

    /*
     * The current page stays when its last block goes; the others go
     * back to their segment.
     */

    for (i = 0; i < count; i++) {
	VtFree(blocks[i]);
    }
    CHECK(vtCachePtr->pages[bucket] == fullPtr && VtUsed(fullPtr) == 0
	    && !VtPageIsFull(fullPtr) && fullPtr->state == VT_PAGE_SMALL);
    CHECK(vtCachePtr->full[bucket].count == 0
	    && vtCachePtr->partial[bucket].count == 0);
}

/*
 *----------------------------------------------------------------------
 *
 * TestBadPointers --
 *
 *	Everything that Zippy's block magic catches, caught without one: a
 *	stack address, a global, another allocator's block, an interior
 *	pointer, a double free (small, large, huge), a realloc of a freed
 *	block, vtalloc's own header. Each panics naming the pointer; the
 *	allocator keeps working afterwards.
 *
 *----------------------------------------------------------------------
 */

static void
TestBadPointers(void)
{
    int local;
    char name[64];
    void *foreign = malloc(64);
    char *small = VtMalloc(100), *large = VtMalloc(200000);
    char *huge = VtMalloc(8 << 20), *next;

    snprintf(name, sizeof(name), "%p", (void *) &local);
    /*
     * Through the API, as a caller would: VtFree inlined here makes gcc
     * warn that the block's header is outside the variable.
     */

    EXPECT_PANIC(Vt_Free((char *) &local), name);
    EXPECT_PANIC(Vt_Free((char *) &local), "not vtalloc's memory");
    EXPECT_PANIC(Vt_Free((char *) &globalVariable), "not vtalloc's memory");
    EXPECT_PANIC(VtFree(foreign), "not vtalloc's memory");
    EXPECT_PANIC(VtFree(small + 16), "not the start of a block");
    EXPECT_PANIC(VtFree(small + 1), "not the start of a block");
    EXPECT_PANIC(VtFree(large + 4096), "not the start of a block");
    EXPECT_PANIC(VtFree(huge + 16), "not the start of a block");
    EXPECT_PANIC(VtFree(VtSegmentOf(small)), "own headers");
    EXPECT_PANIC(VtRealloc(small + 32, 10), "passed to realloc");
    EXPECT_PANIC(Vt_UsableSize(&local), "passed to usable size");

    VtFree(small);
    snprintf(name, sizeof(name), "%p", (void *) small);
    EXPECT_PANIC(VtFree(small), "double free");
    EXPECT_PANIC(VtFree(small), name);
    EXPECT_PANIC(VtRealloc(small, 10), "double free");
    VtFree(large);
    EXPECT_PANIC(VtFree(large), "free page");
    VtFree(huge);
    EXPECT_PANIC(VtFree(huge), "not vtalloc's memory");

    next = VtMalloc(100);
    CHECK(next == small);
    TestFill(next, 100, 3);
    CHECK(TestVerify(next, 100, 3));
    VtFree(next);
    free(foreign);
}

/*
 *----------------------------------------------------------------------
 *
 * TestAligned --
 *
 *	Every power-of-two alignment up to half a segment, with sizes around
 *	it: the block is aligned, usable for the size, and can be freed.
 *
 *----------------------------------------------------------------------
 */

static void
TestAligned(void)
{
    size_t align, size;
    int bad = 0;

    for (align = 32; align <= VT_SMALL_MAX; align <<= 1) {
	for (size = align; size <= 16 * align && size <= VT_SMALL_MAX;
		size += align) {
	    size_t block = VT_BUCKET_SIZE(VtBucketOfSize(size));

	    bad += block % align != 0;
	}
    }
    CHECK(bad == 0);
    for (align = 1; align <= VT_SEGMENT_SIZE / 2; align <<= 1) {
	static const size_t sizes[] = { 0, 1, 100, 5000, 70000, 3000000 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
	    char *ptr = VtMallocAligned(sizes[i], align);

	    CHECK(ptr != NULL);
	    if (ptr == NULL) {
		continue;
	    }
	    if (((uintptr_t) ptr & (align - 1)) != 0
		    || Vt_UsableSize(ptr) < sizes[i]) {
		printf("    align %zu size %zu: %p usable %zu\n", align,
			sizes[i], (void *) ptr, Vt_UsableSize(ptr));
		bad++;
	    }
	    memset(ptr, 1, sizes[i]);
	    VtFree(ptr);
	}
    }
    CHECK(bad == 0);

    /*
     * Small blocks aligned above a slice are runs that share segments
     * (a segment of its own each cost 36 KiB of header and 4 MiB of
     * address space).
     */

    {
	enum { COUNT = 1000 };
	static char *blocks[COUNT];
	VtStats stats;
	int i;

	Snapshot();
	for (i = 0; i < COUNT; i++) {
	    blocks[i] = VtMallocAligned(100, (size_t) 128 << 10);
	    CHECK(blocks[i] != NULL
		    && ((uintptr_t) blocks[i] & ((128 << 10) - 1)) == 0);
	    memset(blocks[i], 3, 100);
	}
	VtGetStats(&stats, NULL, NULL);
	CHECK(stats.huge == before.huge);
	CHECK(stats.segments <= before.segments + COUNT / 30 + 2);
	printf("    %d blocks aligned on 128 KiB: %llu segments more\n",
		COUNT, (unsigned long long) (stats.segments
		- before.segments));
	for (i = 0; i < COUNT; i++) {
	    VtFree(blocks[i]);
	}
    }
    CHECK(VtMallocAligned(10, 48) == NULL);
    CHECK(VtMallocAligned(10, VT_SEGMENT_SIZE) == NULL);
}

/*
 *----------------------------------------------------------------------
 *
 * TestApi --
 *
 *	The public C API: Tcl_Alloc semantics, NULL from the Attempt forms,
 *	a panic naming the size from the others.
 *
 *----------------------------------------------------------------------
 */

static void
TestApi(void)
{
    char *ptr = Vt_Alloc(0), *other = Vt_Alloc(0);

    CHECK(ptr != NULL && other != NULL && ptr != other);
    Vt_Free(ptr);
    Vt_Free(other);
    Vt_Free(NULL);
    ptr = Vt_Realloc(NULL, 10);
    memcpy(ptr, "vtalloc!!", 10);
    ptr = Vt_Realloc(ptr, 100000);
    CHECK(memcmp(ptr, "vtalloc!!", 10) == 0);
    CHECK(Vt_AttemptRealloc(ptr, 100) != NULL);
    ptr = Vt_AttemptAlloc(16);
    CHECK(ptr != NULL);
    Vt_Free(ptr);
    CHECK(Vt_AttemptMalloc(SIZE_MAX - 4096) == NULL);
    CHECK(Vt_AttemptMalloc((size_t) 1 << 62) == NULL);
    ptr = Vt_Malloc(10);
    CHECK(Vt_AttemptReallocSize(ptr, (size_t) 1 << 62) == NULL);
    EXPECT_PANIC(Vt_ReallocSize(ptr, (size_t) 1 << 62),
	    "unable to realloc 4611686018427387904 bytes");
    Vt_Free(ptr);
    EXPECT_PANIC(Vt_Malloc((size_t) 1 << 62),
	    "unable to alloc 4611686018427387904 bytes");
    Vt_Trim();
}

int
main(void)
{
    VtSetPanicProc(TestPanic);
    VtInit();

    /*
     * These tests compare figures before and after; keep the release of
     * free memory (unit/testRelease.c) from moving them meanwhile.
     */

    VtOptionSet(VT_OPTION_DECAY, 3600000);
    RunTest("buckets", TestBuckets);
    RunTest("block boundaries", TestBlockBoundaries);
    RunTest("side-array entries", TestSideEntries);
    RunTest("small blocks", TestSmallBlocks);
    RunTest("large blocks", TestLargeBlocks);
    RunTest("realloc", TestRealloc);
    RunTest("stats", TestStats);
    RunTest("pages coalesce", TestPagesCoalesce);
    RunTest("hot reuse", TestHotReuse);
    RunTest("bad pointers", TestBadPointers);
    RunTest("aligned", TestAligned);
    RunTest("zeroed", TestZeroed);
    RunTest("api", TestApi);
    return TestSummary("testCore");
}
