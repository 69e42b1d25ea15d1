/*
 * vtCache.c --
 *
 *	Thread caches and the shared cache: creating a thread's cache on its
 *	first allocation, refilling a bucket when its current page runs dry
 *	(remote frees, lazily carved blocks, partial pages, orphans, then a
 *	new run), giving emptied pages back and sparse ones to the shared
 *	cache, and dissolving a cache when its thread exits.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

/*
 * The empty page and cache: a thread that has not allocated yet points at
 * vtEmptyCache, whose pages have no free block, so its first allocation
 * takes the slow path that creates its cache. No NULL test on the fast path.
 */

VtPage vtEmptyPage = { .used = VT_USED_EMPTY };

#define VT_E1	&vtEmptyPage,
#define VT_E8	VT_E1 VT_E1 VT_E1 VT_E1 VT_E1 VT_E1 VT_E1 VT_E1
#define VT_E72	VT_E8 VT_E8 VT_E8 VT_E8 VT_E8 VT_E8 VT_E8 VT_E8 VT_E8

VtCache vtEmptyCache = { .pages = { VT_E72 } };

VT_THREAD_LOCAL VtCache *vtCachePtr = &vtEmptyCache;

/*
 * Set once the thread's cache was dissolved. The C library frees buffers
 * of its own (strerror's, dlerror's ...) after the thread-exit callbacks
 * have run, when no callback would dissolve a cache made for them: a free
 * then never makes one (see VtCacheGet).
 */

static VT_THREAD_LOCAL int cacheDissolved;

VtShared vtShared = { .lock = VTP_LOCK_INITIALIZER };

uintptr_t vtCookieKey;

static _Atomic int initialized;

/*
 * Called (outside the lock) when a thread's cache is created: the Tcl core
 * build sets up Tcl's per-thread allocator state there.
 */

void (*vtCacheCreatedProc)(void) = NULL;

/*
 * How many orphans still holding live blocks but no free one a refill
 * looks at before it takes a new run (emptied orphans it meets go back to
 * their segments and do not count).
 */

#define VT_ORPHAN_LOOKS 4

/*
 * How many partial pages a refill compares to find the fullest.
 */

#define VT_PARTIAL_LOOKS 4

/*
 * How many full pages a refill looks at for remote frees (round-robin).
 */

#define VT_FULL_LOOKS 8

/*
 * Giving sparse pages away (GiveSparse): how many partial pages of a
 * bucket a thread keeps in any case, how live a page at the back of the
 * list may be at most to be given (VT_GIVE_LIVE quarters of its carved
 * blocks), and how often a refill looks (every VT_GIVE_EVERY refills of
 * the cache, a power of two).
 */

#define VT_PARTIAL_KEEP 4
#define VT_GIVE_LIVE 3
#define VT_GIVE_EVERY 16

static void		CacheExit(void *data);
static void		ForkPrepare(void);
static void		ForkParent(void);
static void		ForkChild(void);
static int		PurgerRouse(void);
static VtPage *		SharedPage(VtCache *cachePtr, unsigned bucket,
			    int *releasePtr);
static int		ScanFull(VtCache *cachePtr, unsigned bucket);
static void		PageLock(VtCache *cachePtr);
static VtPage *		FullestPartial(VtPageList *listPtr);
static void		GiveSparse(VtCache *cachePtr, unsigned bucket);

/*
 *----------------------------------------------------------------------
 *
 * VtInit --
 *
 *	Set up the allocator once per process.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Computes the bucket geometry, reads the knobs, draws the cookie
 *	secret, registers the thread-exit callback and the fork handlers.
 *
 *----------------------------------------------------------------------
 */

