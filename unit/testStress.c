/*
 * testStress.c --
 *
 *	The stress engine behind `vtalloc stress` (generic/vtStress.c), run
 *	as a unit test so that it runs in every variant of the core: plain,
 *	under AddressSanitizer with UndefinedBehaviorSanitizer, under
 *	ThreadSanitizer and hardened. Each pattern runs with four threads
 *	on two cores, so that threads are preempted mid-operation; each must
 *	finish its operations with no content error and leave no live byte.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtTest.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) \
	|| VT_DEBUG
#   define STRESS_OPS 60000
#else
#   define STRESS_OPS 600000
#endif

static void
RunPattern(
    VtStressPattern pattern)
{
    VtStressConfig config;
    VtStressResult result;
    VtStats before, after;

    memset(&config, 0, sizeof(config));
    memset(&result, 0, sizeof(result));
    config.pattern = pattern;
    config.threads = 4;
    config.ops = STRESS_OPS;
    VtGetStats(&before, NULL, NULL);
    CHECK(VtStress(&config, &result) == 1);
    VtGetStats(&after, NULL, NULL);
    CHECK(result.errors == 0);
    CHECK(result.ops >= config.ops);
    CHECK(after.requested == before.requested);
    CHECK(after.allocs - before.allocs == after.frees - before.frees);
    printf("    %s: %llu ops in %.2f s, %llu errors, peak rss %llu MiB\n",
	    vtStressPatterns[pattern], (unsigned long long) result.ops,
	    result.seconds, (unsigned long long) result.errors,
	    (unsigned long long) (result.peakRss >> 20));
}

static void
TestCells(void)
{
    RunPattern(VT_STRESS_CELLS);
}

static void
TestTclmix(void)
{
    RunPattern(VT_STRESS_TCLMIX);
}

static void
TestXthread(void)
{
    RunPattern(VT_STRESS_XTHREAD);
}

static void
TestChurn(void)
{
    RunPattern(VT_STRESS_CHURN);
}

int
main(void)
{
    VtSetPanicProc(TestPanic);
    RunTest("stress cells", TestCells);
    RunTest("stress tclmix", TestTclmix);
    RunTest("stress xthread", TestXthread);
    RunTest("stress churn", TestChurn);
    return TestSummary("testStress");
}
