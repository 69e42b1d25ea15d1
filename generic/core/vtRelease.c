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

#define VT_SWEEP_GAP (10 * VT_MS)	/* Least time between page sweeps. */

static void		PurgerMain(void *data);
static int		OrphanEmptied(VtPage *pagePtr);
static int		OrphansPending(void);
static void		SweepOrphans(void);
static int		SweepPages(int force, uint64_t now);
static int		SweepPage(VtCache *ownerPtr, VtPage *pagePtr,
			    uintptr_t word);

/*
 *----------------------------------------------------------------------
 *
 * VtWalkBegin, VtWalkEnd --
 *
 *	Around a pass over the segments that leaves the shared lock for its
 *	system calls (VtPurge, VtSweep, VtGetStats): one at a time, so that
 *	a normal segment is unmapped only by the pass that is under way (and
 *	the segment a pass stands on stays mapped while it is out of the
 *	lock). A pass that finds another under way waits for it, out of the
 *	lock. Shared lock held.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	May leave and take the shared lock; VtWalkEnd makes the system calls
 *	still due (VtReleaseFlush).
 *
 *----------------------------------------------------------------------
 */

void
VtWalkBegin(void)
{
    while (vtShared.walking) {
	VtpLockRelease(&vtpSharedLock);
	VtpSleep(0);
	VtpLockAcquire(&vtpSharedLock);
    }
    vtShared.walking = 1;
}

void
VtWalkEnd(void)
{
    VtReleaseFlush();
    vtShared.walking = 0;
}

/*
 *----------------------------------------------------------------------
 *
 * VtReleaseFlush, VtReleaseFork --
 *
 *	VtReleaseFlush: make the system calls the pass under way has
 *	collected in vtShared.release (see VtReleaseOp): leave the shared
 *	lock, make them (VtReleaseOpRun), a swept page's owner is let at it
 *	again (VT_REMOTE_SWEPT), take the lock and count what went back
 *	(VtRunReleaseEnd). Shared lock held, in a pass (VtWalkBegin).
 *	VtReleaseFork: in a forked child (the only thread, no lock held),
 *	where the pass of a thread of the parent's was caught out of the
 *	lock: its runs and swept pages are released by the child itself (a
 *	release twice does no harm); its segments are left alone, as the
 *	parent may have unmapped them and mapped something else there
 *	before the fork.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	System calls.
 *
 *----------------------------------------------------------------------
 */

static void
ReleaseDone(void)
{
    unsigned i;

    for (i = 0; i < vtShared.releaseCount; i++) {
	if (vtShared.release[i].kind == VT_RELEASE_RUN) {
	    VtRunReleaseEnd(&vtShared.release[i]);
	}
    }
    vtShared.releaseCount = 0;
}

void
VtReleaseFlush(void)
{
    unsigned i, count = vtShared.releaseCount;

    if (count == 0) {
	return;
    }
    VtpLockRelease(&vtpSharedLock);
    for (i = 0; i < count; i++) {
	VtReleaseOp *opPtr = &vtShared.release[i];

	VtReleaseOpRun(opPtr);
	if (opPtr->kind == VT_RELEASE_PAGE) {
	    atomic_store_explicit(&opPtr->pagePtr->remote, VT_REMOTE_SWEPT,
		    memory_order_release);
	}
    }
    VtpLockAcquire(&vtpSharedLock);
    ReleaseDone();
}

void
VtReleaseFork(void)
{
    unsigned i;

    if (!vtShared.walking) {
	return;
    }
    for (i = 0; i < vtShared.releaseCount; i++) {
	VtReleaseOp *opPtr = &vtShared.release[i];

	if (opPtr->kind != VT_RELEASE_SEGMENT) {
	    VtReleaseOpRun(opPtr);
	}
	if (opPtr->kind == VT_RELEASE_PAGE) {
	    uintptr_t word = VT_REMOTE_SWEEPING;

	    atomic_compare_exchange_strong_explicit(&opPtr->pagePtr->remote,
		    &word, VT_REMOTE_SWEPT, memory_order_release,
		    memory_order_relaxed);
	}
    }
    VtpLockAcquire(&vtpSharedLock);
    ReleaseDone();
    vtShared.walking = 0;
    VtpLockRelease(&vtpSharedLock);
}

