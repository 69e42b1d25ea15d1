/*
 * vtHeld.c --
 *
 *	Held blocks. A thread that frees a block of another thread's page
 *	may keep it, up to VT_HOLD_MAX per bucket and the hold option's bytes,
 *	and hand it out again itself instead of pushing it onto the page's
 *	remote list: a producer-consumer pair then trades blocks without
 *	either touching the other's page. A held block stays live in its
 *	page, so held blocks go back onto their pages' remote lists when the
 *	thread trims, exits, or goes idle (the sweep gives them back for it,
 *	with the handshake of VtHeldEnter).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"

/*
 *----------------------------------------------------------------------
 *
 * VtHeldPut, VtHeldTake --
 *
 *	VtHeldPut: keep a block of another cache's page that the thread
 *	frees, if the bucket and the hold option leave room. VtHeldTake:
 *	take a held block of the bucket for an allocation.
 *
 * Results:
 *	VtHeldPut: 1 if the block is held (else the caller pushes it onto
 *	its page's remote list). VtHeldTake: the block and its page in
 *	*pagePtrPtr, or NULL.
 *
 * Side effects:
 *	The thread's held blocks and their bytes.
 *
 *----------------------------------------------------------------------
 */

int
VtHeldPut(
    VtCache *cachePtr,
    VtPage *pagePtr,
    VtBlock *blockPtr)
{
    unsigned bucket = pagePtr->bucket;
    int held = 0;

    VtHeldEnter(cachePtr);
    if (cachePtr->heldCount[bucket] < VT_HOLD_MAX
	    && VtLoad(&cachePtr->heldBytes) + pagePtr->blockSize
	    <= (uint64_t) VtOptionOf(HOLD)) {
	VtBlockFreed(blockPtr, cachePtr->held[bucket]);
	cachePtr->held[bucket] = blockPtr;
	cachePtr->heldCount[bucket]++;
	VtBump(&cachePtr->heldBytes, pagePtr->blockSize);
	held = 1;
    }
    VtHeldLeave(cachePtr);
    return held;
}

VtBlock *
VtHeldTake(
    VtCache *cachePtr,
    unsigned bucket,
    VtPage **pagePtrPtr)
{
    VtBlock *blockPtr;

    VtHeldEnter(cachePtr);
    blockPtr = cachePtr->held[bucket];
    if (blockPtr != NULL) {
	VtPage *pagePtr = VtPageOf(blockPtr);

	cachePtr->held[bucket] = VtHeldTaken(blockPtr);
	cachePtr->heldCount[bucket]--;
	VtBump(&cachePtr->heldBytes, -(uint64_t) pagePtr->blockSize);
	*pagePtrPtr = pagePtr;
    }
    VtHeldLeave(cachePtr);
    return blockPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtReleaseHeld, VtHeldGiveBack --
 *
 *	Give up the blocks a thread holds (see VtFreeRemote): each goes onto
 *	its page's remote list, as a remote free would have put it.
 *	VtReleaseHeld: by the thread itself, as its cache is dissolved or
 *	trimmed. VtHeldGiveBack: by the thread (VtHeldEnter) or the sweep,
 *	for a thread gone idle (see VtHeldSweep).
 *
 * Results:
 *	VtHeldGiveBack: the number of blocks.
 *
 * Side effects:
 *	VtReleaseHeld may take the shared lock (not to be held by the
 *	caller).
 *
 *----------------------------------------------------------------------
 */

void
VtReleaseHeld(
    VtCache *cachePtr)
{
    size_t count;

    VtHeldEnter(cachePtr);
    count = VtHeldGiveBack(cachePtr);
    VtHeldLeave(cachePtr);
    if (count > 0) {
	VtSweepComing(cachePtr, 0);
    }
}

size_t
VtHeldGiveBack(
    VtCache *cachePtr)
{
    unsigned bucket;
    size_t count = 0;

    for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	while (cachePtr->held[bucket] != NULL) {
	    VtBlock *blockPtr = cachePtr->held[bucket];

	    cachePtr->held[bucket] = VtHeldLinkGet(blockPtr);
	    VtRemotePush(VtPageOf(blockPtr), blockPtr);
	    count++;
	}
	cachePtr->heldCount[bucket] = 0;
    }
    VtStore(&cachePtr->heldBytes, 0);
    return count;
}

/*
 *----------------------------------------------------------------------
 *
 * VtHeldSweep --
 *
 *	Give back the blocks held by every thread whose held bytes have not
 *	changed for the decay or more (every thread's with `force`): they go
 *	onto their pages' remote lists, where the page sweep finds them. The
 *	handshake (see VtHeldEnter): ask each such thread to keep out of its
 *	held blocks, make every thread pass a full barrier, then give back
 *	the blocks of each that is not busy with them (a busy one is not
 *	idle either); a thread that comes meanwhile waits until it is done.
 *	Without the barrier (an OS without it), held blocks stay with their
 *	thread until it uses them, trims or exits.
 *
 * Results:
 *	1 if some thread still holds blocks that a later sweep may give
 *	back.
 *
 * Side effects:
 *	See VtHeldGiveBack.
 *
 *----------------------------------------------------------------------
 */

int
VtHeldSweep(
    int force,
    uint64_t now)
{
    uint64_t decay = (uint64_t) VtOptionOf(DECAY) * VT_MS;
    VtCache *cachePtr;
    int asked = 0, pending = 0, barrier;

    for (cachePtr = vtShared.cachesPtr; cachePtr != NULL;
	    cachePtr = cachePtr->nextPtr) {
	uint64_t bytes = VtLoad(&cachePtr->heldBytes);

	if (bytes == 0) {
	    continue;
	}
	if (bytes != cachePtr->heldSeen) {
	    cachePtr->heldSeen = bytes;
	    cachePtr->heldSince = now;
	}
	if (force || now - cachePtr->heldSince >= decay) {
	    atomic_store_explicit(&cachePtr->heldSteal, 1,
		    memory_order_relaxed);
	    asked = 1;
	} else {
	    pending = 1;
	}
    }
    if (!asked) {
	return pending;
    }

    /*
     * The barrier is a system call: made out of the lock. A cache asked
     * that is dissolved meanwhile gave its blocks back itself, and is
     * taken off the list with its request cleared (VtCacheDissolve).
     */

    VtpLockRelease(&vtpSharedLock);
    barrier = VtpBarrierAll();
    VtpLockAcquire(&vtpSharedLock);
    for (cachePtr = vtShared.cachesPtr; cachePtr != NULL;
	    cachePtr = cachePtr->nextPtr) {
	if (!atomic_load_explicit(&cachePtr->heldSteal,
		memory_order_relaxed)) {
	    continue;
	}
	if (!barrier) {
	    /* Held blocks stay (see above). */
	} else if (atomic_load_explicit(&cachePtr->heldBusy,
		memory_order_acquire)) {
	    pending |= !cachePtr->ghost;	/* A ghost stays busy. */
	} else {
	    vtShared.heldGivenBack += VtHeldGiveBack(cachePtr);
	}
	atomic_store_explicit(&cachePtr->heldSteal, 0, memory_order_release);
    }
    return pending;
}
