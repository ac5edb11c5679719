/// How well an SAE's decoder recovers known ground-truth feature directions
/// (synthetic data, ``SyntheticSuperposition``).
///
/// Dimension legend: `n` true features, `m` learned latents, `d` dimensions.
/// With `V (n × d)` the true directions and `W (m × d)` the decoder rows, both
/// normalised row-wise (`v̂_i = v_i/‖v_i‖`, `ŵ_k = w_k/‖w_k‖`; a zero row stays
/// zero and has cosine 0 with everything):
///
/// ```
/// C_ik        = ⟨v̂_i, ŵ_k⟩                      cosine matrix, C = V̂·Ŵᵀ (n × m), via BLAS
/// maxCos_i    = max_k C_ik,   bestMatch_i = argmax_k C_ik (first on ties)
/// MMCS        = (1/n) Σ_i maxCos_i               mean max cosine similarity
/// recovered   = (1/n) #{ i : maxCos_i ≥ τ }      τ = 0.9 by default
/// ```
///
/// Cosines are signed: a decoder row pointing at `−v_i` does not recover `v_i`.
/// ``learnedMaxCosine`` is the same maximum seen from the other side (per
/// learned latent, over true features), which exposes latents that match nothing.
/// The `n × m` matrix is computed in blocks of true features and never held
/// whole; use ``cosineMatrix(truth:learned:)`` for it.
public struct FeatureRecovery: Sendable, Equatable {
  /// `maxCos_i` per true feature, `(n)`.
  public let maxCosine: [Double]
  /// `argmax_k C_ik` per true feature, `(n)`.
  public let bestMatch: [Int]
  /// `max_i C_ik` per learned latent, `(m)`.
  public let learnedMaxCosine: [Double]
  /// `τ`.
  public let threshold: Double

  /// True features per block of the cosine matrix.
  static let blockRows = 256

  /// Compares true directions with decoder rows.
  /// - Parameters:
  ///   - truth: `V (n × d)`, `n ≥ 1`.
  ///   - learned: `W (m × d)`, `m ≥ 1` (decoder rows).
  ///   - threshold: `τ`, the cosine a true feature needs to count as recovered.
  /// - Throws: ``SAEKitError/shapeMismatch(operation:lhs:rhs:)`` when `V` and
  ///   `W` have different `d`; ``SAEKitError/invalidArgument(_:)`` for empty
  ///   inputs or a non-finite threshold.
  /// - Complexity: `2·n·m·d` flops in `sgemm`, `O((n + m)·d)` memory plus one
  ///   `(256 × m)` block.
  public init(truth: Matrix, learned: Matrix, threshold: Double = 0.9) throws {
    try FeatureRecovery.check(truth: truth, learned: learned)
    try require(threshold.isFinite, "feature recovery threshold must be finite, got \(threshold)")
    var v = truth, w = learned
    v.normalizeRows()
    w.normalizeRows()
    let n = truth.rows, m = learned.rows
    var maxCos = [Double](repeating: -.infinity, count: n)
    var best = [Int](repeating: 0, count: n)
    var learnedMax = [Double](repeating: -.infinity, count: m)
    var start = 0
    while start < n {
      let end = min(start + FeatureRecovery.blockRows, n)
      let block = try v.rows(start..<end).matmulTransposed(w)
      block.storage.withUnsafeBufferPointer { c in
        for r in 0..<(end - start) {
          let i = start + r
          for k in 0..<m {
            let cosine = Double(c[r * m + k])
            if cosine > maxCos[i] {
              maxCos[i] = cosine
              best[i] = k
            }
            if cosine > learnedMax[k] { learnedMax[k] = cosine }
          }
        }
      }
      start = end
    }
    maxCosine = maxCos
    bestMatch = best
    learnedMaxCosine = learnedMax
    self.threshold = threshold
  }

  /// MMCS, `(1/n) Σ_i maxCos_i`.
  public var meanMaxCosine: Double { maxCosine.reduce(0, +) / Double(maxCosine.count) }

  /// Share of true features with `maxCos_i ≥ τ`.
  public var recoveredFraction: Double { recoveredFraction(threshold: threshold) }

  /// Share of true features with `maxCos_i ≥ threshold`, for another `τ`.
  public func recoveredFraction(threshold: Double) -> Double {
    Double(maxCosine.lazy.filter { $0 >= threshold }.count) / Double(maxCosine.count)
  }

  /// The full cosine matrix `C = V̂·Ŵᵀ`, `(n × m)`.
  /// - Throws: as ``init(truth:learned:threshold:)``.
  public static func cosineMatrix(truth: Matrix, learned: Matrix) throws -> Matrix {
    try check(truth: truth, learned: learned)
    var v = truth, w = learned
    v.normalizeRows()
    w.normalizeRows()
    return try v.matmulTransposed(w)
  }

  private static func check(truth: Matrix, learned: Matrix) throws {
    guard truth.cols == learned.cols else {
      throw SAEKitError.shapeMismatch(
        operation: "feature recovery (true features V and decoder rows W need the same dimension d)",
        lhs: truth.shape, rhs: learned.shape)
    }
    try require(truth.rows >= 1, "feature recovery needs at least one true feature, V is \(truth.shape)")
    try require(learned.rows >= 1, "feature recovery needs at least one decoder row, W is \(learned.shape)")
  }
}
