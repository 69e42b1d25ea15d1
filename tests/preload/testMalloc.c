/*
 * testMalloc.c --
 *
 *	Tests of libvtmalloc's entry points, as a program built against the
 *	C library and run with LD_PRELOAD=libvtmalloc.so: alignment, zero
 *	sizes, overflow, calloc (zeros, and no RSS for fresh memory), usable
 *	size, realloc growth and shrink, frees from other threads, fork in a
 *	threaded program, malloc_trim, and bad pointers (each in a child
 *	process, which must abort with a message naming the pointer). It
 *	first checks that the preloaded allocator is really the one
 *	answering.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "harness.h"
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Impossible sizes, hidden from the compiler's own checks.
 */

static volatile size_t halfMax = SIZE_MAX / 2;

static void
Fill(
    unsigned char *p,
    size_t n,
    unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
	p[i] = (unsigned char) (seed + i * 13);
    }
}

static int
Intact(
    const unsigned char *p,
    size_t n,
    unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
	if (p[i] != (unsigned char) (seed + i * 13)) {
	    return 0;
	}
    }
    return 1;
}

static void
TestPreloaded(void)
{
    CHECK(dlsym(RTLD_DEFAULT, "Vtalloc_ProcessInstance") != NULL);
}

static void
TestBasics(void)
{
    size_t sizes[] = { 0, 1, 15, 16, 17, 100, 1000, 4096, 32768, 32769,
	100000, 3 << 20 };
    size_t i;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
	unsigned char *p = malloc(sizes[i]);

	CHECK(p != NULL);
	CHECK(((uintptr_t) p & 15) == 0);
	CHECK(malloc_usable_size(p) >= sizes[i]);
	Fill(p, sizes[i], (unsigned) i);
	CHECK(Intact(p, sizes[i], (unsigned) i));
	free(p);
    }
    {
	void *a = malloc(0), *b = malloc(0);

	CHECK(a != NULL && b != NULL && a != b);
	free(a);
	free(b);
    }
    free(NULL);
    CHECK(malloc_usable_size(NULL) == 0);
}

static void
TestCalloc(void)
{
    unsigned char *p;
    size_t i;
    int zero = 1;

    /*
     * Dirty some memory first, so that calloc must really clear.
     */

    p = malloc(5000);
    memset(p, 0xAB, 5000);
    free(p);
    p = calloc(50, 100);
    CHECK(p != NULL);
    for (i = 0; i < 5000; i++) {
	zero &= p[i] == 0;
    }
    CHECK(zero);
    free(p);
    errno = 0;
    CHECK(calloc(halfMax, 3) == NULL);
    CHECK(errno == ENOMEM);
    p = calloc(0, 10);
    CHECK(p != NULL);
    free(p);

    /*
     * A large block over memory used before is cleared; 512 MiB fresh
     * from the OS is not written (glibc's RSS grows by 0 too).
     */

    p = malloc(3 << 20);
    memset(p, 0xAB, 3 << 20);
    free(p);
    p = malloc(300000);
    memset(p, 0xCD, 300000);
    free(p);
    p = calloc(1, 1 << 20);
    CHECK(p != NULL);
    for (i = 0, zero = 1; i < (1 << 20); i++) {
	zero &= p[i] == 0;
    }
    CHECK(zero);
    free(p);
    {
	long before = Rss(), after;

	p = calloc(512, 1 << 20);
	after = Rss();
	CHECK(p != NULL && after - before < 16L << 20);
	if (current) {
	    printf("    calloc 512 MiB: rss %ld -> %ld KiB\n", before >> 10,
		    after >> 10);
	}
	for (i = 0, zero = 1; p != NULL && i < ((size_t) 512 << 20);
		i += 4096) {
	    zero &= p[i] == 0;
	}
	CHECK(zero);
	free(p);
    }
}

/*
 * A failed realloc leaves the block as it was: using it afterwards is right,
 * whatever the compiler's use-after-free heuristics say.
 */

#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wuse-after-free"

static void
TestRealloc(void)
{
    unsigned char *p = realloc(NULL, 10), *q;
    size_t size;

    CHECK(p != NULL);
    Fill(p, 10, 3);
    for (size = 20; size < (8 << 20); size = size * 3 + 7) {
	p = realloc(p, size);
	CHECK(p != NULL && Intact(p, 10, 3));
    }
    for (; size > 8; size /= 5) {
	p = realloc(p, size);
	CHECK(p != NULL && Intact(p, 8, 3));
    }
    CHECK(realloc(p, 0) == NULL);
    errno = 0;
    q = malloc(10);
    CHECK(realloc(q, halfMax / 2) == NULL && errno == ENOMEM);
    CHECK(reallocarray(q, halfMax, 3) == NULL && errno == ENOMEM);
    q = reallocarray(q, 100, 10);
    CHECK(q != NULL && malloc_usable_size(q) >= 1000);
    free(q);
    errno = 0;
    CHECK(malloc(halfMax * 2 - 4096) == NULL && errno == ENOMEM);
}