/*
 *----------------------------------------------------------------------
 *
 * VtPurge --
 *
 *	Release the free runs that have been free for the decay time (all of
 *	them with `force`) until no more than `keep` bytes stay idle (the
 *	touched bytes of free runs and the carved bytes of parked pages: the
 *	reserve covers both; with `keep` 0 parked pages go back first), and
 *	unmap the segments left with nothing in use. Shared lock held; left
 *	meanwhile for the system calls (see VtWalkBegin).
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
    uint64_t decay = (uint64_t) VtOptionOf(DECAY) * VT_MS;
    uint64_t pending = 0;		/* Dirty bytes of the runs being
					 * released. */
    VtSegment *segPtr, *nextPtr;
    unsigned i;

    VtWalkBegin();
    if (keep == 0) {
	VtUnpark();
    }
    keep = keep > vtShared.parkedBytes ? keep - vtShared.parkedBytes : 0;
    vtShared.purges++;
    vtShared.lastPurge = now;

    /*
     * First the free runs' memory, then the segments left with nothing in
     * use and nothing committed (a run whose memory the OS refused to
     * release keeps its segment mapped). The system calls are made in
     * rounds out of the lock, standing on a normal segment, which only
     * this pass can unmap.
     */

    for (segPtr = vtShared.segmentsPtr; segPtr != NULL; segPtr = nextPtr) {
	if (segPtr->kind == VT_SEGMENT_NORMAL
		&& vtShared.releaseCount > VT_RELEASE_OPS - VT_SLICES / 2) {
	    VtReleaseFlush();
	    pending = 0;
	}
	nextPtr = segPtr->nextPtr;
	if (segPtr->kind != VT_SEGMENT_NORMAL) {
	    continue;
	}
	for (i = 1; i < VT_SLICES && vtShared.dirtyBytes > keep + pending;
		i += segPtr->map[i]->slices) {
	    VtPage *runPtr = segPtr->map[i];

	    if (runPtr->state == VT_PAGE_FREE
		    && (force || now - runPtr->u.freeSince >= decay)) {
		VtReleaseOp *opPtr = &vtShared.release[vtShared.releaseCount];

		if (VtRunReleaseBegin(runPtr, opPtr)) {
		    vtShared.releaseCount++;
		    pending += opPtr->bytes;
		}
	    }
	}
    }
    VtReleaseFlush();
    for (segPtr = vtShared.segmentsPtr; segPtr != NULL; segPtr = nextPtr) {
	if (segPtr->kind == VT_SEGMENT_NORMAL
		&& vtShared.releaseCount == VT_RELEASE_OPS) {
	    VtReleaseFlush();
	}
	nextPtr = segPtr->nextPtr;
	if (segPtr->kind == VT_SEGMENT_NORMAL && segPtr->usedSlices == 0
		&& (segPtr->committedMask & ~(uint64_t) 1) == 0
		&& (force || now - segPtr->pages[1].u.freeSince >= decay)) {
	    VtSegmentReleaseBegin(segPtr,
		    &vtShared.release[vtShared.releaseCount++]);
	}
    }
    VtWalkEnd();
}

/*
 *----------------------------------------------------------------------
 *
 * VtReleaseDue, VtReleaseRun --
 *
 *	The release policy where no purger does it. VtReleaseDue, as the
 *	shared lock is left while free memory waits to go back (shared lock
 *	held): whether the leaving thread must release now, that is, when
 *	the decay is 0, or when no purger runs and the last release pass is
 *	half a decay old or more. VtReleaseRun, called with no lock held:
 *	sweep (VtSweep), then release what has decayed beyond the reserve
 *	(everything with no decay).
 *
 * Results:
 *	VtReleaseDue: 1 if VtReleaseRun is to be called.
 *
 * Side effects:
 *	VtReleaseRun: takes the shared lock; may release memory.
 *
 *----------------------------------------------------------------------
 */

