/*
 * vtTcl.c --
 *
 *	The Tcl package front end: Vtalloc_Init and the `vtalloc` command
 *	(stats, version, trim, and the block primitives that let tcltest
 *	scripts drive allocation patterns across threads). Panics of the
 *	core go to Tcl_Panic here.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

/*
 * vtalloc exists for threaded Tcl: without TCL_THREADS, tcl.h would turn
 * Tcl_MutexLock into nothing and the block table below would go unguarded.
 */

#ifndef TCL_THREADS
#   define TCL_THREADS 1
#endif

#include <tcl.h>
#include "vtTclInt.h"
#include "vtStress.h"
#include <stdio.h>
#include <stdlib.h>

#ifndef PACKAGE_VERSION
#   define PACKAGE_VERSION VTALLOC_VERSION
#endif

/*
 * Blocks handed to scripts: handle -> size, shared by all threads, so a
 * block allocated in one thread may be freed in another. A handle not in
 * the table is an error, never a pointer followed.
 */

/*
 * The vtalloc instance this package serves: its own, or the one the Tcl
 * core or the LD_PRELOAD library brought (see VtProcessInstance). Every
 * call below goes through it.
 */

static const VtInstance *instPtr = &vtInstance;
#define API (instPtr->apiPtr)

static Tcl_HashTable blockTable;
static int blockTableReady = 0;
TCL_DECLARE_MUTEX(blockMutex)

#define HANDLE_PREFIX "vtblock"

static int	Fail(Tcl_Interp *interp, const char *code,
		    const char *format, ...);
static int	BlockCmd(Tcl_Interp *interp, int objc,
		    Tcl_Obj *const objv[]);
static int	GetBlock(Tcl_Interp *interp, Tcl_Obj *objPtr, int remove,
		    void **ptrPtr, size_t *sizePtr);
static Tcl_Obj *NewHandle(void *ptr, size_t size);
static void	PanicToTcl(const char *message);
static int	ConfigCmd(Tcl_Interp *interp, int objc,
		    Tcl_Obj *const objv[]);
static int	Kept(int counted, const char *key);
static void	PutFigure(Tcl_Obj *dictPtr, const char *group,
		    const char *key, uint64_t value);
static int	StatsCmd(Tcl_Interp *interp, int objc,
		    Tcl_Obj *const objv[]);
static int	VtallocObjCmd(ClientData clientData, Tcl_Interp *interp,
		    int objc, Tcl_Obj *const objv[]);

/*
 *----------------------------------------------------------------------
 *
 * PanicToTcl --
 *
 *	The core's panic hook inside Tcl.
 *
 * Results:
 *	None; Tcl_Panic does not return.
 *
 * Side effects:
 *	Ends the process through Tcl_Panic.
 *
 *----------------------------------------------------------------------
 */

static void
PanicToTcl(
    const char *message)
{
    Tcl_Panic("%s", message);
}

/*
 *----------------------------------------------------------------------
 *
 * Fail --
 *
 *	Leave a printf-style error message and the error code
 *	{VTALLOC code} in the interpreter.
 *
 * Results:
 *	TCL_ERROR.
 *
 * Side effects:
 *	Sets the interpreter's result and error code.
 *
 *----------------------------------------------------------------------
 */

static int
Fail(
    Tcl_Interp *interp,
    const char *code,
    const char *format,
    ...)
{
    char message[256];
    va_list args;

    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    Tcl_SetObjResult(interp, Tcl_NewStringObj(message, -1));
    Tcl_SetErrorCode(interp, "VTALLOC", code, NULL);
    return TCL_ERROR;
}

/*
 *----------------------------------------------------------------------
 *
 * NewHandle, GetBlock --
 *
 *	Register a block under a new handle; find (and, with `remove`,
 *	unregister) the block of a handle.
 *
 * Results:
 *	NewHandle: the handle. GetBlock: TCL_OK with the block and its size,
 *	or TCL_ERROR with a message for an unknown or freed handle.
 *
 * Side effects:
 *	Changes the block table.
 *
 *----------------------------------------------------------------------
 */

