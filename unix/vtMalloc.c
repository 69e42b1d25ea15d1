/*
 * vtMalloc.c --
 *
 *	libvtmalloc: vtalloc as the process's malloc, for LD_PRELOAD (as
 *	NaviServer users do with tcmalloc): malloc, free, calloc, realloc,
 *	reallocarray, posix_memalign, aligned_alloc, memalign, valloc,
 *	pvalloc and malloc_usable_size, with glibc's semantics; C++ new and
 *	delete reach them through libstdc++. With vtExport.c it exports the
 *	process's vtalloc instance, so that the Tcl package loaded into the
 *	same process uses it (mode "preload") instead of starting a second
 *	allocator, and pthread_create.
 *	VTALLOC_STATS=1 prints a summary of the statistics at exit.
 *
 *	Safe before anything is set up: the core needs no malloc, takes its
 *	memory from mmap and its lock is statically initialised; fork is
 *	handled by the core's atfork handlers. Its purger thread starts at
 *	the program's first pthread_create (vtExport.c).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtApi.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define VT_PUBLIC __attribute__((visibility("default")))

VT_PUBLIC void *	malloc(size_t size);
VT_PUBLIC void		free(void *ptr);
VT_PUBLIC void *	calloc(size_t count, size_t size);
VT_PUBLIC void *	realloc(void *ptr, size_t size);
VT_PUBLIC void *	reallocarray(void *ptr, size_t count, size_t size);
VT_PUBLIC int		posix_memalign(void **resultPtr, size_t align,
			    size_t size);
VT_PUBLIC void *	aligned_alloc(size_t align, size_t size);
VT_PUBLIC void *	memalign(size_t align, size_t size);
VT_PUBLIC void *	valloc(size_t size);
VT_PUBLIC void *	pvalloc(size_t size);
VT_PUBLIC size_t	malloc_usable_size(void *ptr);
VT_PUBLIC int		malloc_trim(size_t pad);

/*
 *----------------------------------------------------------------------
 *
 * Nomem --
 *
 *	Set errno for a failed allocation.
 *
 * Results:
 *	The pointer given (NULL or not).
 *
 * Side effects:
 *	errno = ENOMEM when ptr is NULL.
 *
 *----------------------------------------------------------------------
 */

static inline void *
Nomem(
    void *ptr)
{
    if (ptr == NULL) {
	errno = ENOMEM;
    }
    return ptr;
}

/*
 *----------------------------------------------------------------------
 *
 * malloc, free, calloc, realloc, reallocarray --
 *
 *	The C allocation functions. realloc(ptr, 0) frees and returns NULL,
 *	as glibc does; calloc and reallocarray refuse a size that overflows;
 *	calloc writes no memory that is fresh from the OS (VtMallocZeroed).
 *
 * Results:
 *	As in C; NULL with errno ENOMEM on failure.
 *
 * Side effects:
 *	Allocate and free. A bad pointer ends the process with a message
 *	naming it.
 *
 *----------------------------------------------------------------------
 */

static VT_NOINLINE void *
MallocSlow(
    size_t size,
    VtCache *cachePtr)
{
    return Nomem(VtMallocSlow(size, cachePtr));
}

void *
malloc(
    size_t size)
{
    return VtMallocWith(size, MallocSlow);
}

void
free(
    void *ptr)
{
    VtFree(ptr);
}

void *
calloc(
    size_t count,
    size_t size)
{
    size_t total;
    void *ptr;

    if (__builtin_mul_overflow(count, size, &total)) {
	errno = ENOMEM;
	return NULL;
    }
    ptr = VtMallocZeroed(total);	/* Clears only what is not fresh
					 * from the OS. */
    return Nomem(ptr);
}

void *
realloc(
    void *ptr,
    size_t size)
{
    if (ptr != NULL && size == 0) {
	VtFree(ptr);
	return NULL;
    }
    return Nomem(VtRealloc(ptr, size));
}

void *
reallocarray(
    void *ptr,
    size_t count,
    size_t size)
{
    size_t total;

    if (__builtin_mul_overflow(count, size, &total)) {
	errno = ENOMEM;
	return NULL;
    }
    return realloc(ptr, total);
}

/*
 *----------------------------------------------------------------------
 *
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc --
 *
 *	Aligned allocation (alignments up to 2 MiB; see VtMallocAligned).
 *
 * Results:
 *	As in C and glibc.
 *
 * Side effects:
 *	Allocate.
 *
 *----------------------------------------------------------------------
 */

int
posix_memalign(
    void **resultPtr,
    size_t align,
    size_t size)
{
    void *ptr;

    if (align < sizeof(void *) || (align & (align - 1)) != 0) {
	return EINVAL;
    }
    ptr = VtMallocAligned(size, align);
    if (ptr == NULL) {
	return ENOMEM;
    }
    *resultPtr = ptr;
    return 0;
}

