/*
 * vtStats.c --
 *
 *	Statistics on demand: the counters that every cache keeps without
 *	locks are summed here, under the shared lock, together with a walk
 *	of the segments for the page figures, the committed bytes and the
 *	requested bytes (from the pages' side arrays).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

#define VT_STATS_ROUND 4		/* Segments (16 MiB) walked per hold of
					 * the shared lock. */

static void		AddCounters(VtCounters *sumPtr,
			    const VtCounterArrays *arraysPtr, unsigned bucket);
static void		SumCounters(VtCounters *sumPtr,
			    const VtCounters *countersPtr);
static uint64_t		PageLive(const VtPage *pagePtr,
			    uint64_t *requestedPtr);
static uint64_t		LargeRequested(const VtPage *pagePtr);

/*
 *----------------------------------------------------------------------
 *
 * AddCounters, SumCounters --
 *
 *	Add a bucket's counters of a cache (AddCounters) or a set of counters
 *	(SumCounters) to a sum.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Changes *sumPtr.
 *
 *----------------------------------------------------------------------
 */

static void
AddCounters(
    VtCounters *sumPtr,
    const VtCounterArrays *arraysPtr,
    unsigned bucket)
{
    VtRacyReadsBegin();		/* The cache's thread goes on counting. */
#define VT_ADD(name, key) sumPtr->name += VtRacyLoad(&arraysPtr->name[bucket]);
    VT_BUCKET_COUNTERS(VT_ADD)
#undef VT_ADD
    VtRacyReadsEnd();
}

static void
SumCounters(
    VtCounters *sumPtr,
    const VtCounters *countersPtr)
{
#define VT_ADD(name, key) sumPtr->name += countersPtr->name;
    VT_BUCKET_COUNTERS(VT_ADD)
#undef VT_ADD
}

/*
 *----------------------------------------------------------------------
 *
 * PageLive --
 *
 *	The live blocks of a page of small blocks and the bytes asked for
 *	by them, from its side array (none without VT_STATS, which keeps
 *	no side array): a block is live if it is carved and
 *	not free (its cookie, see VtBlockIsFree). The cookie is read while
 *	the block's holder may be writing the block: a snapshot, as every
 *	figure of a running thread is; the page itself cannot go away (the
 *	shared lock is held).
 *
 * Results:
 *	The number of live blocks; the bytes are added to *requestedPtr.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static uint64_t
PageLive(
    const VtPage *pagePtr,
    uint64_t *requestedPtr)
{
    uint64_t live = 0;
    uint32_t i, capacity = VtLoad(&pagePtr->capacity);

    VtRacyReadsBegin();
    for (i = 0; i < capacity; i++) {
	const VtBlock *blockPtr = (const VtBlock *) (pagePtr->start
		+ (size_t) i * pagePtr->blockSize);

	if (!VtBlockIsFree(blockPtr)) {
	    live++;
	    *requestedPtr += VT_STATS ? VtSideGet(pagePtr, blockPtr) : 0;
	}
    }
    VtRacyReadsEnd();
    return live;
}

/*
 *----------------------------------------------------------------------
 *
 * LargeRequested --
 *
 *	The bytes asked for by a large or huge block, which its holder may
 *	be changing (a realloc in place) as they are read: a snapshot.
 *
 * Results:
 *	The bytes.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static uint64_t
LargeRequested(
    const VtPage *pagePtr)
{
    uint64_t requested;

    VtRacyReadsBegin();
    requested = VtRacyLoad(&pagePtr->u.requested);
    VtRacyReadsEnd();
    return requested;
}

/*
 *----------------------------------------------------------------------
 *
 * VtGetStats --
 *
 *	Fill *statsPtr with the process-wide figures and, if cachesPtr is
 *	not NULL, up to *countPtr per-cache figures: the shared cache first,
 *	then one per thread cache; *countPtr is set to the number filled.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Takes the shared lock for the walk, leaving it every VT_STATS_ROUND
 *	segments. Threads allocating meanwhile are not stopped, so figures
 *	of a busy process are a snapshot taken over a short interval.
 *
 *----------------------------------------------------------------------
 */

