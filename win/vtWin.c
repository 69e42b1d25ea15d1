/*
 * vtWin.c --
 *
 *	The platform layer for Windows: reservations with VirtualAlloc
 *	(reserve, then commit per range), decommit and release, an SRW lock,
 *	the thread-exit callback through a fiber-local-storage destructor,
 *	the working set as RSS, time and randomness. See the list in
 *	vtPlatform.h.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"
#include <windows.h>
#include <psapi.h>
#include <stdlib.h>

static DWORD exitIndex = FLS_OUT_OF_INDEXES;
static void (*exitProc)(void *);

/*
 *----------------------------------------------------------------------
 *
 * VtpReserve --
 *
 *	Reserve `size` bytes of address space aligned on `align`: reserve
 *	more, find the aligned address inside, free the reservation and
 *	reserve exactly there (retried, another thread may take it first).
 *
 * Results:
 *	The address (reserved, not committed), or NULL.
 *
 * Side effects:
 *	Reserves address space.
 *
 *----------------------------------------------------------------------
 */

void *
VtpReserve(
    size_t size,
    size_t align)
{
    int tries;

    for (tries = 0; tries < 16; tries++) {
	uint8_t *ptr = VirtualAlloc(NULL, size + align, MEM_RESERVE,
		PAGE_NOACCESS);
	uint8_t *alignedPtr;

	if (ptr == NULL) {
	    return NULL;
	}
	alignedPtr = (uint8_t *) (((uintptr_t) ptr + align - 1)
		& ~(uintptr_t) (align - 1));
	VirtualFree(ptr, 0, MEM_RELEASE);
	ptr = VirtualAlloc(alignedPtr, size, MEM_RESERVE, PAGE_NOACCESS);
	if (ptr != NULL) {
	    return ptr;
	}
    }
    return NULL;
}

/*
 *----------------------------------------------------------------------
 *
 * VtpReserveZero --
 *
 *	Reserve and commit `size` bytes of zeros: Windows charges the
 *	commit, but gives memory only to the pages touched.
 *
 * Results:
 *	The address, or NULL.
 *
 * Side effects:
 *	Commits address space.
 *
 *----------------------------------------------------------------------
 */

void *
VtpReserveZero(
    size_t size)
{
    return VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT,
	    PAGE_READWRITE);
}

/*
 *----------------------------------------------------------------------
 *
 * VtpCommit, VtpDecommit, VtpReset, VtpHugePages, VtpRelease --
 *
 *	Commit a reserved range, decommit it keeping the addresses, let the
 *	OS drop a committed range's contents (it stays usable), ask for huge
 *	pages (nothing: Windows has large pages only for privileged
 *	processes, committed up front), or free the whole reservation. An
 *	empty range is no call: VirtualAlloc refuses it, and VirtualFree
 *	with a size of 0 decommits the whole region.
 *
 * Results:
 *	VtpCommit: 1 on success, 0 if the commit charge is exhausted.
 *	VtpDecommit: 1, or 0 if the OS refused (the range keeps its
 *	contents).
 *
 * Side effects:
 *	Changes the process's committed memory.
 *
 *----------------------------------------------------------------------
 */

int
VtpCommit(
    void *ptr,
    size_t size)
{
    return size == 0
	    || VirtualAlloc(ptr, size, MEM_COMMIT, PAGE_READWRITE) != NULL;
}

int
VtpDecommit(
    void *ptr,
    size_t size)
{
    return size == 0 || VirtualFree(ptr, size, MEM_DECOMMIT);
}

void
VtpReset(
    void *ptr,
    size_t size)
{
    if (size != 0) {
	VirtualAlloc(ptr, size, MEM_RESET, PAGE_READWRITE);
    }
}

void
VtpHugePages(
    void *ptr,
    size_t size,
    int on)
{
    (void) ptr;
    (void) size;
    (void) on;
}

/*
 *----------------------------------------------------------------------
 *
 * VtpBarrierAll --
 *
 *	Make every running thread of the process pass a full memory barrier
 *	(FlushProcessWriteBuffers).
 *
 * Results:
 *	1.
 *
 * Side effects:
 *	Interrupts the processors running the process's threads.
 *
 *----------------------------------------------------------------------
 */

int
VtpBarrierAll(void)
{
    FlushProcessWriteBuffers();
    return 1;
}

void
VtpRelease(
    void *ptr,
    size_t size)
{
    (void) size;
    VirtualFree(ptr, 0, MEM_RELEASE);
}

/*
 *----------------------------------------------------------------------
 *
 * VtpRemap --
 *
 *	Resize a reservation keeping its contents: Windows cannot (a
 *	reservation neither grows nor moves), so the caller copies.
 *
 * Results:
 *	NULL.
 *
 * Side effects:
 *	None.
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
    (void) ptr;
    (void) size;
    (void) newSize;
    (void) align;
    return NULL;
}

/*
 * The shared lock: a slim reader/writer lock, taken exclusive, statically
 * initialised.
 */

struct VtpLock {
    SRWLOCK srw;
};

VtpLock vtpSharedLock = { SRWLOCK_INIT };

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
    AcquireSRWLockExclusive(&lockPtr->srw);
}

int
VtpLockTry(
    VtpLock *lockPtr)
{
    return TryAcquireSRWLockExclusive(&lockPtr->srw) != 0;
}

void
VtpLockRelease(
    VtpLock *lockPtr)
{
    ReleaseSRWLockExclusive(&lockPtr->srw);
}

/*
 *----------------------------------------------------------------------
 *
 * VtpThreadExitInit, VtpThreadExitArm --
 *
 *	Call `proc(data)` when a thread that armed it exits: the callback of
 *	a fiber-local-storage slot runs at thread exit.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Allocates an FLS slot.
 *
 *----------------------------------------------------------------------
 */

