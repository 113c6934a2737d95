/* check.h: the counting checks every program in tests/c shares.
 *
 * Each program includes this once, calls CHECK and CHECK_EQ, and returns
 * report() from main: a failed check prints where and what, and the exit
 * status says whether any failed, so `make test-c` stops on it.
 */
#ifndef VECDOT_TESTS_CHECK_H
#define VECDOT_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>

static int failures, checks;

/* The same double: equal with the same sign (0.0 and -0.0 differ), or both nan. */
static inline int
same(double x, double y)
{
    return (isnan(x) && isnan(y)) || (x == y && signbit(x) == signbit(y));
}

#define CHECK_EQ(got, want) check_eq((got), (want), #got, __LINE__)
#define CHECK(cond) check_true((cond), #cond, __LINE__)

static inline void
check_eq(double got, double want, const char *expr, int line)
{
    checks++;
    if (!same(got, want)) {
        failures++;
        printf("FAIL line %d: %s\n  got  %a (%.17g)\n  want %a (%.17g)\n", line, expr,
               got, got, want, want);
    }
}

static inline void
check_true(int ok, const char *expr, int line)
{
    checks++;
    if (!ok) {
        failures++;
        printf("FAIL line %d: %s\n", line, expr);
    }
}

/* Print the totals; the exit status for main. */
static inline int
report(const char *program)
{
    printf("%s: %d checks, %d failures\n", program, checks, failures);
    return failures != 0;
}

#endif
