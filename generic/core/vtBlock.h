/*
 * vtBlock.h --
 *
 *	Blocks and pages, the primitives of every path: a page's used count,
 *	the free cookie, from a pointer to its segment and page, the
 *	segment map, the remote word, a block's index, the side array, and
 *	the mangled free-list links. Part of vtInt.h, after its prototypes
 *	(the checks here call them); not included on its own.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTBLOCK
#define _VTBLOCK

VT_INLINE uintptr_t
VtCookie(
    const VtBlock *blockPtr)
{
    return (uintptr_t) blockPtr ^ vtCookieKey;
}

VT_INLINE VtSegment *
VtSegmentOf(
    const void *ptr)
{
    return (VtSegment *) ((uintptr_t) ptr & ~(VT_SEGMENT_SIZE - 1));
}

/*
 * The header of the run (page) holding a pointer into vtalloc's memory;
 * inside a segment's header slice, that slice's header, which is never a
 * run (state VT_PAGE_NONE, capacity 0).
 */

VT_INLINE VtPage *
VtPageOf(
    const void *ptr)
{
    return VtSegmentOf(ptr)->map[((uintptr_t) ptr >> VT_SLICE_SHIFT)
	    & (VT_SLICES - 1)];
}

/*
 * Is there a segment of ours at this 4 MiB boundary? One byte per possible
 * segment of the VT_MAP_BITS address space (32 MiB of reserved address
 * space on x86-64, read as zeros, a page of it touched per 16 GiB that
 * holds segments; see VtSegmentMapInit): a byte, not a bit, saves the
 * free three instructions. The number of entries is in the word before
 * the first, so the bound comes through the same pointer as the byte
 * (no ordering to get wrong, and the compare takes it from memory: as many
 * instructions as a constant bound and a static map); before the map is
 * reserved the pointer leads to 0 entries, "not ours" for any pointer. No
 * segment is at 0 (the OS maps nothing there), so NULL is not ours either.
 */

#define VtSegmentMapEntries(map) (((const uint64_t *) (map))[-1])

VT_INLINE int
VtSegmentKnown(
    const void *ptr)
{
    _Atomic uint8_t *map = atomic_load_explicit(&vtSegmentMap,
	    memory_order_acquire);
    uintptr_t n = (uintptr_t) ptr >> VT_SEGMENT_SHIFT;

    if (VT_UNLIKELY(n >= VtSegmentMapEntries(map))) {
	return 0;
    }
    return VtLoad(&map[n]);
}

/*
 * A page's remote list is one word: its first block in the low
 * VT_ADDRESS_BITS bits and its length above them, so that the owner takes
 * the list and its length with one compare-exchange and need not walk it
 * to count (the walk cost a cache miss per block). It walks the list only
 * to put it in front of a free list that is not empty; when the free list
 * ran dry, the usual case, the remote list simply becomes it (see
 * VtPageCollect). A page holds at most 4096 blocks.
 */

#define VtRemoteHead(word) \
    ((VtBlock *) ((word) & (((uintptr_t) 1 << VT_ADDRESS_BITS) - 1)))
#define VtRemoteCount(word)	((uint32_t) ((word) >> VT_ADDRESS_BITS))
#define VtRemoteWord(blockPtr, count) \
    ((uintptr_t) (blockPtr) | ((uintptr_t) (count) << VT_ADDRESS_BITS))

/*
 * The remote word of a page whose memory the sweep released: a count no
 * page reaches and no block. A push onto it (a double free) makes a count
 * above it.
 */

#define VT_REMOTE_SWEPT		VtRemoteWord(NULL, 0x8000)

/*
 * The remote word while the sweep releases the page's memory with no lock
 * held (see VtReleaseFlush): the owner waits for VT_REMOTE_SWEPT before it
 * takes the page back (VtPageCollect).
 */

#define VT_REMOTE_SWEEPING	VtRemoteWord(NULL, 0xC000)

/*
 * Index of a block in its page, exact for every offset inside a segment:
 * the error of the rounded-up reciprocal stays below 1/blockSize.
 */

VT_INLINE uint32_t
VtBlockIndex(
    const VtPage *pagePtr,
    const void *ptr)
{
    uint64_t offset = (uint64_t) ((const uint8_t *) ptr - pagePtr->start);

    return (uint32_t) ((offset * pagePtr->recip) >> 40);
}

