/*
 * testHarden.c --
 *
 *	Unit tests of the checks on damaged free blocks: a write after free
 *	or an overflow into a free block that changes its free-list link,
 *	its cookie or (debug builds) its fill. The hardened build (VT_HARDEN)
 *	and the debug build (VT_DEBUG) must panic, naming the block, when
 *	the block is next handed out; builds without them skip the test.
 *	Each case runs in a child process, since a panic leaves the page
 *	damaged.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtTest.h"

#if VT_HARDEN || VT_DEBUG
/*
 * Run a damage procedure in a child and check that the allocator panics
 * with a message holding `text` and naming the damaged block.
 */

static void
ExpectCorruption(
    int (*damage)(void *data),
    const char *text)
{
    char message[512];
    int status = TestInChild(damage, NULL, message, sizeof(message));

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
 * asked for blocks again (the freed block comes first: LIFO).
 */

#if VT_HARDEN
static char target[64];

static int
LinkOverwritten(
    void *data)
{
    char *a = VtMalloc(64);

    (void) data;
    VtFree(a);
    *(char **) a = target;		/* A write after free. */
    VtFree(VtMalloc(64));
    VtFree(VtMalloc(64));
    return 0;
}

static int
Overflow(
    void *data)
{
    char *a = VtMalloc(64), *b = VtMalloc(64);

    (void) data;
    if (b != a + 64) {
	return 3;			/* Not neighbours: no test. */
    }
    VtFree(b);
    memset(a, 'A', 64 + 8);		/* Eight bytes too many. */
    VtMalloc(64);
    VtMalloc(64);
    return 0;
}

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
TestLink(void)
{
    ExpectCorruption(LinkOverwritten, "free-list link was overwritten");
}

static void
TestOverflow(void)
{
    ExpectCorruption(Overflow, "free-list link was overwritten");
}

static void
TestCookie(void)
{
    ExpectCorruption(CookieOverwritten, "free cookie was overwritten");
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
    ExpectCorruption(FillOverwritten, "free fill was overwritten");
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
#if VT_HARDEN
    RunTest("link overwritten after free", TestLink);
    RunTest("overflow into a free block", TestOverflow);
    RunTest("cookie overwritten after free", TestCookie);
#else
    printf("  hardened checks: skipped (VT_HARDEN=0)\n");
#endif
#if VT_DEBUG
    RunTest("fill overwritten after free", TestFillCheck);
#else
    printf("  fill check: skipped (VT_DEBUG=0)\n");
#endif
    RunTest("sound use passes the checks", TestSoundUse);
    return TestSummary("testHarden");
}
