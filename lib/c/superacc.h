/* superacc.h: an exact accumulator for sums of float64 products (plain C).
 *
 * Each product of two doubles is an integer of at most 106 bits times a
 * power of two between 2^-2148 and 2^1942. The accumulator is a fixed-point
 * number of 136 digits of 32 bits, from 2^-2148 to 2^2204, so any sum of up
 * to 2^156 such products is held without loss; it is rounded once, at the
 * end. exact.c uses it when its fast certified path cannot vouch for the
 * result.
 */
#ifndef VECDOT_SUPERACC_H
#define VECDOT_SUPERACC_H

#include <stdint.h>

#define SA_BIAS 2148      /* digit 0, bit 0 weighs 2^-2148: the smallest product bit */
#define SA_DIGITS 136     /* 32-bit digits up to 2^2204: 2^2048 products, 2^156 of them */

typedef struct {
    int64_t d[SA_DIGITS];  /* value = sum d[j] * 2^(32j - SA_BIAS); carries are lazy */
    uint32_t pending;      /* products added since the last carry propagation */
    int nan, pos_inf, neg_inf;
} vd_superacc;

/* An empty accumulator (value 0). */
void vd_sa_init(vd_superacc *sa);

/* Add x * y exactly; inf and nan are recorded as IEEE would see them. */
void vd_sa_add_product(vd_superacc *sa, double x, double y);

/* Add src's value into dst, exactly (src is left normalized but unchanged
 * in value): sums of parts, each in its own accumulator, merge into the sum
 * of the whole, whatever the cut. */
void vd_sa_merge(vd_superacc *dst, vd_superacc *src);

/* The sum rounded once to the nearest double, ties to even: +-inf if that
 * overflows; nan if a product was nan or infinities of both signs met. */
double vd_sa_round(vd_superacc *sa);

#endif
