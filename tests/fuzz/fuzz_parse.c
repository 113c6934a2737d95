/* fuzz_parse.c: libFuzzer harness for the number parser (lib/c/parse.h).
 *
 * The input is any bytes. Three properties, each checked on every input:
 *
 *  1. vd_parse_number accepts exactly the syntax parse.h documents, checked
 *     against an independent recognizer written here from that grammar, and
 *     gives the correctly rounded double, bit for bit (nan and its sign too):
 *     the oracle is MPFR, reading the field with its underscores removed at
 *     53 bits with double's exponent range and subnormals. Not strtod, which
 *     parse.c itself falls back to: the oracle shares no code with it.
 *  2. vd_count_fields and vd_parse_next walk the whole text: one field per
 *     comma plus one, each the bytes between commas, parsed as (1).
 *  3. Nothing reads outside the input: libFuzzer hands over a heap copy of
 *     exactly `size` bytes, with no terminating NUL, and AddressSanitizer
 *     watches every access.
 *
 * scripts/fuzz.sh builds and runs this; tests/fuzz/seeds.py writes the seeds.
 */
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* ---- the independent recognizer ------------------------------------------ */

static int
space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int
digit(char c)
{
    return c >= '0' && c <= '9';
}

/* digitpart: digit (["_"] digit)*, as in Python's float() grammar. */
static int
digitpart(const char *s, size_t n, size_t *i)
{
    if (*i >= n || !digit(s[*i])) {
        return 0;
    }
    (*i)++;
    for (;;) {
        if (*i < n && digit(s[*i])) {
            (*i)++;
        }
        else if (*i + 1 < n && s[*i] == '_' && digit(s[*i + 1])) {
            *i += 2;
        }
        else {
            return 1;
        }
    }
}

static int
word(const char *s, size_t n, const char *w)
{
    size_t len = strlen(w);
    if (n != len) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        if (c != w[i]) {
            return 0;
        }
    }
    return 1;
}

/* The decimal text (digits, a point, an exponent) rounded once to the nearest
 * double, ties to even: at 53 bits in double's exponent range (emin and emax
 * as MPFR counts them), then rounded again to the subnormal grid below 2^-1022
 * with the first rounding's direction, which mpfr_subnormalize takes to
 * avoid rounding twice. */
static double
exact_double(const char *text)
{
    mpfr_set_emin(-1073);
    mpfr_set_emax(1024);
    mpfr_t x;
    mpfr_init2(x, 53);
    char *end = NULL;
    int inexact = mpfr_strtofr(x, text, &end, 10, MPFR_RNDN);
    if (end == NULL || *end != '\0') {
        fprintf(stderr, "fuzz_parse: MPFR did not read all of \"%.200s\"\n", text);
        abort();
    }
    inexact = mpfr_check_range(x, inexact, MPFR_RNDN);
    mpfr_subnormalize(x, inexact, MPFR_RNDN);
    double v = mpfr_get_d(x, MPFR_RNDN);
    mpfr_clear(x);
    return v;
}

/* 1 and *out set when s[0:n] is a number in parse.h's syntax, else 0. */
static int
reference_parse(const char *s, size_t n, double *out)
{
    while (n > 0 && space(s[0])) {
        s++, n--;
    }
    while (n > 0 && space(s[n - 1])) {
        n--;
    }
    int negative = 0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        s++, n--;
    }
    if (word(s, n, "inf") || word(s, n, "infinity")) {
        *out = negative ? -INFINITY : INFINITY;
        return 1;
    }
    if (word(s, n, "nan")) {
        *out = negative ? -NAN : NAN;
        return 1;
    }
    size_t i = 0;
    int whole = digitpart(s, n, &i), fraction = 0;
    if (i < n && s[i] == '.') {
        i++;
        fraction = digitpart(s, n, &i);
    }
    if (!whole && !fraction) {
        return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        if (!digitpart(s, n, &i)) {
            return 0;
        }
    }
    if (i != n) {
        return 0;
    }
    /* MPFR never sees an underscore, a sign (applied after, as float() does)
     * or anything outside the grammar; and an exponent of more than 9 digits
     * is written as 10^9, which MPFR reads right (it takes 1e-(10^30) for inf)
     * and which leaves the value 0 or inf alike: the input holds fewer than
     * 10^8 digits to move it. */
    char *text = malloc(n + 16);
    size_t k = 0, j = 0;
    for (; j < n && s[j] != 'e' && s[j] != 'E'; j++) {
        if (s[j] != '_') {
            text[k++] = s[j];
        }
    }
    if (j < n) {
        text[k++] = 'e';
        j++;
        if (s[j] == '+' || s[j] == '-') {
            text[k++] = s[j++];
        }
        long long exponent = 0;
        for (; j < n; j++) {
            if (digit(s[j]) && (exponent = exponent * 10 + (s[j] - '0')) > 1000000000) {
                exponent = 1000000000;
            }
        }
        k += (size_t)sprintf(text + k, "%lld", exponent);
    }
    text[k] = '\0';
    double v = exact_double(text);
    free(text);
    *out = negative ? -v : v;
    return 1;
}

/* ---- the checks ------------------------------------------------------------ */

static int
identical(double x, double y)
{
    if (isnan(x) || isnan(y)) {
        return isnan(x) && isnan(y) && signbit(x) == signbit(y);
    }
    return memcmp(&x, &y, sizeof x) == 0;
}

static void
check_field(const char *s, size_t n)
{
    double want = 0.0, got = 0.0;
    int valid = reference_parse(s, n, &want);
    int rc = vd_parse_number(s, n, &got);
    if (rc == VD_PARSE_NOMEM) {
        return;                          /* out of memory is an answer, not a bug */
    }
    if (valid != (rc == VD_PARSE_OK) || (rc != VD_PARSE_OK && rc != VD_PARSE_INVALID)) {
        fprintf(stderr, "fuzz_parse: %s a field the grammar %s: \"%.*s\" (rc %d)\n",
                rc == VD_PARSE_OK ? "accepted" : "rejected", valid ? "accepts" : "rejects",
                (int)(n < 200 ? n : 200), s, rc);
        abort();
    }
    if (valid && !identical(got, want)) {
        fprintf(stderr, "fuzz_parse: \"%.*s\" parsed as %a, MPFR gives %a\n",
                (int)(n < 200 ? n : 200), s, got, want);
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    check_field(s, size);

    size_t commas = 0;
    for (size_t i = 0; i < size; i++) {
        commas += s[i] == ',';
    }
    size_t count = vd_count_fields(s, size);
    if (count != (size == 0 ? 0 : commas + 1)) {
        fprintf(stderr, "fuzz_parse: %zu fields counted, %zu commas\n", count, commas);
        abort();
    }
    size_t pos = 0;
    for (size_t f = 0; f < count; f++) {
        size_t start = pos, end = start;
        while (end < size && s[end] != ',') {
            end++;
        }
        double value = 0.0, alone = 0.0;
        int rc = vd_parse_next(s, size, &pos, &value);
        int rc_alone = vd_parse_number(s + start, end - start, &alone);
        size_t want_pos = end < size ? end + 1 : size;
        if (pos != want_pos || rc != rc_alone || (rc == VD_PARSE_OK && !identical(value, alone))) {
            fprintf(stderr, "fuzz_parse: field %zu: pos %zu (want %zu), rc %d (alone %d)\n",
                    f, pos, want_pos, rc, rc_alone);
            abort();
        }
        check_field(s + start, end - start);
    }
    if (pos != size) {
        fprintf(stderr, "fuzz_parse: stopped at %zu of %zu bytes\n", pos, size);
        abort();
    }
    return 0;
}