void
VtInit(void)
{
    uintptr_t cookie, link;
    int first = 0;

    if (atomic_load_explicit(&initialized, memory_order_acquire)) {
	return;
    }
    VtSegmentMapInit();			/* System calls: not under the */
    cookie = VtpRandom();		/* lock. */
    link = VtpRandom();
    VtpLockAcquire(&vtShared.lock);
    if (!atomic_load_explicit(&initialized, memory_order_relaxed)) {
	VtBucketsInit();
	VtOptionsInit();
	vtCookieKey = cookie | 1;
	VtLinkKeyInit(link);
	VtpThreadExitInit(CacheExit);	/* Before any cache is made. */
	atomic_store_explicit(&initialized, 1, memory_order_release);
	first = 1;
    }
    VtpLockRelease(&vtShared.lock);

    /*
     * The fork handlers are registered out of the lock: the C library
     * holds its own lock while it registers them (and may allocate then),
     * and while it runs them at a fork, where ForkPrepare takes ours.
     */

    if (first) {
	VtpAtFork(ForkPrepare, ForkParent, ForkChild);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * ForkPrepare, ForkParent, ForkChild --
 *
 *	Around fork(): hold the shared lock so that the child gets the
 *	shared cache in a consistent state; in the child, the thread that
 *	forked (the one holding the lock) leaves it, and the purger (a
 *	thread of the parent) is known to be gone: the child starts its own
 *	at its first safe point (VtPurgerSafePoint), and a pass of the
 *	parent's that was out of the lock is finished (VtReleaseFork).
 *	The caches of the parent's other threads are left as they are (one
 *	of them may have been caught in the middle of an update): their
 *	blocks stay usable and freeable in the child, their pages are not
 *	reused by it. They are marked ghosts, so that the sweep does not
 *	wait for a page lock or a held section that one of them was in at
 *	the fork: it will never be left.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	See above.
 *
 *----------------------------------------------------------------------
 */

static void
ForkPrepare(void)
{
    VtpLockAcquire(&vtShared.lock);
}

static void
ForkParent(void)
{
    VtpLockRelease(&vtShared.lock);
}

static void
ForkChild(void)
{
    VtCache *cachePtr;

    for (cachePtr = vtShared.cachesPtr; cachePtr != NULL;
	    cachePtr = cachePtr->nextPtr) {
	cachePtr->ghost = cachePtr != vtCachePtr;
	atomic_store_explicit(&cachePtr->heldSteal, 0,
		memory_order_relaxed);	/* A sweep of the parent's was out
					 * of the lock (see SweepHeld). */
    }
    vtShared.purgerRunning = 0;
    vtShared.purgerIdle = 0;
    vtShared.purgerFailed = 0;
    VtpLockRelease(&vtShared.lock);
    VtReleaseFork();
}

/*
 *----------------------------------------------------------------------
 *
 * VtSharedLock, VtSharedLeave, VtSharedUnlock --
 *
 *	Take and leave the shared cache's lock, counting in countersPtr
 *	(the calling thread's, for a bucket; or NULL) whether it had to
 *	wait. Leaving it only leaves it; what is due then happens after:
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
    if (!VtpLockTry(&vtShared.lock)) {
	VtpLockAcquire(&vtShared.lock);
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
    VtpLockRelease(&vtShared.lock);
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
 * CacheExit --
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

static void
CacheExit(
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
 *	their pages' remote lists (see FreeRemote); its empty current pages
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
		    <= (uint64_t) VtOption(RESERVE)) {
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
					 * asked (see SweepHeld). */
    cachePtr->statsSlot = -1;
    cachePtr->nextPtr = vtShared.freeCachesPtr;
    vtShared.freeCachesPtr = cachePtr;
    vtShared.threads--;
    if (atomic_load_explicit(&vtShared.remoteFreed, memory_order_relaxed)) {
	VtSweep(0);			/* Its held blocks may have been the
					 * last live ones of pages. */
    }
    VtPurge(1, (uint64_t) VtOption(RESERVE));
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
 * PageLock --
 *
 *	Take the cache's page lock (the owner, before it makes a page its
 *	current page): the sweep holds it only while it releases a page.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	May wait for a sweep.
 *
 *----------------------------------------------------------------------
 */

static void
PageLock(
    VtCache *cachePtr)
{
    while (!VtPageLockTry(cachePtr)) {
	while (atomic_load_explicit(&cachePtr->pageLock,
		memory_order_relaxed)) {
	    VtpSleep(0);
	}
    }
}

/*
 *----------------------------------------------------------------------
 *
 * ScanFull --
 *
 *	Move full pages of a bucket that have received remote frees back to
 *	the partial list. Runs only when a remote free has raised the
 *	bucket's hint, and looks at no more than VT_FULL_LOOKS pages, taken
 *	round-robin (the pages looked at go to the back of the list), so that
 *	a refill costs O(1) however many pages are full.
 *
 * Results:
 *	1 if pages were left unlooked at (the hint must stay up), 0 if the
 *	whole list was seen.
 *
 * Side effects:
 *	Collects remote frees; pages that became empty go back to the
 *	shared cache.
 *
 *----------------------------------------------------------------------
 */

