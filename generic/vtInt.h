/*
 * vtInt.h --
 *
 *	The one internal header of the vtalloc core: compile-time knobs, the
 *	types (block, page, segment, cache, shared cache), the platform layer's
 *	API and the small inline helpers that the alloc and free paths share.
 *	Nothing here depends on Tcl, so the core builds and is tested alone.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTINT
#define _VTINT

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>
#include <stdatomic.h>

#ifdef _WIN32
#   include <windows.h>
#else
#   include <pthread.h>
#endif

#include "vtalloc.h"

/*
 * The core is for 64-bit targets only: addresses of 48 bits and more are
 * shifted and packed into 64-bit words (the segment map, free cookies),
 * which a 32-bit word cannot hold (configure refuses such a target too).
 */

#if UINTPTR_MAX < 0xFFFFFFFFFFFFFFFFu || SIZE_MAX < 0xFFFFFFFFFFFFFFFFu
#   error "vtalloc needs a 64-bit target (pointers and size_t of 8 bytes)"
#endif

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

#if VT_VALGRIND
#   include <valgrind/memcheck.h>
#   define VtTrackAlloc(ptr, size)	VALGRIND_MALLOCLIKE_BLOCK((ptr), \
					    (size), 0, 0)
#   define VtTrackFree(ptr)		VALGRIND_FREELIKE_BLOCK((ptr), 0)
#   define VtTrackResize(ptr, old, size) VALGRIND_RESIZEINPLACE_BLOCK( \
					    (ptr), (old), (size), 0)
#   define VtTrackOpen(ptr, size)	VALGRIND_MAKE_MEM_DEFINED((ptr), (size))
#   define VtTrackClose(ptr, size)	VALGRIND_MAKE_MEM_NOACCESS((ptr), \
					    (size))
/*
 * A segment's header holds pointers to blocks (each page's start), which
 * would make every leaked first block of a page look reachable. Hidden,
 * it is unaddressable to memcheck, so its leak scan skips it, and
 * memcheck stays silent about vtalloc's own accesses to it.
 */
#   define VtTrackHide(ptr, size) \
	do {								\
	    VALGRIND_MAKE_MEM_NOACCESS((ptr), (size));			\
	    VALGRIND_DISABLE_ADDR_ERROR_REPORTING_IN_RANGE((ptr), (size)); \
	} while (0)
#   define VtTrackShow(ptr, size) \
	VALGRIND_ENABLE_ADDR_ERROR_REPORTING_IN_RANGE((ptr), (size))
#else
#   define VtTrackAlloc(ptr, size)	((void) 0)
#   define VtTrackFree(ptr)		((void) 0)
#   define VtTrackResize(ptr, old, size) ((void) 0)
#   define VtTrackOpen(ptr, size)	((void) 0)
#   define VtTrackClose(ptr, size)	((void) 0)
#   define VtTrackHide(ptr, size)	((void) 0)
#   define VtTrackShow(ptr, size)	((void) 0)
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
 * Relaxed atomics for fields that one thread writes and others only read
 * (statistics, a page's carved count). On x86-64 and ARM64 they compile to
 * plain loads and stores: no read-modify-write on any fast path.
 */

#define VtLoad(p)	atomic_load_explicit((p), memory_order_relaxed)
#define VtStore(p, v)	atomic_store_explicit((p), (v), memory_order_relaxed)
#define VtBump(p, n)	VtStore((p), VtLoad(p) + (n))

/*
 * A read of a plain word that another thread may be writing, for a
 * snapshot (a counter, see VtCount; a large block's requested bytes):
 * aligned words are read whole. Callers tell ThreadSanitizer
 * (VtRacyReadsBegin, below).
 */

#if defined(__GNUC__) || defined(__clang__)
#   define VtRacyLoad(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#else
#   define VtRacyLoad(p)	(*(p))
#endif

/*
 * ThreadSanitizer: the statistics' reads of what running threads write
 * (blocks' cookies in PageLive, counters in AddCounters, a large block's
 * requested bytes in LargeRequested) and the sweep's of an owner's
 * current page and live count (SweepPage) race with those writes by
 * design: snapshots, checked again where it matters. They are taken out of
 * its view (TSan's dynamic annotations, in its runtime).
 */

#if defined(__SANITIZE_THREAD__)
#   define VT_TSAN 1
#elif defined(__has_feature)
#   if __has_feature(thread_sanitizer)
#	define VT_TSAN 1
#   endif
#endif
#ifdef VT_TSAN
void			AnnotateIgnoreReadsBegin(const char *file, int line);
void			AnnotateIgnoreReadsEnd(const char *file, int line);
#   define VtRacyReadsBegin()	AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#   define VtRacyReadsEnd()	AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#   define VtRacyReadsBegin()	((void) 0)
#   define VtRacyReadsEnd()	((void) 0)
#endif

/*
 *----------------------------------------------------------------------
 *
 * Geometry. A segment is 4 MiB, aligned on 4 MiB, and cut into 64 slices of
 * 64 KiB. Slice 0 holds the segment header (its page table); a page is a
 * run of one or more slices carved into blocks of one bucket, or holding
 * one large block. From any block pointer the segment is found by masking
 * and the page through the segment's slice map: one mask, one shift, one
 * load, and no per-block header.
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
 * bucket (see FreeRemote). Each held block keeps its page from going back,
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

typedef enum VtOption {
#define VT_OPTION_ENUM(id, name, env, def, min, max, unit) VT_OPTION_##id,
    VT_OPTIONS(VT_OPTION_ENUM)
#undef VT_OPTION_ENUM
    VT_OPTION_COUNT
} VtOption;

typedef struct VtOptionInfo {
    const char *name;			/* -name in vtalloc config. */
    const char *env;			/* Environment variable. */
    int64_t def, min, max;		/* Default and range. */
    const char *unit;
} VtOptionInfo;

/*
 * The statistics one cache keeps per bucket (index VT_NBUCKETS counts the
 * large and huge blocks). Declared once; the struct, the sum and the Tcl
 * output are generated from this list.
 */

