// The sparse outer-product accumulation of SAE training's backward pass, one latent's row of
// the gradient at a time (see SparseKernels.accumulateOuter in SAEKit): the gradient row stays
// in registers, 128 floats at a time, while every entry of the latent adds its scaled input row,
// where a BLAS `saxpy` per entry loads and stores the gradient row once per entry and pays a
// call each time. Every element is `g = fma(a, y, g)` in entry order, which is what OpenBLAS's
// AVX-512 and AVX2 `saxpy` kernels compute, so the bits are the same (tested against
// `cblas_saxpy`). AVX-512 only; SAEKit keeps the `saxpy` loop on every other CPU.
#include "vector_kernels.h"

#include <math.h>

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "avx512_lanes.h"

SAE_AVX512 void sae_accumulate_rows(float *g, size_t d, const float *y, const int32_t *rows, const int32_t *entries,
                                    const float *coefficients, size_t n) {
  size_t i0 = 0;
  // Whole panels of 128 columns: eight accumulators over every entry.
  for (; i0 + 128 <= d; i0 += 128) {
    __m512 a0 = _mm512_loadu_ps(g + i0), a1 = _mm512_loadu_ps(g + i0 + 16);
    __m512 a2 = _mm512_loadu_ps(g + i0 + 32), a3 = _mm512_loadu_ps(g + i0 + 48);
    __m512 a4 = _mm512_loadu_ps(g + i0 + 64), a5 = _mm512_loadu_ps(g + i0 + 80);
    __m512 a6 = _mm512_loadu_ps(g + i0 + 96), a7 = _mm512_loadu_ps(g + i0 + 112);
    for (size_t t = 0; t < n; t++) {
      float a = entries ? coefficients[entries[t]] : coefficients[t];
      if (a == 0) continue;  // as the saxpy loop: a zero coefficient adds nothing (not even 0·∞)
      const __m512 s = _mm512_set1_ps(a);
      const float *src = y + (size_t)rows[t] * d + i0;
      a0 = _mm512_fmadd_ps(s, _mm512_loadu_ps(src), a0);
      a1 = _mm512_fmadd_ps(s, _mm512_loadu_ps(src + 16), a1);
      a2 = _mm512_fmadd_ps(s, _mm512_loadu_ps(src + 32), a2);
      a3 = _mm512_fmadd_ps(s, _mm512_loadu_ps(src + 48), a3);
      a4 = _mm512_fmadd_ps(s, _mm512_loadu_ps(src + 64), a4);
      a5 = _mm512_fmadd_ps(s, _mm512_loadu_ps(src + 80), a5);
      a6 = _mm512_fmadd_ps(s, _mm512_loadu_ps(src + 96), a6);
      a7 = _mm512_fmadd_ps(s, _mm512_loadu_ps(src + 112), a7);
    }
    _mm512_storeu_ps(g + i0, a0), _mm512_storeu_ps(g + i0 + 16, a1);
    _mm512_storeu_ps(g + i0 + 32, a2), _mm512_storeu_ps(g + i0 + 48, a3);
    _mm512_storeu_ps(g + i0 + 64, a4), _mm512_storeu_ps(g + i0 + 80, a5);
    _mm512_storeu_ps(g + i0 + 96, a6), _mm512_storeu_ps(g + i0 + 112, a7);
  }
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

#else

void sae_accumulate_rows(float *g, size_t d, const float *y, const int32_t *rows, const int32_t *entries,
                         const float *coefficients, size_t n) {
  for (size_t t = 0; t < n; t++) {
    float a = entries ? coefficients[entries[t]] : coefficients[t];
    if (a == 0) continue;
    const float *src = y + (size_t)rows[t] * d;
    for (size_t i = 0; i < d; i++) g[i] = fmaf(a, src[i], g[i]);
  }
}

#endif
