/// The relative-representation similarity (Moschella et al. 2023), one of
/// ITDA's baselines (papers-2.md §2c "Baselines"; the reference code's
/// `relative_similarity`):
///
/// ```
/// A          = 300 anchor token indices, sampled once, shared by both models
/// rel_X(i)   = ( cos(x_i, x_a) )_{a ∈ A}     (and rel_Y(i) likewise, same anchors)
/// similarity = (1/n) Σ_i cos(rel_X(i), rel_Y(i))
/// ```
///
/// Anchors are the *same token occurrences* in both models (indices, not
/// vectors). The reference samples them with PyTorch's generator seeded 42;
/// SAEKit samples `min(300, n)` distinct indices with ``RandomSource`` seeded
/// 42 (a different but equally fixed draw). The paper's text describes a
/// nearest-anchor assignment instead; the code (followed here) uses the full
/// relative vectors. Cosines follow PyTorch's guards: `x/max(‖x‖, 10⁻¹²)` for
/// the rows and `max(‖u‖, 10⁻⁸)` factors for the relative vectors, so a zero
/// row contributes 0. Invariant to orthogonal transforms and isotropic scaling
/// of either side.
public enum RelativeRepresentationSimilarity {
  /// The default anchor count and seed of the reference.
  public static let defaultAnchors = 300
  public static let defaultSeed: UInt64 = 42

  /// `min(count, tokens)` distinct token indices, ascending.
  public static func anchorIndices(count: Int = defaultAnchors, tokens: Int, seed: UInt64 = defaultSeed) -> [Int] {
    var rng = RandomSource(seed: seed)
    return rng.sample(min(max(count, 0), tokens), from: tokens).sorted()
  }

  /// The similarity with `anchors` anchors drawn by ``anchorIndices(count:tokens:seed:)``.
  public static func similarity(
    _ x: Matrix, _ y: Matrix, anchors: Int = defaultAnchors, seed: UInt64 = defaultSeed
  ) throws -> Double {
    try similarity(x, y, anchorIndices: anchorIndices(count: anchors, tokens: x.rows, seed: seed))
  }

  /// The similarity with explicit anchor token indices.
  /// - Throws: when the row counts differ, an input is empty or non-finite, or
  ///   an anchor index is out of range or there are none.
  public static func similarity(_ x: Matrix, _ y: Matrix, anchorIndices: [Int]) throws -> Double {
    try LinearCKA.check(x, y, "relative-representation similarity")
    try require(!anchorIndices.isEmpty, "relative-representation similarity needs at least one anchor")
    try require(anchorIndices.allSatisfy { $0 >= 0 && $0 < x.rows }, "anchor index out of range 0..<\(x.rows)")
    let n = x.rows, a = anchorIndices.count
    var total = 0.0
    var start = 0
    while start < n {
      let rows = start..<min(n, start + 4096)
      let rx = relativeVectors(x, anchors: anchorIndices, rows: rows)
      let ry = relativeVectors(y, anchors: anchorIndices, rows: rows)
      total += rx.storage.withUnsafeBufferPointer { ub in
        ry.storage.withUnsafeBufferPointer { vb in
          let (up, vp) = (ub.baseAddress!, vb.baseAddress!)
          return Parallel.sum(count: rows.count) { chunk in
            var s = 0.0
            for i in chunk {
              var uv = 0.0, uu = 0.0, vv = 0.0
              for j in 0..<a {
                let u = Double(up[i * a + j]), v = Double(vp[i * a + j])
                uv += u * v; uu += u * u; vv += v * v
              }
              s += uv / (max(uu.squareRoot(), 1e-8) * max(vv.squareRoot(), 1e-8))
            }
            return s
          }
        }
      }
      start = rows.upperBound
    }
    return total / Double(n)
  }

  /// `rel(i) = (cos(x_i, x_a))_a` for `i ∈ rows`: `(rows.count × anchors.count)`,
  /// one `sgemm` of the rows with the unit anchors, then rows divided by `max(‖x_i‖, 10⁻¹²)`.
  public static func relativeVectors(_ x: Matrix, anchors: [Int], rows: Range<Int>) -> Matrix {
    var unitAnchors = x.rows(anchors)
    unitAnchors.normalizeRows(epsilon: 1e-12)
    let block = x.rows(rows)
    // Shapes agree by construction: (b × d)·(a × d)ᵀ.
    var out = try! block.matmulTransposed(unitAnchors)
    // One factor per row of the block: the shapes agree.
    try! out.scaleRows(by: block.rowNorms().map { Float(1 / max($0, 1e-12)) })
    return out
  }
}
