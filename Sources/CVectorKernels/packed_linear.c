// Products on column-packed right-hand sides (see include/vector_kernels.h): the linear layer
// y = x·Wᵀ + b (+ r) (+ GELU) on weights packed once, and one sequence's multi-head attention,
// whose K and V are packed per head on the fly.
//
// Panel p holds output features 32p ..< 32p+32 (zero beyond `out`), feature-fastest for each k:
// packed[(p·in + k)·32 + j] = W[32p + j][k]. A 12 × 32 tile of y lives in 24 AVX-512
// accumulators; each k step loads two vectors of the panel and broadcasts one x per row. Panels
// are the outer loop, so a panel (32·in floats) stays in L1/L2 while every row passes through it.
// Each y element is (r + b) + Σ, Σ = Σₖ x[i][k]·W[j][k] summed by fused multiply-adds in k order
// in blocks of 128 steps whose sums are added in order, so the result does not depend on how
// rows are grouped into calls.
//
// Unlike vector_kernels.c, this file lets the compiler contract a·b + c into fused multiply-adds
// (it is built for AVX-512 only, so there is no other clone to agree with): the fused GELU
// evaluates Φ with them, about twice as fast as sae_gelu and at least as accurate.
#include "vector_kernels.h"

#pragma STDC FP_CONTRACT ON

#include "scalar_math.h"

enum { panel_width = 32, tile_rows = 12, k_block = 128 };

size_t sae_packed_weight_count(size_t out, size_t in) {
  return (out + panel_width - 1) / panel_width * panel_width * in;
}

// W (out × in) into panels, W[o][k] = w[o·out_step + k·in_step]: a row-major weight has steps
// (in, 1); W = Vᵀ for a row-major V (in × out, rows `ldv` apart) has steps (1, ldv).
static void pack(const float *w, size_t out_step, size_t in_step, size_t out, size_t in, float *packed) {
  size_t panels = (out + panel_width - 1) / panel_width;
  for (size_t p = 0; p < panels; p++)
    for (size_t k = 0; k < in; k++)
      for (size_t j = 0; j < panel_width; j++) {
        size_t o = p * panel_width + j;
        packed[(p * in + k) * panel_width + j] = o < out ? w[o * out_step + k * in_step] : 0.0f;
      }
}

void sae_pack_weight(const float *w, size_t out, size_t in, float *packed) { pack(w, in, 1, out, in, packed); }

size_t sae_attention_scratch_count(size_t length, size_t head_size) {
  return length * length + sae_packed_weight_count(length, head_size) + sae_packed_weight_count(head_size, length);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

int sae_packed_linear_available(void) { return __builtin_cpu_supports("avx512f"); }

#define SAE_AVX512 __attribute__((target("avx512f")))

// One product y = scale·(x·Wᵀ) + b + r (then GELU): x is rows × in with rows `ldx` apart, W is
// packed, y and the residual have rows `ldy` apart; bias and residual may be NULL.
typedef struct {
  const float *x;
  size_t ldx, in, out;
  const float *packed;
  float scale;
  const float *bias, *residual;
  int gelu;
  float *y;
  size_t ldy;
} product;

// y[0..rows) × [0..32) (masks m0, m1 select the valid columns) for `rows ≤ tile_rows` rows at x.
SAE_AVX512 __attribute__((always_inline)) static inline void tile(
    int rows, const product *q, const float *x, const float *panel, float *y, const float *bias,
    const float *residual, __mmask16 m0, __mmask16 m1) {
  size_t in = q->in, ldx = q->ldx, ldy = q->ldy;
  // Σ over blocks of k_block steps: each block's FMA chain starts at zero and is then added to
  // the running total (fewer rounding steps in a row than one chain over all of `in`).
  __m512 total_lo[tile_rows], total_hi[tile_rows];
  _Pragma("unroll") for (int r = 0; r < rows; r++) total_lo[r] = total_hi[r] = _mm512_setzero_ps();
  for (size_t start = 0; start < in; start += k_block) {
    size_t end = in - start < k_block ? in : start + k_block;
    __m512 lo[tile_rows], hi[tile_rows];
    _Pragma("unroll") for (int r = 0; r < rows; r++) lo[r] = hi[r] = _mm512_setzero_ps();
    for (size_t k = start; k < end; k++) {
      __m512 w0 = _mm512_loadu_ps(panel + k * panel_width), w1 = _mm512_loadu_ps(panel + k * panel_width + 16);
      _Pragma("unroll") for (int r = 0; r < rows; r++) {
        __m512 xv = _mm512_set1_ps(x[r * ldx + k]);
        lo[r] = _mm512_fmadd_ps(xv, w0, lo[r]);
        hi[r] = _mm512_fmadd_ps(xv, w1, hi[r]);
      }
    }
    _Pragma("unroll") for (int r = 0; r < rows; r++) {
      total_lo[r] = _mm512_add_ps(total_lo[r], lo[r]);
      total_hi[r] = _mm512_add_ps(total_hi[r], hi[r]);
    }
  }
  __m512 b0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
  __m512 b1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
  __m512 scale = _mm512_set1_ps(q->scale);
  _Pragma("unroll") for (int r = 0; r < rows; r++) {
    float *row = y + r * ldy;
    __m512 c0 = b0, c1 = b1;
    if (residual) {
      c0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, residual + r * ldy), b0);
      c1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, residual + r * ldy + 16), b1);
    }
    if (q->scale != 1.0f) {
      total_lo[r] = _mm512_mul_ps(total_lo[r], scale);
      total_hi[r] = _mm512_mul_ps(total_hi[r], scale);
    }
    _mm512_mask_storeu_ps(row, m0, _mm512_add_ps(c0, total_lo[r]));
    _mm512_mask_storeu_ps(row + 16, m1, _mm512_add_ps(c1, total_hi[r]));
  }
  if (q->gelu) {
    int width = __builtin_popcount(m0) + __builtin_popcount(m1);
    for (int r = 0; r < rows; r++) {
      float *row = y + r * ldy;
      for (int j = 0; j < width; j++) row[j] = row[j] * normal_cdf(row[j]);
    }
  }
}

