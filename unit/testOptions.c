/*
 * testOptions.c --
 *
 *	Unit tests of the knobs (vtOptions.c) in a process of their own, since
 *	they need the allocator not yet set up: a knob set by the program
 *	before the first allocation wins over its environment variable, the
 *	others are taken from the environment (a bad value leaves the
 *	default), and the environment is read once.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtTest.h"

/*
 *----------------------------------------------------------------------
 *
 * TestSetBeforeInit --
 *
 *	VTALLOC_DECAY=1234 in the environment and -decay 77 set before
 *	anything was allocated: 77 stays in force after the first
 *	allocation; VTALLOC_HOLD=4096 applies; VTALLOC_RESERVE=abc leaves
 *	the default.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Sets knobs and environment variables.
 *
 *----------------------------------------------------------------------
 */

static void
TestSetBeforeInit(void)
{
    void *ptr;

    CHECK(VtOptionSet(VT_OPTION_DECAY, 77));
    CHECK(VtOptionGet(VT_OPTION_DECAY) == 77);
    ptr = VtMalloc(100);
    CHECK(ptr != NULL);
    VtFree(ptr);
    CHECK(VtOptionGet(VT_OPTION_DECAY) == 77);
    CHECK(VtOptionGet(VT_OPTION_HOLD) == 4096);
    CHECK(VtOptionGet(VT_OPTION_RESERVE)
	    == vtOptionInfo[VT_OPTION_RESERVE].def);
}

/*
 *----------------------------------------------------------------------
 *
 * TestReadOnce --
 *
 *	A change of the environment after the start changes no knob, and a
 *	value set now is in force.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Sets knobs and environment variables.
 *
 *----------------------------------------------------------------------
 */

static void
TestReadOnce(void)
{
    setenv("VTALLOC_HOLD", "8192", 1);
    VtInit();
    CHECK(VtOptionGet(VT_OPTION_HOLD) == 4096);
    CHECK(VtOptionSet(VT_OPTION_HOLD, 0));
    CHECK(VtOptionGet(VT_OPTION_HOLD) == 0);
    CHECK(!VtOptionSet(VT_OPTION_HOLD, -1));
    CHECK(VtOptionGet(VT_OPTION_HOLD) == 0);
}

int
main(void)
{
    /*
     * Before anything of vtalloc runs: the knobs' variables as a program
     * would find them at start.
     */

    setenv("VTALLOC_DECAY", "1234", 1);
    setenv("VTALLOC_HOLD", "4096", 1);
    setenv("VTALLOC_RESERVE", "abc", 1);
    VtSetPanicProc(TestPanic);
    RunTest("a knob set before the first allocation wins over the "
	    "environment", TestSetBeforeInit);
    RunTest("the environment is read once", TestReadOnce);
    return TestSummary("testOptions");
}