/*
 * VtSmallIndex: is ptr the start of a carved block of a page of small
 * blocks (its index in *indexPtr)? One test answers it for any pointer into
 * a segment: every run that is not a page of small blocks, and a segment's
 * header slice, have capacity 0 (see RunMap).
 *
 * The test that the offset is a multiple of the block size comes from the
 * product that gives the index. With recip = 2^40 / blockSize rounded up,
 * offset = k * blockSize + r and offset * recip = k * 2^40 + low: low <
 * 2^19 if r == 0 (k times the rounding error, below the page's size), and
 * low >= recip >= 2^25 otherwise (blocks are at most 2^15 bytes); low <
 * 2^40 either way, so the index k is exact. Bits 24..39 of the product are
 * therefore 0 exactly at the start of a block. Rotated so that they lie
 * above k, one comparison with the page's capacity tests both.
 * unit/testCore.c checks every offset of every bucket's page.
 */

#if VT_SMALL_MAX > (1 << 15) \
	|| (VT_MAX_PAGE_SLICES << VT_SLICE_SHIFT) > (1 << 19)
#   error "VtSmallIndex needs blocks of at most 2^15 bytes in pages of at \
most 2^19"
#endif

VT_INLINE int
VtSmallIndex(
    const VtPage *pagePtr,
    const void *ptr,
    uint32_t *indexPtr)
{
    uint64_t scaled = ((uint64_t) ((const uint8_t *) ptr - pagePtr->start)
	    * pagePtr->recip) >> 24;
    uint64_t index = (scaled >> 16) | (scaled << 48);

    *indexPtr = (uint32_t) index;
    return index < VtLoad(&pagePtr->capacity);
}

/*
 * The side array of a page records, per block, the low 8 bits (16 in a
 * wide page) of the bytes asked for, from the block's allocation on:
 * storing them costs no arithmetic on the allocation fast path, and since
 * a block's slack (blockSize - requested) always fits in those bits (see
 * VT_NARROW_MAX), they give the requested size exactly. `vtalloc stats`
 * sums it over the live blocks, so the fast paths keep no byte counters.
 * A free leaves the entry alone. Each entry is written only by whoever
 * holds its block, and read racily (relaxed) by the statistics.
 *
 * A block's entry is found with a shift, not with its index: the index
 * (a multiply by the reciprocal of the block size) is an instruction more
 * on the allocation fast path, and the store waits for the multiply
 * (tclmix took 3% longer). The entry of the block
 * at ptr is entry ptr >> sideShift of the array at sideBase (which is the
 * side array less start >> sideShift entries), sideShift the exponent of
 * the largest power of two not above blockSize: the blocks of a page,
 * which starts on a slice, then have entries of their own, with fewer
 * than 2 entries per block (1 where the size is a power of two).
 * VtSideBytes: the bytes of side array that `count` blocks need;
 * VtSideArray: where the array starts.
 */

VT_INLINE uint8_t *
VtSideArray(
    const VtPage *pagePtr)
{
    return (uint8_t *) (pagePtr->sideBase + (((uintptr_t) pagePtr->start
	    >> pagePtr->sideShift) << pagePtr->sideWide));
}

VT_INLINE size_t
VtSideBytes(
    size_t blockSize,
    unsigned sideShift,
    unsigned sideWide,
    size_t count)
{
    return count == 0 ? 0
	    : ((((count - 1) * blockSize) >> sideShift) + 1) << sideWide;
}

/*
 * VtSideFirstBytes: the bytes of a side array that starts the page (see
 * VtBucketsInit). Its first block then starts on a multiple of the largest
 * power of two dividing the block size, not necessarily on one of 1 <<
 * sideShift, so the blocks' entries, counted from the first block's,
 * reach one further than VtSideBytes counts.
 */

VT_INLINE size_t
VtSideFirstBytes(
    size_t blockSize,
    unsigned sideShift,
    unsigned sideWide,
    size_t count)
{
    return VtSideBytes(blockSize, sideShift, sideWide, count)
	    + ((size_t) 1 << sideWide);
}

