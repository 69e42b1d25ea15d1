/*
 * vtFree.c --
 *
 *	Freeing, and the checks that every pointer passes before vtalloc
 *	reads any header through it: the segment map (is this vtalloc's
 *	memory?), the slice map (is it in a page?), the bucket's block
 *	boundaries (is it the start of a carved block?) and the free cookie
 *	(is the block live?). A free from the page's owner then takes no lock
 *	and no atomic read-modify-write; a free from any other thread pushes
 *	the block onto the page's remote list with one compare-and-swap.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

/*
 * The secret that free-list links are mangled with, and its inverse
 * (see VtLinkGet).
 */

uintptr_t vtLinkKey;
uintptr_t vtLinkInverse;

static VT_NOINLINE void	FreeLarge(VtCache *cachePtr, VtPage *pagePtr,
			    void *ptr);
static VT_NOINLINE VT_NORETURN void BadBlock(const void *ptr,
			    const char *what, const char *why);
static VT_NOINLINE VtPage *FindOther(const void *ptr, VtPage *pagePtr,
			    const char **whyPtr);

/*
 *----------------------------------------------------------------------
 *
 * FindBlock --
 *
 *	Validate a pointer handed back by a caller: vtalloc's segment, the
 *	start of a carved block (VtSmallIndex), or a large block; whether
 *	the block is live is read from its free cookie (VtBlockIsFree).
 *
 * Results:
 *	FindBlock: the page of the live block at ptr; NULL with the reason
 *	in *whyPtr if ptr is not a live block of vtalloc.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

VT_INLINE VtPage *
FindBlock(
    const void *ptr,
    const char **whyPtr)
{
    VtPage *pagePtr;
    uint32_t index;

    if (VT_UNLIKELY(!VtSegmentKnown(ptr))) {
	*whyPtr = "not vtalloc's memory (never allocated by it, or "
		"already released)";
	return NULL;
    }
    pagePtr = VtPageOf(ptr);
    if (VT_UNLIKELY(!VtSmallIndex(pagePtr, ptr, &index))) {
	return FindOther(ptr, pagePtr, whyPtr);
    }
    if (VT_UNLIKELY(VtBlockIsFree(ptr))) {
	*whyPtr = "the block is already free (double free)";
	return NULL;
    }
    return pagePtr;
}

/*
 *----------------------------------------------------------------------
 *
 * FindOther --
 *
 *	FindBlock for a pointer that is not the start of a carved small
 *	block: a large block, or a bad pointer (at a slice where a freed
 *	large block started: a double free of it, see VtRunFree).
 *
 * Results:
 *	See FindBlock.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static VT_NOINLINE VtPage *
FindOther(
    const void *ptr,
    VtPage *pagePtr,
    const char **whyPtr)
{
    if (pagePtr == &VtSegmentOf(ptr)->pages[0]) {
	*whyPtr = "inside vtalloc's own headers";
	return NULL;
    }
    if (pagePtr->state == VT_PAGE_LARGE && ptr == pagePtr->start) {
	return pagePtr;
    }
    if (pagePtr->state == VT_PAGE_FREE || pagePtr->state == VT_PAGE_RELEASING
	    || (pagePtr->state == VT_PAGE_SMALL
	    && VtLoad(&pagePtr->capacity) == 0)) {
	*whyPtr = "in a free page (double free?)";
	return NULL;
    }
    *whyPtr = "not the start of a block";
    if (((uintptr_t) ptr & (VT_SLICE_SIZE - 1)) == 0) {
	uint64_t stale;

	VtRacyReadsBegin();		/* Written under the shared lock. */
	stale = VtRacyLoad(&VtSegmentOf(ptr)->staleMask);
	VtRacyReadsEnd();
	if ((stale >> (((uintptr_t) ptr >> VT_SLICE_SHIFT)
		& (VT_SLICES - 1))) & 1) {
	    *whyPtr = "the large block that started there is already free "
		    "(double free)";
	}
    }
    return NULL;
}

/*
 *----------------------------------------------------------------------
 *
 * VtLookup --
 *
 *	Validate a pointer for `what` (realloc, usable size ...).
 *
 * Results:
 *	The block's page.
 *
 * Side effects:
 *	Panics, naming the pointer and the reason, if ptr is not a live
 *	block.
 *
 *----------------------------------------------------------------------
 */

