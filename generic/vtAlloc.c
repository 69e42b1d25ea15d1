/*
 * vtAlloc.c --
 *
 *	Allocation and reallocation. The fast path is the thread's cache ->
 *	the bucket's current page -> pop its free list: about a dozen
 *	instructions and one predictable branch past the size test.
 *	Everything else is in MallocSlow, which is never inlined.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

static VT_NOINLINE void *MallocSlow(VtCache *cachePtr, size_t size);
static void *		LargeAlloc(VtCache *cachePtr, size_t size,
			    size_t offset);

/*
 *----------------------------------------------------------------------
 *
 * PagePop --
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
PagePop(
    VtCache *cachePtr,
    VtPage *pagePtr,
    unsigned bucket,
    size_t size)
{
    VtBlock *blockPtr = pagePtr->freePtr;

    pagePtr->freePtr = VtBlockTaken(blockPtr);
    pagePtr->used++;
    VtCount(&cachePtr->counters[bucket], allocs);
    VtSlackSet(pagePtr, VtBlockIndex(pagePtr, blockPtr),
	    1 + pagePtr->blockSize - size);
#if VT_DEBUG
    VtFillCheck(pagePtr, blockPtr);
#endif
    VtTrackAlloc(blockPtr, size);
    (void) cachePtr;
    (void) bucket;
    return blockPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtMalloc --
 *
 *	Allocate `size` bytes, 16-byte aligned.
 *
 * Results:
 *	The block, or NULL if the OS has no memory.
 *
 * Side effects:
 *	May create the thread's cache or take pages from the shared cache.
 *
 *----------------------------------------------------------------------
 */

void *
VtMalloc(
    size_t size)
{
    VtCache *cachePtr = vtCachePtr;

    if (VT_LIKELY(size <= VT_SMALL_MAX)) {
	unsigned bucket = vtBucketOf[(size + VT_ALIGN - 1) / VT_ALIGN];
	VtPage *pagePtr = cachePtr->pages[bucket];

	if (VT_LIKELY(pagePtr->freePtr != NULL)) {
	    return PagePop(cachePtr, pagePtr, bucket, size);
	}
    }
    return MallocSlow(cachePtr, size);
}

/*
 *----------------------------------------------------------------------
 *
 * MallocSlow --
 *
 *	Allocation when the current page has no free block, the thread has
 *	no cache yet, or the request is large.
 *
 * Results:
 *	The block, or NULL if the OS has no memory.
 *
 * Side effects:
 *	See VtCacheGet, VtCacheRefill.
 *
 *----------------------------------------------------------------------
 */

static VT_NOINLINE void *
MallocSlow(
    VtCache *cachePtr,
    size_t size)
{
    VtPage *pagePtr;
    unsigned bucket;

    if (cachePtr == &vtEmptyCache) {
	cachePtr = VtCacheGet();
	if (cachePtr == &vtEmptyCache) {
	    return NULL;
	}
    }
    if (size > VT_SMALL_MAX) {
	return LargeAlloc(cachePtr, size, VT_SLICE_SIZE);
    }
    bucket = VtBucketOfSize(size);
    pagePtr = VtCacheRefill(cachePtr, bucket);
    if (pagePtr == NULL) {
	return NULL;
    }
    return PagePop(cachePtr, pagePtr, bucket, size);
}

/*
 *----------------------------------------------------------------------
 *
 * LargeAlloc --
 *
 *	A block above the largest bucket: a run of whole slices, or above
 *	VT_LARGE_MAX (or at an offset other than a slice: aligned above a
 *	slice) a segment of its own with the block at `offset`.
 *
 * Results:
 *	The block, or NULL if the OS has no memory.
 *
 * Side effects:
 *	Takes the shared lock.
 *
 *----------------------------------------------------------------------
 */

