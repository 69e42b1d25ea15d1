/*
 * vtRefill.c --
 *
 *	Refilling a bucket when the thread's current page runs dry: remote
 *	frees collected, blocks carved lazily, the fullest partial page,
 *	full pages with remote frees, orphans of exited threads, then a new
 *	run from the shared cache; and, every so often, sparse pages given
 *	to the shared cache for other threads to fill.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

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

static VtPage *		SharedPage(VtCache *cachePtr, unsigned bucket,
			    int *releasePtr);
static int		ScanFull(VtCache *cachePtr, unsigned bucket);
static VtPage *		FullestPartial(VtPageList *listPtr);
static void		GiveSparse(VtCache *cachePtr, unsigned bucket);

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
 *	Give the bucket a current page with a free block, cheapest source
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

    VtPageLock(cachePtr);
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
