/* parse.c: float() for ASCII numbers; see parse.h for the syntax.
 *
 * Short decimals, the common case in a query string, take Clinger's fast
 * path: when the digits fit in a double exactly (< 2^53) and the power of ten
 * does too (10^0 .. 10^22), one IEEE multiply or divide is correctly rounded,
 * so it gives the same bits as float(). Up to 19 digits with a moderate
 * exponent (full-precision reprs) are rounded exactly in 128-bit integers.
 * Everything else goes to the C library's strtod, correctly rounded as well
 * (glibc, musl, macOS),
 * given the digits rewritten as "DIGITSeEXP": with no decimal point in it,
 * the process's locale cannot change how it reads.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#if FLT_EVAL_METHOD != 0
#  error "the fast path needs double arithmetic rounded to double (SSE2, not x87)"
#endif

static int
is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Case-insensitive match of s[0:len] against a lowercase ASCII word. */
static int
equals_word(const char *s, size_t len, const char *word)
{
    if (strlen(word) != len) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if ((s[i] | 0x20) != word[i]) {
            return 0;
        }
    }
    return 1;
}

/* The digits of a mantissa, read in one pass: the first 19 significant
 * ones exactly in w, then only whether any later one was nonzero. */
typedef struct {
    uint64_t w;
    long long exp10;     /* the value is w * 10^exp10 unless inexact */
    long long fraction;  /* digits after the point, for the slow path */
    int kept, inexact;
} mantissa;

static void
take_digit(mantissa *m, int d, int in_fraction)
{
    m->fraction += in_fraction;
    if (m->w == 0 && d == 0) {
        m->exp10 -= in_fraction;          /* a leading zero */
    }
    else if (m->kept < 19) {
        m->w = m->w * 10 + (uint64_t)d;
        m->kept++;
        m->exp10 -= in_fraction;
    }
    else {
        m->inexact |= d != 0;             /* dropped: only its place counts */
        m->exp10 += !in_fraction;
    }
}

/* Scan digits with single underscores between them, starting at s[*i],
 * feeding each to m (if any). Returns the number of digits, or -1 for a
 * misplaced underscore. */
static long
scan_digits(const char *s, size_t len, size_t *i, mantissa *m, int in_fraction)
{
    long count = 0;
    while (*i < len) {
        char c = s[*i];
        if (is_digit(c)) {
            if (m != NULL) {
                take_digit(m, c - '0', in_fraction);
            }
            count++;
            (*i)++;
        }
        else if (c == '_' && count > 0 && *i + 1 < len && is_digit(s[*i + 1])) {
            (*i)++;
        }
        else {
            break;
        }
    }
    return *i < len && s[*i] == '_' ? -1 : count;
}

static const double powers_of_ten[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define MAX_FAST_POW10 22
#define EXACT_LIMIT ((uint64_t)1 << 53)

#if defined(__SIZEOF_INT128__)
/* Up to 19 digits with a power of ten from 10^-21 to 10^19, in 128-bit
 * integers (GCC and Clang on 64-bit targets): a full-precision repr() such
 * as "0.12345678901234567" has 17 digits, one too many for the fast path.
 * The value is an exact integer, or an exact quotient with its remainder,
 * so rounding it is exact too. */
typedef unsigned __int128 u128;

static int
bit_length(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    return hi != 0 ? 128 - __builtin_clzll(hi) : lo != 0 ? 64 - __builtin_clzll(lo) : 0;
}

/* n * 2^-shift rounded to the nearest double, ties to even; sticky says the
 * true value is a little more than n * 2^-shift. n must exceed 2^53. */
static double
round_scaled(u128 n, int shift, int sticky)
{
    int drop = bit_length(n) - 53;
    u128 half = (u128)1 << (drop - 1);
    u128 rest = n & (((u128)1 << drop) - 1);
    n >>= drop;
    if (rest > half || (rest == half && (sticky || (n & 1)))) {
        n++;                                  /* 2^53 at most: still exact */
    }
    return ldexp((double)(uint64_t)n, drop - shift);
}

static int
parse_int128(uint64_t w, long long exp10, double *out)
{
    if (exp10 < -21 || exp10 > 19) {
        return 0;
    }
    u128 power = 1;
    for (long long k = 0; k < (exp10 < 0 ? -exp10 : exp10); k++) {
        power *= 10;
    }
    if (exp10 >= 0) {
        u128 n = (u128)w * power;             /* < 2^64 * 10^19 < 2^128 */
        if (bit_length(n) <= 53) {
            *out = (double)(uint64_t)n;
        }
        else {
            *out = round_scaled(n, 0, 0);
        }
        return 1;
    }
    /* w / 10^k: scale w so the quotient has at least 55 bits, then round
     * it with the remainder as the sticky bit. w << shift < 2^125. */
    int shift = 55 + bit_length(power) - bit_length((u128)w);
    if (shift < 0) {
        shift = 0;
    }
    u128 n = (u128)w << shift;
    *out = round_scaled(n / power, shift, n % power != 0);
    return 1;
}
#else
static int
parse_int128(uint64_t w, long long exp10, double *out)
{
    (void)w, (void)exp10, (void)out;
    return 0;                                 /* no 128-bit integers: strtod */
}
#endif

/* The slow path: strtod on "DIGITSeEXP" built from the validated field. */
static int
parse_slow(const char *s, size_t len, long long exp10, double *out)
{
    char small[128];
    size_t need = len + 32;
    char *buf = need <= sizeof small ? small : malloc(need);
    if (buf == NULL) {
        return VD_PARSE_NOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_digit(s[i])) {
            buf[n++] = s[i];
        }
    }
    /* exp10 counts the fraction digits against the written exponent. */
    n += (size_t)snprintf(buf + n, need - n, "e%lld", exp10);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    if (buf != small) {
        free(buf);
    }
    return VD_PARSE_OK;
}

