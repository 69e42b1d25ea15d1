/*
 * harness.h --
 *
 *	The little harness of the C programs that test libvtmalloc as
 *	programs built against the C library and run with
 *	LD_PRELOAD=libvtmalloc.so: checks, named tests, the statistics of
 *	the preloaded allocator, and tests run in a child process under a
 *	watchdog that kills it with SIGKILL (a hung allocator may have every
 *	signal blocked) and reports it as hung.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTHARNESS
#define _VTHARNESS

#include "vtApi.h"
#include "../statm.h"
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int passed, failed, current;

#define CHECK(cond)							\
    do {								\
	if (!(cond)) {							\
	    printf("    FAILED at %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
	    fflush(stdout);						\
	    current = 1;						\
	}								\
    } while (0)

/*
 *----------------------------------------------------------------------
 *
 * Run --
 *
 *	Run one named test and report it.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Counts the test as passed or failed.
 *
 *----------------------------------------------------------------------
 */

static inline void
Run(
    const char *name,
    void (*proc)(void))
{
    current = 0;
    proc();
    printf("  %s: %s\n", name, current ? "FAILED" : "ok");
    if (current) {
	failed++;
    } else {
	passed++;
    }
    fflush(stdout);
}

/*
 *----------------------------------------------------------------------
 *
 * InChild --
 *
 *	Run proc in a forked child, which exits 0 if its checks held; kill
 *	it with SIGKILL if it has not ended after `seconds`.
 *
 * Results:
 *	0 if the child passed, 1 if it failed or died, 2 if it hung.
 *
 * Side effects:
 *	A child process; prints "hung" for one that had to be killed.
 *
 *----------------------------------------------------------------------
 */

static inline int
InChild(
    void (*proc)(void),
    int seconds)
{
    struct timespec pause = { 0, 10000000 };
    pid_t pid;
    int status, waited;

    fflush(stdout);
    pid = fork();
    if (pid < 0) {
	return 1;
    }
    if (pid == 0) {
	current = 0;
	proc();
	fflush(stdout);
	_exit(current);
    }
    for (waited = 0; waited < seconds * 100; waited++) {
	if (waitpid(pid, &status, WNOHANG) == pid) {
	    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	nanosleep(&pause, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    printf("    hung: killed after %d s\n", seconds);
    return 2;
}

/*
 *----------------------------------------------------------------------
 *
 * Instance, Stats, Rss, Tasks --
 *
 *	The preloaded allocator's instance table and its statistics;
 *	the process's resident bytes; its number of threads.
 *
 * Results:
 *	See above; 0 where unknown.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static inline const VtInstance *
Instance(void)
{
    const VtInstance *(*getProc)(void) = (const VtInstance *(*)(void))
	    dlsym(RTLD_DEFAULT, "Vtalloc_ProcessInstance");
    const VtInstance *instPtr = getProc != NULL ? getProc() : NULL;

    return instPtr != NULL && instPtr->magic == VT_INSTANCE_MAGIC
	    && instPtr->layout == VT_INSTANCE_LAYOUT ? instPtr : NULL;
}

static inline int
Stats(
    VtStats *statsPtr)
{
    const VtInstance *instPtr = Instance();

    memset(statsPtr, 0, sizeof(VtStats));
    if (instPtr == NULL) {
	return 0;
    }
    instPtr->getStats(statsPtr, NULL, NULL);
    return 1;
}

static inline uint64_t
Rss(void)
{
    uint64_t size, resident;

    (void) Statm(&size, &resident);
    return resident;
}

static inline int
Tasks(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int threads = 0;

    if (f == NULL) {
	return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
	if (sscanf(line, "Threads: %d", &threads) == 1) {
	    break;
	}
    }
    fclose(f);
    return threads;
}

#endif /* _VTHARNESS */
