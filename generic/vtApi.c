/*
 * vtApi.c --
 *
 *	The public C API (vtalloc.h) over the core, its stubs table, and the
 *	instance table through which the process's one vtalloc is found (see
 *	vtApi.h). Every front end links it.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtApi.h"

/*
 * The stubs table of the C API, and this build's instance table.
 */

#define VT_TABLE_F(type, name, params, args) name,
#define VT_TABLE_V(name, params, args) name,
const VtallocStubs vtallocStubs = {
    VTALLOC_STUBS_MAGIC, VTALLOC_FUNCTION_COUNT,
    VTALLOC_FUNCTIONS(VT_TABLE_F, VT_TABLE_V)
};
#undef VT_TABLE_F
#undef VT_TABLE_V

const char *vtMode = "package";

static const char *
Mode(void)
{
    return vtMode;
}

const VtInstance vtInstance = {
    VT_INSTANCE_MAGIC, VT_INSTANCE_LAYOUT, VTALLOC_VERSION, Mode,
    &vtallocStubs, VtGetStats, VtOptionSet, VtOptionGet,
    VtPurgerSafePoint
};

/*
 *----------------------------------------------------------------------
 *
 * VtProcessInstance --
 *
 *	The vtalloc instance that serves this process: the one a Tcl core
 *	built with vtalloc or the LD_PRELOAD library exports, if there is
 *	one of this version, else this build's own.
 *
 * Results:
 *	An instance table.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

const VtInstance *
VtProcessInstance(void)
{
    const VtInstance *(*getProc)(void) = (const VtInstance *(*)(void))
	    VtpFindSymbol("Vtalloc_ProcessInstance");
    const VtInstance *instPtr = getProc != NULL ? getProc() : NULL;

    if (instPtr != NULL && instPtr->magic == VT_INSTANCE_MAGIC
	    && instPtr->layout == VT_INSTANCE_LAYOUT
	    && strcmp(instPtr->version, VTALLOC_VERSION) == 0) {
	return instPtr;
    }
    return &vtInstance;
}

/*
 *----------------------------------------------------------------------
 *
 * Vt_Alloc, Vt_AttemptAlloc, Vt_Malloc, Vt_AttemptMalloc --
 *
 *	Allocate a block. The Attempt forms return NULL when memory is
 *	exhausted; the others panic with the size, as Tcl_Alloc does.
 *
 * Results:
 *	The block.
 *
 * Side effects:
 *	See VtMalloc.
 *
 *----------------------------------------------------------------------
 */

static VT_NOINLINE void *
AllocSlow(
    size_t size,
    VtCache *cachePtr)
{
    void *ptr = VtMallocSlow(size, cachePtr);

    if (ptr == NULL) {
	VtPanic("unable to alloc %zu bytes", size);
    }
    return ptr;
}

char *
Vt_Alloc(
    unsigned int size)
{
    return VtMallocWith(size, AllocSlow);
}

char *
Vt_AttemptAlloc(
    unsigned int size)
{
    return VtMalloc(size);
}

void *
Vt_Malloc(
    size_t size)
{
    return VtMallocWith(size, AllocSlow);
}

void *
Vt_AttemptMalloc(
    size_t size)
{
    return VtMalloc(size);
}

/*
 *----------------------------------------------------------------------
 *
 * Vt_Realloc, Vt_AttemptRealloc, Vt_ReallocSize, Vt_AttemptReallocSize --
 *
 *	Resize a block (NULL: allocate one). On failure the Attempt forms
 *	return NULL and leave the block alone; the others panic.
 *
 * Results:
 *	The block, possibly moved.
 *
 * Side effects:
 *	See VtRealloc.
 *
 *----------------------------------------------------------------------
 */

char *
Vt_Realloc(
    char *ptr,
    unsigned int size)
{
    char *newPtr = VtRealloc(ptr, size);

    if (newPtr == NULL) {
	VtPanic("unable to realloc %u bytes", size);
    }
    return newPtr;
}

char *
Vt_AttemptRealloc(
    char *ptr,
    unsigned int size)
{
    return VtRealloc(ptr, size);
}

void *
Vt_ReallocSize(
    void *ptr,
    size_t size)
{
    void *newPtr = VtRealloc(ptr, size);

    if (newPtr == NULL) {
	VtPanic("unable to realloc %zu bytes", size);
    }
    return newPtr;
}

void *
Vt_AttemptReallocSize(
    void *ptr,
    size_t size)
{
    return VtRealloc(ptr, size);
}

/*
 *----------------------------------------------------------------------
 *
 * Vt_Free --
 *
 *	Free a block (NULL is allowed).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	See VtFree.
 *
 *----------------------------------------------------------------------
 */

void
Vt_Free(
    char *ptr)
{
    VtFree(ptr);
}

/*
 *----------------------------------------------------------------------
 *
 * Vt_UsableSize --
 *
 *	The bytes the caller may use in a live block.
 *
 * Results:
 *	A size, at least the size asked for.
 *
 * Side effects:
 *	Panics on a pointer that is not a live block.
 *
 *----------------------------------------------------------------------
 */

size_t
Vt_UsableSize(
    const void *ptr)
{
    return VtUsableSize(VtLookup(ptr, "usable size"));
}

/*
 *----------------------------------------------------------------------
 *
 * Vt_Trim --
 *
 *	Give free memory back to the OS now (see VtTrim).
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	System calls.
 *
 *----------------------------------------------------------------------
 */

void
Vt_Trim(void)
{
    (void) VtTrim();
}
