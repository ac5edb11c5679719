// The packed product's tile and driver, written once and included by packed_linear.c once per
// instruction set (no include guard): the includer defines
//   SAE_TARGET                 the function attribute selecting the instruction set
//   SAE_SUFFIX                 the suffix of the names defined here (tile_SUFFIX, run_SUFFIX)
//   SAE_VEC, SAE_LANES         the vector type and its floats
//   SAE_MASK, SAE_FIRST(n)     the lane mask type and the mask of lanes 0 ..< n (n may be ≤ 0)
//   SAE_ZERO(), SAE_LOAD(p), SAE_STORE(p, v), SAE_BROADCAST(p), SAE_FMA(a, b, c), SAE_ADD(a, b),
//   SAE_MUL(a, b), SAE_SET1(x), SAE_MASKLOAD(p, m), SAE_MASKSTORE(p, m, v)
//   SAE_TILE_ROWS              the rows of a tile (2 · rows accumulators)
// A tile is `SAE_TILE_ROWS × 2·SAE_LANES` outputs (two vectors per row, lo and hi); a panel of 32
// features is covered by 32 / (2·SAE_LANES) tiles side by side. Every output element gets the
// same operations in the same order on every instruction set, so the bits agree.
//
// The rows of x are packed too, a block of `rows_per_block` rows at a time, tile by tile and k by
// k (`packed_x[(t·in + k)·SAE_TILE_ROWS + r] = x[t·SAE_TILE_ROWS + r][k]`, zero past the last
// row), so that a k step reads its SAE_TILE_ROWS values from one place and the tile needs one
// address register for x, not one per row: with a pointer per row the compiler runs out of
// registers and spills in the k loop. Rows past the end are computed on those zeros and never
// stored, so every stored element is exactly what a tile of its own height would give.

#define SAE_NAME2(a, b) a##_##b
#define SAE_NAME(a, b) SAE_NAME2(a, b)
// A tile's features: two vectors, lo and hi; also the run width of the packed weights.
#define SAE_TILE_WIDTH (2 * SAE_LANES)

// y[0..rows) × [0..2·SAE_LANES) (masks m0, m1 select the valid columns of the lo and hi
// vectors; `width` is their count) for `rows ≤ SAE_TILE_ROWS` rows whose packed x is at `x`;
// `weights` points at the tile's run of the panel (SAE_TILE_WIDTH features per k, k after k).
SAE_TARGET __attribute__((always_inline)) static inline void SAE_NAME(tile, SAE_SUFFIX)(
    int rows, const product *q, const float *x, const float *weights, float *y, const float *bias,
    const float *residual, SAE_MASK m0, SAE_MASK m1, int width) {
  size_t in = q->in, ldy = q->ldy;
  // Σ over blocks of k_block steps: each block's FMA chain starts at zero and is then added to
  // the running total (fewer rounding steps in a row than one chain over all of `in`). The
  // totals wait in memory between blocks (`sums`, hidden from the optimiser so that it does not
  // try to keep them in registers, where they and the accumulators would not fit).
  float sums_storage[SAE_TILE_ROWS * 2 * SAE_LANES] __attribute__((aligned(64)));
  float *sums = sums_storage;
  __asm__("" : "+r"(sums));
  for (size_t start = 0; start < in; start += k_block) {
    size_t end = in - start < k_block ? in : start + k_block;
    SAE_VEC lo[SAE_TILE_ROWS], hi[SAE_TILE_ROWS];
    _Pragma("unroll") for (int r = 0; r < SAE_TILE_ROWS; r++) lo[r] = hi[r] = SAE_ZERO();
    const float *xk = x + start * SAE_TILE_ROWS, *wk = weights + start * SAE_TILE_WIDTH;
    for (size_t k = start; k < end; k++, xk += SAE_TILE_ROWS, wk += SAE_TILE_WIDTH) {
      SAE_VEC w0 = SAE_LOAD(wk), w1 = SAE_LOAD(wk + SAE_LANES);
      _Pragma("unroll") for (int r = 0; r < SAE_TILE_ROWS; r++) {
        SAE_VEC xv = SAE_BROADCAST(xk + r);
        lo[r] = SAE_FMA(xv, w0, lo[r]);
        hi[r] = SAE_FMA(xv, w1, hi[r]);
      }
    }
    _Pragma("unroll") for (int r = 0; r < SAE_TILE_ROWS; r++) {
      float *sum = sums + r * 2 * SAE_LANES;
      SAE_VEC before_lo = start == 0 ? SAE_ZERO() : SAE_LOAD(sum);
      SAE_VEC before_hi = start == 0 ? SAE_ZERO() : SAE_LOAD(sum + SAE_LANES);
      SAE_STORE(sum, SAE_ADD(before_lo, lo[r]));
      SAE_STORE(sum + SAE_LANES, SAE_ADD(before_hi, hi[r]));
    }
  }
  SAE_VEC b0 = bias ? SAE_MASKLOAD(bias, m0) : SAE_ZERO();
  SAE_VEC b1 = bias ? SAE_MASKLOAD(bias + SAE_LANES, m1) : SAE_ZERO();
  SAE_VEC scale = SAE_SET1(q->scale);
  for (int r = 0; r < rows; r++) {
    float *row = y + r * ldy;
    SAE_VEC total_lo = in ? SAE_LOAD(sums + r * 2 * SAE_LANES) : SAE_ZERO();
    SAE_VEC total_hi = in ? SAE_LOAD(sums + r * 2 * SAE_LANES + SAE_LANES) : SAE_ZERO();
    SAE_VEC c0 = b0, c1 = b1;
    if (residual) {
      c0 = SAE_ADD(SAE_MASKLOAD(residual + r * ldy, m0), b0);
      c1 = SAE_ADD(SAE_MASKLOAD(residual + r * ldy + SAE_LANES, m1), b1);
    }
    if (q->scale != 1.0f) {
      total_lo = SAE_MUL(total_lo, scale);
      total_hi = SAE_MUL(total_hi, scale);
    }
    SAE_MASKSTORE(row, m0, SAE_ADD(c0, total_lo));
    SAE_MASKSTORE(row + SAE_LANES, m1, SAE_ADD(c1, total_hi));
  }
  if (q->gelu)
    for (int r = 0; r < rows; r++) {
      float *row = y + r * ldy;
      for (int j = 0; j < width; j++) row[j] = row[j] * normal_cdf(row[j]);
    }
}

