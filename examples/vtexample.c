/*
 * vtexample.c --
 *
 *	An example extension that allocates with vtalloc through its stubs
 *	table, from threads of its own: build it with -DUSE_TCL_STUBS
 *	-DUSE_VTALLOC_STUBS and link libvtallocstub0.1.a and Tcl's stub
 *	library (make test does).
 *
 *	    vtexample run ?threads? ?blocks?
 *		Each thread allocates `blocks` blocks (Vt_Alloc), fills them,
 *		grows every other one (Vt_Realloc), checks them and hands
 *		them to the calling thread, which checks and frees them
 *		(Vt_Free: frees from a thread that does not own the page).
 *		Returns a dict: threads blocks errors.
 *	    vtexample require version
 *		Vtalloc_InitStubs again, for another version.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include <tcl.h>
#include <string.h>
#include "vtalloc.h"

typedef struct Job {
    int index;				/* Thread number. */
    int blocks;				/* Blocks to allocate. */
    char **ptrs;			/* The blocks, handed back. */
    unsigned int *sizes;
    int errors;
} Job;

/*
 *----------------------------------------------------------------------
 *
 * Fill, Intact --
 *
 *	Fill a block with a pattern of its job and number; check it.
 *
 *----------------------------------------------------------------------
 */

static void
Fill(
    char *ptr,
    unsigned int size,
    int seed)
{
    unsigned int i;

    for (i = 0; i < size; i++) {
	ptr[i] = (char) (seed + i * 7);
    }
}

static int
Intact(
    const char *ptr,
    unsigned int size,
    int seed)
{
    unsigned int i;

    for (i = 0; i < size; i++) {
	if (ptr[i] != (char) (seed + i * 7)) {
	    return 0;
	}
    }
    return 1;
}

/*
 *----------------------------------------------------------------------
 *
 * JobThread --
 *
 *	A thread of `vtexample run`.
 *
 *----------------------------------------------------------------------
 */

static Tcl_ThreadCreateType
JobThread(
    ClientData clientData)
{
    Job *jobPtr = clientData;
    int i;

    for (i = 0; i < jobPtr->blocks; i++) {
	unsigned int size = 1 + (unsigned int) ((i * 131 + jobPtr->index * 17)
		% 4000);

	jobPtr->ptrs[i] = Vt_Alloc(size);
	jobPtr->sizes[i] = size;
	Fill(jobPtr->ptrs[i], size, jobPtr->index + i);
    }
    for (i = 0; i < jobPtr->blocks; i += 2) {
	unsigned int size = jobPtr->sizes[i] * 3 + 100;

	jobPtr->ptrs[i] = Vt_Realloc(jobPtr->ptrs[i], size);
	if (!Intact(jobPtr->ptrs[i], jobPtr->sizes[i], jobPtr->index + i)) {
	    jobPtr->errors++;
	}
	jobPtr->sizes[i] = size;
	Fill(jobPtr->ptrs[i], size, jobPtr->index + i);
    }
    TCL_THREAD_CREATE_RETURN;
}

/*
 *----------------------------------------------------------------------
 *
 * VtexampleCmd --
 *
 *	The vtexample command.
 *
 *----------------------------------------------------------------------
 */

static int
VtexampleCmd(
    ClientData clientData,
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    static const char *const subcommands[] = { "require", "run", NULL };
    int index, threads = 4, blocks = 1000, errors = 0, t, i, result;
    Tcl_ThreadId *ids;
    Job *jobs;
    Tcl_Obj *dictPtr;

    (void) clientData;
    if (objc < 2) {
	Tcl_WrongNumArgs(interp, 1, objv, "subcommand ?arg ...?");
	return TCL_ERROR;
    }
    if (Tcl_GetIndexFromObj(interp, objv[1], subcommands, "subcommand", 0,
	    &index) != TCL_OK) {
	return TCL_ERROR;
    }
    if (index == 0) {
	if (objc != 3) {
	    Tcl_WrongNumArgs(interp, 2, objv, "version");
	    return TCL_ERROR;
	}
	if (Vtalloc_InitStubs(interp, Tcl_GetString(objv[2]), 0) == NULL) {
	    return TCL_ERROR;
	}
	Tcl_SetObjResult(interp, Tcl_NewStringObj(
		Tcl_PkgPresent(interp, "vtalloc", NULL, 0), -1));
	return TCL_OK;
    }
    if (objc > 4 || (objc > 2 && (Tcl_GetIntFromObj(interp, objv[2],
	    &threads) != TCL_OK || threads < 1 || threads > 64))
	    || (objc > 3 && (Tcl_GetIntFromObj(interp, objv[3],
	    &blocks) != TCL_OK || blocks < 1))) {
	Tcl_ResetResult(interp);
	Tcl_WrongNumArgs(interp, 2, objv, "?threads (1..64)? ?blocks (1..)?");
	return TCL_ERROR;
    }

    /*
     * The bookkeeping itself is allocated with vtalloc too.
     */

    ids = (Tcl_ThreadId *) Vt_Alloc(threads * sizeof(Tcl_ThreadId));
    jobs = (Job *) Vt_Alloc(threads * sizeof(Job));
    for (t = 0; t < threads; t++) {
	jobs[t].index = t;
	jobs[t].blocks = blocks;
	jobs[t].errors = 0;
	jobs[t].ptrs = (char **) Vt_Malloc(blocks * sizeof(char *));
	jobs[t].sizes = (unsigned int *) Vt_Malloc(blocks
		* sizeof(unsigned int));
	if (Tcl_CreateThread(&ids[t], JobThread, &jobs[t],
		TCL_THREAD_STACK_DEFAULT, TCL_THREAD_JOINABLE) != TCL_OK) {
	    Tcl_Panic("vtexample: cannot create a thread");
	}
    }
    for (t = 0; t < threads; t++) {
	Tcl_JoinThread(ids[t], &result);
	errors += jobs[t].errors;
	for (i = 0; i < blocks; i++) {
	    if (!Intact(jobs[t].ptrs[i], jobs[t].sizes[i], t + i)
		    || Vt_UsableSize(jobs[t].ptrs[i]) < jobs[t].sizes[i]) {
		errors++;
	    }
	    Vt_Free(jobs[t].ptrs[i]);
	}
	Vt_Free((char *) jobs[t].ptrs);
	Vt_Free((char *) jobs[t].sizes);
    }
    Vt_Free((char *) jobs);
    Vt_Free((char *) ids);
    if (Vt_AttemptMalloc((size_t) 1 << 62) != NULL) {
	errors++;
    }

    dictPtr = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj("threads", -1),
	    Tcl_NewIntObj(threads));
    Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj("blocks", -1),
	    Tcl_NewIntObj(threads * blocks));
    Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj("errors", -1),
	    Tcl_NewIntObj(errors));
    Tcl_SetObjResult(interp, dictPtr);
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * Vtexample_Init --
 *
 *	Initialise the example: Tcl's stubs, then vtalloc's.
 *
 *----------------------------------------------------------------------
 */

DLLEXPORT int
Vtexample_Init(
    Tcl_Interp *interp)
{
    if (Tcl_InitStubs(interp, "8.6", 0) == NULL
	    || Vtalloc_InitStubs(interp, VTALLOC_VERSION, 0) == NULL) {
	return TCL_ERROR;
    }
    Tcl_CreateObjCommand(interp, "vtexample", VtexampleCmd, NULL, NULL);
    return Tcl_PkgProvide(interp, "vtexample", "0.1");
}