static int
ScanFull(
    VtCache *cachePtr,
    unsigned bucket)
{
    VtPageList *listPtr = &cachePtr->full[bucket];
    size_t looks = listPtr->count < VT_FULL_LOOKS ? listPtr->count
	    : VT_FULL_LOOKS;
    int more = listPtr->count > VT_FULL_LOOKS;

    while (looks-- > 0) {
	VtPage *pagePtr = listPtr->firstPtr;

	if (atomic_load_explicit(&pagePtr->remote, memory_order_relaxed)
		!= 0) {
	    VtPageCollect(pagePtr);
	    VtCachePageEmptied(cachePtr, pagePtr);
	} else {
	    VtListRemove(listPtr, pagePtr);
	    VtListAppend(listPtr, pagePtr);
	}
    }
    return more;
}

/*
 *----------------------------------------------------------------------
 *
 * FullestPartial --
 *
 *	Choose the partial page to allocate from next: the one with the most
 *	live blocks among the first VT_PARTIAL_LOOKS, so that sparse pages
 *	drain, empty and go back to the OS.
 *
 * Results:
 *	A page of the list, or NULL if it is empty.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static VtPage *
FullestPartial(
    VtPageList *listPtr)
{
    VtPage *pagePtr, *bestPtr = listPtr->firstPtr;
    int looks = 0;

    for (pagePtr = bestPtr; pagePtr != NULL && looks < VT_PARTIAL_LOOKS;
	    pagePtr = pagePtr->nextPtr, looks++) {
	if (VtUsed(pagePtr) > VtUsed(bestPtr)) {
	    bestPtr = pagePtr;
	}
    }
    return bestPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * GiveSparse --
 *
 *	Give the shared cache the pages at the back of a bucket's partial
 *	list (those that went longest without an allocation: FullestPartial
 *	takes from the front) while the list is longer than VT_PARTIAL_KEEP
 *	and they are sparse. They become orphans, as a dissolved cache's
 *	pages do: a thread that needs a page of the bucket adopts one before
 *	it takes a new run, so that the free blocks one thread left behind as
 *	its use of the bucket fell serve another thread's growth instead of
 *	new memory; frees into them keep working from any thread, and once
 *	empty they go back to the OS.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	May take the shared lock.
 *
 *----------------------------------------------------------------------
 */

static void
GiveSparse(
    VtCache *cachePtr,
    unsigned bucket)
{
    VtPageList *listPtr = &cachePtr->partial[bucket];
    int locked = 0;

    while (listPtr->count > VT_PARTIAL_KEEP) {
	VtPage *pagePtr = listPtr->lastPtr;

	if (VtUsed(pagePtr) * 4 > VtLoad(&pagePtr->capacity) * VT_GIVE_LIVE) {
	    break;
	}
	if (!locked) {
	    VtSharedLock(cachePtr, bucket);
	    locked = 1;
	}
	VtListRemove(listPtr, pagePtr);
	atomic_store_explicit(&pagePtr->ownerPtr, NULL, memory_order_relaxed);
	pagePtr->orphan = 1;
	VtListPush(&vtShared.orphans[bucket], pagePtr);
	vtShared.given++;
    }
    if (locked) {
	VtSharedUnlock();
    }
}

/*
 *----------------------------------------------------------------------
 *
 * SharedPage --
 *
 *	A page for `bucket` from the shared cache: an orphan with free
 *	blocks, adopted, or a new run.
 *
 * Results:
 *	The page, now owned by cachePtr; NULL if the OS has no memory.
 *	*releasePtr: see VtSharedLeave (the caller holds its page lock).
 *
 * Side effects:
 *	Takes the shared lock.
 *
 *----------------------------------------------------------------------
 */