static void *
LargeAlloc(
    VtCache *cachePtr,
    size_t size,
    size_t offset)
{
    VtPage *pagePtr;

    VtSharedLock(&cachePtr->counters[VT_NBUCKETS]);
    if (size > VT_LARGE_MAX || offset != VT_SLICE_SIZE) {
	pagePtr = VtHugeAlloc(size, offset);
    } else {
	pagePtr = VtRunAlloc((unsigned)
		((size + VT_SLICE_SIZE - 1) >> VT_SLICE_SHIFT));
	if (pagePtr != NULL) {
	    pagePtr->state = VT_PAGE_LARGE;
	}
    }
    if (pagePtr != NULL) {
	pagePtr->u.requested = size;
    }
    VtSharedUnlock();
    if (pagePtr == NULL) {
	return NULL;
    }
    VtTrackAlloc(pagePtr->start, size);
    VtCount(&cachePtr->counters[VT_NBUCKETS], allocs);
    (void) cachePtr;
    return pagePtr->start;
}

/*
 *----------------------------------------------------------------------
 *
 * VtMallocAligned --
 *
 *	Allocate `size` bytes aligned on `align` (a power of two, at most
 *	half a segment). Up to a slice, asking for the size rounded up to
 *	the alignment is enough: every bucket size that is a multiple of a
 *	power of two is itself such a multiple (unit/testCore.c checks it),
 *	pages and runs start on slice boundaries. Above, a huge segment
 *	places the block at the alignment.
 *
 * Results:
 *	The block, or NULL if the OS has no memory or the alignment is not
 *	supported.
 *
 * Side effects:
 *	See VtMalloc.
 *
 *----------------------------------------------------------------------
 */

void *
VtMallocAligned(
    size_t size,
    size_t align)
{
    size_t rounded;
    VtCache *cachePtr;

    if (align <= VT_ALIGN) {
	return VtMalloc(size);
    }
    if ((align & (align - 1)) != 0 || align > VT_SEGMENT_SIZE / 2
	    || size > SIZE_MAX - align) {
	return NULL;
    }
    rounded = size == 0 ? align : (size + align - 1) & ~(align - 1);
    if (align <= VT_SLICE_SIZE) {
	return VtMalloc(rounded);
    }
    cachePtr = VtCacheGet();
    if (cachePtr == &vtEmptyCache) {
	return NULL;
    }
    return LargeAlloc(cachePtr, size, align);
}

/*
 *----------------------------------------------------------------------
 *
 * VtRealloc --
 *
 *	Resize a block. It stays where it is when the new size falls in the
 *	same bucket (or, for a large block, needs no fewer than half of its
 *	bytes and no more than all of them); otherwise it moves, and only
 *	the bytes asked for are copied.
 *
 * Results:
 *	The block, or NULL if the OS has no memory (the old block is then
 *	untouched).
 *
 * Side effects:
 *	Panics on a pointer that is not a live block.
 *
 *----------------------------------------------------------------------
 */

void *
VtRealloc(
    void *ptr,
    size_t size)
{
    VtPage *pagePtr;
    uint32_t index;
    size_t usable, old;
    void *newPtr;

    if (ptr == NULL) {
	return VtMalloc(size);
    }
    pagePtr = VtLookup(ptr, &index, "realloc");
    usable = VtUsableSize(pagePtr);
    if (pagePtr->state == VT_PAGE_SMALL) {
	if (size <= VT_SMALL_MAX && VtBucketOfSize(size) == pagePtr->bucket) {
	    VtTrackResize(ptr, VtRequestedSize(pagePtr, index), size);
	    VtSlackSet(pagePtr, index, 1 + usable - size);
	    return ptr;
	}
    } else if (size > VT_SMALL_MAX && size <= usable && size > usable / 2) {
	VtTrackResize(ptr, pagePtr->u.requested, size);
	pagePtr->u.requested = size;
	return ptr;
    }
    old = VtRequestedSize(pagePtr, index);
    newPtr = VtMalloc(size);
    if (newPtr == NULL) {
	return NULL;
    }
    memcpy(newPtr, ptr, size < old ? size : old);
    VtFree(ptr);
    return newPtr;
}
