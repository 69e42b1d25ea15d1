/*
 * testLife.c --
 *
 *	Tests of libvtmalloc in the lives of ordinary threaded programs, run
 *	with LD_PRELOAD=libvtmalloc.so: threads that create threads (joined
 *	and detached) by the ten thousand, the same in forked children of a
 *	program whose threads keep allocating, forks that catch a release
 *	pass out of the lock, a main that ends with pthread_exit, threads
 *	whose last frees come from the C library after their exit callbacks
 *	(no cache may outlive them), the purger option turned on from inside the program, a
 *	program that never creates a thread (it must never get one), and a
 *	program that cannot create threads at all (memory must go back all
 *	the same). Each runs in a child process under a watchdog: a hang is
 *	killed with SIGKILL and reported as hung.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "harness.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>

#define MIB (1024 * 1024)

static _Atomic long leaves;		/* Leaf threads that ran. */
static _Atomic int detachedLive;	/* Detached leaves not yet done. */

/*
 *----------------------------------------------------------------------
 *
 * Leaf, Branch, Tree --
 *
 *	A thread tree: Tree starts `branches` threads and joins them; each
 *	starts `perBranch` leaves one after the other, every second one
 *	detached;
 *	a leaf allocates, writes, waits a little and frees (no block crosses
 *	threads: frees from other threads keep the purger busy, and the
 *	hang this looks for came when the purger had gone idle).
 *
 * Results:
 *	Tree: the leaves that ran.
 *
 * Side effects:
 *	Threads.
 *
 *----------------------------------------------------------------------
 */

static void *
Leaf(
    void *arg)
{
    char *p = malloc(3000), *q = malloc(100);

    (void) arg;
    memset(p, 1, 3000);
    memset(q, 2, 100);
    free(q);
    usleep(300);			/* Long enough for the purger to go
					 * idle now and then. */
    free(p);
    atomic_fetch_add(&leaves, 1);
    return NULL;
}

static void *
DetachedLeaf(
    void *arg)
{
    Leaf(arg);
    atomic_fetch_sub(&detachedLive, 1);
    return NULL;
}

static void *
Branch(
    void *arg)
{
    long i, perBranch = (long) (intptr_t) arg;

    for (i = 0; i < perBranch; i++) {
	pthread_t thread;

	if (i % 2 == 0) {
	    if (pthread_create(&thread, NULL, Leaf, NULL) == 0) {
		pthread_join(thread, NULL);
	    }
	} else {
	    pthread_attr_t attr;

	    pthread_attr_init(&attr);
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	    atomic_fetch_add(&detachedLive, 1);
	    if (pthread_create(&thread, &attr, DetachedLeaf, NULL) != 0) {
		atomic_fetch_sub(&detachedLive, 1);
	    }
	    pthread_attr_destroy(&attr);
	}
    }
    return NULL;
}

static long
Tree(
    int branches,
    long perBranch)
{
    pthread_t threads[16];
    int i;

    atomic_store(&leaves, 0);
    for (i = 0; i < branches; i++) {
	pthread_create(&threads[i], NULL, Branch,
		(void *) (intptr_t) perBranch);
    }
    for (i = 0; i < branches; i++) {
	pthread_join(threads[i], NULL);
    }
    while (atomic_load(&detachedLive) > 0) {
	sched_yield();
    }
    return atomic_load(&leaves);
}

/*
 *----------------------------------------------------------------------
 *
 * ThreadTree --
 *
 *	20,000 threads created by threads (25 trees of 4 branches of 200
 *	leaves), joined and detached, in a new program. With the
 *	purger started from inside free() (under the C library's lock on
 *	its stack cache, which pthread_create takes too) this hung within
 *	seconds.
 *
 *----------------------------------------------------------------------
 */

static void
ThreadTreeChild(void)
{
    long n = 0;
    int round;

    for (round = 0; round < 25; round++) {
	n += Tree(4, 200);
    }
    printf("    %ld leaf threads\n", n);
    CHECK(n == 20000);
}

static void
ThreadTreeProgram(void)
{
    execl("/proc/self/exe", "testLife", "tree", (char *) NULL);
    _exit(3);
}

static void
ThreadTree(void)
{
    CHECK(InChild(ThreadTreeProgram, 120) == 0);
}

/*
 *----------------------------------------------------------------------
 *
 * ForkTree --
 *
 *	A program whose threads keep allocating forks 40 children, each of
 *	which creates 400 threads (joined and detached) and exits. Every
 *	child must end.
 *
 *----------------------------------------------------------------------
 */

static _Atomic int stopBusy;

