/*
 * vtInt.h --
 *
 *	The internal header of the vtalloc core: every file of the core, and
 *	every layer above (directly or through vtApi.h), includes it and
 *	nothing else of the core. It brings
 *	in the configuration (vtConfig.h), the tools' hooks (vtTrack.h), the
 *	platform API (vtPlatform.h), the types (vtTypes.h) and the ordering
 *	contracts (vtAtomic.h); declares the core's functions, file by file;
 *	and ends with the inline primitives (vtBlock.h) and fast paths
 *	(vtFast.h), which call them. Nothing here depends on Tcl or names an
 *	OS type, so the core builds and is tested alone.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTINT
#define _VTINT

#include <stdarg.h>
#include <string.h>

#include "vtConfig.h"
#include "vtTrack.h"
#include "vtPlatform.h"
#include "vtTypes.h"
#include "vtAtomic.h"

/*
 *----------------------------------------------------------------------
 *
 * The core's functions, by file.
 *
 *----------------------------------------------------------------------
 */

/* vtPanic.c */
typedef void (VtPanicProc)(const char *message);
MODULE_SCOPE void	VtSetPanicProc(VtPanicProc *procPtr);
MODULE_SCOPE VT_NORETURN void VtPanic(const char *format, ...);

/* vtInit.c */
MODULE_SCOPE void	VtInit(void);

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
MODULE_SCOPE uint64_t	VtPageShrink(VtPage *pagePtr);
MODULE_SCOPE void	VtListPush(VtPageList *listPtr, VtPage *pagePtr);
MODULE_SCOPE void	VtListAppend(VtPageList *listPtr, VtPage *pagePtr);
MODULE_SCOPE void	VtListRemove(VtPageList *listPtr, VtPage *pagePtr);
MODULE_SCOPE int	VtPageIsValid(const VtPage *pagePtr);

/* vtCache.c */
MODULE_SCOPE void	VtSharedLock(VtCache *cachePtr, unsigned bucket);
MODULE_SCOPE void	VtSharedUnlock(void);
MODULE_SCOPE void	VtSharedLeave(int *releasePtr);
MODULE_SCOPE VtCache *	VtCacheGet(int toAlloc);
MODULE_SCOPE void	(*vtCacheCreatedProc)(void);
MODULE_SCOPE void	VtCacheExit(void *data);
MODULE_SCOPE void	VtCacheDissolve(VtCache *cachePtr);
MODULE_SCOPE void	VtCachePageEmptied(VtCache *cachePtr,
			    VtPage *pagePtr);
MODULE_SCOPE void	VtCacheTrim(VtCache *cachePtr);
MODULE_SCOPE void	VtCacheTrimOwn(void);
MODULE_SCOPE void	VtCacheRelease(void);
MODULE_SCOPE int	VtIdleTrim(int force, uint64_t now);

/* vtRefill.c */
MODULE_SCOPE VtPage *	VtCacheRefill(VtCache *cachePtr, unsigned bucket);

/* vtAlloc.c (VtMalloc, the fast path, is inline: vtFast.h) */
MODULE_SCOPE void *	VtMallocSlow(size_t size, VtCache *cachePtr);
MODULE_SCOPE void *	VtMallocAligned(size_t size, size_t align);
MODULE_SCOPE void *	VtMallocZeroed(size_t size);
MODULE_SCOPE void *	VtRealloc(void *ptr, size_t size);

/* vtFree.c (VtFree, the fast path, is inline: vtFast.h) */
MODULE_SCOPE VT_NOINLINE void VtFreeOther(void *ptr);
MODULE_SCOPE VT_NOINLINE void VtFreeRemote(VtCache *cachePtr,
			    VtPage *pagePtr, VtBlock *blockPtr);
MODULE_SCOPE VT_NOINLINE void VtFreeEmptied(VtCache *cachePtr,
			    VtPage *pagePtr);
MODULE_SCOPE void	VtRemotePush(VtPage *pagePtr, VtBlock *blockPtr);
MODULE_SCOPE void	VtSweepComing(VtCache *cachePtr, unsigned bucket);
MODULE_SCOPE VtPage *	VtLookup(const void *ptr, const char *what);
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

/* vtHeld.c */
MODULE_SCOPE int	VtHeldPut(VtCache *cachePtr, VtPage *pagePtr,
			    VtBlock *blockPtr);
MODULE_SCOPE VtBlock *	VtHeldTake(VtCache *cachePtr, unsigned bucket,
			    VtPage **pagePtrPtr);
MODULE_SCOPE void	VtReleaseHeld(VtCache *cachePtr);
MODULE_SCOPE size_t	VtHeldGiveBack(VtCache *cachePtr);

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
MODULE_SCOPE uint64_t	VtTrim(void);
MODULE_SCOPE void	VtPurgerSafePoint(void);

/* vtOptions.c */
MODULE_SCOPE void	VtOptionsInit(void);
MODULE_SCOPE int	VtOptionSet(VtOption option, int64_t value);
MODULE_SCOPE int64_t	VtOptionGet(VtOption option);
#define VtOptionOf(id)	VtLoad(&vtOptions[VT_OPTION_##id])

/* vtStats.c */
MODULE_SCOPE void	VtGetStats(VtStats *statsPtr,
			    VtCacheStats *cachesPtr, size_t *countPtr);

#include "vtBlock.h"
#include "vtFast.h"

#endif /* _VTINT */
