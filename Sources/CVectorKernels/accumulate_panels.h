// sae_accumulate_rows's main loop, written once and included by sparse_outer.c once per
// instruction set (no include guard), between isa_avx512.h or isa_avx2.h and isa_end.h, which
// define SAE_TARGET, SAE_SUFFIX, SAE_VEC, SAE_LANES, SAE_LOAD(p), SAE_STORE(p, v), SAE_SET1(x)
// and SAE_FMA(a, b, c).
//
// Columns 0 ..< `end` of `g` (a multiple of 8·SAE_LANES of them, as many as fit) in panels of
// eight vectors that stay in registers while every entry adds its scaled row with one fused
// multiply-add per element, in entry order; zero coefficients are skipped (as the `saxpy` loop,
// which adds nothing for them, not even 0·∞). Returns the first column it did not do.

#define SAE_NAME2(a, b) a##_##b
#define SAE_NAME(a, b) SAE_NAME2(a, b)

SAE_TARGET static inline size_t SAE_NAME(accumulate_panels, SAE_SUFFIX)(
    float *g, size_t d, size_t end, const float *y, const int32_t *rows, const int32_t *entries,
    const float *coefficients, size_t n) {
  enum { vectors = 8, panel = vectors * SAE_LANES };
  size_t i0 = 0;
  for (; i0 + panel <= end; i0 += panel) {
    SAE_VEC acc[vectors];
    _Pragma("unroll") for (int v = 0; v < vectors; v++) acc[v] = SAE_LOAD(g + i0 + v * SAE_LANES);
    for (size_t t = 0; t < n; t++) {
      float a = entries ? coefficients[entries[t]] : coefficients[t];
      if (a == 0) continue;
      const SAE_VEC s = SAE_SET1(a);
      const float *src = y + (size_t)rows[t] * d + i0;
      _Pragma("unroll") for (int v = 0; v < vectors; v++) acc[v] = SAE_FMA(s, SAE_LOAD(src + v * SAE_LANES), acc[v]);
    }
    _Pragma("unroll") for (int v = 0; v < vectors; v++) SAE_STORE(g + i0 + v * SAE_LANES, acc[v]);
  }
  return i0;
}

#undef SAE_NAME
#undef SAE_NAME2