static void *
Busy(
    void *arg)
{
    void *blocks[64] = { NULL };
    unsigned i = 0;

    (void) arg;
    while (!atomic_load(&stopBusy)) {
	free(blocks[i % 64]);
	blocks[i % 64] = malloc(16 + (i * 37) % 5000);
	i++;
    }
    for (i = 0; i < 64; i++) {
	free(blocks[i]);
    }
    return NULL;
}

static void
ForkTreeChild(void)
{
    CHECK(Tree(4, 100) == 400);
}

/*
 * ForkWhileBusy: `count` threads run busy(i + 1) while the program forks
 * `children` children that run child; every child must end well.
 */

static void
ForkWhileBusy(
    void *(*busy)(void *),
    int count,
    void (*child)(void),
    int children)
{
    pthread_t threads[8];
    int i, hung = 0, bad = 0;

    atomic_store(&stopBusy, 0);
    for (i = 0; i < count; i++) {
	pthread_create(&threads[i], NULL, busy, (void *) (uintptr_t) (i + 1));
    }
    for (i = 0; i < children; i++) {
	int result = InChild(child, 30);

	hung += result == 2;
	bad += result == 1;
    }
    atomic_store(&stopBusy, 1);
    for (i = 0; i < count; i++) {
	pthread_join(threads[i], NULL);
    }
    printf("    %d children: %d hung, %d failed\n", children, hung, bad);
    CHECK(hung == 0 && bad == 0);
}

static void
ForkTree(void)
{
    ForkWhileBusy(Busy, 3, ForkTreeChild, 40);
}

/*
 *----------------------------------------------------------------------
 *
 * ForkRelease --
 *
 *	With no decay, threads that churn large blocks (new segments mapped,
 *	free runs and segments given back, out of the shared lock) and small
 *	ones keep the release passes busy while the program forks 300
 *	children: a fork may catch a pass with its system calls under way.
 *	Each child fills and checks blocks of every kind, creates a thread
 *	and trims; every child must end with its data intact.
 *
 *----------------------------------------------------------------------
 */

static void *
BusyLarge(
    void *arg)
{
    unsigned seed = (unsigned) (uintptr_t) arg, i;
    char *blocks[16] = { NULL };

    for (i = 0; !atomic_load(&stopBusy); i = (i + 1) % 16) {
	size_t size = rand_r(&seed) % 3 == 0
		? 70000 + rand_r(&seed) % 5000000 : 16 + rand_r(&seed) % 4000;

	free(blocks[i]);
	blocks[i] = malloc(size);
	memset(blocks[i], 1, size < 8192 ? size : 8192);
    }
    for (i = 0; i < 16; i++) {
	free(blocks[i]);
    }
    return NULL;
}

static void *
Fill(
    void *arg)
{
    size_t size = (size_t) (uintptr_t) arg;
    unsigned char *ptr = malloc(size);
    size_t i, bad = 0;

    memset(ptr, 0x5A, size);
    for (i = 0; i < size; i += 61) {
	bad += ptr[i] != 0x5A;
    }
    free(ptr);
    return (void *) (uintptr_t) bad;
}

static void
ForkReleaseChild(void)
{
    static const size_t sizes[] = {24, 3000, 100000, 3000000, 40000000};
    const VtInstance *instPtr = Instance();
    pthread_t thread;
    void *bad;
    size_t i;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
	CHECK(Fill((void *) (uintptr_t) sizes[i]) == NULL);
    }
    CHECK(pthread_create(&thread, NULL, Fill, (void *) (uintptr_t) 500000)
	    == 0);
    pthread_join(thread, &bad);
    CHECK(bad == NULL);
    if (instPtr != NULL) {
	instPtr->apiPtr->Vt_Trim();
    }
    CHECK(Fill((void *) (uintptr_t) 200000) == NULL);
}

static void
ForkRelease(void)
{
    const VtInstance *instPtr = Instance();
    int64_t decay = instPtr->optionGet(VT_OPTION_DECAY);

    instPtr->optionSet(VT_OPTION_DECAY, 0);
    ForkWhileBusy(BusyLarge, 8, ForkReleaseChild, 300);
    instPtr->optionSet(VT_OPTION_DECAY, decay);
}

/*
 *----------------------------------------------------------------------
 *
 * MainExits --
 *
 *	A main that created a thread (so the purger runs) and ends with
 *	pthread_exit: the process must end, with status 0, once its last
 *	thread has; the purger kept it alive for ever before.
 *
 *----------------------------------------------------------------------
 */

