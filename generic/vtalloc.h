/*
 * vtalloc.h --
 *
 *	The public C API of vtalloc, a threaded memory allocator for Tcl.
 *	The first group has the signatures of Tcl_Alloc and its family, so
 *	code written for Tcl's allocator switches by renaming; the size_t
 *	group is for new code.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTALLOC
#define _VTALLOC

#include <stddef.h>

#define VTALLOC_VERSION "0.1"

#if defined(_WIN32)
#   define VT_EXTERN extern __declspec(dllexport)
#elif defined(__GNUC__)
#   define VT_EXTERN extern __attribute__((visibility("default")))
#else
#   define VT_EXTERN extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Tcl_Alloc-compatible: Vt_Alloc and Vt_Realloc panic with the size when
 * memory is exhausted, the Attempt variants return NULL. Vt_Free(NULL) and
 * a zero size are allowed, as with Tcl_Alloc.
 */

VT_EXTERN char *	Vt_Alloc(unsigned int size);
VT_EXTERN void		Vt_Free(char *ptr);
VT_EXTERN char *	Vt_Realloc(char *ptr, unsigned int size);
VT_EXTERN char *	Vt_AttemptAlloc(unsigned int size);
VT_EXTERN char *	Vt_AttemptRealloc(char *ptr, unsigned int size);

/*
 * size_t variants.
 */

VT_EXTERN void *	Vt_Malloc(size_t size);
VT_EXTERN void *	Vt_ReallocSize(void *ptr, size_t size);
VT_EXTERN void *	Vt_AttemptMalloc(size_t size);
VT_EXTERN void *	Vt_AttemptReallocSize(void *ptr, size_t size);
VT_EXTERN size_t	Vt_UsableSize(const void *ptr);

/*
 * Give memory that is free now back to the operating system.
 */

VT_EXTERN void		Vt_Trim(void);

#ifdef __cplusplus
}
#endif

#endif /* _VTALLOC */
