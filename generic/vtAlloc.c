/*
 * vtAlloc.c --
 *
 *	Allocation and reallocation. The fast path (VtMalloc, inline in
 *	vtInt.h so that every entry point has it without a call) is the
 *	thread's cache -> the bucket's current page -> pop its free list;
 *	everything else is in VtMallocSlow, which is never inlined.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

static void		SetRequested(VtPage *pagePtr, void *ptr, size_t size);
static VT_NOINLINE void *Move(VtPage *pagePtr, void *ptr, size_t size,
			    size_t usable);
static void *		LargeAlloc(VtCache *cachePtr, size_t size,
			    size_t offset);

/*
 *----------------------------------------------------------------------
 *
 * VtMallocSlow --
 *
 *	Allocation when the current page has no free block (a block the
 *	thread holds comes first, see FreeRemote), the thread has no cache
 *	yet, or the request is large.
 *
 * Results:
 *	The block, or NULL if the OS has no memory.
 *
 * Side effects:
 *	Trims the thread's cache first if another thread asked for a trim
 *	since; see VtCacheGet, VtCacheRefill.
 *
 *----------------------------------------------------------------------
 */

VT_NOINLINE void *
VtMallocSlow(
    size_t size,
    VtCache *cachePtr)
{
    VtPage *pagePtr;
    unsigned bucket;

    if (cachePtr == &vtEmptyCache) {
	cachePtr = VtCacheGet(1);
	if (cachePtr == &vtEmptyCache) {
	    return NULL;
	}
    }
    if (size > VT_SMALL_MAX) {
	return LargeAlloc(cachePtr, size, VT_SLICE_SIZE);
    }
    if (VT_UNLIKELY(cachePtr->trimEpoch != atomic_load_explicit(
	    &vtShared.trimEpoch, memory_order_relaxed))) {
	VtCacheTrim(cachePtr);		/* Another thread asked for a trim. */
    }
    bucket = VtBucketOfSize(size);
    if (VtLoad(&cachePtr->heldBytes) != 0) {
	VtBlock *blockPtr;

	VtHeldEnter(cachePtr);
	blockPtr = cachePtr->held[bucket];
	if (blockPtr != NULL) {
	    pagePtr = VtPageOf(blockPtr);
	    cachePtr->held[bucket] = VtHeldTaken(blockPtr);
	    cachePtr->heldCount[bucket]--;
	    VtBump(&cachePtr->heldBytes, -(uint64_t) pagePtr->blockSize);
	}
	VtHeldLeave(cachePtr);
	if (blockPtr != NULL) {
	    return VtHandOut(cachePtr, pagePtr, blockPtr, bucket, size);
	}
    }
    pagePtr = VtCacheRefill(cachePtr, bucket);
    if (pagePtr == NULL) {
	return NULL;
    }
    return VtPagePop(cachePtr, pagePtr, bucket, size);
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

    VtSharedLock(cachePtr, VT_NBUCKETS);
    if (size > VT_LARGE_MAX || offset != VT_SLICE_SIZE) {
	pagePtr = VtHugeAlloc(size, offset);
    } else {
	pagePtr = VtRunAlloc((unsigned)
		((size + VT_SLICE_SIZE - 1) >> VT_SLICE_SHIFT));
	if (pagePtr != NULL) {
	    pagePtr->state = VT_PAGE_LARGE;
	    VtSegmentOf(pagePtr)->staleMask &=	/* A new block: see */
		    ~((uint64_t) 1 << pagePtr->index);	/* VtRunFree. */
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
    VtCount(&cachePtr->counts, VT_NBUCKETS, allocs);
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
    cachePtr = VtCacheGet(1);
    if (cachePtr == &vtEmptyCache) {
	return NULL;
    }
    return LargeAlloc(cachePtr, size, align);
}

/*
 *----------------------------------------------------------------------
 *
 * SetRequested --
 *
 *	Record a new requested size for a live block.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	The block's side array entry (or its large page's field).
 *
 *----------------------------------------------------------------------
 */

static void
SetRequested(
    VtPage *pagePtr,
    void *ptr,
    size_t size)
{
    VtTrackResize(ptr, VtRequestedSize(pagePtr, ptr), size);
    if (pagePtr->state == VT_PAGE_SMALL) {
	VtSideSet(pagePtr, ptr, size);
    } else {
	pagePtr->u.requested = size;
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtRealloc, Move --
 *
 *	Resize a block. It stays where it is when the new size fits in it
 *	and needs more than half of it (a block of the smallest size keeps
 *	any size that fits; a large block keeps only large sizes); otherwise
 *	Move moves it, and only the bytes asked for are copied. A block that
 *	moves to grow gets a quarter more than it had, so that growing by
 *	small steps (appending to a buffer) copies it about every 25% of
 *	growth instead of at every bucket.
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
    size_t usable;

    if (ptr == NULL) {
	return VtMalloc(size);
    }
    pagePtr = VtLookup(ptr, "realloc");
    usable = pagePtr->state == VT_PAGE_SMALL ? pagePtr->blockSize
	    : VtUsableSize(pagePtr);
    if (size <= usable && (size > usable / 2 || usable == VT_ALIGN)
	    && (pagePtr->state == VT_PAGE_SMALL || size > VT_SMALL_MAX)) {
	SetRequested(pagePtr, ptr, size);
	return ptr;
    }
    return Move(pagePtr, ptr, size, usable);
}

static VT_NOINLINE void *
Move(
    VtPage *pagePtr,
    void *ptr,
    size_t size,
    size_t usable)
{
    size_t old = VtRequestedSize(pagePtr, ptr);
    size_t room = usable + usable / 4;
    void *newPtr;

    if (size <= VT_SMALL_MAX && room > VT_SMALL_MAX) {
	room = VT_SMALL_MAX;		/* A run of a slice would be more than
					 * twice the size: it could not stay.
					 */
    }
    if (size <= usable || room <= size || room > VT_LARGE_MAX) {
	room = size;
    }
    newPtr = VtMalloc(room);
    if (newPtr == NULL && room != size) {
	room = size;
	newPtr = VtMalloc(size);
    }
    if (newPtr == NULL) {
	return NULL;
    }
    if (room != size) {
	SetRequested(VtPageOf(newPtr), newPtr, size);	/* Small or large:
							 * not huge. */
    }
    memcpy(newPtr, ptr, size < old ? size : old);
    VtFree(ptr);
    return newPtr;
}
