/* pool.c: the persistent helper threads behind pool.h.
 *
 * The one piece of global state in vecdot lives here, on purpose: helper
 * threads belong to the process, not to a call or to a Python module (two
 * imports of the extension still share one process's cores), so there is
 * one pool per process, `pool`, made once under `pool_once` and replaced in
 * a forked child by the pthread_atfork handlers. What a call shares with
 * its helpers is in a heap block of its own (pool_run.c).
 *
 * One lock guards everything here: the queue of jobs that still want
 * helpers, the number of threads started, and each job's count of users. A
 * helper that finishes a job polls for the next one for VD_POOL_SPIN_NS,
 * then sleeps on one condition variable, which is signalled once per ticket.
 * The lock is held for a few instructions at a time (taking or posting a
 * ticket, one poll, counting a user out), never while a job runs. The
 * threads, locks and condition variables are the OS's (thread.h).
 */
/* clock_gettime(CLOCK_MONOTONIC) and pthread_atfork, where POSIX has them. */
#define _POSIX_C_SOURCE 200809L

#include "pool.h"
#include "thread.h"

#ifdef VD_HAVE_THREADS

#include <stdlib.h>
#include <time.h>

/* Windows has no fork; everywhere else a child must not inherit the pool. */
#ifdef VD_THREADS_POSIX
#  define VD_HAVE_ATFORK 1
#endif

/* More helpers than this never help a memory-bound loop (dot.h caps callers
 * at VD_MAX_THREADS, the caller itself included). */
#define VD_POOL_MAX 63

typedef struct {
    vd_mutex lock;
    vd_cond wake;           /* a ticket was posted */
    vd_job *head, *tail;    /* jobs with tickets left, oldest first */
    size_t threads;         /* helpers started on this pool */
    void *abandoned;        /* the pool before the last fork, kept reachable */
} pool_state;

/* NULL when no pool could be made (no memory, no atfork handlers): every
 * job then runs on its caller alone. Set once under vd_once, and again
 * only in a forked child, which has one thread. */
static pool_state *pool;
static vd_once_flag pool_once = VD_ONCE_INIT;

static pool_state *
new_pool(void)
{
    pool_state *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return NULL;
    }
    if (vd_mutex_init(&p->lock) != 0) {
        free(p);
        return NULL;
    }
    if (vd_cond_init(&p->wake) != 0) {
        vd_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

#ifdef VD_HAVE_ATFORK
/* fork() copies the memory but only the calling thread. Holding the lock
 * across fork keeps the parent's queue consistent; the child gets a new,
 * empty pool with no helpers (the parent's helpers and the callers of its
 * queued jobs do not exist there). The old pool is released and left
 * alone: its condition variable still counts the parent's sleeping helpers
 * as waiters, so it cannot be reused, only abandoned (a few dozen bytes).
 * Any process may have no pool: one whose pool could not be made, or a
 * child that could not allocate its new one (which then forks again). */
static void
before_fork(void)
{
    if (pool != NULL) {
        vd_mutex_lock(&pool->lock);
    }
}

static void
after_fork_in_parent(void)
{
    if (pool != NULL) {
        vd_mutex_unlock(&pool->lock);
    }
}

static void
after_fork_in_child(void)
{
    pool_state *old = pool;
    if (old == NULL) {
        return;
    }
    vd_mutex_unlock(&old->lock);     /* held by this thread, which survives */
    pool = new_pool();
    if (pool != NULL) {
        pool->abandoned = old;  /* not a leak to a leak checker */
    }
}
#endif

static void
pool_init(void)
{
    pool_state *p = new_pool();
#ifdef VD_HAVE_ATFORK
    /* Without the handlers a child could inherit a held lock: no pool. */
    if (p != NULL && pthread_atfork(before_fork, after_fork_in_parent,
                                    after_fork_in_child) != 0) {
        vd_cond_destroy(&p->wake);
        vd_mutex_destroy(&p->lock);
        free(p);
        p = NULL;
    }
#endif
    pool = p;
}

/* Take one ticket of the oldest job; the caller holds the lock. */
static vd_job *
take_ticket(pool_state *p)
{
    vd_job *job = p->head;
    if (--job->tickets == 0) {
        p->head = job->next;
        if (p->head == NULL) {
            p->tail = NULL;
        }
    }
    return job;
}

static void
cpu_relax(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();     /* spare the sibling hyperthread */
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__ __volatile__("yield");
#elif defined(_MSC_VER)
    YieldProcessor();           /* pause on x64, yield on arm64 */
#endif
}

/* Nanoseconds on a monotonic clock where there is one. */
static long long
now_ns(void)
{
#ifdef VD_THREADS_WIN32
    LARGE_INTEGER count, freq;
    if (!QueryPerformanceFrequency(&freq) || !QueryPerformanceCounter(&count)) {
        return 0;
    }
    /* Whole seconds and the rest apart, so the products cannot overflow. */
    long long s = count.QuadPart / freq.QuadPart, rest = count.QuadPart % freq.QuadPart;
    return s * 1000000000 + rest * 1000000000 / freq.QuadPart;
#else
    struct timespec ts;
#  ifdef CLOCK_MONOTONIC
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;
    }
#  else
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC) {
        return 0;
    }
