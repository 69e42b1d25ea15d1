/*
 * testExhaust.c --
 *
 *	Unit tests of memory exhaustion. Each runs in a child process whose
 *	address space is limited (setrlimit RLIMIT_AS, as `ulimit -v` does)
 *	to what it uses plus 256 MiB: a request above the limit fails
 *	(Vt_AttemptAlloc returns NULL, Vt_Alloc panics naming the size) and
 *	smaller requests still work; filling the address space with large
 *	and small blocks ends in NULL, never in a crash, and after some
 *	frees allocation works again; memory just freed and not yet released
 *	is released when a request needs it. The sanitizer runtimes reserve
 *	terabytes of address space, so their builds skip these tests.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtTest.h"
#include "../tests/statm.h"
#include <sys/resource.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#   define SANITIZED 1
#else
#   define SANITIZED 0
#endif

#define HEADROOM	((size_t) 256 << 20)

static void
Limit(void)
{
    uint64_t size, resident;
    struct rlimit limit;

    if (!Statm(&size, &resident)) {
	_exit(3);
    }
    limit.rlim_cur = limit.rlim_max = (rlim_t) size + HEADROOM;
    if (setrlimit(RLIMIT_AS, &limit) != 0) {
	_exit(4);
    }
}

/*
 * A request above the limit fails; smaller ones keep working. Exit status
 * 0 if so, else the number of the check that failed.
 */

static int
TooBig(void)
{
    char *small[100];
    int i;

    if (Vt_AttemptAlloc(1u << 30) != NULL) {
	return 10;
    }
    if (Vt_AttemptMalloc((size_t) 3 << 30) != NULL) {
	return 11;
    }
    for (i = 0; i < 100; i++) {
	small[i] = Vt_AttemptAlloc(1000 + i * 1000);
	if (small[i] == NULL) {
	    return 12;
	}
	memset(small[i], i, 1000 + i * 1000);
    }
    for (i = 0; i < 100; i++) {
	Vt_Free(small[i]);
    }
    if (Vt_AttemptRealloc(Vt_Alloc(10), 1u << 30) != NULL) {
	return 13;
    }
    return 0;
}

static int
PanicWithSize(void)
{
    Vt_Alloc(1u << 30);
    return 20;				/* Vt_Alloc returned. */
}

/*
 * Fill the address space with blocks of `size` until NULL, free the first
 * half, and allocate again: small blocks, and a block of `size`. (Freeing
 * every other small block would leave every page half full: memory that
 * only blocks of that bucket can reuse.)
 */

static int
FillWith(
    size_t size)
{
    enum { MAX = 1 << 20 };
    static char *blocks[MAX];
    int count = 0, i;

    while (count < MAX && (blocks[count] = Vt_AttemptMalloc(size)) != NULL) {
	blocks[count][0] = 1;
	blocks[count][size - 1] = 2;
	count++;
    }
    if (count == MAX || count * size < HEADROOM / 4) {
	return 30;
    }
    for (i = 0; i < count / 2; i++) {
	Vt_Free(blocks[i]);
    }
    for (i = 0; i < 1000; i++) {
	char *p = Vt_AttemptAlloc(16 + i);

	if (p == NULL) {
	    return 31;
	}
	Vt_Free(p);
    }
    blocks[0] = Vt_AttemptMalloc(size);
    if (blocks[0] == NULL) {
	return 32;
    }
    for (i = count / 2; i < count; i++) {
	if (blocks[i][0] != 1 || blocks[i][size - 1] != 2) {
	    return 33;
	}
	Vt_Free(blocks[i]);
    }
    Vt_Free(blocks[0]);
    Vt_Trim();
    return 0;
}

static int
FillLarge(void)
{
    return FillWith(1 << 20);
}

static int
FillSmall(void)
{
    return FillWith(4000);
}

static int
FillHuge(void)
{
    return FillWith((size_t) 5 << 20);
}

/*
 * Memory that was freed but is only waiting to be released (free runs
 * within their decay, whole free segments still mapped) does not make an
 * allocation fail: 160 MiB in 1 MiB blocks (216 MiB of segments) freed,
 * then at once 100 MiB with Vt_Malloc, which panics on failure; then
 * 1200 runs of a slice (64 MiB of segments) freed, and at once 200 MiB.
 */

static int
FreedThenBig(void)
{
    enum { COUNT = 1200 };
    static char *blocks[COUNT];
    char *big;
    int i;

    for (i = 0; i < 160; i++) {
	blocks[i] = Vt_AttemptMalloc(1 << 20);
	if (blocks[i] == NULL) {
	    return 40;
	}
	memset(blocks[i], i, 1 << 20);
    }
    for (i = 0; i < 160; i++) {
	Vt_Free(blocks[i]);
    }
    big = Vt_Malloc(100 << 20);
    memset(big, 1, 100 << 20);
    Vt_Free(big);
    for (i = 0; i < COUNT; i++) {
	blocks[i] = Vt_AttemptMalloc(40000);
	if (blocks[i] == NULL) {
	    return 41;
	}
	memset(blocks[i], i, 40000);
    }
    for (i = 0; i < COUNT; i++) {
	Vt_Free(blocks[i]);
    }
    big = Vt_Malloc(200 << 20);
    Vt_Free(big);
    return 0;
}

/*
 * Run body() in a child limited to its size plus HEADROOM; check its exit
 * status and, if given, its panic message.
 */

static int
Limited(
    void *data)
{
    int (*body)(void) = (int (*)(void)) data;

    Limit();
    return body();
}

static void
Expect(
    int (*body)(void),
    int status,
    const char *text)
{
    char message[512];
    int got = TestInChild(Limited, (void *) body, message, sizeof(message));

    CHECK(got == status);
    CHECK(text == NULL || strstr(message, text) != NULL);
    if (currentFailed) {
	printf("    child status %d, message \"%s\"\n", got, message);
    }
}

static void
TestTooBig(void)
{
    Expect(TooBig, 0, NULL);
}

static void
TestPanicSize(void)
{
    Expect(PanicWithSize, TEST_PANICKED, "unable to alloc 1073741824 bytes");
}

static void
TestFreedThenBig(void)
{
    Expect(FreedThenBig, 0, NULL);
}

static void
TestFillLarge(void)
{
    Expect(FillLarge, 0, NULL);
}

static void
TestFillSmall(void)
{
    Expect(FillSmall, 0, NULL);
}

static void
TestFillHuge(void)
{
    Expect(FillHuge, 0, NULL);
}

int
main(void)
{
    VtSetPanicProc(TestPanic);
    if (SANITIZED) {
	printf("  exhaustion: skipped (a sanitizer runtime reserves the"
		" address space)\n");
	return TestSummary("testExhaust");
    }
    RunTest("a request above the limit fails, smaller ones work",
	    TestTooBig);
    RunTest("Vt_Alloc panics with the size", TestPanicSize);
    RunTest("memory just freed serves a large request at once",
	    TestFreedThenBig);
    RunTest("filled with 1 MiB blocks, then freed in part", TestFillLarge);
    RunTest("filled with 4000-byte blocks, then freed in part",
	    TestFillSmall);
    RunTest("filled with 5 MiB blocks, then freed in part", TestFillHuge);
    return TestSummary("testExhaust");
}
