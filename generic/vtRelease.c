/*
 * vtRelease.c --
 *
 *	Giving memory back to the OS. Free page runs stay committed ("dirty")
 *	for a short decay so that a bucket that empties and refills does not
 *	pay a system call each time; after the decay their memory is released
 *	(decommitted), and segments with no page in use are unmapped. A
 *	reserve of idle memory (dirty runs and pages parked for the next
 *	thread) is kept to absorb thread churn while the shared cache is
 *	drawn on, and released too once it is not. The work runs on slow
 *	paths and, when the process goes idle, in a background purger thread
 *	that exits once nothing is left to release. A trim releases
 *	everything free at once.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

#define VT_MS 1000000u			/* Nanoseconds per millisecond. */

static void		PurgerMain(void *data);
static int		OrphansPending(void);

/*
 *----------------------------------------------------------------------
 *
 * VtPurge --
 *
 *	Release the free runs that have been free for the decay time (all of
 *	them with `force`) until no more than `keep` bytes stay idle (the
 *	touched bytes of free runs and the carved bytes of parked pages: the
 *	reserve covers both; with `keep` 0 parked pages go back first), and
 *	unmap the segments left with nothing in use and nothing committed.
 *	Shared lock held.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	System calls (madvise, munmap).
 *
 *----------------------------------------------------------------------
 */

