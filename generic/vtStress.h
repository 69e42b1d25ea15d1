/*
 * vtStress.h --
 *
 *	The stress workloads (vtStress.c): native multi-threaded allocation
 *	patterns that check every block they free, and chains of blocks that
 *	fill memory. They run on vtalloc's fast paths or any allocator given
 *	to them, above the core: the package's `vtalloc stress`, the unit
 *	tests and the benchmark use them, the allocator itself does not.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTSTRESS
#define _VTSTRESS

#include "vtInt.h"

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
    void *(*allocProc)(size_t);		/* NULL: vtalloc (this copy of the
					 * core). */
    void (*freeProc)(void *);
    void *(*reallocProc)(void *, size_t);
    void (*progressProc)(void *data, const VtStressResult *resultPtr);
    void *progressData;			/* Called about once a second. */
} VtStressConfig;

MODULE_SCOPE const char *const vtStressPatterns[];
MODULE_SCOPE int	VtStress(const VtStressConfig *configPtr,
			    VtStressResult *resultPtr);
MODULE_SCOPE void *	VtChainFill(uint64_t bytes, size_t minSize,
			    size_t maxSize, uint64_t seed,
			    void *(*allocProc)(size_t));
MODULE_SCOPE void *	VtChainFree(void *chain, int keep,
			    void (*freeProc)(void *));

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

#endif /* _VTSTRESS */
