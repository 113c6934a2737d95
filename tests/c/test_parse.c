/* test_parse.c: the number parser (parse.h) tested from C alone, no Python.
 *
 * Every accepted form gives the double float() gives, written here as an
 * exact hex float; every form float() rejects is VD_PARSE_INVALID.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "check.h"
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
}

int
main(void)
{
    test_parse();
    test_fields();
    return report("test_parse");
}