#define VT_BUCKET_COUNTERS(X) \
    X(allocs, "allocs")		/* blocks handed out */		\
    X(frees, "frees")		/* blocks freed by this thread */	\
    X(remoteFrees, "remotefrees")	/* ... owned by another cache */	\
    X(locks, "locks")		/* shared lock taken for the bucket */	\
    X(waits, "waits")		/* ... after waiting for it */

typedef struct VtCounters {
#define VT_DECLARE_COUNTER(name, key) uint64_t name;
    VT_BUCKET_COUNTERS(VT_DECLARE_COUNTER)
#undef VT_DECLARE_COUNTER
} VtCounters;

/*
 * A cache's counters: one array per counter, indexed by bucket, so that a
 * fast path counts with one instruction (an increment of an indexed
 * word). Only the cache's thread writes them, with plain increments; a
 * relaxed atomic would take three (gcc does not fuse its load and store),
 * and statistics read them as snapshots anyway (VtRacyLoad). The
 * retired counters of the shared cache are written and read under its
 * lock.
 */

typedef struct VtCounterArrays {
#define VT_DECLARE_COUNTERS(name, key) uint64_t name[VT_NBUCKETS + 1];
    VT_BUCKET_COUNTERS(VT_DECLARE_COUNTERS)
#undef VT_DECLARE_COUNTERS
} VtCounterArrays;

#if VT_STATS
#   define VtCount(arraysPtr, bucket, name) \
	((void) (arraysPtr)->name[bucket]++)
#else
#   define VtCount(arraysPtr, bucket, name) \
	((void) (arraysPtr), (void) (bucket))
#endif

/*
 * The platform's lock type (see the platform layer at the end).
 */

#ifdef _WIN32
typedef SRWLOCK VtpLock;
#   define VTP_LOCK_INITIALIZER SRWLOCK_INIT
#else
typedef pthread_mutex_t VtpLock;
#   define VTP_LOCK_INITIALIZER PTHREAD_MUTEX_INITIALIZER
#endif

/*
 *----------------------------------------------------------------------
 *
 * Types.
 *
 *----------------------------------------------------------------------
 */

typedef struct VtCache VtCache;
typedef struct VtSegment VtSegment;

/*
 * A free block. The second word is the free cookie: the block's address
 * mixed with a per-process secret. A live block never carries it (the
 * alloc path clears it), so a free that finds it is a double free.
 */

typedef struct VtBlock {
    uintptr_t link;			/* Next free block, mangled: see
					 * VtLinkSet. */
    uintptr_t cookie;			/* VtCookie(block) while free. */
} VtBlock;

enum VtPageState {
    VT_PAGE_NONE = 0,			/* Not the start of a run. */
    VT_PAGE_SMALL,			/* Blocks of one bucket. */
    VT_PAGE_LARGE,			/* One block of whole slices. */
    VT_PAGE_FREE,			/* A free run in the shared cache. */
    VT_PAGE_RELEASING			/* A free run whose memory is being
					 * given back with no lock held: off
					 * the free lists until it is done
					 * (see VtReleaseFlush). */
};

/*
 * The page header. It lives in the segment's header slice, not in the page,
 * so the page's memory holds blocks only and the header survives when the
 * page's memory is released. It is four units of 128 bytes (the unit of
 * adjacent-line prefetching), so that what every free reads is not in a
 * line that others write often: what every free reads, written when the
 * page changes hands; the owner's free list and page-list links, written
 * by its allocations, owner frees and list moves; the side array of a
 * page of at most 16 blocks, written by whoever hands out a block (the
 * owner, or a thread holding the block); the remote list, pushed to by
 * other threads. (With the free list in the first line, a thread freeing
 * another's blocks missed on that line on every free; with the links and
 * the side array there, which cells writes on about half of its
 * operations, cells took 4-5% more CPU time.)
 *
 * Ownership invariant: `ownerPtr` is changed only by the owning thread
 * (giving the page up) or, while the page is an orphan or free, by a thread
 * holding the shared cache's lock. Therefore a thread that reads
 * ownerPtr == its own cache really owns the page, and may touch freePtr,
 * used and the lists without a lock; every other thread reads the first
 * unit, pushes onto `remote` and writes only the side-array entries of the
 * blocks it hands out (blocks it holds, see FreeRemote).
 *
 * One exception, so that the pages of a thread that has gone idle go back
 * to the OS when other threads free their blocks: the sweep (VtSweep)
 * may release the memory of a page that is not its owner's current page
 * and whose blocks are all on the remote list. Holding the owner's
 * `pageLock`, it swaps the remote list for VT_REMOTE_SWEPT, releases the
 * page's memory and sets `capacity` to 0 (no block carved: a free into the
 * page is refused); the owner, collecting that word, finds the page empty
 * (VtPageCollect). The owner holds `pageLock` whenever it makes a page its
 * current page, so it never allocates from a page being swept.
 */