int
VtReleaseDue(void)
{
    uint64_t decay = (uint64_t) VtOptionOf(DECAY) * VT_MS;

    if (decay == 0) {
	return 1;
    }
    return !vtShared.purgerRunning
	    && VtpNow() - vtShared.lastPurge >= decay / 2;
}

void
VtReleaseRun(void)
{
    uint64_t decay = (uint64_t) VtOptionOf(DECAY) * VT_MS;
    uint64_t now;

    VtpLockAcquire(&vtpSharedLock);
    now = VtpNow();
    if (decay == 0 || now - vtShared.lastPurge >= decay / 2) {
	VtSweep(0);
	VtPurge(decay == 0, VtReserveKeep(now));
    }
    VtpLockRelease(&vtpSharedLock);
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
    uint64_t decay = (uint64_t) VtOptionOf(DECAY) * VT_MS;

    if (vtShared.takes != vtShared.takesSeen) {
	vtShared.takesSeen = vtShared.takes;
	vtShared.lastTake = now;
    }
    return now - vtShared.lastTake < 2 * decay
	    ? (uint64_t) VtOptionOf(RESERVE) : 0;
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
	    VtPage *pagePtr = cachePtr->pages[bucket];

	    if (pagePtr != &vtEmptyPage) {
		VtCurrentPageClear(cachePtr, bucket);
		VtRunFree(pagePtr);
	    }
	}
	cachePtr->parkedBytes = 0;
    }
    vtShared.parkedBytes = 0;
}

/*
 *----------------------------------------------------------------------
 *
 * OrphanEmptied, OrphansPending --
 *
 *	OrphanEmptied: whether the blocks of an orphan page are all free,
 *	every one out of its local list being on its remote list (or the
 *	page's remote word is not a list: swept, or damaged). The remote
 *	count is compared, not collected: an orphan that still holds live
 *	blocks keeps its remote list for the thread that adopts it, and a
 *	sweep reads one word of it instead of walking a chain of cold blocks.
 *	OrphansPending: whether some orphan is so. Shared lock held (it
 *	stands in for the owner of orphans).
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
OrphanEmptied(
    VtPage *pagePtr)
{
    uintptr_t word = atomic_load_explicit(&pagePtr->remote,
	    memory_order_relaxed);

    if (word == VT_REMOTE_SWEEPING) {
	return 0;			/* Not an orphan's: see VtPageCollect. */
    }
    return VtUsed(pagePtr) == 0 || (word != 0 && (word >= VT_REMOTE_SWEPT
	    || VtRemoteCount(word) >= VtUsed(pagePtr)));
}

static int
OrphansPending(void)
{
    unsigned bucket;
    VtPage *pagePtr;

    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	for (pagePtr = vtShared.orphans[bucket].firstPtr; pagePtr != NULL;
		pagePtr = pagePtr->nextPtr) {
	    if (OrphanEmptied(pagePtr)) {
		return 1;
	    }
	}
    }
    return 0;
}

/*
 *----------------------------------------------------------------------
 *
 * VtSweep --
 *
 *	Give back what other threads' frees have emptied: orphans (at once)
 *	and pages of live threads that are not their current pages and whose
 *	blocks are all on their remote lists, once they have stayed so for
 *	the decay (at once with `force`). Their owner may be idle, blocked in
 *	a server's wait loop, and would not collect them before it exits.
 *	Before that, the caches of threads gone idle are trimmed for them
 *	(VtIdleTrim): their held blocks go onto their pages' remote lists,
 *	their empty pages back to their segments. Pages are looked at (a
 *	walk over all segments) only when a remote free came or a page
 *	waits, at most every half decay (every VT_SWEEP_GAP at least) unless
 *	forced. Shared lock held; left meanwhile for the system calls (see
 *	VtWalkBegin).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Emptied orphans become free runs; swept pages' memory is released.
 *
 *----------------------------------------------------------------------
 */

