/*
 * vtSize.c --
 *
 *	Buckets: the size classes of small blocks and the page geometry of
 *	each. The table that maps a request to its bucket is a constant built
 *	by the preprocessor, so the fast path's lookup is one load and needs
 *	no initialisation.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

/*
 * The bucket of a request of `s` bytes, as a constant expression: 16-byte
 * steps up to 128, then eight buckets per power of two (see VT_BUCKET_SIZE).
 */

#define VT_LOG2(t) \
    ((t) >= 16384 ? 14 : (t) >= 8192 ? 13 : (t) >= 4096 ? 12		\
     : (t) >= 2048 ? 11 : (t) >= 1024 ? 10 : (t) >= 512 ? 9		\
     : (t) >= 256 ? 8 : 7)
#define VT_BUCKET_OF_LARGER(t) \
    (8 + (VT_LOG2(t) - 7) * 8 + (((t) >> (VT_LOG2(t) - 3)) & 7))
#define VT_BUCKET_OF(s) \
    ((s) <= 16 ? 0 : (s) <= 128 ? ((s) + 15) / 16 - 1			\
     : VT_BUCKET_OF_LARGER((s) - 1))

/*
 * vtBucketOf[i] is the bucket of every request of (i-1)*16+1 .. i*16 bytes.
 */

#define VT_T1(i)	(uint8_t) VT_BUCKET_OF((i) * 16),
#define VT_T2(i)	VT_T1(i) VT_T1((i) + 1)
#define VT_T4(i)	VT_T2(i) VT_T2((i) + 2)
#define VT_T8(i)	VT_T4(i) VT_T4((i) + 4)
#define VT_T16(i)	VT_T8(i) VT_T8((i) + 8)
#define VT_T32(i)	VT_T16(i) VT_T16((i) + 16)
#define VT_T64(i)	VT_T32(i) VT_T32((i) + 32)
#define VT_T128(i)	VT_T64(i) VT_T64((i) + 64)
#define VT_T256(i)	VT_T128(i) VT_T128((i) + 128)
#define VT_T512(i)	VT_T256(i) VT_T256((i) + 256)
#define VT_T1024(i)	VT_T512(i) VT_T512((i) + 512)
#define VT_T2048(i)	VT_T1024(i) VT_T1024((i) + 1024)

const uint8_t vtBucketOf[VT_SMALL_MAX / VT_ALIGN + 1] = {
    VT_T2048(0) (uint8_t) VT_BUCKET_OF(VT_SMALL_MAX)
};

VtBucketInfo vtBuckets[VT_NBUCKETS];

/*
 *----------------------------------------------------------------------
 *
 * VtBucketOfSize --
 *
 *	The bucket of a small request, computed without the table (for slow
 *	paths that may run before anything is set up, and to check the
 *	table).
 *
 * Results:
 *	A bucket index; VT_NBUCKETS if the request is not small.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

unsigned
VtBucketOfSize(
    size_t size)
{
    size_t t;
    unsigned log2;

    if (size > VT_SMALL_MAX) {
	return VT_NBUCKETS;
    }
    if (size <= 128) {
	return size <= 16 ? 0 : (unsigned) ((size + 15) / 16 - 1);
    }
    t = size - 1;
    log2 = VT_LOG2_64((uint64_t) t);
    return 8 + (log2 - 7) * 8 + (unsigned) ((t >> (log2 - 3)) & 7);
}

/*
 *----------------------------------------------------------------------
 *
 * VtBucketWaste --
 *
 *	The worst internal waste of a bucket: the share of a block that a
 *	request one byte above the next smaller bucket leaves unused.
 *
 * Results:
 *	A fraction between 0 and 1.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

double
VtBucketWaste(
    unsigned bucket)
{
    size_t size = VT_BUCKET_SIZE(bucket);
    size_t smallest = bucket == 0 ? 1 : VT_BUCKET_SIZE(bucket - 1) + 1;

    return (double) (size - smallest) / (double) size;
}

/*
 *----------------------------------------------------------------------
 *
 * VtBucketsInit --
 *
 *	Choose each bucket's page geometry: the fewest slices (at most
 *	VT_MAX_PAGE_SLICES) whose blocks and their side array of requested
 *	sizes leave no more than 1/64 of the page unused. Pages with at most
 *	16 blocks keep that array in their header instead; the others at
 *	their start where it fits there (sideFirst), else at their end.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Fills vtBuckets.
 *
 *----------------------------------------------------------------------
 */

void
VtBucketsInit(void)
{
    unsigned bucket, slices;

    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	VtBucketInfo *infoPtr = &vtBuckets[bucket];
	size_t size = VT_BUCKET_SIZE(bucket);
	unsigned wide = size > VT_NARROW_MAX, shift = 0;
	double bestWaste = 2.0;

	while (((size_t) 2 << shift) <= size) {
	    shift++;			/* The largest power of two <= size. */
	}
	for (slices = 1; slices <= VT_MAX_PAGE_SLICES; slices++) {
	    size_t bytes = slices * VT_SLICE_SIZE;
	    size_t blocks = bytes / size + 1, used;
	    double waste;

	    do {
		blocks--;
		used = blocks * size + (!VT_STATS
			|| blocks <= VT_SIDE_INLINE_MAX ? 0
			: VtSideBytes(size, shift, wide, blocks));
	    } while (used > bytes);
	    waste = (double) (bytes - used) / (double) bytes;

	    if (waste < bestWaste) {
		bestWaste = waste;
		infoPtr->slices = (uint8_t) slices;
		infoPtr->reserved = (uint32_t) blocks;
	    }
	    if (waste <= 1.0 / 64) {
		break;
	    }
	}
	infoPtr->blockSize = (uint32_t) size;
	infoPtr->recip = (((uint64_t) 1 << 40) + size - 1) / size;
	infoPtr->sideShift = (uint8_t) shift;
	infoPtr->sideWide = (uint8_t) wide;

	/*
	 * The side array goes first where that costs no block: its entries
	 * for the first blocks, which a page with few live blocks keeps, then
	 * share their OS page with those blocks instead of holding one of
	 * their own at the page's end. The blocks then start on a multiple of
	 * the largest power of two that divides their size (as at the
	 * start of a slice: see VtMallocAligned), which may not be one of
	 * 1 << sideShift: see VtSideFirstBytes.
	 */

	infoPtr->sideFirst = 0;
	if (VT_STATS && infoPtr->reserved > VT_SIDE_INLINE_MAX) {
	    size_t unit = size & (~size + 1);
	    size_t first = (VtSideFirstBytes(size, shift, wide,
		    infoPtr->reserved) + unit - 1) & ~(unit - 1);

	    if (first + (size_t) infoPtr->reserved * size
		    <= (size_t) infoPtr->slices * VT_SLICE_SIZE) {
		infoPtr->sideFirst = (uint32_t) first;
	    }
	}
	if (infoPtr->reserved <= VT_SIDE_INLINE_MAX && VtSideBytes(size, shift,
		wide, infoPtr->reserved) > sizeof(((VtPage *) 0)->sideInline)) {
	    VtPanic("vtalloc: the side array of bucket %u does not fit in "
		    "its page header", bucket);
	}
    }
}