void *
aligned_alloc(
    size_t align,
    size_t size)
{
    if (align == 0 || (align & (align - 1)) != 0) {
	errno = EINVAL;
	return NULL;
    }
    return Nomem(VtMallocAligned(size, align));
}

void *
memalign(
    size_t align,
    size_t size)
{
    size_t power = VT_ALIGN;

    /*
     * glibc takes any alignment and rounds it up to a power of two.
     */

    while (power < align && power < VT_SEGMENT_SIZE) {
	power <<= 1;
    }
    return Nomem(VtMallocAligned(size, power));
}

void *
valloc(
    size_t size)
{
    return Nomem(VtMallocAligned(size, (size_t) sysconf(_SC_PAGESIZE)));
}

void *
pvalloc(
    size_t size)
{
    size_t page = (size_t) sysconf(_SC_PAGESIZE);

    if (size > SIZE_MAX - page) {
	errno = ENOMEM;
	return NULL;
    }
    return Nomem(VtMallocAligned((size + page - 1) & ~(page - 1), page));
}

/*
 *----------------------------------------------------------------------
 *
 * malloc_usable_size --
 *
 *	The bytes a block really has.
 *
 * Results:
 *	The size; 0 for NULL.
 *
 * Side effects:
 *	A bad pointer ends the process with a message naming it.
 *
 *----------------------------------------------------------------------
 */

size_t
malloc_usable_size(
    void *ptr)
{
    return ptr == NULL ? 0 : Vt_UsableSize(ptr);
}

/*
 *----------------------------------------------------------------------
 *
 * malloc_trim --
 *
 *	Give free memory back to the operating system now (VtTrim); pad
 *	is ignored, as the reserve is.
 *
 * Results:
 *	1 if memory went back to the operating system, else 0 (as the C
 *	library's).
 *
 * Side effects:
 *	See VtTrim.
 *
 *----------------------------------------------------------------------
 */

int
malloc_trim(
    size_t pad)
{
    (void) pad;
    return VtTrim() != 0;
}

/*
 *----------------------------------------------------------------------
 *
 * PreloadStart, PreloadEnd --
 *
 *	Library constructor and destructor: name the mode; read
 *	VTALLOC_STATS (0 or 1; another value is reported on standard error
 *	and 0 stays in force); with VTALLOC_STATS=1, print a summary at exit
 *	on the standard error the process started with.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Output on standard error.
 *
 *----------------------------------------------------------------------
 */

static int statsFd = -1;		/* With VTALLOC_STATS=1, a copy of
					 * standard error as the process
					 * started: some programs close it at
					 * exit, before the destructor (GNU
					 * coreutils), or put a file of their
					 * own on descriptor 2. */

static __attribute__((constructor)) void
PreloadStart(void)
{
    const char *flag = VtpGetEnv("VTALLOC_STATS");
    char message[200];

    vtMode = "preload";
    VtInit();
    if (flag == NULL || strcmp(flag, "0") == 0) {
	return;
    }
    if (strcmp(flag, "1") != 0) {
	snprintf(message, sizeof(message), "vtalloc: ignoring "
		"VTALLOC_STATS=\"%.40s\": expected 0 or 1; keeping 0\n", flag);
	VtpWrite(message);
	return;
    }
    statsFd = fcntl(2, F_DUPFD_CLOEXEC, 3);
}

static __attribute__((destructor)) void
PreloadEnd(void)
{
    VtStats stats;
    char counted[200] = "", line[400];
    const char *p;
    size_t length;

    if (statsFd < 0) {
	return;
    }
    VtGetStats(&stats, NULL, NULL);
    if (stats.counted) {
	snprintf(counted, sizeof(counted), "%llu allocs, %llu frees "
		"(%llu remote), %llu requested, ",
		(unsigned long long) stats.allocs,
		(unsigned long long) stats.frees,
		(unsigned long long) stats.remoteFrees,
		(unsigned long long) stats.requested);
    }
    snprintf(line, sizeof(line), "vtalloc: %s%llu bytes in use, %llu "
	    "committed, %llu released, rss %llu, %llu threads, %llu "
	    "segments\n", counted, (unsigned long long) stats.inuse,
	    (unsigned long long) stats.committed,
	    (unsigned long long) stats.released,
	    (unsigned long long) stats.rss,
	    (unsigned long long) stats.threads,
	    (unsigned long long) stats.segments);

    /*
     * Always the copy, never descriptor 2 as it is now: closed, it would
     * lose the summary; reused for a data file, it would put the summary
     * into the program's data. The copy is the same open file as the
     * program's standard error when the program left that alone. Nothing
     * is restored on descriptor 2: later destructors write where the
     * program said.
     */

    p = line;
    length = strlen(line);
    while (length > 0) {
	ssize_t n = write(statsFd, p, length);

	if (n < 0 && errno == EINTR) {
	    continue;
	}
	if (n <= 0) {
	    break;
	}
	p += n;
	length -= (size_t) n;
    }
}
