/* test_parse.c: the number parser (parse.h, decimal.h) tested from C alone, no Python.
 *
 * Every accepted form gives the double float() gives, written here as an
 * exact hex float; every form float() rejects is VD_PARSE_INVALID. Then
 * millions of random numbers against glibc's strtod, which is correctly
 * rounded, as float() is.
 */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "decimal.h"
#include "parse.h"

static void
check_parse(const char *text, double want)
{
    double got = -12345.0;
    checks++;
    int rc = vd_parse_number(text, strlen(text), &got);
    if (rc != VD_PARSE_OK || !same(got, want)) {
        failures++;
        printf("FAIL parse \"%s\": rc %d, got %a, want %a\n", text, rc, got, want);
    }
}

static void
check_invalid(const char *text)
{
    double got;
    checks++;
    if (vd_parse_number(text, strlen(text), &got) != VD_PARSE_INVALID) {
        failures++;
        printf("FAIL parse \"%s\" should be invalid, got %a\n", text, got);
    }
}

static void
test_parse(void)
{
    /* Forms float() accepts; values written as exact hex floats. */
    check_parse("1", 1.0);
    check_parse("-2.5", -2.5);
    check_parse("+.5", 0.5);
    check_parse("5.", 5.0);
    check_parse(" \t7\n", 7.0);
    check_parse("1_000", 1000.0);
    check_parse("1e3", 1000.0);
    check_parse("1E+3", 1000.0);
    check_parse("2.5e-1", 0.25);
    check_parse("1_0.2_5e0_1", 102.5);
    check_parse("-0", -0.0);
    check_parse("0e999999999999", 0.0);
    check_parse("1e23", 1e23);                       /* scaled fast path */
    check_parse("0.1", 0x1.999999999999ap-4);
    check_parse("3.141592653589793", 0x1.921fb54442d18p+1);
    check_parse("9007199254740993", 0x1p53);         /* 2^53 + 1: tie to even */
    check_parse("9007199254740995", 0x1.0000000000002p53);
    check_parse("1e400", INFINITY);
    check_parse("-1e400", -INFINITY);
    check_parse("1e-400", 0.0);
    check_parse("4.9406564584124654e-324", 0x1p-1074);
    check_parse("2.4703282292062328e-324", 0x1p-1074); /* just above half: up */
    check_parse("2.4703282292062327e-324", 0.0);        /* just below half: 0 */
    check_parse("1.7976931348623157e308", DBL_MAX);
    check_parse("0.000000000000000000000000000001", 1e-30);
    check_parse("123456789012345678901234567890", 1.2345678901234568e29);
    /* Exact ties, rounded to even: integers of 17 to 19 digits above 2^53,
     * where 10^q is exact in the table, and one with a fraction (4503599627370496.5
     * is 5 * (2^53 + 1) / 10), which the table's 10^-1 cannot settle: strtod does. */
    check_parse("9007199254740993", 0x1p53);
    check_parse("9007199254740995", 0x1.0000000000002p53);
    check_parse("18014398509481985", 0x1.0000000000000p54);   /* 2^54 + 1, under half an ulp */
    check_parse("18014398509481986", 0x1.0000000000000p54);   /* 2^54 + 2: a tie, to even */
    check_parse("18014398509481990", 0x1.0000000000002p54);   /* 2^54 + 6: a tie, to even (up) */
    check_parse("9223372036854775808", 0x1p63);
    check_parse("9223372036854776833", 0x1.0000000000001p63);  /* 2^63 + 1025: over half */
    check_parse("9223372036854776832", 0x1p63);                /* 2^63 + 1024: a tie, to even */
    check_parse("4503599627370496.5", 0x1p52);
    check_parse("4503599627370497.5", 0x1.0000000000002p52);
    /* Just below and above a midpoint with 17 to 19 digits: 2^53 + 1 is the
     * midpoint of 2^53 and 2^53 + 2. */
    check_parse("9007199254740992.9999", 0x1p53);
    check_parse("9007199254740993.0001", 0x1.0000000000001p53);
    check_parse("900719925474099299999e-5", 0x1p53);        /* 21 digits */
    check_parse("900719925474099300001e-5", 0x1.0000000000001p53);
    /* 20 and more digits: the truncation to 19 matters only when the value
     * is near a midpoint; then the exact method decides. */
    check_parse("9007199254740993000000000000000000000001e-24", 0x1.0000000000001p53);
    check_parse("9007199254740993000000000000000000000000e-24", 0x1p53);
    check_parse("12345678901234567890123", 1.2345678901234568e22);
    /* the midpoint of 0.1 and the next double, exactly: a tie, to even (down) */
    check_parse("0.100000000000000012490009027033011079765856266021728515625", 0x1.999999999999ap-4);
    check_parse("0.1000000000000000124900090270330110797658562660217285156251", 0x1.999999999999bp-4);
    check_parse("0.1000000000000000124900090270330110797658562660217285156249", 0x1.999999999999ap-4);
    /* Subnormals, the least one and what rounds to it or to 0. */
    check_parse("2.2250738585072014e-308", 0x1p-1022);      /* the least normal */
    check_parse("2.2250738585072011e-308", 0x0.fffffffffffffp-1022);
    check_parse("2.2250738585072012e-308", 0x1p-1022);      /* rounds up into the normals */
    check_parse("1e-310", 0x0.012688b70e62bp-1022);
    check_parse("5e-324", 0x1p-1074);
    check_parse("3e-324", 0x1p-1074);
    check_parse("2e-324", 0.0);
    check_parse("2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125e-324", 0.0);   /* exactly half the least subnormal: a tie, to even (0) */
    check_parse("2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328126e-324", 0x1p-1074);
    check_parse("1e-342", 0.0);                             /* the table's least power */
    check_parse("9999999999999999999e-343", 0.0);           /* below it: 0 without a look */
    check_parse("1e-323", 0x1p-1073);
    check_parse("-1e-400", -0.0);
    /* The largest double, overflow, and the table's greatest power. */
    check_parse("1.7976931348623158e308", DBL_MAX);         /* under DBL_MAX + half an ulp */
    check_parse("1.7976931348623159e308", INFINITY);        /* over it */
    check_parse("179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999999999999999999999999999999999999999999999999999999999999999999", DBL_MAX);
    check_parse("179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792", INFINITY);   /* DBL_MAX + half an ulp: a tie, to even (inf) */
    check_parse("1e308", 0x1.1ccf385ebc8ap1023);             /* the table's greatest power */
    check_parse("10e308", INFINITY);
    check_parse("0.001e311", 0x1.1ccf385ebc8ap1023);
    check_parse("1e309", INFINITY);
    check_parse("1e22", 1e22);                                /* Clinger's greatest exact power */
    check_parse("1e-22", 0x1.e392010175ee6p-74);
    check_parse("9007199254740992e22", 0x1.0f0cf064dd592p+126);
    /* Zeros: signs kept, any exponent. */
    check_parse("-0.0", -0.0);
    check_parse("-0e-999", -0.0);
    check_parse("0.000000000000000000000000000000000000000000e400", 0.0);
    check_parse("inf", INFINITY);
    check_parse("-Infinity", -INFINITY);
    check_parse("nan", NAN);
    check_parse("+NaN", NAN);

    /* Forms float() rejects. */
    const char *bad[] = {"", " ", "+", "-", ".", "e5", "1e", "1e+", "1_", "_1",
                         "1__0", "1_.5", "1._5", "1e_5", "1e5_", "0x10", "1 2",
                         "1,2", "infinit", "nana", "++1", "1.5.2", "1e5e5", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        check_invalid(bad[i]);
    }
}