static void WINAPI
FlsExit(
    void *data)
{
    if (data != NULL && exitProc != NULL) {
	exitProc(data);
    }
}

void
VtpThreadExitInit(
    void (*proc)(void *))
{
    exitProc = proc;
    exitIndex = FlsAlloc(FlsExit);
    if (exitIndex == FLS_OUT_OF_INDEXES) {
	VtPanic("vtalloc: cannot allocate the thread-exit slot");
    }
}

void
VtpThreadExitArm(
    void *data)
{
    /*
     * Without the slot the cache would outlive its thread unseen; the
     * call fails only when Windows cannot allocate the thread's slots.
     */

    if (!FlsSetValue(exitIndex, data)) {
	VtPanic("vtalloc: cannot arm the thread-exit callback (FlsSetValue: "
		"error %lu)", (unsigned long) GetLastError());
    }
}

/*
 *----------------------------------------------------------------------
 *
 * VtpAtFork --
 *
 *	Windows has no fork(): nothing to register.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

void
VtpAtFork(
    void (*prepare)(void),
    void (*parent)(void),
    void (*child)(void))
{
    (void) prepare;
    (void) parent;
    (void) child;
}

/*
 *----------------------------------------------------------------------
 *
 * VtpThreadId, VtpRss, VtpNow, VtpRandom --
 *
 *	Thread id; working-set size; monotonic nanoseconds; a value that
 *	differs between runs.
 *
 * Results:
 *	See above.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

uintptr_t
VtpThreadId(void)
{
    return (uintptr_t) GetCurrentThreadId();
}

int
VtpThreadsLeft(void)
{
    return 0;				/* Unknown: the process ends when its
					 * main thread does. */
}

uint64_t
VtpRss(void)
{
    PROCESS_MEMORY_COUNTERS counters;

    if (!GetProcessMemoryInfo(GetCurrentProcess(), &counters,
	    sizeof(counters))) {
	return 0;
    }
    return (uint64_t) counters.WorkingSetSize;
}

uint64_t
VtpNow(void)
{
    LARGE_INTEGER count, frequency;

    QueryPerformanceCounter(&count);
    QueryPerformanceFrequency(&frequency);
    return (uint64_t) ((double) count.QuadPart * 1e9
	    / (double) frequency.QuadPart);
}

uintptr_t
VtpRandom(void)
{
    uintptr_t value = (uintptr_t) VtpNow() * (uintptr_t) 0x9E3779B97F4A7C15ull;

    value ^= (uintptr_t) GetCurrentProcessId() << 17;
    value ^= (uintptr_t) &value;
    return value;
}

/*
 *----------------------------------------------------------------------
 *
 * VtpThreadCreate, VtpThreadJoin, VtpSleep, VtpGetEnv, VtpFindSymbol --
 *
 *	Run a procedure in a new thread: joinable, or with threadPtr NULL
 *	detached with a small stack; wait for a joinable one; sleep; read
 *	the environment; find an exported symbol in any module of the
 *	process.
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
} ThreadStart;

static DWORD WINAPI
ThreadMain(
    LPVOID arg)
{
    ThreadStart start = *(ThreadStart *) arg;

    VirtualFree(arg, 0, MEM_RELEASE);
    start.proc(start.data);
    return 0;
}

int
VtpThreadCreate(
    void (*proc)(void *),
    void *data,
    uintptr_t *threadPtr)
{
    ThreadStart *startPtr = VirtualAlloc(NULL, sizeof(ThreadStart),
	    MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    HANDLE thread;

    if (startPtr == NULL) {
	return 0;
    }
    startPtr->proc = proc;
    startPtr->data = data;
    thread = CreateThread(NULL, threadPtr == NULL ? 64 * 1024 : 0,
	    ThreadMain, startPtr, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (thread == NULL) {
	VirtualFree(startPtr, 0, MEM_RELEASE);
	return 0;
    }
    if (threadPtr == NULL) {
	CloseHandle(thread);
    } else {
	*threadPtr = (uintptr_t) thread;
    }
    return 1;
}

void
VtpThreadJoin(
    uintptr_t thread)
{
    WaitForSingleObject((HANDLE) thread, INFINITE);
    CloseHandle((HANDLE) thread);
}

void
VtpSleep(
    unsigned milliseconds)
{
    Sleep(milliseconds);
}

/*
 *----------------------------------------------------------------------
 *
 * VtpWait, VtpWake --
 *
 *	Sleep while a word holds a value, for at most some milliseconds (0:
 *	no limit); wake a thread sleeping on the word (WaitOnAddress, which
 *	takes no lock of the program's and allocates nothing).
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
    WaitOnAddress((volatile VOID *) wordPtr, &value, sizeof(value),
	    milliseconds == 0 ? INFINITE : milliseconds);
}

void
VtpWake(
    _Atomic uint32_t *wordPtr)
{
    WakeByAddressSingle((PVOID) wordPtr);
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
    HMODULE modules[256];
    DWORD needed, i;

    if (!EnumProcessModules(GetCurrentProcess(), modules, sizeof(modules),
	    &needed)) {
	return NULL;
    }
    for (i = 0; i < needed / sizeof(HMODULE) && i < 256; i++) {
	FARPROC proc = GetProcAddress(modules[i], name);

	if (proc != NULL) {
	    return (void *) proc;
	}
    }
    return NULL;
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
    DWORD written;

    WriteFile(GetStdHandle(STD_ERROR_HANDLE), message,
	    (DWORD) strlen(message), &written, NULL);
}

void
VtpAbort(void)
{
    abort();
}