static void
MainExitsChild(void)
{
    pthread_t thread;

    CHECK(pthread_create(&thread, NULL, Fill, (void *) (uintptr_t) 5000)
	    == 0);
    pthread_join(thread, NULL);
    fflush(stdout);
    pthread_exit(NULL);
}

static void
MainExits(void)
{
    CHECK(InChild(MainExitsChild, 20) == 0);
}

/*
 *----------------------------------------------------------------------
 *
 * LateFrees --
 *
 *	2,000 threads each leave the C library buffers that it frees after
 *	the thread-exit callbacks (strerror of an unknown errno, strsignal,
 *	a failed dlopen's message). No cache may stay behind for them: the
 *	caches in use and the committed bytes stay flat (2,001 caches and
 *	132 MB committed before).
 *
 *----------------------------------------------------------------------
 */

static void *
LateFreer(
    void *arg)
{
    int i = (int) (intptr_t) arg;
    char *p = malloc(1000);

    memset(p, 3, 1000);
    if (strerror(100000 + i)[0] == '\0' || strsignal(100 + i % 20) == NULL
	    || dlopen("/nonexistent/vtalloc-late-free.so", RTLD_NOW)
	    != NULL) {
	atomic_fetch_add(&leaves, 1000000);
    }
    free(p);
    atomic_fetch_add(&leaves, 1);
    return NULL;
}

static void
LateFreesChild(void)
{
    VtStats before, after;
    int i, j;

    CHECK(Stats(&before));
    atomic_store(&leaves, 0);
    for (i = 0; i < 2000; i += 8) {
	pthread_t threads[8];

	for (j = 0; j < 8; j++) {
	    pthread_create(&threads[j], NULL, LateFreer,
		    (void *) (intptr_t) (i + j));
	}
	for (j = 0; j < 8; j++) {
	    pthread_join(threads[j], NULL);
	}
    }
    Stats(&after);
    printf("    2000 threads: caches in use %llu -> %llu, committed %llu -> "
	    "%llu KiB, rss %llu KiB\n", (unsigned long long) before.threads,
	    (unsigned long long) after.threads,
	    (unsigned long long) before.committed / 1024,
	    (unsigned long long) after.committed / 1024,
	    (unsigned long long) Rss() / 1024);
    CHECK(atomic_load(&leaves) == 2000);
    CHECK(after.threads <= before.threads + 1);
    CHECK(after.committed <= before.committed + 8 * MIB);
}

static void
LateFrees(void)
{
    CHECK(InChild(LateFreesChild, 120) == 0);
}

/*
 *----------------------------------------------------------------------
 *
 * PurgerTurnedOn --
 *
 *	A program started with VTALLOC_PURGER=0 turns the purger option on
 *	(as `vtalloc config -purger 1` does) while memory waits to go back,
 *	then allocates 280 bytes: that malloc must
 *	not start a thread (it did, under a page lock, and spun for ever
 *	when pthread_create's own calloc came back into the allocator), and
 *	the program stays single-threaded until it creates a thread.
 *
 *----------------------------------------------------------------------
 */

static void
PurgerTurnedOnChild(void)
{
    const VtInstance *instPtr = Instance();
    char *p;
    void *q;

    CHECK(instPtr != NULL);
    if (instPtr == NULL) {
	return;
    }
    p = malloc(MIB);
    memset(p, 5, MIB);
    free(p);
    instPtr->optionSet(VT_OPTION_PURGER, 1);
    q = malloc(280);
    CHECK(q != NULL);
    free(q);
    CHECK(Tasks() == 1);
}

static void
PurgerOffAtStart(void)
{
    setenv("VTALLOC_PURGER", "0", 1);
    execl("/proc/self/exe", "testLife", "purger-on", (char *) NULL);
    _exit(3);
}

static void
PurgerTurnedOn(void)
{
    CHECK(InChild(PurgerOffAtStart, 30) == 0);
}

/*
 *----------------------------------------------------------------------
 *
 * SingleThreaded --
 *
 *	A program that never creates a thread allocates and frees 64 MiB
 *	over and over: it stays single-threaded (unshare(CLONE_NEWUSER),
 *	which needs that, failed with EINVAL), and its freed memory still
 *	goes back to the OS, from its own slow paths.
 *
 *----------------------------------------------------------------------
 */

static void
Churn64(
    size_t blockSize)
{
    size_t count = 64 * MIB / blockSize, i;
    char **blocks = malloc(count * sizeof(char *));

    for (i = 0; i < count; i++) {
	blocks[i] = malloc(blockSize);
	memset(blocks[i], 7, blockSize);
    }
    for (i = 0; i < count; i++) {
	free(blocks[i]);
    }
    free(blocks);
}