void
VtSweep(
    int force)
{
    uint64_t now = VtpNow();
    uint64_t gap = (uint64_t) VtOptionOf(DECAY) * VT_MS / 2;

    if (gap < VT_SWEEP_GAP) {
	gap = VT_SWEEP_GAP;
    }
    VtWalkBegin();
    if (force || (vtShared.idlePending && now - vtShared.lastIdle >= gap)) {
	vtShared.lastIdle = now;
	vtShared.idlePending = VtIdleTrim(force, now);
    }
    SweepOrphans();
    if (force || ((vtShared.sweepPending || atomic_load_explicit(
	    &vtShared.remoteFreed, memory_order_relaxed))
	    && now - vtShared.lastSweep >= gap)) {
	atomic_store_explicit(&vtShared.remoteFreed, 0,
		memory_order_relaxed);
	vtShared.lastSweep = now;
	vtShared.sweepPending = SweepPages(force, now);
    }
    VtWalkEnd();
}

/*
 *----------------------------------------------------------------------
 *
 * SweepOrphans --
 *
 *	Give back the orphan pages left with no live block (OrphanEmptied;
 *	the collection checks the count against double frees).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Emptied orphans become free runs.
 *
 *----------------------------------------------------------------------
 */

static void
SweepOrphans(void)
{
    unsigned bucket;
    VtPage *pagePtr, *nextPtr;

    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	VtPageList *listPtr = &vtShared.orphans[bucket];

	for (pagePtr = listPtr->firstPtr; pagePtr != NULL; pagePtr = nextPtr) {
	    nextPtr = pagePtr->nextPtr;
	    if (!OrphanEmptied(pagePtr)) {
		continue;
	    }
	    pagePtr->freePtr = NULL;	/* The page goes back whole: its two
					 * lists need not be joined. */
	    VtPageCollect(pagePtr);
	    if (VtUsed(pagePtr) == 0) {
		VtListRemove(listPtr, pagePtr);
		VtRunFree(pagePtr);
	    }
	}
    }
}

/*
 *----------------------------------------------------------------------
 *
 * SweepPages --
 *
 *	Look at every page of small blocks that a thread owns and has
 *	remote frees: release those that may be (SweepPage) and have not
 *	changed since the last sweep, a decay ago or more (any with
 *	`force`).
 *
 * Results:
 *	1 if some page may be released by a later sweep.
 *
 * Side effects:
 *	See SweepPage.
 *
 *----------------------------------------------------------------------
 */

static int
SweepPages(
    int force,
    uint64_t now)
{
    uint64_t decay = (uint64_t) VtOptionOf(DECAY) * VT_MS;
    VtSegment *segPtr;
    unsigned i;
    int pending = 0;

    for (segPtr = vtShared.segmentsPtr; segPtr != NULL;
	    segPtr = segPtr->nextPtr) {
	if (segPtr->kind != VT_SEGMENT_NORMAL) {
	    continue;
	}
	VtReleaseFlush();		/* The pages swept so far: their owners
					 * may wait for them. A normal segment
					 * stays (see VtWalkBegin). */
	for (i = 1; i < VT_SLICES; i += segPtr->map[i]->slices) {
	    VtPage *pagePtr = segPtr->map[i];
	    VtCache *ownerPtr;
	    uintptr_t word;
	    int empty;

	    if (pagePtr->state != VT_PAGE_SMALL) {
		continue;
	    }
	    ownerPtr = atomic_load_explicit(&pagePtr->ownerPtr,
		    memory_order_relaxed);
	    word = atomic_load_explicit(&pagePtr->remote,
		    memory_order_relaxed);
	    if (ownerPtr == NULL || word == 0 || word >= VT_REMOTE_SWEPT) {
		continue;
	    }
	    VtRacyReadsBegin();
	    empty = VtUsedCount(VtRacyLoad(&pagePtr->used))
		    == VtRemoteCount(word);
	    VtRacyReadsEnd();
	    if (!empty) {
		continue;
	    }
	    if (word != pagePtr->sweepWord) {
		pagePtr->sweepWord = word;
		pagePtr->sweepSince = now;
	    }
	    if ((!force && now - pagePtr->sweepSince < decay)
		    || !SweepPage(ownerPtr, pagePtr, word)) {
		pending = 1;
	    }
	}
    }
    return pending;
}