SAE_AVX512 static void run(const product *q, size_t rows) {
  size_t panels = (q->out + panel_width - 1) / panel_width;
  for (size_t p = 0; p < panels; p++) {
    size_t j0 = p * panel_width, width = q->out - j0 < panel_width ? q->out - j0 : panel_width;
    __mmask16 m0 = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
    __mmask16 m1 = width >= 32 ? 0xFFFF : width <= 16 ? 0 : (__mmask16)((1u << (width - 16)) - 1);
    const float *panel = q->packed + p * q->in * panel_width;
    size_t i = 0;
#define SAE_TILE(n) tile(n, q, q->x + i * q->ldx, panel, q->y + i * q->ldy + j0, q->bias ? q->bias + j0 : NULL, \
                         q->residual ? q->residual + i * q->ldy + j0 : NULL, m0, m1)
    for (; i + tile_rows <= rows; i += tile_rows) SAE_TILE(tile_rows);
    switch (rows - i) {
      case 1: SAE_TILE(1); break;
      case 2: SAE_TILE(2); break;
      case 3: SAE_TILE(3); break;
      case 4: SAE_TILE(4); break;
      case 5: SAE_TILE(5); break;
      case 6: SAE_TILE(6); break;
      case 7: SAE_TILE(7); break;
      case 8: SAE_TILE(8); break;
      case 9: SAE_TILE(9); break;
      case 10: SAE_TILE(10); break;
      case 11: SAE_TILE(11); break;
      default: break;
    }
#undef SAE_TILE
  }
}

SAE_AVX512 void sae_packed_linear(const float *x, size_t rows, size_t in, const float *packed, size_t out,
                                  const float *bias, const float *residual, int gelu, float *y) {
  product q = {x, in, in, out, packed, 1.0f, bias, residual, gelu, y, out};
  run(&q, rows);
}

SAE_AVX512 void sae_attention(const float *qkv, size_t length, size_t d, size_t heads, float *context, float *scratch) {
  size_t s = d / heads, stride = 3 * d;
  float *scores = scratch, *keys = scores + length * length, *values = keys + sae_packed_weight_count(length, s);
  for (size_t h = 0; h < heads; h++) {
    const float *q = qkv + h * s, *k = q + d, *v = q + 2 * d;
    pack(k, stride, 1, length, s, keys);  // scores = Q·Kᵀ: K is the "weight" (length × s)
    product qk = {q, stride, s, length, keys, 1.0f / __builtin_sqrtf((float)s), NULL, NULL, 0, scores, length};
    run(&qk, length);
    sae_softmax_rows(scores, length, length);
    pack(v, 1, stride, s, length, values);  // context = P·V: the "weight" is Vᵀ (s × length)
    product pv = {scores, length, length, s, values, 1.0f, NULL, NULL, 0, context + h * s, d};
    run(&pv, length);
  }
}

#else
int sae_packed_linear_available(void) { return 0; }

void sae_packed_linear(const float *x, size_t rows, size_t in, const float *packed, size_t out,
                       const float *bias, const float *residual, int gelu, float *y) {
  (void)x; (void)rows; (void)in; (void)packed; (void)out; (void)bias; (void)residual; (void)gelu; (void)y;
  __builtin_trap();  // callers check sae_packed_linear_available() first
}

void sae_attention(const float *qkv, size_t length, size_t d, size_t heads, float *context, float *scratch) {
  (void)qkv; (void)length; (void)d; (void)heads; (void)context; (void)scratch;
  __builtin_trap();  // callers check sae_packed_linear_available() first
}
#endif