static Tcl_Obj *
NewHandle(
    void *ptr,
    size_t size)
{
    Tcl_HashEntry *entryPtr;
    char handle[48];
    int isNew;

    Tcl_MutexLock(&blockMutex);
    entryPtr = Tcl_CreateHashEntry(&blockTable, ptr, &isNew);
    Tcl_SetHashValue(entryPtr, (ClientData) (uintptr_t) size);
    Tcl_MutexUnlock(&blockMutex);
    snprintf(handle, sizeof(handle), HANDLE_PREFIX "%llx",
	    (unsigned long long) (uintptr_t) ptr);
    return Tcl_NewStringObj(handle, -1);
}

static int
GetBlock(
    Tcl_Interp *interp,
    Tcl_Obj *objPtr,
    int remove,
    void **ptrPtr,
    size_t *sizePtr)
{
    const char *string = Tcl_GetString(objPtr);
    Tcl_HashEntry *entryPtr = NULL;
    char *end;
    uintptr_t value;

    if (strncmp(string, HANDLE_PREFIX, sizeof(HANDLE_PREFIX) - 1) == 0) {
	string += sizeof(HANDLE_PREFIX) - 1;
	value = (uintptr_t) strtoull(string, &end, 16);
	if (end != string && *end == '\0') {
	    Tcl_MutexLock(&blockMutex);
	    entryPtr = Tcl_FindHashEntry(&blockTable, (void *) value);
	    if (entryPtr != NULL) {
		*ptrPtr = (void *) value;
		*sizePtr = (size_t) (uintptr_t) Tcl_GetHashValue(entryPtr);
		if (remove) {
		    Tcl_DeleteHashEntry(entryPtr);
		}
	    }
	    Tcl_MutexUnlock(&blockMutex);
	}
    }
    if (entryPtr == NULL) {
	return Fail(interp, "HANDLE", "unknown or freed block handle \"%.100s\"",
		Tcl_GetString(objPtr));
    }
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * GetSize --
 *
 *	Parse a block size: an integer from 0 up.
 *
 * Results:
 *	TCL_OK with the size, or TCL_ERROR with a message.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static int
GetSize(
    Tcl_Interp *interp,
    Tcl_Obj *objPtr,
    size_t *sizePtr)
{
    Tcl_WideInt value;

    if (Tcl_GetWideIntFromObj(NULL, objPtr, &value) != TCL_OK || value < 0) {
	return Fail(interp, "VALUE",
		"expected a size (integer >= 0) but got \"%.100s\"",
		Tcl_GetString(objPtr));
    }
    *sizePtr = (size_t) value;
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * BlockCmd --
 *
 *	vtalloc block alloc SIZE | free H | realloc H SIZE | fill H BYTE |
 *	check H BYTE ?LENGTH? | size H
 *
 * Results:
 *	A Tcl result.
 *
 * Side effects:
 *	Allocates, frees or writes blocks.
 *
 *----------------------------------------------------------------------
 */

static int
BlockCmd(
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    static const char *const options[] = {
	"alloc", "check", "fill", "free", "realloc", "size", NULL
    };
    enum { B_ALLOC, B_CHECK, B_FILL, B_FREE, B_REALLOC, B_SIZE };
    static const int minArgs[] = { 4, 5, 5, 4, 5, 4 };
    static const int maxArgs[] = { 4, 6, 5, 4, 5, 4 };
    static const char *const usage[] = {
	"alloc size", "check handle byte ?length?", "fill handle byte",
	"free handle", "realloc handle size", "size handle"
    };
    int index, byte = 0;
    size_t size, newSize;
    void *ptr, *newPtr;

    if (objc < 3) {
	Tcl_WrongNumArgs(interp, 2, objv, "option ?arg ...?");
	return TCL_ERROR;
    }
    if (Tcl_GetIndexFromObj(interp, objv[2], options, "option", 0,
	    &index) != TCL_OK) {
	return TCL_ERROR;
    }
    if (objc < minArgs[index] || objc > maxArgs[index]) {
	Tcl_SetObjResult(interp, Tcl_ObjPrintf(
		"wrong # args: should be \"%s block %s\"",
		Tcl_GetString(objv[0]), usage[index]));
	Tcl_SetErrorCode(interp, "TCL", "WRONGARGS", NULL);
	return TCL_ERROR;
    }
    if ((index == B_CHECK || index == B_FILL) && (Tcl_GetIntFromObj(NULL,
	    objv[4], &byte) != TCL_OK || byte < 0 || byte > 255)) {
	return Fail(interp, "VALUE",
		"expected a byte (integer 0..255) but got \"%.100s\"",
		Tcl_GetString(objv[4]));
    }

    switch (index) {
    case B_ALLOC:
	if (GetSize(interp, objv[3], &size) != TCL_OK) {
	    return TCL_ERROR;
	}
	ptr = API->Vt_AttemptMalloc(size);
	if (ptr == NULL) {
	    return Fail(interp, "NOMEM", "unable to alloc %zu bytes", size);
	}
	Tcl_SetObjResult(interp, NewHandle(ptr, size));
	return TCL_OK;
    case B_REALLOC:
	if (GetSize(interp, objv[4], &newSize) != TCL_OK
		|| GetBlock(interp, objv[3], 1, &ptr, &size) != TCL_OK) {
	    return TCL_ERROR;
	}
	newPtr = API->Vt_AttemptReallocSize(ptr, newSize);
	if (newPtr == NULL) {
	    Tcl_DecrRefCount(NewHandle(ptr, size));
	    return Fail(interp, "NOMEM", "unable to realloc %zu bytes",
		    newSize);
	}
	Tcl_SetObjResult(interp, NewHandle(newPtr, newSize));
	return TCL_OK;
    case B_FREE:
	if (GetBlock(interp, objv[3], 1, &ptr, &size) != TCL_OK) {
	    return TCL_ERROR;
	}
	API->Vt_Free(ptr);
	return TCL_OK;
    }

    if (GetBlock(interp, objv[3], 0, &ptr, &size) != TCL_OK) {
	return TCL_ERROR;
    }
    if (index == B_FILL) {
	memset(ptr, byte, size);
    } else if (index == B_CHECK) {
	const uint8_t *p = ptr;
	size_t i, length = size;

	if (objc == 6 && (GetSize(interp, objv[5], &length) != TCL_OK)) {
	    return TCL_ERROR;
	}
	if (length > size) {
	    return Fail(interp, "VALUE",
		    "length %zu is beyond the block's %zu bytes", length, size);
	}
	for (i = 0; i < length && p[i] == (uint8_t) byte; i++) {
	    /* Compare. */
	}
	Tcl_SetObjResult(interp, Tcl_NewBooleanObj(i == length));
    } else {
	Tcl_SetObjResult(interp, Tcl_NewWideIntObj((Tcl_WideInt) size));
    }
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * Kept --
 *
 *	Does the allocator keep the figure of this key? A build without
 *	statistics (VT_STATS=0, see VtStats.counted) keeps no counters and
 *	no record of the bytes asked for; the stats dict leaves those keys
 *	out rather than show zeros.
 *
 * Results:
 *	1 if the figure is kept.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static int
Kept(
    int counted,
    const char *key)
{
    if (counted) {
	return 1;
    }
#define VT_IS_COUNTER(name, k) || strcmp(key, k) == 0
    return !(strcmp(key, "requested") == 0
	    VT_BUCKET_COUNTERS(VT_IS_COUNTER));
#undef VT_IS_COUNTER
}

/*
 *----------------------------------------------------------------------
 *
 * PutFigure --
 *
 *	Put one figure into the stats dict, at the top or in the sub-dict
 *	of its group.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Changes the dict.
 *
 *----------------------------------------------------------------------
 */

static void
PutFigure(
    Tcl_Obj *dictPtr,
    const char *group,
    const char *key,
    uint64_t value)
{
    Tcl_Obj *keys[2];
    int n = 0;

    if (group[0] != '\0') {
	keys[n++] = Tcl_NewStringObj(group, -1);
    }
    keys[n++] = Tcl_NewStringObj(key, -1);
    Tcl_DictObjPutKeyList(NULL, dictPtr, n, keys,
	    Tcl_NewWideIntObj((Tcl_WideInt) value));
}

/*
 *----------------------------------------------------------------------
 *
 * ConfigCmd --
 *
 *	vtalloc config ?-option ?value -option value ...??: the knobs in
 *	force, one knob, or set knobs (all values are checked before any is
 *	set).
 *
 * Results:
 *	A Tcl result.
 *
 * Side effects:
 *	May change knobs.
 *
 *----------------------------------------------------------------------
 */

static int
ConfigCmd(
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    static const char *names[VT_OPTION_COUNT + 1];
    int64_t values[VT_OPTION_COUNT];
    int set[VT_OPTION_COUNT];
    int i, option;

    for (i = 0; i < VT_OPTION_COUNT; i++) {
	static char flags[VT_OPTION_COUNT][32];

	snprintf(flags[i], sizeof(flags[i]), "-%s", vtOptionInfo[i].name);
	names[i] = flags[i];
	set[i] = 0;
    }
    names[VT_OPTION_COUNT] = NULL;
    if (objc == 2) {
	Tcl_Obj *dictPtr = Tcl_NewDictObj();

	for (i = 0; i < VT_OPTION_COUNT; i++) {
	    Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj(names[i], -1),
		    Tcl_NewWideIntObj((Tcl_WideInt) instPtr->optionGet((VtOption) i)));
	}
	Tcl_SetObjResult(interp, dictPtr);
	return TCL_OK;
    }
    if (objc == 3) {
	if (Tcl_GetIndexFromObj(interp, objv[2], names, "option", 0,
		&option) != TCL_OK) {
	    return TCL_ERROR;
	}
	Tcl_SetObjResult(interp,
		Tcl_NewWideIntObj((Tcl_WideInt)
		instPtr->optionGet((VtOption) option)));
	return TCL_OK;
    }
    if (objc % 2 != 0) {
	Tcl_WrongNumArgs(interp, 2, objv, "?-option ?value -option value ...??");
	return TCL_ERROR;
    }
    for (i = 2; i < objc; i += 2) {
	const VtOptionInfo *infoPtr;
	Tcl_WideInt value;

	if (Tcl_GetIndexFromObj(interp, objv[i], names, "option", 0,
		&option) != TCL_OK) {
	    return TCL_ERROR;
	}
	infoPtr = &vtOptionInfo[option];
	if (Tcl_GetWideIntFromObj(NULL, objv[i + 1], &value) != TCL_OK
		|| value < infoPtr->min || value > infoPtr->max) {
	    return Fail(interp, "VALUE", "expected an integer from %lld to "
		    "%lld (%s) for %s but got \"%.50s\"",
		    (long long) infoPtr->min, (long long) infoPtr->max,
		    infoPtr->unit, names[option], Tcl_GetString(objv[i + 1]));
	}
	values[option] = value;
	set[option] = 1;
    }
    for (i = 0; i < VT_OPTION_COUNT; i++) {
	if (set[i]) {
	    instPtr->optionSet((VtOption) i, values[i]);
	}
    }
    if (set[VT_OPTION_PURGER]) {
	instPtr->safePoint();		/* -purger 1 starts it now. */
    }
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * BucketDict --
 *
 *	The figures of one bucket as a dict.
 *
 * Results:
 *	A new dict.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static Tcl_Obj *
BucketDict(
    VtBucketStats *b,
    int large,
    int counted)
{
    Tcl_Obj *dictPtr = Tcl_NewDictObj();

    Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj("size", -1), large
	    ? Tcl_NewStringObj("large", -1)
	    : Tcl_NewWideIntObj((Tcl_WideInt) b->size));
#define VT_PUT_FIGURE(name, key) \
    if (Kept(counted, key)) {						\
	PutFigure(dictPtr, "", key, b->name);				\
    }
    VT_BUCKET_FIGURES(VT_PUT_FIGURE)
#undef VT_PUT_FIGURE
#define VT_PUT_COUNTER(name, key) \
    if (Kept(counted, key)) {						\
	PutFigure(dictPtr, "", key, b->counters.name);			\
    }
    VT_BUCKET_COUNTERS(VT_PUT_COUNTER)
#undef VT_PUT_COUNTER
    return dictPtr;
}

/*
 *----------------------------------------------------------------------
 *
 * StatsCmd --
 *
 *	vtalloc stats ?-threads? ?-buckets?: the totals as a dict; with
 *	-buckets the per-bucket table under "buckets"; with -threads one
 *	dict per cache (the shared cache first) under "caches".
 *
 * Results:
 *	A Tcl result.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static int
StatsCmd(
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    static const char *const options[] = { "-buckets", "-threads", NULL };
    int wantBuckets = 0, wantThreads = 0, i, index;
    VtStats stats;
    VtCacheStats *cachesPtr = NULL;
    size_t count = 0, c;
    Tcl_Obj *dictPtr, *listPtr;
    unsigned bucket;

    for (i = 2; i < objc; i++) {
	if (Tcl_GetIndexFromObj(interp, objv[i], options, "option", 0,
		&index) != TCL_OK) {
	    return TCL_ERROR;
	}
	if (index == 0) {
	    wantBuckets = 1;
	} else {
	    wantThreads = 1;
	}
    }
    if (wantThreads) {
	cachesPtr = VtSnapshot(instPtr, &stats, &count);
    } else {
	instPtr->getStats(&stats, NULL, NULL);
    }
    dictPtr = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj("mode", -1),
	    Tcl_NewStringObj(instPtr->mode(), -1));
#define VT_PUT_TOTAL(name, group, key) \
    if (Kept((int) stats.counted, key)) {				\
	PutFigure(dictPtr, group, key, stats.name);			\
    }
    VT_TOTALS(VT_PUT_TOTAL)
#undef VT_PUT_TOTAL

    if (wantBuckets) {
	listPtr = Tcl_NewListObj(0, NULL);
	for (bucket = 0; bucket <= VT_NBUCKETS; bucket++) {
	    Tcl_ListObjAppendElement(NULL, listPtr, BucketDict(
		    &stats.buckets[bucket], bucket == VT_NBUCKETS,
		    (int) stats.counted));
	}
	Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj("buckets", -1),
		listPtr);
    }
    if (wantThreads) {
	listPtr = Tcl_NewListObj(0, NULL);
	for (c = 0; c < count; c++) {
	    Tcl_Obj *cachePtr = Tcl_NewDictObj();
	    VtBucketStats sum;

	    /*
	     * Per cache, inuse and free are bytes (of small blocks in its
	     * pages), the counters are summed over the buckets.
	     */

	    memset(&sum, 0, sizeof(sum));
	    for (bucket = 0; bucket <= VT_NBUCKETS; bucket++) {
		VtBucketStats *b = &cachesPtr[c].buckets[bucket];

		sum.inuse += b->inuse * b->size;
		sum.free += b->free * b->size;
		sum.requested += b->requested;
#define VT_SUM_COUNTER(name, key) \
		sum.counters.name += b->counters.name;
		VT_BUCKET_COUNTERS(VT_SUM_COUNTER)
#undef VT_SUM_COUNTER
	    }
	    Tcl_DictObjPut(NULL, cachePtr, Tcl_NewStringObj("thread", -1),
		    VtCacheName(&cachesPtr[c]));
	    PutFigure(cachePtr, "", "pages", cachesPtr[c].pages);
	    PutFigure(cachePtr, "", "held", cachesPtr[c].held);
#define VT_PUT_FIGURE(name, key) \
	    if (Kept((int) stats.counted, key)) {			\
		PutFigure(cachePtr, "", key, sum.name);			\
	    }
	    VT_BUCKET_FIGURES(VT_PUT_FIGURE)
#undef VT_PUT_FIGURE
#define VT_PUT_COUNTER(name, key) \
	    if (Kept((int) stats.counted, key)) {			\
		PutFigure(cachePtr, "", key, sum.counters.name);	\
	    }
	    VT_BUCKET_COUNTERS(VT_PUT_COUNTER)
#undef VT_PUT_COUNTER
	    Tcl_ListObjAppendElement(NULL, listPtr, cachePtr);
	}
	Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj("caches", -1),
		listPtr);
	ckfree((char *) cachesPtr);
    }
    Tcl_SetObjResult(interp, dictPtr);
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * MemoryInfoCmd --
 *
 *	vtalloc memoryinfo: see VtMemoryInfo.
 *
 * Results:
 *	A Tcl result.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

