/*
 * vtUnix.c --
 *
 *	The platform layer for Unix (Linux, the BSDs, macOS): aligned
 *	reservations with mmap, release with madvise and munmap, the shared
 *	lock, the thread-exit callback through a pthread key, the process
 *	RSS, time and randomness. See the list in vtPlatform.h.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"
#include "vtUnixInt.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#   include <linux/futex.h>
#   include <linux/membarrier.h>
#endif

#ifndef MAP_ANONYMOUS
#   define MAP_ANONYMOUS MAP_ANON
#endif

static pthread_key_t exitKey;

/*
 * The debug build checks the rule that the allocator makes no system call
 * and creates no thread while it holds the shared lock (the C library
 * calls malloc and free from inside its own locks, and another thread may
 * need the lock meanwhile): each thread counts the locks it holds, and
 * the calls below panic if it holds one.
 */

#if VT_DEBUG
static VT_THREAD_LOCAL int locksHeld;

#   define LocksHeld(delta)	(locksHeld += (delta))

static void
NoLockHeld(
    const char *call)
{
    if (locksHeld != 0) {
	VtPanic("vtalloc: %s called with the shared lock held", call);
    }
}
#else
#   define LocksHeld(delta)	((void) 0)
#   define NoLockHeld(call)	((void) 0)
#endif

/*
 *----------------------------------------------------------------------
 *
 * VtpReserve --
 *
 *	Map `size` bytes aligned on `align` (a power of two): map a little
 *	more and unmap the unaligned ends.
 *
 * Results:
 *	The address, or NULL.
 *
 * Side effects:
 *	Maps memory; it is committed as it is touched.
 *
 *----------------------------------------------------------------------
 */

void *
VtpReserve(
    size_t size,
    size_t align)
{
    size_t pageSize = (size_t) sysconf(_SC_PAGESIZE);
    uint8_t *ptr, *alignedPtr;
    size_t extra;

    NoLockHeld("mmap");
    size = (size + pageSize - 1) & ~(pageSize - 1);
    if (align <= pageSize) {
	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return ptr == MAP_FAILED ? NULL : ptr;
    }
    if (size > SIZE_MAX - align) {
	return NULL;
    }
    ptr = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ptr == MAP_FAILED) {
	return NULL;
    }
    alignedPtr = (uint8_t *) (((uintptr_t) ptr + align - 1)
	    & ~(uintptr_t) (align - 1));
    extra = (size_t) (alignedPtr - ptr);
    if (extra > 0) {
	munmap(ptr, extra);
    }
    if (align - extra > 0) {
	munmap(alignedPtr + size, align - extra);
    }
    return alignedPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtpReserveZero --
 *
 *	Map `size` bytes of zeros, readable and writable, with no swap
 *	reserved for them (MAP_NORESERVE): only the pages touched count.
 *
 * Results:
 *	The address, or NULL.
 *
 * Side effects:
 *	Maps memory.
 *
 *----------------------------------------------------------------------
 */

void *
VtpReserveZero(
    size_t size)
{
#ifdef MAP_NORESERVE
    void *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
#else
    void *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#endif

    NoLockHeld("mmap");
    return ptr == MAP_FAILED ? NULL : ptr;
}

/*
 *----------------------------------------------------------------------
 *
 * VtpCommit, VtpDecommit, VtpReset, VtpHugePages, VtpRelease --
 *
 *	Commit (nothing to do: Unix commits on touch), give a range's pages
 *	back while keeping the addresses (decommit and reset are the same
 *	here: the range reads as zeros and commits again on touch), ask for
 *	transparent huge pages or no longer (Linux), or unmap.
 *
 * Results:
 *	VtpCommit: 1. VtpDecommit: 1, or 0 if the OS refused (locked
 *	memory: the range keeps its contents).
 *
 * Side effects:
 *	The OS reclaims the memory.
 *
 *----------------------------------------------------------------------
 */

int
VtpCommit(
    void *ptr,
    size_t size)
{
    (void) ptr;
    (void) size;
    return 1;
}

int
VtpDecommit(
    void *ptr,
    size_t size)
{
    NoLockHeld("madvise");
    return madvise(ptr, size, MADV_DONTNEED) == 0;
}

void
VtpReset(
    void *ptr,
    size_t size)
{
    NoLockHeld("madvise");
    madvise(ptr, size, MADV_DONTNEED);
}

