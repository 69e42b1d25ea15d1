/*
 * vtAtomic.h --
 *
 *	Atomics and the orderings between threads. The primitives, then
 *	every ordering contract the core relies on, each named with its two
 *	sides, then the inline helpers that carry out the contracts shared
 *	by several files.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTATOMIC
#define _VTATOMIC

#include "vtTypes.h"
#include "vtPlatform.h"

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
 *----------------------------------------------------------------------
 *
 * The ordering contracts between threads. Everything in the shared cache
 * is guarded by the shared lock; what is not, and is written by one
 * thread and read by another, is ordered by one of these (writer's side,
 * then reader's side):
 *
 *   Set-up	   VtInit stores `initialized` with release after the
 *		   buckets, options and secrets; VtInit's acquire load of
 *		   it lets a thread use them without the lock (vtInit.c).
 *   Segment map   the map is published with a release exchange, a
 *		   segment's entry with a release store after its header is
 *		   written (vtSegment.c); VtSegmentKnown loads the map with
 *		   acquire (vtBlock.h).
 *   Remote list   a remote free links the block, then pushes it with a
 *		   release compare-exchange (VtRemotePush, vtFree.c); the
 *		   owner takes the whole list with an acquire
 *		   compare-exchange (VtPageCollect, vtPage.c) and reads the
 *		   links.
 *   Remote hint   raised with release after the push (VtRemotePush);
 *		   cleared with an acquire exchange by the owner's refill
 *		   before it scans its full pages (vtRefill.c).
 *   Current page  the owner publishes a bucket's current page with
 *		   release (VtCurrentPageSet, below); the sweep reads it with
 *		   acquire (VtCurrentPageOf in SweepPage, vtRelease.c), so a
 *		   page it sees is no longer current has its final used count.
 *   Page lock	   acquire exchange and release store (VtPageLockTry,
 *		   VtPageLockRelease, below): the owner holds it while it
 *		   makes a page current, the sweep while it swaps a page's
 *		   remote word; the sweep only tries it.
 *   Swept page	   the sweep swaps the remote word for VT_REMOTE_SWEEPING
 *		   (acquire-release), releases the memory out of the lock,
 *		   then stores VT_REMOTE_SWEPT with release (vtRelease.c);
 *		   the owner waits that out and takes the word with its
 *		   acquire compare-exchange (VtPageCollect).
 *   Idle trim	   a thread stores its vtBusy (1), then loads its
 *		   vtCachePtr, at the start of every call that uses its
 *		   cache, and stores vtBusy 0 with release at the end; the
 *		   idle trim stores the thread's vtCachePtr (&vtEmptyCache),
 *		   makes every thread pass a full barrier (VtpBarrierAll),
 *		   then loads its vtBusy (acquire): a call that loaded the
 *		   cache before the barrier shows busy, one after it finds
 *		   no cache and waits in CacheWait (VtBusyEnter, below;
 *		   VtIdleTrim, vtCache.c). The trim stores vtCachePtr back,
 *		   with release (the load above is acquire: a plain load
 *		   on x86-64),
 *		   then clears `steal` with release, which CacheWait waits
 *		   for with acquire.
 *   Purger	   purgerWake is raised with release before VtpWake; the
 *		   purger waits on it (VtpWait, vtRelease.c).
 *
 * Counters, a page's carved count, heldBytes and the hints that only
 * start work (remoteFreed, trimEpoch) are relaxed: a stale value costs a
 * later look, never a wrong block.
 *
 *----------------------------------------------------------------------
 */

/*
 * A cache's page lock (see the ownership invariant above VtPage): the sweep
 * only tries it, so the owner may hold it while it takes the shared lock.
 * VtPageLock: the owner, before it makes a page its current page; it may
 * wait for a sweep.
 */

VT_INLINE int
VtPageLockTry(
    VtCache *cachePtr)
{
    return !atomic_exchange_explicit(&cachePtr->pageLock, 1,
	    memory_order_acquire);
}

VT_INLINE void
VtPageLock(
    VtCache *cachePtr)
{
    while (!VtPageLockTry(cachePtr)) {
	while (atomic_load_explicit(&cachePtr->pageLock,
		memory_order_relaxed)) {
	    VtpSleep(0);
	}
    }
}

VT_INLINE void
VtPageLockRelease(
    VtCache *cachePtr)
{
    atomic_store_explicit(&cachePtr->pageLock, 0, memory_order_release);
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
 * The thread's side of the idle trim's handshake (see VtIdleTrim,
 * vtCache.c): every call that uses the thread's cache is bracketed by
 * VtBusyEnter, which marks the thread busy and then loads its cache, and
 * VtBusyLeave. Two plain stores on x86-64 and no fence: the trim makes
 * every thread pass a full barrier before it looks. While a trim has the
 * cache, vtCachePtr is &vtEmptyCache, so the fast paths fall into the slow
 * paths, and those wait (VtCacheGet). A call made inside another (a slow
 * path that calls out to code that allocates) clears the mark of the
 * outer one as it returns: the outer one marks itself busy again and
 * looks once more (CacheWait, vtCache.c). A signal handler that allocates
 * is outside all this, as it is outside the C library's rules.
 */

VT_INLINE VtCache *
VtBusyEnter(void)
{
    atomic_store_explicit(&vtBusy, 1, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    return atomic_load_explicit(&vtCachePtr, memory_order_acquire);
}

VT_INLINE void
VtBusyLeave(void)
{
    atomic_store_explicit(&vtBusy, 0, memory_order_release);
}

#endif /* _VTATOMIC */
