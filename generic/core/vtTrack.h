/*
 * vtTrack.h --
 *
 *	What the core tells the tools that watch it: valgrind's memcheck,
 *	which learns of every block handed out and freed (VT_VALGRIND), and
 *	ThreadSanitizer, which is told of the reads that race by design. In
 *	a build without either, every macro here expands to nothing.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTTRACK
#define _VTTRACK

#include "vtConfig.h"

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

#endif /* _VTTRACK */
