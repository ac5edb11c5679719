// TopK selection's passes over a row (see TopKSelection.prefiltered in SAEKit): the maximum key
// of each block of the row, the k-th largest of those maxima (the cut), the entries whose key is
// at least the cut, in index order, and the k largest of those. Each function runs its widest
// version: AVX-512 (the collecting pass compresses 16 lanes at a time), AVX2 (8 lanes, compressed
// by a permutation looked up from the keep mask) or portable C, entry by entry (where SAEKit runs
// its own 8-wide Swift loops instead; these serve direct calls and the tests). The key is the
// value, or with `magnitude` its absolute value; a NaN key never wins a block maximum and never
// reaches a cut, as in the Swift loops. Threshold codes (ReLU, JumpReLU, BatchTopK's inference)
// use the same compressing collection. The k-th largest is a search over the float's bits (32
// counting passes, no data-dependent branch), which replaces a quickselect's mispredicted
// branches on rows of ~4k maxima.
#include "vector_kernels.h"
#include "avx512_lanes.h"

static inline float key(float v, int magnitude) { return magnitude ? __builtin_fabsf(v) : v; }

static inline float float_of_ordered(uint32_t t) {
  uint32_t u = (t & 0x80000000u) ? (t & 0x7FFFFFFFu) : ~t;
  float v;
  __builtin_memcpy(&v, &u, 4);
  return v;
}

// Every CPU: the same passes one entry at a time (without AVX2, SAEKit runs its own 8-wide Swift
// loops instead; these serve direct calls and the tests).