void
VtGetStats(
    VtStats *statsPtr,
    VtCacheStats *cachesPtr,
    size_t *countPtr)
{
    uint64_t carved[VT_NBUCKETS + 1], live[VT_NBUCKETS + 1];
    uint64_t largeBytes = 0;
    VtBucketStats *largePtr = &statsPtr->buckets[VT_NBUCKETS];
    size_t slots = 0, maxSlots = cachesPtr != NULL ? *countPtr : 0;
    VtSegment *segPtr;
    VtCache *cachePtr;
    unsigned i, normal = 0;

    memset(statsPtr, 0, sizeof(VtStats));
    memset(carved, 0, sizeof(carved));
    memset(live, 0, sizeof(live));
    VtInit();
    VtpLockAcquire(&vtpSharedLock);
    VtWalkBegin();
    statsPtr->threads = vtShared.threads;
    statsPtr->segments = vtShared.segments;
    statsPtr->dirty = vtShared.dirtyBytes;
    statsPtr->huge = vtShared.hugeBytes;
    statsPtr->released = vtShared.releasedBytes;
    statsPtr->purges = vtShared.purges;
    statsPtr->swept = vtShared.swept;
    statsPtr->given = vtShared.given;
    statsPtr->heldGivenBack = vtShared.heldGivenBack;
    statsPtr->idleTrims = vtShared.idleTrims;

    /*
     * Counters: the retired ones belong to the shared cache (slot 0).
     */

    if (maxSlots > 0) {
	memset(&cachesPtr[0], 0, sizeof(VtCacheStats));
	for (i = 0; i <= VT_NBUCKETS; i++) {
	    AddCounters(&cachesPtr[0].buckets[i].counters,
		    &vtShared.retired, i);
	}
	slots = 1;
    }
    for (i = 0; i <= VT_NBUCKETS; i++) {
	AddCounters(&statsPtr->buckets[i].counters, &vtShared.retired, i);
    }
    for (cachePtr = vtShared.cachesPtr; cachePtr != NULL;
	    cachePtr = cachePtr->nextPtr) {
	VtCacheStats *slotPtr = NULL;

	cachePtr->statsSlot = -1;
	statsPtr->held += VtLoad(&cachePtr->heldBytes);
	if (slots < maxSlots) {
	    slotPtr = &cachesPtr[slots];
	    memset(slotPtr, 0, sizeof(VtCacheStats));
	    slotPtr->threadId = cachePtr->threadId;
	    slotPtr->held = VtLoad(&cachePtr->heldBytes);
	    cachePtr->statsSlot = (int) slots++;
	}
	for (i = 0; i <= VT_NBUCKETS; i++) {
	    VtCounters counters;

	    /*
	     * The thread goes on counting: read its counters once, so that
	     * its entry and the totals agree.
	     */

	    memset(&counters, 0, sizeof(counters));
	    AddCounters(&counters, &cachePtr->counts, i);
	    SumCounters(&statsPtr->buckets[i].counters, &counters);
	    if (slotPtr != NULL) {
		SumCounters(&slotPtr->buckets[i].counters, &counters);
	    }
	}
    }

    /*
     * Pages: committed memory, page counts, and per bucket the carved,
     * live and requested figures, each also for the page's cache. Every
     * VT_STATS_ROUND normal segments the walk lets the threads that wait
     * for the lock through, standing on a normal segment (see
     * VtWalkBegin): a cache that comes meanwhile has no slot, one that
     * goes loses its own.
     */

    for (segPtr = vtShared.segmentsPtr; segPtr != NULL;
	    segPtr = segPtr->nextPtr) {
	if (segPtr->kind == VT_SEGMENT_NORMAL
		&& ++normal % VT_STATS_ROUND == 0) {
	    VtpLockRelease(&vtpSharedLock);
	    VtpSleep(0);
	    VtpLockAcquire(&vtpSharedLock);
	}
	statsPtr->committed += VtSegmentCommitted(segPtr);
	statsPtr->reserved += segPtr->size;
	if (segPtr->kind == VT_SEGMENT_HUGE) {
	    statsPtr->pagesInuse++;
	    live[VT_NBUCKETS]++;
	    largeBytes += VtUsableSize(&segPtr->pages[1]);
	    largePtr->requested += LargeRequested(&segPtr->pages[1]);
	    continue;
	}
	for (i = 1; i < VT_SLICES; i += segPtr->map[i]->slices) {
	    VtPage *pagePtr = segPtr->map[i];
	    VtCache *ownerPtr;
	    uint64_t requested = 0, pageLive, capacity;
	    int slot = -1;

	    switch (pagePtr->state) {
	    case VT_PAGE_SMALL:
		capacity = VtLoad(&pagePtr->capacity);
		pageLive = PageLive(pagePtr, &requested);
		statsPtr->pagesOrphaned += pagePtr->orphan;
		carved[pagePtr->bucket] += capacity;
		live[pagePtr->bucket] += pageLive;
		statsPtr->buckets[pagePtr->bucket].requested += requested;
		ownerPtr = atomic_load_explicit(&pagePtr->ownerPtr,
			memory_order_relaxed);
		if (ownerPtr != NULL && ownerPtr->parkedBytes != 0) {
		    statsPtr->pagesParked++;
		} else {
		    statsPtr->pagesInuse++;
		}
		if (ownerPtr != NULL) {
		    slot = ownerPtr->statsSlot;
		} else if (pagePtr->orphan && maxSlots > 0) {
		    slot = 0;
		}
		if (slot >= 0) {
		    VtBucketStats *bucketPtr =
			    &cachesPtr[slot].buckets[pagePtr->bucket];

		    cachesPtr[slot].pages++;
		    bucketPtr->inuse += pageLive;
		    bucketPtr->free += capacity - pageLive;
		    bucketPtr->requested += requested;
		}
		break;
	    case VT_PAGE_LARGE:
		statsPtr->pagesInuse++;
		live[VT_NBUCKETS]++;
		largeBytes += VtUsableSize(pagePtr);
		largePtr->requested += LargeRequested(pagePtr);
		break;
	    case VT_PAGE_FREE:
	    case VT_PAGE_RELEASING: {
		unsigned dirty = VT_POPCOUNT64(segPtr->committedMask
			& ((~(uint64_t) 0 >> (64 - pagePtr->slices)) << i));

		statsPtr->pagesFree += dirty;
		statsPtr->pagesReleased += pagePtr->slices - dirty;
		break;
	    }
	    }
	}
    }
    VtWalkEnd();
    VtpLockRelease(&vtpSharedLock);

    for (i = 0; i <= VT_NBUCKETS; i++) {
	VtBucketStats *bucketPtr = &statsPtr->buckets[i];
	VtCounters *countersPtr = &bucketPtr->counters;
	uint64_t allocs = countersPtr->allocs;
	uint64_t frees = countersPtr->frees;
	size_t slot;

	/*
	 * With counters, live blocks are what was handed out less what was
	 * freed, read at one moment per thread; without, what the walk of
	 * the pages found.
	 */

	bucketPtr->size = i < VT_NBUCKETS ? VT_BUCKET_SIZE(i) : 0;
	bucketPtr->inuse = VT_STATS ? allocs - frees : live[i];
	bucketPtr->free = carved[i] > bucketPtr->inuse
		? carved[i] - bucketPtr->inuse : 0;
	statsPtr->allocs += allocs;
	statsPtr->frees += frees;
	statsPtr->remoteFrees += countersPtr->remoteFrees;
	statsPtr->requested += bucketPtr->requested;
	if (i < VT_NBUCKETS) {
	    statsPtr->inuse += bucketPtr->inuse * bucketPtr->size;
	}
	for (slot = 0; slot < slots; slot++) {
	    cachesPtr[slot].buckets[i].size = bucketPtr->size;
	}
    }
    statsPtr->inuse += largeBytes;
    statsPtr->rss = VtpRss();
    statsPtr->counted = VT_STATS;
    if (countPtr != NULL) {
	*countPtr = slots;
    }
}