void
VtPurge(
    int force,
    uint64_t keep)
{
    uint64_t now = VtpNow();
    uint64_t decay = (uint64_t) VtOption(DECAY) * VT_MS;
    VtSegment *segPtr, *nextPtr;
    unsigned i;

    if (keep == 0) {
	VtUnpark();
    }
    keep = keep > vtShared.parkedBytes ? keep - vtShared.parkedBytes : 0;
    vtShared.purges++;
    vtShared.lastPurge = now;
    for (segPtr = vtShared.segmentsPtr; segPtr != NULL; segPtr = nextPtr) {
	nextPtr = segPtr->nextPtr;
	if (segPtr->kind != VT_SEGMENT_NORMAL) {
	    continue;
	}
	for (i = 1; i < VT_SLICES && vtShared.dirtyBytes > keep;
		i += segPtr->map[i]->slices) {
	    VtPage *runPtr = segPtr->map[i];

	    if (runPtr->state == VT_PAGE_FREE
		    && (force || now - runPtr->u.freeSince >= decay)) {
		VtRunDecommit(runPtr);
	    }
	}
	if (segPtr->usedSlices == 0
		&& (segPtr->committedMask & ~(uint64_t) 1) == 0
		&& (force || now - segPtr->pages[1].u.freeSince >= decay)) {
	    VtSegmentRelease(segPtr);
	}
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtReleaseFreed --
 *
 *	Called as the shared lock is left while free runs are committed and
 *	no purger runs, or blocks were freed into orphans: release at once
 *	when the decay is 0, else leave it to the purger thread (asking for
 *	one if none runs), or without a purger, release what has decayed at
 *	most twice per decay.
 *
 * Results:
 *	1 if the caller must start the purger once the lock is left.
 *
 * Side effects:
 *	May release memory.
 *
 *----------------------------------------------------------------------
 */

int
VtReleaseFreed(void)
{
    uint64_t decay = (uint64_t) VtOption(DECAY) * VT_MS;

    if (decay == 0 || !VtOption(PURGER)) {
	uint64_t now = VtpNow();

	if (decay == 0 || now - vtShared.lastPurge >= decay / 2) {
	    VtSweepOrphans();
	    VtPurge(decay == 0, VtReserveKeep(now));
	}
	return 0;
    }
    if (vtShared.purgerRunning) {
	return 0;
    }
    vtShared.purgerRunning = 1;
    return 1;
}

/*
 *----------------------------------------------------------------------
 *
 * VtReserveKeep --
 *
 *	How much free memory to keep committed now: the reserve while the
 *	shared cache is drawn on (a run or a parked cache was taken within
 *	the last two decays: threads come and go, buckets empty and refill),
 *	nothing once it is not, so that memory goes back to the OS entirely
 *	when the load drops.
 *	Called by the purger at least every 100 ms while anything is left
 *	to release, so that a take is seen within that; shared lock held.
 *
 * Results:
 *	Bytes.
 *
 * Side effects:
 *	Notes when takes were last seen.
 *
 *----------------------------------------------------------------------
 */

uint64_t
VtReserveKeep(
    uint64_t now)
{
    uint64_t decay = (uint64_t) VtOption(DECAY) * VT_MS;

    if (vtShared.takes != vtShared.takesSeen) {
	vtShared.takesSeen = vtShared.takes;
	vtShared.lastTake = now;
    }
    return now - vtShared.lastTake < 2 * decay
	    ? (uint64_t) VtOption(RESERVE) : 0;
}

/*
 *----------------------------------------------------------------------
 *
 * VtUnpark --
 *
 *	Give the pages that parked caches keep back to their segments.
 *	Shared lock held.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	The pages become free runs (dirty, for VtPurge to release).
 *
 *----------------------------------------------------------------------
 */

void
VtUnpark(void)
{
    VtCache *cachePtr;
    unsigned bucket;

    for (cachePtr = vtShared.freeCachesPtr; cachePtr != NULL;
	    cachePtr = cachePtr->nextPtr) {
	for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	    if (cachePtr->pages[bucket] != &vtEmptyPage) {
		VtRunFree(cachePtr->pages[bucket]);
		cachePtr->pages[bucket] = &vtEmptyPage;
	    }
	}
	cachePtr->parkedBytes = 0;
    }
    vtShared.parkedBytes = 0;
}

/*
 *----------------------------------------------------------------------
 *
 * OrphansPending --
 *
 *	Whether some orphan page has remote frees to collect (and so may
 *	become empty). Shared lock held.
 *
 * Results:
 *	1 or 0.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static int
OrphansPending(void)
{
    unsigned bucket;
    VtPage *pagePtr;

    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	for (pagePtr = vtShared.orphans[bucket].firstPtr; pagePtr != NULL;
		pagePtr = pagePtr->nextPtr) {
	    if (atomic_load_explicit(&pagePtr->remote,
		    memory_order_relaxed) != 0) {
		return 1;
	    }
	}
    }
    return 0;
}

/*
 *----------------------------------------------------------------------
 *
 * VtSweepOrphans --
 *
 *	Collect the remote frees of every orphan page and give back those
 *	left with no live block. Shared lock held (it stands in for the
 *	owner of orphans).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Emptied orphans become free runs.
 *
 *----------------------------------------------------------------------
 */

void
VtSweepOrphans(void)
{
    unsigned bucket;
    VtPage *pagePtr, *nextPtr;

    atomic_store_explicit(&vtShared.orphanFreed, 0, memory_order_relaxed);
    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	VtPageList *listPtr = &vtShared.orphans[bucket];

	for (pagePtr = listPtr->firstPtr; pagePtr != NULL; pagePtr = nextPtr) {
	    nextPtr = pagePtr->nextPtr;
	    VtPageCollect(pagePtr);
	    if (pagePtr->used == 0) {
		VtListRemove(listPtr, pagePtr);
		VtRunFree(pagePtr);
	    }
	}
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtCacheTrim --
 *
 *	Trim the calling thread's cache: give back the blocks it holds (see
 *	FreeRemote), collect the remote frees of all its pages, give back
 *	every page with no live block (the current pages too), and release
 *	all free runs.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Takes the shared lock; system calls.
 *
 *----------------------------------------------------------------------
 */

void
VtCacheTrim(
    VtCache *cachePtr)
{
    unsigned bucket;
    VtPage *pagePtr, *nextPtr;

    cachePtr->trimEpoch = atomic_load_explicit(&vtShared.trimEpoch,
	    memory_order_relaxed);
    VtReleaseHeld(cachePtr);
    VtSharedLock(NULL, 0);
    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	pagePtr = cachePtr->pages[bucket];
	if (pagePtr != &vtEmptyPage) {
	    VtPageCollect(pagePtr);
	    if (pagePtr->used == 0) {
		cachePtr->pages[bucket] = &vtEmptyPage;
		VtRunFree(pagePtr);
	    }
	}
	for (pagePtr = cachePtr->full[bucket].firstPtr; pagePtr != NULL;
		pagePtr = nextPtr) {
	    nextPtr = pagePtr->nextPtr;
	    VtPageCollect(pagePtr);
	    if (pagePtr->freePtr != NULL) {
		VtListRemove(&cachePtr->full[bucket], pagePtr);
		pagePtr->inFull = 0;
		VtListPush(&cachePtr->partial[bucket], pagePtr);
	    }
	}
	for (pagePtr = cachePtr->partial[bucket].firstPtr; pagePtr != NULL;
		pagePtr = nextPtr) {
	    nextPtr = pagePtr->nextPtr;
	    VtPageCollect(pagePtr);
	    if (pagePtr->used == 0) {
		VtListRemove(&cachePtr->partial[bucket], pagePtr);
		VtRunFree(pagePtr);
	    }
	}
    }
    VtPurge(1, 0);
    VtSharedUnlock();
}

