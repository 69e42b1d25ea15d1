/*
 * vtHeld.c --
 *
 *	Held blocks. A thread that frees a block of another thread's page
 *	may keep it, up to VT_HOLD_MAX per bucket and the hold option's bytes,
 *	and hand it out again itself instead of pushing it onto the page's
 *	remote list: a producer-consumer pair then trades blocks without
 *	either touching the other's page. A held block stays live in its
 *	page, so held blocks go back onto their pages' remote lists when the
 *	thread trims, exits, or goes idle (the idle trim gives them back for
 *	it: see VtIdleTrim).
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

    if (cachePtr->heldCount[bucket] < VT_HOLD_MAX
	    && VtLoad(&cachePtr->heldBytes) + pagePtr->blockSize
	    <= (uint64_t) VtOptionOf(HOLD)) {
	VtBlockFreed(blockPtr, cachePtr->held[bucket]);
	cachePtr->held[bucket] = blockPtr;
	cachePtr->heldCount[bucket]++;
	VtBump(&cachePtr->heldBytes, pagePtr->blockSize);
	held = 1;
    }
    return held;
}

VtBlock *
VtHeldTake(
    VtCache *cachePtr,
    unsigned bucket,
    VtPage **pagePtrPtr)
{
    VtBlock *blockPtr = cachePtr->held[bucket];

    if (blockPtr != NULL) {
	VtPage *pagePtr = VtPageOf(blockPtr);

	cachePtr->held[bucket] = VtHeldTaken(blockPtr);
	cachePtr->heldCount[bucket]--;
	VtBump(&cachePtr->heldBytes, -(uint64_t) pagePtr->blockSize);
	*pagePtrPtr = pagePtr;
    }
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
 *	trimmed. VtHeldGiveBack: the same without the sweep that follows,
 *	also for a thread gone idle, by the idle trim (see VtIdleTrim).
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
    if (VtHeldGiveBack(cachePtr) > 0) {
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
