/* parse.h: comma-separated numbers to float64, in plain C11 with no Python.
 *
 * vecdot.parse() uses this to turn "1.5,2,-3e4" into a float64 buffer at a
 * few nanoseconds per number. Each field is read exactly as Python's float()
 * reads an ASCII string, and gives the same double, bit for bit:
 *
 *   [whitespace] [+|-] (digits [. [digits]] | . digits) [(e|E) [+|-] digits] [whitespace]
 *   [whitespace] [+|-] (inf | infinity | nan) [whitespace]      (any case)
 *
 * where digits may hold single underscores between digits ("1_000").
 * Whitespace is " \t\n\v\f\r". Anything else is rejected here; the binding
 * then asks float() itself, so a rarer spelling float() accepts (Unicode
 * digits or spaces, say) still parses, only more slowly.
 */
#ifndef VECDOT_PARSE_H
#define VECDOT_PARSE_H

#include <stddef.h>

enum {
    VD_PARSE_OK = 0,
    VD_PARSE_INVALID = -1,   /* not a number in the syntax above */
    VD_PARSE_NOMEM = -2,     /* a very long number needed memory and got none */
};

/* Parse s[0:len] as one number into *out. */
int vd_parse_number(const char *s, size_t len, double *out);

/* Number of comma-separated fields in s[0:len]: commas + 1, or 0 when len is
 * 0 (so "" is an empty list, while "," is two empty, invalid, fields). */
size_t vd_count_fields(const char *s, size_t len);

/* Parse the field that starts at s[*pos] and runs to the next comma or the
 * end, move *pos past it (and its comma), and return as vd_parse_number. */
int vd_parse_next(const char *s, size_t len, size_t *pos, double *out);

#endif
