/*
 * vtApi.h --
 *
 *	The layer over the core that every front end shares (vtApi.c): the
 *	public C API's stubs table, and the instance table through which
 *	one vtalloc serves the whole process.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTAPI
#define _VTAPI

#include "vtalloc.h"
#include "vtInt.h"

/*
 * One allocator per process: every build (package, Tcl core, LD_PRELOAD
 * library) has an instance table; the core and preload builds export it
 * through Vtalloc_ProcessInstance, and the package uses the one it finds
 * there instead of its own. The layout word guards against a table of
 * another version.
 */

#define VT_INSTANCE_MAGIC 0x56544933	/* "VTI3" */
#define VT_INSTANCE_LAYOUT \
    ((uint32_t) (sizeof(VtStats) + sizeof(VtCacheStats) * 3		\
	+ VT_OPTION_COUNT * 7))

typedef struct VtInstance {
    uint32_t magic;			/* VT_INSTANCE_MAGIC. */
    uint32_t layout;			/* VT_INSTANCE_LAYOUT. */
    const char *version;		/* VTALLOC_VERSION. */
    const char *(*mode)(void);		/* "package", "core", "preload". */
    const VtallocStubs *apiPtr;		/* The C API. */
    void (*getStats)(VtStats *statsPtr, VtCacheStats *cachesPtr,
	    size_t *countPtr);
    int (*optionSet)(VtOption option, int64_t value);
    int64_t (*optionGet)(VtOption option);
    void (*safePoint)(void);		/* VtPurgerSafePoint. */
} VtInstance;

MODULE_SCOPE const VtallocStubs vtallocStubs;
MODULE_SCOPE const VtInstance vtInstance;
MODULE_SCOPE const char *vtMode;
MODULE_SCOPE const VtInstance *VtProcessInstance(void);

#endif /* _VTAPI */
