/*
 * vtSegment.c --
 *
 *	Segments and page runs: 4 MiB regions reserved from the OS, cut into
 *	64 KiB slices. Free slices form runs that are merged with their free
 *	neighbours as soon as they are freed, so the memory of an emptied page
 *	can serve any bucket or a large block. A segment knows which of its
 *	slices hold memory (committedMask) and how much of each a page has
 *	touched (touched); the touched bytes of free committed slices are
 *	"dirty" until vtRelease.c gives their memory back. Huge blocks get a
 *	segment of their own. The functions that change runs and segments run
 *	with the shared lock held; those that map, release or unmap memory
 *	run without it (SegmentMap, VtReleaseOpRun, VtSegmentUnmap,
 *	VtHugeMap), and VtRunTake leaves it while it maps a segment.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"
#include <stdio.h>

/*
 * The segment map (see VtSegmentKnown): one byte per 4 MiB of the
 * VT_MAP_BITS address space, 1 while a segment of ours starts there,
 * written under the shared lock, read by every free; the number of
 * entries in the word before the first. It is reserved address space
 * (VtSegmentMapInit), not static storage: 64 MiB of it in the library's
 * image made ld.so fail to load it under a small address-space limit.
 * Until then vtSegmentMap leads to noMap, which has no entries.
 */

#define MAP_HEADER	64		/* Bytes before the first entry: a
					 * cache line, the count at its end. */

static const struct {
    uint64_t entries;			/* 0: no pointer is ours. */
    uint8_t known[8];			/* What vtSegmentMap points at. */
} noMap;

_Atomic uint8_t *_Atomic vtSegmentMap = (_Atomic uint8_t *) noMap.known;

/*
 * Bytes of a segment's header slice that are in use (the rest of slice 0
 * is never touched).
 */

#define VT_HEADER_BYTES \
    ((sizeof(VtSegment) + 4095) & ~(size_t) 4095)
_Static_assert(sizeof(VtSegment) <= VT_SLICE_SIZE,
	"a segment's header must fit in its first slice");

static void		MapMark(VtSegment *segPtr, int known);
static uint64_t		RunMask(unsigned first, unsigned slices);
static VtPage *		RunChoose(unsigned slices, int *fromEndPtr);
static void		RunRelink(VtPage *pagePtr);
static void		RunMerge(VtSegment *segPtr, unsigned first,
			    unsigned slices, uint64_t since);
static uint64_t		RunDirty(const VtSegment *segPtr, unsigned first,
			    unsigned slices);
static void		PageTouched(VtPage *pagePtr, uint32_t carved);
static void		MarkTouched(VtSegment *segPtr, uint64_t from,
			    uint64_t to);
static void		SegmentOff(VtSegment *segPtr);
static void		SegmentOn(VtSegment *segPtr);
static VtPage *		RunChooseAligned(unsigned slices, unsigned align,
			    unsigned *firstPtr);
static int		HugePagesOff(VtSegment *segPtr);
static VtSegment *	SegmentMap(size_t size, enum VtSegmentKind kind,
			    int hugePages);
static void		RunInsert(VtSegment *segPtr, unsigned first,
			    unsigned slices);
static void		RunUnlink(VtPage *pagePtr);
static void		RunMap(VtSegment *segPtr, unsigned first,
			    unsigned slices, VtPage *pagePtr);

/*
 *----------------------------------------------------------------------
 *
 * VtSegmentMapInit --
 *
 *	Reserve the segment map, if it is not there yet: address space
 *	read as zeros, after a header whose last word is the number of
 *	entries. Called by VtInit without a lock; racing callers keep one.
 *
 * Results:
 *	None. Without the map (the reservation failed) no segment can be
 *	made, and allocation fails.
 *
 * Side effects:
 *	Maps the map and its header; publishes it. Says so on standard
 *	error if it cannot.
 *
 *----------------------------------------------------------------------
 */

