// CVectorKernels: the vector kernels of SAEKit's transformer forward pass, in C so that each can
// be compiled for the instruction sets it needs and picked at run time (GCC/Clang
// `target_clones`: AVX-512, AVX2, baseline x86-64; the packed linear layer: AVX-512 or AVX2 + FMA, same bits). Swift
// code itself is built for baseline x86-64, where these loops would run four SSE registers wide.
// Only SAEKit imports this module.
#ifndef SAE_NOTEBOOK_VECTOR_KERNELS_H
#define SAE_NOTEBOOK_VECTOR_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The exact GELU in place, `x · Φ(x)` with `Φ(x) = ½(1 + erf(x/√2))`; `Φ` is evaluated as in
/// vector_kernels.c (max error 8.2e-8 against Double erfc).
void sae_gelu(float *x, size_t count);

/// GPT-2's tanh GELU, `out = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))`, evaluated as `x·σ(2u)`
/// with `σ(z) = 1/(1 + e^(−z))` (Cephes-style `expf`); `out` and `x` do not overlap.
void sae_gelu_tanh_forward(float *out, const float *x, size_t count);

/// Backward of `sae_gelu_tanh_forward` in place: `grad ← grad · GELU'(x)` (the gradient with
/// respect to the GELU's output becomes the one with respect to its input `x`).
void sae_gelu_tanh_backward(float *grad, const float *x, size_t count);

/// Causal softmax of one sequence's `t × t` attention scores in place: row `i` becomes
/// `softmax(p[i][0...i])` (Cephes-style `expf`, lane sums added in a fixed order), zeros after `i`.
void sae_causal_softmax(float *p, size_t t);

/// Backward of `sae_causal_softmax` in place: `d[i][j] ← P[i][j]·(d[i][j] − Σ_k P[i][k]·d[i][k])`
/// for `j ≤ i`, zeros after `i`, where `d` enters as `∂/∂P` and `p` holds `P`.
void sae_causal_softmax_backward(float *d, const float *p, size_t t);

/// LayerNorm of `rows` rows of `x (rows × cols)` into `out`: `(x − μ)·rstd·γ + β` with the row
/// mean `μ` and `rstd = 1/√(σ² + ε)` (biased variance, both accumulated in double), which are
/// also written to `mean` and `rstd` (one per row).
void sae_layer_norm_forward(float *out, float *mean, float *rstd, const float *x, const float *weight,
                            const float *bias, size_t rows, size_t cols, float epsilon);

/// Backward of `sae_layer_norm_forward` over `rows` rows: `dx += rstd·(g − mean(g) − x̂·mean(g·x̂))`
/// with `g = dout·γ`, `x̂ = (x − μ)·rstd`; adds `Σ dout·x̂` and `Σ dout` over the rows, in row
/// order, into `dweight_partial` and `dbias_partial` (`cols` each).
void sae_layer_norm_backward(float *dx, float *dweight_partial, float *dbias_partial, const float *dout,
                             const float *x, const float *weight, const float *mean, const float *rstd,
                             size_t rows, size_t cols);

/// Softmax of one row of logits `z (cols)` into `p` (as `sae_softmax_rows`); returns
/// `log Σ_k exp(z_k)` in double, so that `−log p_j = log Σ − z_j` without rounding `p_j`.
double sae_softmax_log_sum(float *p, const float *z, size_t cols);

/// One AdamW step over `count` floats: `g = grad·scale`, `m ← β₁m + (1−β₁)g`,
/// `v ← β₂v + (1−β₂)g²`, `p ← p − (lr·(m/c₁)/(√(v/c₂) + ε) + decay·p)`.
void sae_adamw(float *p, const float *grad, float *m, float *v, size_t count, float scale, float beta1,
               float beta2, float correction1, float correction2, float lr, float epsilon, float decay);