VtPage *
VtLookup(
    const void *ptr,
    const char *what)
{
    const char *why;
    VtPage *pagePtr = FindBlock(ptr, &why);

    if (pagePtr == NULL) {
	BadBlock(ptr, what, why);
    }
    return pagePtr;
}

/*
 *----------------------------------------------------------------------
 *
 * BadBlock --
 *
 *	Report a bad pointer.
 *
 * Results:
 *	None; does not return.
 *
 * Side effects:
 *	Panics.
 *
 *----------------------------------------------------------------------
 */

static VT_NOINLINE VT_NORETURN void
BadBlock(
    const void *ptr,
    const char *what,
    const char *why)
{
    VtPanic("vtalloc: invalid block %p passed to %s: %s", ptr, what, why);
}

/*
 *----------------------------------------------------------------------
 *
 * VtBadLink --
 *
 *	Report a free block whose header was found damaged (hardened and
 *	debug builds).
 *
 * Results:
 *	None; does not return.
 *
 * Side effects:
 *	Panics.
 *
 *----------------------------------------------------------------------
 */

void
VtBadLink(
    const VtBlock *blockPtr,
    const char *why)
{
    VtPanic("vtalloc: free block %p is corrupt: %s (a write after free "
	    "or an overflow from the block before it)", (const void *) blockPtr,
	    why);
}

/*
 *----------------------------------------------------------------------
 *
 * VtBadLinkFollowed --
 *
 *	VtBadLink with its arguments the other way round, for the
 *	allocation fast path (VtLinkGet): with the block not the first
 *	argument, gcc need not keep it in the first argument's register,
 *	where the size came in (which cost the fast path a move).
 *
 * Results:
 *	None; does not return.
 *
 * Side effects:
 *	Panics.
 *
 *----------------------------------------------------------------------
 */

void
VtBadLinkFollowed(
    const char *why,
    const VtBlock *blockPtr)
{
    VtBadLink(blockPtr, why);
}

/*
 *----------------------------------------------------------------------
 *
 * VtLinkKeyInit --
 *
 *	Set the secret that free-list links are mangled with from a random
 *	word: an odd number (so that its inverse modulo 2^64 undoes the
 *	product) with bits set in its upper half, and that inverse.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Sets vtLinkKey and vtLinkInverse; called once, before any block is
 *	freed.
 *
 *----------------------------------------------------------------------
 */

void
VtLinkKeyInit(
    uintptr_t random)
{
    uintptr_t key = random | 1, inverse = key;
    int i;

    if ((key >> 32) == 0) {		/* The draw failed. */
	key |= (uintptr_t) 0x9E3779B9 << 32;
	inverse = key;
    }
    for (i = 0; i < 6; i++) {		/* Newton: the correct bits double
					 * each time, from 3. */
	inverse *= 2 - key * inverse;
    }
    vtLinkKey = key;
    vtLinkInverse = inverse;
}

#if VT_HARDEN
/*
 *----------------------------------------------------------------------
 *
 * VtLinkCheck --
 *
 *	The hardened build's check of a followed link: it must lead to the
 *	start of a carved block of small blocks, of the same page for a
 *	page's list (samePage).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Panics (VtBadLink) if it does not.
 *
 *----------------------------------------------------------------------
 */

void
VtLinkCheck(
    const VtBlock *blockPtr,
    const VtBlock *nextPtr,
    int samePage)
{
    VtPage *pagePtr = VtPageOf(nextPtr);
    uint32_t index;

    if ((samePage && pagePtr != VtPageOf(blockPtr))
	    || pagePtr->state != VT_PAGE_SMALL
	    || !VtSmallIndex(pagePtr, nextPtr, &index)) {
	VtBadLink(blockPtr, "its free-list link was overwritten");
    }
}
#endif

#if VT_DEBUG
/*
 *----------------------------------------------------------------------
 *
 * VtFillCheck --
 *
 *	Check, as a block is handed out, that the fill written when it was
 *	freed (or carved) is intact.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Panics if a byte past the block's header changed.
 *
 *----------------------------------------------------------------------
 */

