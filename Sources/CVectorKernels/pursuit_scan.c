// Matching pursuit's scans over a token's correlations with every atom (see ArgmaxMagnitude in
// SAEKit): the first index of the largest magnitude, and the Gram-matrix update `c ← c − a·g`
// fused with the next such search. The Swift loops they replace run 4 lanes wide and find the
// index in a second, scalar pass; here both passes run 16 lanes wide, and the second stops at
// the first lane holding the maximum. `c − a·g` is a rounded product and then a rounded
// difference (no fused multiply-add), as in Swift, so the correlations keep their bits; the
// maximum of magnitudes is exact in any order, so the index is the same. With AVX2 (no
// AVX-512) both passes run 8 lanes wide. SAEKit calls them on CPUs with either and keeps its
// Swift loops elsewhere; there these functions run their portable versions, one entry at a time
// (direct calls, the tests).
#include "vector_kernels.h"
#include "avx512_lanes.h"

#pragma STDC FP_CONTRACT OFF

// Every CPU: the same scans one entry at a time.
static size_t first_of_magnitude_portable(const float *p, size_t n, float magnitude) {
  for (size_t i = 0; i < n; i++)
    if (__builtin_fabsf(p[i]) == magnitude) return i;
  return 0;
}

static size_t argmax_magnitude_portable(const float *p, size_t n) {
  float best = 0;
  for (size_t i = 0; i < n; i++) best = __builtin_fabsf(p[i]) > best ? __builtin_fabsf(p[i]) : best;
  return first_of_magnitude_portable(p, n, best);
}

static size_t subtract_scaled_argmax_portable(float *c, float a, const float *g, size_t n) {
  float best = 0;
  for (size_t i = 0; i < n; i++) {
    float product = a * g[i];
    c[i] = c[i] - product;
    best = __builtin_fabsf(c[i]) > best ? __builtin_fabsf(c[i]) : best;
  }
  return first_of_magnitude_portable(c, n, best);
}

#if SAE_AVX512_BUILD

// The first i with |p[i]| == magnitude, or 0 when there is none.
SAE_AVX512 static size_t first_of_magnitude_avx512(const float *p, size_t n, float magnitude) {
  __m512 target = _mm512_set1_ps(magnitude);
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 lanes = first_lanes(n - i);
    __mmask16 hits = _mm512_mask_cmp_ps_mask(lanes, _mm512_abs_ps(_mm512_maskz_loadu_ps(lanes, p + i)), target, _CMP_EQ_OQ);
    if (hits) return i + (size_t)__builtin_ctz(hits);
  }
  return 0;
}

#include "isa_avx512.h"
#include "pursuit_steps.h"
#include "isa_end.h"

// After the whole steps, 16 lanes at a time (the last ones masked).
SAE_AVX512 static size_t argmax_magnitude_avx512(const float *p, size_t n) {
  __m512 m0 = _mm512_setzero_ps(), m1 = _mm512_setzero_ps();
  size_t i = magnitude_steps_avx512(p, n, &m0, &m1);
  for (; i < n; i += 16) m0 = _mm512_max_ps(_mm512_abs_ps(_mm512_maskz_loadu_ps(first_lanes(n - i), p + i)), m0);
  return first_of_magnitude_avx512(p, n, _mm512_reduce_max_ps(_mm512_max_ps(m0, m1)));
}

SAE_AVX512 static size_t subtract_scaled_argmax_avx512(float *c, float a, const float *g, size_t n) {
  __m512 scale = _mm512_set1_ps(a), m0 = _mm512_setzero_ps(), m1 = _mm512_setzero_ps();
  size_t i = subtract_steps_avx512(c, a, g, n, &m0, &m1);
  for (; i < n; i += 16) {
    __mmask16 lanes = first_lanes(n - i);
    __m512 v = _mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, c + i), _mm512_mul_ps(scale, _mm512_maskz_loadu_ps(lanes, g + i)));
    _mm512_mask_storeu_ps(c + i, lanes, v);
    m0 = _mm512_max_ps(_mm512_abs_ps(v), m0);  // lanes past n hold 0 − a·0 = ±0
  }
  return first_of_magnitude_avx512(c, n, _mm512_reduce_max_ps(_mm512_max_ps(m0, m1)));
}

// AVX2: the same scans 8 lanes wide (16 per step in two running maxima); the lanes past the
// last whole step run one at a time, as in the portable version.

SAE_AVX2_FMA static inline __m256 magnitudes_avx2(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

SAE_AVX2_FMA static inline float largest_lane_avx2(__m256 m) {
  float lanes[8], best = 0;
  _mm256_storeu_ps(lanes, m);
  for (int l = 0; l < 8; l++) best = lanes[l] > best ? lanes[l] : best;
  return best;
}

SAE_AVX2_FMA static size_t first_of_magnitude_avx2(const float *p, size_t n, float magnitude) {
  const __m256 target = _mm256_set1_ps(magnitude);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    int hits = _mm256_movemask_ps(_mm256_cmp_ps(magnitudes_avx2(_mm256_loadu_ps(p + i)), target, _CMP_EQ_OQ));
    if (hits) return i + (size_t)__builtin_ctz((unsigned)hits);
  }
  for (; i < n; i++)
    if (__builtin_fabsf(p[i]) == magnitude) return i;
  return 0;
}

#include "isa_avx2.h"
#include "pursuit_steps.h"
#include "isa_end.h"

SAE_AVX2_FMA static size_t argmax_magnitude_avx2(const float *p, size_t n) {
  __m256 m0 = _mm256_setzero_ps(), m1 = _mm256_setzero_ps();
  size_t i = magnitude_steps_avx2(p, n, &m0, &m1);
  float best = largest_lane_avx2(_mm256_max_ps(m0, m1));
  for (; i < n; i++) best = __builtin_fabsf(p[i]) > best ? __builtin_fabsf(p[i]) : best;
  return first_of_magnitude_avx2(p, n, best);
}

SAE_AVX2_FMA static size_t subtract_scaled_argmax_avx2(float *c, float a, const float *g, size_t n) {
  __m256 m0 = _mm256_setzero_ps(), m1 = _mm256_setzero_ps();
  size_t i = subtract_steps_avx2(c, a, g, n, &m0, &m1);
  float best = largest_lane_avx2(_mm256_max_ps(m0, m1));
  for (; i < n; i++) {
    float product = a * g[i];
    c[i] = c[i] - product;
    best = __builtin_fabsf(c[i]) > best ? __builtin_fabsf(c[i]) : best;
  }
  return first_of_magnitude_avx2(c, n, best);
}

#endif

size_t sae_argmax_magnitude(const float *p, size_t n) { return SAE_WIDEST(argmax_magnitude)(p, n); }

size_t sae_subtract_scaled_argmax(float *c, float a, const float *g, size_t n) {
  return SAE_WIDEST(subtract_scaled_argmax)(c, a, g, n);
}