// A float's bits mapped to an unsigned integer of the same order (−0 just below +0);
// sae_kth_largest's AVX-512 loop computes the same 16 lanes at a time.
static inline uint32_t ordered_bits(float v) {
  uint32_t u;
  __builtin_memcpy(&u, &v, 4);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// The largest key of row[i ..< end], starting from `best` (a NaN key never replaces it).
static inline float largest_key(const float *row, size_t i, size_t end, int magnitude, float best) {
  for (; i < end; i++) best = key(row[i], magnitude) > best ? key(row[i], magnitude) : best;
  return best;
}

static void block_maxima_portable(const float *row, size_t count, size_t block_size, size_t blocks, int magnitude,
                                  float *maxima) {
  for (size_t b = 0; b < blocks; b++) {
    size_t end = b + 1 == blocks ? count : (b + 1) * block_size;
    maxima[b] = largest_key(row, b * block_size, end, magnitude, -__builtin_inff());
  }
}

// The collecting passes from entry `i` on, appending after the `n` entries already collected
// (the vector versions finish their rows' last entries with them); they return the new count.
static size_t collect_at_least_from(const float *row, size_t i, size_t count, float cut, int magnitude,
                                    float *values, int32_t *indices, size_t n) {
  for (; i < count; i++)
    if (key(row[i], magnitude) >= cut) {
      values[n] = row[i];
      indices[n] = (int32_t)i;
      n++;
    }
  return n;
}

static size_t collect_above_from(const float *row, size_t i, size_t count, float threshold, const float *thresholds,
                                 float *values, int32_t *indices, size_t n, size_t capacity) {
  for (; i < count && n < capacity; i++)
    if (row[i] > (thresholds ? thresholds[i] : threshold)) {
      values[n] = row[i];
      indices[n] = (int32_t)i;
      n++;
    }
  return n;
}

static size_t collect_at_least_portable(const float *row, size_t count, float cut, int magnitude, float *values,
                                        int32_t *indices) {
  return collect_at_least_from(row, 0, count, cut, magnitude, values, indices, 0);
}

static size_t collect_above_portable(const float *row, size_t count, float threshold, const float *thresholds,
                                     float *values, int32_t *indices, size_t capacity) {
  return collect_above_from(row, 0, count, threshold, thresholds, values, indices, 0, capacity);
}

static float kth_largest_portable(const float *values, size_t count, size_t k, int magnitude) {
  uint32_t t = 0;
  for (int bit = 31; bit >= 0; bit--) {
    uint32_t candidate = t | (1u << bit);
    size_t at_least = 0;
    for (size_t i = 0; i < count; i++) at_least += ordered_bits(key(values[i], magnitude)) >= candidate;
    if (at_least >= k) t = candidate;
  }
  return float_of_ordered(t);
}

#if SAE_AVX512_BUILD
SAE_AVX512 static inline __m512 keys(__m512 v, int magnitude) {
  return magnitude ? _mm512_abs_ps(v) : v;
}

SAE_AVX512 static void block_maxima_avx512(const float *row, size_t count, size_t block_size, size_t blocks,
                                           int magnitude, float *maxima) {
  const __m512 lowest = _mm512_set1_ps(-__builtin_inff());
  for (size_t b = 0; b < blocks; b++) {
    size_t i = b * block_size, end = b + 1 == blocks ? count : i + block_size;
    __m512 best = lowest;
    // vmaxps gives its second operand when either is NaN: a NaN key never replaces.
    for (; i + 16 <= end; i += 16) best = _mm512_max_ps(keys(_mm512_loadu_ps(row + i), magnitude), best);
    if (i < end) {  // the lanes past the end keep `best` (a filler would become a key: |−∞| = ∞)
      __mmask16 tail = first_lanes(end - i);
      best = _mm512_mask_max_ps(best, tail, keys(_mm512_maskz_loadu_ps(tail, row + i), magnitude), best);
    }
    maxima[b] = _mm512_reduce_max_ps(best);
  }
}

// Appends the `keep` lanes of `v` (row positions i + lane) to values/indices[n ...], at most
// `room − n` of them, and returns the new count. The lanes are compressed in registers and whole
// vectors are stored while they fit in `room` (a compressing store to memory is microcoded on
// some CPUs); the lanes past the kept ones are overwritten by the next append.
SAE_AVX512 static inline size_t append_kept(__mmask16 keep, __m512 v, size_t i, float *values, int32_t *indices,
                                            size_t n, size_t room) {
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i at = _mm512_add_epi32(_mm512_set1_epi32((int32_t)i), lanes);
  size_t kept = (size_t)__builtin_popcount(keep);
  if (kept > room - n) kept = room - n;
  if (n + 16 <= room) {
    _mm512_storeu_ps(values + n, _mm512_maskz_compress_ps(keep, v));
    _mm512_storeu_si512(indices + n, _mm512_maskz_compress_epi32(keep, at));
  } else {
    _mm512_mask_storeu_ps(values + n, first_lanes(kept), _mm512_maskz_compress_ps(keep, v));
    _mm512_mask_storeu_epi32(indices + n, first_lanes(kept), _mm512_maskz_compress_epi32(keep, at));
  }
  return n + kept;
}

SAE_AVX512 static size_t collect_at_least_avx512(const float *row, size_t count, float cut, int magnitude,
                                                 float *values, int32_t *indices) {
  const __m512 threshold = _mm512_set1_ps(cut);
  size_t n = 0;
  for (size_t i = 0; i < count; i += 16) {
    __mmask16 valid = first_lanes(count - i);
    __m512 v = _mm512_maskz_loadu_ps(valid, row + i);
    // Ordered ≥: false for a NaN key.
    __mmask16 keep = _mm512_mask_cmp_ps_mask(valid, keys(v, magnitude), threshold, _CMP_GE_OQ);
    if (keep) n = append_kept(keep, v, i, values, indices, n, count);
  }
  return n;
}

// Threshold codes (ReLU, JumpReLU, BatchTopK's inference) collect the same way, with room for
// `capacity` entries only (the row's own share of the output, which the caller counted first),
// so a row never writes into the next row's share.
SAE_AVX512 static size_t collect_above_avx512(const float *row, size_t count, float threshold,
                                              const float *thresholds, float *values, int32_t *indices,
                                              size_t capacity) {
  const __m512 uniform = _mm512_set1_ps(threshold);
  size_t n = 0;
  for (size_t i = 0; i < count && n < capacity; i += 16) {
    __mmask16 valid = first_lanes(count - i);
    __m512 v = _mm512_maskz_loadu_ps(valid, row + i);
    __m512 t = thresholds ? _mm512_maskz_loadu_ps(valid, thresholds + i) : uniform;
    // Ordered >: false when either side is NaN.
    __mmask16 keep = _mm512_mask_cmp_ps_mask(valid, v, t, _CMP_GT_OQ);
    if (keep) n = append_kept(keep, v, i, values, indices, n, capacity);
  }
  return n;
}

// The k-th largest by bits, most significant first: the largest t with at least k keys ≥ t
// is the k-th largest key itself (32 counting passes, no branch on the data).
SAE_AVX512 static float kth_largest_avx512(const float *values, size_t count, size_t k, int magnitude) {
  uint32_t t = 0;
  const __m512i flip = _mm512_set1_epi32((int32_t)0x80000000u);
  const __m512i sign_off = _mm512_set1_epi32(magnitude ? 0x7FFFFFFF : -1);
  for (int bit = 31; bit >= 0; bit--) {
    uint32_t candidate = t | (1u << bit);
    const __m512i c = _mm512_set1_epi32((int32_t)candidate);
    size_t at_least = 0;
    for (size_t i = 0; i < count; i += 16) {
      __mmask16 valid = first_lanes(count - i);
      __m512i u = _mm512_and_si512(_mm512_castps_si512(_mm512_maskz_loadu_ps(valid, values + i)), sign_off);
      // ordered_bits, 16 lanes: negative → ~u, otherwise u | sign.
      __mmask16 negative = _mm512_cmplt_epi32_mask(u, _mm512_setzero_si512());
      __m512i ordered = _mm512_mask_xor_epi32(_mm512_or_si512(u, flip), negative, u, _mm512_set1_epi32(-1));
      at_least += (size_t)__builtin_popcount(_mm512_mask_cmpge_epu32_mask(valid, ordered, c));
    }
    if (at_least >= k) t = candidate;
  }
  return float_of_ordered(t);
}

#include "compress_lanes.h"

// AVX2: the same passes 8 lanes at a time. The collecting passes gather each vector's kept lanes to
// its front with one permutation (compress_lanes.h) and store all 8; the lanes past the kept ones
// are overwritten by the next append.
SAE_AVX2_FMA static inline __m256 keys_avx2(__m256 v, int magnitude) {
  return magnitude ? _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v) : v;
}