void
VtpHugePages(
    void *ptr,
    size_t size,
    int on)
{
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
    NoLockHeld("madvise");
    madvise(ptr, size, on ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#else
    (void) ptr;
    (void) size;
    (void) on;
#endif
}

/*
 *----------------------------------------------------------------------
 *
 * VtpBarrierAll --
 *
 *	Make every running thread of the process pass a full memory barrier
 *	(Linux's membarrier, private expedited, registered on first use and
 *	again in a forked child, which does not inherit the registration).
 *
 * Results:
 *	1, or 0 if the system has no such call.
 *
 * Side effects:
 *	Interrupts the processors running the process's threads.
 *
 *----------------------------------------------------------------------
 */

int
VtpBarrierAll(void)
{
#if defined(__linux__) && defined(SYS_membarrier)
    static _Atomic int unavailable;

    NoLockHeld("membarrier");
    if (atomic_load_explicit(&unavailable, memory_order_relaxed)) {
	return 0;
    }
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0
	    || (syscall(SYS_membarrier,
	    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0
	    && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
	    0) == 0)) {
	return 1;
    }
    atomic_store_explicit(&unavailable, 1, memory_order_relaxed);
    return 0;
#else
    return 0;
#endif
}

void
VtpRelease(
    void *ptr,
    size_t size)
{
    size_t pageSize = (size_t) sysconf(_SC_PAGESIZE);

    NoLockHeld("munmap");
    munmap(ptr, (size + pageSize - 1) & ~(pageSize - 1));
}

/*
 *----------------------------------------------------------------------
 *
 * VtpRemap --
 *
 *	Resize a mapping made by VtpReserve keeping its contents: on Linux
 *	with mremap, in place if the addresses after it are free (or it
 *	shrinks), else moved onto a new reservation with the same alignment
 *	(the kernel moves the page tables: nothing is copied). Other systems
 *	cannot.
 *
 * Results:
 *	The mapping's address, or NULL (the mapping is then as it was).
 *
 * Side effects:
 *	Maps and unmaps memory.
 *
 *----------------------------------------------------------------------
 */

void *
VtpRemap(
    void *ptr,
    size_t size,
    size_t newSize,
    size_t align)
{
#if defined(__linux__) && defined(MREMAP_MAYMOVE) && defined(MREMAP_FIXED)
    size_t pageSize = (size_t) sysconf(_SC_PAGESIZE);
    void *newPtr, *targetPtr;

    NoLockHeld("mremap");
    size = (size + pageSize - 1) & ~(pageSize - 1);
    newSize = (newSize + pageSize - 1) & ~(pageSize - 1);
    if (newSize == 0) {
	return NULL;
    }
    newPtr = mremap(ptr, size, newSize, 0);
    if (newPtr != MAP_FAILED) {
	return newPtr;
    }
    targetPtr = VtpReserve(newSize, align);
    if (targetPtr == NULL) {
	return NULL;
    }
    newPtr = mremap(ptr, size, newSize, MREMAP_MAYMOVE | MREMAP_FIXED,
	    targetPtr);
    if (newPtr == MAP_FAILED) {
	VtpRelease(targetPtr, newSize);
	return NULL;
    }
    return newPtr;
#else
    (void) ptr;
    (void) size;
    (void) newSize;
    (void) align;
    return NULL;
#endif
}

/*
 * The shared lock: a mutex, statically initialised, so that the first
 * allocation needs no set-up.
 */

struct VtpLock {
    pthread_mutex_t mutex;
};

VtpLock vtpSharedLock = { PTHREAD_MUTEX_INITIALIZER };

/*
 *----------------------------------------------------------------------
 *
 * VtpLockAcquire, VtpLockTry, VtpLockRelease --
 *
 *	The shared cache's lock.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	May block.
 *
 *----------------------------------------------------------------------
 */

void
VtpLockAcquire(
    VtpLock *lockPtr)
{
    pthread_mutex_lock(&lockPtr->mutex);
    LocksHeld(1);
}

int
VtpLockTry(
    VtpLock *lockPtr)
{
    if (pthread_mutex_trylock(&lockPtr->mutex) != 0) {
	return 0;
    }
    LocksHeld(1);
    return 1;
}

void
VtpLockRelease(
    VtpLock *lockPtr)
{
    LocksHeld(-1);
    pthread_mutex_unlock(&lockPtr->mutex);
}

/*
 *----------------------------------------------------------------------
 *
 * VtpThreadExitInit, VtpThreadExitArm --
 *
 *	Register the procedure to call when a thread exits, and arm it for
 *	the calling thread with its data.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Creates a pthread key whose destructor is `proc`; panics if the key
 *	cannot be created or set.
 *
 *----------------------------------------------------------------------
 */

