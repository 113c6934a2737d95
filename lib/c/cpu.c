/* cpu.c: asks the CPU and the OS once which SIMD path to take (cpu.h). */
#include "cpu.h"
#include "thread.h"

#if defined(VD_CPU_X86) && defined(_MSC_VER)
#  include <intrin.h>
#elif defined(VD_CPU_X86)
#  include <cpuid.h>
#endif

#ifdef VD_CPU_X86
/* cpuid leaf `leaf`, subleaf `sub`: eax, ebx, ecx, edx. */
static void
cpuid(unsigned leaf, unsigned sub, unsigned r[4])
{
#  ifdef _MSC_VER
    int x[4];
    __cpuidex(x, (int)leaf, (int)sub);
    for (int i = 0; i < 4; i++) {
        r[i] = (unsigned)x[i];
    }
#  else
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#  endif
}

/* XCR0: which register state the OS saves. Only call it when cpuid says
 * OSXSAVE, or the instruction faults. */
static unsigned long long
xcr0(void)
{
#  ifdef _MSC_VER
    return _xgetbv(0);
#  else
    /* The mnemonic, not _xgetbv(): that needs -mxsave for the whole file. */
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (unsigned long long)hi << 32 | lo;
#  endif
}

static vd_cpu_level
detect(void)
{
    unsigned r[4];
    cpuid(0, 0, r);
    if (r[0] < 7) {
        return VD_CPU_BASELINE;                     /* no leaf 7: no AVX2 */
    }
    cpuid(1, 0, r);
    int fma = r[2] >> 12 & 1, osxsave = r[2] >> 27 & 1, avx = r[2] >> 28 & 1;
    /* A CPU with AVX under an OS that does not save ymm (or that turned
     * it off) would corrupt the registers at the first context switch. */
    if (!osxsave || !avx || (xcr0() & 0x6) != 0x6) {  /* xmm and ymm state */
        return VD_CPU_BASELINE;
    }
    cpuid(7, 0, r);
    int avx2 = r[1] >> 5 & 1, avx512f = r[1] >> 16 & 1;
    if (!avx2 || !fma) {
        return VD_CPU_BASELINE;
    }
    /* Opmask, the upper halves of zmm0-15, and zmm16-31. */
    if (avx512f && (xcr0() & 0xe0) == 0xe0) {
        return VD_CPU_AVX512;
    }
    return VD_CPU_AVX2;
}
#else
static vd_cpu_level
detect(void)
{
    return VD_CPU_BASELINE;
}
#endif

/* What detect() found; set once under `found`. A forced level is written
 * here too, before the calls that are to use it. */
static vd_cpu_level supported, level;

static void
find(void)
{
    supported = detect();
    level = supported;
}

#ifdef VD_HAVE_THREADS
static vd_once_flag found = VD_ONCE_INIT;

static void
find_once(void)
{
    vd_once(&found, find);
}
#else
static void
find_once(void)
{
    static int done;
    if (!done) {
        find();
        done = 1;
    }
}
#endif

#if defined(__GNUC__) || defined(__clang__)
/* Ask as the program or the extension loads, before any of its threads can
 * call in. vd_once alone would be correct, but helgrind does not model
 * pthread_once and reports its first callers as racing (test_dispatch.c). */
__attribute__((constructor)) static void
find_at_load(void)
{
    find_once();
}
#endif

vd_cpu_level
vd_cpu(void)
{
    find_once();
    return level;
}

int
vd_cpu_force(vd_cpu_level want)
{
    find_once();
    if (want > supported) {
        return -1;
    }
    level = want;
    return 0;
}
