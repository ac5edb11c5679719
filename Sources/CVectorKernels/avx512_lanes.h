// What the AVX-512 kernels of CVectorKernels share (internal, not part of the module): the
// function attribute that builds a kernel for AVX-512, the mask of a row's last lanes, and the
// run-time choice between a kernel's AVX-512 and portable versions. Safe to include on any CPU:
// SAE_AVX512_BUILD is 1 where the AVX-512 versions are compiled (x86-64 with clang or GCC).
#ifndef SAE_NOTEBOOK_AVX512_LANES_H
#define SAE_NOTEBOOK_AVX512_LANES_H

#include <stddef.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SAE_AVX512_BUILD 1
#include <immintrin.h>

#define SAE_AVX512 __attribute__((target("avx512f")))

// The lanes 0 ..< n of a 16-lane mask (n ≥ 16: all of them).
static inline __mmask16 first_lanes(size_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

// `name_avx512` where this CPU runs AVX-512, otherwise `name_portable`: every exported kernel
// works on every CPU, although SAEKit calls only those that sae_avx512_available() promises fast.
#define SAE_AVX512_OR_PORTABLE(name) (__builtin_cpu_supports("avx512f") ? name##_avx512 : name##_portable)
#else
#define SAE_AVX512_BUILD 0
#define SAE_AVX512_OR_PORTABLE(name) name##_portable
#endif

#endif
