/*
 * vtPage.c --
 *
 *	Pages of small blocks: setting one up for a bucket, carving its
 *	blocks lazily (so untouched blocks cost no resident memory), folding
 *	in the blocks that other threads freed, the page lists of a cache, and
 *	the invariant checker of debug builds.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

/*
 * Blocks are carved about one OS page at a time.
 */

#define VT_CARVE_BYTES 4096

/*
 *----------------------------------------------------------------------
 *
 * VtPageInit --
 *
 *	Set up a run just taken from the shared cache as a page of `bucket`
 *	owned by ownerPtr. No block is carved yet.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Fills the page header.
 *
 *----------------------------------------------------------------------
 */

void
VtPageInit(
    VtPage *pagePtr,
    unsigned bucket,
    VtCache *ownerPtr)
{
    const VtBucketInfo *infoPtr = &vtBuckets[bucket];
    uint8_t *side;

    pagePtr->freePtr = NULL;
    pagePtr->used = VT_USED_EMPTY;
    VtStore(&pagePtr->capacity, 0);
    pagePtr->reserved = infoPtr->reserved;
    pagePtr->blockSize = infoPtr->blockSize;
    pagePtr->recip = infoPtr->recip;
    pagePtr->bucket = (uint16_t) bucket;
    pagePtr->orphan = 0;
    atomic_store_explicit(&pagePtr->remote, 0, memory_order_relaxed);
    pagePtr->sweepWord = 0;
    pagePtr->sideShift = infoPtr->sideShift;
    pagePtr->sideWide = infoPtr->sideWide;
    if (infoPtr->reserved <= VT_SIDE_INLINE_MAX) {
	side = pagePtr->sideInline;
    } else if (infoPtr->sideFirst != 0) {
	side = pagePtr->start;		/* The run's start. */
	pagePtr->start += infoPtr->sideFirst;
    } else {
	side = pagePtr->start + (size_t) infoPtr->reserved
		* infoPtr->blockSize;
    }
    pagePtr->sideBase = (uintptr_t) side - (((uintptr_t) pagePtr->start
	    >> infoPtr->sideShift) << infoPtr->sideWide);
    VtTrackOpen(side, (infoPtr->sideFirst != 0 ? VtSideFirstBytes
	    : VtSideBytes)(infoPtr->blockSize, infoPtr->sideShift,
	    infoPtr->sideWide, infoPtr->reserved));
    pagePtr->fenceMask = (uint8_t) ((VtSegmentOf(pagePtr)->staleMask
	    >> pagePtr->index) & (((uint64_t) 1 << pagePtr->slices) - 1));
    pagePtr->fenced = 0;
    pagePtr->state = VT_PAGE_SMALL;
    atomic_store_explicit(&pagePtr->ownerPtr, ownerPtr, memory_order_relaxed);
}

/*
 *----------------------------------------------------------------------
 *
 * VtPageExtend --
 *
 *	Carve the next blocks of a page whose free list is empty. A block
 *	that starts where a freed large block started (fenceMask, from the
 *	segment's staleMask) is fenced off: carved and marked free, but
 *	never put on a list, so that a second free of the large block
 *	panics as the double free it is instead of freeing a live small
 *	block. At most one block per slice is fenced off, and only in pages
 *	laid over such a slice.
 *
 * Results:
 *	1 if blocks were carved onto the free list, 0 if the page is fully
 *	carved.
 *
 * Side effects:
 *	Writes the free list links and cookies into the new blocks and marks
 *	them free in the side array.
 *
 *----------------------------------------------------------------------
 */

