/* parse.c: float() for ASCII numbers; see parse.h for the syntax.
 *
 * This file reads the syntax: it checks the field and gathers its first 19
 * significant digits into an integer with a power of ten. decimal.c rounds
 * that to the double float() gives. When it cannot (more than 19 digits that
 * it cannot settle, or one of its rare undecided cases), the C library's
 * strtod does, correctly rounded as well (glibc, musl, macOS), given the
 * digits rewritten as "DIGITSeEXP": with no decimal point in it, the
 * process's locale cannot change how it reads.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "parse.h"

/* parse_prefix goes inline into vd_parse_next, once per field: the call
 * would cost a fifth of a short field's time. */
#if defined(__GNUC__) || defined(__clang__)
#  define VD_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#  define VD_ALWAYS_INLINE inline
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

/* Eight bytes as one word, the first in the low byte, whatever the byte order. */
static inline uint64_t
load_eight(const char *s)
{
    uint64_t v;
    memcpy(&v, s, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* Whether all eight bytes of v are ASCII digits: each byte's high nibble is 3,
 * and stays 3 when 6 is added (0x3A..0x3F would carry into 0x4_; as every
 * high nibble is 3, no byte carries into the next). */
static inline int
all_digits(uint64_t v)
{
    const uint64_t high = 0xF0F0F0F0F0F0F0F0u, threes = 0x3030303030303030u;
    return (v & high) == threes && ((v + 0x0606060606060606u) & high) == threes;
}

/* The number the eight digits of v spell, the first byte the most significant:
 * pairs, then fours, then all eight, each step in lanes too wide to carry. */
static inline uint64_t
eight_digits_value(uint64_t v)
{
    v -= 0x3030303030303030u;
    v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFu;
    v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFu;
    return (v * 10000 + (v >> 32)) & 0xFFFFFFFFu;
}

/* A run of digits from p (before end), appended to *w (modulo 2^64: exact
 * for up to 19 digits in all); returns where the run ends. */
static inline const char *
scan_run(const char *p, const char *end, uint64_t *w)
{
    uint64_t v = *w;
    while (end - p >= 8 && all_digits(load_eight(p))) {
        v = v * 100000000 + eight_digits_value(load_eight(p));
        p += 8;
    }
    while (p < end && is_digit(*p)) {
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
    }
    *w = v;
    return p;
}

/* Digits with single underscores between them from *pp, appended to *w as
 * scan_run does; *pp moves past them. Returns the number of digits, or -1
 * for a misplaced underscore. */
static inline long
scan_digits(const char **pp, const char *end, uint64_t *w)
{
    const char *start = *pp, *p = start;
    long underscores = 0;
    for (;;) {
        p = scan_run(p, end, w);
        if (p == end || *p != '_') {
            break;
        }
        if (p == start || end - p < 2 || !is_digit(p[1])) {
            return -1;                  /* not between two digits */
        }
        p++;
        underscores++;
    }
    *pp = p;
    return (long)(p - start) - underscores;
}

/* The digits of s[0:len] (and underscores) as a number, or 10^9 if larger. */
static long long
saturated(const char *s, size_t len)
{
    long long value = 0;
    for (size_t i = 0; i < len && value < 1000000000; i++) {
        if (is_digit(s[i])) {
            value = value * 10 + (s[i] - '0');
        }
    }
    return value < 1000000000 ? value : 1000000000;
}

/* For a mantissa s[0:end] of more than 19 digits, where scan_digits' w
 * wrapped: its first 19 significant digits into *w, the power of ten of the
 * last of them added to *exp10, and whether any digit after them is nonzero. */
static void
first_nineteen(const char *s, size_t end, uint64_t *w, long long *exp10, int *truncated)
{
    uint64_t v = 0;
    int kept = 0, in_fraction = 0;
    for (size_t i = 0; i < end; i++) {
        if (s[i] == '.') {
            in_fraction = 1;
        }
        if (!is_digit(s[i])) {
            continue;
        }
        int d = s[i] - '0';
        if (kept == 0 && d == 0) {
            *exp10 -= in_fraction;            /* a leading zero */
        }
        else if (kept < 19) {
            v = v * 10 + (uint64_t)d;
            kept++;
            *exp10 -= in_fraction;
        }
        else {
            *truncated |= d != 0;             /* dropped: only its place counts */
            *exp10 += !in_fraction;
        }
    }
    *w = v;
}

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

/* The number that starts s[0:len], after any whitespace: *used is set to
 * where it ends, which is len or any byte that cannot go on the number (the
 * callers check which). */
static VD_ALWAYS_INLINE int
parse_prefix(const char *s, size_t len, size_t *used, double *out)
{
    const char *p = s, *end = s + len;
    while (p < end && is_space(*p)) {
        p++;
    }
    int negative = p < end && *p == '-';
    p += p < end && (*p == '-' || *p == '+');
    if (p < end && !is_digit(*p) && *p != '.') {
        const char *word = p;
        while (p < end && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') {
            p++;
        }
        *used = (size_t)(p - s);
        size_t word_len = (size_t)(p - word);
        if (equals_word(word, word_len, "inf") || equals_word(word, word_len, "infinity")) {
            *out = negative ? -INFINITY : INFINITY;
            return VD_PARSE_OK;
        }
        if (equals_word(word, word_len, "nan")) {
            *out = negative ? -NAN : NAN;
            return VD_PARSE_OK;
        }
        return VD_PARSE_INVALID;
    }

    /* Validate the mantissa and read its digits, all at once. */
    const char *mantissa = p;
    uint64_t w = 0;
    long int_digits = scan_digits(&p, end, &w), frac_digits = 0;
    if (int_digits < 0) {
        return VD_PARSE_INVALID;
    }
    if (p < end && *p == '.') {
        p++;
        frac_digits = scan_digits(&p, end, &w);
        if (frac_digits < 0) {
            return VD_PARSE_INVALID;
        }
    }
    if (int_digits + frac_digits == 0) {
        return VD_PARSE_INVALID;
    }
    size_t mantissa_len = (size_t)(p - mantissa);
    long long written_exp = 0;
    if (p < end && (*p | 0x20) == 'e') {
        p++;
        int exp_negative = p < end && *p == '-';
        p += p < end && (*p == '-' || *p == '+');
        const char *exp_start = p;
        uint64_t exp_value = 0;
        long exp_digits = scan_digits(&p, end, &exp_value);
        if (exp_digits <= 0) {
            return VD_PARSE_INVALID;
        }
        /* Saturate: 10^(10^9) is inf and 10^-(10^9) is 0 all the same. */
        written_exp = exp_digits <= 9 ? (long long)exp_value
                                      : saturated(exp_start, (size_t)(p - exp_start));
        if (exp_negative) {
            written_exp = -written_exp;
        }
    }
    *used = (size_t)(p - s);

    long long exp10 = written_exp - frac_digits;
    int truncated = 0;
    if (int_digits + frac_digits > 19) {
        exp10 = written_exp;
        first_nineteen(mantissa, mantissa_len, &w, &exp10, &truncated);
    }
    double v;
    if (!vd_decimal_to_double(w, exp10, truncated, &v)) {
        int rc = parse_slow(mantissa, mantissa_len, written_exp - frac_digits, &v);
        if (rc != VD_PARSE_OK) {
            return rc;
        }
    }
    /* The sign bit set without a branch: random signs would mispredict. */
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits |= (uint64_t)negative << 63;
    memcpy(out, &bits, sizeof bits);
    return VD_PARSE_OK;
}

int
vd_parse_number(const char *s, size_t len, double *out)
{
    while (len > 0 && is_space(s[len - 1])) {
        len--;
    }
    size_t used = 0;
    int rc = parse_prefix(s, len, &used, out);
    return rc == VD_PARSE_OK && used != len ? VD_PARSE_INVALID : rc;
}

size_t
vd_count_fields(const char *s, size_t len)
{
    if (len == 0) {
        return 0;
    }
    /* Blocks of at most 255 bytes counted in a byte: a loop compilers turn
     * into vector compares, much faster than a memchr call per comma. */
    size_t commas = 0;
    const char *p = s, *end = s + len;
    while (p < end) {
        const char *stop = end - p > 255 ? p + 255 : end;
        unsigned char in_block = 0;
        for (; p < stop; p++) {
            in_block += *p == ',';
        }
        commas += in_block;
    }
    return commas + 1;
}

int
vd_parse_next(const char *s, size_t len, size_t *pos, double *out)
{
    size_t start = *pos, used = 0;
    /* Most fields are a number and its comma: read it in one pass. */
    if (parse_prefix(s + start, len - start, &used, out) == VD_PARSE_OK
        && (start + used == len || s[start + used] == ',')) {
        *pos = start + used == len ? len : start + used + 1;
        return VD_PARSE_OK;
    }
    /* Whitespace after it, or no number: the field as a whole decides. */
    const char *comma = memchr(s + start, ',', len - start);
    size_t end = comma != NULL ? (size_t)(comma - s) : len;
    *pos = comma != NULL ? end + 1 : len;
    return vd_parse_number(s + start, end - start, out);
}
