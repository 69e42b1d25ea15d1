/*
 * vtTypes.h --
 *
 *	The core's types: options, counters, the free block, the page
 *	header, the segment, the thread cache, the shared cache, the
 *	release operations and the statistics, with the globals that hold
 *	them. Declarations only: the code that works on them is in
 *	vtAtomic.h, vtBlock.h and the core's files.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTTYPES
#define _VTTYPES

#include "vtConfig.h"

/*
 * The run-time options (VT_OPTIONS, vtConfig.h) by index, and what
 * vtOptions.c knows of each.
 */

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
 * blocks it hands out (blocks it holds, see VtHeldPut).
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
    uint16_t touched[VT_SLICES];	/* Per slice, the 4 KiB units of
					 * memory (the OS's pages; bit n: the
					 * nth) that a page there has carved
					 * or used since the slice was last
					 * decommitted: they may be
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
					 * (VtHeldPut). */
    _Atomic uint64_t heldBytes;		/* Their bytes (the hold option caps
					 * them; read by VtGetStats). */
    uint16_t heldCount[VT_NBUCKETS];	/* Held blocks per bucket (at most
					 * VT_HOLD_MAX). */
    _Atomic int steal;			/* An idle trim has the cache: the
					 * thread keeps out (see
					 * CacheWait, vtCache.c). */
    struct VtThread *threadPtr;		/* The thread's vtThread. */
    _Atomic uint8_t stealable;		/* An idle trim may take it (see
					 * VtCacheGet). */
    _Atomic uint64_t slowCalls;		/* Slow paths taken so far (owner):
					 * what the idle trim watches (see
					 * CacheActivity, vtCache.c). */
    uint64_t idleSeen;			/* The activity at the last idle
					 * trim, */
    uint64_t idleSince;			/* ... VtpNow() since when, */
    uint64_t idleTrimmed;		/* ... and when last trimmed, plus 1
					 * (shared lock). */
    VtCache *trimNextPtr;		/* The caches an idle trim has, */
    size_t trimHeld;			/* ... and their held blocks given
					 * back. */
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
 * What each thread keeps in thread-local storage, in one variable so that
 * the fast paths find both fields with one address: its cache (the fast
 * paths read only this), and its busy mark (see VtBusyEnter). An idle trim
 * run by another thread writes `cachePtr` (see VtIdleTrim).
 */

typedef struct VtThread {
    _Atomic(VtCache *) cachePtr;	/* The cache, or &vtEmptyCache. */
    _Atomic uint8_t busy;		/* In a call that uses it. */
} VtThread;

#define vtCachePtr	(vtThread.cachePtr)
#define vtBusy		(vtThread.busy)

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
    uint32_t sideFirst;			/* 0: the side array follows the
					 * blocks (or is in the header); else
					 * it starts the page and the blocks
					 * start this many bytes in. */
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
 * fields are guarded by the shared lock (vtpSharedLock, the platform's).
 */

typedef struct VtShared {
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
    uint64_t heldGivenBack;		/* Held blocks given back, and */
    uint64_t idleTrims;			/* ... caches trimmed, for idle
					 * threads (VtIdleTrim). */
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
    int idlePending;			/* A thread may go idle with pages
					 * to trim (VtIdleTrim). */
    uint64_t lastIdle;			/* VtpNow() of the last idle trim. */
    uint64_t lastSweep;			/* VtpNow() of the last page sweep. */
    int walking;			/* A pass over the segments that
					 * leaves the lock meanwhile is under
					 * way (see VtWalkBegin). */
    unsigned releaseCount;		/* Its system calls to make: */
    VtReleaseOp release[VT_RELEASE_OPS];
    VtCounterArrays retired;		/* Counters of exited threads. */
} VtShared;

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
					 * back for idle threads */		\
    X(idleTrims, "shared", "idletrims")	/* idle threads' caches	\
					 * trimmed */

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
MODULE_SCOPE VtPage vtEmptyPage;
MODULE_SCOPE VT_THREAD_LOCAL VtThread vtThread;
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

#endif /* _VTTYPES */