static void
ReleasedLater(
    uint64_t *rssPtr)
{
    struct timespec pause = { 0, 100000000 };
    int i;

    for (i = 0; i < 6; i++) {
	char *volatile p;

	nanosleep(&pause, NULL);
	p = malloc(200000);		/* A slow path. */
	p[0] = 1;
	free(p);
    }
    *rssPtr = Rss();
}

static void
SingleThreadedChild(void)
{
    uint64_t peak, after;
    int round;

    for (round = 0; round < 3; round++) {
	Churn64(round == 1 ? 4000 : 100);
    }
    peak = Rss();
    Churn64(64);
    ReleasedLater(&after);
    printf("    threads %d, rss %llu KiB after the frees, %llu KiB later\n",
	    Tasks(), (unsigned long long) peak / 1024,
	    (unsigned long long) after / 1024);
    CHECK(Tasks() == 1);
    CHECK(after < 32 * (uint64_t) MIB);
    if (unshare(CLONE_NEWUSER) != 0) {
	printf("    unshare(CLONE_NEWUSER): %s\n", strerror(errno));
	CHECK(errno != EINVAL);		/* EINVAL: not single-threaded. */
    }
}

static void
SingleThreaded(void)
{
    CHECK(InChild(SingleThreadedChild, 60) == 0);
}

/*
 *----------------------------------------------------------------------
 *
 * NoThreadsLeft --
 *
 *	A program that may not create threads (RLIMIT_NPROC, as `ulimit -u`
 *	sets it; a root process drops to another user first, since the limit
 *	does not bind root): its freed memory goes back to the OS all the
 *	same (it stayed at 199 MiB when the purger could not start), and
 *	frees stay as fast as with the purger off (each slow-path free tried
 *	pthread_create again, 14 times slower).
 *
 *----------------------------------------------------------------------
 */

static double
Seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double
TimedChurn(void)
{
    double start = Seconds();
    int i;

    for (i = 0; i < 3; i++) {
	Churn64(100);
    }
    return Seconds() - start;
}

static void *
Nothing(
    void *arg)
{
    return arg;
}

static void
NoThreadsLeftChild(void)
{
    const VtInstance *instPtr = Instance();
    struct rlimit limit = { 1, 1 };
    pthread_t thread;
    uint64_t after;
    double limited, plain;

    CHECK(instPtr != NULL);
    if (instPtr == NULL) {
	return;
    }
    instPtr->optionSet(VT_OPTION_PURGER, 0);
    plain = TimedChurn();
    instPtr->optionSet(VT_OPTION_PURGER, 1);
    if (getuid() == 0 && setuid(65534) != 0) {
	printf("    cannot leave root: skipped\n");
	return;
    }
    CHECK(setrlimit(RLIMIT_NPROC, &limit) == 0);
    if (pthread_create(&thread, NULL, Nothing, NULL) == 0) {
	pthread_join(thread, NULL);
	printf("    the limit does not bind here: skipped\n");
	return;
    }
    limited = TimedChurn();
    ReleasedLater(&after);
    printf("    3 x 64 MiB churned in %.3f s (%.3f s with the purger off), "
	    "rss %llu KiB later\n", limited, plain,
	    (unsigned long long) after / 1024);
    CHECK(after < 32 * (uint64_t) MIB);
    CHECK(limited < 3 * plain + 0.05);
}

static void
NoThreadsLeft(void)
{
    CHECK(InChild(NoThreadsLeftChild, 60) == 0);
}

int
main(
    int argc,
    char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "purger-on") == 0) {
	PurgerTurnedOnChild();		/* A new program, its purger off. */
	return current;
    }
    if (argc == 2 && strcmp(argv[1], "tree") == 0) {
	ThreadTreeChild();		/* A new program. */
	return current;
    }
    if (Instance() == NULL) {
	printf("testLife: run it with LD_PRELOAD=libvtmalloc.so\n");
	return 1;
    }
    Run("threads that create threads (20,000)", ThreadTree);
    Run("fork while threads allocate; children create threads",
	    ForkTree);
    Run("fork while release passes are out of the lock", ForkRelease);
    Run("a main that ends with pthread_exit ends the process", MainExits);
    Run("the C library's frees after thread exit leave no cache",
	    LateFrees);
    Run("the purger option turned on, then malloc", PurgerTurnedOn);
    Run("a single-threaded program stays so and gives memory back",
	    SingleThreaded);
    Run("no thread can be created: memory goes back all the same",
	    NoThreadsLeft);
    printf("unit testLife: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