SAE_AVX2_FMA static void block_maxima_avx2(const float *row, size_t count, size_t block_size, size_t blocks,
                                           int magnitude, float *maxima) {
  for (size_t b = 0; b < blocks; b++) {
    size_t i = b * block_size, end = b + 1 == blocks ? count : i + block_size;
    __m256 best = _mm256_set1_ps(-__builtin_inff());
    // vmaxps gives its second operand when either is NaN: a NaN key never replaces.
    for (; i + 8 <= end; i += 8) best = _mm256_max_ps(keys_avx2(_mm256_loadu_ps(row + i), magnitude), best);
    __m128 half = _mm_max_ps(_mm256_castps256_ps128(best), _mm256_extractf128_ps(best, 1));
    half = _mm_max_ps(half, _mm_movehl_ps(half, half));
    half = _mm_max_ss(half, _mm_shuffle_ps(half, half, 1));
    maxima[b] = largest_key(row, i, end, magnitude, _mm_cvtss_f32(half));
  }
}

// Appends the `keep` lanes of `v` (row positions i + lane) at values/indices[n], storing 8 lanes.
SAE_AVX2_FMA static inline size_t append_kept_avx2(unsigned keep, __m256 v, size_t i, float *values,
                                                   int32_t *indices, size_t n) {
  __m256i order = sae_compress_permutation(keep);
  __m256i at = _mm256_add_epi32(_mm256_set1_epi32((int32_t)i), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  _mm256_storeu_ps(values + n, _mm256_permutevar8x32_ps(v, order));
  _mm256_storeu_si256((__m256i *)(indices + n), _mm256_permutevar8x32_epi32(at, order));
  return n + (size_t)__builtin_popcount(keep);
}

SAE_AVX2_FMA static size_t collect_at_least_avx2(const float *row, size_t count, float cut, int magnitude,
                                                 float *values, int32_t *indices) {
  const __m256 threshold = _mm256_set1_ps(cut);
  size_t n = 0, i = 0;
  // n ≤ i: the 8 lanes stored at n stay inside the `count` entries of room.
  for (; i + 8 <= count; i += 8) {
    __m256 v = _mm256_loadu_ps(row + i);
    // Ordered ≥: false for a NaN key.
    unsigned keep = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(keys_avx2(v, magnitude), threshold, _CMP_GE_OQ));
    if (keep) n = append_kept_avx2(keep, v, i, values, indices, n);
  }
  return collect_at_least_from(row, i, count, cut, magnitude, values, indices, n);
}