void
VtpThreadExitInit(
    void (*proc)(void *))
{
    if (pthread_key_create(&exitKey, proc) != 0) {
	VtPanic("vtalloc: cannot create the thread-exit key");
    }
}

void
VtpThreadExitArm(
    void *data)
{
    int code = pthread_setspecific(exitKey, data);

    /*
     * Unarmed, the cache would outlive its thread unseen (never dissolved,
     * its memory never released); the call fails only when the C library
     * cannot allocate the thread's key slots.
     */

    if (code != 0) {
	VtPanic("vtalloc: cannot arm the thread-exit callback "
		"(pthread_setspecific: error %d)", code);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtpAtFork --
 *
 *	Register the procedures to run around fork().
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	pthread_atfork; panics if it fails.
 *
 *----------------------------------------------------------------------
 */

void
VtpAtFork(
    void (*prepare)(void),
    void (*parent)(void),
    void (*child)(void))
{
    int code = pthread_atfork(prepare, parent, child);

    /*
     * Without the handlers a child forked while another thread holds the
     * shared lock would wait for it for ever; this runs once, at start,
     * and fails only when the C library has no memory for the handlers.
     */

    if (code != 0) {
	VtPanic("vtalloc: cannot register the fork handlers "
		"(pthread_atfork: error %d)", code);
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtpThreadId --
 *
 *	An id of the calling thread.
 *
 * Results:
 *	The pthread id as an integer.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

uintptr_t
VtpThreadId(void)
{
    return (uintptr_t) pthread_self();
}

/*
 *----------------------------------------------------------------------
 *
 * VtpThreadsLeft --
 *
 *	The number of live threads of the process, from /proc/self/status
 *	(less the main thread once it has exited with pthread_exit: it stays
 *	counted, a zombie, until the last one goes; /proc/self/stat gives its
 *	state); if the calling thread is the last, the process ends as the
 *	C library ends it when its last thread exits, with exit(0) (the
 *	purger would otherwise keep it alive). Plain system calls into a
 *	stack buffer: no allocation.
 *
 * Results:
 *	The number of threads, or 0 where /proc is not available.
 *
 * Side effects:
 *	May end the process.
 *
 *----------------------------------------------------------------------
 */

static ssize_t
ReadProc(
    const char *path,
    char *buffer,
    size_t size)
{
    ssize_t n;
    int fd;

    NoLockHeld("open");
    fd = open(path, O_RDONLY);
    if (fd < 0) {
	return 0;
    }
    n = read(fd, buffer, size - 1);
    close(fd);
    buffer[n > 0 ? n : 0] = '\0';
    return n;
}

int
VtpThreadsLeft(void)
{
    char buffer[4096];
    const char *p;
    int threads = 0;

    if (ReadProc("/proc/self/status", buffer, sizeof(buffer)) <= 0
	    || (p = strstr(buffer, "\nThreads:")) == NULL) {
	return 0;
    }
    for (p += 9; *p == ' ' || *p == '\t'; p++) {
	/* Skip the blanks. */
    }
    for (; *p >= '0' && *p <= '9'; p++) {
	threads = threads * 10 + (*p - '0');
    }
    if (threads == 2 && (pid_t) syscall(SYS_gettid) != getpid()
	    && ReadProc("/proc/self/stat", buffer, sizeof(buffer)) > 0
	    && (p = strrchr(buffer, ')')) != NULL
	    && (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))) {
	threads = 1;			/* The main thread has exited. */
    }
    if (threads == 1) {
	exit(0);
    }
    return threads;
}

/*
 *----------------------------------------------------------------------
 *
 * VtpRss --
 *
 *	The resident memory of the process, from /proc/self/statm. Plain
 *	system calls into a stack buffer: no allocation.
 *
 * Results:
 *	Bytes, or 0 where /proc is not available.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

uint64_t
VtpRss(void)
{
    char buffer[128];
    uint64_t pages = 0;
    ssize_t n;
    char *p;
    int fd = open("/proc/self/statm", O_RDONLY);

    if (fd < 0) {
	return 0;
    }
    n = read(fd, buffer, sizeof(buffer) - 1);
    close(fd);
    if (n <= 0) {
	return 0;
    }
    buffer[n] = '\0';
    for (p = buffer; *p != ' ' && *p != '\0'; p++) {
	/* Skip the total size. */
    }
    for (p++; *p >= '0' && *p <= '9'; p++) {
	pages = pages * 10 + (uint64_t) (*p - '0');
    }
    return pages * (uint64_t) sysconf(_SC_PAGESIZE);
}

/*
 *----------------------------------------------------------------------
 *
 * VtpNow, VtpRandom --
 *
 *	Monotonic time in nanoseconds; a value that differs between runs
 *	(for the free cookie's secret).
 *
 * Results:
 *	See above.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

uint64_t
VtpNow(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

uintptr_t
VtpRandom(void)
{
    uintptr_t value = 0;
    int fd;

    NoLockHeld("open");
    fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
	if (read(fd, &value, sizeof(value)) != (ssize_t) sizeof(value)) {
	    value = 0;
	}
	close(fd);
    }
    value ^= (uintptr_t) VtpNow() * (uintptr_t) 0x9E3779B97F4A7C15ull;
    value ^= (uintptr_t) &value;
    return value;
}

/*
 *----------------------------------------------------------------------
 *
 * VtpThreadCreate, VtpThreadJoin, VtpSleep, VtpGetEnv, VtpFindSymbol --
 *
 *	Run a procedure in a new thread: joinable, or with threadPtr NULL
 *	detached, with a small stack (the default one if the program's
 *	thread-local storage does not fit in it) and all signals blocked (so
 *	it never runs a program's handler); wait for a joinable one; sleep;
 *	read the environment; find an exported symbol.
 *
 * Results:
 *	VtpThreadCreate: 1 if the thread runs. VtpGetEnv: the value or NULL.
 *
 * Side effects:
 *	A thread.
 *
 *----------------------------------------------------------------------
 */

typedef struct ThreadStart {
    void (*proc)(void *);
    void *data;
    _Atomic int busy;			/* A slot of startSlots in use. */
} ThreadStart;

/*
 * What a new thread is to run reaches it in one of these slots, or, when
 * all are taken, in a page of its own: not from malloc, which may be
 * vtalloc. The slots spare a map and an unmap per thread, whose TLB
 * shootdown cost short-lived threads 7% of their time.
 */

#define START_SLOTS	64
static ThreadStart startSlots[START_SLOTS];

static void
StartFree(
    ThreadStart *startPtr)
{
    if (startPtr >= startSlots && startPtr < startSlots + START_SLOTS) {
	atomic_store_explicit(&startPtr->busy, 0, memory_order_release);
    } else {
	munmap(startPtr, sizeof(ThreadStart));
    }
}

static void *
ThreadMain(
    void *arg)
{
    ThreadStart start = *(ThreadStart *) arg;

    StartFree(arg);
    start.proc(start.data);
    return NULL;
}

/*
 *----------------------------------------------------------------------
 *
 * VtpCreatePthread --
 *
 *	The C library's pthread_create, found once with dlsym(RTLD_NEXT):
 *	libvtmalloc and the Tcl core build define a pthread_create of their
 *	own (a safe point to start the purger, see VtPurgerSafePoint) that
 *	calls this, and so does VtpThreadCreate. Called only where no lock
 *	is held (never from a malloc-family call).
 *
 * Results:
 *	As pthread_create; EAGAIN if the C library's cannot be found.
 *
 * Side effects:
 *	A thread.
 *
 *----------------------------------------------------------------------
 */

typedef int (CreateProc)(pthread_t *threadPtr, const pthread_attr_t *attrPtr,
	void *(*proc)(void *), void *arg);

int
VtpCreatePthread(
    pthread_t *threadPtr,
    const pthread_attr_t *attrPtr,
    void *(*proc)(void *),
    void *arg)
{
    static _Atomic(CreateProc *) createProc;
    CreateProc *procPtr = atomic_load_explicit(&createProc,
	    memory_order_acquire);

    NoLockHeld("pthread_create");
    if (procPtr == NULL) {
	procPtr = (CreateProc *) dlsym(RTLD_NEXT, "pthread_create");
	if (procPtr == NULL) {
	    return EAGAIN;
	}
	atomic_store_explicit(&createProc, procPtr, memory_order_release);
    }
    return procPtr(threadPtr, attrPtr, proc, arg);
}

int
VtpThreadCreate(
    void (*proc)(void *),
    void *data,
    uintptr_t *threadPtr)
{
    ThreadStart *startPtr = NULL;
    pthread_attr_t attr;
    pthread_t thread;
    sigset_t all, old;
    size_t stackSize;
    int i, result;

    NoLockHeld("pthread_create");
    for (i = 0; i < START_SLOTS && startPtr == NULL; i++) {
	if (!atomic_load_explicit(&startSlots[i].busy, memory_order_relaxed)
		&& !atomic_exchange_explicit(&startSlots[i].busy, 1,
		memory_order_acquire)) {
	    startPtr = &startSlots[i];
	}
    }
    if (startPtr == NULL) {
	startPtr = VtpReserve(sizeof(ThreadStart), 0);
	if (startPtr == NULL) {
	    return 0;
	}
    }
    startPtr->proc = proc;
    startPtr->data = data;
    pthread_attr_init(&attr);
    pthread_attr_getstacksize(&attr, &stackSize);
    if (threadPtr == NULL) {
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
    }
    result = VtpCreatePthread(&thread, &attr, ThreadMain, startPtr);
    if (result == EINVAL && threadPtr == NULL) {
	/*
	 * The program's static thread-local storage, which glibc takes from
	 * the stack, does not leave the small stack room: the default then.
	 */

	pthread_attr_setstacksize(&attr, stackSize);
	result = VtpCreatePthread(&thread, &attr, ThreadMain, startPtr);
    }
    pthread_attr_destroy(&attr);
    if (threadPtr == NULL) {
	pthread_sigmask(SIG_SETMASK, &old, NULL);
    } else if (result == 0) {
	*threadPtr = (uintptr_t) thread;
    }
    if (result != 0) {
	StartFree(startPtr);
	return 0;
    }
    return 1;
}

void
VtpThreadJoin(
    uintptr_t thread)
{
    pthread_join((pthread_t) thread, NULL);
}

void
VtpSleep(
    unsigned milliseconds)
{
    struct timespec ts;
    int state;

    /*
     * nanosleep is a cancellation point: a thread cancelled while it
     * waits inside the allocator (for an idle trim, a sweep, a page lock)
     * would leave the allocator in the middle of a call.
     */

    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
    ts.tv_sec = milliseconds / 1000;
    ts.tv_nsec = (long) (milliseconds % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	/* Sleep the rest. */
    }
    pthread_setcancelstate(state, NULL);
}

/*
 *----------------------------------------------------------------------
 *
 * VtpWait, VtpWake --
 *
 *	Sleep while a word holds a value, for at most some milliseconds (0:
 *	no limit); wake a thread sleeping on the word. Linux: a private
 *	futex, which takes no lock and allocates nothing, so that a wake
 *	is safe anywhere. Elsewhere the wait is a sleep of at most 100 ms
 *	and the wake does nothing: a sleeper sees the change within that.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	May block the calling thread; may wake another.
 *
 *----------------------------------------------------------------------
 */

void
VtpWait(
    _Atomic uint32_t *wordPtr,
    uint32_t value,
    unsigned milliseconds)
{
#if defined(__linux__) && defined(SYS_futex)
    struct timespec ts, *tsPtr = NULL;

    if (milliseconds != 0) {
	ts.tv_sec = milliseconds / 1000;
	ts.tv_nsec = (long) (milliseconds % 1000) * 1000000L;
	tsPtr = &ts;
    }
    if (atomic_load_explicit(wordPtr, memory_order_acquire) == value) {
	syscall(SYS_futex, (uint32_t *) wordPtr, FUTEX_WAIT_PRIVATE, value,
		tsPtr, NULL, 0);
    }
#else
    if (atomic_load_explicit(wordPtr, memory_order_acquire) == value) {
	VtpSleep(milliseconds == 0 || milliseconds > 100 ? 100
		: milliseconds);
    }
#endif
}

void
VtpWake(
    _Atomic uint32_t *wordPtr)
{
#if defined(__linux__) && defined(SYS_futex)
    syscall(SYS_futex, (uint32_t *) wordPtr, FUTEX_WAKE_PRIVATE, 1, NULL,
	    NULL, 0);
#else
    (void) wordPtr;
#endif
}

const char *
VtpGetEnv(
    const char *name)
{
    return getenv(name);
}

void *
VtpFindSymbol(
    const char *name)
{
    return dlsym(RTLD_DEFAULT, name);
}

/*
 *----------------------------------------------------------------------
 *
 * VtpWrite, VtpAbort --
 *
 *	Write a message to standard error; end the process.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	See above.
 *
 *----------------------------------------------------------------------
 */

void
VtpWrite(
    const char *message)
{
    size_t length = strlen(message);

    while (length > 0) {
	ssize_t n = write(2, message, length);

	if (n <= 0 && errno != EINTR) {
	    return;
	}
	if (n > 0) {
	    message += n;
	    length -= (size_t) n;
	}
    }
}

void
VtpAbort(void)
{
    abort();
}
