/* thread.h: the few thread primitives vecdot uses, from POSIX or from Win32.
 *
 * POSIX threads on Linux (glibc and musl), macOS and the BSDs; Win32's own
 * on Windows (SRW locks, condition variables, one-time initialization,
 * _beginthreadex), which MSVC and mingw-w64 both have: C11 <threads.h> is
 * missing from macOS, from mingw-w64 and from MSVC before 2022 17.8.
 * Without either, VD_HAVE_THREADS stays undefined and every caller runs its
 * work alone (pool.c).
 *
 * Each function returns 0 on success, as POSIX does. A thread function is
 * written `static VD_THREAD_RETURN name(void *arg)` and returns 0.
 */
#ifndef VECDOT_THREAD_H
#define VECDOT_THREAD_H

#include <stddef.h>

#if defined(_WIN32)
#  define VD_HAVE_THREADS 1
#  define VD_THREADS_WIN32 1
#elif defined(__has_include)
#  if __has_include(<pthread.h>)
#    define VD_HAVE_THREADS 1
#    define VD_THREADS_POSIX 1
#  endif
#endif

#ifdef VD_THREADS_WIN32
/* ---- Win32 ----------------------------------------------------------------- */
#ifndef WIN32_LEAN_AND_MEAN
#  define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <process.h>

typedef SRWLOCK vd_mutex;
typedef CONDITION_VARIABLE vd_cond;
typedef INIT_ONCE vd_once_flag;
typedef HANDLE vd_thread;
#define VD_ONCE_INIT INIT_ONCE_STATIC_INIT
#define VD_THREAD_RETURN unsigned __stdcall

/* An SRW lock and a condition variable need no cleanup and cannot fail. */
static inline int vd_mutex_init(vd_mutex *m) { InitializeSRWLock(m); return 0; }
static inline void vd_mutex_destroy(vd_mutex *m) { (void)m; }
static inline void vd_mutex_lock(vd_mutex *m) { AcquireSRWLockExclusive(m); }
static inline int vd_mutex_trylock(vd_mutex *m) { return TryAcquireSRWLockExclusive(m) ? 0 : 1; }
static inline void vd_mutex_unlock(vd_mutex *m) { ReleaseSRWLockExclusive(m); }

static inline int vd_cond_init(vd_cond *c) { InitializeConditionVariable(c); return 0; }
static inline void vd_cond_destroy(vd_cond *c) { (void)c; }
static inline void vd_cond_signal(vd_cond *c) { WakeConditionVariable(c); }
static inline void vd_cond_broadcast(vd_cond *c) { WakeAllConditionVariable(c); }
static inline void
vd_cond_wait(vd_cond *c, vd_mutex *m)
{
    SleepConditionVariableSRW(c, m, INFINITE, 0);   /* INFINITE: no timeout to report */
}

/* InitOnceExecuteOnce takes a callback of its own shape: `param` carries
 * the address of the caller's function pointer. */
static inline BOOL CALLBACK
vd_once_call(PINIT_ONCE once, PVOID param, PVOID *context)
{
    (void)once, (void)context;
    (*(void (**)(void))param)();
    return TRUE;
}

static inline void
vd_once(vd_once_flag *flag, void (*fn)(void))
{
    InitOnceExecuteOnce(flag, vd_once_call, (PVOID)&fn, NULL);
}

static inline int
vd_thread_create(vd_thread *t, unsigned (__stdcall *fn)(void *), void *arg)
{
    /* _beginthreadex, not CreateThread: the C runtime sets up its per-thread
     * state for the new thread. */
    uintptr_t h = _beginthreadex(NULL, 0, fn, arg, 0, NULL);
    *t = (HANDLE)h;
    return h == 0;
}

static inline void vd_thread_detach(vd_thread t) { CloseHandle(t); }
static inline void
vd_thread_join(vd_thread t)
{
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}

/* A counter several threads take numbers from: Interlocked, because MSVC's
 * <stdatomic.h> still needs /experimental:c11atomics. */
typedef volatile LONG64 vd_counter;
static inline void vd_counter_init(vd_counter *c, size_t v) { *c = (LONG64)v; }
static inline size_t
vd_counter_next(vd_counter *c)
{
    return (size_t)(InterlockedIncrement64(c) - 1);
}

#elif defined(VD_THREADS_POSIX)
/* ---- POSIX ----------------------------------------------------------------- */
#include <pthread.h>
#include <stdatomic.h>

typedef pthread_mutex_t vd_mutex;
typedef pthread_cond_t vd_cond;
typedef pthread_once_t vd_once_flag;
typedef pthread_t vd_thread;
#define VD_ONCE_INIT PTHREAD_ONCE_INIT
#define VD_THREAD_RETURN void *

static inline int vd_mutex_init(vd_mutex *m) { return pthread_mutex_init(m, NULL); }
static inline void vd_mutex_destroy(vd_mutex *m) { pthread_mutex_destroy(m); }
static inline void vd_mutex_lock(vd_mutex *m) { pthread_mutex_lock(m); }
static inline int vd_mutex_trylock(vd_mutex *m) { return pthread_mutex_trylock(m); }
static inline void vd_mutex_unlock(vd_mutex *m) { pthread_mutex_unlock(m); }

static inline int vd_cond_init(vd_cond *c) { return pthread_cond_init(c, NULL); }
static inline void vd_cond_destroy(vd_cond *c) { pthread_cond_destroy(c); }
static inline void vd_cond_signal(vd_cond *c) { pthread_cond_signal(c); }
static inline void vd_cond_broadcast(vd_cond *c) { pthread_cond_broadcast(c); }
static inline void vd_cond_wait(vd_cond *c, vd_mutex *m) { pthread_cond_wait(c, m); }

static inline void vd_once(vd_once_flag *flag, void (*fn)(void)) { pthread_once(flag, fn); }

static inline int
vd_thread_create(vd_thread *t, void *(*fn)(void *), void *arg)
{
    return pthread_create(t, NULL, fn, arg);
}

static inline void vd_thread_detach(vd_thread t) { pthread_detach(t); }
static inline void vd_thread_join(vd_thread t) { pthread_join(t, NULL); }

/* A counter several threads take numbers from. */
typedef atomic_size_t vd_counter;
static inline void vd_counter_init(vd_counter *c, size_t v) { atomic_init(c, v); }
static inline size_t vd_counter_next(vd_counter *c) { return atomic_fetch_add(c, 1); }
#endif

#endif
