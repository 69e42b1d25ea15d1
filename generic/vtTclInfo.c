/*
 * vtTclInfo.c --
 *
 *	The statistics of a vtalloc instance for Tcl: a snapshot with every
 *	cache, and the list-of-lists of Tcl_GetMemoryInfo. Shared by the
 *	package (vtTcl.c) and the Tcl core built with vtalloc (vtTclCore.c,
 *	which includes this file).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtTclInt.h"
#include <stdio.h>

/*
 *----------------------------------------------------------------------
 *
 * VtSnapshot --
 *
 *	Take the statistics of an instance with the figures of every cache.
 *
 * Results:
 *	An array of *countPtr cache figures (shared cache first), to be
 *	freed with ckfree.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

VtCacheStats *
VtSnapshot(
    const VtInstance *instPtr,
    VtStats *statsPtr,
    size_t *countPtr)
{
    VtCacheStats *cachesPtr;

    /*
     * The array is sized before the walk: threads that start meanwhile
     * are left out, not overrun.
     */

    instPtr->getStats(statsPtr, NULL, NULL);
    *countPtr = statsPtr->threads + 9;
    cachesPtr = (VtCacheStats *) ckalloc(*countPtr * sizeof(VtCacheStats));
    instPtr->getStats(statsPtr, cachesPtr, countPtr);
    return cachesPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtCacheName --
 *
 *	The name of a cache in the style of Tcl_GetMemoryInfo: "shared" or
 *	"thread" and the thread id.
 *
 * Results:
 *	A new string object.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

Tcl_Obj *
VtCacheName(
    const VtCacheStats *cachePtr)
{
    char name[48];

    if (cachePtr->threadId == 0) {
	return Tcl_NewStringObj("shared", -1);
    }
    snprintf(name, sizeof(name), "thread%p", (void *) cachePtr->threadId);
    return Tcl_NewStringObj(name, -1);
}

/*
 *----------------------------------------------------------------------
 *
 * VtMemoryInfo --
 *
 *	Append the list-of-lists of Tcl_GetMemoryInfo for an instance, so
 *	that tools written for Zippy (NaviServer's ns_info pools, nsstats)
 *	read it unchanged: one sublist per cache, in Zippy's order (the
 *	threads' caches, "thread0x...", then "shared"), each with per bucket
 *	"blockSize numFree numRemoves numInserts totalAssigned numLocks
 *	numWaits".
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Appends to *dsPtr.
 *
 *----------------------------------------------------------------------
 */

void
VtMemoryInfo(
    const VtInstance *instPtr,
    Tcl_DString *dsPtr)
{
    VtStats stats;
    size_t count, i;
    VtCacheStats *cachesPtr = VtSnapshot(instPtr, &stats, &count);
    unsigned bucket;

    for (i = 0; i < count; i++) {
	size_t c = (i + 1) % count;	/* The shared cache (first) last. */
	Tcl_Obj *namePtr = VtCacheName(&cachesPtr[c]);

	Tcl_IncrRefCount(namePtr);
	Tcl_DStringStartSublist(dsPtr);
	Tcl_DStringAppendElement(dsPtr, Tcl_GetString(namePtr));
	Tcl_DecrRefCount(namePtr);
	for (bucket = 0; bucket < VT_NBUCKETS; bucket++) {
	    VtBucketStats *b = &cachesPtr[c].buckets[bucket];
	    char line[200];

	    snprintf(line, sizeof(line), "%lu %ld %ld %ld %ld %ld %ld",
		    (unsigned long) b->size, (long) b->free,
		    (long) b->counters.allocs,
		    (long) b->counters.frees, (long) b->requested,
		    (long) b->counters.locks,
		    (long) b->counters.waits);
	    Tcl_DStringAppendElement(dsPtr, line);
	}
	Tcl_DStringEndSublist(dsPtr);
    }
    ckfree((char *) cachesPtr);
}
