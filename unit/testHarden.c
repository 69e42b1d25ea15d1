/*
 * testHarden.c --
 *
 *	Unit tests of the checks on damaged free blocks: a write after free
 *	or an overflow into a free block that changes its free-list link,
 *	its cookie or (debug builds) its fill. Every build must panic,
 *	naming the block, when a damaged link is followed (not hand out an
 *	address the program wrote, or a block overlapping a live one); the
 *	hardened build (VT_HARDEN) also when a damaged cookie is, the debug
 *	build (VT_DEBUG) when a damaged fill is.
 *	Each case runs in a child process, since a panic leaves the page
 *	damaged.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtTest.h"

/*
 * Free-list links are mangled and checked in every build; under
 * valgrind (VT_VALGRIND) memcheck reports the damage itself, and the
 * writes to free blocks below would be its errors.
 */

#define TEST_LINKS (!VT_VALGRIND)

#if TEST_LINKS || VT_DEBUG
/*
 * Run a damage procedure in a child and check that the allocator panics
 * with a message holding `text` and naming the damaged block.
 */

static void
ExpectCorruption(
    int (*damage)(void *data),
    void *data,
    const char *text)
{
    char message[512];
    int status = TestInChild(damage, data, message, sizeof(message));

    CHECK(status == TEST_PANICKED);
    CHECK(strstr(message, text) != NULL);
    CHECK(strstr(message, "vtalloc: free block 0x") != NULL);
    CHECK(strstr(message, " is corrupt: ") != NULL);
    if (currentFailed) {
	printf("    child status %d, message \"%s\"\n", status, message);
    }
}
#endif

/*
 * The damage: a block of 64 bytes is freed, written to, and the bucket is
 * asked for blocks again (the freed block comes first: LIFO). A child
 * that gets through returns 4 if the allocator handed out the address it
 * wrote, or a block overlapping a live one.
 */

#if TEST_LINKS
static char target[64];

static int
LinkOverwritten(
    void *data)
{
    char *a = VtMalloc(64), *b, *c;

    (void) data;
    VtFree(a);
    *(char **) a = target;		/* A write after free. */
    b = VtMalloc(64);
    c = VtMalloc(64);
    return b == target || c == target ? 4 : 0;
}

/*
 * An overflow from a live block into the free block after it: `data`
 * bytes too many (1, 2 or 8), each changed so that the link is really
 * damaged: in bits 4..15, which an encoding that only mixes in a secret
 * with exclusive-or would let through its alignment test, to a block
 * that overlaps a live one.
 */

static int
Overflow(
    void *data)
{
    int bytes = (int) (intptr_t) data, i;
    char *a = VtMalloc(64), *b = VtMalloc(64), *c = VtMalloc(64), *d, *e;

    if (b != a + 64 || c != b + 64) {
	return 3;			/* Not neighbours: no test. */
    }
    VtFree(c);
    VtFree(b);				/* b's link leads to c. */
    for (i = 0; i < bytes; i++) {
	a[64 + i] ^= (char) (i == 0 ? 0x40 : 0x01);
    }
    d = VtMalloc(64);
    e = VtMalloc(64);
    return (e > a - 64 && e < a + 64) || (e > d - 64 && e < d + 64)
	    || e != c ? 4 : 0;
}

static void
TestLink(void)
{
    ExpectCorruption(LinkOverwritten, NULL,
	    "free-list link was overwritten");
}

static void
TestOverflow(void)
{
    static const int bytes[] = {1, 2, 8};
    int i;

    for (i = 0; i < 3; i++) {
	ExpectCorruption(Overflow, (void *) (intptr_t) bytes[i],
		"free-list link was overwritten");
	if (currentFailed) {
	    printf("    %d bytes too many\n", bytes[i]);
	    return;
	}
    }
}
#endif /* TEST_LINKS */

#if VT_HARDEN
static int
CookieOverwritten(
    void *data)
{
    char *a = VtMalloc(64);

    (void) data;
    VtFree(a);
    ((uintptr_t *) a)[1] = 0;
    VtMalloc(64);
    return 0;
}

static void
TestCookie(void)
{
    ExpectCorruption(CookieOverwritten, NULL, "free cookie was overwritten");
}
#endif /* VT_HARDEN */

#if VT_DEBUG
static int
FillOverwritten(
    void *data)
{
    char *a = VtMalloc(64);

    (void) data;
    VtFree(a);
    a[40] = 1;
    VtMalloc(64);
    return 0;
}

static void
TestFillCheck(void)
{
    ExpectCorruption(FillOverwritten, NULL, "free fill was overwritten");
}
#endif /* VT_DEBUG */


/*
 * The checks must not fire on sound use: a workload through every bucket,
 * with frees in random order. It runs last, so that the children above
 * start from fresh pages.
 */

static void
TestSoundUse(void)
{
    enum { COUNT = 20000 };
    static char *blocks[COUNT];
    uint64_t seed = 42;
    int i, round;

    for (round = 0; round < 4; round++) {
	for (i = 0; i < COUNT; i++) {
	    size_t size = 1 + TestRandom(&seed) % (round < 2 ? 512
		    : VT_SMALL_MAX);

	    blocks[i] = VtMalloc(size);
	    memset(blocks[i], i, size);
	}
	for (i = 0; i < COUNT; i++) {
	    int j = (int) (TestRandom(&seed) % COUNT);
	    char *tmp = blocks[i];

	    blocks[i] = blocks[j];
	    blocks[j] = tmp;
	}
	for (i = 0; i < COUNT; i++) {
	    VtFree(blocks[i]);
	}
    }
    CHECK(VtCacheGet(1) != NULL);
}

int
main(void)
{
    VtSetPanicProc(TestPanic);
    printf("testHarden (VT_HARDEN=%d, VT_DEBUG=%d)\n", VT_HARDEN, VT_DEBUG);
#if TEST_LINKS
    RunTest("link overwritten after free", TestLink);
    RunTest("overflow of 1, 2 and 8 bytes into a free block", TestOverflow);
#else
    printf("  link checks: skipped (VT_VALGRIND=1)\n");
#endif
#if VT_HARDEN
    RunTest("cookie overwritten after free", TestCookie);
#else
    printf("  cookie check: skipped (VT_HARDEN=0)\n");
#endif
#if VT_DEBUG
    RunTest("fill overwritten after free", TestFillCheck);
#else
    printf("  fill check: skipped (VT_DEBUG=0)\n");
#endif
    RunTest("sound use passes the checks", TestSoundUse);
    return TestSummary("testHarden");
}
