// What the AVX-512 kernels of CVectorKernels share (internal, not part of the module): the
// function attribute that builds a kernel for AVX-512 and the mask of a row's last lanes. Each
// includer is built for x86-64 with clang or GCC (it checks before including).
#ifndef SAE_NOTEBOOK_AVX512_LANES_H
#define SAE_NOTEBOOK_AVX512_LANES_H

#include <immintrin.h>
#include <stddef.h>

#define SAE_AVX512 __attribute__((target("avx512f")))

// The lanes 0 ..< n of a 16-lane mask (n ≥ 16: all of them).
static inline __mmask16 first_lanes(size_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

#endif