#  endif
    return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
#endif
}

/* Poll done(arg) under `lock` for up to `ns` nanoseconds. Returns 1 with the
 * lock held once it is true, or 0, without the lock, when time ran out. */
static int
poll_for(vd_mutex *lock, int (*done)(void *), void *arg, long long ns)
{
    /* Every look at the shared state is under the lock (trylock, so the
     * owner is never kept waiting long), as the C memory model and helgrind
     * want. The iteration cap bounds the poll should the clock misbehave. */
    long long deadline = now_ns() + ns;
    long long rounds = ns / 32 + 1;
    do {
        for (int i = 0; i < 32; i++) {
            cpu_relax();
        }
        if (vd_mutex_trylock(lock) == 0) {
            if (done(arg)) {
                return 1;
            }
            vd_mutex_unlock(lock);
        }
    } while (--rounds > 0 && now_ns() < deadline);
    return 0;
}

void
vd_pool_wait(vd_mutex *lock, vd_cond *cond, int (*done)(void *), void *arg)
{
    if (poll_for(lock, done, arg, VD_POOL_SPIN_NS)) {
        return;
    }
    vd_mutex_lock(lock);
    while (!done(arg)) {
        vd_cond_wait(cond, lock);
    }
}

static int
has_job(void *arg)
{
    return ((pool_state *)arg)->head != NULL;
}

static VD_THREAD_RETURN
helper(void *arg)
{
    pool_state *p = arg;
    for (;;) {
        vd_pool_wait(&p->lock, &p->wake, has_job, p);
        vd_job *job = take_ticket(p);
        vd_mutex_unlock(&p->lock);
        job->run(job);
    }
    return 0;
}

size_t
vd_pool_post(vd_job *job, size_t helpers)
{
    vd_once(&pool_once, pool_init);
    pool_state *p = pool;
    job->tickets = 0;
    job->pool = p;      /* the pool the job's helpers and take_back use */
    if (p == NULL || helpers == 0) {
        return 0;
    }
    if (helpers > VD_POOL_MAX) {
        helpers = VD_POOL_MAX;
    }
    vd_mutex_lock(&p->lock);
    while (p->threads < helpers) {
        vd_thread id;
        if (vd_thread_create(&id, helper, p) != 0) {
            break;                      /* fewer helpers: still correct */
        }
        vd_thread_detach(id);
        p->threads++;
    }
    size_t tickets = helpers < p->threads ? helpers : p->threads;
    if (tickets > 0) {
        job->tickets = tickets;
        job->next = NULL;
        if (p->tail != NULL) {
            p->tail->next = job;
        }
        else {
            p->head = job;
        }
        p->tail = job;
        for (size_t t = 0; t < tickets; t++) {
            vd_cond_signal(&p->wake);
        }
    }
    vd_mutex_unlock(&p->lock);
    return tickets;
}

size_t
vd_pool_take_back(vd_job *job)
{
    pool_state *p = job->pool;
    if (p == NULL) {
        return 0;
    }
    vd_mutex_lock(&p->lock);
    size_t left = job->tickets;
    if (left > 0) {
        /* Still queued: unlink it. The queue holds a job per concurrent
         * caller, so the walk is short. */
        vd_job **link = &p->head, *prev = NULL;
        while (*link != job) {
            prev = *link;
            link = &(*link)->next;
        }
        *link = job->next;
        if (p->tail == job) {
            p->tail = prev;
        }
        job->tickets = 0;
    }
    vd_mutex_unlock(&p->lock);
    return left;
}

int
vd_pool_leave(vd_job *job, size_t count)
{
    /* No pool, no helpers: the caller is the job's only user. */
    pool_state *p = job->pool;
    if (p != NULL) {
        vd_mutex_lock(&p->lock);
    }
    job->users -= count;
    int last = job->users == 0;
    if (p != NULL) {
        vd_mutex_unlock(&p->lock);
    }
    return last;
}

#else   /* no threads: no helpers, every job runs on its caller alone */

size_t
vd_pool_post(vd_job *job, size_t helpers)
{
    (void)job, (void)helpers;
    return 0;
}

size_t
vd_pool_take_back(vd_job *job)
{
    (void)job;
    return 0;
}

#endif
