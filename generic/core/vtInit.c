/*
 * vtInit.c --
 *
 *	The allocator's process-wide state and its start: the shared cache,
 *	the empty page and cache that a thread without a cache points at,
 *	the secrets, the once-only setup (VtInit) and the handlers that keep
 *	the shared cache whole across fork().
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

/*
 * The empty page and cache: a thread that has not allocated yet points at
 * vtEmptyCache, whose pages have no free block, so its first allocation
 * takes the slow path that creates its cache. No NULL test on the fast path.
 */

VtPage vtEmptyPage = { .used = VT_USED_EMPTY };

#define VT_E1	&vtEmptyPage,
#define VT_E8	VT_E1 VT_E1 VT_E1 VT_E1 VT_E1 VT_E1 VT_E1 VT_E1
#define VT_E72	VT_E8 VT_E8 VT_E8 VT_E8 VT_E8 VT_E8 VT_E8 VT_E8 VT_E8

VtCache vtEmptyCache = { .pages = { VT_E72 } };

VT_THREAD_LOCAL VtThread vtThread = { &vtEmptyCache, 0 };

VtShared vtShared;

uintptr_t vtCookieKey;

static _Atomic int initialized;

static void		ForkPrepare(void);
static void		ForkParent(void);
static void		ForkChild(void);

/*
 *----------------------------------------------------------------------
 *
 * VtInit --
 *
 *	Set up the allocator once per process.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Computes the bucket geometry, reads the knobs, draws the cookie
 *	secret, registers the thread-exit callback and the fork handlers.
 *
 *----------------------------------------------------------------------
 */

void
VtInit(void)
{
    uintptr_t cookie, link;
    int first = 0;

    if (atomic_load_explicit(&initialized, memory_order_acquire)) {
	return;
    }
    VtSegmentMapInit();			/* System calls: not under the */
    cookie = VtpRandom();		/* lock. */
    link = VtpRandom();
    VtpLockAcquire(&vtpSharedLock);
    if (!atomic_load_explicit(&initialized, memory_order_relaxed)) {
	VtBucketsInit();
	VtOptionsInit();
	vtCookieKey = cookie | 1;
	VtLinkKeyInit(link);
	VtpThreadExitInit(VtCacheExit);	/* Before any cache is made. */
	atomic_store_explicit(&initialized, 1, memory_order_release);
	first = 1;
    }
    VtpLockRelease(&vtpSharedLock);

    /*
     * The fork handlers are registered out of the lock: the C library
     * holds its own lock while it registers them (and may allocate then),
     * and while it runs them at a fork, where ForkPrepare takes ours.
     */

    if (first) {
	VtpAtFork(ForkPrepare, ForkParent, ForkChild);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * ForkPrepare, ForkParent, ForkChild --
 *
 *	Around fork(): hold the shared lock so that the child gets the
 *	shared cache in a consistent state; in the child, the thread that
 *	forked (the one holding the lock) leaves it, and the purger (a
 *	thread of the parent) is known to be gone: the child starts its own
 *	at its first safe point (VtPurgerSafePoint), and a pass of the
 *	parent's that was out of the lock is finished (VtReleaseFork).
 *	The caches of the parent's other threads are left as they are (one
 *	of them may have been caught in the middle of an update): their
 *	blocks stay usable and freeable in the child, their pages are not
 *	reused by it. They are marked ghosts, so that the sweep does not
 *	wait for a page lock or a held section that one of them was in at
 *	the fork: it will never be left.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	See above.
 *
 *----------------------------------------------------------------------
 */

static void
ForkPrepare(void)
{
    VtpLockAcquire(&vtpSharedLock);
}

static void
ForkParent(void)
{
    VtpLockRelease(&vtpSharedLock);
}

static void
ForkChild(void)
{
    VtCache *cachePtr;

    for (cachePtr = vtShared.cachesPtr; cachePtr != NULL;
	    cachePtr = cachePtr->nextPtr) {
	if (atomic_load_explicit(&cachePtr->steal, memory_order_relaxed)) {
	    /*
	     * An idle trim of the parent's was out of the lock, with this
	     * cache taken from its thread (see VtIdleTrim): given back.
	     */

	    atomic_store_explicit(&cachePtr->threadPtr->cachePtr, cachePtr,
		    memory_order_relaxed);
	    atomic_store_explicit(&cachePtr->steal, 0, memory_order_relaxed);
	}
	cachePtr->ghost = cachePtr != atomic_load_explicit(&vtCachePtr,
		memory_order_relaxed);
    }
    vtShared.purgerRunning = 0;
    vtShared.purgerIdle = 0;
    vtShared.purgerFailed = 0;
    VtpLockRelease(&vtpSharedLock);
    VtReleaseFork();
}

