/* pool_run.c: vd_pool_run, one call's tasks shared with the pool's helpers.
 *
 * The caller and each helper claim the next task number until none is left.
 * The caller then waits for every task a helper claimed, so tasks may read
 * the caller's memory (dot.c's vectors are its caller's, freed once vd_dot
 * returns: summing a stalled helper's chunk itself and returning early was
 * tried, a use after free caught by test-c's ASan build). It does not wait
 * for the helpers themselves: one may take its ticket long after the last
 * task is done and find nothing left, so the bookkeeping is a heap block
 * that its last user frees (counted under the pool's lock, pool.h).
 */
#include "pool.h"
#include "thread.h"

#include <stdlib.h>

/* The caller runs every task itself. */
static void
run_alone(size_t ntasks, void (*task)(void *arg, size_t k), void *arg)
{
    for (size_t k = 0; k < ntasks; k++) {
        task(arg, k);
    }
}

#ifdef VD_HAVE_THREADS
typedef struct {
    vd_job job;                 /* first: pool.h hands back &job */
    void (*task)(void *arg, size_t k);
    void *arg;
    size_t ntasks;
    vd_counter next;            /* the next task to claim */
    vd_mutex lock;
    vd_cond all_done;
    size_t done;                /* tasks finished, under lock */
} shared;

/* Claim and run tasks until none is left; count the finished ones. */
static void
work(shared *s)
{
    size_t k, finished = 0;
    while ((k = vd_counter_next(&s->next)) < s->ntasks) {
        s->task(s->arg, k);
        finished++;
    }
    if (finished > 0) {
        vd_mutex_lock(&s->lock);
        s->done += finished;
        if (s->done == s->ntasks) {
            vd_cond_broadcast(&s->all_done);
        }
        vd_mutex_unlock(&s->lock);
    }
}

/* Drop `count` users; the last one frees the block. */
static void
release(shared *s, size_t count)
{
    if (vd_pool_leave(&s->job, count)) {
        vd_mutex_destroy(&s->lock);
        vd_cond_destroy(&s->all_done);
        free(s);
    }
}

static int
all_done(void *arg)
{
    const shared *s = arg;
    return s->done == s->ntasks;
}

static void
help(vd_job *job)
{
    shared *s = (shared *)(void *)job;
    work(s);
    release(s, 1);
}

void
vd_pool_run(size_t ntasks, size_t helpers, void (*task)(void *arg, size_t k), void *arg)
{
    if (helpers >= ntasks) {
        helpers = ntasks > 0 ? ntasks - 1 : 0;      /* a task is never shared */
    }
    shared *s = helpers > 0 ? malloc(sizeof *s) : NULL;
    if (s == NULL) {
        run_alone(ntasks, task, arg);
        return;
    }
    if (vd_mutex_init(&s->lock) != 0) {
        free(s);
        run_alone(ntasks, task, arg);
        return;
    }
    if (vd_cond_init(&s->all_done) != 0) {
        vd_mutex_destroy(&s->lock);
        free(s);
        run_alone(ntasks, task, arg);
        return;
    }
    s->job.run = help;
    s->task = task, s->arg = arg, s->ntasks = ntasks, s->done = 0;
    vd_counter_init(&s->next, 0);
    /* Count the helpers as users before any of them can start and finish. */
    s->job.users = 1 + helpers;
    size_t posted = vd_pool_post(&s->job, helpers);
    size_t unwanted = helpers - posted;
    work(s);
    /* Every task is claimed now: tickets still queued would only wake a
     * helper for nothing. */
    if (posted > 0) {
        unwanted += vd_pool_take_back(&s->job);
    }
    vd_pool_wait(&s->lock, &s->all_done, all_done, s);
    vd_mutex_unlock(&s->lock);
    release(s, 1 + unwanted);
}

#else   /* no threads: no helpers */

void
vd_pool_run(size_t ntasks, size_t helpers, void (*task)(void *arg, size_t k), void *arg)
{
    (void)helpers;
    run_alone(ntasks, task, arg);
}

#endif
