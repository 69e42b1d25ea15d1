/*
 * vtOptions.c --
 *
 *	The run-time knobs (VT_OPTIONS in vtConfig.h): their table, the values
 *	in force, and reading them once from VTALLOC_* environment variables
 *	at start. A bad value is reported on standard error and the default
 *	stays in force.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#include "vtInt.h"
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>

const VtOptionInfo vtOptionInfo[VT_OPTION_COUNT] = {
#define VT_OPTION_INFO(id, name, env, def, min, max, unit) \
    { name, env, def, min, max, unit },
    VT_OPTIONS(VT_OPTION_INFO)
#undef VT_OPTION_INFO
};

_Atomic int64_t vtOptions[VT_OPTION_COUNT] = {
#define VT_OPTION_DEFAULT(id, name, env, def, min, max, unit) def,
    VT_OPTIONS(VT_OPTION_DEFAULT)
#undef VT_OPTION_DEFAULT
};

/*
 *----------------------------------------------------------------------
 *
 * VtOptionSet, OptionStore --
 *
 *	Set a knob, if the value is in its range. VtOptionSet is the
 *	program's (vtalloc config, the unit tests): it sets the allocator up
 *	first, so that the environment, read once then, is in before it and
 *	a value set before the first allocation is not overwritten by it.
 *	OptionStore is VtOptionsInit's, inside that set-up.
 *
 * Results:
 *	1 if set, 0 if the value is out of range (nothing changes).
 *
 * Side effects:
 *	The new value is in force for every thread from now on.
 *
 *----------------------------------------------------------------------
 */

static int
OptionStore(
    VtOption option,
    int64_t value)
{
    const VtOptionInfo *infoPtr = &vtOptionInfo[option];

    if (value < infoPtr->min || value > infoPtr->max) {
	return 0;
    }
    VtStore(&vtOptions[option], value);
    return 1;
}

int
VtOptionSet(
    VtOption option,
    int64_t value)
{
    VtInit();
    return OptionStore(option, value);
}

/*
 *----------------------------------------------------------------------
 *
 * VtOptionGet --
 *
 *	The value of a knob in force.
 *
 * Results:
 *	The value.
 *
 * Side effects:
 *	None.
 *
 *----------------------------------------------------------------------
 */

int64_t
VtOptionGet(
    VtOption option)
{
    VtInit();
    return VtLoad(&vtOptions[option]);
}

/*
 *----------------------------------------------------------------------
 *
 * VtOptionsInit --
 *
 *	Read each knob's environment variable, once, at start (VtInit, with
 *	the shared lock held: no VtOptionSet here). The value is an integer,
 *	with an optional K, M or G suffix for byte sizes.
 *
 * Results:
 *	None.
 *
 * Side effects:
 *	Sets knobs; reports bad values on standard error.
 *
 *----------------------------------------------------------------------
 */

void
VtOptionsInit(void)
{
    int option;

    for (option = 0; option < VT_OPTION_COUNT; option++) {
	const VtOptionInfo *infoPtr = &vtOptionInfo[option];
	const char *string = VtpGetEnv(infoPtr->env);
	char *end;
	long long value;
	char message[256];

	if (string == NULL) {
	    continue;
	}
	errno = 0;
	value = strtoll(string, &end, 10);
	if (end != string && errno == 0) {
	    int shift = *end == 'K' || *end == 'k' ? 10
		    : *end == 'M' || *end == 'm' ? 20
		    : *end == 'G' || *end == 'g' ? 30 : 0;

	    if (shift != 0 && strcmp(infoPtr->unit, "bytes") == 0
		    && value >= 0 && value < (1LL << (62 - shift))) {
		value <<= shift;
		end++;
	    }
	}
	if (end == string || *end != '\0' || errno != 0
		|| !OptionStore((VtOption) option, value)) {
	    snprintf(message, sizeof(message), "vtalloc: ignoring %s=\"%.40s\":"
		    " expected an integer from %lld to %lld (%s); keeping %lld\n",
		    infoPtr->env, string, (long long) infoPtr->min,
		    (long long) infoPtr->max, infoPtr->unit,
		    (long long) VtLoad(&vtOptions[option]));
	    VtpWrite(message);
	}
    }
}