int
VtPageExtend(
    VtPage *pagePtr)
{
    uint32_t capacity = VtLoad(&pagePtr->capacity);
    uint32_t count = VT_CARVE_BYTES / pagePtr->blockSize, n, i;
    VtBlock *listPtr = pagePtr->freePtr, *blockPtr;
    uint8_t *ptr;
    int linked = 0;

    if (count == 0) {
	count = 1;
    }
    while (!linked && capacity < pagePtr->reserved) {
	n = count < pagePtr->reserved - capacity ? count
		: pagePtr->reserved - capacity;
	for (i = n; i-- > 0; ) {	/* Backwards: the list ascends. */
	    ptr = pagePtr->start + (size_t) (capacity + i)
		    * pagePtr->blockSize;
	    blockPtr = (VtBlock *) ptr;
#if VT_DEBUG
	    memset(ptr + sizeof(VtBlock), VT_FREE_FILL,
		    pagePtr->blockSize - sizeof(VtBlock));
#endif
	    VtTrackClose(ptr, pagePtr->blockSize);
	    if (VT_UNLIKELY(pagePtr->fenceMask != 0)
		    && ((uintptr_t) ptr & (VT_SLICE_SIZE - 1)) == 0
		    && ((pagePtr->fenceMask >> (((uintptr_t) ptr
		    >> VT_SLICE_SHIFT) - ((uintptr_t) pagePtr->start
		    >> VT_SLICE_SHIFT))) & 1)) {
		VtBlockFreed(blockPtr, NULL);	/* Fenced off. */
		pagePtr->fenced++;
		continue;
	    }
	    VtBlockFreed(blockPtr, listPtr);
	    listPtr = blockPtr;
	    linked = 1;
	}
	capacity += n;
    }
    pagePtr->freePtr = listPtr;
    VtStore(&pagePtr->capacity, capacity);
    return linked;
}

/*
 *----------------------------------------------------------------------
 *
 * VtPageShrink --
 *
 *	Give back the memory of the free blocks after a page's last live
 *	block: they are uncarved (off the free list, the carved count lowered
 *	to just after the last live block, so that a free of one of them
 *	panics as a bad pointer), and the OS's pages that only they covered
 *	are released. The free list is rebuilt in address order. For a page
 *	that only the caller can touch meanwhile: the owner, or a trim that
 *	has the owner's cache (VtIdleTrim); other threads' frees go onto the
 *	remote list, and they read the carved count only for live blocks,
 *	which stay carved. Its remote list collected first. A fenced-off
 *	block (see VtPageExtend) that is uncarved stops being one: a second
 *	free of the large block that started there is still refused, by the
 *	segment's staleMask (FindOther). No lock held: the system call is
 *	made here.
 *
 * Results:
 *	The bytes released.
 *
 * Side effects:
 *	Rewrites the free list; lowers the carved count; system call.
 *
 *----------------------------------------------------------------------
 */

#define VT_SHRINK_MAX	4096		/* Most blocks in a page. */

