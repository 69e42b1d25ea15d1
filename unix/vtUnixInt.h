/*
 * vtUnixInt.h --
 *
 *	What the Unix platform layer offers the Unix front ends besides the
 *	portable API of vtPlatform.h: the C library's own pthread_create,
 *	for the libraries that define theirs (vtExport.c).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTUNIXINT
#define _VTUNIXINT

#include <pthread.h>
#include "vtPlatform.h"

MODULE_SCOPE int	VtpCreatePthread(pthread_t *threadPtr,
			    const pthread_attr_t *attrPtr,
			    void *(*proc)(void *), void *arg);

#endif /* _VTUNIXINT */