// Packs `rows` rows of x (from row `first`) for the tiles: see the top of this file.
SAE_TARGET static void SAE_NAME(pack_rows, SAE_SUFFIX)(const product *q, size_t first, size_t rows, float *packed) {
  size_t in = q->in, tiles = (rows + SAE_TILE_ROWS - 1) / SAE_TILE_ROWS;
  for (size_t t = 0; t < tiles; t++) {
    float *tile = packed + t * in * SAE_TILE_ROWS;
    for (int r = 0; r < SAE_TILE_ROWS; r++) {
      size_t i = t * SAE_TILE_ROWS + r;
      if (i < rows) {
        const float *row = q->x + (first + i) * q->ldx;
        for (size_t k = 0; k < in; k++) tile[k * SAE_TILE_ROWS + r] = row[k];
      } else {
        for (size_t k = 0; k < in; k++) tile[k * SAE_TILE_ROWS + r] = 0.0f;
      }
    }
  }
}

// All `rows` rows of the product: blocks of rows packed (into `packed`, room for
// `rows_per_block × in` floats), then for each block the panels, the tiles across a panel and
// the row tiles.
SAE_TARGET static void SAE_NAME(run, SAE_SUFFIX)(const product *q, size_t rows, float *packed) {
  size_t panels = (q->out + panel_width - 1) / panel_width;
  for (size_t first = 0; first < rows; first += rows_per_block) {
    size_t count = rows - first < rows_per_block ? rows - first : rows_per_block;
    SAE_NAME(pack_rows, SAE_SUFFIX)(q, first, count, packed);
    for (size_t p = 0; p < panels; p++)
      for (size_t part = 0; part < panel_width / SAE_TILE_WIDTH; part++) {
        size_t j0 = p * panel_width + part * SAE_TILE_WIDTH;
        if (j0 >= q->out) break;
        int width = q->out - j0 < SAE_TILE_WIDTH ? (int)(q->out - j0) : SAE_TILE_WIDTH;
        SAE_MASK m0 = SAE_FIRST(width), m1 = SAE_FIRST(width - SAE_LANES);
        const float *weights = q->packed + p * q->in * panel_width + part * q->in * SAE_TILE_WIDTH;
        for (size_t i = 0; i < count; i += SAE_TILE_ROWS) {
          size_t row = first + i;
          int height = count - i < SAE_TILE_ROWS ? (int)(count - i) : SAE_TILE_ROWS;
          SAE_NAME(tile, SAE_SUFFIX)(height, q, packed + i * q->in, weights, q->y + row * q->ldy + j0,
                                     q->bias ? q->bias + j0 : NULL,
                                     q->residual ? q->residual + row * q->ldy + j0 : NULL, m0, m1, width);
        }
      }
  }
}

#undef SAE_TILE_WIDTH
#undef SAE_NAME
#undef SAE_NAME2
