/*
 * vtTest.h --
 *
 *	A small harness for the core's unit test programs: named tests,
 *	checks that record the failing line, a way to expect a panic (the
 *	panic hook jumps back into the test), and the closing line
 *	"unit NAME: P passed, F failed".
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTTEST
#define _VTTEST

#include "vtApi.h"
#include "vtStress.h"
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#ifndef _WIN32
#   include <sys/wait.h>
#   include <unistd.h>
#endif

static int testsPassed, testsFailed, currentFailed;
static jmp_buf panicJump;
static int panicArmed;
static char panicMessage[512];

/*
 * CHECK(cond): record a failure of the current test if cond is false.
 */

/*
 * A check of a counter or of the bytes asked for: a build without
 * statistics (VT_STATS=0) keeps neither, so there it checks nothing.
 */

#define COUNTED(cond)	(!VT_STATS || (cond))

#define CHECK(cond)							\
    do {								\
	if (!(cond)) {							\
	    printf("    FAILED at %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
	    currentFailed = 1;						\
	}								\
    } while (0)

/*
 * EXPECT_PANIC(statement, text): the statement must panic with a message
 * containing text (and naming the pointer where one is given).
 */

#define EXPECT_PANIC(statement, text)					\
    do {								\
	panicMessage[0] = '\0';						\
	panicArmed = 1;							\
	if (setjmp(panicJump) == 0) {					\
	    statement;							\
	    panicArmed = 0;						\
	    printf("    FAILED at %s:%d: no panic from %s\n",		\
		    __FILE__, __LINE__, #statement);			\
	    currentFailed = 1;						\
	} else if (strstr(panicMessage, (text)) == NULL) {		\
	    printf("    FAILED at %s:%d: panic \"%s\" lacks \"%s\"\n",	\
		    __FILE__, __LINE__, panicMessage, (text));		\
	    currentFailed = 1;						\
	}								\
    } while (0)

static void
TestPanic(
    const char *message)
{
    snprintf(panicMessage, sizeof(panicMessage), "%s", message);
    if (panicArmed) {
	panicArmed = 0;
	longjmp(panicJump, 1);
    }
    printf("    unexpected panic: %s\n", message);
    fflush(stdout);
}

static void
RunTest(
    const char *name,
    void (*proc)(void))
{
    currentFailed = 0;
    proc();
    if (currentFailed) {
	testsFailed++;
	printf("  %s: FAILED\n", name);
    } else {
	testsPassed++;
	printf("  %s: ok\n", name);
    }
    fflush(stdout);
}

static int
TestSummary(
    const char *program)
{
    printf("unit %s: %d passed, %d failed\n", program, testsPassed,
	    testsFailed);
    fflush(stdout);
    return testsFailed > 0;
}

/*
 * Fill a block with a pattern derived from a tag, and check it.
 */

static inline void
TestFill(
    void *ptr,
    size_t size,
    uint64_t tag)
{
    uint8_t *p = ptr;
    size_t i;

    for (i = 0; i < size; i++) {
	p[i] = (uint8_t) (tag + i * 31);
    }
}

static inline int
TestVerify(
    const void *ptr,
    size_t size,
    uint64_t tag)
{
    const uint8_t *p = ptr;
    size_t i;

    for (i = 0; i < size; i++) {
	if (p[i] != (uint8_t) (tag + i * 31)) {
	    return 0;
	}
    }
    return 1;
}

/*
 *----------------------------------------------------------------------
 *
 * TestThreadStart, TestThreadJoin --
 *
 *	Start a joinable thread, and wait for it; a failure fails the test
 *	program. The test harness is a front end: it creates threads, so
 *	its thread creation is the safe point where the purger starts
 *	(VtPurgerSafePoint), as libvtmalloc's pthread_create is.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	A thread; may start the purger.
 *
 *----------------------------------------------------------------------
 */

static inline void
TestThreadStart(
    pthread_t *threadPtr,
    void *(*proc)(void *),
    void *arg)
{
    int result;

    VtPurgerSafePoint();
    result = pthread_create(threadPtr, NULL, proc, arg);
    if (result != 0) {
	fprintf(stderr, "cannot create a thread (error %d)\n", result);
	exit(2);
    }
}

static inline void
TestThreadJoin(
    pthread_t thread)
{
    int result = pthread_join(thread, NULL);

    if (result != 0) {
	fprintf(stderr, "cannot join a thread (error %d)\n", result);
	exit(2);
    }
}

#ifndef _WIN32
/*
 * TestInChild runs body(data) in a child process and returns its exit
 * status (128 + the signal if one ended it), with what it wrote to the
 * message pipe in message. In the child a vtalloc panic writes its
 * message to the pipe and exits with TEST_PANICKED, so that tests can
 * provoke panics that leave the allocator damaged.
 */

#define TEST_PANICKED 42

static int testChildPipe = -1;

static inline void
TestChildPanic(
    const char *message)
{
    ssize_t written = write(testChildPipe, message, strlen(message));

    (void) written;
#if VT_VALGRIND
    /*
     * The child ends in the panic its test provoked, with the blocks it
     * had: memcheck's leak check at its exit would count them as errors.
     */

    VALGRIND_CLO_CHANGE("--leak-check=no");
#endif
    _exit(TEST_PANICKED);
}

static inline int
TestInChild(
    int (*body)(void *data),
    void *data,
    char *message,
    size_t size)
{
    int fds[2], status = -1;
    ssize_t got;
    pid_t pid;

    fflush(stdout);
    if (pipe(fds) != 0) {
	snprintf(message, size, "pipe failed");
	return -1;
    }
    pid = fork();
    if (pid == 0) {
	close(fds[0]);
	testChildPipe = fds[1];
	VtSetPanicProc(TestChildPanic);
	_exit(body(data));
    }
    close(fds[1]);
    got = read(fds[0], message, size - 1);
    message[got > 0 ? got : 0] = '\0';
    close(fds[0]);
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status)
	    : 128 + WTERMSIG(status);
}
#endif /* !_WIN32 */

#endif /* _VTTEST */
