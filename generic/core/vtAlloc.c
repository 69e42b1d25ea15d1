/*
 * vtAlloc.c --
 *
 *	Allocation and reallocation. The fast path (VtMalloc, inline in
 *	vtFast.h so that every entry point has it without a call) is the
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
static void *		MallocOnce(size_t size, VtCache *cachePtr);
static void *		LargeAlloc(size_t size, size_t align, int zeroed);
static void *		LargeTake(VtCache *cachePtr, size_t size,
			    size_t align, int zeroed);
static VtPage *		HugeResize(VtPage *pagePtr, size_t size);

/*
 *----------------------------------------------------------------------
 *
 * VtMallocSlow, MallocOnce --
 *
 *	Allocation when the current page has no free block (a block the
 *	thread holds comes first, see VtHeldPut), the thread has no cache
 *	yet, or the request is large. When the OS has no memory for it,
 *	what is only waiting to be released (free runs within their decay or
 *	kept as the reserve, parked caches' pages, blocks that idle threads
 *	hold, this thread's empty pages) goes back first (VtTrim, with no
 *	lock held), and the allocation is tried once more.
 *
 * Results:
 *	The block, or NULL if the OS has no memory.
 *
 * Side effects:
 *	Trims the thread's cache first if another thread asked for a trim
 *	since; see VtCacheGet, VtCacheRefill. Entered busy, from the fast
 *	path (VtBusyEnter); leaves busy.
 *
 *----------------------------------------------------------------------
 */

VT_NOINLINE void *
VtMallocSlow(
    size_t size,
    VtCache *cachePtr)
{
    void *ptr = MallocOnce(size, cachePtr);

    if (VT_UNLIKELY(ptr == NULL)) {
	(void) VtTrim();
	ptr = MallocOnce(size, VtCacheGet(1));
    }
    VtBusyLeave();
    return ptr;
}