SAE_AVX2_FMA static size_t collect_above_avx2(const float *row, size_t count, float threshold, const float *thresholds,
                                              float *values, int32_t *indices, size_t capacity) {
  const __m256 uniform = _mm256_set1_ps(threshold);
  size_t n = 0, i = 0;
  // Whole vectors while 8 more lanes fit in the row's share, then entry by entry.
  for (; i + 8 <= count && n + 8 <= capacity; i += 8) {
    __m256 v = _mm256_loadu_ps(row + i);
    __m256 t = thresholds ? _mm256_loadu_ps(thresholds + i) : uniform;
    // Ordered >: false when either side is NaN.
    unsigned keep = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, t, _CMP_GT_OQ));
    if (keep) n = append_kept_avx2(keep, v, i, values, indices, n);
  }
  return collect_above_from(row, i, count, threshold, thresholds, values, indices, n, capacity);
}

// As kth_largest_avx512. AVX2 compares signed integers only: with the sign bit flipped on both
// sides, ordered_bits(x) ≥ c (unsigned) is ¬(c' > x') (signed), and ordered_bits(x) with its sign
// bit flipped is u for a non-negative key's bits u, u ^ 0x7FFFFFFF for a negative one.
SAE_AVX2_FMA static float kth_largest_avx2(const float *values, size_t count, size_t k, int magnitude) {
  uint32_t t = 0;
  const __m256i sign_off = _mm256_set1_epi32(magnitude ? 0x7FFFFFFF : -1);
  const size_t whole = count / 8 * 8;
  for (int bit = 31; bit >= 0; bit--) {
    uint32_t candidate = t | (1u << bit);
    const __m256i c = _mm256_set1_epi32((int32_t)(candidate ^ 0x80000000u));
    size_t below = 0;
    for (size_t i = 0; i < whole; i += 8) {
      __m256i u = _mm256_and_si256(_mm256_castps_si256(_mm256_loadu_ps(values + i)), sign_off);
      __m256i ordered = _mm256_xor_si256(u, _mm256_srli_epi32(_mm256_srai_epi32(u, 31), 1));
      below += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(c, ordered))));
    }
    size_t at_least = whole - below;
    for (size_t i = whole; i < count; i++) at_least += ordered_bits(key(values[i], magnitude)) >= candidate;
    if (at_least >= k) t = candidate;
  }
  return float_of_ordered(t);
}

#endif

void sae_block_maxima(const float *row, size_t count, size_t block_size, size_t blocks, int magnitude, float *maxima) {
  SAE_WIDEST(block_maxima)(row, count, block_size, blocks, magnitude, maxima);
}

size_t sae_collect_at_least(const float *row, size_t count, float cut, int magnitude, float *values, int32_t *indices) {
  return SAE_WIDEST(collect_at_least)(row, count, cut, magnitude, values, indices);
}

size_t sae_collect_above(const float *row, size_t count, float threshold, const float *thresholds, float *values,
                         int32_t *indices, size_t capacity) {
  return SAE_WIDEST(collect_above)(row, count, threshold, thresholds, values, indices, capacity);
}

float sae_kth_largest(const float *values, size_t count, size_t k, int magnitude) {
  return SAE_WIDEST(kth_largest)(values, count, k, magnitude);
}

size_t sae_take_top(const float *values, const int32_t *positions, size_t n, size_t k, int magnitude,
                    int32_t *indices, float *selected) {
  if (k > n) k = n;
  if (k == 0) return 0;
  // Every key above the k-th largest, then its ties (equal as numbers: −0 == +0) by position.
  float t = sae_kth_largest(values, n, k, magnitude);
  size_t greater = 0;
  for (size_t i = 0; i < n; i++) greater += key(values[i], magnitude) > t;
  size_t ties = k - greater, got = 0;
  for (size_t i = 0; i < n; i++) {
    float v = key(values[i], magnitude);
    int take = v > t;
    if (!take && v == t && ties > 0) { take = 1; ties--; }
    if (take) {
      indices[got] = positions[i];
      selected[got] = values[i];
      got++;
    }
  }
  return got;
}