uint64_t
VtPageShrink(
    VtPage *pagePtr)
{
    uint64_t freeBits[VT_SHRINK_MAX / 64];
    uint32_t capacity = VtLoad(&pagePtr->capacity), keep, i;
    uintptr_t from, to, limit;
    VtBlock *blockPtr, *listPtr;

    uint32_t fencedAt[VT_MAX_PAGE_SLICES], fences = 0, f;

    if (capacity == 0 || capacity > VT_SHRINK_MAX || VtUsed(pagePtr) == 0) {
	return 0;
    }
    memset(freeBits, 0, ((capacity + 63) / 64) * sizeof(uint64_t));
    for (blockPtr = pagePtr->freePtr; blockPtr != NULL;
	    blockPtr = VtLinkGet(blockPtr)) {
	i = VtBlockIndex(pagePtr, blockPtr);
	freeBits[i / 64] |= (uint64_t) 1 << (i % 64);
    }

    /*
     * Fenced-off blocks (see VtPageExtend) are free too, though on no
     * list: the first block of each slice of fenceMask, where one starts.
     */

    for (f = 0; pagePtr->fenced != 0 && f < pagePtr->slices; f++) {
	uintptr_t slice = (((uintptr_t) pagePtr->start >> VT_SLICE_SHIFT)
		+ f) << VT_SLICE_SHIFT;	/* The run starts in the slice of
					 * its first block. */
	size_t offset = slice - (uintptr_t) pagePtr->start;

	if (slice >= (uintptr_t) pagePtr->start && ((pagePtr->fenceMask
		>> f) & 1) && offset % pagePtr->blockSize == 0
		&& offset / pagePtr->blockSize < capacity) {
	    i = (uint32_t) (offset / pagePtr->blockSize);
	    fencedAt[fences++] = i;
	    freeBits[i / 64] |= (uint64_t) 1 << (i % 64);
	}
    }
    for (keep = capacity; keep > 0
	    && ((freeBits[(keep - 1) / 64] >> ((keep - 1) % 64)) & 1); keep--) {
	/* Empty loop body: keep is one past the last live block. */
    }

    /*
     * The OS's pages from the first one after block keep - 1 to the end of
     * the carved blocks, short of the side array where it follows them.
     */

    from = ((uintptr_t) pagePtr->start + (uintptr_t) keep * pagePtr->blockSize
	    + 4095) & ~(uintptr_t) 4095;
    to = ((uintptr_t) pagePtr->start + (uintptr_t) capacity
	    * pagePtr->blockSize + 4095) & ~(uintptr_t) 4095;
    limit = (((uintptr_t) pagePtr->start >> VT_SLICE_SHIFT)
	    + pagePtr->slices) << VT_SLICE_SHIFT;	/* The run's end. */
    if ((uintptr_t) VtSideArray(pagePtr) > (uintptr_t) pagePtr->start
	    && pagePtr->reserved > VT_SIDE_INLINE_MAX) {
	limit = (uintptr_t) VtSideArray(pagePtr) & ~(uintptr_t) 4095;
    }
    if (to > limit) {
	to = limit;
    }
    if (from >= to) {
	return 0;
    }
    for (f = 0; f < fences; f++) {
	if (fencedAt[f] >= keep) {
	    pagePtr->fenced--;		/* Uncarved with the others. */
	} else {
	    freeBits[fencedAt[f] / 64] &= ~((uint64_t) 1 << (fencedAt[f] % 64));
	}
    }
    listPtr = NULL;
    for (i = keep; i-- > 0; ) {		/* Backwards: the list ascends. */
	if ((freeBits[i / 64] >> (i % 64)) & 1) {
	    blockPtr = (VtBlock *) (pagePtr->start + (size_t) i
		    * pagePtr->blockSize);
	    VtLinkSet(blockPtr, listPtr);
	    listPtr = blockPtr;
	}
    }
    pagePtr->freePtr = listPtr;
    VtStore(&pagePtr->capacity, keep);
    VtpReset((void *) from, to - from);
    return to - from;
}

/*
 *----------------------------------------------------------------------
 *
 * VtPageCollect --
 *
 *	Fold the blocks that other threads freed into the local free list;
 *	if the sweep released the page (see VtSweep), start it afresh, with
 *	no block carved, once the sweep's system call is done (it is made
 *	out of every lock while the word says VT_REMOTE_SWEEPING). Called by
 *	the owner, or under the shared lock for an orphan.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Empties the remote list; lowers `used`.
 *
 *----------------------------------------------------------------------
 */

void
VtPageCollect(
    VtPage *pagePtr)
{
    VtBlock *listPtr, *tailPtr, *nextPtr;
    uintptr_t word;
    uint32_t count;

    word = atomic_load_explicit(&pagePtr->remote, memory_order_relaxed);
    for (;;) {
	if (word == 0) {
	    return;
	}
	if (VT_UNLIKELY(word == VT_REMOTE_SWEEPING)) {
	    VtpSleep(0);
	    word = atomic_load_explicit(&pagePtr->remote,
		    memory_order_relaxed);
	} else if (atomic_compare_exchange_weak_explicit(&pagePtr->remote,
		&word, 0, memory_order_acquire, memory_order_relaxed)) {
	    break;
	}
    }
    if (VT_UNLIKELY(word >= VT_REMOTE_SWEPT)) {
	if (word != VT_REMOTE_SWEPT) {
	    VtPanic("vtalloc: block %p freed into page %p whose blocks were "
		    "all free (double free from another thread)",
		    (void *) VtRemoteHead(word), (void *) pagePtr->start);
	}
	pagePtr->freePtr = NULL;
	pagePtr->used -= (int32_t) VtUsed(pagePtr);
	pagePtr->fenced = 0;
	VtStore(&pagePtr->capacity, 0);
	return;
    }
    listPtr = VtRemoteHead(word);
    count = VtRemoteCount(word);

    /*
     * The owner collects when its free list ran dry: then the remote list
     * simply becomes the free list. Otherwise the remote list goes in
     * front of it.
     */

    if (pagePtr->freePtr != NULL) {
	for (tailPtr = listPtr; (nextPtr = VtLinkGet(tailPtr)) != NULL;
		tailPtr = nextPtr) {
	}
	VtLinkSet(tailPtr, pagePtr->freePtr);
    }
    pagePtr->freePtr = listPtr;
    if (VT_UNLIKELY(count > VtUsed(pagePtr))) {
	VtPanic("vtalloc: page %p of bucket %u: %u remote frees but only %u "
		"blocks in use (double free from another thread)",
		(void *) pagePtr->start, (unsigned) pagePtr->bucket,
		(unsigned) count, (unsigned) VtUsed(pagePtr));
    }
    pagePtr->used -= (int32_t) count;
}

