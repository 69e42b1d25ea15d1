/*
 * crashtest.c --
 *
 *	A test extension with one command that hands vtalloc a bad pointer on
 *	purpose, through vtalloc's stubs table (so it reaches whichever
 *	vtalloc the process has), to show that it is caught and reported
 *	through Tcl_Panic:
 *
 *	    crashtest KIND ?free|realloc?
 *		KIND is double (a block freed twice), interior (a pointer
 *		inside a block), stack or global (an address of either),
 *		foreign (a block of another allocator: Tcl's own in a stock
 *		Tcl, the C library's in a Tcl built with vtalloc, a page
 *		from the OS when vtalloc is the process's malloc) or
 *		released (a large block freed and its memory given back).
 *		The process ends; a Tcl error for bad arguments.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include <tcl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "vtalloc.h"

/*
 *----------------------------------------------------------------------
 *
 * Foreign --
 *
 *	A block that vtalloc did not hand out, by the process's mode
 *	(`vtalloc stats`' mode figure).
 *
 * Results:
 *	The block.
 *
 * Side effects:
 *	Allocates with another allocator, or maps a page.
 *
 *----------------------------------------------------------------------
 */

static char *
Foreign(
    Tcl_Interp *interp)
{
    const char *mode = "package";
    char *pagePtr;

    if (Tcl_Eval(interp, "dict get [vtalloc stats] mode") == TCL_OK) {
	mode = Tcl_GetStringResult(interp);
    }
    if (strcmp(mode, "package") == 0) {
	return Tcl_Alloc(64);
    }
    if (strcmp(mode, "core") == 0) {
	return malloc(64);
    }
    pagePtr = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return pagePtr == MAP_FAILED ? NULL : pagePtr + 64;
}

/*
 *----------------------------------------------------------------------
 *
 * CrashtestCmd --
 *
 *	The `crashtest` command.
 *
 * Results:
 *	A Tcl error for bad arguments; otherwise the process ends.
 *
 * Side effects:
 *	Panics.
 *
 *----------------------------------------------------------------------
 */

static int
CrashtestCmd(
    ClientData clientData,
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    static const char *const kinds[] = {
	"double", "foreign", "global", "interior", "released", "stack", NULL
    };
    enum { K_DOUBLE, K_FOREIGN, K_GLOBAL, K_INTERIOR, K_RELEASED, K_STACK };
    static const char *const operations[] = { "free", "realloc", NULL };
    static char global[64];
    volatile char local[16];
    char *ptr = NULL;
    int kind, operation = 0;

    (void) clientData;
    if (objc != 2 && objc != 3) {
	Tcl_WrongNumArgs(interp, 1, objv, "kind ?free|realloc?");
	return TCL_ERROR;
    }
    if (Tcl_GetIndexFromObj(interp, objv[1], kinds, "kind", 0,
	    &kind) != TCL_OK || (objc == 3 && Tcl_GetIndexFromObj(interp,
	    objv[2], operations, "operation", 0, &operation) != TCL_OK)) {
	return TCL_ERROR;
    }
    switch (kind) {
    case K_DOUBLE:
	ptr = Vt_Alloc(64);
	Vt_Free(ptr);
	break;
    case K_FOREIGN:
	ptr = Foreign(interp);
	break;
    case K_GLOBAL:
	ptr = global;
	break;
    case K_INTERIOR:
	ptr = Vt_Alloc(64) + 16;
	break;
    case K_RELEASED:
	ptr = Vt_Alloc(1 << 20);
	Vt_Free(ptr);
	Vt_Trim();
	break;
    case K_STACK:
	ptr = (char *) local;
	break;
    }
    if (operation == 0) {
	Vt_Free(ptr);
    } else {
	Vt_Realloc(ptr, 100);
    }
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * Vtcrashtest_Init --
 *
 *	Load the extension: Tcl's and vtalloc's stubs, and the command.
 *
 * Results:
 *	A Tcl result.
 *
 * Side effects:
 *	The `crashtest` command.
 *
 *----------------------------------------------------------------------
 */

DLLEXPORT int
Vtcrashtest_Init(
    Tcl_Interp *interp)
{
    if (Tcl_InitStubs(interp, "8.6", 0) == NULL
	    || Vtalloc_InitStubs(interp, VTALLOC_VERSION, 0) == NULL) {
	return TCL_ERROR;
    }
    Tcl_CreateObjCommand(interp, "crashtest", CrashtestCmd, NULL, NULL);
    return TCL_OK;
}