typedef struct VT_ALIGNED(128) VtPage {
    /*
     * First unit: read by every free, written on slow paths only.
     */

    _Atomic uint32_t capacity;		/* Blocks carved so far; 0 unless a
					 * page of small blocks. */
    uint32_t reserved;			/* Blocks that fit in the page. */
    uint32_t blockSize;			/* Bytes of each block. */
    uint16_t bucket;			/* Bucket of the blocks. */
    uint8_t state;			/* enum VtPageState. */
    uint64_t recip;			/* 2^40 / blockSize, rounded up. */
    uint8_t *start;			/* First block. */
    _Atomic(VtCache *) ownerPtr;	/* Owning cache; NULL: orphan, free
					 * or large. */
    uintptr_t sideBase;			/* Side array less the entries of
					 * start >> sideShift: see
					 * VtSideSet. */
    uint8_t sideShift;			/* See VtSideSet. */
    uint8_t sideWide;			/* Entries are uint16_t. */
    uint8_t slices;			/* Length of the run in slices. */
    uint8_t index;			/* First slice of the run. */
    uint8_t orphan;			/* In the shared orphan list. */
    uint8_t fenceMask;			/* Slices of the page (bit 0: its
					 * first) where a freed large block
					 * started: see VtPageExtend. */
    uint8_t fenced;			/* Blocks fenced off there. */
    union {
	size_t requested;		/* Large block: bytes asked for. */
	uint64_t freeSince;		/* Free run: VtpNow() when freed. */
    } u;

    /*
     * Second unit: the owner's (or, for a free run or an orphan, the
     * holder of the shared lock's).
     */

    VT_ALIGNED(128) VtBlock *freePtr;	/* Local free list (owner only). */
    int32_t used;			/* Blocks out of freePtr (live, or
					 * freed remotely and not collected)
					 * and two flags: see VtUsed. */
    struct VtPage *nextPtr;		/* Bucket list, orphan list or free */
    struct VtPage *prevPtr;		/* run list. */

    /*
     * Third unit: written by whoever hands out a block.
     */

    VT_ALIGNED(128) uint8_t sideInline[128];
					/* Side array of pages with at most
					 * 16 blocks (large buckets). */

    /*
     * Fourth unit: other threads'.
     */

    VT_ALIGNED(128) _Atomic uintptr_t remote;
					/* Blocks freed by other threads:
					 * VtRemoteHead, VtRemoteCount; or
					 * VT_REMOTE_SWEPT. */
    uintptr_t sweepWord;		/* `remote` at the last sweep */
    uint64_t sweepSince;		/* ... and VtpNow() since when (the
					 * shared lock guards both). */
} VtPage;

enum VtSegmentKind {
    VT_SEGMENT_NORMAL = 1,		/* 64 slices of pages. */
    VT_SEGMENT_HUGE			/* One block of its own mapping. */
};

struct VtSegment {
    VtSegment *nextPtr;			/* All segments, shared cache. */
    VtSegment *prevPtr;
    size_t size;			/* Bytes reserved from the OS. */
    uint64_t committedMask;		/* Slices holding committed memory. */
    uint64_t staleMask;			/* Slices where a large block started
					 * that was freed since (slice 1: a
					 * huge block's, before the segment
					 * was mapped): see VtPageExtend. */
    uint32_t kind;			/* enum VtSegmentKind. */
    uint32_t usedSlices;		/* Slices in pages (not free). */
    uint32_t hugePages;			/* The OS was asked to back it with
					 * huge pages (see VtSegmentNew). */
    uint16_t touched[VT_SLICES];	/* Per slice, its 4 KiB pages that
					 * pages there have carved or used
					 * since it was last decommitted
					 * (bit n: page n): they may be
					 * resident. */
    VtPage *map[VT_SLICES];		/* Slice -> its run's page header. */
    VtPage pages[VT_SLICES];		/* Header of the run starting at
					 * each slice. */
};

/*
 * A bucket's pages in one cache: the current page, where the fast path
 * pops blocks, is in neither list.
 */

typedef struct VtPageList {
    VtPage *firstPtr;
    VtPage *lastPtr;
    size_t count;
} VtPageList;

/*
 * The per-thread cache. The fast path reads only `pages`, whose entries are
 * never NULL (an empty page stands in), so allocation is one predictable
 * branch on the page's free list.
 */

struct VtCache {
    VtPage *pages[VT_NBUCKETS];		/* Current page of each bucket. */
    VtPageList partial[VT_NBUCKETS];	/* Pages with free blocks. */
    VtPageList full[VT_NBUCKETS];	/* Pages with none (at last look). */
    VtBlock *held[VT_NBUCKETS];		/* Blocks of other caches' pages that
					 * this thread freed and keeps for
					 * when its current page runs out
					 * (FreeRemote). */
    _Atomic uint64_t heldBytes;		/* Their bytes (the hold option caps
					 * them; read by VtGetStats). */
    uint16_t heldCount[VT_NBUCKETS];	/* Held blocks per bucket (at most
					 * VT_HOLD_MAX). */
    _Atomic int heldBusy;		/* The thread uses its held blocks. */
    _Atomic int heldSteal;		/* The sweep asks it to keep out: it
					 * gives them back for the thread
					 * (see VtHeldEnter). */
    uint64_t heldSeen;			/* heldBytes at the last sweep, and */
    uint64_t heldSince;			/* ... VtpNow() since when (shared
					 * lock). */
    _Atomic uint8_t remoteHint[VT_NBUCKETS];
					/* Set by a remote free: a full page
					 * of the bucket may have remote
					 * blocks to collect. */
    _Atomic int pageLock;		/* Held by the owner while it makes a
					 * page current, by the sweep while it
					 * releases one of its pages. */
    int ghost;				/* In a forked child, the cache of a
					 * thread of the parent's: it never
					 * runs again, and a lock or held
					 * section it was in at the fork stays
					 * taken (see ForkChild). */
    uint64_t trimEpoch;			/* vtShared.trimEpoch last seen. */
    uint32_t refills;			/* Refills so far (GiveSparse). */
    uint64_t parkedBytes;		/* Parked (its thread gone): carved
					 * bytes of the empty current pages it
					 * kept for the next thread; 0 for a
					 * cache in use. */
    int statsSlot;			/* Index in a VtGetStats snapshot
					 * (shared lock). */
    uintptr_t threadId;			/* Platform id of that thread. */
    VtCache *nextPtr;			/* All caches, or free caches. */
    VtCounterArrays counts;
};

/*
 * A cache's page lock (see the ownership invariant above VtPage): the sweep
 * only tries it, so the owner may hold it while it takes the shared lock.
 */

VT_INLINE int
VtPageLockTry(
    VtCache *cachePtr)
{
    return !atomic_exchange_explicit(&cachePtr->pageLock, 1,
	    memory_order_acquire);
}

VT_INLINE void
VtPageLockRelease(
    VtCache *cachePtr)
{
    atomic_store_explicit(&cachePtr->pageLock, 0, memory_order_release);
}

/*
 * Per-bucket geometry, computed once at start (slow paths only).
 */

typedef struct VtBucketInfo {
    uint32_t blockSize;
    uint32_t reserved;			/* Blocks per page. */
    uint64_t recip;			/* 2^40 / blockSize, rounded up. */
    uint8_t slices;			/* Slices per page. */
    uint8_t sideShift;			/* See VtSideSet. */
    uint8_t sideWide;			/* Side array of uint16_t. */
} VtBucketInfo;

