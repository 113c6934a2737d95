/* pool.h: persistent helper threads for the kernels, in plain C11.
 *
 * Starting a thread costs about 50 us on a small virtual machine, as long as
 * the whole dot product of 200,000 elements; a thread that already exists
 * wakes in a few microseconds. So helpers are started on first use, kept,
 * and sleep on a condition variable between jobs. The pool never owns a
 * job's memory and never waits for anything: a caller posts a job with some
 * tickets, idle helpers each take one ticket and call job->run(job), and the
 * caller takes back the tickets nobody took (vd_pool_take_back) once it no
 * longer wants help. The job must stay alive until every helper that took a
 * ticket has returned from run; dot.c counts them.
 *
 * A forked child starts with an empty pool (the parent's helpers do not
 * exist there) and starts its own helpers when it needs them.
 */
#ifndef VECDOT_POOL_H
#define VECDOT_POOL_H

#include <stddef.h>

typedef struct vd_job vd_job;
struct vd_job {
    void (*run)(vd_job *job);   /* what each helper does with the job */
    vd_job *next;               /* the pool's queue; not yours */
    size_t tickets;             /* helpers still wanted; the pool's */
};

/* Ask for up to `helpers` threads to call job->run(job), starting threads if
 * the pool has fewer. Returns how many tickets were posted: fewer than asked
 * (0 included) when threads cannot be had. Never blocks on other jobs. */
size_t vd_pool_post(vd_job *job, size_t helpers);

/* How long a helper, or a caller waiting for its helpers, polls before it
 * sleeps. Waking a sleeping thread takes tens of microseconds on a virtual
 * machine, as long as a 100,000-element dot product; a thread that is still
 * polling starts at once. The cost is this much CPU time after each threaded
 * call, on cores the call was using anyway (docs/benchmarks.md, Tuning). */
#define VD_POOL_SPIN_NS 100000

#if !defined(__STDC_NO_THREADS__) && defined(__has_include)
#  if __has_include(<threads.h>)
#    include <threads.h>
/* Lock `lock` and return once done(arg) is true under it: poll for up to
 * VD_POOL_SPIN_NS, then sleep on `cond` (which whoever makes done() true
 * signals, under the lock). Returns with the lock held. */
void vd_pool_wait(mtx_t *lock, cnd_t *cond, int (*done)(void *), void *arg);
#  endif
#endif

/* Take back the tickets of `job` that no helper has taken yet and return how
 * many. After this, no further helper will pick up the job; those that took a
 * ticket may still be running, or about to start, job->run. */
size_t vd_pool_take_back(vd_job *job);

#endif