static void
test_fields(void)
{
    const char *s = "1, 2.5,-3";
    size_t len = strlen(s), pos = 0;
    double v[3];
    checks++;
    if (vd_count_fields(s, len) != 3 || vd_count_fields("", 0) != 0
        || vd_count_fields(",", 1) != 2) {
        failures++;
        printf("FAIL vd_count_fields\n");
    }
    for (int i = 0; i < 3; i++) {
        checks++;
        if (vd_parse_next(s, len, &pos, &v[i]) != VD_PARSE_OK) {
            failures++;
            printf("FAIL vd_parse_next field %d\n", i);
        }
    }
    CHECK_EQ(v[0], 1.0);
    CHECK_EQ(v[1], 2.5);
    CHECK_EQ(v[2], -3.0);
    checks++;
    if (pos != len) {
        failures++;
        printf("FAIL vd_parse_next left pos at %zu, not %zu\n", pos, len);
    }

    /* Whitespace after a number, or no number: the field as a whole is read,
     * and pos still moves past its comma. */
    const char *t = "1 ,x1,2e,\t3\t";
    size_t t_len = strlen(t), t_pos = 0;
    double u[4] = {0.0, 0.0, 0.0, 0.0};
    int rc[4];
    size_t after[4];
    for (int i = 0; i < 4; i++) {
        rc[i] = vd_parse_next(t, t_len, &t_pos, &u[i]);
        after[i] = t_pos;
    }
    CHECK(rc[0] == VD_PARSE_OK && u[0] == 1.0 && after[0] == 3);
    CHECK(rc[1] == VD_PARSE_INVALID && after[1] == 6);
    CHECK(rc[2] == VD_PARSE_INVALID && after[2] == 9);
    CHECK(rc[3] == VD_PARSE_OK && u[3] == 3.0 && after[3] == t_len);
}