/*
 * A system call that a pass over the segments (see VtWalkBegin) decided
 * on under the shared lock and makes after it has left the lock: the
 * memory of a free run (its committed slices in `mask`; `failed`: those the
 * OS refused), of a swept page, or a whole segment to unmap.
 */

enum VtReleaseKind {
    VT_RELEASE_RUN,			/* pagePtr: a VT_PAGE_RELEASING run. */
    VT_RELEASE_PAGE,			/* pagePtr: a VT_REMOTE_SWEEPING
					 * page. */
    VT_RELEASE_SEGMENT			/* segPtr: off every list. */
};

typedef struct VtReleaseOp {
    uint8_t kind;			/* enum VtReleaseKind. */
    uint8_t hugePagesOff;		/* Take the segment's request for huge
					 * pages back first. */
    VtPage *pagePtr;
    VtSegment *segPtr;
    uint64_t mask;
    uint64_t failed;
    uint64_t bytes;			/* A run: its touched bytes. */
} VtReleaseOp;

#define VT_RELEASE_OPS 128		/* System calls per round without the
					 * lock. */

/*
 * The shared cache: everything that is not owned by one thread. All its
 * fields are guarded by `lock`.
 */

typedef struct VtShared {
    VtpLock lock;
    VtSegment *segmentsPtr;		/* All segments. */
    VtPage *freeRuns[VT_SLICES];	/* Free runs by length in slices. */
    uint64_t freeRunMask;		/* Bit n: freeRuns[n] not empty. */
    VtPageList orphans[VT_NBUCKETS];	/* Pages of exited threads. */
    VtCache *cachesPtr;			/* Caches in use. */
    VtCache *freeCachesPtr;		/* Caches to reuse, parked. */
    uint64_t parkedBytes;		/* Carved bytes of the pages they
					 * keep (part of the reserve). */
    size_t threads;			/* Caches in use. */
    size_t segments;			/* Normal segments. */
    size_t hugeBytes;			/* Bytes in huge segments. */
    uint64_t dirtyBytes;		/* Touched bytes of free committed
					 * slices (what the reserve keeps). */
    uint64_t releasedBytes;		/* Given back to the OS so far. */
    uint64_t lastPurge;			/* VtpNow() of the last purge. */
    uint64_t takes;			/* Runs and parked caches taken so
					 * far; */
    uint64_t takesSeen;			/* ... when VtReserveKeep last looked;
					 */
    uint64_t lastTake;			/* ... and VtpNow() when it saw them
					 * change: the reserve is kept while
					 * the shared cache is drawn on. */
    uint64_t purges;			/* Purge passes run. */
    uint64_t swept;			/* Pages released by VtSweep. */
    uint64_t given;			/* Sparse pages threads gave to the
					 * orphans (GiveSparse). */
    uint64_t heldGivenBack;		/* Held blocks it gave back for idle
					 * threads. */
    int purgerRunning;			/* The background purger is alive. */
    int purgerIdle;			/* ... and waits on purgerWake with
					 * no time limit: VtSharedUnlock
					 * wakes it when there is work. */
    _Atomic uint32_t purgerWake;	/* Raised to wake it (VtpWake). */
    uint64_t purgerFailed;		/* VtpNow() when it last could not
					 * be started; 0: never. */
    uint64_t exits;			/* Caches dissolved (threads gone). */
    _Atomic uint64_t trimEpoch;		/* Raised by every trim. */
    _Atomic int remoteFreed;		/* A block was freed into a page of
					 * another thread or an orphan since
					 * the last sweep. */
    int sweepPending;			/* The last sweep saw pages that may
					 * be released at the next. */
    uint64_t lastSweep;			/* VtpNow() of the last page sweep. */
    int walking;			/* A pass over the segments that
					 * leaves the lock meanwhile is under
					 * way (see VtWalkBegin). */
    unsigned releaseCount;		/* Its system calls to make: */
    VtReleaseOp release[VT_RELEASE_OPS];
    VtCounterArrays retired;		/* Counters of exited threads. */
} VtShared;

/*
 * Totals as `vtalloc stats` reports them (see VtGetStats).
 */

/*
 * A bucket's figures besides its counters, with their names.
 */

#define VT_BUCKET_FIGURES(X) \
    X(inuse, "inuse")		/* live blocks */			\
    X(free, "free")		/* carved blocks not live */		\
    X(requested, "requested")	/* bytes asked for by live blocks */

typedef struct VtBucketStats {
    size_t size;			/* Block size. */
    uint64_t inuse;			/* Live blocks. */
    uint64_t free;			/* Carved blocks not live. */
    uint64_t requested;			/* Bytes asked for by live blocks. */
    VtCounters counters;		/* Summed over all caches. */
} VtBucketStats;

/*
 * The process-wide figures, with their names in `vtalloc stats`.
 */

#define VT_TOTALS(X) \
    X(threads, "", "threads")		/* caches in use */		\
    X(requested, "", "requested")	/* bytes asked for, live blocks */\
    X(inuse, "", "inuse")		/* bytes of live blocks */	\
    X(held, "", "held")			/* free blocks threads hold */	\
    X(committed, "", "committed")	/* bytes held from the OS */	\
    X(reserved, "", "reserved")		/* address space reserved */	\
    X(released, "", "released")		/* bytes given back so far */	\
    X(rss, "", "rss")			/* process resident bytes */	\
    X(allocs, "", "allocs")		/* allocations so far */	\
    X(frees, "", "frees")		/* frees so far */		\
    X(remoteFrees, "", "remotefrees")	/* ... by another thread */	\
    X(pagesInuse, "pages", "inuse")	/* pages holding blocks */	\
    X(pagesFree, "pages", "free")	/* free slices, committed */	\
    X(pagesOrphaned, "pages", "orphaned") /* owned by no thread */	\
    X(pagesParked, "pages", "parked")	/* kept for the next thread */	\
    X(pagesReleased, "pages", "released") /* free slices, released */	\
    X(segments, "shared", "segments")	/* 4 MiB segments */		\
    X(dirty, "shared", "dirty")		/* touched bytes of free runs */\
    X(huge, "shared", "huge")		/* bytes of huge blocks */	\
    X(purges, "shared", "purges")	/* release passes so far */	\
    X(swept, "shared", "swept")		/* pages swept so far */	\
    X(given, "shared", "given")		/* sparse pages given so far */	\
    X(heldGivenBack, "shared", "heldreturned") /* held blocks given	\
					 * back for idle threads */

