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
 * Called (outside the lock) when a thread's cache is created: the Tcl core
 * build sets up Tcl's per-thread allocator state there.
 */

void (*vtCacheCreatedProc)(void) = NULL;

static int		PurgerRouse(void);

/*
 *----------------------------------------------------------------------
 *
 * VtSharedLock, VtSharedLeave, VtSharedUnlock --
 *
 *	Take and leave the shared cache's lock, counting in cachePtr's
 *	counters (the calling thread's, for a bucket; or NULL) whether it
 *	had to wait. Leaving it only leaves it; what is due then happens after:
 *	while free memory waits to go back (free runs, parked pages, frees
 *	into other threads' pages), an idle purger is woken, and without a
 *	purger (or with no decay) the release policy is run on the calling
 *	thread (VtReleaseRun) when it is due (VtReleaseDue). VtSharedLeave
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

    if ((vtShared.dirtyBytes | vtShared.parkedBytes) != 0
	    || vtShared.sweepPending
	    || atomic_load_explicit(&vtShared.remoteFreed,
	    memory_order_relaxed)) {
	wake = PurgerRouse();
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
 *	without a cache does.
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
    VtCache *cachePtr = vtCachePtr, **linkPtr;
    unsigned bucket;

    if (cachePtr != &vtEmptyCache || (cacheDissolved && !toAlloc)) {
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
    cachePtr->statsSlot = -1;		/* Until a walk of VtGetStats gives
					 * it one. */
    cachePtr->trimEpoch = atomic_load_explicit(&vtShared.trimEpoch,
	    memory_order_relaxed);
    cachePtr->nextPtr = vtShared.cachesPtr;
    vtShared.cachesPtr = cachePtr;
    vtShared.threads++;
    VtSharedUnlock();

    vtCachePtr = cachePtr;
    VtpThreadExitArm(cachePtr);
    if (vtCacheCreatedProc != NULL) {
	vtCacheCreatedProc();
    }
    return cachePtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtCacheExit --
 *
 *	The thread-exit callback.
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
    VtCache *cachePtr = data;

    if (cachePtr == vtCachePtr) {
	VtCacheDissolve(cachePtr);
    }
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
 *	a new cache (armed for its exit again), a later free does not.
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

    vtCachePtr = &vtEmptyCache;
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
    atomic_store_explicit(&cachePtr->heldSteal, 0, memory_order_relaxed);
					/* A sweep out of the lock may have
					 * asked (see VtHeldSweep). */
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
 * VtCacheTrim --
 *
 *	Trim the calling thread's cache: give back the blocks it holds (see
 *	VtHeldPut), collect the remote frees of all its pages, give back
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
    VtPurge(1, 0);
    VtSharedUnlock();
}