void
VtFillCheck(
    const VtPage *pagePtr,
    const VtBlock *blockPtr)
{
    const uint8_t *ptr = (const uint8_t *) blockPtr + sizeof(VtBlock);
    const uint8_t *endPtr = (const uint8_t *) blockPtr + pagePtr->blockSize;

    VtTrackOpen(blockPtr, pagePtr->blockSize);
    for (; ptr < endPtr; ptr++) {
	if (*ptr != VT_FREE_FILL) {
	    VtBadLink(blockPtr, "its free fill was overwritten");
	}
    }
    VtTrackClose(blockPtr, pagePtr->blockSize);
}
#endif

/*
 *----------------------------------------------------------------------
 *
 * VtFreeOther --
 *
 *	VtFree of anything but a live small block: NULL, a large block, or
 *	a bad pointer.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	See FreeLarge; panics, naming the pointer and the reason, if ptr is
 *	not a live block.
 *
 *----------------------------------------------------------------------
 */

VT_NOINLINE void
VtFreeOther(
    void *ptr)
{
    const char *why;
    VtPage *pagePtr;

    if (ptr == NULL) {
	return;
    }
    pagePtr = FindBlock(ptr, &why);
    if (pagePtr == NULL) {
	BadBlock(ptr, "free", why);
    }
    VtTrackFree(ptr);
    FreeLarge(VtBusyEnter(), pagePtr, ptr);
    VtBusyLeave();
}

/*
 *----------------------------------------------------------------------
 *
 * VtFreeRemote --
 *
 *	Free a block of a page that the calling thread does not own. If the
 *	thread allocates blocks of the bucket itself (it has a current page
 *	there) and the page has an owner, the thread holds the block, up to
 *	the hold option's bytes in all and VT_HOLD_MAX blocks per bucket, and
 *	hands it out when its current page of the bucket runs out, before it
 *	takes another page (VtMallocSlow): blocks it frees into the pages of
 *	an owner that is not running (descheduled, or blocked in a server)
 *	serve it instead of new pages. Otherwise the block goes onto the
 *	page's remote list (VtRemotePush). A held block stays counted as live
 *	in its page, so the page cannot be given back meanwhile. Blocks of
 *	orphans are not held: the sweep gives orphans back once their blocks
 *	are freed. Nor are held blocks kept forever by a thread that stops
 *	using them: the idle trim gives them back for it (VtIdleTrim), so
 *	that their pages can go back to the OS.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Counts the free in the calling thread's cache (creating it if need
 *	be). Entered busy, from the fast path (VtBusyEnter); leaves busy.
 *
 *----------------------------------------------------------------------
 */

VT_NOINLINE void
VtFreeRemote(
    VtCache *cachePtr,
    VtPage *pagePtr,
    VtBlock *blockPtr)
{
    unsigned bucket = pagePtr->bucket;
    VtCache *ownerPtr;

    if (cachePtr == &vtEmptyCache) {
	cachePtr = VtCacheGet(0);
    }
    if (cachePtr != &vtEmptyCache) {
	VtBump(&cachePtr->slowCalls, 1);
#if VT_STATS
	VtCount(&cachePtr->counts, bucket, frees);
	VtCount(&cachePtr->counts, bucket, remoteFrees);
#endif
    }

    /*
     * The page may be the thread's own after all: freed while an idle trim
     * had the cache (VtCacheGet waited it out). Its remote list takes the
     * block as well as any.
     */

    ownerPtr = atomic_load_explicit(&pagePtr->ownerPtr, memory_order_relaxed);
    if (cachePtr->pages[bucket] == &vtEmptyPage || ownerPtr == NULL
	    || ownerPtr == cachePtr
	    || !VtHeldPut(cachePtr, pagePtr, blockPtr)) {
	VtRemotePush(pagePtr, blockPtr);
    }
    VtSweepComing(cachePtr, bucket);	/* Held blocks too: for when the
					 * thread stops using them. */
    VtBusyLeave();
}

/*
 *----------------------------------------------------------------------
 *
 * VtFreeEmptied --
 *
 *	The owner's free left its page empty (not its current page) or
 *	freed into a full page: see VtCachePageEmptied.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	See VtCachePageEmptied. Entered busy, from the fast path
 *	(VtBusyEnter); leaves busy.
 *
 *----------------------------------------------------------------------
 */

