/* pool.h: tasks shared among persistent helper threads, in plain C11.
 *
 * Starting a thread costs about 50 us on a small virtual machine, as long as
 * the whole dot product of 200,000 elements; a thread that already exists
 * wakes in a few microseconds. So helpers are started on first use, kept,
 * and sleep on a condition variable between calls.
 *
 * Two layers: vd_pool_run (pool_run.c) shares one call's numbered tasks
 * between its caller and some helpers; it is what the kernels use. Below
 * it, the pool itself (pool.c) keeps the helpers and a queue of jobs that
 * want them; it never owns a job's memory and never waits for anything.
 *
 * A forked child starts with an empty pool (the parent's helpers do not
 * exist there) and starts its own helpers when it needs them.
 */
#ifndef VECDOT_POOL_H
#define VECDOT_POOL_H

#include <stddef.h>

/* Call task(arg, k) once for each k in [0, ntasks), on the calling thread
 * and on up to `helpers` helper threads at once (at most one per task), and
 * return when every call has returned. The caller and each helper claim the
 * next k until none is left, so a helper that gets no CPU (a busy machine, a
 * container's CPU quota) costs nothing: the caller takes its tasks. Never
 * fails: without threads, or without memory for the bookkeeping (a hundred
 * bytes on the heap), the caller runs every task itself. Safe to call from
 * several threads at once; each call's tasks are its own. */
void vd_pool_run(size_t ntasks, size_t helpers, void (*task)(void *arg, size_t k),
                 void *arg);

/* How long a helper, or a caller waiting for its helpers, polls before it
 * sleeps. Waking a sleeping thread takes tens of microseconds on a virtual
 * machine, as long as a 100,000-element dot product; a thread that is still
 * polling starts at once. The cost is this much CPU time after each shared
 * call, on cores the call was using anyway (docs/benchmarks.md, Tuning). */
#define VD_POOL_SPIN_NS 100000

/* ---- the pool itself (pool.c), for pool_run.c --------------------------- */

typedef struct vd_job vd_job;
struct vd_job {
    void (*run)(vd_job *job);   /* what each helper does with the job */
    vd_job *next;               /* the pool's queue; not yours */
    size_t tickets;             /* helpers still wanted; the pool's */
    size_t users;               /* who may still touch the job: vd_pool_leave */
    void *pool;                 /* where it was posted (NULL: nowhere); the pool's */
};

/* Ask for up to `helpers` threads to call job->run(job), starting threads if
 * the pool has fewer. Returns how many tickets were posted: fewer than asked
 * (0 included) when threads cannot be had. Never blocks on other jobs. */
size_t vd_pool_post(vd_job *job, size_t helpers);

/* Take back the tickets of `job` that no helper has taken yet and return how
 * many. After this, no further helper will pick up the job; those that took a
 * ticket may still be running, or about to start, job->run. */
size_t vd_pool_take_back(vd_job *job);

/* Count `count` of job->users out (set it before posting the job) and return
 * 1 for the last, who may then free the job. Under the pool's lock, which is
 * never destroyed: a lock inside the job could not order another user's last
 * touch of it (its own unlock) before the free. */
int vd_pool_leave(vd_job *job, size_t count);

#include "thread.h"
#ifdef VD_HAVE_THREADS
/* Lock `lock` and return once done(arg) is true under it: poll for up to
 * VD_POOL_SPIN_NS, then sleep on `cond` (which whoever makes done() true
 * signals, under the lock). Returns with the lock held. */
void vd_pool_wait(vd_mutex *lock, vd_cond *cond, int (*done)(void *), void *arg);
#endif

#endif