#if VT_STATS
VT_INLINE void
VtSideSet(
    VtPage *pagePtr,
    const void *ptr,
    size_t requested)
{
    uintptr_t base = pagePtr->sideBase;	/* Loaded first: no register
					 * shuffle for the shift. */
    uintptr_t n = (uintptr_t) ptr >> pagePtr->sideShift;

#if VT_DEBUG
    if (requested > pagePtr->blockSize || pagePtr->blockSize - requested
	    > (pagePtr->sideWide ? 0xFFFFu : 0xFFu)) {
	VtPanic("vtalloc: %zu bytes asked for in block %p of %u bytes do "
		"not fit its page's side array", requested, ptr,
		(unsigned) pagePtr->blockSize);
    }
#endif
    if (pagePtr->sideWide) {
	VtStore((_Atomic uint16_t *) base + n, (uint16_t) requested);
    } else {
	VtStore((_Atomic uint8_t *) base + n, (uint8_t) requested);
    }
}

VT_INLINE size_t
VtSideGet(
    const VtPage *pagePtr,
    const void *ptr)
{
    uintptr_t n = (uintptr_t) ptr >> pagePtr->sideShift;
    uint32_t low, mask;

    if (pagePtr->sideWide) {
	low = VtLoad((_Atomic uint16_t *) pagePtr->sideBase + n);
	mask = 0xFFFF;
    } else {
	low = VtLoad((_Atomic uint8_t *) pagePtr->sideBase + n);
	mask = 0xFF;
    }
    return pagePtr->blockSize - ((pagePtr->blockSize - low) & mask);
}
#else
#   define VtSideSet(pagePtr, ptr, requested) \
	((void) (pagePtr), (void) (ptr), (void) (requested))
#   define VtSideGet(pagePtr, ptr) \
	((void) (ptr), (size_t) (pagePtr)->blockSize)
#endif

/*
 * The header of a free block (its link and its cookie) is read and written
 * only through these. In every build a link is stored mangled, so that a
 * write after free or an overflow into a free block cannot steer the
 * allocator (make it hand out an address the program chose, or a block
 * overlapping a live one): the stored word is the distance from the block
 * to the next one (next ^ block) times vtLinkKey, an odd per-process
 * secret, and is read back with the key's inverse (vtLinkInverse). The
 * product carries a change of any stored bit into every bit above it, so
 * a word written whole, or its low bytes overwritten by an overflow,
 * decodes to a distance that the program cannot choose and that has,
 * bar a chance of 2^-46, bits set that no link has.
 *
 * What a followed link must look like depends on the list:
 *
 *   VtLinkGet	  a page's free list or remote list: every block of it is
 *		  in the page, so the distance is a multiple of 16 below the
 *		  segment size. One test of the decoded word (VT_LINK_MASK)
 *		  checks it: no more than a test of alignment alone. The end
 *		  of a list (next NULL, distance the block's own address)
 *		  fails that test and is told apart out of line.
 *   VtHeldLinkGet a thread's held blocks (see vtHeld.c), of pages in
 *		  any segment, followed on slow paths only: a 16-byte
 *		  aligned address in a segment of vtalloc's.
 *
 * VT_HARDEN adds that a link lead to the start of a carved block (of the
 * same page, for a page's list), and that a block being handed out still
 * carry its free cookie. With VT_VALGRIND the header is opened to memcheck
 * around each access, since the rest of the time a free block is
 * unaddressable.
 */

#define VT_LINK_MASK	(~(uintptr_t) (VT_SEGMENT_SIZE - 1) \
			    | (uintptr_t) (VT_ALIGN - 1))

VT_INLINE uintptr_t
VtLinkDistance(
    const VtBlock *blockPtr)
{
    uintptr_t distance;

    VtTrackOpen(blockPtr, sizeof(VtBlock));
    distance = blockPtr->link * vtLinkInverse;
    VtTrackClose(blockPtr, sizeof(VtBlock));
    return distance;
}

VT_INLINE VtBlock *
VtLinkGet(
    const VtBlock *blockPtr)
{
    VtBlock *nextPtr;
    uintptr_t distance = VtLinkDistance(blockPtr);

    if (VT_UNLIKELY((distance & VT_LINK_MASK) != 0)
	    && distance != (uintptr_t) blockPtr) {
	VtBadLinkFollowed("its free-list link was overwritten", blockPtr);
    }
    nextPtr = (VtBlock *) (distance ^ (uintptr_t) blockPtr);
#if VT_HARDEN
    if (nextPtr != NULL) {
	VtLinkCheck(blockPtr, nextPtr, 1);
    }
#endif
    return nextPtr;
}

