// Column reductions of a row-major Float32 matrix into Double sums (see Matrix.reduceColumns in
// SAEKit): column means, variances, squared norms and squared errors all go through here.
//
// Each column is summed in row order, one Double accumulator per column, so the result is the
// plain loop's bit for bit whatever the split. The accumulators of a group of 64 (then 16)
// columns stay in registers down all the rows, where a rows-outer loop loads and stores every
// accumulator once per row (2.5× slower, measured on 100,000 × 384). Built three times by
// `target_clones`; contraction is off, so a squared term is rounded before it is added, as in
// Swift.
#include "vector_kernels.h"

#include <string.h>

#pragma STDC FP_CONTRACT OFF

#include "scalar_math.h"

// What element `x` of column `j` adds: `mean` is `means[j]`, `y` the other matrix's element at
// the same place (each read only by its term).
__attribute__((always_inline)) static inline double column_term(int term, float x, double mean, float y) {
  switch (term) {
    case SAE_COLUMN_SQUARE: return (double)x * (double)x;
    case SAE_COLUMN_DEVIATION: { double d = (double)x - mean; return d * d; }
    case SAE_COLUMN_DIFFERENCE: { double e = (double)x - (double)y; return e * e; }
    default: return (double)x;
  }
}

// Sums columns first ..< first + W (W a constant after inlining) into sums[0 ..< W].
#define COLUMN_GROUP(W)                                                                                  \
  __attribute__((always_inline)) static inline void column_group_##W(                                   \
      double *sums, const float *a, size_t rows, size_t cols, size_t first, int term, const double *means, \
      const float *other) {                                                                              \
    double acc[W], m[W];                                                                                 \
    for (int t = 0; t < W; t++) acc[t] = 0, m[t] = means ? means[first + t] : 0;                         \
    const float *p = a + first, *q = other ? other + first : a + first;                                  \
    for (size_t i = 0; i < rows; i++, p += cols, q += cols)                                              \
      for (int t = 0; t < W; t++) acc[t] += column_term(term, p[t], m[t], q[t]);                         \
    memcpy(sums, acc, sizeof acc);                                                                       \
  }

COLUMN_GROUP(64)
COLUMN_GROUP(16)
COLUMN_GROUP(1)

__attribute__((always_inline)) static inline void column_sums(double *sums, const float *a, size_t rows, size_t cols,
                                                              size_t first, size_t width, int term, const double *means,
                                                              const float *other) {
  size_t t = 0;
  for (; t + 64 <= width; t += 64) column_group_64(sums + t, a, rows, cols, first + t, term, means, other);
  for (; t + 16 <= width; t += 16) column_group_16(sums + t, a, rows, cols, first + t, term, means, other);
  for (; t < width; t++) column_group_1(sums + t, a, rows, cols, first + t, term, means, other);
}

SAE_CLONES
void sae_column_sums(double *sums, const float *a, size_t rows, size_t cols, size_t first, size_t width, int term,
                     const double *means, const float *other) {
  // One specialised loop per term.
  switch (term) {
    case SAE_COLUMN_SQUARE: column_sums(sums, a, rows, cols, first, width, SAE_COLUMN_SQUARE, means, other); break;
    case SAE_COLUMN_DEVIATION: column_sums(sums, a, rows, cols, first, width, SAE_COLUMN_DEVIATION, means, other); break;
    case SAE_COLUMN_DIFFERENCE: column_sums(sums, a, rows, cols, first, width, SAE_COLUMN_DIFFERENCE, means, other); break;
    default: column_sums(sums, a, rows, cols, first, width, SAE_COLUMN_VALUE, means, other); break;
  }
}
