/*
 * vtCache.c --
 *
 *	The thread cache's life and the shared cache's lock: taking and
 *	leaving the lock (and what is due after it), creating a thread's
 *	cache on its first allocation, moving a page between the cache's
 *	lists when a free empties it, trimming the cache, and dissolving it
 *	when its thread exits.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

/*
 * Set once the thread's cache was dissolved. The C library frees buffers
 * of its own (strerror's, dlerror's ...) after the thread-exit callbacks
 * have run, when no callback would dissolve a cache made for them: a free
 * then never makes one (see VtCacheGet).
 */

static VT_THREAD_LOCAL int cacheDissolved;

/*
 * The thread's own cache, which only the thread writes: vtCachePtr is the
 * same except while an idle trim has the cache (vtCachePtr is then
 * &vtEmptyCache: see VtIdleTrim).
 */

static VT_THREAD_LOCAL VtCache *ownCache;

/*
 * Called (outside the lock) when a thread's cache is created: the Tcl core
 * build sets up Tcl's per-thread allocator state there.
 */

void (*vtCacheCreatedProc)(void) = NULL;

static uint64_t		CacheActivity(VtCache *cachePtr);
static VtCache *		CacheWait(VtCache *cachePtr);
static int		PurgerRouse(void);
static uint64_t		ShrinkPages(VtCache *cachePtr);
static void		TrimPages(VtCache *cachePtr);

/*
 *----------------------------------------------------------------------
 *
 * VtSharedLock, VtSharedLeave, VtSharedUnlock --
 *
 *	Take and leave the shared cache's lock, counting in cachePtr's
 *	counters (the calling thread's, for a bucket; or NULL) whether it
 *	had to wait. Leaving it only leaves it; what is due then happens after:
 *	an idle purger is woken (to look, among other things, whether the
 *	thread goes idle: VtIdleTrim), and while free memory waits to go
 *	back (free runs, parked pages, frees into other threads' pages)
 *	without a purger (or with no decay), the release policy is run on
 *	the calling thread (VtReleaseRun) when it is due (VtReleaseDue). VtSharedLeave
 *	is for a caller that holds another lock of the allocator (its page
 *	lock): it wakes the purger but only says, in *releasePtr, whether
 *	the caller must run VtReleaseRun once it holds no lock.
 *
 * Results:
 *	VtSharedLeave: *releasePtr.
 *
 * Side effects:
 *	See VtReleaseRun.
 *
 *----------------------------------------------------------------------
 */

/*
 * PurgerRouse: mark an idle purger awake, under the shared lock; 1 if the
 * caller is to wake it (VtpWake) once it has left the lock.
 */

static int
PurgerRouse(void)
{
    if (!vtShared.purgerIdle) {
	return 0;
    }
    vtShared.purgerIdle = 0;
    atomic_fetch_add_explicit(&vtShared.purgerWake, 1, memory_order_release);
    return 1;
}

void
VtSharedLock(
    VtCache *cachePtr,
    unsigned bucket)
{
    if (!VtpLockTry(&vtpSharedLock)) {
	VtpLockAcquire(&vtpSharedLock);
	if (cachePtr != NULL) {
	    VtCount(&cachePtr->counts, bucket, waits);
	}
    }
    if (cachePtr != NULL) {
	VtCount(&cachePtr->counts, bucket, locks);
    }
}

void
VtSharedLeave(
    int *releasePtr)
{
    int wake = 0, release = 0;

    vtShared.idlePending = 1;		/* A thread is at work: the purger
					 * is to look whether it goes idle
					 * (VtIdleTrim). */
    wake = PurgerRouse();
    if ((vtShared.dirtyBytes | vtShared.parkedBytes) != 0
	    || vtShared.sweepPending
	    || atomic_load_explicit(&vtShared.remoteFreed,
	    memory_order_relaxed)) {
	release = VtReleaseDue();
    }
    VtpLockRelease(&vtpSharedLock);
    if (wake) {
	VtpWake(&vtShared.purgerWake);
    }
    *releasePtr = release;
}

