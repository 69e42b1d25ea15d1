/*
 * vtTclCore.c --
 *
 *	vtalloc compiled into Tcl in place of Zippy: this file takes the
 *	place of Tcl 8.6's generic/tclThreadAlloc.c (tools/build-tcl.sh
 *	copies it there) and provides what that file provides: TclpAlloc,
 *	TclpFree, TclpRealloc, TclThreadAllocObj, TclThreadFreeObj,
 *	TclFreeAllocCache, TclFinalizeThreadAlloc,
 *	TclFinalizeThreadAllocThread and Tcl_GetMemoryInfo (Zippy's format).
 *	The core itself is linked into libtcl from libvtcore.a, with
 *	unix/vtExport.c (Vtalloc_ProcessInstance, pthread_create).
 *
 *	Tcl_Obj storage: tclInt.h's inline macros keep a per-interp free
 *	list in the thread's AllocCache while its numObjects is above 0.
 *	Every thread gets the same AllocCache, whose count stays 0, so that
 *	every Tcl_Obj is allocated and freed by vtalloc's own fast paths
 *	(a Tcl_Obj is a block of the 48-byte bucket).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "tclInt.h"
#include "vtTclInt.h"

#if defined(TCL_THREADS) && defined(USE_THREAD_ALLOC)

static AllocCache noObjCache;

/*
 *----------------------------------------------------------------------
 *
 * PanicToTcl, CacheCreated, CoreStart, CoreAllocSlow --
 *
 *	The core's panics go to Tcl_Panic; a new thread cache gets Tcl's
 *	AllocCache (read by Tcl_CreateInterp). CoreStart installs both and
 *	names the mode, on the slow path of the first allocation through
 *	Tcl in the process: before it, no thread has a cache (a thread's
 *	first allocation takes the slow path, TclpRealloc of NULL is an
 *	allocation too, and the C API is reached only from an interpreter).
 *	Every call stores the same values.
 *
 *----------------------------------------------------------------------
 */

static void
PanicToTcl(
    const char *message)
{
    Tcl_Panic("%s", message);
}

static void
CacheCreated(void)
{
    TclpGetAllocCache();		/* Creates Tcl's key on first use. */
    TclpSetAllocCache(&noObjCache);
}

static void
CoreStart(void)
{
    vtMode = "core";
    VtSetPanicProc(PanicToTcl);
    vtCacheCreatedProc = CacheCreated;
}

static VT_NOINLINE void *
CoreAllocSlow(
    size_t size,
    VtCache *cachePtr)
{
    if (VT_UNLIKELY(vtCacheCreatedProc == NULL)) {
	CoreStart();
    }
    return VtMallocSlow(size, cachePtr);
}

/*
 *----------------------------------------------------------------------
 *
 * TclpAlloc, TclpFree, TclpRealloc --
 *
 *	Tcl_Alloc and friends.
 *
 * Results:
 *	As the core's; Tcl_Alloc panics on NULL.
 *
 *----------------------------------------------------------------------
 */

char *
TclpAlloc(
    unsigned int size)
{
    return VtMallocWith(size, CoreAllocSlow);
}

void
TclpFree(
    char *ptr)
{
    VtFree(ptr);
}

char *
TclpRealloc(
    char *ptr,
    unsigned int size)
{
    return ptr == NULL ? TclpAlloc(size) : VtRealloc(ptr, size);
}

/*
 *----------------------------------------------------------------------
 *
 * TclThreadAllocObj, TclThreadFreeObj --
 *
 *	Storage for a Tcl_Obj.
 *
 *----------------------------------------------------------------------
 */

Tcl_Obj *
TclThreadAllocObj(void)
{
    Tcl_Obj *objPtr = VtMallocWith(sizeof(Tcl_Obj), CoreAllocSlow);

    if (objPtr == NULL) {
	Tcl_Panic("alloc: could not allocate a new object");
    }
    return objPtr;
}

void
TclThreadFreeObj(
    Tcl_Obj *objPtr)
{
    VtFree(objPtr);
}

/*
 *----------------------------------------------------------------------
 *
 * TclFreeAllocCache --
 *
 *	Called by Tcl when a thread is finalized (Tcl's own thread key has
 *	no destructor): dissolve the thread's cache, releasing its empty
 *	pages.
 *
 *----------------------------------------------------------------------
 */

void
TclFreeAllocCache(
    void *arg)
{
    (void) arg;
    VtCacheRelease();
}

/*
 *----------------------------------------------------------------------
 *
 * TclFinalizeThreadAlloc, TclFinalizeThreadAllocThread --
 *
 *	Process and thread finalization.
 *
 *----------------------------------------------------------------------
 */

void
TclFinalizeThreadAlloc(void)
{
    TclpFreeAllocCache(NULL);
}

void
TclFinalizeThreadAllocThread(void)
{
    void *cachePtr = TclpGetAllocCache();

    if (cachePtr != NULL) {
	TclpFreeAllocCache(cachePtr);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * Tcl_GetMemoryInfo --
 *
 *	Zippy's list-of-lists of statistics, from vtalloc.
 *
 *----------------------------------------------------------------------
 */

void
Tcl_GetMemoryInfo(
    Tcl_DString *dsPtr)
{
    VtMemoryInfo(&vtInstance, dsPtr);
}

#include "vtTclInfo.c"

#endif /* TCL_THREADS && USE_THREAD_ALLOC */
