/*
 * vtPanic.c --
 *
 *	How the core reports a fatal error (a bad pointer, exhausted memory
 *	where the caller cannot be told): a message to the procedure the front
 *	end installed (the Tcl front ends route it to Tcl_Panic), or else to
 *	standard error, and the process aborts. A leaf: it calls only the
 *	platform layer.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"
#include <stdio.h>

static VtPanicProc *panicProcPtr = NULL;

/*
 *----------------------------------------------------------------------
 *
 * VtSetPanicProc --
 *
 *	Route panics to procPtr (NULL: standard error and abort). procPtr
 *	must not return.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Replaces the panic hook.
 *
 *----------------------------------------------------------------------
 */

void
VtSetPanicProc(
    VtPanicProc *procPtr)
{
    panicProcPtr = procPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtPanic --
 *
 *	Report a fatal error with a printf-style message.
 *
 * Results:
 *	None; does not return.
 *
 * Side effects:
 *	Calls the panic hook; if it returns, writes the message to standard
 *	error and aborts.
 *
 *----------------------------------------------------------------------
 */

void
VtPanic(
    const char *format,
    ...)
{
    char message[512];
    va_list args;

    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    if (panicProcPtr != NULL) {
	panicProcPtr(message);
    }
    VtpWrite(message);
    VtpWrite("\n");
    VtpAbort();
}