void
VtSharedUnlock(void)
{
    int release;

    VtSharedLeave(&release);
    if (release) {
	VtReleaseRun();
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtCacheGet --
 *
 *	The calling thread's cache, created on first use: preferably a
 *	parked one with pages for a thread that allocates, and one without
 *	for a thread whose first call is a free (it may never allocate);
 *	else any parked cache, or a new one. A free by a thread whose cache
 *	was dissolved (see cacheDissolved) gets none: it frees as a thread
 *	without a cache does. Once an idle trim has given the cache back
 *	(CacheWait). The cache is marked stealable (see VtIdleTrim) once
 *	the thread allocates before its exit callback has run: a thread whose
 *	cache came after that, or from a free the C library makes after
 *	every exit callback, may be gone without dissolving it, and an idle
 *	trim must not write into its thread-local storage.
 *
 * Results:
 *	The cache, or &vtEmptyCache if no memory could be had for it (or it
 *	is not to be made).
 *
 * Side effects:
 *	May reserve memory, arms the thread-exit callback.
 *
 *----------------------------------------------------------------------
 */

VtCache *
VtCacheGet(
    int toAlloc)
{
    VtCache *cachePtr = atomic_load_explicit(&vtCachePtr,
	    memory_order_acquire), **linkPtr;	/* See VtBusyEnter. */
    unsigned bucket;

    if (cachePtr == &vtEmptyCache && ownCache != NULL) {
	cachePtr = CacheWait(ownCache);	/* An idle trim had it. */
    }
    if (cachePtr != &vtEmptyCache) {
	if (VT_UNLIKELY(toAlloc && !cacheDissolved
		&& !VtLoad(&cachePtr->stealable))) {
	    VtStore(&cachePtr->stealable, 1);
	}
	return cachePtr;
    }
    if (cacheDissolved && !toAlloc) {
	return cachePtr;
    }
    VtInit();
    VtSharedLock(NULL, 0);
    for (linkPtr = &vtShared.freeCachesPtr; *linkPtr != NULL
	    && ((*linkPtr)->parkedBytes != 0) != toAlloc;
	    linkPtr = &(*linkPtr)->nextPtr) {
	/* Empty loop body. */
    }
    if (*linkPtr == NULL) {
	linkPtr = &vtShared.freeCachesPtr;
    }
    cachePtr = *linkPtr;
    if (cachePtr != NULL) {
	*linkPtr = cachePtr->nextPtr;
	vtShared.takes++;
	vtShared.parkedBytes -= cachePtr->parkedBytes;
	cachePtr->parkedBytes = 0;
    } else {
	/*
	 * A new cache, mapped out of the lock. Caches are never given back
	 * to the OS: a remote free may still write the hint of a cache whose
	 * thread has gone.
	 */

	VtSharedUnlock();
	cachePtr = VtpReserve(sizeof(VtCache), 4096);
	if (cachePtr == NULL || !VtpCommit(cachePtr, sizeof(VtCache))) {
	    return &vtEmptyCache;
	}
	memset(cachePtr, 0, sizeof(VtCache));
	for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	    cachePtr->pages[bucket] = &vtEmptyPage;
	}
	VtSharedLock(NULL, 0);
    }
    cachePtr->threadId = VtpThreadId();
    cachePtr->threadPtr = &vtThread;
    VtStore(&cachePtr->stealable, (uint8_t) (toAlloc && !cacheDissolved));
    cachePtr->idleSince = 0;
    cachePtr->idleTrimmed = 0;
    cachePtr->statsSlot = -1;		/* Until a walk of VtGetStats gives
					 * it one. */
    cachePtr->trimEpoch = atomic_load_explicit(&vtShared.trimEpoch,
	    memory_order_relaxed);
    cachePtr->nextPtr = vtShared.cachesPtr;
    vtShared.cachesPtr = cachePtr;
    vtShared.threads++;
    ownCache = cachePtr;
    atomic_store_explicit(&vtCachePtr, cachePtr, memory_order_relaxed);
    VtSharedUnlock();

    /*
     * Both calls may allocate (the C library's key slots, Tcl's state):
     * the thread is busy again after them (CacheWait).
     */

    VtpThreadExitArm(cachePtr);
    if (vtCacheCreatedProc != NULL) {
	vtCacheCreatedProc();
    }
    return CacheWait(cachePtr);
}

/*
 *----------------------------------------------------------------------
 *
 * CacheWait --
 *
 *	The thread's own cache, once no idle trim has it (see VtIdleTrim):
 *	mark the thread busy and look at vtCachePtr; while it is not the
 *	cache, keep out (not busy) until the trim gives the cache back.
 *
 * Results:
 *	cachePtr.
 *
 * Side effects:
 *	The thread is busy (VtBusyEnter); may wait.
 *
 *----------------------------------------------------------------------
 */

static VtCache *
CacheWait(
    VtCache *cachePtr)
{
    while (VtBusyEnter() != cachePtr) {
	VtBusyLeave();
	while (atomic_load_explicit(&cachePtr->steal,
		memory_order_acquire)) {
	    VtpSleep(0);
	}
    }
    return cachePtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtCacheExit, VtCacheRelease --
 *
 *	VtCacheExit: the thread-exit callback. VtCacheRelease: dissolve the
 *	calling thread's cache, if it has one (also for Tcl's
 *	TclFreeAllocCache), once no idle trim has it.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	See VtCacheDissolve.
 *
 *----------------------------------------------------------------------
 */

void
VtCacheExit(
    void *data)
{
    if (data == ownCache) {		/* Not a cache dissolved before. */
	VtCacheRelease();
    }
}

void
VtCacheRelease(void)
{
    (void) VtBusyEnter();
    if (ownCache != NULL) {
	VtCacheDissolve(CacheWait(ownCache));
    }
    VtBusyLeave();
}

/*
 *----------------------------------------------------------------------
 *
 * VtCacheDissolve --
 *
 *	Dissolve the calling thread's cache: the blocks it holds go onto
 *	their pages' remote lists (see VtHeldPut); its empty current pages
 *	stay with it, within the reserve, and the cache is parked for the next
 *	thread (which then starts with carved pages and no trip to the
 *	shared cache: thread churn); other pages without live blocks go back
 *	to their segments and are released at once beyond the reserve; pages
 *	with live blocks become orphans in the shared cache (frees into them
 *	keep working from any thread, another thread may adopt them, and once
 *	empty they are released); the counters join the retired totals.
 *	Parked pages belong to the shared cache (its lock guards them) until
 *	a thread takes the cache; they go back to their segments when the
 *	load drops (VtUnpark).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	The thread is back on vtEmptyCache; a later allocation by it creates
 *	a new cache (armed for its exit again), a later free does not. The
 *	caller is busy with its own cache (CacheWait).
 *
 *----------------------------------------------------------------------
 */

void
VtCacheDissolve(
    VtCache *cachePtr)
{
    VtCache **linkPtr;
    VtPage *pagePtr, *nextPtr;
    unsigned bucket, i;
    int wake = 0;

    cacheDissolved = 1;
    VtReleaseHeld(cachePtr);
    VtSharedLock(NULL, 0);
    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	VtPage *lists[2];

	pagePtr = cachePtr->pages[bucket];
	if (pagePtr != &vtEmptyPage) {
	    uint64_t carved = (uint64_t) VtLoad(&pagePtr->capacity)
		    * pagePtr->blockSize;

	    VtPageCollect(pagePtr);
	    if (VtUsed(pagePtr) == 0 && vtShared.parkedBytes + carved
		    <= (uint64_t) VtOptionOf(RESERVE)) {
		vtShared.parkedBytes += carved;
		cachePtr->parkedBytes += carved;
	    } else {
		VtListPush(&cachePtr->partial[bucket], pagePtr);
		VtCurrentPageClear(cachePtr, bucket);
	    }
	}
	lists[0] = cachePtr->partial[bucket].firstPtr;
	lists[1] = cachePtr->full[bucket].firstPtr;
	memset(&cachePtr->partial[bucket], 0, sizeof(VtPageList));
	memset(&cachePtr->full[bucket], 0, sizeof(VtPageList));
	for (i = 0; i < 2; i++) {
	    for (pagePtr = lists[i]; pagePtr != NULL; pagePtr = nextPtr) {
		nextPtr = pagePtr->nextPtr;
		VtPageCollect(pagePtr);
		if (VtUsed(pagePtr) == 0) {
		    VtRunFree(pagePtr);
		} else {
		    atomic_store_explicit(&pagePtr->ownerPtr, NULL,
			    memory_order_relaxed);
		    if (VtPageIsFull(pagePtr)) {
			pagePtr->used -= VT_USED_FULL;
		    }
		    pagePtr->orphan = 1;
		    VtListPush(&vtShared.orphans[bucket], pagePtr);
		}
	    }
	}
    }
    for (i = 0; i <= VT_NBUCKETS; i++) {
#define VT_RETIRE(name, key) \
	vtShared.retired.name[i] += cachePtr->counts.name[i];		\
	cachePtr->counts.name[i] = 0;
	VT_BUCKET_COUNTERS(VT_RETIRE)
#undef VT_RETIRE
    }
    for (linkPtr = &vtShared.cachesPtr; *linkPtr != cachePtr;
	    linkPtr = &(*linkPtr)->nextPtr) {
	/* Empty loop body. */
    }
    *linkPtr = cachePtr->nextPtr;

    /*
     * Only now, off the list: an idle trim that came meanwhile (out of the
     * lock, see VtIdleTrim) found the thread busy, and gives vtCachePtr
     * back only to caches on the list.
     */

    ownCache = NULL;
    atomic_store_explicit(&vtCachePtr, &vtEmptyCache, memory_order_relaxed);
    atomic_store_explicit(&cachePtr->steal, 0, memory_order_relaxed);
    cachePtr->statsSlot = -1;
    cachePtr->nextPtr = vtShared.freeCachesPtr;
    vtShared.freeCachesPtr = cachePtr;
    vtShared.threads--;
    if (atomic_load_explicit(&vtShared.remoteFreed, memory_order_relaxed)) {
	VtSweep(0);			/* Its held blocks may have been the
					 * last live ones of pages. */
    }
    VtPurge(1, (uint64_t) VtOptionOf(RESERVE));
    vtShared.exits++;
    wake = PurgerRouse();		/* It looks whether the last thread
					 * has gone: see PurgerMain. */
    VtSharedUnlock();
    if (wake) {
	VtpWake(&vtShared.purgerWake);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtCachePageEmptied --
 *
 *	The owner freed a block into a page that was in the full list, or
 *	the last block of a page that is not current (the current page stays
 *	when it empties, to avoid churn: see VtUsed), or collected remote
 *	frees into a full page (ScanFull). A full page becomes the bucket's
 *	current page if that one has nothing left (the next allocation then
 *	takes the fast path and the block just freed, still in the
 *	processor's cache, not a cold block of another page); otherwise it
 *	goes to the partial list. A page that holds no live block goes back
 *	to its segment.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	May take the page lock and the shared lock.
 *
 *----------------------------------------------------------------------
 */

void
VtCachePageEmptied(
    VtCache *cachePtr,
    VtPage *pagePtr)
{
    unsigned bucket = pagePtr->bucket;

    if (VtPageIsFull(pagePtr)) {
	VtPage *currentPtr = cachePtr->pages[bucket];

	VtListRemove(&cachePtr->full[bucket], pagePtr);
	pagePtr->used -= VT_USED_FULL;
	if (currentPtr != &vtEmptyPage && currentPtr->freePtr == NULL
		&& VtLoad(&currentPtr->capacity) == currentPtr->reserved
		&& atomic_load_explicit(&currentPtr->remote,
		memory_order_relaxed) == 0) {
	    VtListPush(&cachePtr->full[bucket], currentPtr);
	    VtPageLock(cachePtr);
	    if (VtLoad(&pagePtr->capacity) == 0) {
		VtPageCollect(pagePtr);	/* Swept since the free. */
	    }
	    VtCurrentPageSet(cachePtr, bucket, pagePtr);
	    currentPtr->used += VT_USED_FULL;
	    VtPageLockRelease(cachePtr);
	    return;
	}
	VtListPush(&cachePtr->partial[bucket], pagePtr);
    }
    if (VtUsed(pagePtr) == 0) {
	VtListRemove(&cachePtr->partial[bucket], pagePtr);
	VtSharedLock(cachePtr, bucket);
	VtRunFree(pagePtr);
	VtSharedUnlock();
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtCacheTrim, TrimPages --
 *
 *	Trim the calling thread's cache: give back the blocks it holds (see
 *	VtHeldPut), collect the remote frees of all its pages, give back the
 *	memory after the last live block of each (ShrinkPages) and every
 *	page with no live block (the current pages too), and release all
 *	free runs. TrimPages: the part of the pages without live blocks, for
 *	VtCacheTrim and the idle trim; shared lock held.
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
    uint64_t shrunk;

    cachePtr->trimEpoch = atomic_load_explicit(&vtShared.trimEpoch,
	    memory_order_relaxed);
    VtReleaseHeld(cachePtr);
    shrunk = ShrinkPages(cachePtr);
    VtSharedLock(NULL, 0);
    vtShared.releasedBytes += shrunk;
    TrimPages(cachePtr);
    VtPurge(1, 0);
    VtSharedUnlock();
}

/*
 * ShrinkPages: collect the remote frees of every page of a cache that only
 * the caller can touch meanwhile, and give back the memory after each
 * page's last live block (VtPageShrink). No lock held. Returns the bytes
 * released.
 */

static uint64_t
ShrinkPages(
    VtCache *cachePtr)
{
    unsigned bucket, i;
    uint64_t bytes = 0;
    VtPage *pagePtr;

    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	VtPage *lists[3];

	lists[0] = cachePtr->pages[bucket];
	lists[1] = cachePtr->partial[bucket].firstPtr;
	lists[2] = cachePtr->full[bucket].firstPtr;
	for (i = 0; i < 3; i++) {
	    for (pagePtr = lists[i]; pagePtr != NULL && pagePtr
		    != &vtEmptyPage; pagePtr = i == 0 ? NULL
		    : pagePtr->nextPtr) {
		VtPageCollect(pagePtr);
		bytes += VtPageShrink(pagePtr);
	    }
	}
    }
    return bytes;
}

void
VtCacheTrimOwn(void)
{
    int busy = atomic_load_explicit(&vtBusy, memory_order_relaxed);

    (void) VtBusyEnter();
    if (ownCache != NULL) {
	VtCacheTrim(CacheWait(ownCache));
    }
    if (!busy) {
	VtBusyLeave();
    }
}

static void
TrimPages(
    VtCache *cachePtr)
{
    unsigned bucket;
    VtPage *pagePtr, *nextPtr;

    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	pagePtr = cachePtr->pages[bucket];
	if (pagePtr != &vtEmptyPage) {
	    VtPageCollect(pagePtr);
	    if (VtUsed(pagePtr) == 0) {
		VtCurrentPageClear(cachePtr, bucket);
		VtRunFree(pagePtr);
	    }
	}
	for (pagePtr = cachePtr->full[bucket].firstPtr; pagePtr != NULL;
		pagePtr = nextPtr) {
	    nextPtr = pagePtr->nextPtr;
	    VtPageCollect(pagePtr);
	    if (VtUsed(pagePtr) == 0) {
		VtListRemove(&cachePtr->full[bucket], pagePtr);
		VtRunFree(pagePtr);
	    } else if (pagePtr->freePtr != NULL) {
		VtListRemove(&cachePtr->full[bucket], pagePtr);
		pagePtr->used -= VT_USED_FULL;
		VtListPush(&cachePtr->partial[bucket], pagePtr);
	    }
	}
	for (pagePtr = cachePtr->partial[bucket].firstPtr; pagePtr != NULL;
		pagePtr = nextPtr) {
	    nextPtr = pagePtr->nextPtr;
	    VtPageCollect(pagePtr);
	    if (VtUsed(pagePtr) == 0) {
		VtListRemove(&cachePtr->partial[bucket], pagePtr);
		VtRunFree(pagePtr);
	    }
	}
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtIdleTrim --
 *
 *	Trim, on their behalf, the caches of the threads that have made no
 *	call of the allocator for the decay (see CacheActivity; with
 *	`force`: of every thread that is not busy in one) and were not
 *	trimmed since: give
 *	back their held blocks and their pages without a live block, current
 *	pages included. A thread gone idle (a server's thread waiting for the
 *	next request) would otherwise keep them until it exits. The
 *	handshake (see VtBusyEnter): the trim takes each such cache from its
 *	thread (the thread's vtCachePtr becomes &vtEmptyCache, so that the
 *	thread's next call waits in CacheWait), makes every thread pass a
 *	full barrier, then trims each cache whose thread is not busy, and
 *	gives every cache back. A thread that is busy is not idle either; it
 *	is looked at again later. Shared lock held; left for the barrier (a
 *	system call), in a pass over the segments (VtWalkBegin), so that one
 *	trim at a time has caches taken. Caches dissolved meanwhile are off
 *	the list and are not touched (their threads may be gone). Without
 *	the barrier (an OS without it) nothing is trimmed: a thread then
 *	keeps its pages until it trims itself or exits.
 *
 * Results:
 *	1 if a cache may be trimmed by a later call.
 *
 * Side effects:
 *	Pages go back to their segments; held blocks onto their pages'
 *	remote lists.
 *
 *----------------------------------------------------------------------
 */

/*
 * CacheActivity: a figure that grows with every call a cache's thread makes
 * of the allocator: its slow paths and, in a build with statistics, its
 * allocations and frees (a thread busy on its current pages alone takes no
 * slow path for long). Read while the thread counts.
 */

static uint64_t
CacheActivity(
    VtCache *cachePtr)
{
    uint64_t sum = VtLoad(&cachePtr->slowCalls);
#if VT_STATS
    unsigned bucket;

    VtRacyReadsBegin();
    for (bucket = 0; bucket <= VT_NBUCKETS; bucket++) {
	sum += VtRacyLoad(&cachePtr->counts.allocs[bucket])
		+ VtRacyLoad(&cachePtr->counts.frees[bucket]);
    }
    VtRacyReadsEnd();
#endif
    return sum;
}

int
VtIdleTrim(
    int force,
    uint64_t now)
{
    uint64_t decay = (uint64_t) VtOptionOf(DECAY) * VT_MS, shrunk = 0;
    VtCache *cachePtr, *trimPtr = NULL;
    int asked = 0, pending = 0, barrier;

    for (cachePtr = vtShared.cachesPtr; cachePtr != NULL;
	    cachePtr = cachePtr->nextPtr) {
	uint64_t calls;

	if (cachePtr == ownCache || cachePtr->ghost
		|| !VtLoad(&cachePtr->stealable)) {
	    continue;			/* The caller trims its own; see
					 * VtCacheGet. */
	}
	calls = CacheActivity(cachePtr);
	if (calls != cachePtr->idleSeen || cachePtr->idleSince == 0) {
	    cachePtr->idleSeen = calls;
	    cachePtr->idleSince = now;
	}
	if (!force && cachePtr->idleTrimmed == calls + 1) {
	    continue;			/* Nothing new since. */
	}
	if (!force && now - cachePtr->idleSince < decay) {
	    pending = 1;
	    continue;
	}
	atomic_store_explicit(&cachePtr->steal, 1, memory_order_relaxed);
	atomic_store_explicit(&cachePtr->threadPtr->cachePtr, &vtEmptyCache,
		memory_order_release);
	asked = 1;
    }
    if (!asked) {
	return pending;
    }

    /*
     * The barrier, then the caches whose threads are not busy: a cache
     * taken that is dissolved meanwhile was busy (its thread waits for
     * the trim in CacheWait before it dissolves one), and is off the list
     * with its request cleared (VtCacheDissolve).
     */

    VtpLockRelease(&vtpSharedLock);
    barrier = VtpBarrierAll();
    VtpLockAcquire(&vtpSharedLock);
    for (cachePtr = vtShared.cachesPtr; cachePtr != NULL;
	    cachePtr = cachePtr->nextPtr) {
	if (!atomic_load_explicit(&cachePtr->steal, memory_order_relaxed)) {
	    continue;
	}
	if (barrier && !atomic_load_explicit(&cachePtr->threadPtr->busy,
		memory_order_acquire)) {
	    cachePtr->trimNextPtr = trimPtr;
	    trimPtr = cachePtr;
	} else {
	    pending = 1;
	    atomic_store_explicit(&cachePtr->threadPtr->cachePtr, cachePtr,
		    memory_order_release);
	    atomic_store_explicit(&cachePtr->steal, 0, memory_order_release);
	}
    }
    if (trimPtr == NULL) {
	return pending;
    }

    /*
     * The trim proper. Its held blocks, the remote lists and the memory
     * after the pages' last live blocks: out of the lock (system calls;
     * nothing of the caches' is the shared lock's). Then the empty pages,
     * and the caches go back to their threads.
     */

    VtpLockRelease(&vtpSharedLock);
    for (cachePtr = trimPtr; cachePtr != NULL;
	    cachePtr = cachePtr->trimNextPtr) {
	cachePtr->trimHeld = VtHeldGiveBack(cachePtr);
	shrunk += ShrinkPages(cachePtr);
    }
    VtpLockAcquire(&vtpSharedLock);
    vtShared.releasedBytes += shrunk;
    for (cachePtr = trimPtr; cachePtr != NULL;
	    cachePtr = cachePtr->trimNextPtr) {
	if (cachePtr->trimHeld > 0) {
	    vtShared.heldGivenBack += cachePtr->trimHeld;
	    atomic_store_explicit(&vtShared.remoteFreed, 1,
		    memory_order_relaxed);
	}
	TrimPages(cachePtr);
	cachePtr->idleTrimmed = CacheActivity(cachePtr) + 1;
	vtShared.idleTrims++;
	atomic_store_explicit(&cachePtr->threadPtr->cachePtr, cachePtr,
		memory_order_release);
	atomic_store_explicit(&cachePtr->steal, 0, memory_order_release);
    }
    return pending;
}
