// Products on column-packed right-hand sides (see include/vector_kernels.h): the linear layer
// y = x·Wᵀ + b (+ r) (+ GELU) on weights packed once, and one sequence's multi-head attention,
// whose K and V are packed per head on the fly.
//
// Panel p holds output features 32p ..< 32p+32 (zero beyond `out`), cut into runs of the tile's
// width t (32 with AVX-512, 16 with AVX2), each run feature-fastest for each k:
// packed[p·in·32 + (j / t)·in·t + k·t + j mod t] = W[32p + j][k]. With AVX-512 a 12 × 32 tile
// of y lives in 24 accumulators; with AVX2 + FMA a 6 × 16 tile (half a panel) in 12. Each k step
// loads the tile's run of weights (contiguous from one k to the next, so a run of in·t floats
// streams through whole cache lines; in a 32-wide layout the AVX2 tile read half of every line,
// 9–12% slower on Zen 3) and broadcasts one x per row, from rows packed 96 at a time
// (packed_tile.h). For each block of rows the panels are the outer loop, so a panel (32·in
// floats) stays in L1/L2 while the block's rows pass through it, and the block stays in L2 for
// every panel. The layout depends only on the CPU, which does not change while a process runs.
// Each y element is (r + b) + Σ, Σ = Σₖ x[i][k]·W[j][k] summed by fused multiply-adds in k order
// in blocks of 128 steps whose sums are added in order, so the result depends neither on how
// rows are grouped into calls nor on which of the two kernels ran.
//
// Unlike vector_kernels.c, this file lets the compiler contract a·b + c into fused multiply-adds
// (both kernels are built for CPUs with FMA, so both contract alike): the fused GELU evaluates Φ
// with them, about twice as fast as sae_gelu and at least as accurate.
#include "vector_kernels.h"

#pragma STDC FP_CONTRACT ON

#include "scalar_math.h"

#include <stdlib.h>

// rows_per_block: the rows of x packed at a time (a multiple of both kernels' tile heights);
// 96 rows of the widest input (1536) and one panel stay within a 1 MB L2.
enum { panel_width = 32, k_block = 128, rows_per_block = 96 };

size_t sae_packed_weight_count(size_t out, size_t in) {
  return (out + panel_width - 1) / panel_width * panel_width * in;
}

static size_t tile_width(void);

// W (out × in) into panels, W[o][k] = w[o·out_step + k·in_step]: a row-major weight has steps
// (in, 1); W = Vᵀ for a row-major V (in × out, rows `ldv` apart) has steps (1, ldv).
static void pack(const float *w, size_t out_step, size_t in_step, size_t out, size_t in, float *packed) {
  size_t panels = (out + panel_width - 1) / panel_width, t = tile_width();
  for (size_t p = 0; p < panels; p++)
    for (size_t run = 0; run < panel_width / t; run++) {
      float *to = packed + p * in * panel_width + run * in * t;
      for (size_t k = 0; k < in; k++)
        for (size_t j = 0; j < t; j++) {
          size_t o = p * panel_width + run * t + j;
          to[k * t + j] = o < out ? w[o * out_step + k * in_step] : 0.0f;
        }
    }
}

void sae_pack_weight(const float *w, size_t out, size_t in, float *packed) { pack(w, in, 1, out, in, packed); }

// The floats of one block of packed rows of an `in`-wide x (64-byte multiples).
static size_t packed_rows_count(size_t in) { return (rows_per_block * in + 15) / 16 * 16; }