/*
 * One thread's cache (or, with threadId 0, the shared cache: orphans and
 * exited threads' counters) as `vtalloc stats -threads` and `vtalloc
 * memoryinfo` report it.
 */

typedef struct VtCacheStats {
    uintptr_t threadId;			/* Platform thread id; 0: shared. */
    uint64_t pages;			/* Pages owned (shared: orphans). */
    uint64_t held;			/* Bytes of blocks it holds. */
    VtBucketStats buckets[VT_NBUCKETS + 1];
} VtCacheStats;

typedef struct VtStats {
#define VT_DECLARE_TOTAL(name, group, key) uint64_t name;
    VT_TOTALS(VT_DECLARE_TOTAL)
#undef VT_DECLARE_TOTAL
    VtBucketStats buckets[VT_NBUCKETS + 1];
    uint64_t counted;			/* 1: the build keeps the counters
					 * and the bytes asked for
					 * (VT_STATS); 0: those figures are
					 * 0, the others hold. */
} VtStats;

/*
 *----------------------------------------------------------------------
 *
 * Globals.
 *
 *----------------------------------------------------------------------
 */

MODULE_SCOPE VtShared vtShared;
MODULE_SCOPE VtCache vtEmptyCache;
MODULE_SCOPE VtCache vtExitedCache;
MODULE_SCOPE VtPage vtEmptyPage;
MODULE_SCOPE VT_THREAD_LOCAL VtCache *vtCachePtr;
MODULE_SCOPE const uint8_t vtBucketOf[VT_SMALL_MAX / VT_ALIGN + 1];
MODULE_SCOPE VtBucketInfo vtBuckets[VT_NBUCKETS];
MODULE_SCOPE uintptr_t vtCookieKey;
MODULE_SCOPE _Atomic uint8_t *_Atomic vtSegmentMap;
MODULE_SCOPE const VtOptionInfo vtOptionInfo[VT_OPTION_COUNT];
MODULE_SCOPE _Atomic int64_t vtOptions[VT_OPTION_COUNT];

/*
 * A page's `used` word is kept so that the owner's free finds out with one
 * decrement and one branch on the sign whether it must look further: it
 * is the number of blocks out of the free list minus one, plus
 * VT_USED_CURRENT while the page is its bucket's current page (which
 * stays when it empties), plus VT_USED_FULL (negative) while the page is
 * in its cache's full list. A free takes it below zero exactly when it
 * empties a page that is not current or frees into a full page. Only the
 * owner (or the holder of the shared lock, for a page without one) writes
 * the word; VtUsedCount gives the count.
 */

#define VT_USED_EMPTY		(-1)
#define VT_USED_CURRENT		((int32_t) 1 << 29)
#define VT_USED_FULL		(-((int32_t) 1 << 30))
#define VT_USED_COUNT		(((int32_t) 1 << 29) - 1)

VT_INLINE uint32_t
VtUsedCount(
    int32_t used)
{
    return (uint32_t) ((used + 1) & VT_USED_COUNT);
}

VT_INLINE uint32_t
VtUsed(
    const VtPage *pagePtr)
{
    return VtUsedCount(pagePtr->used);
}

VT_INLINE int
VtPageIsFull(
    const VtPage *pagePtr)
{
    return pagePtr->used < VT_USED_EMPTY;
}

/*
 * The owner changes its current page with VtCurrentPageSet, which moves
 * the VT_USED_CURRENT flag. When it leaves a page without the page lock,
 * its store and the sweep's read of it (SweepPage) are release and
 * acquire, so that a sweep that sees the page is no longer current sees
 * its final live count. Plain moves on x86-64.
 */

VT_INLINE void
VtCurrentPageSet(
    VtCache *cachePtr,
    unsigned bucket,
    VtPage *pagePtr)
{
    VtPage *oldPtr = cachePtr->pages[bucket];

    if (oldPtr != pagePtr) {
	if (oldPtr != &vtEmptyPage) {
	    oldPtr->used -= VT_USED_CURRENT;
	}
	if (pagePtr != &vtEmptyPage) {
	    pagePtr->used += VT_USED_CURRENT;
	}
    }
#if defined(__GNUC__) || defined(__clang__)
    __atomic_store_n(&cachePtr->pages[bucket], pagePtr, __ATOMIC_RELEASE);
#else
    atomic_thread_fence(memory_order_release);
    cachePtr->pages[bucket] = pagePtr;
#endif
}

VT_INLINE void
VtCurrentPageClear(
    VtCache *cachePtr,
    unsigned bucket)
{
    VtCurrentPageSet(cachePtr, bucket, &vtEmptyPage);
}

VT_INLINE VtPage *
VtCurrentPageOf(
    VtCache *cachePtr,
    unsigned bucket)
{
#if defined(__GNUC__) || defined(__clang__)
    return __atomic_load_n(&cachePtr->pages[bucket], __ATOMIC_ACQUIRE);
#else
    VtPage *pagePtr = cachePtr->pages[bucket];

    atomic_thread_fence(memory_order_acquire);
    return pagePtr;
#endif
}

/*
 *----------------------------------------------------------------------
 *
 * Inline helpers shared by alloc, free and realloc.
 *
 *----------------------------------------------------------------------
 */

typedef void (VtPanicProc)(const char *message);
MODULE_SCOPE void	VtSetPanicProc(VtPanicProc *procPtr);
MODULE_SCOPE VT_NORETURN void VtPanic(const char *format, ...);

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
 * the list and its length with one exchange and need not walk it (the
 * walk cost a cache miss per block). A page holds at most 4096 blocks.
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
 * A fast deterministic random generator (xorshift64*), for the stress
 * workloads and the tests.
 */

