// The sparse outer-product accumulation of SAE training's backward pass, one latent's row of
// the gradient at a time (see SparseKernels.accumulateOuter in SAEKit): the gradient row stays
// in registers, a panel of eight vectors at a time (128 columns with AVX-512, 64 with AVX2 +
// FMA), while every entry of the latent adds its scaled input row, where a BLAS `saxpy` per
// entry loads and stores the gradient row once per entry and pays a call each time. Each
// element is rounded as OpenBLAS's `saxpy` kernel for the same CPU rounds it, in entry order,
// so the bits are the same (tested against `cblas_saxpy`): `g = fma(a, y, g)` with AVX-512 and
// in the portable version, and with AVX2 as described at accumulate_rows_avx2. SAEKit keeps
// the `saxpy` loop on CPUs with neither instruction set, where this function runs its portable
// version, one entry at a time (direct calls, the tests).
#include "vector_kernels.h"
#include "avx512_lanes.h"

#include <math.h>

#pragma STDC FP_CONTRACT OFF

static void accumulate_rows_portable(float *g, size_t d, const float *y, const int32_t *rows, const int32_t *entries,
                                     const float *coefficients, size_t n) {
  for (size_t t = 0; t < n; t++) {
    float a = entries ? coefficients[entries[t]] : coefficients[t];
    if (a == 0) continue;
    const float *src = y + (size_t)rows[t] * d;
    for (size_t i = 0; i < d; i++) g[i] = fmaf(a, src[i], g[i]);
  }
}


#if SAE_AVX512_BUILD

// The main loop for each instruction set: accumulate_panels_avx512 (128-column panels) and
// accumulate_panels_avx2 (64 columns).
#include "isa_avx512.h"
#include "accumulate_panels.h"
#include "isa_end.h"
#include "isa_avx2.h"
#include "accumulate_panels.h"
#include "isa_end.h"

SAE_AVX512 static void accumulate_rows_avx512(float *g, size_t d, const float *y, const int32_t *rows,
                                              const int32_t *entries, const float *coefficients, size_t n) {
  size_t i0 = accumulate_panels_avx512(g, d, d, y, rows, entries, coefficients, n);
  // The rest, 16 columns (the last ones masked) at a time.
  for (; i0 < d; i0 += 16) {
    const __mmask16 lanes = first_lanes(d - i0);
    __m512 acc = _mm512_maskz_loadu_ps(lanes, g + i0);
    for (size_t t = 0; t < n; t++) {
      float a = entries ? coefficients[entries[t]] : coefficients[t];
      if (a == 0) continue;
      acc = _mm512_fmadd_ps(_mm512_set1_ps(a), _mm512_maskz_loadu_ps(lanes, y + (size_t)rows[t] * d + i0), acc);
    }
    _mm512_mask_storeu_ps(g + i0, lanes, acc);
  }
}

// AVX2 + FMA rounds as OpenBLAS's Haswell/Zen `saxpy` does (measured against it, see the
// tests): a fused multiply-add for the first ⌊d/32⌋·32 columns, its 32-wide vector loop, and a
// rounded product, then a rounded sum, for the rest, its scalar tail. (Its AVX-512 kernel fuses
// every element.)
SAE_AVX2_FMA static void accumulate_rows_avx2(float *g, size_t d, const float *y, const int32_t *rows,
                                              const int32_t *entries, const float *coefficients, size_t n) {
  const size_t fused_end = d & ~(size_t)31;
  size_t i0 = accumulate_panels_avx2(g, d, fused_end, y, rows, entries, coefficients, n);
  // The rest, 8 columns (the last ones masked) at a time; each group lies wholly before or
  // after fused_end (a multiple of 32).
  for (; i0 < d; i0 += 8) {
    const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(d - i0 < 8 ? d - i0 : 8)),
                                             _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const int fused = i0 < fused_end;
    __m256 acc = _mm256_maskload_ps(g + i0, lanes);
    for (size_t t = 0; t < n; t++) {
      float a = entries ? coefficients[entries[t]] : coefficients[t];
      if (a == 0) continue;
      const __m256 s = _mm256_set1_ps(a), v = _mm256_maskload_ps(y + (size_t)rows[t] * d + i0, lanes);
      acc = fused ? _mm256_fmadd_ps(s, v, acc) : _mm256_add_ps(acc, _mm256_mul_ps(s, v));
    }
    _mm256_maskstore_ps(g + i0, lanes, acc);
  }
}

#endif

void sae_accumulate_rows(float *g, size_t d, const float *y, const int32_t *rows, const int32_t *entries,
                         const float *coefficients, size_t n) {
  SAE_WIDEST(accumulate_rows)(g, d, y, rows, entries, coefficients, n);
}