static void
TestAligned(void)
{
    size_t align;
    void *p;

    for (align = sizeof(void *); align <= (2 << 20); align <<= 1) {
	size_t sizes[] = { 1, align - 1, align, 3 * align + 5, 70000 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
	    p = NULL;
	    CHECK(posix_memalign(&p, align, sizes[i]) == 0);
	    CHECK(p != NULL && ((uintptr_t) p & (align - 1)) == 0);
	    CHECK(malloc_usable_size(p) >= sizes[i]);
	    memset(p, 7, sizes[i]);
	    free(p);
	    p = aligned_alloc(align, sizes[i]);
	    CHECK(p != NULL && ((uintptr_t) p & (align - 1)) == 0);
	    free(p);
	}
    }
    CHECK(posix_memalign(&p, 24, 10) == EINVAL);
    CHECK(posix_memalign(&p, 2, 10) == EINVAL);
    errno = 0;
    CHECK(aligned_alloc(24, 10) == NULL && errno == EINVAL);
    p = memalign(48, 100);
    CHECK(p != NULL && ((uintptr_t) p & 63) == 0);
    free(p);
    p = valloc(10);
    CHECK(p != NULL && ((uintptr_t) p & (sysconf(_SC_PAGESIZE) - 1)) == 0);
    free(p);
    p = pvalloc(10);
    CHECK(p != NULL && malloc_usable_size(p) >= (size_t) sysconf(_SC_PAGESIZE));
    free(p);
}

/*
 * Threads that free each other's blocks.
 */

#define THREADS 4
#define BLOCKS 20000

static unsigned char *blocks[THREADS][BLOCKS];
static pthread_barrier_t barrier;
static int threadErrors;

static void *
CrossThread(
    void *data)
{
    int self = (int) (intptr_t) data, other = (self + 1) % THREADS, i;

    for (i = 0; i < BLOCKS; i++) {
	size_t size = 1 + (size_t) ((i * 37 + self) % 3000);

	blocks[self][i] = malloc(size);
	Fill(blocks[self][i], size < 8 ? size : 8, (unsigned) (self + i));
    }
    pthread_barrier_wait(&barrier);
    for (i = 0; i < BLOCKS; i++) {
	size_t size = 1 + (size_t) ((i * 37 + other) % 3000);

	if (!Intact(blocks[other][i], size < 8 ? size : 8,
		(unsigned) (other + i))) {
	    __atomic_add_fetch(&threadErrors, 1, __ATOMIC_RELAXED);
	}
	free(blocks[other][i]);
    }
    return NULL;
}

static void
TestThreads(void)
{
    pthread_t threads[THREADS];
    int i;

    pthread_barrier_init(&barrier, NULL, THREADS);
    for (i = 0; i < THREADS; i++) {
	CHECK(pthread_create(&threads[i], NULL, CrossThread,
		(void *) (intptr_t) i) == 0);
    }
    for (i = 0; i < THREADS; i++) {
	pthread_join(threads[i], NULL);
    }
    CHECK(threadErrors == 0);
}

/*
 * fork while other threads allocate; the child allocates, frees, and
 * frees a block its parent allocated before the fork.
 */

static volatile int stopBusy;

static void *
Busy(
    void *data)
{
    (void) data;
    while (!stopBusy) {
	void *p = malloc(64);
	void *q = malloc(5000);

	free(p);
	free(q);
    }
    return NULL;
}

static void
TestFork(void)
{
    pthread_t threads[2];
    int round, i;
    unsigned char *before = malloc(1000);

    Fill(before, 1000, 9);
    for (i = 0; i < 2; i++) {
	pthread_create(&threads[i], NULL, Busy, NULL);
    }
    for (round = 0; round < 20; round++) {
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
	    int ok = Intact(before, 1000, 9);

	    for (i = 0; i < 10000; i++) {
		void *p = malloc((size_t) (i % 5000) + 1);

		ok &= p != NULL;
		free(p);
	    }
	    free(before);
	    _exit(ok ? 0 : 1);
	}
	CHECK(pid > 0);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    stopBusy = 1;
    for (i = 0; i < 2; i++) {
	pthread_join(threads[i], NULL);
    }
    free(before);
}

/*
 * Bad pointers. Each case runs in a child whose standard error goes to a
 * pipe; the child must die of SIGABRT after a message that names the
 * pointer, the operation and the reason (a released block's segment may
 * still hold other blocks: then its page is free but still mapped).
 */

enum BadKind {
    BAD_DOUBLE, BAD_INTERIOR, BAD_STACK, BAD_GLOBAL, BAD_FOREIGN,
    BAD_RELEASED, BAD_LARGE_REUSED, BAD_KINDS
};

