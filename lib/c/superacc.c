/* superacc.c: the exact accumulator; see superacc.h. */
#include <math.h>
#include <string.h>

#include "superacc.h"

void
vd_sa_init(vd_superacc *sa)
{
    memset(sa, 0, sizeof *sa);
}

#define SA_CARRY_EVERY (1u << 30) /* each digit gains < 2^32 per product; int64 holds 2^31 */
#define LOW32 0xffffffffu

/* |x| == m * 2^e with m < 2^53 an integer. */
static void
decompose(double x, uint64_t *m, int *e)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)((bits >> 52) & 0x7ff);
    *m = bits & (((uint64_t)1 << 52) - 1);
    if (biased == 0) {
        *e = -1074;                   /* subnormal or zero */
    }
    else {
        *m |= (uint64_t)1 << 52;
        *e = biased - 1075;
    }
}

/* Bring every digit but the top one into [0, 2^32). */
static void
sa_carry(vd_superacc *sa)
{
    for (size_t j = 0; j + 1 < SA_DIGITS; j++) {
        int64_t low = sa->d[j] & (int64_t)LOW32;
        /* (d - low) is a multiple of 2^32, so this division is exact,
         * unlike >> of a negative number, which C leaves to the compiler. */
        sa->d[j + 1] += (sa->d[j] - low) / ((int64_t)1 << 32);
        sa->d[j] = low;
    }
    sa->pending = 0;
}

static void
sa_add_special(vd_superacc *sa, double x, double y)
{
    if (isnan(x) || isnan(y) || x == 0.0 || y == 0.0) {
        sa->nan = 1;                  /* nan, or inf * 0 */
    }
    else if (signbit(x) != signbit(y)) {
        sa->neg_inf = 1;
    }
    else {
        sa->pos_inf = 1;
    }
}

void
vd_sa_add_product(vd_superacc *sa, double x, double y)
{
    if (!isfinite(x) || !isfinite(y)) {
        sa_add_special(sa, x, y);
        return;
    }
    uint64_t mx, my;
    int ex, ey;
    decompose(x, &mx, &ex);
    decompose(y, &my, &ey);
    if (mx == 0 || my == 0) {
        return;
    }
    /* The 106-bit product mx * my as four 32-bit digits, from 32 x 21-bit
     * partial products so no intermediate passes 2^64. */
    uint64_t xl = mx & LOW32, xh = mx >> 32, yl = my & LOW32, yh = my >> 32;
    uint64_t p0 = xl * yl;
    uint64_t p1 = xh * yl + xl * yh + (p0 >> 32);
    uint64_t p2 = xh * yh + (p1 >> 32);
    const uint64_t digit[4] = {p0 & LOW32, p1 & LOW32, p2 & LOW32, p2 >> 32};

    /* Place them at bit position ex + ey + SA_BIAS (never negative). */
    int pos = ex + ey + SA_BIAS;
    int at = pos / 32, shift = pos % 32;
    uint64_t word[5];
    if (shift == 0) {
        for (int j = 0; j < 4; j++) {
            word[j] = digit[j];
        }
        word[4] = 0;
    }
    else {
        word[0] = (digit[0] << shift) & LOW32;
        for (int j = 1; j < 4; j++) {
            word[j] = ((digit[j] << shift) | (digit[j - 1] >> (32 - shift))) & LOW32;
        }
        word[4] = digit[3] >> (32 - shift);
    }
    int negative = signbit(x) != signbit(y);
    for (int j = 0; j < 5; j++) {
        sa->d[at + j] += negative ? -(int64_t)word[j] : (int64_t)word[j];
    }
    if (++sa->pending == SA_CARRY_EVERY) {
        sa_carry(sa);
    }
}

void
vd_sa_merge(vd_superacc *dst, vd_superacc *src)
{
    /* Carried, each digit but the top one is below 2^32, so the digit sums
     * are below 2^33: what one more product would leave (pending = 1). The
     * top digits hold the sums' signs and stay far from 2^63 (superacc.h). */
    sa_carry(dst);
    sa_carry(src);
    for (size_t j = 0; j < SA_DIGITS; j++) {
        dst->d[j] += src->d[j];
    }
    dst->pending = 1;
    dst->nan |= src->nan;
    dst->pos_inf |= src->pos_inf;
    dst->neg_inf |= src->neg_inf;
}

static int
sa_bit(const vd_superacc *sa, long k)
{
    return k >= 0 && (sa->d[k / 32] >> (k % 32)) & 1;
}

double
vd_sa_round(vd_superacc *sa)
{
    if (sa->nan || (sa->pos_inf && sa->neg_inf)) {
        return NAN;
    }
    if (sa->pos_inf || sa->neg_inf) {
        return sa->pos_inf ? INFINITY : -INFINITY;
    }
    sa_carry(sa);
    int negative = sa->d[SA_DIGITS - 1] < 0;
    if (negative) {
        for (size_t j = 0; j < SA_DIGITS; j++) {
            sa->d[j] = -sa->d[j];
        }
        sa_carry(sa);
    }
    long top = SA_DIGITS - 1;
    while (top >= 0 && sa->d[top] == 0) {
        top--;
    }
    if (top < 0) {
        return 0.0;
    }
    /* After sa_carry every digit but the last is below 2^32, and sums never
     * reach the last one (SA_DIGITS has room for 2^156 products). */
    long msb = top * 32 + 31;
    while (!sa_bit(sa, msb)) {
        msb--;
    }
    /* Keep 53 bits, or fewer where the result is subnormal: no bit below
     * 2^-1074 survives. */
    long low = msb - 52 < 1074 ? 1074 : msb - 52;
    uint64_t q = 0;
    for (long k = msb; k >= low; k--) {
        q = (q << 1) | (uint64_t)sa_bit(sa, k);
    }
    int round = sa_bit(sa, low - 1), sticky = 0;
    for (long k = low - 2; k >= 0 && !sticky; k--) {
        if (k % 32 == 31 && sa->d[k / 32] == 0) {
            k -= 31;                  /* skip a zero digit whole */
            continue;
        }
        sticky = sa_bit(sa, k);
    }
    if (round && (sticky || (q & 1))) {
        q++;
    }
    /* q <= 2^53 converts exactly; ldexp rounds only by overflowing to inf,
     * which is then the correctly rounded result. */
    double v = ldexp((double)q, (int)(low - SA_BIAS));
    return negative ? -v : v;
}

