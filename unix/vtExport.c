/*
 * vtExport.c --
 *
 *	What a library that makes vtalloc the process's allocator exports
 *	besides its allocation functions: libvtmalloc.so (LD_PRELOAD) and
 *	libvtcore.a (linked into a Tcl built with vtalloc) both link it.
 *	Vtalloc_ProcessInstance hands the process's vtalloc to the Tcl
 *	package, so that it uses it instead of starting a second allocator;
 *	pthread_create stands for the C library's in every module loaded
 *	after the library, and is the safe point where the purger starts.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtApi.h"
#include "vtUnixInt.h"

#define VT_PUBLIC __attribute__((visibility("default")))

VT_PUBLIC const VtInstance *Vtalloc_ProcessInstance(void);
VT_PUBLIC int		pthread_create(pthread_t *threadPtr,
			    const pthread_attr_t *attrPtr,
			    void *(*proc)(void *), void *arg);

/*
 *----------------------------------------------------------------------
 *
 * Vtalloc_ProcessInstance --
 *
 *	The vtalloc instance of the process, for the Tcl package.
 *
 * Results:
 *	The instance table.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

const VtInstance *
Vtalloc_ProcessInstance(void)
{
    return &vtInstance;
}

/*
 *----------------------------------------------------------------------
 *
 * pthread_create --
 *
 *	The program (or Tcl: Tcl_CreateThread, its notifier) creates a
 *	thread: the safe point where the purger starts (VtPurgerSafePoint),
 *	before the program's thread. A program that never creates a thread
 *	never gets one; a forked child starts its own at its first.
 *
 * Results:
 *	As the C library's pthread_create.
 *
 * Side effects:
 *	A thread, and the purger's if it was not running.
 *
 *----------------------------------------------------------------------
 */

int
pthread_create(
    pthread_t *threadPtr,
    const pthread_attr_t *attrPtr,
    void *(*proc)(void *),
    void *arg)
{
    VtPurgerSafePoint();
    return VtpCreatePthread(threadPtr, attrPtr, proc, arg);
}
