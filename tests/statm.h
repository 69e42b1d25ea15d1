/*
 * statm.h --
 *
 *	The one reader of /proc/self/statm for the C tests (Linux): the
 *	process's address space and resident memory, in bytes. Shared by the
 *	unit tests (unit/testExhaust.c) and the programs that run under
 *	libvtmalloc (tests/preload/harness.h), which link no part of vtalloc.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTSTATM
#define _VTSTATM

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/*
 *----------------------------------------------------------------------
 *
 * Statm --
 *
 *	Read the process's size and resident memory.
 *
 * Results:
 *	1 and both figures in bytes; 0 (and both 0) if they cannot be read.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static inline int
Statm(
    uint64_t *sizePtr,
    uint64_t *residentPtr)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    int ok = 0;

    if (f != NULL) {
	ok = fscanf(f, "%lu %lu", &size, &resident) == 2;
	fclose(f);
    }
    if (!ok) {
	size = resident = 0;
    }
    *sizePtr = (uint64_t) size * (uint64_t) sysconf(_SC_PAGESIZE);
    *residentPtr = (uint64_t) resident * (uint64_t) sysconf(_SC_PAGESIZE);
    return ok;
}

#endif /* _VTSTATM */
