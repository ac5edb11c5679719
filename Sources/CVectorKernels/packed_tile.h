// The packed product's tile and driver, written once and included by packed_linear.c once per
// instruction set (no include guard): the includer defines
//   SAE_TARGET                 the function attribute selecting the instruction set
//   SAE_SUFFIX                 the suffix of the names defined here (tile_SUFFIX, run_SUFFIX)
//   SAE_VEC, SAE_LANES         the vector type and its floats
//   SAE_MASK, SAE_FIRST(n)     the lane mask type and the mask of lanes 0 ..< n (n may be ≤ 0)
//   SAE_ZERO(), SAE_LOAD(p), SAE_BROADCAST(p), SAE_FMA(a, b, c), SAE_ADD(a, b), SAE_MUL(a, b),
//   SAE_SET1(x), SAE_MASKLOAD(p, m), SAE_MASKSTORE(p, m, v)
//   SAE_TILE_ROWS              the rows of a tile (2 · rows accumulators)
// A tile is `rows × 2·SAE_LANES` outputs (two vectors per row, lo and hi); a panel of 32 features
// is covered by 32 / (2·SAE_LANES) tiles side by side. Every output element gets the same
// operations in the same order on every instruction set, so the bits agree.

#define SAE_NAME2(a, b) a##_##b
#define SAE_NAME(a, b) SAE_NAME2(a, b)

// y[0..rows) × [0..2·SAE_LANES) (masks m0, m1 select the valid columns of the lo and hi
// vectors; `width` is their count) for `rows ≤ SAE_TILE_ROWS` rows at x; `weights` points at
// the tile's first feature in its panel.
SAE_TARGET __attribute__((always_inline)) static inline void SAE_NAME(tile, SAE_SUFFIX)(
    int rows, const product *q, const float *x, const float *weights, float *y, const float *bias,
    const float *residual, SAE_MASK m0, SAE_MASK m1, int width) {
  size_t in = q->in, ldx = q->ldx, ldy = q->ldy;
  // Σ over blocks of k_block steps: each block's FMA chain starts at zero and is then added to
  // the running total (fewer rounding steps in a row than one chain over all of `in`).
  SAE_VEC total_lo[SAE_TILE_ROWS], total_hi[SAE_TILE_ROWS];
  _Pragma("unroll") for (int r = 0; r < rows; r++) total_lo[r] = total_hi[r] = SAE_ZERO();
  for (size_t start = 0; start < in; start += k_block) {
    size_t end = in - start < k_block ? in : start + k_block;
    SAE_VEC lo[SAE_TILE_ROWS], hi[SAE_TILE_ROWS];
    _Pragma("unroll") for (int r = 0; r < rows; r++) lo[r] = hi[r] = SAE_ZERO();
    _Pragma("unroll 2") for (size_t k = start; k < end; k++) {
      SAE_VEC w0 = SAE_LOAD(weights + k * panel_width), w1 = SAE_LOAD(weights + k * panel_width + SAE_LANES);
      _Pragma("unroll") for (int r = 0; r < rows; r++) {
        SAE_VEC xv = SAE_BROADCAST(x + r * ldx + k);
        lo[r] = SAE_FMA(xv, w0, lo[r]);
        hi[r] = SAE_FMA(xv, w1, hi[r]);
      }
    }
    _Pragma("unroll") for (int r = 0; r < rows; r++) {
      total_lo[r] = SAE_ADD(total_lo[r], lo[r]);
      total_hi[r] = SAE_ADD(total_hi[r], hi[r]);
    }
  }
  SAE_VEC b0 = bias ? SAE_MASKLOAD(bias, m0) : SAE_ZERO();
  SAE_VEC b1 = bias ? SAE_MASKLOAD(bias + SAE_LANES, m1) : SAE_ZERO();
  SAE_VEC scale = SAE_SET1(q->scale);
  _Pragma("unroll") for (int r = 0; r < rows; r++) {
    float *row = y + r * ldy;
    SAE_VEC c0 = b0, c1 = b1;
    if (residual) {
      c0 = SAE_ADD(SAE_MASKLOAD(residual + r * ldy, m0), b0);
      c1 = SAE_ADD(SAE_MASKLOAD(residual + r * ldy + SAE_LANES, m1), b1);
    }
    if (q->scale != 1.0f) {
      total_lo[r] = SAE_MUL(total_lo[r], scale);
      total_hi[r] = SAE_MUL(total_hi[r], scale);
    }
    SAE_MASKSTORE(row, m0, SAE_ADD(c0, total_lo[r]));
    SAE_MASKSTORE(row + SAE_LANES, m1, SAE_ADD(c1, total_hi[r]));
  }
  if (q->gelu)
    for (int r = 0; r < rows; r++) {
      float *row = y + r * ldy;
      for (int j = 0; j < width; j++) row[j] = row[j] * normal_cdf(row[j]);
    }
}

// All `rows` rows of the product: panels outer, then the tiles across a panel, then row tiles.
SAE_TARGET static void SAE_NAME(run, SAE_SUFFIX)(const product *q, size_t rows) {
  enum { tile_width = 2 * SAE_LANES };
  size_t panels = (q->out + panel_width - 1) / panel_width;
  for (size_t p = 0; p < panels; p++)
    for (size_t part = 0; part < panel_width / tile_width; part++) {
      size_t j0 = p * panel_width + part * tile_width;
      if (j0 >= q->out) break;
      int width = q->out - j0 < tile_width ? (int)(q->out - j0) : tile_width;
      SAE_MASK m0 = SAE_FIRST(width), m1 = SAE_FIRST(width - SAE_LANES);
      const float *weights = q->packed + p * q->in * panel_width + part * tile_width;
      size_t i = 0;
#define SAE_TILE(n) SAE_NAME(tile, SAE_SUFFIX)(n, q, q->x + i * q->ldx, weights, q->y + i * q->ldy + j0, \
    q->bias ? q->bias + j0 : NULL, q->residual ? q->residual + i * q->ldy + j0 : NULL, m0, m1, width)
      for (; i + SAE_TILE_ROWS <= rows; i += SAE_TILE_ROWS) SAE_TILE(SAE_TILE_ROWS);
      switch (rows - i) {  // the last rows, with a tile of their own size (constant, so unrolled)
        case 1: SAE_TILE(1); break;
        case 2: SAE_TILE(2); break;
        case 3: SAE_TILE(3); break;
        case 4: SAE_TILE(4); break;
        case 5: SAE_TILE(5); break;
#if SAE_TILE_ROWS > 6
        case 6: SAE_TILE(6); break;
        case 7: SAE_TILE(7); break;
        case 8: SAE_TILE(8); break;
        case 9: SAE_TILE(9); break;
        case 10: SAE_TILE(10); break;
        case 11: SAE_TILE(11); break;
#endif
        default: break;
      }
#undef SAE_TILE
    }
}

#undef SAE_NAME
#undef SAE_NAME2
