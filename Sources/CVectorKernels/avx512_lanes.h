// What the vector kernels of CVectorKernels share (internal, not part of the module): the
// function attributes that build a kernel for AVX-512 or for AVX2 + FMA, the mask of a row's last
// lanes, the vector width this CPU runs, and the run-time choice between a kernel's AVX-512, AVX2 and
// portable versions. Safe to include on any CPU: SAE_AVX512_BUILD is 1 where the vector versions
// are compiled (x86-64 with clang or GCC).
#ifndef SAE_NOTEBOOK_AVX512_LANES_H
#define SAE_NOTEBOOK_AVX512_LANES_H

#include <stddef.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SAE_AVX512_BUILD 1
#include <immintrin.h>

#define SAE_AVX512 __attribute__((target("avx512f")))
#define SAE_AVX2_FMA __attribute__((target("avx2,fma")))

// The widest of SAEKit's vector kernels this CPU runs: 512 (AVX-512F), 256 (AVX2 and FMA) or 0.
static inline int sae_vector_bits(void) {
  if (__builtin_cpu_supports("avx512f")) return 512;
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 256 : 0;
}

// The lanes 0 ..< n of a 16-lane mask (n ≥ 16: all of them).
static inline __mmask16 first_lanes(size_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

// The widest version of a kernel this CPU runs: `name_avx512`, `name_avx2` or `name_portable`
// (sae_vector_bits), so every exported kernel works on every CPU.
#define SAE_WIDEST(name) \
  (sae_vector_bits() == 512 ? name##_avx512 : sae_vector_bits() == 256 ? name##_avx2 : name##_portable)
#else
#define SAE_AVX512_BUILD 0
static inline int sae_vector_bits(void) { return 0; }
#define SAE_WIDEST(name) name##_portable
#endif

#endif
