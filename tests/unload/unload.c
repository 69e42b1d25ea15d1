/*
 * unload.c --
 *
 *	A C host that uses the package library and lets it go, as an
 *	embedding application may: it opens the library with dlopen and
 *	allocates through its C API from two threads, loads it into a Tcl
 *	interpreter of its own (`load`, `vtalloc stress`, `vtalloc trim`),
 *	deletes the interpreter, closes its handle and finalizes Tcl; then
 *	the thread that allocated exits, the process runs on for a while
 *	(long enough for vtalloc's purger to wake up) and allocates with
 *	the C library. The library must stay usable, or at least never be
 *	run after it is gone: before it was linked -z nodelete, its purger
 *	and thread-exit destructor ran in unmapped code (SIGSEGV).
 *	Prints "unit unload: P passed, F failed".
 *
 * Usage:
 *	unload /path/to/libvtalloc0.1.so
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tcl.h>

typedef void *(MallocProc)(size_t size);
typedef void (FreeProc)(char *ptr);

static MallocProc *mallocProc;
static FreeProc *freeProc;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stage = 0;			/* 1: worker allocated; 2: may exit. */
static int passed = 0, failed = 0;

/*
 *----------------------------------------------------------------------
 *
 * Check --
 *
 *	Count and print one check's outcome.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	A line on standard output.
 *
 *----------------------------------------------------------------------
 */

static void
Check(
    const char *name,
    int ok)
{
    printf("  %s: %s\n", name, ok ? "ok" : "FAILED");
    fflush(stdout);
    if (ok) {
	passed++;
    } else {
	failed++;
    }
}

/*
 *----------------------------------------------------------------------
 *
 * Worker --
 *
 *	A thread that allocates and frees through the library's C API (so
 *	that it has a vtalloc cache and its exit destructor is armed), then
 *	waits until the library has been let go, and exits.
 *
 * Results:
 *	NULL.
 *
 * Side effects:
 *	See above.
 *
 *----------------------------------------------------------------------
 */

static void *
Worker(
    void *arg)
{
    char *blocks[1000];
    int i;

    (void) arg;
    for (i = 0; i < 1000; i++) {
	blocks[i] = mallocProc((size_t) (16 + i * 40));
	memset(blocks[i], 0x5a, (size_t) (16 + i * 40));
    }
    for (i = 0; i < 1000; i += 2) {
	freeProc(blocks[i]);
    }
    pthread_mutex_lock(&lock);
    stage = 1;
    pthread_cond_broadcast(&cond);
    while (stage < 2) {
	pthread_cond_wait(&cond, &lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int
main(
    int argc,
    char **argv)
{
    Tcl_Interp *interp;
    pthread_t thread;
    char script[1200];
    void *handle, *ptr;
    int code;

    if (argc != 2) {
	fprintf(stderr, "usage: %s /path/to/libvtalloc.so\n", argv[0]);
	return 2;
    }
    alarm(60);
    Tcl_FindExecutable(argv[0]);

    handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
	fprintf(stderr, "dlopen: %s\n", dlerror());
	return 2;
    }
    mallocProc = (MallocProc *) dlsym(handle, "Vt_Malloc");
    freeProc = (FreeProc *) dlsym(handle, "Vt_Free");
    Check("the library exports Vt_Malloc and Vt_Free",
	    mallocProc != NULL && freeProc != NULL);
    if (mallocProc == NULL || freeProc == NULL) {
	return 1;
    }
    ptr = mallocProc(100);
    memset(ptr, 1, 100);
    freeProc(ptr);
    pthread_create(&thread, NULL, Worker, NULL);
    pthread_mutex_lock(&lock);
    while (stage < 1) {
	pthread_cond_wait(&cond, &lock);
    }
    pthread_mutex_unlock(&lock);

    interp = Tcl_CreateInterp();
    snprintf(script, sizeof(script), "load {%s} Vtalloc\n"
	    "vtalloc stress -threads 2 -ops 20000\n"
	    "vtalloc trim\n"
	    "dict get [vtalloc stats] mode", argv[1]);
    code = Tcl_Eval(interp, script);
    Check("the package loads and runs in an interpreter of the host",
	    code == TCL_OK);
    if (code != TCL_OK) {
	fprintf(stderr, "%s\n", Tcl_GetStringResult(interp));
    }
    Tcl_DeleteInterp(interp);
    Tcl_Finalize();
    Check("dlclose of the library succeeds", dlclose(handle) == 0);

    pthread_mutex_lock(&lock);
    stage = 2;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    Check("a thread that allocated exits after dlclose", 1);

    /*
     * The purger wakes up every decay (250 ms by default).
     */

    usleep(700 * 1000);
    ptr = malloc(1000);
    memset(ptr, 2, 1000);
    free(ptr);
    Check("the host runs on after dlclose (purger, thread exit)", 1);
    printf("unit unload: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