static int
MemoryInfoCmd(
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    Tcl_DString ds;

    if (objc != 2) {
	Tcl_WrongNumArgs(interp, 2, objv, NULL);
	return TCL_ERROR;
    }
    Tcl_DStringInit(&ds);
    VtMemoryInfo(instPtr, &ds);
    Tcl_DStringResult(interp, &ds);
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * StressProgress, StressAlloc, StressFree, StressRealloc, StressCmd --
 *
 *	vtalloc stress ?-threads N? ?-ops N? ?-pattern P? ?-minsize N?
 *	?-maxsize N? ?-progress?: run a native multi-threaded workload that
 *	checks every block it frees (see vtStress.c); -progress prints a
 *	line a second. The workloads run in this library; where the process
 *	has a vtalloc of its own (the Tcl core's, libvtmalloc), they
 *	allocate from it through its C API (StressAlloc ...).
 *
 * Results:
 *	A dict: pattern threads ops seconds opspersec errors peakrss.
 *
 * Side effects:
 *	Threads; output with -progress.
 *
 *----------------------------------------------------------------------
 */

static void
StressProgress(
    void *data,
    const VtStressResult *resultPtr)
{
    Tcl_Channel out = Tcl_GetStdChannel(TCL_STDOUT);
    char line[160];

    (void) data;
    if (out == NULL) {
	return;
    }
    snprintf(line, sizeof(line), "vtalloc stress: %.1f s, %llu ops, "
	    "%.0f ops/s, rss %llu MiB\n", resultPtr->seconds,
	    (unsigned long long) resultPtr->ops,
	    resultPtr->seconds > 0 ? (double) resultPtr->ops
	    / resultPtr->seconds : 0.0,
	    (unsigned long long) (resultPtr->peakRss >> 20));
    Tcl_WriteChars(out, line, -1);
    Tcl_Flush(out);
}

static void *
StressAlloc(
    size_t size)
{
    return API->Vt_AttemptMalloc(size);
}

static void
StressFree(
    void *ptr)
{
    API->Vt_Free(ptr);
}

static void *
StressRealloc(
    void *ptr,
    size_t size)
{
    return API->Vt_AttemptReallocSize(ptr, size);
}

static int
StressCmd(
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    static const char *const options[] = {
	"-maxsize", "-minsize", "-ops", "-pattern", "-progress", "-threads",
	NULL
    };
    enum { S_MAXSIZE, S_MINSIZE, S_OPS, S_PATTERN, S_PROGRESS, S_THREADS };
    VtStressConfig config;
    VtStressResult result;
    Tcl_WideInt value;
    Tcl_Obj *dictPtr;
    int i, index, pattern;

    memset(&config, 0, sizeof(config));
    config.pattern = VT_STRESS_TCLMIX;
    config.threads = 2;
    config.ops = 1000000;
    for (i = 2; i < objc; i++) {
	if (Tcl_GetIndexFromObj(interp, objv[i], options, "option", 0,
		&index) != TCL_OK) {
	    return TCL_ERROR;
	}
	if (index == S_PROGRESS) {
	    config.progressProc = StressProgress;
	    continue;
	}
	if (i + 1 == objc) {
	    return Fail(interp, "VALUE", "option \"%s\" needs a value",
		    options[index]);
	}
	i++;
	if (index == S_PATTERN) {
	    if (Tcl_GetIndexFromObj(interp, objv[i], vtStressPatterns,
		    "pattern", 0, &pattern) != TCL_OK) {
		return TCL_ERROR;
	    }
	    config.pattern = (VtStressPattern) pattern;
	    continue;
	}
	if (Tcl_GetWideIntFromObj(NULL, objv[i], &value) != TCL_OK
		|| value < 1 || (index == S_THREADS && value > 256)
		|| (index == S_OPS && value > (Tcl_WideInt) 1 << 48)
		|| ((index == S_MINSIZE || index == S_MAXSIZE)
		    && value > (Tcl_WideInt) VT_LARGE_MAX)) {
	    return Fail(interp, "VALUE", "expected an integer from 1 to "
		    "%lld for %s but got \"%.50s\"", (long long)
		    (index == S_THREADS ? 256 : index == S_OPS
		    ? (Tcl_WideInt) 1 << 48 : VT_LARGE_MAX),
		    options[index], Tcl_GetString(objv[i]));
	}
	switch (index) {
	case S_MAXSIZE:
	    config.maxSize = (size_t) value;
	    break;
	case S_MINSIZE:
	    config.minSize = (size_t) value;
	    break;
	case S_OPS:
	    config.ops = (uint64_t) value;
	    break;
	case S_THREADS:
	    config.threads = (int) value;
	    break;
	}
    }
    if (config.minSize != 0 && config.maxSize == 0) {
	config.maxSize = config.minSize > 8192 ? config.minSize : 8192;
    }
    if (config.maxSize != 0 && config.minSize == 0) {
	config.minSize = 1;
    }
    if (config.minSize > config.maxSize) {
	return Fail(interp, "VALUE", "-minsize %zu is above -maxsize %zu",
		config.minSize, config.maxSize);
    }
    if (instPtr != &vtInstance) {
	config.allocProc = StressAlloc;	/* The process's vtalloc, not this */
	config.freeProc = StressFree;	/* library's copy of the core, */
	config.reallocProc = StressRealloc;
	instPtr->safePoint();		/* which is never set up. */
    }
    if (!VtStress(&config, &result)) {
	return Fail(interp, "NOMEM", "could not start the stress threads");
    }
    dictPtr = Tcl_NewDictObj();
    Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj("pattern", -1),
	    Tcl_NewStringObj(vtStressPatterns[config.pattern], -1));
    PutFigure(dictPtr, "", "threads", (uint64_t) config.threads);
    PutFigure(dictPtr, "", "ops", result.ops);
    Tcl_DictObjPut(NULL, dictPtr, Tcl_NewStringObj("seconds", -1),
	    Tcl_NewDoubleObj(result.seconds));
    PutFigure(dictPtr, "", "opspersec", result.seconds > 0
	    ? (uint64_t) ((double) result.ops / result.seconds) : 0);
    PutFigure(dictPtr, "", "errors", result.errors);
    PutFigure(dictPtr, "", "peakrss", result.peakRss);
    Tcl_SetObjResult(interp, dictPtr);
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * VtallocObjCmd --
 *
 *	The `vtalloc` command.
 *
 * Results:
 *	A Tcl result.
 *
 * Side effects:
 *	See the subcommands.
 *
 *----------------------------------------------------------------------
 */

static int
VtallocObjCmd(
    ClientData clientData,
    Tcl_Interp *interp,
    int objc,
    Tcl_Obj *const objv[])
{
    static const char *const subcommands[] = {
	"block", "config", "memoryinfo", "stats", "stress", "trim",
	"version", NULL
    };
    enum {
	C_BLOCK, C_CONFIG, C_MEMORYINFO, C_STATS, C_STRESS, C_TRIM,
	C_VERSION
    };
    int index;

    (void) clientData;
    if (objc < 2) {
	Tcl_WrongNumArgs(interp, 1, objv, "subcommand ?arg ...?");
	return TCL_ERROR;
    }
    if (Tcl_GetIndexFromObj(interp, objv[1], subcommands, "subcommand", 0,
	    &index) != TCL_OK) {
	return TCL_ERROR;
    }
    switch (index) {
    case C_BLOCK:
	return BlockCmd(interp, objc, objv);
    case C_CONFIG:
	return ConfigCmd(interp, objc, objv);
    case C_MEMORYINFO:
	return MemoryInfoCmd(interp, objc, objv);
    case C_STRESS:
	return StressCmd(interp, objc, objv);
    case C_STATS:
	return StatsCmd(interp, objc, objv);
    }
    if (objc != 2) {
	Tcl_WrongNumArgs(interp, 2, objv, NULL);
	return TCL_ERROR;
    }
    if (index == C_TRIM) {
	API->Vt_Trim();
    } else {
	Tcl_SetObjResult(interp, Tcl_NewStringObj(PACKAGE_VERSION, -1));
    }
    return TCL_OK;
}

/*
 *----------------------------------------------------------------------
 *
 * Vtalloc_Init --
 *
 *	Initialise the package in an interpreter.
 *
 * Results:
 *	A Tcl result.
 *
 * Side effects:
 *	Finds the vtalloc instance of the process (its own unless the Tcl
 *	core or a preloaded library brought one); creates the `vtalloc`
 *	command; provides the package with the instance's stubs table;
 *	routes the own instance's panics to Tcl_Panic.
 *
 *----------------------------------------------------------------------
 */

DLLEXPORT int
Vtalloc_Init(
    Tcl_Interp *interp)
{
    const char *threaded;

    if (Tcl_InitStubs(interp, "8.6", 0) == NULL) {
	return TCL_ERROR;
    }
    threaded = Tcl_GetVar2(interp, "tcl_platform", "threaded",
	    TCL_GLOBAL_ONLY);
    if (threaded == NULL || strcmp(threaded, "1") != 0) {
	Tcl_SetObjResult(interp, Tcl_NewStringObj("vtalloc needs a Tcl built "
		"with threads (tcl_platform(threaded) is not 1)", -1));
	return TCL_ERROR;
    }
    Tcl_MutexLock(&blockMutex);
    if (!blockTableReady) {
	Tcl_InitHashTable(&blockTable, TCL_ONE_WORD_KEYS);
	blockTableReady = 1;
	instPtr = VtProcessInstance();
	if (instPtr == &vtInstance) {
	    VtSetPanicProc(PanicToTcl);
	}
    }
    Tcl_MutexUnlock(&blockMutex);
    instPtr->safePoint();		/* Loading the package: the purger
					 * may start (no lock is held). */
    Tcl_CreateObjCommand(interp, "vtalloc", VtallocObjCmd, NULL, NULL);
    return Tcl_PkgProvideEx(interp, "vtalloc", PACKAGE_VERSION,
	    (void *) instPtr->apiPtr);
}
