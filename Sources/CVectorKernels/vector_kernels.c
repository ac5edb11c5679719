// Element-wise kernels for the transformer forward pass (see include/vector_kernels.h).
//
// Every function is built three times by `target_clones` and the dynamic loader picks the
// widest one the CPU supports. Floating-point contraction is off, so every clone rounds the
// same way (no fused multiply-adds): results are identical on every machine.
#include "vector_kernels.h"

#pragma STDC FP_CONTRACT OFF

#include "scalar_math.h"

SAE_CLONES
void sae_gelu(float *x, size_t count) {
  for (size_t i = 0; i < count; i++) {
    float v = x[i];
    x[i] = v * normal_cdf(v);
  }
}

SAE_CLONES
void sae_softmax_rows(float *x, size_t rows, size_t cols) {
  for (size_t i = 0; i < rows; i++) softmax_row(x + i * cols, cols);
}

SAE_CLONES
void sae_layer_norm_rows(float *x, size_t rows, size_t cols, const float *scale, const float *shift, float epsilon) {
  for (size_t i = 0; i < rows; i++) {
    float *row = x + i * cols;
    double mean, variance;
    row_moments(row, cols, &mean, &variance);
    double inverse = 1.0 / __builtin_sqrt(variance + (double)epsilon);
    for (size_t j = 0; j < cols; j++) row[j] = (float)(((double)row[j] - mean) * inverse) * scale[j] + shift[j];
  }
}
