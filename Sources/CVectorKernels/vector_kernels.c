// Element-wise kernels for the transformer forward pass (see include/vector_kernels.h).
//
// Every function is built three times by `target_clones` and the dynamic loader picks the
// widest one the CPU supports. Floating-point contraction is off, so every clone rounds the
// same way (no fused multiply-adds): results are identical on every machine.
#include "vector_kernels.h"

#pragma STDC FP_CONTRACT OFF

#include "scalar_math.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SAE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SAE_CLONES
#endif

SAE_CLONES
void sae_gelu(float *x, size_t count) {
  for (size_t i = 0; i < count; i++) {
    float v = x[i];
    x[i] = v * normal_cdf(v);
  }
}

SAE_CLONES
void sae_softmax_rows(float *x, size_t rows, size_t cols) {
  enum { lanes = 16 };
  for (size_t i = 0; i < rows; i++) {
    float *row = x + i * cols;
    // Lane-wise maxima and sums (element-wise across sixteen lanes, so they vectorise without
    // reassociating anything), then combined in a fixed order.
    float maxima[lanes];
    for (int l = 0; l < lanes; l++) maxima[l] = -__builtin_inff();
    size_t j = 0;
    for (; j + lanes <= cols; j += lanes)
      for (int l = 0; l < lanes; l++) maxima[l] = row[j + l] > maxima[l] ? row[j + l] : maxima[l];
    for (; j < cols; j++) maxima[j % lanes] = row[j] > maxima[j % lanes] ? row[j] : maxima[j % lanes];
    float largest = maxima[0];
    for (int l = 1; l < lanes; l++) largest = maxima[l] > largest ? maxima[l] : largest;
    float partial[lanes] = {0};
    j = 0;
    for (; j + lanes <= cols; j += lanes)
      for (int l = 0; l < lanes; l++) {
        float e = exp_cephes(row[j + l] - largest);
        row[j + l] = e;
        partial[l] += e;
      }
    for (; j < cols; j++) {
      float e = exp_cephes(row[j] - largest);
      row[j] = e;
      partial[j % lanes] += e;
    }
    float sum = 0;
    for (int l = 0; l < lanes; l++) sum += partial[l];
    float inverse = 1.0f / sum;
    for (size_t k = 0; k < cols; k++) row[k] *= inverse;
  }
}

SAE_CLONES
void sae_layer_norm_rows(float *x, size_t rows, size_t cols, const float *scale, const float *shift, float epsilon) {
  enum { lanes = 8 };
  for (size_t i = 0; i < rows; i++) {
    float *row = x + i * cols;
    // Lane-wise double sums (vectorisable without reassociation), combined in a fixed order.
    double sums[lanes] = {0}, squares[lanes] = {0};
    size_t j = 0;
    for (; j + lanes <= cols; j += lanes)
      for (int l = 0; l < lanes; l++) sums[l] += (double)row[j + l];
    for (; j < cols; j++) sums[j % lanes] += (double)row[j];
    double sum = 0;
    for (int l = 0; l < lanes; l++) sum += sums[l];
    double mean = sum / (double)cols;
    for (j = 0; j + lanes <= cols; j += lanes)
      for (int l = 0; l < lanes; l++) {
        double c = (double)row[j + l] - mean;
        squares[l] += c * c;
      }
    for (; j < cols; j++) {
      double c = (double)row[j] - mean;
      squares[j % lanes] += c * c;
    }
    double total = 0;
    for (int l = 0; l < lanes; l++) total += squares[l];
    double inverse = 1.0 / __builtin_sqrt(total / (double)cols + (double)epsilon);
    for (j = 0; j < cols; j++) row[j] = (float)(((double)row[j] - mean) * inverse) * scale[j] + shift[j];
  }
}