VT_NOINLINE void
VtFreeEmptied(
    VtCache *cachePtr,
    VtPage *pagePtr)
{
    VtBump(&cachePtr->slowCalls, 1);
    VtCachePageEmptied(cachePtr, pagePtr);
    VtBusyLeave();
}

/*
 *----------------------------------------------------------------------
 *
 * VtRemotePush, VtSweepComing --
 *
 *	VtRemotePush: push a free block onto the remote list of its page
 *	(lock-free) and raise the owner's hint for the bucket so that it
 *	looks at its full pages. VtSweepComing: make sure a sweep is coming
 *	after the first such block (or held block) since the last sweep.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	VtSweepComing may take the shared lock.
 *
 *----------------------------------------------------------------------
 */

void
VtRemotePush(
    VtPage *pagePtr,
    VtBlock *blockPtr)
{
    VtCache *ownerPtr;
    uintptr_t word;
    unsigned bucket = pagePtr->bucket;

    /*
     * Read the owner before the push: once the block is on the list the
     * owner may collect it, empty the page and give it away.
     */

    ownerPtr = atomic_load_explicit(&pagePtr->ownerPtr, memory_order_relaxed);
    word = atomic_load_explicit(&pagePtr->remote, memory_order_relaxed);
    do {
	VtBlockFreed(blockPtr, VtRemoteHead(word));
    } while (!atomic_compare_exchange_weak_explicit(&pagePtr->remote, &word,
	    VtRemoteWord(blockPtr, VtRemoteCount(word) + 1),
	    memory_order_release, memory_order_relaxed));
    if (ownerPtr != NULL && !atomic_load_explicit(
	    &ownerPtr->remoteHint[bucket], memory_order_relaxed)) {
	atomic_store_explicit(&ownerPtr->remoteHint[bucket], 1,
		memory_order_release);
    }
}

void
VtSweepComing(
    VtCache *cachePtr,
    unsigned bucket)
{
    if (!atomic_load_explicit(&vtShared.remoteFreed, memory_order_relaxed)
	    && !atomic_exchange_explicit(&vtShared.remoteFreed, 1,
	    memory_order_relaxed)) {
	/*
	 * The first remote free (or held block) since the last sweep makes
	 * sure a sweep will come (see VtSharedUnlock), so that orphans, and
	 * pages of threads that have gone idle, emptied by other threads go
	 * back to the OS.
	 */

	VtSharedLock(cachePtr == &vtEmptyCache ? NULL : cachePtr, bucket);
	VtSharedUnlock();
    }
}

/*
 *----------------------------------------------------------------------
 *
 * FreeLarge --
 *
 *	Free a large or huge block: its run goes back to the segment, or
 *	its segment back to the OS. FindBlock looked at the block without
 *	the lock; under it the block is looked at again, so that of two
 *	threads freeing the same block at once the second panics too.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Takes the shared lock; panics, naming the pointer, on a double
 *	free.
 *
 *----------------------------------------------------------------------
 */

static VT_NOINLINE void
FreeLarge(
    VtCache *cachePtr,
    VtPage *pagePtr,
    void *ptr)
{
    VtSegment *segPtr = VtSegmentOf(pagePtr);

    if (cachePtr == &vtEmptyCache) {
	cachePtr = VtCacheGet(0);
    }
#if VT_STATS
    if (cachePtr != &vtEmptyCache) {
	VtCount(&cachePtr->counts, VT_NBUCKETS, frees);
    }
#endif
    VtSharedLock(cachePtr == &vtEmptyCache ? NULL : cachePtr, VT_NBUCKETS);
    if (!VtSegmentKnown(ptr) || VtPageOf(ptr) != pagePtr
	    || pagePtr->state != VT_PAGE_LARGE || pagePtr->start != ptr) {
	VtSharedUnlock();
	BadBlock(ptr, "free", "the block is already free (double free from "
		"another thread)");
    }
    if (segPtr->kind == VT_SEGMENT_HUGE) {
	VtHugeFree(segPtr);
	VtSharedUnlock();
	VtSegmentUnmap(segPtr);		/* Out of the lock. */
	return;
    }
    VtRunFree(pagePtr);
    VtSharedUnlock();
}