/*
 *----------------------------------------------------------------------
 *
 * VtListPush, VtListAppend, VtListRemove --
 *
 *	Add a page at the front or at the back of a page list, or take it
 *	out.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Changes the list and the page's links.
 *
 *----------------------------------------------------------------------
 */

void
VtListPush(
    VtPageList *listPtr,
    VtPage *pagePtr)
{
    pagePtr->prevPtr = NULL;
    pagePtr->nextPtr = listPtr->firstPtr;
    if (listPtr->firstPtr != NULL) {
	listPtr->firstPtr->prevPtr = pagePtr;
    } else {
	listPtr->lastPtr = pagePtr;
    }
    listPtr->firstPtr = pagePtr;
    listPtr->count++;
}

void
VtListAppend(
    VtPageList *listPtr,
    VtPage *pagePtr)
{
    pagePtr->nextPtr = NULL;
    pagePtr->prevPtr = listPtr->lastPtr;
    if (listPtr->lastPtr != NULL) {
	listPtr->lastPtr->nextPtr = pagePtr;
    } else {
	listPtr->firstPtr = pagePtr;
    }
    listPtr->lastPtr = pagePtr;
    listPtr->count++;
}

void
VtListRemove(
    VtPageList *listPtr,
    VtPage *pagePtr)
{
    if (pagePtr->prevPtr != NULL) {
	pagePtr->prevPtr->nextPtr = pagePtr->nextPtr;
    } else {
	listPtr->firstPtr = pagePtr->nextPtr;
    }
    if (pagePtr->nextPtr != NULL) {
	pagePtr->nextPtr->prevPtr = pagePtr->prevPtr;
    } else {
	listPtr->lastPtr = pagePtr->prevPtr;
    }
    pagePtr->nextPtr = pagePtr->prevPtr = NULL;
    listPtr->count--;
}

/*
 *----------------------------------------------------------------------
 *
 * VtPageIsValid --
 *
 *	Check a page's invariants from its owner: every block of the local
 *	free list lies in the carved part, on a block boundary, and carries
 *	its cookie; free, used and fenced-off blocks make the carved count.
 *
 * Results:
 *	1 if the page is consistent, 0 otherwise.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

int
VtPageIsValid(
    const VtPage *pagePtr)
{
    uint32_t capacity = VtLoad(&pagePtr->capacity);
    uint32_t freeCount = 0;
    const VtBlock *blockPtr;

    if (pagePtr->state != VT_PAGE_SMALL || capacity > pagePtr->reserved) {
	return 0;
    }
    for (blockPtr = pagePtr->freePtr; blockPtr != NULL;
	    blockPtr = VtLinkGet(blockPtr)) {
	uint32_t index = VtBlockIndex(pagePtr, blockPtr);

	if ((const uint8_t *) blockPtr < pagePtr->start || index >= capacity
		|| pagePtr->start + (size_t) index * pagePtr->blockSize
		!= (const uint8_t *) blockPtr
		|| !VtBlockIsFree(blockPtr)
		|| ++freeCount > capacity) {
	    return 0;
	}
    }
    return freeCount + VtUsed(pagePtr) + pagePtr->fenced == capacity;
}