VT_INLINE uint64_t
VtRandomNext(
    uint64_t *seedPtr)
{
    uint64_t x = *seedPtr;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *seedPtr = x;
    return x * 0x2545F4914F6CDD1Dull;
}

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
 *   VtHeldLinkGet a thread's held blocks (see VtFreeRemote), of pages in
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

MODULE_SCOPE uintptr_t vtLinkKey;
MODULE_SCOPE uintptr_t vtLinkInverse;
MODULE_SCOPE void	VtLinkKeyInit(uintptr_t random);
MODULE_SCOPE VT_NORETURN void VtBadLink(const VtBlock *blockPtr,
			    const char *why);
MODULE_SCOPE VT_NORETURN void VtBadLinkFollowed(const char *why,
			    const VtBlock *blockPtr);
#if VT_HARDEN
MODULE_SCOPE void	VtLinkCheck(const VtBlock *blockPtr,
			    const VtBlock *nextPtr, int samePage);
#endif
#if VT_DEBUG
#   define VT_FREE_FILL	0xDF
MODULE_SCOPE void	VtFillCheck(const VtPage *pagePtr,
			    const VtBlock *blockPtr);
#endif

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

/*
 *----------------------------------------------------------------------
 *
 * Core functions, one file each concept.
 *
 *----------------------------------------------------------------------
 */

/* vtSize.c */
MODULE_SCOPE unsigned	VtBucketOfSize(size_t size);
MODULE_SCOPE double	VtBucketWaste(unsigned bucket);
MODULE_SCOPE void	VtBucketsInit(void);

/* vtSegment.c */
MODULE_SCOPE VtPage *	VtRunAlloc(unsigned slices);
MODULE_SCOPE VtPage *	VtRunTake(unsigned slices, unsigned align,
			    uint64_t *dirtyPtr);
MODULE_SCOPE void	VtRunFree(VtPage *pagePtr);
MODULE_SCOPE int	VtRunReleaseBegin(VtPage *runPtr, VtReleaseOp *opPtr);
MODULE_SCOPE void	VtRunReleaseEnd(VtReleaseOp *opPtr);
MODULE_SCOPE void	VtRunResetBegin(VtPage *pagePtr, uint32_t carved,
			    VtReleaseOp *opPtr);
MODULE_SCOPE void	VtSegmentReleaseBegin(VtSegment *segPtr,
			    VtReleaseOp *opPtr);
MODULE_SCOPE void	VtReleaseOpRun(VtReleaseOp *opPtr);
MODULE_SCOPE VtSegment *VtHugeMap(size_t size, size_t offset);
MODULE_SCOPE VtPage *	VtHugeLink(VtSegment *segPtr);
MODULE_SCOPE void	VtHugeFree(VtSegment *segPtr);
MODULE_SCOPE void	VtSegmentUnmap(VtSegment *segPtr);
MODULE_SCOPE void	VtHugeDetach(VtSegment *segPtr);
MODULE_SCOPE VtPage *	VtHugeAttach(VtSegment *segPtr, size_t offset,
			    size_t size);
MODULE_SCOPE size_t	VtUsableSize(const VtPage *pagePtr);
MODULE_SCOPE size_t	VtRequestedSize(const VtPage *pagePtr,
			    const void *ptr);
MODULE_SCOPE size_t	VtSegmentCommitted(const VtSegment *segPtr);
MODULE_SCOPE int	VtSegmentIsValid(const VtSegment *segPtr);
MODULE_SCOPE void	VtSegmentMapInit(void);

/* vtPage.c */
MODULE_SCOPE void	VtPageInit(VtPage *pagePtr, unsigned bucket,
			    VtCache *ownerPtr);
MODULE_SCOPE int	VtPageExtend(VtPage *pagePtr);
MODULE_SCOPE void	VtPageCollect(VtPage *pagePtr);
MODULE_SCOPE void	VtListPush(VtPageList *listPtr, VtPage *pagePtr);
MODULE_SCOPE void	VtListAppend(VtPageList *listPtr, VtPage *pagePtr);
MODULE_SCOPE void	VtListRemove(VtPageList *listPtr, VtPage *pagePtr);
MODULE_SCOPE int	VtPageIsValid(const VtPage *pagePtr);

/* vtCache.c */
MODULE_SCOPE void	VtInit(void);
MODULE_SCOPE void	VtSharedLock(VtCache *cachePtr, unsigned bucket);
MODULE_SCOPE void	VtSharedUnlock(void);
MODULE_SCOPE void	VtSharedLeave(int *releasePtr);
MODULE_SCOPE VtCache *	VtCacheGet(int toAlloc);
MODULE_SCOPE void	(*vtCacheCreatedProc)(void);
MODULE_SCOPE void	VtCacheDissolve(VtCache *cachePtr);
MODULE_SCOPE VtPage *	VtCacheRefill(VtCache *cachePtr, unsigned bucket);
MODULE_SCOPE void	VtCachePageEmptied(VtCache *cachePtr,
			    VtPage *pagePtr);

/* vtAlloc.c (VtMalloc, the fast path, is inline: see below) */
MODULE_SCOPE void *	VtMallocSlow(size_t size, VtCache *cachePtr);
MODULE_SCOPE void *	VtMallocAligned(size_t size, size_t align);
MODULE_SCOPE void *	VtMallocZeroed(size_t size);
MODULE_SCOPE void *	VtRealloc(void *ptr, size_t size);

/* vtFree.c (VtFree, the fast path, is inline: see below) */
MODULE_SCOPE VT_NOINLINE void VtFreeOther(void *ptr);
MODULE_SCOPE VT_NOINLINE void VtFreeRemote(VtCache *cachePtr,
			    VtPage *pagePtr, VtBlock *blockPtr);
MODULE_SCOPE void	VtReleaseHeld(VtCache *cachePtr);
MODULE_SCOPE size_t	VtHeldGiveBack(VtCache *cachePtr);
MODULE_SCOPE VtPage *	VtLookup(const void *ptr, const char *what);

