/*
 * vtStubLib.c --
 *
 *	The stub library (libvtallocstub0.1.a) that extensions link to call
 *	vtalloc's C API through its stubs table: Vtalloc_InitStubs finds the
 *	table that the loaded package provides.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef USE_TCL_STUBS
#   define USE_TCL_STUBS
#endif
#ifndef USE_VTALLOC_STUBS
#   define USE_VTALLOC_STUBS
#endif

#include <tcl.h>
#include "vtalloc.h"

const VtallocStubs *vtallocStubsPtr = NULL;

/*
 *----------------------------------------------------------------------
 *
 * Vtalloc_InitStubs --
 *
 *	Require the vtalloc package in an interpreter and take its stubs
 *	table. Call after Tcl_InitStubs.
 *
 * Results:
 *	The version of the package, or NULL with an error in the
 *	interpreter.
 *
 * Side effects:
 *	Loads the package if need be; sets vtallocStubsPtr.
 *
 *----------------------------------------------------------------------
 */

const char *
Vtalloc_InitStubs(
    Tcl_Interp *interp,
    const char *version,
    int exact)
{
    const VtallocStubs *stubsPtr = NULL;
    const char *actual = Tcl_PkgRequireEx(interp, "vtalloc", version, exact,
	    (void *) &stubsPtr);

    if (actual == NULL) {
	return NULL;
    }
    if (stubsPtr == NULL || stubsPtr->magic != VTALLOC_STUBS_MAGIC
	    || stubsPtr->count < VTALLOC_FUNCTION_COUNT) {
	Tcl_SetObjResult(interp, Tcl_NewStringObj(
		"the loaded vtalloc package has no compatible stubs table",
		-1));
	return NULL;
    }
    vtallocStubsPtr = stubsPtr;
    return actual;
}