/// One Adam step over `count` floats, in PyTorch's form as SAEKit's `AdamState` writes it:
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g·g`, `p ← p − stepSize·m / (√v / rootC2 + ε)`
/// (`stepSize = lr/(1−β₁ᵗ)`, `rootC2 = √(1−β₂ᵗ)`), each operation rounded in that order.
void sae_adam(float *restrict p, const float *restrict grad, float *restrict m, float *restrict v, size_t count,
              float beta1, float beta2, float step_size, float root_c2, float epsilon);

/// Row-wise softmax in place: `p_j = exp(x_j − max x) / Σ_k exp(x_k − max x)` for each of
/// `rows` rows of `cols` contiguous floats (Cephes-style `expf`, ≤ 1 ulp; sums in float,
/// accumulated in sixteen lanes then added in a fixed order).
void sae_softmax_rows(float *x, size_t rows, size_t cols);

/// LayerNorm of `rows` rows of `cols` contiguous floats in place:
/// `y = (x − μ) / √(σ² + ε) · γ + β`, with the row mean `μ` and the biased variance `σ²`
/// accumulated in double (two passes), as SAEKit's reference implementation does.
void sae_layer_norm_rows(float *x, size_t rows, size_t cols, const float *scale, const float *shift, float epsilon);

/// The number of floats `sae_pack_weight` writes for a `(out × in)` weight: `⌈out/32⌉·32·in`.
size_t sae_packed_weight_count(size_t out, size_t in);

/// Packs the row-major weight `w (out × in)` into 32-feature column panels for
/// `sae_packed_linear` (`packed` holds `sae_packed_weight_count(out, in)` floats, 64-byte aligned).
void sae_pack_weight(const float *w, size_t out, size_t in, float *packed);

/// The widest vector kernels this CPU runs: 512 with AVX-512F, 256 with AVX2 and FMA, 0 without
/// either. `sae_packed_linear` (both widths give the same bits) needs one of them; with one,
/// `sae_accumulate_rows`, matching pursuit's scans and the TopK and threshold scans run
/// vectorised, and without, one entry at a time.
int sae_vector_kernel_bits(void);

/// `y = x·Wᵀ + b (+ r)`, then `y ← y·Φ(y)` when `gelu` is non-zero, single-threaded, for the
/// `rows × in` row-major `x`, the packed `W`, `b (out)`, an optional residual `r (rows × out)`
/// (may be `y` itself) and `y (rows × out)`. Each element is `(r + b) + Σₖ x·W`, the sum taken in
/// k order by fused multiply-adds in blocks of 128 steps: the same for any grouping of rows into calls.
/// Allocates (and frees) room for 96 packed rows of x per call.
void sae_packed_linear(const float *x, size_t rows, size_t in, const float *packed, size_t out,
                       const float *bias, const float *residual, int gelu, float *y);

/// The floats of scratch `sae_attention` needs for a sequence of `length` tokens and heads of
/// `head_size`: the scores (`length²`), the packed K and V of one head and a block of packed rows.
size_t sae_attention_scratch_count(size_t length, size_t head_size);

/// Multi-head self-attention of one sequence, single-threaded (AVX-512 or AVX2 + FMA, like
/// `sae_packed_linear`): `qkv (length × 3d)` holds `[Q | K | V]` per token, head `h` uses
/// columns `h·s ..< (h+1)·s` of each part (`s = d / heads`); for each head
/// `P = softmax(Q·Kᵀ / √s)` row-wise (`sae_softmax_rows`) and `P·V` is written into columns
/// `h·s ..< (h+1)·s` of `context (length × d)`. Both products run on the packed-panel kernel,
/// with K and V packed per head into `scratch`.
void sae_attention(const float *qkv, size_t length, size_t d, size_t heads, float *context, float *scratch);

/// What `sae_column_sums` adds up for element `A[i, j]`.
enum {
  SAE_COLUMN_VALUE = 0,       ///< `A[i, j]`
  SAE_COLUMN_SQUARE = 1,      ///< `A[i, j]²`
  SAE_COLUMN_DEVIATION = 2,   ///< `(A[i, j] − means[j])²`
  SAE_COLUMN_DIFFERENCE = 3   ///< `(A[i, j] − B[i, j])²`, `B` = `other` (the same shape as `A`)
};

/// `sums[t] = Σ_i term(A[i, first + t])` for `t < width`, `A (rows × cols)` row-major; every
/// term is computed and added in Double, each column in row order (the bits of the plain
/// rows-outer loop). `means` (indexed by column) is read only for `SAE_COLUMN_DEVIATION`,
/// `other` only for `SAE_COLUMN_DIFFERENCE`; either may be NULL otherwise.
void sae_column_sums(double *sums, const float *a, size_t rows, size_t cols, size_t first, size_t width, int term,
                     const double *means, const float *other);

/// Tells the CPU that the calling thread is spinning on a flag another thread will set (x86
/// `pause`, Arm `yield`), so the spin takes fewer resources from its sibling hyperthread. Used by
/// SAEKit's worker pool between parallel regions.
static inline void sae_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

/// The largest key of each of `blocks` blocks of `block_size` entries of `row` (the tail after
/// the last whole block joins it) into `maxima`; the key is the value, or with `magnitude` its
/// absolute value. A NaN key is never a maximum (a block of only NaN gives −∞).
void sae_block_maxima(const float *row, size_t count, size_t block_size, size_t blocks, int magnitude, float *maxima);

/// The entries of `row` whose key is at least `cut` (never a NaN key), in index order: their
/// values into `values`, their positions into `indices` (each with room for `count`).
/// Returns how many.
size_t sae_collect_at_least(const float *row, size_t count, float cut, int magnitude, float *values, int32_t *indices);

/// The entries of `row` greater than `thresholds[j]` (or, when `thresholds` is NULL, than
/// `threshold`), never a NaN, in index order, at most `capacity` of them: their values into
/// `values`, their positions into `indices` (each with room for `capacity`; nothing past it is
/// written). Returns how many.
size_t sae_collect_above(const float *row, size_t count, float threshold, const float *thresholds, float *values,
                         int32_t *indices, size_t capacity);

/// The `k`-th largest key of `values[0 ..< count]` (1 ≤ k ≤ count, no NaN key), without
/// reordering them: the block maxima's cut. −0 ranks just below +0.
float sae_kth_largest(const float *values, size_t count, size_t k, int magnitude);

/// The `k` entries with the largest keys among `n` candidates in ascending `positions`
/// (no NaN key), ties to the lower position, into `indices` (their positions) and `selected`
/// (their values), in position order: the heap selection's result. Returns `min(k, n)`.
size_t sae_take_top(const float *values, const int32_t *positions, size_t n, size_t k, int magnitude,
                    int32_t *indices, float *selected);

/// `g[0 ..< d] += coefficients[entries[t]] · y[rows[t]·d ..< rows[t]·d + d]` for t in 0 ..< n,
/// in order, each element as `fma(a, y, g)` and zero coefficients skipped: one latent's row of
/// the sparse backward's outer-product gradient, kept in registers across the entries. With
/// `entries` NULL the coefficient is `coefficients[t]` (one row of a sparse decode).
void sae_accumulate_rows(float *g, size_t d, const float *y, const int32_t *rows, const int32_t *entries,
                         const float *coefficients, size_t n);

/// The first index of the largest `|p[i]|`, `0 ≤ i < n` (`n ≥ 1`, finite entries); 0 for an
/// all-zero row (PyTorch's `argmax` of the magnitudes).
size_t sae_argmax_magnitude(const float *p, size_t n);

/// `c[i] ← c[i] − a·g[i]` (the product rounded, then the difference) for `0 ≤ i < n`, then
/// `sae_argmax_magnitude(c, n)`: matching pursuit's Gram-matrix update and its next atom.
size_t sae_subtract_scaled_argmax(float *c, float a, const float *g, size_t n);

#endif
