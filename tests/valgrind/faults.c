/*
 * faults.c --
 *
 *	A program with the faults that valgrind's memcheck must report in a
 *	program using vtalloc built with VT_VALGRIND: a leaked block, a read
 *	after free, a read of uninitialised bytes, a write past the end of a
 *	block, and a leak of a large block. tests/valgrind/memcheck.sh runs
 *	it under memcheck and checks each report; it also runs a clean
 *	workload (argument "clean") that must draw no report at all.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"
#include <stdio.h>
#include <stdlib.h>

static char *volatile keep;

/*
 * Each fault sits in a function of its own, so that memcheck's stacks name
 * it and the script can find each report.
 */

static VT_NOINLINE void
LeakSmall(void)
{
    keep = VtMalloc(100);
    keep = NULL;			/* 100 bytes definitely lost. */
}

static VT_NOINLINE void
LeakLarge(void)
{
    keep = VtMalloc(200000);
    keep = NULL;			/* 200000 bytes definitely lost. */
}

static VT_NOINLINE int
ReadAfterFree(void)
{
    char *p = VtMalloc(48);
    int value;

    p[20] = 1;
    VtFree(p);
    value = p[20];			/* Invalid read of size 1. */
    return value;
}

static VT_NOINLINE int
ReadUninitialised(void)
{
    char *p = VtMalloc(64);
    int value = 0;

    if (p[10] == 7) {			/* Conditional jump on undefined. */
	value = puts("seven");
    }
    VtFree(p);
    return value;
}

static VT_NOINLINE void
WritePastEnd(void)
{
    char *p = VtMalloc(40);

    p[40] = 1;				/* Invalid write of size 1. */
    VtFree(p);
}

/*
 * A clean workload: every path (small, large, realloc in place and moving,
 * remote frees are left to the thread tests) with no fault.
 */

static int
Clean(void)
{
    char *blocks[1000];
    int i, sum = 0;

    for (i = 0; i < 1000; i++) {
	size_t size = (size_t) (i * 37) % 5000 + 1;

	blocks[i] = VtMalloc(size);
	memset(blocks[i], i, size);
    }
    for (i = 0; i < 1000; i += 2) {
	blocks[i] = VtRealloc(blocks[i], (size_t) (i * 53) % 70000 + 1);
	sum += blocks[i][0];
    }
    for (i = 0; i < 1000; i++) {
	VtFree(blocks[i]);
    }
    VtTrim();
    return sum;
}

int
main(
    int argc,
    char **argv)
{
    if (argc > 1 && strcmp(argv[1], "clean") == 0) {
	printf("clean %d\n", Clean());
	return 0;
    }
    LeakSmall();
    LeakLarge();
    printf("%d %d\n", ReadAfterFree(), ReadUninitialised());
    WritePastEnd();
    return 0;
}
