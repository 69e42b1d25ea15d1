/*
 * vtTclInt.h --
 *
 *	Declarations shared by vtalloc's Tcl front ends: the package
 *	(vtTcl.c) and the Tcl core built with vtalloc (vtTclCore.c).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTTCLINT
#define _VTTCLINT

#include <tcl.h>
#include "vtApi.h"

MODULE_SCOPE VtCacheStats *VtSnapshot(const VtInstance *instPtr,
			    VtStats *statsPtr, size_t *countPtr);
MODULE_SCOPE Tcl_Obj *	VtCacheName(const VtCacheStats *cachePtr);
MODULE_SCOPE void	VtMemoryInfo(const VtInstance *instPtr,
			    Tcl_DString *dsPtr);

#endif /* _VTTCLINT */
