/*
 * meminfo.c --
 *
 *	A test extension with one command, `meminfo`, that returns
 *	Tcl_GetMemoryInfo's list-of-lists: Zippy's figures in a stock Tcl,
 *	vtalloc's in the Tcl built with it (the same format).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include <tcl.h>

static int
MeminfoCmd(
    ClientData clientData,
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    Tcl_DString ds;

    (void) clientData;
    if (objc != 1) {
	Tcl_WrongNumArgs(interp, 1, objv, NULL);
	return TCL_ERROR;
    }
    Tcl_DStringInit(&ds);
    Tcl_GetMemoryInfo(&ds);
    Tcl_DStringResult(interp, &ds);
    return TCL_OK;
}

DLLEXPORT int
Vtmeminfo_Init(
    Tcl_Interp *interp)
{
    if (Tcl_InitStubs(interp, "8.6", 0) == NULL) {
	return TCL_ERROR;
    }
    Tcl_CreateObjCommand(interp, "meminfo", MeminfoCmd, NULL, NULL);
    return Tcl_PkgProvide(interp, "vtmeminfo", "0.1");
}
