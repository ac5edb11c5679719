// The whole steps of matching pursuit's two scans, written once and included by pursuit_scan.c
// once per instruction set (no include guard), between isa_avx512.h or isa_avx2.h and
// isa_end.h, which define SAE_TARGET, SAE_SUFFIX, SAE_VEC, SAE_LANES, SAE_LOAD(p),
// SAE_STORE(p, v), SAE_SET1(x), SAE_ABS(v), SAE_MAX(a, b), SAE_SUB(a, b) and SAE_MUL(a, b).
// A step is two vectors (2·SAE_LANES entries); each function does as many whole steps as fit,
// keeps the running maxima of the magnitudes in `m0` and `m1` (max(new, running): a NaN
// magnitude leaves the running value, as the Swift loops' `a > m ? a : m` do; inputs are
// finite, this only keeps the two alike) and returns the first entry it did not do.

#define SAE_NAME2(a, b) a##_##b
#define SAE_NAME(a, b) SAE_NAME2(a, b)

SAE_TARGET static inline size_t SAE_NAME(magnitude_steps, SAE_SUFFIX)(const float *p, size_t n, SAE_VEC *m0,
                                                                      SAE_VEC *m1) {
  size_t i = 0;
  for (; i + 2 * SAE_LANES <= n; i += 2 * SAE_LANES) {
    *m0 = SAE_MAX(SAE_ABS(SAE_LOAD(p + i)), *m0);
    *m1 = SAE_MAX(SAE_ABS(SAE_LOAD(p + i + SAE_LANES)), *m1);
  }
  return i;
}

// `c ← c − a·g`, the product rounded and then the difference (no fused multiply-add).
SAE_TARGET static inline size_t SAE_NAME(subtract_steps, SAE_SUFFIX)(float *c, float a, const float *g, size_t n,
                                                                     SAE_VEC *m0, SAE_VEC *m1) {
  const SAE_VEC scale = SAE_SET1(a);
  size_t i = 0;
  for (; i + 2 * SAE_LANES <= n; i += 2 * SAE_LANES) {
    SAE_VEC c0 = SAE_SUB(SAE_LOAD(c + i), SAE_MUL(scale, SAE_LOAD(g + i)));
    SAE_VEC c1 = SAE_SUB(SAE_LOAD(c + i + SAE_LANES), SAE_MUL(scale, SAE_LOAD(g + i + SAE_LANES)));
    SAE_STORE(c + i, c0);
    SAE_STORE(c + i + SAE_LANES, c1);
    *m0 = SAE_MAX(SAE_ABS(c0), *m0);
    *m1 = SAE_MAX(SAE_ABS(c1), *m1);
  }
  return i;
}

#undef SAE_NAME
#undef SAE_NAME2
