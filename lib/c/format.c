/* format.c: buffer formats to doubles, in plain C (see format.h).
 *
 * Items are read byte by byte with memcpy, so any alignment and either byte
 * order is legal C; the cost is per element, which is why dot() reads the
 * common case (native float64 and float32) in place instead.
 */
#include "format.h"

#include <stdint.h>
#include <string.h>

static int
host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

vd_format
vd_format_classify(const char *format, size_t itemsize)
{
    vd_format f = {VD_FORMAT_UNSUPPORTED, itemsize, 0};
    const char *code = format != NULL ? format : "B";
    if (*code == '@' || *code == '=') {
        code++;
    }
    else if (*code == '<' || *code == '>' || *code == '!') {
        f.swap = (*code == '<') != host_is_little_endian();
        code++;
    }
    if (code[0] == '\0' || code[1] != '\0'
        || (itemsize != 1 && itemsize != 2 && itemsize != 4 && itemsize != 8)) {
        return f;
    }
    switch (code[0]) {
    case 'd':
        f.kind = itemsize == 8 ? VD_FORMAT_FLOAT : VD_FORMAT_UNSUPPORTED;
        break;
    case 'f':
        f.kind = itemsize == 4 ? VD_FORMAT_FLOAT : VD_FORMAT_UNSUPPORTED;
        break;
    case 'b': case 'h': case 'i': case 'l': case 'q': case 'n':
        f.kind = VD_FORMAT_SIGNED;
        break;
    case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N':
        f.kind = VD_FORMAT_UNSIGNED;
        break;
    case '?':
        f.kind = VD_FORMAT_BOOL;
        break;
    default:
        break;
    }
    return f;
}

int
vd_format_in_place(vd_format f)
{
    return f.kind == VD_FORMAT_FLOAT && !f.swap;
}

double
vd_format_element(const char *p, vd_format f)
{
    /* The item's bytes in this host's order. */
    unsigned char bytes[8];
    for (size_t j = 0; j < f.size; j++) {
        bytes[j] = (unsigned char)p[f.swap ? f.size - 1 - j : j];
    }
    if (f.kind == VD_FORMAT_FLOAT) {
        if (f.size == 8) {
            double d;
            memcpy(&d, bytes, 8);
            return d;
        }
        float x;
        memcpy(&x, bytes, 4);
        return (double)x;
    }
    /* An integer of f.size bytes, assembled into 64 bits whatever the host. */
    int little = host_is_little_endian();
    uint64_t u = 0;
    for (size_t j = 0; j < f.size; j++) {
        u |= (uint64_t)bytes[j] << (8 * (little ? j : f.size - 1 - j));
    }
    if (f.kind == VD_FORMAT_BOOL) {
        return u != 0;
    }
    if (f.kind == VD_FORMAT_SIGNED && f.size < 8 && (u >> (8 * f.size - 1)) & 1) {
        u |= ~(uint64_t)0 << (8 * f.size);      /* sign-extend */
    }
    /* C's integer-to-double conversion rounds to nearest, ties to even:
     * the same as float(int). */
    return f.kind == VD_FORMAT_SIGNED ? (double)(int64_t)u : (double)u;
}

void
vd_format_read(const char *p, ptrdiff_t stride, size_t n, vd_format f, double *out)
{
    /* p + i * stride, never a step past the last item: for a negative
     * stride that would point before the buffer. */
    for (size_t i = 0; i < n; i++) {
        out[i] = vd_format_element(p + (ptrdiff_t)i * stride, f);
    }
}