static void *
MallocOnce(
    size_t size,
    VtCache *cachePtr)
{
    VtPage *pagePtr;
    unsigned bucket;

    if (cachePtr == &vtEmptyCache || !VtLoad(&cachePtr->stealable)) {
	cachePtr = VtCacheGet(1);	/* Made, or marked (see there). */
	if (cachePtr == &vtEmptyCache) {
	    return NULL;
	}
    }
    VtBump(&cachePtr->slowCalls, 1);
    if (size > VT_SMALL_MAX) {
	return LargeTake(cachePtr, size, 1, 0);
    }
    if (VT_UNLIKELY(cachePtr->trimEpoch != atomic_load_explicit(
	    &vtShared.trimEpoch, memory_order_relaxed))) {
	VtCacheTrim(cachePtr);		/* Another thread asked for a trim. */
    }
    bucket = VtBucketOfSize(size);
    if (VtLoad(&cachePtr->heldBytes) != 0) {
	VtBlock *blockPtr = VtHeldTake(cachePtr, bucket, &pagePtr);

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
 * LargeAlloc, LargeTake --
 *
 *	A block above the largest bucket, or aligned above a slice
 *	(`align`: the alignment in slices, a power of two; 1 for none): a
 *	run of whole slices (starting on a multiple of `align`), or above
 *	VT_LARGE_MAX (or where no such run fits in a segment) a segment of
 *	its own with the block at the alignment, or else one slice in. With
 *	`zeroed`, the block reads as zeros; only the slices of a run that
 *	held committed memory are cleared (a huge block's mapping, and
 *	slices never committed or decommitted since, are fresh from the OS).
 *	LargeAlloc finds the thread's cache and, when the OS has no memory,
 *	tries again once after VtTrim (as VtMallocSlow does).
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
    size_t size,
    size_t align,
    int zeroed)
{
    VtCache *cachePtr;
    void *ptr = NULL;

    (void) VtBusyEnter();
    cachePtr = VtCacheGet(1);
    if (cachePtr != &vtEmptyCache) {
	ptr = LargeTake(cachePtr, size, align, zeroed);
    }
    if (VT_UNLIKELY(ptr == NULL)) {
	(void) VtTrim();
	cachePtr = VtCacheGet(1);
	if (cachePtr != &vtEmptyCache) {
	    ptr = LargeTake(cachePtr, size, align, zeroed);
	}
    }
    VtBusyLeave();
    return ptr;
}

static void *
LargeTake(
    VtCache *cachePtr,
    size_t size,
    size_t align,
    int zeroed)
{
    VtPage *pagePtr;
    size_t slices = (size + VT_SLICE_SIZE - 1) >> VT_SLICE_SHIFT;
    uint64_t dirty = 0;

    if (size > VT_LARGE_MAX || slices + align > VT_SLICES) {
	VtSegment *segPtr;

	segPtr = VtHugeMap(size, align > 1 ? align << VT_SLICE_SHIFT
		: VT_SLICE_SIZE);	/* A segment of its own, mapped out of
					 * the lock. */
	VtSharedLock(cachePtr, VT_NBUCKETS);
	pagePtr = segPtr != NULL ? VtHugeLink(segPtr) : NULL;
    } else {
	VtSharedLock(cachePtr, VT_NBUCKETS);
	pagePtr = VtRunTake((unsigned) slices, (unsigned) align,
		zeroed ? &dirty : NULL);
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
    if (VT_VALGRIND && zeroed) {
	memset(pagePtr->start, 0, size);	/* Defined for memcheck. */
    } else {
	dirty >>= pagePtr->index;
	while (dirty != 0) {
	    size_t at = (size_t) VT_CTZ64(dirty) << VT_SLICE_SHIFT;

	    dirty &= dirty - 1;
	    memset(pagePtr->start + at, 0, size - at < VT_SLICE_SIZE
		    ? size - at : VT_SLICE_SIZE);
	}
    }
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
 *	pages and runs start on slice boundaries. Above, a run that starts
 *	on the alignment (a segment of its own only for a block that no
 *	segment can hold so: a block of its own mapping would cost a segment
 *	header and 4 MiB of address space each).
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
    return LargeAlloc(size == 0 ? 1 : size, align >> VT_SLICE_SHIFT, 0);
}

/*
 *----------------------------------------------------------------------
 *
 * VtMallocZeroed --
 *
 *	Allocate `size` bytes that read as zeros (calloc): a small block is
 *	cleared, a large one only where its memory is not fresh from the OS
 *	(see LargeTake), so that a large calloc neither writes nor makes
 *	resident memory that nobody touched.
 *
 * Results:
 *	The block, or NULL if the OS has no memory.
 *
 * Side effects:
 *	See VtMalloc.
 *
 *----------------------------------------------------------------------
 */

void *
VtMallocZeroed(
    size_t size)
{
    void *ptr;

    if (size > VT_SMALL_MAX) {
	return LargeAlloc(size, 1, 1);
    }
    ptr = VtMalloc(size);
    if (ptr != NULL) {
	memset(ptr, 0, size);
    }
    return ptr;
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
 *	moves to grow gets a quarter more than it had, at every size, so
 *	that growing by small steps (appending to a buffer) copies it about
 *	every 25% of growth instead of at every bucket. A huge block (its
 *	own mapping) that stays huge is resized by the OS where it can
 *	(HugeResize): in place, or moved without a copy.
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
    if (size <= usable || room <= size) {
	room = size;
    }
    if (!VT_VALGRIND && size > VT_LARGE_MAX && pagePtr->state
	    == VT_PAGE_LARGE && VtSegmentOf(pagePtr)->kind
	    == VT_SEGMENT_HUGE) {
	VtPage *newPagePtr = HugeResize(pagePtr, room);

	if (newPagePtr == NULL && room != size) {
	    newPagePtr = HugeResize(pagePtr, size);
	}
	if (newPagePtr != NULL) {
	    newPagePtr->u.requested = size;
	    return newPagePtr->start;
	}
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
	SetRequested(VtPageOf(newPtr), newPtr, size);
    }
    memcpy(newPtr, ptr, size < old ? size : old);
    VtFree(ptr);
    return newPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * HugeResize --
 *
 *	Give a huge block room for `size` bytes by resizing its mapping
 *	(VtpRemap: Linux's mremap), in place or moved by the OS without a
 *	copy. The system call is made without the shared lock, the segment
 *	taken off the shared cache's lists meanwhile (VtHugeDetach): only the
 *	caller, who owns the block, can reach it then. Not in the valgrind
 *	build, whose memcheck would lose track of the moved block.
 *
 * Results:
 *	The block's page header (the block may have moved), or NULL if the
 *	OS cannot resize it (the block is then as it was).
 *
 * Side effects:
 *	System calls; the segment map follows the block.
 *
 *----------------------------------------------------------------------
 */

static VtPage *
HugeResize(
    VtPage *pagePtr,
    size_t size)
{
    VtSegment *segPtr = VtSegmentOf(pagePtr), *newPtr;
    size_t offset = (size_t) (pagePtr->start - (uint8_t *) segPtr);
    size_t bytes = (size + VT_SLICE_SIZE - 1) & ~(VT_SLICE_SIZE - 1);

    if (bytes < size || bytes > SIZE_MAX - 2 * VT_SEGMENT_SIZE) {
	return NULL;
    }
    VtSharedLock(NULL, 0);
    VtHugeDetach(segPtr);
    VtSharedUnlock();
    newPtr = VtpRemap(segPtr, segPtr->size, offset + bytes,
	    VT_SEGMENT_SIZE);
    if (newPtr != NULL && ((uintptr_t) newPtr + offset + bytes - 1)
	    >> VT_ADDRESS_BITS) {
	VtPanic("vtalloc: the OS moved a block beyond the %d-bit address "
		"space", VT_ADDRESS_BITS);
    }
    VtSharedLock(NULL, 0);
    pagePtr = VtHugeAttach(newPtr != NULL ? newPtr : segPtr, offset,
	    newPtr != NULL ? offset + bytes : segPtr->size);
    VtSharedUnlock();
    return newPtr != NULL ? pagePtr : NULL;
}
