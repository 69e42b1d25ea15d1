/*
 * vtConfig.h --
 *
 *	Configuration of the vtalloc core: the 64-bit requirement, the
 *	compile-time knobs, the compiler's attributes, the geometry of
 *	segments, slices and buckets, and the list of run-time options. No
 *	types and no code; every other header of the core starts here.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTCONFIG
#define _VTCONFIG

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>

/*
 * The core is for 64-bit targets only: addresses of 48 bits and more are
 * shifted and packed into 64-bit words (the segment map, free cookies),
 * which a 32-bit word cannot hold (configure refuses such a target too).
 */

#if UINTPTR_MAX < 0xFFFFFFFFFFFFFFFFu || SIZE_MAX < 0xFFFFFFFFFFFFFFFFu
#   error "vtalloc needs a 64-bit target (pointers and size_t of 8 bytes)"
#endif

_Static_assert(sizeof(void *) == 8 && sizeof(size_t) == 8,
	"vtalloc needs a 64-bit target");

/*
 *----------------------------------------------------------------------
 *
 * Compile-time knobs. Each is set with -DNAME=VALUE; the defaults are the
 * production build.
 *
 *   VT_STATS	1 (default): per-cache counters, the requested-size side
 *		arrays and everything `vtalloc stats` reports. 0: the
 *		counting macros expand to nothing and the side arrays are
 *		not carved.
 *   VT_DEBUG	0 (default). 1: invariant checkers (VtPageIsValid ...) run
 *		on every slow path; free blocks are filled with 0xDF and
 *		the fill is checked when the block is handed out again.
 *   VT_HARDEN	0 (default). 1: a followed free-list link must lead to
 *		the start of a carved block, and a block being handed out
 *		must still carry its free cookie. (Every build stores the
 *		links mangled and checks them when followed: see
 *		VtLinkGet.)
 *   VT_VALGRIND 0 (default). 1: blocks are announced to valgrind's
 *		memcheck (client requests), so that it reports leaks, reads
 *		of uninitialised bytes and use after free of vtalloc's
 *		blocks; free blocks are unaddressable.
 *
 * The checks that catch bad pointers (segment map, block alignment, free
 * cookie) and damaged free-list links are not knobs: they are part of
 * every build.
 *
 *----------------------------------------------------------------------
 */

#ifndef VT_STATS
#   define VT_STATS 1
#endif
#ifndef VT_DEBUG
#   define VT_DEBUG 0
#endif
#ifndef VT_HARDEN
#   define VT_HARDEN 0
#endif
#ifndef VT_VALGRIND
#   define VT_VALGRIND 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#   define VT_LIKELY(x)		__builtin_expect(!!(x), 1)
#   define VT_UNLIKELY(x)	__builtin_expect(!!(x), 0)
#   define VT_NOINLINE		__attribute__((noinline))
#   define VT_NORETURN		__attribute__((noreturn))
#   define VT_INLINE		static inline __attribute__((always_inline))
#   define VT_ALIGNED(n)	__attribute__((aligned(n)))
#   define VT_THREAD_LOCAL	__thread __attribute__((tls_model("initial-exec")))
#   define VT_CTZ64(x)		((unsigned) __builtin_ctzll(x))
#   define VT_LOG2_64(x)	(63 - (unsigned) __builtin_clzll(x))
#   define VT_POPCOUNT64(x)	((unsigned) __builtin_popcountll(x))
#elif defined(_MSC_VER)
#   include <intrin.h>
#   define VT_LIKELY(x)		(x)
#   define VT_UNLIKELY(x)	(x)
#   define VT_NOINLINE		__declspec(noinline)
#   define VT_NORETURN		__declspec(noreturn)
#   define VT_INLINE		static __forceinline
#   define VT_ALIGNED(n)	__declspec(align(n))
#   define VT_THREAD_LOCAL	__declspec(thread)
VT_INLINE unsigned VT_CTZ64(unsigned __int64 x) {
    unsigned long i; _BitScanForward64(&i, x); return (unsigned) i;
}
VT_INLINE unsigned VT_LOG2_64(unsigned __int64 x) {
    unsigned long i; _BitScanReverse64(&i, x); return (unsigned) i;
}
#   define VT_POPCOUNT64(x)	((unsigned) __popcnt64(x))
#endif

#ifndef MODULE_SCOPE
#   if defined(__GNUC__) && !defined(_WIN32)
#	define MODULE_SCOPE extern __attribute__((visibility("hidden")))
#   else
#	define MODULE_SCOPE extern
#   endif
#endif

