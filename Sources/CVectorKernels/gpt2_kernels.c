// Element-wise kernels of SAEKit's TinyLM (GPT-2) training pass (see include/vector_kernels.h).
//
// As in vector_kernels.c, every function is built three times by `target_clones` (AVX-512,
// AVX2, baseline x86-64) and floating-point contraction is off, so every clone rounds the same
// way: the results do not depend on the CPU. The naive Swift references are in the tests
// (TinyLMKernelTests).
#include "vector_kernels.h"

#pragma STDC FP_CONTRACT OFF

#include "scalar_math.h"

// GPT-2's GELU, ½x(1 + tanh(u)) with u = √(2/π)(x + 0.044715x³), written as x·σ(2u) with
// σ(z) = 1/(1 + e^(−z)) (the same function: ½(1 + tanh u) = σ(2u)), so one exp_cephes serves
// both the value and, in the backward pass, the derivative σ' = σ(1 − σ).
static const float gelu_two_scale = 1.5957691216057308f;  // 2·√(2/π)

static inline float gelu_sigmoid(float x) {
  float z = gelu_two_scale * (x + 0.044715f * x * x * x);
  return 1.0f / (1.0f + exp_cephes(-z));
}

SAE_CLONES
void sae_gelu_tanh_forward(float *out, const float *x, size_t count) {
  for (size_t i = 0; i < count; i++) {
    float v = x[i];
    out[i] = v * gelu_sigmoid(v);
  }
}

SAE_CLONES
void sae_gelu_tanh_backward(float *grad, const float *x, size_t count) {
  for (size_t i = 0; i < count; i++) {
    float v = x[i];
    float s = gelu_sigmoid(v);
    // d/dx x·σ(2u) = σ + x · 2σ(1 − σ) · u', with 2u' = 2√(2/π)(1 + 3·0.044715x²)
    float local = s + v * (s * (1.0f - s)) * (gelu_two_scale * (1.0f + 0.134145f * v * v));
    grad[i] = grad[i] * local;
  }
}

// Causal softmax of one sequence's scores in place: row i of `p (t × t)` becomes
// softmax(p[i][0...i]) (softmax_row, as sae_softmax_rows) and zeros beyond i.
SAE_CLONES
void sae_causal_softmax(float *p, size_t t) {
  for (size_t i = 0; i < t; i++) {
    float *row = p + i * t;
    softmax_row(row, i + 1);
    for (size_t j = i + 1; j < t; j++) row[j] = 0.0f;
  }
}

// Backward of sae_causal_softmax in place: with P = `p (t × t)` and dP = `d (t × t)`,
// d[i][j] ← P[i][j]·(dP[i][j] − Σ_k P[i][k]·dP[i][k]) for j ≤ i, 0 beyond (dot products in
// sixteen lanes, combined in a fixed order).
SAE_CLONES
void sae_causal_softmax_backward(float *d, const float *p, size_t t) {
  enum { lanes = 16 };
  for (size_t i = 0; i < t; i++) {
    const float *pr = p + i * t;
    float *dr = d + i * t;
    size_t count = i + 1, j;
    float partial[lanes] = {0};
    for (j = 0; j + lanes <= count; j += lanes)
      for (int l = 0; l < lanes; l++) partial[l] += pr[j + l] * dr[j + l];
    for (; j < count; j++) partial[j % lanes] += pr[j] * dr[j];
    float dot = 0;
    for (int l = 0; l < lanes; l++) dot += partial[l];
    for (j = 0; j < count; j++) dr[j] = pr[j] * (dr[j] - dot);
    for (; j < t; j++) dr[j] = 0.0f;
  }
}

// LayerNorm forward of `rows` rows of `x (rows × cols)` into `out`, keeping each row's mean and
// rstd = 1/√(σ² + ε); mean and biased variance from row_moments (double, as
// sae_layer_norm_rows), the output in float: (x − μ)·rstd·γ + β.
SAE_CLONES
void sae_layer_norm_forward(float *out, float *mean, float *rstd, const float *x, const float *weight,
                            const float *bias, size_t rows, size_t cols, float epsilon) {
  for (size_t i = 0; i < rows; i++) {
    const float *row = x + i * cols;
    double m, variance;
    row_moments(row, cols, &m, &variance);
    float mf = (float)m, sf = (float)(1.0 / __builtin_sqrt(variance + (double)epsilon));
    float *dst = out + i * cols;
    for (size_t j = 0; j < cols; j++) dst[j] = (row[j] - mf) * sf * weight[j] + bias[j];
    mean[i] = mf;
    rstd[i] = sf;
  }
}