/* vtRelease.c */
MODULE_SCOPE int	VtReleaseDue(void);
MODULE_SCOPE void	VtReleaseRun(void);
MODULE_SCOPE uint64_t	VtReserveKeep(uint64_t now);
MODULE_SCOPE void	VtUnpark(void);
MODULE_SCOPE void	VtPurge(int force, uint64_t keep);
MODULE_SCOPE void	VtSweep(int force);
MODULE_SCOPE void	VtWalkBegin(void);
MODULE_SCOPE void	VtWalkEnd(void);
MODULE_SCOPE void	VtReleaseFlush(void);
MODULE_SCOPE void	VtReleaseFork(void);
MODULE_SCOPE void	VtCacheTrim(VtCache *cachePtr);
MODULE_SCOPE uint64_t	VtTrim(void);
MODULE_SCOPE void	VtPurgerSafePoint(void);

/* vtStress.c */
typedef enum VtStressPattern {
    VT_STRESS_CELLS, VT_STRESS_TCLMIX, VT_STRESS_XTHREAD, VT_STRESS_CHURN
} VtStressPattern;

typedef struct VtStressResult {
    uint64_t ops;			/* Allocations (each one freed). */
    uint64_t errors;			/* Blocks found with wrong contents
					 * or allocations that failed. */
    uint64_t peakRss;			/* Highest RSS seen while running. */
    double seconds;			/* Wall-clock time. */
} VtStressResult;

typedef struct VtStressConfig {
    VtStressPattern pattern;
    int threads;			/* Threads at once. */
    uint64_t ops;			/* Allocations in all. */
    size_t minSize, maxSize;		/* 0, 0: the pattern's own sizes. */
    void *(*allocProc)(size_t);		/* NULL: vtalloc. */
    void (*freeProc)(void *);
    void *(*reallocProc)(void *, size_t);
    void (*progressProc)(void *data, const VtStressResult *resultPtr);
    void *progressData;			/* Called about once a second. */
} VtStressConfig;

MODULE_SCOPE const char *const vtStressPatterns[];
MODULE_SCOPE int	VtStress(const VtStressConfig *configPtr,
			    VtStressResult *resultPtr);

/* vtOptions.c */
MODULE_SCOPE void	VtOptionsInit(void);
MODULE_SCOPE int	VtOptionSet(VtOption option, int64_t value);
MODULE_SCOPE int64_t	VtOptionGet(VtOption option);
#define VtOption(id)	VtLoad(&vtOptions[VT_OPTION_##id])

/* vtStats.c */
MODULE_SCOPE void	VtGetStats(VtStats *statsPtr,
			    VtCacheStats *cachesPtr, size_t *countPtr);

/* vtApi.c */

/*
 * One allocator per process: every build (package, Tcl core, LD_PRELOAD
 * library) has an instance table; the core and preload builds export it
 * through Vtalloc_ProcessInstance, and the package uses the one it finds
 * there instead of its own. The layout word guards against a table of
 * another version.
 */

#define VT_INSTANCE_MAGIC 0x56544932	/* "VTI2" */
#define VT_INSTANCE_LAYOUT \
    ((uint32_t) (sizeof(VtStats) + sizeof(VtCacheStats) * 3		\
	+ sizeof(VtStressConfig) * 5 + VT_OPTION_COUNT * 7))

typedef struct VtInstance {
    uint32_t magic;			/* VT_INSTANCE_MAGIC. */
    uint32_t layout;			/* VT_INSTANCE_LAYOUT. */
    const char *version;		/* VTALLOC_VERSION. */
    const char *(*mode)(void);		/* "package", "core", "preload". */
    const VtallocStubs *apiPtr;		/* The C API. */
    void (*getStats)(VtStats *statsPtr, VtCacheStats *cachesPtr,
	    size_t *countPtr);
    int (*stress)(const VtStressConfig *configPtr,
	    VtStressResult *resultPtr);
    int (*optionSet)(VtOption option, int64_t value);
    int64_t (*optionGet)(VtOption option);
    void (*safePoint)(void);		/* VtPurgerSafePoint. */
} VtInstance;

MODULE_SCOPE const VtallocStubs vtallocStubs;
MODULE_SCOPE const VtInstance vtInstance;
MODULE_SCOPE const char *vtMode;
MODULE_SCOPE const VtInstance *VtProcessInstance(void);

/*
 *----------------------------------------------------------------------
 *
 * The platform layer (unix/vtUnix.c, win/vtWin.c). Nothing above it calls
 * the OS.
 *
 *   VtpReserve	  reserve `size` bytes aligned on `align`; readable and
 *		  writable where the OS commits on touch. NULL on failure.
 *   VtpReserveZero
 *		  reserve `size` bytes readable and writable at once, read
 *		  as zeros, memory taken only where touched (not charged up
 *		  front where the OS can avoid it). NULL on failure.
 *   VtpCommit	  make a reserved range usable (no-op on Unix). 0 on failure.
 *   VtpDecommit  give a range's memory back, keeping the address range; 0
 *		  if the OS refused (the range keeps its contents).
 *   VtpReset	  give a committed range's memory back, keeping it usable
 *		  (its contents are lost).
 *   VtpHugePages ask the OS to back a range with huge pages from now on
 *		  (on), or no longer to (off); may do nothing.
 *   VtpBarrierAll
 *		  make every thread of the process pass a full memory
 *		  barrier before it returns. 0 if the OS cannot.
 *   VtpRelease	  give a reserved range back entirely.
 *   VtpRemap	  resize a range of `size` bytes from VtpReserve (align as
 *		  there) to `newSize`, its contents kept, in place or moved
 *		  without copying (the old range is then gone). The address,
 *		  or NULL if the OS cannot (the range is left as it was).
 *   VtpLockAcquire / VtpLockTry / VtpLockRelease
 *		  the shared cache's lock (VtpLock, statically initialised);
 *		  VtpLockTry returns 1 if it got the lock without waiting.
 *   VtpThreadExitInit / VtpThreadExitArm
 *		  call `proc(data)` when a thread that armed it exits.
 *   VtpAtFork	  call prepare, parent and child around fork().
 *   VtpThreadId  an id of the calling thread, for statistics.
 *   VtpRss	  resident bytes of the process (0 if unknown).
 *   VtpNow	  monotonic nanoseconds.
 *   VtpRandom	  a value that differs between runs.
 *   VtpThreadCreate / VtpThreadJoin
 *		  run `proc(data)` in a new thread, joinable (its id in
 *		  *threadPtr) or detached (threadPtr NULL); 0 on failure;
 *		  wait for a joinable one.
 *   VtpSleep	  sleep for some milliseconds.
 *   VtpCreatePthread
 *		  (Unix) the C library's pthread_create, for the front
 *		  ends that define their own.
 *   VtpWait / VtpWake
 *		  sleep while a word holds a value (at most some
 *		  milliseconds, 0: no limit); wake a sleeper on the word.
 *		  Neither takes a lock or allocates.
 *   VtpGetEnv	  an environment variable, or NULL.
 *   VtpFindSymbol
 *		  the address of an exported symbol anywhere in the process,
 *		  or NULL.
 *   VtpWrite	  write a message to standard error.
 *   VtpAbort	  end the process abnormally.
 *
 *----------------------------------------------------------------------
 */

