/* test_format.c: the binding's plain-C helpers (format.h, doubles.h), from C.
 *
 * Which buffer formats dot() reads and what each element is worth, in
 * both byte orders; and the growable array of doubles that holds converted
 * values, which must keep its values and its block whatever it is asked.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "doubles.h"
#include "format.h"

/* ---- classifying formats ------------------------------------------------- */

static int
host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static void
test_classify(void)
{
    /* (format, item size, kind) */
    static const struct {
        const char *format;
        size_t itemsize;
        vd_format_kind kind;
    } cases[] = {
        /* floats: only 'd' of 8 and 'f' of 4 bytes */
        {"d", 8, VD_FORMAT_FLOAT}, {"f", 4, VD_FORMAT_FLOAT}, {"<d", 8, VD_FORMAT_FLOAT},
        {">f", 4, VD_FORMAT_FLOAT}, {"=d", 8, VD_FORMAT_FLOAT}, {"@f", 4, VD_FORMAT_FLOAT},
        {"!d", 8, VD_FORMAT_FLOAT},
        {"d", 4, VD_FORMAT_UNSUPPORTED}, {"f", 8, VD_FORMAT_UNSUPPORTED},
        /* integers and bools, any of the four sizes */
        {"b", 1, VD_FORMAT_SIGNED}, {"h", 2, VD_FORMAT_SIGNED}, {"i", 4, VD_FORMAT_SIGNED},
        {"l", 8, VD_FORMAT_SIGNED}, {"<q", 8, VD_FORMAT_SIGNED}, {"n", 8, VD_FORMAT_SIGNED},
        {"B", 1, VD_FORMAT_UNSIGNED}, {">H", 2, VD_FORMAT_UNSIGNED}, {"I", 4, VD_FORMAT_UNSIGNED},
        {"L", 8, VD_FORMAT_UNSIGNED}, {"Q", 8, VD_FORMAT_UNSIGNED}, {"N", 8, VD_FORMAT_UNSIGNED},
        {"?", 1, VD_FORMAT_BOOL},
        {NULL, 1, VD_FORMAT_UNSIGNED},              /* no format: bytes */
        /* everything else */
        {"e", 2, VD_FORMAT_UNSUPPORTED}, {"g", 16, VD_FORMAT_UNSUPPORTED},
        {"Zd", 16, VD_FORMAT_UNSUPPORTED}, {"c", 1, VD_FORMAT_UNSUPPORTED},
        {"", 1, VD_FORMAT_UNSUPPORTED}, {"<", 1, VD_FORMAT_UNSUPPORTED},
        {"bb", 2, VD_FORMAT_UNSUPPORTED}, {"T{b:x:}", 1, VD_FORMAT_UNSUPPORTED},
        {"2d", 16, VD_FORMAT_UNSUPPORTED}, {"O", 8, VD_FORMAT_UNSUPPORTED},
        {"q", 16, VD_FORMAT_UNSUPPORTED}, {"b", 3, VD_FORMAT_UNSUPPORTED},
        {"i", 0, VD_FORMAT_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        vd_format f = vd_format_classify(cases[i].format, cases[i].itemsize);
        checks++;
        if (f.kind != cases[i].kind) {
            failures++;
            printf("FAIL classify '%s' of %zu bytes: kind %d, want %d\n",
                   cases[i].format ? cases[i].format : "(null)", cases[i].itemsize,
                   (int)f.kind, (int)cases[i].kind);
        }
    }
    /* Byte order: '<' swaps on a big-endian host, '>' and '!' on a little-endian one. */
    int little = host_is_little_endian();
    CHECK(vd_format_classify("<d", 8).swap == !little);
    CHECK(vd_format_classify(">d", 8).swap == little);
    CHECK(vd_format_classify("!i", 4).swap == little);
    CHECK(!vd_format_classify("=d", 8).swap && !vd_format_classify("d", 8).swap);
    CHECK(vd_format_in_place(vd_format_classify("d", 8)));
    CHECK(vd_format_in_place(vd_format_classify("f", 4)));
    CHECK(!vd_format_in_place(vd_format_classify(little ? ">d" : "<d", 8)));
    CHECK(!vd_format_in_place(vd_format_classify("q", 8)));
}

/* ---- reading elements ------------------------------------------------------ */

/* The element stored as `bytes` (little-endian order in the table) read
 * through a format of that byte order, and through the big-endian one with
 * the bytes reversed: both must give want. */
static void
check_element(const char *code, const unsigned char *le, size_t size, double want)
{
    char little_format[3] = {'<', code[0], '\0'}, big_format[3] = {'>', code[0], '\0'};
    unsigned char be[8];
    for (size_t j = 0; j < size; j++) {
        be[j] = le[size - 1 - j];
    }
    CHECK_EQ(vd_format_element((const char *)le, vd_format_classify(little_format, size)), want);
    CHECK_EQ(vd_format_element((const char *)be, vd_format_classify(big_format, size)), want);
}

static void
test_elements(void)
{
    static const unsigned char minus_one[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const unsigned char two_56[8] = {0, 0, 0, 0, 0, 0, 0, 1};      /* 2^56 */
    static const unsigned char odd_64[8] = {1, 0, 0, 0, 0, 0, 0x20, 0};   /* 2^53 + 1 */
    static const unsigned char max_u64[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const unsigned char min_i16[2] = {0x00, 0x80};
    static const unsigned char two[1] = {2};
    check_element("b", minus_one, 1, -1.0);         /* sign-extended */
    check_element("B", minus_one, 1, 255.0);
    check_element("h", minus_one, 2, -1.0);
    check_element("H", minus_one, 2, 65535.0);
    check_element("h", min_i16, 2, -32768.0);
    check_element("i", minus_one, 4, -1.0);
    check_element("I", minus_one, 4, 4294967295.0);
    check_element("q", minus_one, 8, -1.0);
    check_element("Q", max_u64, 8, 0x1p64);         /* 2^64 - 1 rounds up */
    check_element("q", two_56, 8, 0x1p56);
    check_element("q", odd_64, 8, 0x1p53);          /* a tie: to even, as float(int) */
    check_element("?", two, 1, 1.0);                /* any nonzero byte is True */

    double d = -2.5;
    float f = 0.1f;
    unsigned char dbytes[8], fbytes[4];
    memcpy(dbytes, &d, 8);
    memcpy(fbytes, &f, 4);
    CHECK_EQ(vd_format_element((const char *)dbytes, vd_format_classify("d", 8)), -2.5);
    CHECK_EQ(vd_format_element((const char *)fbytes, vd_format_classify("f", 4)), (double)0.1f);

    /* A strided read, backwards: every other int16, last first. */
    int16_t values[6] = {1, -100, 2, -200, 3, -300};
    double out[3];
    vd_format_read((const char *)&values[4], -2 * (ptrdiff_t)sizeof(int16_t), 3,
                   vd_format_classify("h", 2), out);
    CHECK_EQ(out[0], 3.0);
    CHECK_EQ(out[1], 2.0);
    CHECK_EQ(out[2], 1.0);
}

/* ---- the growable array ---------------------------------------------------- */

static int reallocs;

static void *
counting_realloc(void *p, size_t size)
{
    reallocs++;
    return realloc(p, size);
}

static void *
failing_realloc(void *p, size_t size)
{
    (void)p, (void)size;
    return NULL;
}

static void
test_doubles(void)
{
    vd_doubles d;
    vd_doubles_init(&d, counting_realloc, free);
    CHECK(d.capacity == VD_DOUBLES_INLINE && vd_doubles_reserve(&d, 3) == 0 && reallocs == 0);
    for (int i = 0; i < 3; i++) {
        d.data[i] = i;
    }
    /* Past the inline room: a block, holding the values so far. */
    CHECK(vd_doubles_reserve(&d, 100) == 0 && reallocs == 1 && d.capacity == 100);
    CHECK(d.data[0] == 0 && d.data[1] == 1 && d.data[2] == 2);
    for (int i = 0; i < 100; i++) {
        d.data[i] = 2 * i;
    }
    /* Asking for less never shrinks nor drops the block (it did: a request
     * for up to 16 pointed data back inside, losing the values and leaking
     * the block). */
    double *block = d.data;
    CHECK(vd_doubles_reserve(&d, 10) == 0 && d.data == block && d.capacity == 100);
    CHECK(vd_doubles_reserve(&d, 100) == 0 && d.data == block && reallocs == 1);
    CHECK(d.data[99] == 198 && d.data[5] == 10);
    /* Sizes whose bytes do not fit PTRDIFF_MAX fail before any allocation. */
    CHECK(vd_doubles_reserve(&d, (size_t)PTRDIFF_MAX / sizeof(double) + 1) == -1);
    CHECK(vd_doubles_reserve(&d, SIZE_MAX) == -1);
    CHECK(vd_doubles_reserve(&d, SIZE_MAX / 2 + 1) == -1);      /* * 8 would wrap */
    CHECK(reallocs == 1 && d.data == block && d.capacity == 100);
    vd_doubles_free(&d);
    CHECK(d.data == d.inline_values && d.capacity == VD_DOUBLES_INLINE);

    /* An allocator that fails leaves the array as it was. */
    vd_doubles_init(&d, failing_realloc, free);
    d.data[0] = 7.0;
    CHECK(vd_doubles_reserve(&d, 1000) == -1);
    CHECK(d.data == d.inline_values && d.capacity == VD_DOUBLES_INLINE && d.data[0] == 7.0);
    vd_doubles_free(&d);
}

int
main(void)
{
    test_classify();
    test_elements();
    test_doubles();
    return report("test_format");
}