int
vd_parse_number(const char *s, size_t len, double *out)
{
    while (len > 0 && is_space(s[0])) {
        s++, len--;
    }
    while (len > 0 && is_space(s[len - 1])) {
        len--;
    }
    int negative = 0;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        s++, len--;
    }
    if (len > 0 && !is_digit(s[0]) && s[0] != '.') {
        if (equals_word(s, len, "inf") || equals_word(s, len, "infinity")) {
            *out = negative ? -INFINITY : INFINITY;
            return VD_PARSE_OK;
        }
        if (equals_word(s, len, "nan")) {
            *out = negative ? -NAN : NAN;
            return VD_PARSE_OK;
        }
        return VD_PARSE_INVALID;
    }

    /* Validate and read the mantissa in one pass. */
    mantissa m = {0, 0, 0, 0, 0};
    size_t i = 0;
    long int_digits = scan_digits(s, len, &i, &m, 0);
    if (int_digits < 0) {
        return VD_PARSE_INVALID;
    }
    long frac_digits = 0;
    if (i < len && s[i] == '.') {
        i++;
        if (i < len && s[i] == '_') {
            return VD_PARSE_INVALID;
        }
        frac_digits = scan_digits(s, len, &i, &m, 1);
        if (frac_digits < 0) {
            return VD_PARSE_INVALID;
        }
    }
    if (int_digits + frac_digits == 0) {
        return VD_PARSE_INVALID;
    }
    size_t mantissa_end = i;
    long long written_exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int exp_negative = 0;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            exp_negative = s[i] == '-';
            i++;
        }
        size_t exp_start = i;
        if (i < len && s[i] == '_') {
            return VD_PARSE_INVALID;
        }
        if (scan_digits(s, len, &i, NULL, 0) <= 0) {
            return VD_PARSE_INVALID;
        }
        for (size_t j = exp_start; j < i; j++) {
            /* Saturate: 10^(10^9) is inf and 10^-(10^9) is 0 all the same. */
            if (is_digit(s[j]) && written_exp < 1000000000) {
                written_exp = written_exp * 10 + (s[j] - '0');
            }
        }
        if (exp_negative) {
            written_exp = -written_exp;
        }
    }
    if (i != len) {
        return VD_PARSE_INVALID;
    }
    uint64_t w = m.w;
    long long exp10 = m.exp10 + written_exp;
    int inexact = m.inexact;

    double v;
    if (w == 0) {
        v = 0.0;
    }
    else {
        /* "1e30" is 10^8 * 10^22: scale w up while it stays exact. */
        while (!inexact && exp10 > MAX_FAST_POW10 && w < EXACT_LIMIT / 10) {
            w *= 10;
            exp10--;
        }
        if (!inexact && w <= EXACT_LIMIT && exp10 >= -MAX_FAST_POW10
            && exp10 <= MAX_FAST_POW10) {
            v = exp10 >= 0 ? (double)w * powers_of_ten[exp10]
                           : (double)w / powers_of_ten[-exp10];
        }
        else if (inexact || !parse_int128(w, exp10, &v)) {
            int rc = parse_slow(s, mantissa_end, written_exp - m.fraction, &v);
            if (rc != VD_PARSE_OK) {
                return rc;
            }
        }
    }
    *out = negative ? -v : v;
    return VD_PARSE_OK;
}

size_t
vd_count_fields(const char *s, size_t len)
{
    if (len == 0) {
        return 0;
    }
    size_t fields = 1;
    for (const char *p = s; (p = memchr(p, ',', len - (size_t)(p - s))) != NULL; p++) {
        fields++;
    }
    return fields;
}

int
vd_parse_next(const char *s, size_t len, size_t *pos, double *out)
{
    size_t start = *pos;
    const char *comma = memchr(s + start, ',', len - start);
    size_t end = comma != NULL ? (size_t)(comma - s) : len;
    *pos = comma != NULL ? end + 1 : len;
    return vd_parse_number(s + start, end - start, out);
}