static VtPage *
SharedPage(
    VtCache *cachePtr,
    unsigned bucket,
    int *releasePtr)
{
    VtPageList *orphansPtr = &vtShared.orphans[bucket];
    VtPage *pagePtr;
    int looks;

    VtSharedLock(cachePtr, bucket);
    looks = 0;
    while (looks < VT_ORPHAN_LOOKS && orphansPtr->count > 0) {
	pagePtr = orphansPtr->firstPtr;
	VtListRemove(orphansPtr, pagePtr);
	pagePtr->orphan = 0;
	VtPageCollect(pagePtr);
	if (VtUsed(pagePtr) == 0) {
	    VtRunFree(pagePtr);
	    continue;
	}
	looks++;
	if (pagePtr->freePtr != NULL
		|| VtLoad(&pagePtr->capacity) < pagePtr->reserved) {
	    atomic_store_explicit(&pagePtr->ownerPtr, cachePtr,
		    memory_order_relaxed);
	    VtSharedLeave(releasePtr);
	    return pagePtr;
	}

	/*
	 * Full: keep it at the back, where remote frees may refill it.
	 */

	pagePtr->orphan = 1;
	VtListAppend(orphansPtr, pagePtr);
    }
    pagePtr = VtRunAlloc(vtBuckets[bucket].slices);
    if (pagePtr != NULL) {
	VtPageInit(pagePtr, bucket, cachePtr);
    }
    VtSharedLeave(releasePtr);
    return pagePtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtCacheRefill --
 *
 *	Find a bucket a current page with a free block, cheapest source
 *	first: the current page's remote frees, its uncarved blocks, a
 *	partial page (after pulling back full pages with remote frees when
 *	the hint says there are some, and now and then giving sparse ones
 *	away), the shared cache.
 *
 * Results:
 *	The new current page, with freePtr != NULL; NULL if the OS has no
 *	memory.
 *
 * Side effects:
 *	Moves pages between the cache's lists.
 *
 *----------------------------------------------------------------------
 */

VtPage *
VtCacheRefill(
    VtCache *cachePtr,
    unsigned bucket)
{
    VtPage *pagePtr = cachePtr->pages[bucket];
    int release = 0;

    if (pagePtr != &vtEmptyPage) {
	VtPageCollect(pagePtr);
	if (pagePtr->freePtr != NULL || VtPageExtend(pagePtr)) {
	    return pagePtr;
	}
	VtCurrentPageClear(cachePtr, bucket);
	pagePtr->used += VT_USED_FULL;
	VtListPush(&cachePtr->full[bucket], pagePtr);
    }

    /*
     * A remote free pushes its block, then raises the hint (release). The
     * exchange (acquire) that reads the hint therefore sees the block; a
     * hint raised after the exchange stays up for the next refill.
     */

    if (atomic_load_explicit(&cachePtr->remoteHint[bucket],
	    memory_order_relaxed)
	    && atomic_exchange_explicit(&cachePtr->remoteHint[bucket], 0,
	    memory_order_acquire)
	    && ScanFull(cachePtr, bucket)) {
	atomic_store_explicit(&cachePtr->remoteHint[bucket], 1,
		memory_order_relaxed);
    }

    if ((++cachePtr->refills & (VT_GIVE_EVERY - 1)) == 0) {
	GiveSparse(cachePtr, bucket);
    }

    /*
     * From here until it is current, the page must not be swept.
     */

    PageLock(cachePtr);
    pagePtr = FullestPartial(&cachePtr->partial[bucket]);
    if (pagePtr != NULL) {
	VtListRemove(&cachePtr->partial[bucket], pagePtr);
	VtPageCollect(pagePtr);
    } else {
	pagePtr = SharedPage(cachePtr, bucket, &release);
	if (pagePtr == NULL) {
	    VtPageLockRelease(cachePtr);
	    if (release) {
		VtReleaseRun();
	    }
	    return NULL;
	}
    }
    if (pagePtr->freePtr == NULL) {
	VtPageExtend(pagePtr);
    }
    VtCurrentPageSet(cachePtr, bucket, pagePtr);
    VtPageLockRelease(cachePtr);
    if (release) {
	VtReleaseRun();			/* No lock held now. */
    }
#if VT_DEBUG
    if (!VtPageIsValid(pagePtr)) {
	VtPanic("vtalloc: page %p of bucket %u is corrupt",
		(void *) pagePtr->start, bucket);
    }
#endif
    return pagePtr;
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
	    PageLock(cachePtr);
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