size_t sae_attention_scratch_count(size_t length, size_t head_size) {
  size_t widest = length > head_size ? length : head_size;
  return length * length + sae_packed_weight_count(length, head_size) + sae_packed_weight_count(head_size, length) +
         packed_rows_count(widest);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "avx512_lanes.h"

int sae_vector_kernel_bits(void) { return sae_vector_bits(); }

// The features of a tile's row: two vectors (see packed_tile.h), the run width of the layout.
static size_t tile_width(void) { return sae_vector_bits() == 512 ? 32 : 16; }


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

// The AVX-512 kernel: 12 × 32 tiles, 24 of the 32 zmm registers accumulating.
#define SAE_TARGET SAE_AVX512
#define SAE_SUFFIX avx512
#define SAE_VEC __m512
#define SAE_LANES 16
#define SAE_MASK __mmask16
#define SAE_FIRST(n) ((n) >= 16 ? (__mmask16)0xFFFF : (n) <= 0 ? (__mmask16)0 : (__mmask16)((1u << (n)) - 1))
#define SAE_ZERO() _mm512_setzero_ps()
#define SAE_LOAD(p) _mm512_loadu_ps(p)
#define SAE_STORE(p, v) _mm512_storeu_ps(p, v)
#define SAE_BROADCAST(p) _mm512_set1_ps(*(p))
#define SAE_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SAE_ADD(a, b) _mm512_add_ps(a, b)
#define SAE_MUL(a, b) _mm512_mul_ps(a, b)
#define SAE_SET1(x) _mm512_set1_ps(x)
#define SAE_MASKLOAD(p, m) _mm512_maskz_loadu_ps(m, p)
#define SAE_MASKSTORE(p, m, v) _mm512_mask_storeu_ps(p, m, v)
#define SAE_TILE_ROWS 12
#include "packed_tile.h"
#undef SAE_TARGET
#undef SAE_SUFFIX
#undef SAE_VEC
#undef SAE_LANES
#undef SAE_MASK
#undef SAE_FIRST
#undef SAE_ZERO
#undef SAE_LOAD
#undef SAE_STORE
#undef SAE_BROADCAST
#undef SAE_FMA
#undef SAE_ADD
#undef SAE_MUL
#undef SAE_SET1
#undef SAE_MASKLOAD
#undef SAE_MASKSTORE
#undef SAE_TILE_ROWS

// The lanes 0 ..< n (n may be ≤ 0) of an AVX2 mask.
SAE_AVX2_FMA static inline __m256i first_lanes_avx2(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The AVX2 + FMA kernel: 6 × 16 tiles (two per panel), 12 of the 16 ymm registers accumulating.
#define SAE_TARGET SAE_AVX2_FMA
#define SAE_SUFFIX avx2
#define SAE_VEC __m256
#define SAE_LANES 8
#define SAE_MASK __m256i
#define SAE_FIRST(n) first_lanes_avx2(n)
#define SAE_ZERO() _mm256_setzero_ps()
#define SAE_LOAD(p) _mm256_loadu_ps(p)
#define SAE_STORE(p, v) _mm256_storeu_ps(p, v)
#define SAE_BROADCAST(p) _mm256_broadcast_ss(p)
#define SAE_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SAE_ADD(a, b) _mm256_add_ps(a, b)
#define SAE_MUL(a, b) _mm256_mul_ps(a, b)
#define SAE_SET1(x) _mm256_set1_ps(x)
#define SAE_MASKLOAD(p, m) _mm256_maskload_ps(p, m)
#define SAE_MASKSTORE(p, m, v) _mm256_maskstore_ps(p, m, v)
#define SAE_TILE_ROWS 6
#include "packed_tile.h"

// The widest kernel this CPU runs (callers check sae_vector_kernel_bits() first), packing
// the rows of x into `rows` (packed_rows_count(q->in) floats).
static void run(const product *q, size_t count, float *rows) {
  switch (sae_vector_bits()) {
  case 512: run_avx512(q, count, rows); break;
  case 256: run_avx2(q, count, rows); break;
  default: __builtin_trap();
  }
}

void sae_packed_linear(const float *x, size_t rows, size_t in, const float *packed, size_t out,
                       const float *bias, const float *residual, int gelu, float *y) {
  product q = {x, in, in, out, packed, 1.0f, bias, residual, gelu, y, out};
  float *packed_rows = aligned_alloc(64, (packed_rows_count(in) + 16) * sizeof(float));  // never 0 bytes
  if (!packed_rows) __builtin_trap();
  run(&q, rows, packed_rows);
  free(packed_rows);
}

void sae_attention(const float *qkv, size_t length, size_t d, size_t heads, float *context, float *scratch) {
  size_t s = d / heads, stride = 3 * d;
  float *scores = scratch, *keys = scores + length * length, *values = keys + sae_packed_weight_count(length, s);
  float *rows = values + sae_packed_weight_count(s, length);
  for (size_t h = 0; h < heads; h++) {
    const float *q = qkv + h * s, *k = q + d, *v = q + 2 * d;
    pack(k, stride, 1, length, s, keys);  // scores = Q·Kᵀ: K is the "weight" (length × s)
    product qk = {q, stride, s, length, keys, 1.0f / __builtin_sqrtf((float)s), NULL, NULL, 0, scores, length};
    run(&qk, length, rows);
    sae_softmax_rows(scores, length, length);
    pack(v, 1, stride, s, length, values);  // context = P·V: the "weight" is Vᵀ (s × length)
    product pv = {scores, length, length, s, values, 1.0f, NULL, NULL, 0, context + h * s, d};
    run(&pv, length, rows);
  }
}

#else
int sae_vector_kernel_bits(void) { return 0; }

static size_t tile_width(void) { return panel_width; }  // packing only: no kernel runs here

void sae_packed_linear(const float *x, size_t rows, size_t in, const float *packed, size_t out,
                       const float *bias, const float *residual, int gelu, float *y) {
  (void)x; (void)rows; (void)in; (void)packed; (void)out; (void)bias; (void)residual; (void)gelu; (void)y;
  __builtin_trap();  // callers check sae_vector_kernel_bits() first
}

void sae_attention(const float *qkv, size_t length, size_t d, size_t heads, float *context, float *scratch) {
  (void)qkv; (void)length; (void)d; (void)heads; (void)context; (void)scratch;
  __builtin_trap();  // callers check sae_vector_kernel_bits() first
}
#endif