/*
 *----------------------------------------------------------------------
 *
 * VtTrim --
 *
 *	Release everything free now: the calling thread's cache at once,
 *	emptied orphans, all free runs; every other thread trims its own
 *	cache on its next slow path.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	System calls.
 *
 *----------------------------------------------------------------------
 */

void
VtTrim(void)
{
    VtInit();
    atomic_fetch_add_explicit(&vtShared.trimEpoch, 1, memory_order_relaxed);
    if (vtCachePtr != &vtEmptyCache) {
	VtCacheTrim(vtCachePtr);
    }
    VtSharedLock(NULL, 0);
    VtSweepOrphans();
    VtPurge(1, 0);
    VtSharedUnlock();
}

/*
 *----------------------------------------------------------------------
 *
 * VtPurgerStart, PurgerMain --
 *
 *	The background purger: wakes every half decay (at most every 100 ms),
 *	sweeps the orphans, releases what has decayed beyond the reserve
 *	(all of it, parked pages included, once the shared cache is not
 *	drawn on), and ends once nothing free is left committed or parked
 *	and no orphan has frees to collect. It allocates nothing from
 *	vtalloc.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	A thread; system calls.
 *
 *----------------------------------------------------------------------
 */

void
VtPurgerStart(void)
{
    if (!VtpThreadCreate(PurgerMain, NULL, NULL)) {
	VtpLockAcquire(&vtShared.lock);
	vtShared.purgerRunning = 0;
	VtpLockRelease(&vtShared.lock);
    }
}

static void
PurgerMain(
    void *data)
{
    (void) data;
    for (;;) {
	int64_t pause = VtOption(DECAY) / 2;
	uint64_t keep;
	int done;

	VtpSleep((unsigned) (pause < 5 ? 5 : pause > 100 ? 100 : pause));
	VtpLockAcquire(&vtShared.lock);
	VtSweepOrphans();
	keep = VtReserveKeep(VtpNow());
	if (vtShared.dirtyBytes + vtShared.parkedBytes > keep) {
	    VtPurge(0, keep);
	}
	done = !VtOption(PURGER) || ((vtShared.dirtyBytes
		| vtShared.parkedBytes) == 0
		&& !OrphansPending() && !atomic_load_explicit(
		&vtShared.orphanFreed, memory_order_relaxed));
	if (done) {
	    vtShared.purgerRunning = 0;
	}
	VtpLockRelease(&vtShared.lock);
	if (done) {
	    return;
	}
    }
}
