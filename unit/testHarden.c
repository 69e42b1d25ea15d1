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
 * Double frees of large blocks (runs of whole slices) and huge blocks (a
 * segment of their own), in every state the block's memory can be in by
 * the second free: free, merged into a free run, reused by a page of
 * small blocks at the block's address or with a block starting there,
 * inside another large block, in a normal segment mapped where a huge
 * block was. Each child returns 0 if the second free went through, 3 if
 * it could not bring the memory into the state; every state must end in
 * a panic naming the pointer. (A large block freed and the same address
 * handed out again as a large block is the caller's new block: its free
 * is a correct one.)
 */

static char *doubleFreed;

static void
DoubleFreePanic(
    const char *message)
{
    char text[512];

    snprintf(text, sizeof(text), "freed %p: %s", (void *) doubleFreed,
	    message);
    TestChildPanic(text);
}

static int
LargeFreeTwice(
    char *ptr)
{
    doubleFreed = ptr;
    VtSetPanicProc(DoubleFreePanic);
    VtFree(ptr);
    return 0;
}

/*
 * Three large blocks of one slice in a row; the middle one is freed, its
 * neighbours `before` and `after` too if asked, and it is returned.
 */

static char *
LargeFreed(
    int freeBefore,
    int freeAfter)
{
    char *x, *a, *y;
    int tries;

    for (tries = 0; tries < 64; tries++) {
	x = VtMalloc(40000);
	a = VtMalloc(40000);
	y = VtMalloc(40000);
	if (a == x + VT_SLICE_SIZE && y == a + VT_SLICE_SIZE) {
	    VtFree(a);
	    if (freeBefore) {
		VtFree(x);
	    }
	    if (freeAfter) {
		VtFree(y);
	    }
	    return a;
	}
    }
    return NULL;
}

static int
LargeNotReused(
    void *data)
{
    char *a = LargeFreed(0, 0);

    (void) data;
    return a == NULL ? 3 : LargeFreeTwice(a);
}

static int
LargeMerged(
    void *data)
{
    char *a = LargeFreed(1, 0);
    int merged;

    (void) data;
    if (a == NULL) {
	return 3;
    }
    VtSharedLock(NULL, 0);		/* The purger changes runs. */
    merged = VtPageOf(a)->state == VT_PAGE_FREE
	    && VtPageOf(a)->start != (uint8_t *) a;
    VtSharedUnlock();
    return merged ? LargeFreeTwice(a) : 3;
}

/*
 * Small blocks of `size` are allocated (up to 64 MiB of them) until one
 * of their pages covers a and has carved the block that starts there (or
 * fenced it off: see VtPageExtend), or its side array starts there (see
 * VtBucketsInit); then a is freed again.
 */

static int
SmallOver(
    char *a,
    size_t size,
    int samePage)
{
    size_t i;

    if (a == NULL) {
	return 3;
    }
    for (i = 0; i < ((size_t) 64 << 20) / size; i++) {
	VtPage *pagePtr;
	int over;

	VtSharedLock(NULL, 0);		/* The purger changes runs. */
	pagePtr = VtSegmentKnown(a) ? VtPageOf(a) : &vtEmptyPage;
	over = pagePtr->state == VT_PAGE_SMALL
		&& (samePage ? ((uintptr_t) pagePtr->start
		& ~(uintptr_t) (VT_SLICE_SIZE - 1)) == (uintptr_t) a
		: pagePtr->start <= (uint8_t *) a)
		&& ((uint8_t *) a < pagePtr->start
		? VtLoad(&pagePtr->capacity) > 0	/* Its side array. */
		: pagePtr->start + (size_t) VtLoad(&pagePtr->capacity)
		* pagePtr->blockSize > (uint8_t *) a);
	VtSharedUnlock();
	if (over) {
	    return LargeFreeTwice(a);
	}
	memset(VtMalloc(size), 1, 16);
    }
    return 3;
}

static int
LargeSmallSame(
    void *data)
{
    (void) data;
    return SmallOver(LargeFreed(0, 0), 1000, 1);
}

static int
LargeSmallBigBucket(
    void *data)
{
    (void) data;
    return SmallOver(LargeFreed(0, 0), 32768, 1);
}

static int
LargeSmallInside(
    void *data)
{
    (void) data;
    return SmallOver(LargeFreed(1, 0), 2048, 0);	/* Pages of two
							 * slices. */
}

static int
LargeInsideLarge(
    void *data)
{
    char *a = LargeFreed(1, 0), *b;

    (void) data;
    if (a == NULL) {
	return 3;
    }
    b = VtMalloc(100000);			/* Two slices: a's run. */
    if (b != a - VT_SLICE_SIZE) {
	return 3;
    }
    return LargeFreeTwice(a);
}

static int
HugeFreed(
    void *data)
{
    char *h = VtMalloc(8 << 20);

    (void) data;
    VtFree(h);
    return LargeFreeTwice(h);
}

/*
 * A huge block whose segment is as large as a normal one: once it is
 * unmapped, the next normal segment is likely mapped at its address, and
 * the first page there starts where the block did.
 */

static int
HugeThenSmall(
    void *data)
{
    char *h = VtMalloc(VT_SEGMENT_SIZE - VT_SLICE_SIZE);

    (void) data;
    VtFree(h);
    return SmallOver(h, 1000, 1);
}

static void
ExpectDoubleFree(
    int (*body)(void *data),
    const char *state,
    const char *why)
{
    char message[512], *endPtr;
    int status = TestInChild(body, NULL, message, sizeof(message));
    void *ptr = NULL;

    CHECK(status == TEST_PANICKED);
    CHECK(strncmp(message, "freed 0x", 8) == 0);
    if (strncmp(message, "freed ", 6) == 0) {
	char name[64];

	ptr = (void *) (uintptr_t) strtoull(message + 6, &endPtr, 16);
	snprintf(name, sizeof(name), "invalid block %p passed to free: ",
		ptr);
	CHECK(strstr(message, name) != NULL);
    }
    CHECK(strstr(message, why) != NULL);
    if (currentFailed) {
	printf("    %s: child status %d, message \"%s\"\n", state, status,
		message);
    }
}

static void
TestLargeDoubleFree(void)
{
    static const struct {
	int (*body)(void *data);
	const char *state;
    } cases[] = {
	{LargeNotReused, "freed, not reused"},
	{LargeMerged, "merged into a free run"},
	{LargeSmallSame, "a page of small blocks at its address"},
	{LargeSmallBigBucket, "a page of 32 KiB blocks at its address"},
	{LargeSmallInside, "a page of small blocks over it"},
	{LargeInsideLarge, "inside another large block"},
	{HugeFreed, "huge, its segment unmapped"},
	{HugeThenSmall, "huge, then small blocks of a normal segment there"}
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	ExpectDoubleFree(cases[i].body, cases[i].state,
		cases[i].body == HugeFreed ? "already released"
		: "double free");
    }
}

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
	    size_t size = 1 + VtRandomNext(&seed) % (round < 2 ? 512
		    : VT_SMALL_MAX);

	    blocks[i] = VtMalloc(size);
	    memset(blocks[i], i, size);
	}
	for (i = 0; i < COUNT; i++) {
	    int j = (int) (VtRandomNext(&seed) % COUNT);
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
    RunTest("double free of large and huge blocks", TestLargeDoubleFree);
    RunTest("sound use passes the checks", TestSoundUse);
    return TestSummary("testHarden");
}
