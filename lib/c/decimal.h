/* decimal.h: a decimal significand and exponent to the nearest double, fast.
 *
 * parse.c reads the syntax and hands over up to 19 significant digits as an
 * integer w and a power of ten; this rounds w * 10^exp10 to the nearest
 * double (ties to even), as float() does, in a few nanoseconds. In the rare
 * cases its 128-bit arithmetic cannot decide, it says so, and the caller asks
 * an exact method (parse.c: strtod).
 */
#ifndef VECDOT_DECIMAL_H
#define VECDOT_DECIMAL_H

#include <stdint.h>

/* Round w * 10^exp10 to the nearest double into *out and return 1, or return
 * 0 (and leave *out alone) when undecided. With truncated set, the value is
 * instead some number strictly between w * 10^exp10 and (w + 1) * 10^exp10
 * (digits after the 19th were dropped, not all zero); 0 < w < 10^19 then. */
int vd_decimal_to_double(uint64_t w, long long exp10, int truncated, double *out);

#endif
