// Scalar e^x and Φ(x) shared by the kernels of CVectorKernels (internal, not part of the module).
// Each includer sets floating-point contraction first (off where clones must round alike).
#ifndef SAE_NOTEBOOK_SCALAR_MATH_H
#define SAE_NOTEBOOK_SCALAR_MATH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

// Marks a function to be built for AVX-512, AVX2 and baseline x86-64, the widest one the CPU
// supports picked by the dynamic loader (element-wise kernels, built with contraction off).
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SAE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SAE_CLONES
#endif

static inline float bits_to_float(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
static inline uint32_t float_to_bits(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }

// e^x (Cephes expf: x = n·ln2 + r, |r| ≤ ½ln2, e^r ≈ 1 + r + r²·P(r), times 2^n built in the
// exponent bits); max error 1 ulp. Clamped to [−87.34, 88]; x < −87.34 (and −∞) gives 0.
static inline float exp_cephes(float x) {
  const float lowest = -87.33654f, magic = 12582912.0f;  // 1.5 · 2²³
  float v = x < lowest ? lowest : (x > 88.0f ? 88.0f : x);
  float shifted = v * 1.44269504f + magic;  // magic + round(v / ln 2)
  float n = shifted - magic;
  float r = (v - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float scale = bits_to_float((float_to_bits(shifted) - 0x4B400000u + 127u) << 23);  // 2ⁿ
  float e = (p * (r * r) + r + 1.0f) * scale;
  return x < lowest ? 0.0f : e;
}

// Φ(x) = ½ erfc(−x/√2), with a = |x|, s = a²/2:
// - a < 1.2: Φ = ½ ± a · Σₙ₌₀⁸ (−s)ⁿ / (√(2π) n! (2n+1)) (Taylor series of ½ erf(a/√2));
// - a ≥ 1.2: the tail L = ½ erfc(a/√2) = t · exp(P(t − c) − s), t = 1/(1 + a/(2√2)) (after
//   Numerical Recipes' erfcc), Φ = L for x < 0 and 1 − L otherwise; P is a degree-8 weighted
//   least-squares fit of ln(2L/t) + s + ln ½ on a/√2 ∈ [0.8, 10] (centre c = 0.440476…).
// Max error 8.2e-8 against Double erfc on 4·10⁷ points in [−12, 12]. Both branches are
// computed and one selected, so the loop vectorises.
static inline float normal_cdf(float x) {
  float a = x < 0 ? -x : x;
  float s = a * a * 0.5f;
  float q = s * 5.820236350394386e-7f - 5.277014291024242e-6f;
  q = q * s + 4.2622038504426575e-5f;
  q = q * s - 3.0222900030411567e-4f;
  q = q * s + 1.8469550018584849e-3f;
  q = q * s - 9.498625723843636e-3f;
  q = q * s + 3.9894228040143274e-2f;
  q = q * s - 1.329807601338109e-1f;
  q = q * s + 3.989422804014327e-1f;
  float t = 1.0f / (a * 0.35355339059327373f + 1.0f);
  float u = t - 0.44047619047619047f;
  float p = u * -0.1893884834271543f - 0.19120583980516434f;
  p = p * u + 0.22542370015516486f;
  p = p * u + 0.21838183861271832f;
  p = p * u - 0.23381154797483222f;
  p = p * u - 0.32810300542046555f;
  p = p * u + 0.25243849677175945f;
  p = p * u + 1.3189044038933644f;
  p = p * u - 1.444269939304081f;
  float half = a * q, lower = t * exp_cephes(p - s);
  float near = x >= 0 ? 0.5f + half : 0.5f - half;
  float far = x >= 0 ? 1.0f - lower : lower;
  return a >= 1.2f ? far : near;
}

// The largest of `count` floats (−∞ for none), and the softmax of `count` contiguous floats in
// place: p_j = exp(x_j − max x) / Σ_k exp(x_k − max x), with lane-wise maxima and sums over
// sixteen lanes (element-wise across lanes, so the loops
// vectorise without reassociating anything), the lanes then combined in a fixed order.
static inline __attribute__((always_inline)) float row_max(const float *row, size_t count) {
  enum { lanes = 16 };
  float maxima[lanes];
  for (int l = 0; l < lanes; l++) maxima[l] = -__builtin_inff();
  size_t j = 0;
  for (; j + lanes <= count; j += lanes)
    for (int l = 0; l < lanes; l++) maxima[l] = row[j + l] > maxima[l] ? row[j + l] : maxima[l];
  for (; j < count; j++) maxima[j % lanes] = row[j] > maxima[j % lanes] ? row[j] : maxima[j % lanes];
  float largest = maxima[0];
  for (int l = 1; l < lanes; l++) largest = maxima[l] > largest ? maxima[l] : largest;
  return largest;
}

// Replaces each of `count` floats x by exp(x − largest) and returns their sum (sixteen lanes).
static inline __attribute__((always_inline)) float exp_row(float *row, size_t count, float largest) {
  enum { lanes = 16 };
  float partial[lanes] = {0};
  size_t j = 0;
  for (; j + lanes <= count; j += lanes)
    for (int l = 0; l < lanes; l++) {
      float e = exp_cephes(row[j + l] - largest);
      row[j + l] = e;
      partial[l] += e;
    }
  for (; j < count; j++) {
    float e = exp_cephes(row[j] - largest);
    row[j] = e;
    partial[j % lanes] += e;
  }
  float sum = 0;
  for (int l = 0; l < lanes; l++) sum += partial[l];
  return sum;
}

static inline __attribute__((always_inline)) void softmax_row(float *row, size_t count) {
  float inverse = 1.0f / exp_row(row, count, row_max(row, count));
  for (size_t k = 0; k < count; k++) row[k] *= inverse;
}

// The mean and biased variance of `cols` floats (two passes), accumulated in double in eight
// lanes (element-wise across lanes, so the loops vectorise without reassociating anything) and
// the lanes then added in a fixed order. Always inlined, so each target clone vectorises it.
static inline __attribute__((always_inline)) void row_moments(const float *row, size_t cols, double *mean,
                                                              double *variance) {
  enum { lanes = 8 };
  double sums[lanes] = {0}, squares[lanes] = {0};
  size_t j = 0;
  for (; j + lanes <= cols; j += lanes)
    for (int l = 0; l < lanes; l++) sums[l] += (double)row[j + l];
  for (; j < cols; j++) sums[j % lanes] += (double)row[j];
  double sum = 0;
  for (int l = 0; l < lanes; l++) sum += sums[l];
  double m = sum / (double)cols;
  for (j = 0; j + lanes <= cols; j += lanes)
    for (int l = 0; l < lanes; l++) {
      double c = (double)row[j + l] - m;
      squares[l] += c * c;
    }
  for (; j < cols; j++) {
    double c = (double)row[j] - m;
    squares[j % lanes] += c * c;
  }
  double total = 0;
  for (int l = 0; l < lanes; l++) total += squares[l];
  *mean = m;
  *variance = total / (double)cols;
}

#endif
