/*
 * vtalloc.h --
 *
 *	The public C API of vtalloc, a threaded memory allocator for Tcl.
 *	The first group has the signatures of Tcl_Alloc and its family, so
 *	code written for Tcl's allocator switches by renaming; the size_t
 *	group is for new code.
 *
 *	Extensions call it through a stubs table: compile with
 *	-DUSE_VTALLOC_STUBS, call Vtalloc_InitStubs(interp, "0.1", 0) in the
 *	extension's init procedure (after Tcl_InitStubs), and link the static
 *	library libvtallocstub0.1.a. Without USE_VTALLOC_STUBS the functions
 *	are called directly (link with the package library).
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTALLOC
#define _VTALLOC

#include <stddef.h>

#define VTALLOC_VERSION "0.1"

/*
 * On Windows the library that defines the API (built with -DBUILD_vtalloc,
 * TEA's convention) exports it, and its clients import it.
 */

#if defined(_WIN32) && defined(BUILD_vtalloc)
#   define VT_EXTERN extern __declspec(dllexport)
#elif defined(_WIN32)
#   define VT_EXTERN extern __declspec(dllimport)
#elif defined(__GNUC__)
#   define VT_EXTERN extern __attribute__((visibility("default")))
#else
#   define VT_EXTERN extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The API, declared once: F(type, name, parameters, arguments) for a
 * function returning a value, V(name, parameters, arguments) for one
 * returning nothing. The order is the order of the stubs table: new
 * functions are only ever appended.
 *
 * Vt_Alloc and Vt_Realloc panic with the size when memory is exhausted,
 * as Tcl_Alloc does; the Attempt forms return NULL (leaving a block being
 * resized as it was). Vt_Free(NULL) and a zero size are allowed.
 * Vt_UsableSize gives the bytes a live block really has; Vt_Trim gives
 * free memory back to the operating system now.
 */

#define VTALLOC_FUNCTIONS(F, V) \
    F(char *, Vt_Alloc, (unsigned int size), (size))			\
    V(Vt_Free, (char *ptr), (ptr))					\
    F(char *, Vt_Realloc, (char *ptr, unsigned int size), (ptr, size))	\
    F(char *, Vt_AttemptAlloc, (unsigned int size), (size))		\
    F(char *, Vt_AttemptRealloc, (char *ptr, unsigned int size),	\
	    (ptr, size))						\
    F(void *, Vt_Malloc, (size_t size), (size))				\
    F(void *, Vt_ReallocSize, (void *ptr, size_t size), (ptr, size))	\
    F(void *, Vt_AttemptMalloc, (size_t size), (size))			\
    F(void *, Vt_AttemptReallocSize, (void *ptr, size_t size),		\
	    (ptr, size))						\
    F(size_t, Vt_UsableSize, (const void *ptr), (ptr))			\
    V(Vt_Trim, (void), ())

/*
 * The stubs table.
 */

#define VTALLOC_STUBS_MAGIC 0x56544131	/* "VTA1" */
#define VTALLOC_COUNT_F(type, name, params, args) + 1
#define VTALLOC_COUNT_V(name, params, args) + 1
#define VTALLOC_FUNCTION_COUNT \
    (0 VTALLOC_FUNCTIONS(VTALLOC_COUNT_F, VTALLOC_COUNT_V))

typedef struct VtallocStubs {
    int magic;				/* VTALLOC_STUBS_MAGIC. */
    int count;				/* Functions in the table. */
#define VTALLOC_STUB_F(type, name, params, args) type (*name) params;
#define VTALLOC_STUB_V(name, params, args) void (*name) params;
    VTALLOC_FUNCTIONS(VTALLOC_STUB_F, VTALLOC_STUB_V)
#undef VTALLOC_STUB_F
#undef VTALLOC_STUB_V
} VtallocStubs;

struct Tcl_Interp;

#ifdef USE_VTALLOC_STUBS

/*
 * Calls through the table that Vtalloc_InitStubs found.
 */

extern const VtallocStubs *vtallocStubsPtr;
extern const char *	Vtalloc_InitStubs(struct Tcl_Interp *interp,
			    const char *version, int exact);

#define VTALLOC_WRAP_F(type, name, params, args) \
    static inline type name params { return vtallocStubsPtr->name args; }
#define VTALLOC_WRAP_V(name, params, args) \
    static inline void name params { vtallocStubsPtr->name args; }
VTALLOC_FUNCTIONS(VTALLOC_WRAP_F, VTALLOC_WRAP_V)
#undef VTALLOC_WRAP_F
#undef VTALLOC_WRAP_V

#else

/*
 * Direct calls, exported from the package library.
 */

#define VTALLOC_DECLARE_F(type, name, params, args) VT_EXTERN type name params;
#define VTALLOC_DECLARE_V(name, params, args) VT_EXTERN void name params;
VTALLOC_FUNCTIONS(VTALLOC_DECLARE_F, VTALLOC_DECLARE_V)
#undef VTALLOC_DECLARE_F
#undef VTALLOC_DECLARE_V

#define Vtalloc_InitStubs(interp, version, exact) \
    Tcl_PkgRequire((interp), "vtalloc", (version), (exact))

#endif /* USE_VTALLOC_STUBS */

#ifdef __cplusplus
}
#endif

#endif /* _VTALLOC */
