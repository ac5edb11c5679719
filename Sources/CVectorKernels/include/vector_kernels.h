// CVectorKernels: the element-wise kernels of SAEKit's transformer forward pass, in C so that
// each can be compiled for several instruction sets and picked at load time (GCC/Clang
// `target_clones`: AVX-512, AVX2, baseline x86-64). Swift code itself is built for baseline
// x86-64, where these loops would run four SSE registers wide. Only SAEKit imports this module.
#ifndef SAE_NOTEBOOK_VECTOR_KERNELS_H
#define SAE_NOTEBOOK_VECTOR_KERNELS_H

#include <stddef.h>

/// The exact GELU in place, `x · Φ(x)` with `Φ(x) = ½(1 + erf(x/√2))`; `Φ` is evaluated as in
/// vector_kernels.c (max error 8.2e-8 against Double erfc).
void sae_gelu(float *x, size_t count);

/// Row-wise softmax in place: `p_j = exp(x_j − max x) / Σ_k exp(x_k − max x)` for each of
/// `rows` rows of `cols` contiguous floats (Cephes-style `expf`, ≤ 1 ulp; sums in float,
/// accumulated in sixteen lanes then added in a fixed order).
void sae_softmax_rows(float *x, size_t rows, size_t cols);

/// LayerNorm of `rows` rows of `cols` contiguous floats in place:
/// `y = (x − μ) / √(σ² + ε) · γ + β`, with the row mean `μ` and the biased variance `σ²`
/// accumulated in double (two passes), as SAEKit's reference implementation does.
void sae_layer_norm_rows(float *x, size_t rows, size_t cols, const float *scale, const float *shift, float epsilon);

#endif
