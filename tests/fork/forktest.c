/*
 * forktest.c --
 *
 *	A test extension with one command that forks a multi-threaded
 *	process and allocates in the child, through vtalloc's stubs table
 *	(so it reaches whichever vtalloc the process has: the package's, the
 *	Tcl core's or libvtmalloc's):
 *
 *	    forktest THREADS ROUNDS
 *		Starts THREADS threads that allocate and free (Vt_Alloc,
 *		Vt_Realloc, Vt_Free and Tcl_Alloc/Tcl_Free) without pause,
 *		then forks ROUNDS times while they run. Each child checks a
 *		block the parent filled before the fork, allocates and frees
 *		4,000 blocks of all sizes, frees the parent's block, starts a
 *		thread that frees a block of the child's main thread and
 *		allocates in turn, and exits 0 if all went well. Returns the
 *		children's exit statuses (or "signal N", or "hung" for a
 *		child killed after 30 seconds).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include <tcl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "vtalloc.h"

static volatile int stopping;

static void
Fill(
    char *ptr,
    size_t size,
    int seed)
{
    size_t i;

    for (i = 0; i < size; i++) {
	ptr[i] = (char) (seed + i);
    }
}

static int
Intact(
    const char *ptr,
    size_t size,
    int seed)
{
    size_t i;

    for (i = 0; i < size; i++) {
	if (ptr[i] != (char) (seed + i)) {
	    return 0;
	}
    }
    return 1;
}

static void *
Busy(
    void *data)
{
    unsigned n = 0;

    (void) data;
    while (!stopping) {
	char *a = Vt_Alloc(16 + n % 3000);
	char *b = Tcl_Alloc(16 + n % 200);

	a = Vt_Realloc(a, 100000 + n % 50000);
	Vt_Free(a);
	Tcl_Free(b);
	n++;
    }
    return NULL;
}

/*
 * In the child: a thread that frees the main thread's block (a remote
 * free into a page the child inherited) and allocates.
 */

static void *
ChildThread(
    void *data)
{
    char *block = data;
    int i, ok = Intact(block, 500, 3);

    Vt_Free(block);
    for (i = 0; i < 1000; i++) {
	char *p = Vt_Alloc((unsigned) (1 + i * 37 % 40000));

	p[0] = 1;
	Vt_Free(p);
    }
    return ok ? data : NULL;
}

static int
Child(
    char *parentBlock)
{
    pthread_t thread;
    void *result = NULL;
    char *blocks[4000], *mine;
    int i, ok = Intact(parentBlock, 1000, 9);

    for (i = 0; i < 4000; i++) {
	unsigned size = (unsigned) (1 + (i * 7919) % (i % 10 == 0
		? 3000000 : 4000));

	blocks[i] = Vt_Alloc(size);
	Fill(blocks[i], size < 64 ? size : 64, i);
    }
    for (i = 0; i < 4000; i++) {
	unsigned size = (unsigned) (1 + (i * 7919) % (i % 10 == 0
		? 3000000 : 4000));

	ok &= Intact(blocks[i], size < 64 ? size : 64, i);
	Vt_Free(blocks[i]);
    }
    Vt_Free(parentBlock);
    mine = Vt_Alloc(500);
    Fill(mine, 500, 3);
    if (pthread_create(&thread, NULL, ChildThread, mine) != 0
	    || pthread_join(thread, &result) != 0 || result == NULL) {
	ok = 0;
    }
    Vt_Trim();
    return ok ? 0 : 1;
}

/*
 * Wait for a child for at most 30 seconds (a child that deadlocks on a
 * lock held at the fork must not hang the test); then abort it (under a
 * sanitizer that prints where it was stuck) and kill it.
 */

static int
Reap(
    pid_t pid,
    int *statusPtr)
{
    int tenths;

    for (tenths = 0; tenths < 300; tenths++) {
	if (waitpid(pid, statusPtr, WNOHANG) == pid) {
	    return 1;
	}
	usleep(100000);
    }
    kill(pid, SIGABRT);
    for (tenths = 0; tenths < 50; tenths++) {
	if (waitpid(pid, statusPtr, WNOHANG) == pid) {
	    return 0;
	}
	usleep(100000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, statusPtr, 0);
    return 0;
}

static int
ForktestCmd(
    ClientData clientData,
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    pthread_t threads[16];
    int nThreads, rounds, i, round;
    char *parentBlock;
    Tcl_Obj *resultPtr;

    (void) clientData;
    if (objc != 3 || Tcl_GetIntFromObj(interp, objv[1], &nThreads) != TCL_OK
	    || Tcl_GetIntFromObj(interp, objv[2], &rounds) != TCL_OK
	    || nThreads < 0 || nThreads > 16 || rounds < 1) {
	Tcl_ResetResult(interp);
	Tcl_WrongNumArgs(interp, 1, objv, "threads (0..16) rounds (1..)");
	return TCL_ERROR;
    }
    parentBlock = Vt_Alloc(1000);
    Fill(parentBlock, 1000, 9);
    stopping = 0;
    for (i = 0; i < nThreads; i++) {
	pthread_create(&threads[i], NULL, Busy, NULL);
    }
    resultPtr = Tcl_NewListObj(0, NULL);
    for (round = 0; round < rounds; round++) {
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
	    _exit(Child(parentBlock));
	}
	if (pid < 0) {
	    Tcl_ListObjAppendElement(NULL, resultPtr,
		    Tcl_NewStringObj("fork failed", -1));
	    continue;
	}
	if (!Reap(pid, &status)) {
	    Tcl_ListObjAppendElement(NULL, resultPtr,
		    Tcl_NewStringObj("hung", -1));
	    continue;
	}
	Tcl_ListObjAppendElement(NULL, resultPtr, WIFEXITED(status)
		? Tcl_NewIntObj(WEXITSTATUS(status))
		: Tcl_ObjPrintf("signal %d", WTERMSIG(status)));
    }
    stopping = 1;
    for (i = 0; i < nThreads; i++) {
	pthread_join(threads[i], NULL);
    }
    Vt_Free(parentBlock);
    Tcl_SetObjResult(interp, resultPtr);
    return TCL_OK;
}

DLLEXPORT int
Vtforktest_Init(
    Tcl_Interp *interp)
{
    if (Tcl_InitStubs(interp, "8.6", 0) == NULL
	    || Vtalloc_InitStubs(interp, VTALLOC_VERSION, 0) == NULL) {
	return TCL_ERROR;
    }
    Tcl_CreateObjCommand(interp, "forktest", ForktestCmd, NULL, NULL);
    return TCL_OK;
}