// LayerNorm backward, per row: dx += rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dout·γ and
// x̂ = (x − μ)·rstd; and dγ_partial += dout·x̂, dβ_partial += dout over these rows (the caller
// adds the partials of its row chunks in a fixed order). Row means in sixteen float lanes.
SAE_CLONES
void sae_layer_norm_backward(float *dx, float *dweight_partial, float *dbias_partial, const float *dout,
                             const float *x, const float *weight, const float *mean, const float *rstd,
                             size_t rows, size_t cols) {
  enum { lanes = 16 };
  for (size_t i = 0; i < rows; i++) {
    const float *g = dout + i * cols, *row = x + i * cols;
    float m = mean[i], s = rstd[i];
    float gs[lanes] = {0}, gxs[lanes] = {0};
    size_t j = 0;
    for (; j + lanes <= cols; j += lanes)
      for (int l = 0; l < lanes; l++) {
        float xhat = (row[j + l] - m) * s, gj = g[j + l] * weight[j + l];
        gs[l] += gj;
        gxs[l] += gj * xhat;
      }
    for (; j < cols; j++) {
      float xhat = (row[j] - m) * s, gj = g[j] * weight[j];
      gs[j % lanes] += gj;
      gxs[j % lanes] += gj * xhat;
    }
    float gMean = 0, gxMean = 0;
    for (int l = 0; l < lanes; l++) { gMean += gs[l]; gxMean += gxs[l]; }
    gMean /= (float)cols;
    gxMean /= (float)cols;
    float *d = dx + i * cols;
    for (j = 0; j < cols; j++) {
      float xhat = (row[j] - m) * s;
      d[j] += s * (g[j] * weight[j] - gMean - xhat * gxMean);
      dweight_partial[j] += g[j] * xhat;
      dbias_partial[j] += g[j];
    }
  }
}

// One AdamW step over `count` parameters: g ← grad·scale, m ← β₁m + (1 − β₁)g,
// v ← β₂v + (1 − β₂)g², p ← p − (lr·(m/c₁)/(√(v/c₂) + ε) + decay·p).
SAE_CLONES
void sae_adamw(float *p, const float *grad, float *m, float *v, size_t count, float scale, float beta1,
               float beta2, float correction1, float correction2, float lr, float epsilon, float decay) {
  for (size_t i = 0; i < count; i++) {
    float g = grad[i] * scale;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    float mHat = m[i] / correction1, vHat = v[i] / correction2;
    p[i] -= lr * (mHat / (__builtin_sqrtf(vHat) + epsilon)) + decay * p[i];
  }
}

SAE_CLONES
void sae_adam(float *restrict p, const float *restrict grad, float *restrict m, float *restrict v, size_t count,
              float beta1, float beta2, float step_size, float root_c2, float epsilon) {
  const float a1 = 1 - beta1, a2 = 1 - beta2;
  for (size_t i = 0; i < count; i++) {
    float g = grad[i];
    float mi = beta1 * m[i] + a1 * g;
    float vi = beta2 * v[i] + a2 * g * g;
    m[i] = mi;
    v[i] = vi;
    p[i] -= step_size * mi / (__builtin_sqrtf(vi) / root_c2 + epsilon);
  }
}

// Softmax of one row of logits `z (cols)` into `p` (as softmax_row), returning
// log Σ_k exp(z_k) = max + log Σ in double: the cross-entropy of target j is then log Σ − z_j,
// computed without rounding p_j first.
SAE_CLONES
double sae_softmax_log_sum(float *p, const float *z, size_t cols) {
  float largest = row_max(z, cols);
  for (size_t j = 0; j < cols; j++) p[j] = z[j];
  float sum = exp_row(p, cols, largest);
  float inverse = 1.0f / sum;
  for (size_t j = 0; j < cols; j++) p[j] *= inverse;
  return (double)largest + __builtin_log((double)sum);
}