static const char *const badNames[] = {
    "double", "interior", "stack", "global", "foreign", "released",
    "large, reused"
};
static const char *const badReasons[] = {
    "the block is already free (double free)", "not the start of a block",
    "not vtalloc's memory", "not vtalloc's memory", "not vtalloc's memory",
    "already released", "double free"
};
static const char *const releasedAlso = "in a free page";
static char badGlobal[64];

static void
BadPointer(
    enum BadKind kind,
    int useRealloc)
{
    volatile char local[16];
    char *ptr = NULL;

    switch (kind) {
    case BAD_DOUBLE:
	ptr = malloc(64);
	free(ptr);
	break;
    case BAD_INTERIOR:
	ptr = (char *) malloc(64) + 16;
	break;
    case BAD_STACK:
	ptr = (char *) local;
	break;
    case BAD_GLOBAL:
	ptr = badGlobal;
	break;
    case BAD_FOREIGN:
	ptr = (char *) mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) + 64;
	break;
    case BAD_RELEASED:
	ptr = malloc(1 << 20);
	free(ptr);
	malloc_trim(0);
	break;
    case BAD_LARGE_REUSED: {
	/*
	 * A large block freed, its memory taken by a page of small blocks
	 * (the freed run is the one the next page is cut from), freed
	 * again.
	 */

	int i;

	ptr = malloc(100000);
	free(ptr);
	for (i = 0; i < 200; i++) {
	    memset(malloc(1000), 1, 1000);
	}
	break;
    }
    case BAD_KINDS:
	break;
    }
    if (useRealloc) {
	ptr = realloc(ptr, 100);
    } else {
	free(ptr);
    }
    printf("survived %p\n", (void *) ptr);
}

static void
TestBadPointers(void)
{
    int kind, useRealloc;

    for (kind = 0; kind < BAD_KINDS; kind++) {
	for (useRealloc = 0; useRealloc < 2; useRealloc++) {
	    const char *op = useRealloc ? "realloc" : "free";
	    char text[1024], expected[64];
	    int fds[2], status = -1;
	    ssize_t n, got = 0;
	    pid_t pid;

	    fflush(stdout);
	    if (pipe(fds) != 0) {
		CHECK(!"pipe");
		return;
	    }
	    pid = fork();
	    if (pid == 0) {
		struct rlimit none = { 0, 0 };

		setrlimit(RLIMIT_CORE, &none);
		dup2(fds[1], 2);
		close(fds[0]);
		BadPointer((enum BadKind) kind, useRealloc);
		_exit(0);
	    }
	    close(fds[1]);
	    while (got < (ssize_t) sizeof(text) - 1 && (n = read(fds[0],
		    text + got, sizeof(text) - 1 - (size_t) got)) > 0) {
		got += n;
	    }
	    text[got] = '\0';
	    close(fds[0]);
	    waitpid(pid, &status, 0);
	    snprintf(expected, sizeof(expected), " passed to %s: ", op);
	    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT
		    && strncmp(text, "vtalloc: invalid block 0x", 25) == 0
		    && strstr(text, expected) != NULL
		    && (strstr(text, badReasons[kind]) != NULL
		    || (kind == BAD_RELEASED
		    && strstr(text, releasedAlso) != NULL)))) {
		printf("    FAILED: %s pointer to %s: status %#x, stderr"
			" \"%s\"\n", badNames[kind], op, status, text);
		current = 1;
	    }
	}
    }
}

/*
 * malloc_trim gives freed memory back at once: RSS drops; it says whether
 * it gave anything back, as the C library's does.
 */

static void
TestTrim(void)
{
    enum { COUNT = 4096 };
    static void *blocks[COUNT];
    long before, full, after;
    int i;

    before = Rss();
    for (i = 0; i < COUNT; i++) {
	blocks[i] = malloc(32768);
	memset(blocks[i], 1, 32768);
    }
    full = Rss();
    for (i = 0; i < COUNT; i++) {
	free(blocks[i]);
    }
    CHECK(malloc_trim(0) == 1);
    CHECK(malloc_trim(0) == 0);		/* Nothing left to give back. */
    after = Rss();
    CHECK(full - before > 100L << 20);
    CHECK(after - before < 16L << 20);
    if (current) {
	printf("    rss before %ld, full %ld, after trim %ld KiB\n",
		before >> 10, full >> 10, after >> 10);
    }
}

int
main(void)
{
    Run("preloaded", TestPreloaded);
    Run("basics", TestBasics);
    Run("calloc", TestCalloc);
    Run("realloc", TestRealloc);
    Run("aligned", TestAligned);
    Run("threads", TestThreads);
    Run("fork in a threaded program", TestFork);
    Run("malloc_trim", TestTrim);
    Run("bad pointers", TestBadPointers);
    printf("unit testMalloc: %d passed, %d failed\n", passed, failed);
    return failed > 0;
}