MODULE_SCOPE void *	VtpReserve(size_t size, size_t align);
MODULE_SCOPE void *	VtpReserveZero(size_t size);
MODULE_SCOPE int	VtpCommit(void *ptr, size_t size);
MODULE_SCOPE int	VtpDecommit(void *ptr, size_t size);
MODULE_SCOPE void	VtpReset(void *ptr, size_t size);
MODULE_SCOPE void	VtpHugePages(void *ptr, size_t size, int on);
MODULE_SCOPE int	VtpBarrierAll(void);
MODULE_SCOPE void	VtpRelease(void *ptr, size_t size);
MODULE_SCOPE void *	VtpRemap(void *ptr, size_t size, size_t newSize,
			    size_t align);
MODULE_SCOPE void	VtpLockAcquire(VtpLock *lockPtr);
MODULE_SCOPE int	VtpLockTry(VtpLock *lockPtr);
MODULE_SCOPE void	VtpLockRelease(VtpLock *lockPtr);
MODULE_SCOPE void	VtpThreadExitInit(void (*proc)(void *));
MODULE_SCOPE void	VtpThreadExitArm(void *data);
MODULE_SCOPE void	VtpAtFork(void (*prepare)(void), void (*parent)(void),
			    void (*child)(void));
MODULE_SCOPE uintptr_t	VtpThreadId(void);
MODULE_SCOPE uint64_t	VtpRss(void);
MODULE_SCOPE int	VtpThreadsLeft(void);
MODULE_SCOPE uint64_t	VtpNow(void);
MODULE_SCOPE uintptr_t	VtpRandom(void);
MODULE_SCOPE int	VtpThreadCreate(void (*proc)(void *), void *data,
			    uintptr_t *threadPtr);
MODULE_SCOPE void	VtpThreadJoin(uintptr_t thread);
MODULE_SCOPE void	VtpSleep(unsigned milliseconds);
#ifndef _WIN32
MODULE_SCOPE int	VtpCreatePthread(pthread_t *threadPtr,
			    const pthread_attr_t *attrPtr,
			    void *(*proc)(void *), void *arg);
#endif
MODULE_SCOPE void	VtpWait(_Atomic uint32_t *wordPtr, uint32_t value,
			    unsigned milliseconds);
MODULE_SCOPE void	VtpWake(_Atomic uint32_t *wordPtr);
MODULE_SCOPE const char *VtpGetEnv(const char *name);
MODULE_SCOPE void *	VtpFindSymbol(const char *name);
MODULE_SCOPE void	VtpWrite(const char *message);
MODULE_SCOPE VT_NORETURN void VtpAbort(void);

/*
 * The thread's side of the handshake with the sweep over its held blocks
 * (see SweepHeld): it marks itself busy with them, then looks whether the
 * sweep asks it to keep out; the sweep asks, makes every thread's memory
 * order a full barrier (VtpBarrierAll), then looks whether the thread is
 * busy. One of them sees the other, and the thread's side needs no
 * atomic read-modify-write and no fence (a fence here, on paths that
 * follow cache misses, cost cells 6.5% of its CPU time).
 */

VT_INLINE void
VtHeldEnter(
    VtCache *cachePtr)
{
    for (;;) {
	atomic_store_explicit(&cachePtr->heldBusy, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(&cachePtr->heldSteal,
		memory_order_acquire)) {
	    return;
	}
	atomic_store_explicit(&cachePtr->heldBusy, 0, memory_order_release);
	while (atomic_load_explicit(&cachePtr->heldSteal,
		memory_order_acquire)) {
	    VtpSleep(0);
	}
    }
}

VT_INLINE void
VtHeldLeave(
    VtCache *cachePtr)
{
    atomic_store_explicit(&cachePtr->heldBusy, 0, memory_order_release);
}

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
    VtCache *cachePtr = vtCachePtr;

    if (VT_LIKELY(size <= VT_SMALL_MAX)) {
	unsigned bucket = vtBucketOf[(size + VT_ALIGN - 1) / VT_ALIGN];
	VtPage *pagePtr = cachePtr->pages[bucket];

	if (VT_LIKELY(pagePtr->freePtr != NULL)) {
	    return VtPagePop(cachePtr, pagePtr, bucket, size);
	}
    }
    return slowProc(size, cachePtr);	/* This order: size stays in the
					 * register it came in. */
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
    cachePtr = vtCachePtr;
    VtTrackFree(ptr);
#if VT_DEBUG
    VtTrackOpen(ptr, pagePtr->blockSize);
    memset((uint8_t *) ptr + sizeof(VtBlock), VT_FREE_FILL,
	    pagePtr->blockSize - sizeof(VtBlock));
    VtTrackClose(ptr, pagePtr->blockSize);
#endif
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
	    VtCachePageEmptied(cachePtr, pagePtr);
	}
	return;
    }
    VtFreeRemote(cachePtr, pagePtr, blockPtr);
}

#endif /* _VTINT */
