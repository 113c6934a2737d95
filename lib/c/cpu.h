/* cpu.h: which SIMD path the kernels take on this machine, found once.
 *
 * dot.c and exact.c each have a baseline path, built for what every CPU of
 * the target has (SSE2 on x86-64, NEON on arm64), and on x86-64 copies for
 * wider instructions. vd_cpu() names the widest path both the CPU and the
 * operating system support: cpuid says what the CPU has, xgetbv whether the
 * OS saves the wide registers on a context switch. It asks once per process
 * and is safe to call from any thread. Every path gives the same bits: the
 * copies only do more lanes per instruction, and -ffp-contract=off (or
 * MSVC's default /fp:precise) keeps any a*b+c from becoming an FMA.
 */
#ifndef VECDOT_CPU_H
#define VECDOT_CPU_H

typedef enum {
    VD_CPU_BASELINE,    /* the build's own target: nothing asked of the CPU */
    VD_CPU_AVX2,        /* AVX2 and FMA, ymm state saved by the OS */
    VD_CPU_AVX512,      /* AVX-512F as well, zmm and opmask state saved */
} vd_cpu_level;

/* The path the kernels take. */
vd_cpu_level vd_cpu(void);

/* For tests: take `level` from now on. Returns 0, or -1 (and changes
 * nothing) when this CPU or this build lacks it. Call it only while no
 * kernel runs; a helper thread sees it through the pool's lock. */
int vd_cpu_force(vd_cpu_level level);

/* x86-64 with a compiler that can ask the CPU: GCC and clang (<cpuid.h>),
 * MSVC (<intrin.h>). Elsewhere vd_cpu() is always VD_CPU_BASELINE. */
#if (defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))) \
    || (defined(_MSC_VER) && defined(_M_X64))
#  define VD_CPU_X86 1
#endif

/* VD_TARGET(isa) builds one function for a wider instruction set; a
 * VD_ALWAYS_INLINE loop called from it is compiled, and vectorized, for
 * that set. GCC and clang do this; MSVC cannot (its instruction set is
 * per file, /arch), but it accepts any intrinsic in any function, so
 * there VD_TARGET is empty and only intrinsic code gains from it. */
#if defined(__GNUC__) || defined(__clang__)
#  define VD_TARGET(isa) __attribute__((target(isa)))
#  define VD_TARGET_VECTORIZES 1
#  define VD_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#  define VD_TARGET(isa)
#  define VD_ALWAYS_INLINE inline
#endif

#endif
