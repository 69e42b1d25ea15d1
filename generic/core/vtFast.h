/*
 * vtFast.h --
 *
 *	The fast paths, inline in every entry point: VtMalloc, VtFree and the
 *	steps they share with the slow paths. Part of vtInt.h, after its
 *	prototypes (each fast path falls back on one); not included on its
 *	own.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTFAST
#define _VTFAST

/*
 *----------------------------------------------------------------------
 *
 * The allocation fast path, inline in every entry point (VtMalloc,
 * Vt_Alloc, malloc, TclpAlloc ...).
 *
 *----------------------------------------------------------------------
 */

/*
 *----------------------------------------------------------------------
 *
 * VtHandOut --
 *
 *	The last steps of every small allocation, once the block is off its
 *	list: count it, record the bytes asked for.
 *
 * Results:
 *	The block.
 *
 * Side effects:
 *	The block's side array entry.
 *
 *----------------------------------------------------------------------
 */

VT_INLINE void *
VtHandOut(
    VtCache *cachePtr,
    VtPage *pagePtr,
    VtBlock *blockPtr,
    unsigned bucket,
    size_t size)
{
    VtCount(&cachePtr->counts, bucket, allocs);
    VtSideSet(pagePtr, blockPtr, size);
#if VT_DEBUG
    VtFillCheck(pagePtr, blockPtr);
#endif
    VtTrackAlloc(blockPtr, size);
    return blockPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtPagePop --
 *
 *	Hand out the first free block of a page that has one.
 *
 * Results:
 *	The block.
 *
 * Side effects:
 *	Clears the block's free cookie; counts the allocation.
 *
 *----------------------------------------------------------------------
 */

VT_INLINE void *
VtPagePop(
    VtCache *cachePtr,
    VtPage *pagePtr,
    unsigned bucket,
    size_t size)
{
    VtBlock *blockPtr = pagePtr->freePtr;

    pagePtr->freePtr = VtBlockTaken(blockPtr);
    pagePtr->used++;
    return VtHandOut(cachePtr, pagePtr, blockPtr, bucket, size);
}

/*
 *----------------------------------------------------------------------
 *
 * VtMallocWith, VtMalloc --
 *
 *	Allocate `size` bytes, 16-byte aligned. VtMallocWith takes the slow
 *	path as a parameter, so that an entry point that reacts to failure
 *	(a panic, errno) does it in its own slow path: its fast path then has
 *	no test of the result and no stack frame. The fast path is 31
 *	instructions (x86-64, gcc 12 -O2): 21 to find the page and pop the
 *	block (4 of them to decode and check its link, see VtLinkGet), 1
 *	for the counter, 7 for the side-array entry, 2 to return.
 *
 * Results:
 *	The block, or what slowProc returns (VtMalloc: NULL if the OS has no
 *	memory).
 *
 * Side effects:
 *	May create the thread's cache or take pages from the shared cache.
 *
 *----------------------------------------------------------------------
 */

VT_INLINE void *
VtMallocWith(
    size_t size,
    void *(*slowProc)(size_t size, VtCache *cachePtr))
{
    VtCache *cachePtr = VtBusyEnter();

    if (VT_LIKELY(size <= VT_SMALL_MAX)) {
	unsigned bucket = vtBucketOf[(size + VT_ALIGN - 1) / VT_ALIGN];
	VtPage *pagePtr = cachePtr->pages[bucket];

	if (VT_LIKELY(pagePtr->freePtr != NULL)) {
	    void *ptr = VtPagePop(cachePtr, pagePtr, bucket, size);

	    VtBusyLeave();
	    return ptr;
	}
    }
    return slowProc(size, cachePtr);	/* This order: size stays in the
					 * register it came in. The slow
					 * path leaves busy (VtMallocSlow). */
}

VT_INLINE void *
VtMalloc(
    size_t size)
{
    return VtMallocWith(size, VtMallocSlow);
}

/*
 *----------------------------------------------------------------------
 *
 * VtFree --
 *
 *	Free a block. NULL is allowed. Inline in every entry point (Vt_Free,
 *	free, TclpFree ...), so that none pays a call on top. A free by the
 *	page's owner is 42 instructions (x86-64, gcc 12 -O2): 26 check the
 *	pointer (vtalloc's segment, the start of a carved block, not already
 *	free), 2 count, the rest push the block (2 to mangle its link, see
 *	VtLinkSet) and look at the page (one decrement and one branch: see
 *	VtUsed).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	The block goes onto its page's local free list (owner) or remote
 *	list (any other thread); a page left with no live block may go back
 *	to its segment. Panics on a pointer that is not a live block.
 *
 *----------------------------------------------------------------------
 */

VT_INLINE void
VtFree(
    void *ptr)
{
    VtBlock *blockPtr = ptr;
    VtCache *cachePtr;
    VtPage *pagePtr;
    uint32_t index;

    if (VT_UNLIKELY(!VtSegmentKnown(ptr))) {
	VtFreeOther(ptr);		/* NULL too: no segment at 0. */
	return;
    }
    pagePtr = VtPageOf(ptr);
    if (VT_UNLIKELY(!VtSmallIndex(pagePtr, ptr, &index)
	    || VtBlockIsFree(blockPtr))) {
	VtFreeOther(ptr);
	return;
    }
    VtTrackFree(ptr);
#if VT_DEBUG
    VtTrackOpen(ptr, pagePtr->blockSize);
    memset((uint8_t *) ptr + sizeof(VtBlock), VT_FREE_FILL,
	    pagePtr->blockSize - sizeof(VtBlock));
    VtTrackClose(ptr, pagePtr->blockSize);
#endif
    cachePtr = VtBusyEnter();
    if (VT_LIKELY(atomic_load_explicit(&pagePtr->ownerPtr,
	    memory_order_relaxed) == cachePtr)) {
	VtBlockFreed(blockPtr, pagePtr->freePtr);
	pagePtr->freePtr = blockPtr;
	VtCount(&cachePtr->counts, pagePtr->bucket, frees);

	/*
	 * The current page stays when it empties (no call for the usual
	 * alloc-free pair): see VtUsed.
	 */

	if (VT_UNLIKELY(--pagePtr->used < 0)) {
	    VtFreeEmptied(cachePtr, pagePtr);	/* It leaves busy. */
	    return;
	}
	VtBusyLeave();
	return;
    }
    VtFreeRemote(cachePtr, pagePtr, blockPtr);	/* It leaves busy. */
}

#endif /* _VTFAST */