VT_INLINE VtBlock *
VtHeldLinkGet(
    const VtBlock *blockPtr)
{
    VtBlock *nextPtr = (VtBlock *) (VtLinkDistance(blockPtr)
	    ^ (uintptr_t) blockPtr);

    if (nextPtr != NULL) {
	if (VT_UNLIKELY(((uintptr_t) nextPtr & (VT_ALIGN - 1)) != 0
		|| !VtSegmentKnown(nextPtr))) {
	    VtBadLink(blockPtr, "its free-list link was overwritten");
	}
#if VT_HARDEN
	VtLinkCheck(blockPtr, nextPtr, 0);
#endif
    }
    return nextPtr;
}

VT_INLINE void
VtLinkSet(
    VtBlock *blockPtr,
    VtBlock *nextPtr)
{
    VtTrackOpen(blockPtr, sizeof(VtBlock));
    blockPtr->link = ((uintptr_t) nextPtr ^ (uintptr_t) blockPtr)
	    * vtLinkKey;
    VtTrackClose(blockPtr, sizeof(VtBlock));
}

/*
 * Mark a block free, linked to nextPtr (a page's list or a held list).
 * The cookie is stored first: the compiler may then reuse the key loaded
 * for the double-free test (a store through the link could alias it and
 * force a reload).
 */

VT_INLINE void
VtBlockFreed(
    VtBlock *blockPtr,
    VtBlock *nextPtr)
{
    VtTrackOpen(&blockPtr->cookie, sizeof(uintptr_t));
    blockPtr->cookie = VtCookie(blockPtr);
    VtTrackClose(&blockPtr->cookie, sizeof(uintptr_t));
    VtLinkSet(blockPtr, nextPtr);
}

/*
 * Is a block that a caller hands back already free? Its cookie says so.
 * Under valgrind the cookie of a live block may be the caller's undefined
 * bytes, so memcheck's record is asked first: a block whose first byte is
 * addressable is live; only an unaddressable one (free, or live with 0
 * bytes asked for) has its cookie read, with this thread's error reports
 * off rather than the cookie made addressable: the statistics read blocks
 * that other threads hand out and free meanwhile, and opening and closing
 * the cookie would race with their own marks (a close after the owner
 * handed the block out left 8 of its bytes unaddressable).
 */

VT_INLINE int
VtBlockIsFree(
    const VtBlock *blockPtr)
{
    int isFree;

#if VT_VALGRIND
    uint8_t bits;

    if (RUNNING_ON_VALGRIND && VALGRIND_GET_VBITS(blockPtr, &bits, 1) != 3) {
	return 0;
    }
    VALGRIND_DISABLE_ERROR_REPORTING;
#endif
    isFree = blockPtr->cookie == VtCookie(blockPtr);
#if VT_VALGRIND
    VALGRIND_ENABLE_ERROR_REPORTING;
#endif
    return isFree;
}

/*
 * Take the first block off a free list: returns the next one and clears
 * the block's cookie (a live block never carries it). VtBlockTaken: a
 * page's list; VtHeldTaken: a thread's held blocks.
 */

VT_INLINE void
VtCookieClear(
    VtBlock *blockPtr)
{
    VtTrackOpen(blockPtr, sizeof(VtBlock));
#if VT_HARDEN
    if (VT_UNLIKELY(blockPtr->cookie != VtCookie(blockPtr))) {
	VtBadLink(blockPtr, "its free cookie was overwritten");
    }
#endif
    blockPtr->cookie = 0;
    VtTrackClose(blockPtr, sizeof(VtBlock));
}

VT_INLINE VtBlock *
VtBlockTaken(
    VtBlock *blockPtr)
{
    VtBlock *nextPtr = VtLinkGet(blockPtr);

    VtCookieClear(blockPtr);
    return nextPtr;
}

VT_INLINE VtBlock *
VtHeldTaken(
    VtBlock *blockPtr)
{
    VtBlock *nextPtr = VtHeldLinkGet(blockPtr);

    VtCookieClear(blockPtr);
    return nextPtr;
}

#endif /* _VTBLOCK */