/* ---- random numbers against strtod ------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t
next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random double's bits, all of them fair: subnormals and the largest
 * exponents come up as often as any other. */
static double
random_double(void)
{
    uint64_t bits = next_random() & 0x7FEFFFFFFFFFFFFFu;   /* finite, positive */
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* Each family writes one number into buf (at most 900 bytes). */
static void
seventeen_digits(char *buf)
{
    /* "d.dddddddddddddddde±x": every exponent of the table and past both ends. */
    int n = sprintf(buf, "%c%d.", next_random() & 1 ? '-' : ' ', (int)(next_random() % 9) + 1);
    for (int k = 0; k < 16; k++) {
        buf[n++] = (char)('0' + next_random() % 10);
    }
    sprintf(buf + n, "e%d", (int)(next_random() % 700) - 360);
}

static void
any_length(char *buf)
{
    /* 1 to 40 digits, a point anywhere or none, an exponent or none. */
    int digits = (int)(next_random() % 40) + 1, point = (int)(next_random() % (digits + 2));
    int n = 0;
    for (int k = 0; k < digits; k++) {
        if (k == point) {
            buf[n++] = '.';
        }
        buf[n++] = (char)('0' + next_random() % 10);
    }
    buf[n] = '\0';
    if (next_random() & 1) {
        sprintf(buf + n, "e%d", (int)(next_random() % 740) - 370);
    }
}

static void
near_midpoint(char *buf)
{
    /* The midpoint between a random double and the next, written with 16 to
     * 19 digits (just above or below it), or exactly (a tie). long double
     * holds it exactly (64 or 113 bits), and glibc prints it exactly. */
    double x = random_double();
    long double mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2;
    int digits = next_random() % 16 == 0 ? 800 : 16 + (int)(next_random() % 4);
    sprintf(buf, "%.*Le", digits - 1, mid);
}

static void
printf_17g(char *buf)
{
    /* What clients send: a double with 17 significant digits (%.17g). */
    sprintf(buf, "%.17g", random_double());
}

/* Compare up to `count` numbers of one family with strtod, within about a
 * second of CPU time (the sanitizers and qemu run slower; the cases are the
 * same, only fewer). */
static void
compare_with_strtod(const char *family, void (*make)(char *), long count)
{
    char buf[1024];
    long done = 0, wrong = 0;
    clock_t stop = clock() + CLOCKS_PER_SEC;
    for (; done < count && (done % 4096 != 0 || clock() < stop); done++) {
        make(buf);
        double want = strtod(buf, NULL), got = -12345.0;
        int rc = vd_parse_number(buf, strlen(buf), &got);
        if (rc != VD_PARSE_OK || memcmp(&got, &want, sizeof got) != 0) {
            if (wrong++ < 5) {
                printf("FAIL %s: \"%.60s\": rc %d, got %a, strtod %a\n", family, buf, rc, got, want);
            }
        }
    }
    checks++;
    failures += wrong != 0;
    printf("  %s: %ld numbers, %ld differ from strtod\n", family, done, wrong);
}

static void
test_against_strtod(void)
{
    compare_with_strtod("17 digits, any exponent", seventeen_digits, 2000000);
    compare_with_strtod("1 to 40 digits", any_length, 2000000);
    compare_with_strtod("near a midpoint", near_midpoint, 1000000);
    compare_with_strtod("%.17g of any double", printf_17g, 2000000);
}

/* decimal.h's contract: undecided is an answer, never a wrong double. Its
 * one undecided case here: an exact tie the table's 10^-1 cannot settle. */
static void
test_decimal_undecided(void)
{
    double v = -1.0;
    CHECK(vd_decimal_to_double(45035996273704965u, -1, 0, &v) == 0 && v == -1.0);
    CHECK(vd_decimal_to_double(1, 0, 0, &v) == 1 && v == 1.0);
    /* Truncated: 10^18 + (0, 1) units stays 10^18; near a midpoint, undecided. */
    CHECK(vd_decimal_to_double(1000000000000000000u, 0, 1, &v) == 1 && v == 1e18);
    CHECK(vd_decimal_to_double(9007199254740993u, 0, 1, &v) == 0);
}

int
main(void)
{
    test_parse();
    test_fields();
    test_decimal_undecided();
    test_against_strtod();
    return report("test_parse");
}