void
VtSegmentMapInit(void)
{
    size_t entries = (size_t) 1 << (VT_MAP_BITS - VT_SEGMENT_SHIFT);
    _Atomic uint8_t *expected = (_Atomic uint8_t *) noMap.known;
    uint8_t *basePtr;

    if (atomic_load_explicit(&vtSegmentMap, memory_order_acquire)
	    != expected) {
	return;
    }
    basePtr = VtpReserveZero(MAP_HEADER + entries);
    if (basePtr == NULL) {
	char message[200];

	snprintf(message, sizeof(message), "vtalloc: cannot reserve %zu "
		"MiB of address space for the segment map: no memory can be "
		"allocated\n", entries >> 20);
	VtpWrite(message);
	return;
    }
    ((uint64_t *) (basePtr + MAP_HEADER))[-1] = entries;
    if (!atomic_compare_exchange_strong_explicit(&vtSegmentMap, &expected,
	    (_Atomic uint8_t *) (basePtr + MAP_HEADER), memory_order_release,
	    memory_order_relaxed)) {
	VtpRelease(basePtr, MAP_HEADER + entries);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * MapMark --
 *
 *	Record in the segment map that a segment starts (or no longer
 *	starts) at segPtr.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Changes one byte of vtSegmentMap.
 *
 *----------------------------------------------------------------------
 */

static void
MapMark(
    VtSegment *segPtr,
    int known)
{
    atomic_store_explicit(&atomic_load_explicit(&vtSegmentMap,
	    memory_order_relaxed)[(uintptr_t) segPtr >> VT_SEGMENT_SHIFT],
	    (uint8_t) known, memory_order_release);
}

/*
 *----------------------------------------------------------------------
 *
 * RunMask --
 *
 *	The bits of slices first .. first+slices-1 in a slice mask.
 *
 * Results:
 *	A mask.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static uint64_t
RunMask(
    unsigned first,
    unsigned slices)
{
    return ((~(uint64_t) 0) >> (64 - slices)) << first;
}

/*
 *----------------------------------------------------------------------
 *
 * SegmentOff, SegmentOn --
 *
 *	Take a segment off the shared cache's list and out of the segment
 *	map, or put it (back) on both.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Changes vtShared.segmentsPtr and vtSegmentMap.
 *
 *----------------------------------------------------------------------
 */

static void
SegmentOff(
    VtSegment *segPtr)
{
    if (segPtr->prevPtr != NULL) {
	segPtr->prevPtr->nextPtr = segPtr->nextPtr;
    } else {
	vtShared.segmentsPtr = segPtr->nextPtr;
    }
    if (segPtr->nextPtr != NULL) {
	segPtr->nextPtr->prevPtr = segPtr->prevPtr;
    }
    segPtr->nextPtr = segPtr->prevPtr = NULL;
    MapMark(segPtr, 0);
}

static void
SegmentOn(
    VtSegment *segPtr)
{
    segPtr->prevPtr = NULL;
    segPtr->nextPtr = vtShared.segmentsPtr;
    if (segPtr->nextPtr != NULL) {
	segPtr->nextPtr->prevPtr = segPtr;
    }
    vtShared.segmentsPtr = segPtr;
    MapMark(segPtr, 1);
}

/*
 *----------------------------------------------------------------------
 *
 * SegmentMap --
 *
 *	Reserve a segment of `size` bytes aligned on VT_SEGMENT_SIZE and set
 *	up its header (asking for huge pages first if `hugePages`). Called
 *	without the shared lock: the segment is nobody else's until the
 *	caller links it in (SegmentOn).
 *
 * Results:
 *	The segment, or NULL if the OS has no memory.
 *
 * Side effects:
 *	Maps memory.
 *
 *----------------------------------------------------------------------
 */

static VtSegment *
SegmentMap(
    size_t size,
    enum VtSegmentKind kind,
    int hugePages)
{
    VtSegment *segPtr = VtpReserve(size, VT_SEGMENT_SIZE);
    unsigned i;

    if (segPtr == NULL) {
	return NULL;
    }

    /*
     * Once the heap is as large as the hugepages option says, new segments
     * ask for huge pages before anything touches them: fewer TLB misses
     * on a large heap (the blocks and their headers), at the cost of
     * memory committed 2 MiB at a time. A release of part of the segment
     * takes the request back (HugePagesOff).
     */

    if (hugePages) {
	VtpHugePages(segPtr, size, 1);
    }
    if (((uintptr_t) segPtr + size - 1) >> VT_ADDRESS_BITS
	    || ((uintptr_t) segPtr >> VT_SEGMENT_SHIFT) >= VtSegmentMapEntries(
	    atomic_load_explicit(&vtSegmentMap, memory_order_relaxed))
	    || !VtpCommit(segPtr, VT_HEADER_BYTES)) {
	VtpRelease(segPtr, size);
	return NULL;
    }
    memset(segPtr, 0, sizeof(VtSegment));
    segPtr->size = size;
    segPtr->kind = kind;
    segPtr->hugePages = (uint32_t) hugePages;
    segPtr->committedMask = 1;
    segPtr->staleMask = (uint64_t) 1 << 1;
    for (i = 0; i < VT_SLICES; i++) {
	segPtr->pages[i].index = (uint8_t) i;
    }
    segPtr->map[0] = &segPtr->pages[0];	/* The header slice: no
						 * blocks. */
    VtTrackHide(segPtr, VT_HEADER_BYTES);
    return segPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtSegmentUnmap --
 *
 *	Give a segment that is off every list (VtSegmentReleaseBegin,
 *	VtHugeFree) back to the OS. Called without the shared lock.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Unmaps the segment.
 *
 *----------------------------------------------------------------------
 */

void
VtSegmentUnmap(
    VtSegment *segPtr)
{
    size_t size = segPtr->size;

    VtTrackShow(segPtr, VT_HEADER_BYTES);
    VtpRelease(segPtr, size);
}

/*
 *----------------------------------------------------------------------
 *
 * RunMap --
 *
 *	Point the slice map of slices first .. first+slices-1 at pagePtr, a
 *	run that holds no small blocks (yet).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Changes the segment's map; the run's capacity is 0.
 *
 *----------------------------------------------------------------------
 */

static void
RunMap(
    VtSegment *segPtr,
    unsigned first,
    unsigned slices,
    VtPage *pagePtr)
{
    unsigned i;

    VtStore(&pagePtr->capacity, 0);	/* Until it is a page of small
					 * blocks: see FindBlock. */
    for (i = first; i < first + slices; i++) {
	segPtr->map[i] = pagePtr;
    }
}

/*
 *----------------------------------------------------------------------
 *
 * RunInsert, RunUnlink --
 *
 *	Add a free run to the shared cache's list for its length, or take it
 *	off that list.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Changes vtShared.freeRuns and freeRunMask.
 *
 *----------------------------------------------------------------------
 */

static void
RunInsert(
    VtSegment *segPtr,
    unsigned first,
    unsigned slices)
{
    VtPage *pagePtr = &segPtr->pages[first];

    pagePtr->state = VT_PAGE_FREE;
    pagePtr->slices = (uint8_t) slices;
    pagePtr->prevPtr = NULL;
    pagePtr->nextPtr = vtShared.freeRuns[slices];
    if (pagePtr->nextPtr != NULL) {
	pagePtr->nextPtr->prevPtr = pagePtr;
    }
    vtShared.freeRuns[slices] = pagePtr;
    vtShared.freeRunMask |= (uint64_t) 1 << slices;
    RunMap(segPtr, first, slices, pagePtr);
}

static void
RunUnlink(
    VtPage *pagePtr)
{
    unsigned slices = pagePtr->slices;

    if (pagePtr->prevPtr != NULL) {
	pagePtr->prevPtr->nextPtr = pagePtr->nextPtr;
    } else {
	vtShared.freeRuns[slices] = pagePtr->nextPtr;
	if (pagePtr->nextPtr == NULL) {
	    vtShared.freeRunMask &= ~((uint64_t) 1 << slices);
	}
    }
    if (pagePtr->nextPtr != NULL) {
	pagePtr->nextPtr->prevPtr = pagePtr->prevPtr;
    }
    pagePtr->nextPtr = pagePtr->prevPtr = NULL;
    pagePtr->state = VT_PAGE_NONE;
}

/*
 *----------------------------------------------------------------------
 *
 * RunChoose --
 *
 *	Choose where to take `slices` slices from: among the first
 *	VT_RUN_LOOKS free runs that are long enough, shortest lengths first,
 *	the one whose head or tail holds the most committed slices, so that
 *	memory already committed is reused before fresh memory is touched.
 *
 * Results:
 *	The run, or NULL if none is long enough; *fromEndPtr says whether
 *	to take its tail.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

#define VT_RUN_LOOKS 8

static VtPage *
RunChoose(
    unsigned slices,
    int *fromEndPtr)
{
    uint64_t lengths = vtShared.freeRunMask & (~(uint64_t) 0 << slices);
    VtPage *runPtr, *bestPtr = NULL;
    int looks = 0, bestScore = -1;

    for (; lengths != 0 && looks < VT_RUN_LOOKS; lengths &= lengths - 1) {
	for (runPtr = vtShared.freeRuns[VT_CTZ64(lengths)];
		runPtr != NULL && looks < VT_RUN_LOOKS;
		runPtr = runPtr->nextPtr, looks++) {
	    uint64_t committed = VtSegmentOf(runPtr)->committedMask;
	    int head = (int) VT_POPCOUNT64(committed
		    & RunMask(runPtr->index, slices));
	    int tail = (int) VT_POPCOUNT64(committed & RunMask(runPtr->index
		    + runPtr->slices - slices, slices));

	    if (head > bestScore || tail > bestScore) {
		bestPtr = runPtr;
		bestScore = head > tail ? head : tail;
		*fromEndPtr = tail > head;
		if (bestScore == (int) slices) {
		    return bestPtr;
		}
	    }
	}
    }
    return bestPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * RunChooseAligned --
 *
 *	RunChoose for a run that must start on a multiple of `align` slices
 *	(a power of two): among at most VT_RUN_LOOKS free runs that are long
 *	enough but may not hold such a start, the first that does; else the
 *	first run of the shortest length that always holds one (at least
 *	slices + align - 1).
 *
 * Results:
 *	The run, or NULL; *firstPtr is the aligned slice to start at.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static VtPage *
RunChooseAligned(
    unsigned slices,
    unsigned align,
    unsigned *firstPtr)
{
    unsigned sure = slices + align - 1;
    uint64_t lengths = vtShared.freeRunMask & (~(uint64_t) 0 << slices);
    VtPage *runPtr;
    int looks = 0;

    for (; lengths != 0 && VT_CTZ64(lengths) < sure && looks < VT_RUN_LOOKS;
	    lengths &= lengths - 1) {
	for (runPtr = vtShared.freeRuns[VT_CTZ64(lengths)];
		runPtr != NULL && looks < VT_RUN_LOOKS;
		runPtr = runPtr->nextPtr, looks++) {
	    unsigned first = (runPtr->index + align - 1) & ~(align - 1);

	    if (first + slices <= (unsigned) runPtr->index + runPtr->slices) {
		*firstPtr = first;
		return runPtr;
	    }
	}
    }
    if (sure >= VT_SLICES) {
	return NULL;
    }
    lengths = vtShared.freeRunMask & (~(uint64_t) 0 << sure);
    if (lengths == 0) {
	return NULL;
    }
    runPtr = vtShared.freeRuns[VT_CTZ64(lengths)];
    *firstPtr = (runPtr->index + align - 1) & ~(align - 1);
    return runPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtRunAlloc, VtRunTake --
 *
 *	Take a run of `slices` slices: from a free run that is long enough
 *	(split if longer, preferring committed memory), or a new segment.
 *	VtRunTake can also start the run on a multiple of `align` slices (a
 *	power of two, at most half a segment, with align + slices at most
 *	VT_SLICES; 1: anywhere), and tells which of its slices held
 *	committed memory before (the others read as zeros: fresh from the
 *	OS, or decommitted since). Shared lock held; left while a new
 *	segment is mapped.
 *
 * Results:
 *	The page header of the run (state VT_PAGE_NONE, to be set up by the
 *	caller), or NULL if the OS has no memory. *dirtyPtr, if given: the
 *	segment's slice mask of the run's slices that were committed.
 *
 * Side effects:
 *	May reserve a segment; commits the run's memory.
 *
 *----------------------------------------------------------------------
 */

VtPage *
VtRunAlloc(
    unsigned slices)
{
    return VtRunTake(slices, 1, NULL);
}

VtPage *
VtRunTake(
    unsigned slices,
    unsigned align,
    uint64_t *dirtyPtr)
{
    VtSegment *segPtr;
    VtPage *runPtr, *pagePtr;
    unsigned length, start, first = 0;
    uint64_t mask, freeSince;
    int fromEnd = 0;

    vtShared.takes++;
    if (align <= 1) {
	runPtr = RunChoose(slices, &fromEnd);
    } else {
	runPtr = RunChooseAligned(slices, align, &first);
    }
    while (runPtr == NULL) {
	/*
	 * A new segment, mapped without the lock; meanwhile another thread
	 * may have freed a run that fits, so the choice is made again.
	 */

	int hugePages = VtOptionOf(HUGEPAGES) > 0
		&& (uint64_t) (vtShared.segments + 1) * VT_SEGMENT_SIZE
		>= (uint64_t) VtOptionOf(HUGEPAGES);

	VtpLockRelease(&vtpSharedLock);
	segPtr = SegmentMap(VT_SEGMENT_SIZE, VT_SEGMENT_NORMAL, hugePages);
	VtpLockAcquire(&vtpSharedLock);
	if (segPtr == NULL) {
	    return NULL;
	}
	SegmentOn(segPtr);
	vtShared.segments++;
	RunInsert(segPtr, 1, VT_SLICES - 1);
	segPtr->pages[1].u.freeSince = VtpNow();
	if (align <= 1) {
	    runPtr = RunChoose(slices, &fromEnd);
	} else {
	    runPtr = RunChooseAligned(slices, align, &first);
	}
    }
    segPtr = VtSegmentOf(runPtr);
    length = runPtr->slices;
    start = runPtr->index;
    freeSince = runPtr->u.freeSince;
    RunUnlink(runPtr);
    if (align <= 1) {
	first = fromEnd ? start + length - slices : start;
    }
    if (first > start) {
	RunInsert(segPtr, start, first - start);
	segPtr->pages[start].u.freeSince = freeSince;
    }
    if (first + slices < start + length) {
	RunInsert(segPtr, first + slices, start + length - first - slices);
	segPtr->pages[first + slices].u.freeSince = freeSince;
    }
    pagePtr = &segPtr->pages[first];
    pagePtr->slices = (uint8_t) slices;
    segPtr->usedSlices += slices;

    mask = RunMask(first, slices);
    vtShared.dirtyBytes -= RunDirty(segPtr, first, slices);
    if (dirtyPtr != NULL) {
	*dirtyPtr = segPtr->committedMask & mask;
    }
    if ((segPtr->committedMask & mask) != mask) {
	if (!VtpCommit((uint8_t *) segPtr + first * VT_SLICE_SIZE,
		slices * VT_SLICE_SIZE)) {
	    RunRelink(pagePtr);
	    return NULL;
	}
	segPtr->committedMask |= mask;
    }
    pagePtr->start = (uint8_t *) segPtr + first * VT_SLICE_SIZE;
    RunMap(segPtr, first, slices, pagePtr);
    return pagePtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtRunFree --
 *
 *	Give a page's run back to its segment, merged with the free runs on
 *	either side. A large block's first slice is remembered as stale, so
 *	that a second free of the block is still told from a free of a
 *	small block that comes to start there (see VtPageExtend).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	The run becomes free; its neighbours' headers are retired.
 *
 *----------------------------------------------------------------------
 */

void
VtRunFree(
    VtPage *pagePtr)
{
    if (pagePtr->state == VT_PAGE_LARGE) {
	VtSegmentOf(pagePtr)->staleMask |= (uint64_t) 1 << pagePtr->index;
    }
    atomic_store_explicit(&pagePtr->ownerPtr, NULL, memory_order_relaxed);
    pagePtr->used = VT_USED_EMPTY;	/* Its flags too. */
    pagePtr->orphan = 0;
    pagePtr->freePtr = NULL;
    PageTouched(pagePtr, VtLoad(&pagePtr->capacity));
    RunRelink(pagePtr);
}

/*
 *----------------------------------------------------------------------
 *
 * PageTouched --
 *
 *	Record which 4 KiB pages of its run a page that is being freed (or
 *	swept) may have touched: a small page its `carved` blocks and their
 *	side array entries, a large one the bytes asked for. The reserve
 *	counts these, not whole slices: a page carves lazily, and a thread
 *	that used a few blocks of each bucket touched a few KiB of each 64 KiB
 *	slice.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Sets bits of the segment's touched masks.
 *
 *----------------------------------------------------------------------
 */

static void
PageTouched(
    VtPage *pagePtr,
    uint32_t carved)
{
    VtSegment *segPtr = VtSegmentOf(pagePtr);
    uint64_t start = (uint64_t) (pagePtr->start - (uint8_t *) segPtr);

    if (pagePtr->state == VT_PAGE_SMALL) {
	uint64_t capacity = carved;

	MarkTouched(segPtr, start, start + capacity * pagePtr->blockSize);
	if (pagePtr->reserved > VT_SIDE_INLINE_MAX) {
	    uint64_t side = (uint64_t) (VtSideArray(pagePtr)
		    - (uint8_t *) segPtr);

	    MarkTouched(segPtr, side, side + (VtSideArray(pagePtr)
		    < pagePtr->start ? VtSideFirstBytes : VtSideBytes)(
		    pagePtr->blockSize, pagePtr->sideShift, pagePtr->sideWide,
		    capacity));
	}
    } else {
	MarkTouched(segPtr, start, start + pagePtr->u.requested);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * MarkTouched --
 *
 *	Mark the 4 KiB pages of a segment's bytes [from, to) touched.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Sets bits of the segment's touched masks.
 *
 *----------------------------------------------------------------------
 */

static void
MarkTouched(
    VtSegment *segPtr,
    uint64_t from,
    uint64_t to)
{
    uint64_t page;

    for (page = from >> 12; page < (to + 4095) >> 12; page++) {
	segPtr->touched[page >> 4] |= (uint16_t) (1u << (page & 15));
    }
}

/*
 *----------------------------------------------------------------------
 *
 * RunDirty --
 *
 *	The touched bytes of a range's committed slices.
 *
 * Results:
 *	Bytes.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static uint64_t
RunDirty(
    const VtSegment *segPtr,
    unsigned first,
    unsigned slices)
{
    uint64_t bytes = 0;
    unsigned i;

    for (i = first; i < first + slices; i++) {
	if ((segPtr->committedMask >> i) & 1) {
	    bytes += (uint64_t) VT_POPCOUNT64(segPtr->touched[i]) << 12;
	}
    }
    return bytes;
}

/*
 *----------------------------------------------------------------------
 *
 * RunRelink --
 *
 *	Turn a run that was in use back into a free run, merged with the
 *	free runs on either side.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Changes the free run lists and the segment's counts.
 *
 *----------------------------------------------------------------------
 */

static void
RunRelink(
    VtPage *pagePtr)
{
    VtSegment *segPtr = VtSegmentOf(pagePtr);
    unsigned first = pagePtr->index;
    unsigned slices = pagePtr->slices;

    segPtr->usedSlices -= slices;
    vtShared.dirtyBytes += RunDirty(segPtr, first, slices);
    pagePtr->state = VT_PAGE_NONE;
    RunMerge(segPtr, first, slices, VtpNow());
}

/*
 *----------------------------------------------------------------------
 *
 * RunMerge --
 *
 *	Make slices first .. first+slices-1 a free run, merged with the free
 *	runs on either side; the merged run counts as free since `since` or
 *	since the latest of its neighbours' times.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Changes the free run lists.
 *
 *----------------------------------------------------------------------
 */

static void
RunMerge(
    VtSegment *segPtr,
    unsigned first,
    unsigned slices,
    uint64_t since)
{
    VtPage *nearPtr;

    if (first > 1) {
	nearPtr = segPtr->map[first - 1];
	if (nearPtr->state == VT_PAGE_FREE) {
	    if (nearPtr->u.freeSince > since) {
		since = nearPtr->u.freeSince;
	    }
	    RunUnlink(nearPtr);
	    first = nearPtr->index;
	    slices += nearPtr->slices;
	}
    }
    if (first + slices < VT_SLICES) {
	nearPtr = segPtr->map[first + slices];
	if (nearPtr->state == VT_PAGE_FREE) {
	    if (nearPtr->u.freeSince > since) {
		since = nearPtr->u.freeSince;
	    }
	    RunUnlink(nearPtr);
	    slices += nearPtr->slices;
	}
    }
    RunInsert(segPtr, first, slices);
    segPtr->pages[first].u.freeSince = since;
}

/*
 *----------------------------------------------------------------------
 *
 * HugePagesOff --
 *
 *	Before part of a segment's memory goes back to the OS: whether the
 *	request for huge pages must be taken back first, so that the OS does
 *	not back the released range again on its own (Linux's khugepaged
 *	fills a huge page's missing pages when it collapses it). Once per
 *	segment. Shared lock held.
 *
 * Results:
 *	1 if the request is to be taken back (see VtReleaseOpRun).
 *
 * Side effects:
 *	The segment no longer counts as asking for huge pages.
 *
 *----------------------------------------------------------------------
 */

static int
HugePagesOff(
    VtSegment *segPtr)
{
    int off = segPtr->hugePages != 0;

    segPtr->hugePages = 0;
    return off;
}

/*
 *----------------------------------------------------------------------
 *
 * VtRunReleaseBegin, VtRunReleaseEnd --
 *
 *	Give back the memory of a free run's committed slices, keeping the
 *	address range, in three steps: VtRunReleaseBegin (shared lock held)
 *	takes the run off the free lists as VT_PAGE_RELEASING and fills in
 *	*opPtr; VtReleaseOpRun makes the system calls without the lock (one
 *	per stretch of committed slices); VtRunReleaseEnd (shared lock held)
 *	counts what went back and makes the run free again, merged with the
 *	free runs that came beside it meanwhile. A stretch the OS refused
 *	(Linux refuses locked memory) stays committed: a slice that is not
 *	committed must read as zeros (see LargeTake).
 *
 * Results:
 *	VtRunReleaseBegin: 1, or 0 if the run has no committed slice (then
 *	nothing is to be done and the run is left as it was).
 *
 * Side effects:
 *	The slices are no longer dirty.
 *
 *----------------------------------------------------------------------
 */

int
VtRunReleaseBegin(
    VtPage *runPtr,
    VtReleaseOp *opPtr)
{
    VtSegment *segPtr = VtSegmentOf(runPtr);
    uint64_t mask = segPtr->committedMask
	    & RunMask(runPtr->index, runPtr->slices);
    uint64_t since = runPtr->u.freeSince;
    unsigned slices = runPtr->slices;

    if (mask == 0) {
	return 0;
    }
    opPtr->bytes = RunDirty(segPtr, runPtr->index, slices);
    RunUnlink(runPtr);
    runPtr->slices = (uint8_t) slices;
    runPtr->u.freeSince = since;
    runPtr->state = VT_PAGE_RELEASING;
    opPtr->kind = VT_RELEASE_RUN;
    opPtr->hugePagesOff = (uint8_t) HugePagesOff(segPtr);
    opPtr->pagePtr = runPtr;
    opPtr->segPtr = segPtr;
    opPtr->mask = mask;
    opPtr->failed = 0;
    return 1;
}

void
VtRunReleaseEnd(
    VtReleaseOp *opPtr)
{
    VtPage *runPtr = opPtr->pagePtr;
    VtSegment *segPtr = opPtr->segPtr;
    uint64_t done = opPtr->mask & ~opPtr->failed;
    uint64_t released = 0;
    unsigned i;

    for (i = runPtr->index; i < runPtr->index + runPtr->slices; i++) {
	if ((done >> i) & 1) {
	    released += (uint64_t) VT_POPCOUNT64(segPtr->touched[i]) << 12;
	    segPtr->touched[i] = 0;
	}
    }
    segPtr->committedMask &= ~done;
    vtShared.dirtyBytes -= released;
    vtShared.releasedBytes += released;
    runPtr->state = VT_PAGE_NONE;
    RunMerge(segPtr, runPtr->index, runPtr->slices, runPtr->u.freeSince);
}

/*
 *----------------------------------------------------------------------
 *
 * VtRunResetBegin --
 *
 *	Give back the memory of a page of small blocks that stays in use
 *	(the sweep, see VtSweep): the `carved` blocks it had are no longer
 *	resident. Shared lock held; the system call is made later, without
 *	it (VtReleaseOpRun), while the page's remote word says
 *	VT_REMOTE_SWEEPING.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	The run's slices are no longer touched; fills in *opPtr.
 *
 *----------------------------------------------------------------------
 */

void
VtRunResetBegin(
    VtPage *pagePtr,
    uint32_t carved,
    VtReleaseOp *opPtr)
{
    VtSegment *segPtr = VtSegmentOf(pagePtr);
    unsigned i;

    PageTouched(pagePtr, carved);
    for (i = pagePtr->index; i < pagePtr->index + pagePtr->slices; i++) {
	vtShared.releasedBytes +=
		(uint64_t) VT_POPCOUNT64(segPtr->touched[i]) << 12;
	segPtr->touched[i] = 0;
    }
    opPtr->kind = VT_RELEASE_PAGE;
    opPtr->hugePagesOff = (uint8_t) HugePagesOff(segPtr);
    opPtr->pagePtr = pagePtr;
    opPtr->segPtr = segPtr;
    opPtr->mask = RunMask(pagePtr->index, pagePtr->slices);
    opPtr->failed = opPtr->bytes = 0;
}

/*
 *----------------------------------------------------------------------
 *
 * VtSegmentReleaseBegin --
 *
 *	Take a normal segment none of whose slices is in use off the shared
 *	cache's lists and out of the segment map; it is unmapped later,
 *	without the lock (VtReleaseOpRun). Shared lock held.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	The segment and its free run are gone; fills in *opPtr.
 *
 *----------------------------------------------------------------------
 */

void
VtSegmentReleaseBegin(
    VtSegment *segPtr,
    VtReleaseOp *opPtr)
{
    RunUnlink(&segPtr->pages[1]);
    vtShared.dirtyBytes -= RunDirty(segPtr, 1, VT_SLICES - 1);
    vtShared.segments--;
    vtShared.releasedBytes += VtSegmentCommitted(segPtr);
    SegmentOff(segPtr);
    opPtr->kind = VT_RELEASE_SEGMENT;
    opPtr->hugePagesOff = 0;
    opPtr->pagePtr = NULL;
    opPtr->segPtr = segPtr;
    opPtr->mask = opPtr->failed = opPtr->bytes = 0;
}

/*
 *----------------------------------------------------------------------
 *
 * VtReleaseOpRun --
 *
 *	Make the system calls of a release decided under the shared lock
 *	(see VtReleaseFlush), without it.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Memory goes back to the OS; opPtr->failed: the run's slices it
 *	refused to take.
 *
 *----------------------------------------------------------------------
 */

void
VtReleaseOpRun(
    VtReleaseOp *opPtr)
{
    VtSegment *segPtr = opPtr->segPtr;
    uint64_t mask = opPtr->mask;

    if (opPtr->hugePagesOff) {
	VtpHugePages(segPtr, segPtr->size, 0);
    }
    switch ((enum VtReleaseKind) opPtr->kind) {
    case VT_RELEASE_RUN:
	while (mask != 0) {
	    unsigned first = VT_CTZ64(mask);
	    unsigned length = VT_CTZ64(~(mask >> first));

	    if (!VtpDecommit((uint8_t *) segPtr + first * VT_SLICE_SIZE,
		    length * VT_SLICE_SIZE)) {
		opPtr->failed |= RunMask(first, length);
	    }
	    mask &= ~RunMask(first, length);
	}
	break;
    case VT_RELEASE_PAGE:
	VtpReset((uint8_t *) segPtr
		+ opPtr->pagePtr->index * VT_SLICE_SIZE,
		(size_t) VT_POPCOUNT64(mask) * VT_SLICE_SIZE);
	break;
    case VT_RELEASE_SEGMENT:
	VtSegmentUnmap(segPtr);
	break;
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtHugeMap, VtHugeLink, VtHugeFree --
 *
 *	A block above VT_LARGE_MAX (or with an alignment above a slice) has
 *	a segment of its own whose header slice is followed by the block at
 *	`offset` (VT_SLICE_SIZE, or the alignment up to half a segment), so
 *	that the block is found like any other. VtHugeMap maps it and sets it
 *	up, without the shared lock; VtHugeLink (shared lock held) links it
 *	in; VtHugeFree (shared lock held) takes it off the shared cache, for
 *	the caller to unmap it after it has left the lock (VtSegmentUnmap).
 *
 * Results:
 *	VtHugeMap: the segment, or NULL if the OS has no memory. VtHugeLink:
 *	the page header of the block.
 *
 * Side effects:
 *	Maps memory.
 *
 *----------------------------------------------------------------------
 */

VtSegment *
VtHugeMap(
    size_t size,
    size_t offset)
{
    size_t bytes = (size + VT_SLICE_SIZE - 1) & ~(VT_SLICE_SIZE - 1);
    VtSegment *segPtr;
    VtPage *pagePtr;

    if (bytes < size || bytes > SIZE_MAX - 2 * VT_SEGMENT_SIZE) {
	return NULL;
    }
    segPtr = SegmentMap(offset + bytes, VT_SEGMENT_HUGE, 0);
    if (segPtr == NULL) {
	return NULL;
    }
    pagePtr = &segPtr->pages[1];
    pagePtr->start = (uint8_t *) segPtr + offset;
    if (!VtpCommit(pagePtr->start, bytes)) {
	VtSegmentUnmap(segPtr);
	return NULL;
    }
    pagePtr->state = VT_PAGE_LARGE;
    pagePtr->blockSize = (uint32_t) 0;
    pagePtr->slices = 0;
    RunMap(segPtr, 1, VT_SLICES - 1, pagePtr);
    segPtr->usedSlices = VT_SLICES - 1;
    return segPtr;
}

VtPage *
VtHugeLink(
    VtSegment *segPtr)
{
    vtShared.hugeBytes += segPtr->size;
    SegmentOn(segPtr);
    return &segPtr->pages[1];
}

void
VtHugeFree(
    VtSegment *segPtr)
{
    vtShared.releasedBytes += VtSegmentCommitted(segPtr);
    VtHugeDetach(segPtr);
}

/*
 *----------------------------------------------------------------------
 *
 * VtHugeDetach, VtHugeAttach --
 *
 *	Around a resize of a huge block's mapping (see HugeResize in
 *	vtAlloc.c), which is a system call made without the shared lock and
 *	may move the segment: VtHugeDetach takes the segment off the list of
 *	segments (nothing else reads its header meanwhile) and out of the
 *	segment map; VtHugeAttach puts the segment, at its new address with
 *	its new size in bytes, back and points its header at itself again,
 *	the block `offset` bytes in. Shared lock held.
 *
 * Results:
 *	VtHugeAttach: the block's page header.
 *
 * Side effects:
 *	See SegmentOff, SegmentOn.
 *
 *----------------------------------------------------------------------
 */

void
VtHugeDetach(
    VtSegment *segPtr)
{
    SegmentOff(segPtr);
    vtShared.hugeBytes -= segPtr->size;
}

VtPage *
VtHugeAttach(
    VtSegment *segPtr,
    size_t offset,
    size_t size)
{
    VtPage *pagePtr = &segPtr->pages[1];

    segPtr->size = size;
    segPtr->map[0] = &segPtr->pages[0];
    pagePtr->start = (uint8_t *) segPtr + offset;
    RunMap(segPtr, 1, VT_SLICES - 1, pagePtr);
    vtShared.hugeBytes += size;
    SegmentOn(segPtr);
    return pagePtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtUsableSize --
 *
 *	The bytes a caller may use in the block of a page.
 *
 * Results:
 *	A size in bytes.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

size_t
VtUsableSize(
    const VtPage *pagePtr)
{
    if (pagePtr->state == VT_PAGE_SMALL) {
	return pagePtr->blockSize;
    }
    if (VtSegmentOf(pagePtr)->kind == VT_SEGMENT_HUGE) {
	return (size_t) ((uint8_t *) VtSegmentOf(pagePtr)
		+ VtSegmentOf(pagePtr)->size - pagePtr->start);
    }
    return (size_t) pagePtr->slices * VT_SLICE_SIZE;
}

/*
 *----------------------------------------------------------------------
 *
 * VtRequestedSize --
 *
 *	The bytes the caller asked for when it allocated (or last resized)
 *	the live block at ptr; its usable size when the side arrays are
 *	compiled out.
 *
 * Results:
 *	A size in bytes.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

size_t
VtRequestedSize(
    const VtPage *pagePtr,
    const void *ptr)
{
    if (pagePtr->state != VT_PAGE_SMALL) {
	return pagePtr->u.requested;
    }
    return VtSideGet(pagePtr, ptr);
}

/*
 *----------------------------------------------------------------------
 *
 * VtSegmentCommitted --
 *
 *	Bytes of a segment that hold memory from the OS.
 *
 * Results:
 *	A size in bytes.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

size_t
VtSegmentCommitted(
    const VtSegment *segPtr)
{
    if (segPtr->kind == VT_SEGMENT_HUGE) {
	return segPtr->size;
    }
    return VT_HEADER_BYTES + (size_t) VT_POPCOUNT64(segPtr->committedMask
	    & ~(uint64_t) 1) * VT_SLICE_SIZE;
}

/*
 *----------------------------------------------------------------------
 *
 * VtSegmentIsValid --
 *
 *	Check a segment's invariants (shared lock held): the runs tile the
 *	slices, every slice maps to its run's header, no two free runs are
 *	adjacent (they would have been merged), free runs are on the list of
 *	their length, usedSlices counts the slices in pages, and only pages
 *	of small blocks have a capacity (FindBlock relies on it).
 *
 * Results:
 *	1 if the segment is consistent, 0 otherwise.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

int
VtSegmentIsValid(
    const VtSegment *segPtr)
{
    unsigned i, j, used = 0;
    int lastFree = 0;

    if (segPtr->kind == VT_SEGMENT_HUGE) {
	return segPtr->map[1] == &segPtr->pages[1]
		&& segPtr->pages[1].state == VT_PAGE_LARGE;
    }
    if (segPtr->map[0] != &segPtr->pages[0]
	    || VtLoad(&segPtr->pages[0].capacity) != 0) {
	return 0;
    }
    for (i = 1; i < VT_SLICES; i += segPtr->pages[i].slices) {
	const VtPage *pagePtr = &segPtr->pages[i];
	const VtPage *listPtr;

	if (pagePtr->slices == 0 || i + pagePtr->slices > VT_SLICES
		|| pagePtr->state == VT_PAGE_NONE
		|| (pagePtr->state != VT_PAGE_SMALL
		&& VtLoad(&pagePtr->capacity) != 0)) {
	    return 0;
	}
	for (j = i; j < i + pagePtr->slices; j++) {
	    if (segPtr->map[j] != pagePtr) {
		return 0;
	    }
	}
	if (pagePtr->state == VT_PAGE_RELEASING) {
	    /* Off the lists while the pass that releases it is out of
	     * the lock. */
	} else if (pagePtr->state == VT_PAGE_FREE) {
	    if (lastFree) {
		return 0;
	    }
	    for (listPtr = vtShared.freeRuns[pagePtr->slices];
		    listPtr != NULL && listPtr != pagePtr;
		    listPtr = listPtr->nextPtr) {
		/* Search the list of its length. */
	    }
	    if (listPtr == NULL) {
		return 0;
	    }
	} else {
	    used += pagePtr->slices;
	}
	lastFree = pagePtr->state == VT_PAGE_FREE;
    }
    return used == segPtr->usedSlices;
}