/*
 *----------------------------------------------------------------------
 *
 * SweepPage --
 *
 *	Release the memory of a page whose remote list was `word` if all its
 *	blocks are on that list and it is not its owner's current page. The
 *	owner's page lock keeps the owner from making the page current
 *	meanwhile (the sweep only tries it: an owner that holds it is busy,
 *	not idle). While the page is not current its live count only falls
 *	(frees) and its remote list only grows, unless the owner collects it;
 *	so if the remote word is still `word` when the sweep swaps it for
 *	VT_REMOTE_SWEPT, and the count it read (after the word) equals the
 *	list's length, no block of the page is live. The word says
 *	VT_REMOTE_SWEEPING until the memory is released, out of the locks
 *	(VtReleaseFlush), then VT_REMOTE_SWEPT.
 *
 * Results:
 *	0 if the owner held its page lock (a later sweep may release the
 *	page), else 1 (also for a ghost's lock: no later sweep will get
 *	it).
 *
 * Side effects:
 *	The page's memory is to be released (VtRunResetBegin); its owner
 *	starts it afresh when it next collects it (VtPageCollect).
 *
 *----------------------------------------------------------------------
 */

static int
SweepPage(
    VtCache *ownerPtr,
    VtPage *pagePtr,
    uintptr_t word)
{
    uint32_t carved = 0;
    int swept = 0;

    if (!VtPageLockTry(ownerPtr)) {
	return ownerPtr->ghost;		/* A ghost keeps its lock. */
    }
    VtRacyReadsBegin();
    if (VtCurrentPageOf(ownerPtr, pagePtr->bucket) != pagePtr
	    && atomic_load_explicit(&pagePtr->remote, memory_order_acquire)
	    == word
	    && VtUsedCount(VtRacyLoad(&pagePtr->used))
	    == VtRemoteCount(word)) {
	carved = VtLoad(&pagePtr->capacity);	/* The owner resets it once
						 * it sees the swap. */
	swept = atomic_compare_exchange_strong_explicit(&pagePtr->remote,
		&word, VT_REMOTE_SWEEPING, memory_order_acq_rel,
		memory_order_relaxed);
    }
    VtRacyReadsEnd();
    if (swept) {
	VtRunResetBegin(pagePtr, carved,
		&vtShared.release[vtShared.releaseCount++]);
	VtStore(&pagePtr->capacity, 0);
	vtShared.swept++;
    }
    VtPageLockRelease(ownerPtr);
    return 1;
}

/*
 *----------------------------------------------------------------------
 *
 * VtTrim --
 *
 *	Release everything free now: the calling thread's cache, the caches
 *	of the other threads that are not busy in the allocator (VtIdleTrim),
 *	emptied orphans, other threads' pages that their frees emptied
 *	(VtSweep), all free runs; a thread that was busy trims its own cache
 *	on its next slow path.
 *
 * Results:
 *	The bytes given back to the OS meanwhile (by the trim, or by the
 *	purger at the same time).
 *
 * Side effects:
 *	System calls.
 *
 *----------------------------------------------------------------------
 */

uint64_t
VtTrim(void)
{
    uint64_t before, released;

    VtInit();
    VtpLockAcquire(&vtpSharedLock);
    before = vtShared.releasedBytes;
    VtpLockRelease(&vtpSharedLock);
    atomic_fetch_add_explicit(&vtShared.trimEpoch, 1, memory_order_relaxed);
    VtCacheTrimOwn();
    VtSharedLock(NULL, 0);
    VtSweep(1);
    VtPurge(1, 0);
    released = vtShared.releasedBytes - before;
    VtSharedUnlock();
    return released;
}