/*
 *----------------------------------------------------------------------
 *
 * Geometry. A segment is 4 MiB, aligned on 4 MiB, and cut into 64 slices of
 * 64 KiB. Slice 0 holds the segment header (the slice map and the page
 * headers, see VtSegment); a page is a run of one or more slices carved
 * into blocks of one bucket, or holding one large block. From any block
 * pointer the segment is found by masking and the page through the
 * segment's slice map: one mask, one shift, one load, and no per-block
 * header.
 *
 * Buckets: 16-byte steps up to 128 bytes, then eight per power of two up
 * to 32 KiB (72 buckets). The worst internal waste is 15 bytes up to 128
 * bytes (16-byte alignment) and under 11.2% above (see VtBucketWaste and
 * unit/testCore.c). Requests above VT_SMALL_MAX take a run of whole slices
 * (up to VT_LARGE_MAX) or a mapping of their own ("huge").
 *
 *----------------------------------------------------------------------
 */

#define VT_ALIGN		16
#define VT_SEGMENT_SHIFT	22
#define VT_SEGMENT_SIZE		((size_t) 1 << VT_SEGMENT_SHIFT)
#define VT_SLICE_SHIFT		16
#define VT_SLICE_SIZE		((size_t) 1 << VT_SLICE_SHIFT)
#define VT_SLICES		(1 << (VT_SEGMENT_SHIFT - VT_SLICE_SHIFT))
#define VT_NBUCKETS		72
#define VT_SMALL_MAX		32768
#define VT_LARGE_MAX		(VT_SEGMENT_SIZE / 2)
#define VT_ADDRESS_BITS		48
#define VT_MAX_PAGE_SLICES	8

/*
 * The part of the address space where segments can be, which the segment
 * map covers: user space, 47 bits on x86-64 (mmap returns no higher
 * address unless asked for one), VT_ADDRESS_BITS elsewhere.
 */

#if defined(__x86_64__) || defined(_M_X64)
#   define VT_MAP_BITS		47
#else
#   define VT_MAP_BITS		VT_ADDRESS_BITS
#endif

/*
 * Pages of blocks up to this size keep the bytes asked for of each block
 * (see VtSideSet) in one byte, larger ones in two: enough for any slack.
 * A block that stays where it is keeps less than half of it as slack; one
 * that realloc moves to let it grow gets headroom (see VtRealloc), so its
 * slack can reach about 20% of its size.
 */

#define VT_NARROW_MAX		256

/*
 * Pages of at most this many blocks keep their side array in their header
 * (sideInline), not after their blocks.
 */

#define VT_SIDE_INLINE_MAX	16

/*
 * A thread holds at most this many blocks of other threads' pages per
 * bucket (see VtHeldPut). Each held block keeps its page from going back,
 * so the bound matters when a thread frees, in random order, many blocks
 * of a structure another thread built and then stops allocating: without
 * it, 1 MiB of held 64-byte blocks kept 186 MiB of emptied pages committed
 * (20 MiB without holding, 22 MiB with the bound).
 */

#define VT_HOLD_MAX		32

/*
 * The size of bucket b, as a constant expression (the bucket table below
 * and the page geometry are built from it).
 */

#define VT_BUCKET_SIZE(b) \
    ((b) < 8 ? ((size_t) (b) + 1) * 16 \
     : ((size_t) 9 + ((b) - 8) % 8) << (4 + ((b) - 8) / 8))

/*
 * Run-time knobs: name in `vtalloc config`, environment variable read once
 * at start, default, range, unit. Declared once; parsing, the Tcl command
 * and the checks are generated from this list.
 */

#define VT_OPTIONS(X) \
    X(DECAY, "decay", "VTALLOC_DECAY", 250, 0, 3600000, "ms")		\
    X(RESERVE, "reserve", "VTALLOC_RESERVE", 16777216, 0,		\
	    (int64_t) 1 << 40, "bytes")					\
    X(PURGER, "purger", "VTALLOC_PURGER", 1, 0, 1, "boolean")		\
    X(HOLD, "hold", "VTALLOC_HOLD", 1048576, 0, (int64_t) 1 << 30,	\
	    "bytes")							\
    X(HUGEPAGES, "hugepages", "VTALLOC_HUGEPAGES", 0, 0,		\
	    (int64_t) 1 << 40, "bytes")

/*
 * Nanoseconds per millisecond (VtpNow counts nanoseconds; the options
 * give times in milliseconds).
 */

#define VT_MS			1000000u

#endif /* _VTCONFIG */
