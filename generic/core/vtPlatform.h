/*
 * vtPlatform.h --
 *
 *	The platform layer's API (unix/vtUnix.c, win/vtWin.c): everything the
 *	core asks of the OS. Nothing above it calls the OS, and nothing here
 *	names an OS type: the lock is opaque.
 *
 * Copyright (c) 2026 The vtalloc authors.
 * See the file "license.terms" for information on usage and redistribution.
 */

#ifndef _VTPLATFORM
#define _VTPLATFORM

#include "vtConfig.h"

/*
 *----------------------------------------------------------------------
 *
 *   VtpReserve	  reserve `size` bytes aligned on `align`; readable and
 *		  writable where the OS commits on touch. NULL on failure.
 *   VtpReserveZero
 *		  reserve `size` bytes readable and writable at once, read
 *		  as zeros, memory taken only where touched (not charged up
 *		  front where the OS can avoid it). NULL on failure.
 *   VtpCommit	  make a reserved range usable (no-op on Unix). 0 on failure.
 *   VtpDecommit  give a range's memory back, keeping the address range; 0
 *		  if the OS refused (the range keeps its contents).
 *   VtpReset	  give a committed range's memory back, keeping it usable
 *		  (its contents are lost).
 *   VtpHugePages ask the OS to back a range with huge pages from now on
 *		  (on), or no longer to (off); may do nothing.
 *   VtpBarrierAll
 *		  make every thread of the process pass a full memory
 *		  barrier before it returns. 0 if the OS cannot.
 *   VtpRelease	  give a reserved range back entirely.
 *   VtpRemap	  resize a range of `size` bytes from VtpReserve (align as
 *		  there) to `newSize`, its contents kept, in place or moved
 *		  without copying (the old range is then gone). The address,
 *		  or NULL if the OS cannot (the range is left as it was).
 *   VtpLockAcquire / VtpLockTry / VtpLockRelease
 *		  a lock (VtpLock, opaque: its type is the platform's);
 *		  vtpSharedLock, the shared cache's, is statically
 *		  initialised. VtpLockTry returns 1 if it got the lock
 *		  without waiting.
 *   VtpThreadExitInit / VtpThreadExitArm
 *		  call `proc(data)` when a thread that armed it exits.
 *   VtpAtFork	  call prepare, parent and child around fork().
 *   VtpThreadId  an id of the calling thread, for statistics.
 *   VtpRss	  resident bytes of the process (0 if unknown).
 *   VtpNow	  monotonic nanoseconds.
 *   VtpRandom	  a value that differs between runs.
 *   VtpThreadCreate / VtpThreadJoin
 *		  run `proc(data)` in a new thread, joinable (its id in
 *		  *threadPtr) or detached (threadPtr NULL); 0 on failure;
 *		  wait for a joinable one.
 *   VtpSleep	  sleep for some milliseconds.
 *   VtpWait / VtpWake
 *		  sleep while a word holds a value (at most some
 *		  milliseconds, 0: no limit); wake a sleeper on the word.
 *		  Neither takes a lock or allocates.
 *   VtpGetEnv	  an environment variable, or NULL.
 *   VtpFindSymbol
 *		  the address of an exported symbol anywhere in the process,
 *		  or NULL.
 *   VtpWrite	  write a message to standard error.
 *   VtpAbort	  end the process abnormally.
 *
 *----------------------------------------------------------------------
 */

MODULE_SCOPE void *	VtpReserve(size_t size, size_t align);
MODULE_SCOPE void *	VtpReserveZero(size_t size);
MODULE_SCOPE int	VtpCommit(void *ptr, size_t size);
MODULE_SCOPE int	VtpDecommit(void *ptr, size_t size);
MODULE_SCOPE void	VtpReset(void *ptr, size_t size);
MODULE_SCOPE void	VtpHugePages(void *ptr, size_t size, int on);
MODULE_SCOPE int	VtpBarrierAll(void);
MODULE_SCOPE void	VtpRelease(void *ptr, size_t size);
MODULE_SCOPE void *	VtpRemap(void *ptr, size_t size, size_t newSize,
			    size_t align);
typedef struct VtpLock VtpLock;
MODULE_SCOPE VtpLock vtpSharedLock;
MODULE_SCOPE void	VtpLockAcquire(VtpLock *lockPtr);
MODULE_SCOPE int	VtpLockTry(VtpLock *lockPtr);
MODULE_SCOPE void	VtpLockRelease(VtpLock *lockPtr);
MODULE_SCOPE void	VtpThreadExitInit(void (*proc)(void *));
MODULE_SCOPE void	VtpThreadExitArm(void *data);
MODULE_SCOPE void	VtpAtFork(void (*prepare)(void), void (*parent)(void),
			    void (*child)(void));
MODULE_SCOPE uintptr_t	VtpThreadId(void);
MODULE_SCOPE uint64_t	VtpRss(void);
MODULE_SCOPE int	VtpThreadsLeft(void);
MODULE_SCOPE uint64_t	VtpNow(void);
MODULE_SCOPE uintptr_t	VtpRandom(void);
MODULE_SCOPE int	VtpThreadCreate(void (*proc)(void *), void *data,
			    uintptr_t *threadPtr);
MODULE_SCOPE void	VtpThreadJoin(uintptr_t thread);
MODULE_SCOPE void	VtpSleep(unsigned milliseconds);
MODULE_SCOPE void	VtpWait(_Atomic uint32_t *wordPtr, uint32_t value,
			    unsigned milliseconds);
MODULE_SCOPE void	VtpWake(_Atomic uint32_t *wordPtr);
MODULE_SCOPE const char *VtpGetEnv(const char *name);
MODULE_SCOPE void *	VtpFindSymbol(const char *name);
MODULE_SCOPE void	VtpWrite(const char *message);
MODULE_SCOPE VT_NORETURN void VtpAbort(void);

#endif /* _VTPLATFORM */