/*
 *----------------------------------------------------------------------
 *
 * VtPurgerSafePoint, PurgerMain --
 *
 *	The background purger: a thread that wakes every half decay (at
 *	most every 100 ms) while there is work, sweeps (VtSweep), releases
 *	what has decayed beyond the reserve (all of it, parked pages
 *	included, once the shared cache is not drawn on), and once nothing
 *	free is left committed or parked, no orphan has frees to collect
 *	and no page waits for a sweep, sleeps until VtSharedLeave wakes it,
 *	or a thread exits (VtCacheDissolve): when only one other thread is
 *	left then, it looks for 2 s whether that one has gone too, and then
 *	ends the process (VtpThreadsLeft).
 *	It allocates nothing from vtalloc, and ends when the purger option
 *	is turned off.
 *
 *	It is started only at a safe point, never from inside a
 *	malloc-family call (the C library calls malloc and free while it
 *	holds its own locks, and creating a thread takes them): the front
 *	ends call VtPurgerSafePoint where the program creates a thread (so
 *	that a program that never does never gets one) or loads the
 *	package. If it cannot be started (no threads left to the process),
 *	release runs on the slow paths instead (VtReleaseDue), and the next
 *	safe point tries again, at most once a second.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	A thread; system calls.
 *
 *----------------------------------------------------------------------
 */

#define VT_PURGER_RETRY (1000 * VT_MS)	/* Least time between tries. */

void
VtPurgerSafePoint(void)
{
    int start = 0;

    VtRacyReadsBegin();
    start = !VtRacyLoad(&vtShared.purgerRunning);
    VtRacyReadsEnd();
    if (!start || !VtOptionOf(PURGER)) {
	return;
    }
    VtInit();
    VtpLockAcquire(&vtpSharedLock);
    start = !vtShared.purgerRunning && VtOptionOf(PURGER)
	    && (vtShared.purgerFailed == 0
	    || VtpNow() - vtShared.purgerFailed >= VT_PURGER_RETRY);
    if (start) {
	vtShared.purgerRunning = 1;
	vtShared.purgerIdle = 0;
    }
    VtpLockRelease(&vtpSharedLock);
    if (start && !VtpThreadCreate(PurgerMain, NULL, NULL)) {
	VtpLockAcquire(&vtpSharedLock);
	vtShared.purgerRunning = 0;
	vtShared.purgerFailed = VtpNow() | 1;
	VtpLockRelease(&vtpSharedLock);
    }
}

static void
PurgerMain(
    void *data)
{
    uint32_t wake = 0;
    uint64_t exitsSeen = 0;
    int idle = 0, looks = 0;

    (void) data;
    for (;;) {
	int64_t pause = VtOptionOf(DECAY) / 2;
	uint64_t keep;

	if (idle) {
	    /*
	     * Once the program's last thread has gone (a main that called
	     * pthread_exit), the purger ends the process, as the last thread
	     * would have: after a thread exit that left one other thread, it
	     * looks for 2 s.
	     */

	    int threads = VtpThreadsLeft();

	    looks = threads == 2 ? looks : 0;
	    VtpWait(&vtShared.purgerWake, wake, looks > 0 ? 100 : 0);
	    looks -= looks > 0;
	}
	VtpSleep((unsigned) (pause < 5 ? 5 : pause > 100 ? 100 : pause));
	VtpLockAcquire(&vtpSharedLock);
	if (!VtOptionOf(PURGER)) {
	    vtShared.purgerRunning = 0;
	    vtShared.purgerIdle = 0;
	    VtpLockRelease(&vtpSharedLock);
	    return;
	}
	VtSweep(0);
	keep = VtReserveKeep(VtpNow());
	if (vtShared.dirtyBytes + vtShared.parkedBytes > keep) {
	    VtPurge(0, keep);
	}
	idle = (vtShared.dirtyBytes | vtShared.parkedBytes) == 0
		&& !vtShared.sweepPending && !vtShared.idlePending
		&& !OrphansPending()
		&& !atomic_load_explicit(&vtShared.remoteFreed,
		memory_order_relaxed);
	if (idle) {
	    vtShared.purgerIdle = 1;
	    wake = atomic_load_explicit(&vtShared.purgerWake,
		    memory_order_relaxed);
	}
	if (vtShared.exits != exitsSeen) {
	    exitsSeen = vtShared.exits;
	    looks = 20;
	}
	VtpLockRelease(&vtpSharedLock);
    }
}
