/* decimal.c: w * 10^q to the nearest double (decimal.h), as float() rounds it.
 *
 * Two methods, the first that applies:
 *
 * Clinger's fast path: when w < 2^53 and |q| <= 22, w and 10^|q| are exact
 * doubles, so one IEEE multiply or divide is correctly rounded.
 *
 * Eisel-Lemire (D. Lemire, "Number Parsing at a Gigabyte per Second",
 * Software: Practice and Experience 51(8), 2021), for every other q. Write
 * 5^q = X * 2^e with X in [2^127, 2^128); pow5_table.h holds T = floor(X).
 * With w' = w shifted left until its top bit is set, the value is
 * w' * X * 2^(q + e - shift), so its 53-bit significand is the top of the
 * 192-bit product E = w' * X, of which we know the lower bound P = w' * T:
 * E lies in [P, P + 2^64), or is P when T is exact. Rounding P's top word
 * gives E's rounding unless that interval holds a midpoint between two
 * doubles; then we say "undecided" and the caller asks strtod. That happens
 * for about one input in 2^54, and for exact ties when T is inexact (w a
 * multiple of 5^k, k <= 4, as in "4503599627370496.5"). Most of the time the
 * high word of T alone decides: P's top word is then known to within one.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "decimal.h"
#include "pow5_table.h"

#if FLT_EVAL_METHOD != 0
#  error "the fast path needs double arithmetic rounded to double (SSE2, not x87)"
#endif

/* The full product of two 64-bit words. */
static inline void
multiply(uint64_t a, uint64_t b, uint64_t *high, uint64_t *low)
{
#if defined(__SIZEOF_INT128__)
    unsigned __int128 p = (unsigned __int128)a * b;
    *high = (uint64_t)(p >> 64);
    *low = (uint64_t)p;
#else
    /* Four 32x32-bit products (MSVC has no 128-bit integer). */
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t middle = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;   /* < 3 * 2^32 */
    *high = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
    *low = (middle << 32) | (uint32_t)p00;
#endif
}

/* The number of zero bits above the top set bit of x (x != 0). */
static inline int
leading_zeros(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_clzll(x);
#else
    int n = 0;
    for (int step = 32; step > 0; step /= 2) {
        if (x >> (64 - step) == 0) {
            x <<= step;
            n += step;
        }
    }
    return n;
#endif
}

/* The number of low bits of hi, the top word of E, that rounding drops (53
 * kept when the result is normal, fewer when subnormal), and the binary
 * exponent *e2 of the result's last kept bit. */
static inline int
dropped_bits(uint64_t hi, int q, int shift, int *e2)
{
    int top = (int)(hi >> 63);                  /* hi has 63 + top bits */
    int dropped = 10 + top;
    /* E's bit 128 + dropped is worth 2^(128 + dropped + q + e - shift),
     * with e = floor(log2(5^q)) - 127. */
    int e = 11 + top + q + vd_pow5_log2(q) - shift;
    if (e < -1074) {                            /* subnormal: keep fewer bits */
        dropped += -1074 - e;
        e = -1074;
    }
    *e2 = e;
    return dropped;
}

/* w * 10^q for w != 0 and any q; 0 when undecided. */
static int
eisel_lemire(uint64_t w, int q, double *out)
{
    if (q < VD_POW5_MIN) {
        *out = 0.0;            /* w < 2^64: below 10^-323, half the least subnormal */
        return 1;
    }
    if (q > VD_POW5_MAX) {
        *out = INFINITY;       /* w >= 1: above 10^308 */
        return 1;
    }
    int shift = leading_zeros(w);
    w <<= shift;
    const uint64_t *t = vd_pow5[q - VD_POW5_MIN];
    uint64_t hi, mid, low = 0, carry;
    multiply(w, t[0], &hi, &mid);
    int e2;
    int dropped = dropped_bits(hi, q, shift, &e2);
    if (dropped > 64) {
        *out = 0.0;            /* E < 2^192 <= 2^(127 + dropped): under half of 2^e2 */
        return 1;
    }
    uint64_t half = (uint64_t)1 << (dropped - 1);
    uint64_t rest = dropped == 64 ? hi : hi & ((half << 1) - 1);
    /* Known so far: E / 2^128 is in [hi + mid / 2^64, that + 1 + 2^-64),
     * which holds the midpoint (half, in terms of rest) only if rest is
     * half - 1 or half. Then take the low word of T into account too. */
    if (rest - (half - 1) <= 1) {
        multiply(w, t[1], &carry, &low);
        mid += carry;
        hi += mid < carry;
        dropped = dropped_bits(hi, q, shift, &e2);
        half = (uint64_t)1 << (dropped - 1);
        rest = dropped == 64 ? hi : hi & ((half << 1) - 1);
        /* Now E / 2^128 is in [hi + (mid + low / 2^64) / 2^64, that + 2^-64). */
        int exact = q >= 0 && q <= VD_POW5_EXACT_MAX;
        if (!exact && ((rest == half - 1 && mid == UINT64_MAX) || (rest == half && mid == 0))) {
            return 0;
        }
    }
    uint64_t m = dropped == 64 ? 0 : hi >> dropped;
    int above = rest > half || (rest == half && (mid | low) != 0);
    int tie = rest == half && (mid | low) == 0;          /* only when T is exact */
    m += above || (tie && (m & 1));
    if (m >> 53) {                                       /* rounded up to 2^53 */
        m >>= 1;
        e2++;
    }
    if (e2 > 1023 - 52) {
        *out = INFINITY;
        return 1;
    }
    /* m holds the implicit bit (2^52) unless subnormal (e2 = -1074), so adding it
     * to the exponent field, one below the biased exponent, gives the bits. */
    uint64_t bits = ((uint64_t)(e2 + 1074) << 52) + m;
    memcpy(out, &bits, sizeof *out);
    return 1;
}

static const double powers_of_ten[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

int
vd_decimal_to_double(uint64_t w, long long exp10, int truncated, double *out)
{
    if (w == 0) {
        *out = 0.0;
        return 1;
    }
    if (!truncated && w <= (uint64_t)1 << 53 && exp10 >= -22 && exp10 <= 22) {
        *out = exp10 >= 0 ? (double)w * powers_of_ten[exp10] : (double)w / powers_of_ten[-exp10];
        return 1;
    }
    /* Beyond the table, both ends give 0 or inf: clamp to an int. */
    int q = exp10 < VD_POW5_MIN ? VD_POW5_MIN - 1 : exp10 > VD_POW5_MAX ? VD_POW5_MAX + 1 : (int)exp10;
    double v, above;
    if (!eisel_lemire(w, q, &v)) {
        return 0;
    }
    /* The true value lies strictly between w and w + 1 units: when both
     * round to the same double, so does it. */
    if (truncated && (!eisel_lemire(w + 1, q, &above) || above != v)) {
        return 0;
    }
    *out = v;
    return 1;
}
