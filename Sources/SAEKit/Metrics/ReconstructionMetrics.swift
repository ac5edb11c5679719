/// One-shot reconstruction metrics of an SAE on a batch: activations
/// `X (N × d)`, reconstruction `X̂ (N × d)`, error `E = X − X̂`.
///
/// ```
/// MSE   = (1/(N·d)) Σ_ij (x_ij − x̂_ij)²                       (mean over all entries)
/// FVU   = Σ_i ‖x_i − x̂_i‖² / Σ_i ‖x_i − x̄‖²,   x̄_j = (1/N) Σ_i x_ij   (column mean)
/// EV    = 1 − FVU                                              (explained variance)
/// ‖e_i‖ = ‖x_i − x̂_i‖                                           (per-token error norm)
/// cos_i = ⟨x_i, x̂_i⟩ / (‖x_i‖·‖x̂_i‖)                           (per-token cosine)
/// L0_i  = #{ j : z_ij ≠ 0 }                                    (per-token active latents)
/// ```
///
/// All sums accumulate in Double. Conventions for degenerate inputs:
/// - when `Σ_i ‖x_i − x̄‖² = 0` (e.g. a single token), FVU is 0 if the
///   reconstruction is exact and 1 otherwise (the ``RSquared`` convention);
/// - a token with `‖x_i‖·‖x̂_i‖ = 0` has cosine 1 when both are exactly zero
///   and 0 otherwise.
///
/// Non-finite values are not rejected: a diverged reconstruction yields NaN
/// metrics, which is what a training log should show.
///
/// For metrics over many batches use ``ReconstructionAccumulator``, whose FVU
/// is exact over the concatenation of all batches.
public enum ReconstructionMetrics {
  /// `(1/(N·d)) Σ_ij (x_ij − x̂_ij)²`.
  /// - Throws: on a shape mismatch or an empty `X`.
  public static func meanSquaredError(x: Matrix, reconstruction: Matrix) throws -> Double {
    try check(x, reconstruction, "MSE")
    return try sumOfSquaredErrors(x, reconstruction) / Double(x.count)
  }

  /// `FVU = Σ_i ‖x_i − x̂_i‖² / Σ_i ‖x_i − x̄‖²` with `x̄` the column mean of
  /// `X`, computed in two passes (means first).
  /// - Throws: on a shape mismatch or an empty `X`.
  public static func fractionOfVarianceUnexplained(x: Matrix, reconstruction: Matrix) throws -> Double {
    try check(x, reconstruction, "FVU")
    let residual = try sumOfSquaredErrors(x, reconstruction)
    let total = x.columnSumsOfSquaredDeviations().reduce(0, +)
    return fvu(residual: residual, total: total)
  }

  /// `1 − FVU`.
  /// - Throws: on a shape mismatch or an empty `X`.
  public static func explainedVariance(x: Matrix, reconstruction: Matrix) throws -> Double {
    1 - (try fractionOfVarianceUnexplained(x: x, reconstruction: reconstruction))
  }

  /// `‖x_i − x̂_i‖` for every token `i`, `(N)`.
  /// - Throws: on a shape mismatch or an empty `X`.
  public static func errorNorms(x: Matrix, reconstruction: Matrix) throws -> [Double] {
    try check(x, reconstruction, "error norms")
    return try rowStatistics(x, reconstruction).map { $0.errorSquared.squareRoot() }
  }

  /// `cos(x_i, x̂_i)` for every token `i`, `(N)` (see the zero-vector convention above).
  /// - Throws: on a shape mismatch or an empty `X`.
  public static func cosineSimilarities(x: Matrix, reconstruction: Matrix) throws -> [Double] {
    try check(x, reconstruction, "cosine similarity")
    return try rowStatistics(x, reconstruction).map(\.cosine)
  }

  /// `(1/N) Σ_i cos(x_i, x̂_i)`.
  /// - Throws: on a shape mismatch or an empty `X`.
  public static func meanCosineSimilarity(x: Matrix, reconstruction: Matrix) throws -> Double {
    let cosines = try cosineSimilarities(x: x, reconstruction: reconstruction)
    return cosines.reduce(0, +) / Double(cosines.count)
  }

  /// `L0_i = #{ j : z_ij ≠ 0 }` for every token; stored zeros do not count.
  public static func l0(_ codes: SparseCodes) -> [Int] {
    (0..<codes.rows).map { codes.l0(row: $0) }
  }

  /// Every metric at once, via a one-batch ``ReconstructionAccumulator``.
  /// - Parameter codes: the latent codes of `X`, for the mean L0 (optional).
  /// - Throws: on shape mismatches or an empty `X`.
  public static func summary(x: Matrix, reconstruction: Matrix, codes: SparseCodes? = nil) throws
    -> ReconstructionSummary
  {
    var accumulator = ReconstructionAccumulator()
    try accumulator.add(x: x, reconstruction: reconstruction, codes: codes)
    return try accumulator.summary()
  }

  // MARK: - Helpers shared with the accumulator

  /// `Σ‖e‖² / Σ‖x − x̄‖²` with the constant-target convention.
  static func fvu(residual: Double, total: Double) -> Double {
    if total > 0 { return residual / total }
    return residual == 0 ? 0 : 1
  }

  /// `⟨a, b⟩ / (‖a‖·‖b‖)` from squared norms, with the zero-vector convention.
  static func cosine(dot: Double, normSquaredA: Double, normSquaredB: Double) -> Double {
    let denominator = (normSquaredA * normSquaredB).squareRoot()
    if denominator > 0 { return dot / denominator }
    if denominator == 0 { return normSquaredA == 0 && normSquaredB == 0 ? 1 : 0 }
    return .nan
  }

  /// `Σ_i ‖x_i − x̂_i‖²`, differences taken in Double.
  static func sumOfSquaredErrors(_ x: Matrix, _ xhat: Matrix) throws -> Double {
    try rowStatistics(x, xhat).reduce(0) { $0 + $1.errorSquared }
  }

  /// Per-token `‖e_i‖²` and `cos(x_i, x̂_i)`, one pass in Double.
  static func rowStatistics(_ x: Matrix, _ xhat: Matrix) throws -> [(errorSquared: Double, cosine: Double)] {
    guard x.shape == xhat.shape else {
      throw SAEKitError.shapeMismatch(operation: "reconstruction (X vs X̂)", lhs: x.shape, rhs: xhat.shape)
    }
    let n = x.rows, d = x.cols
    var out = [(errorSquared: Double, cosine: Double)](repeating: (0, 0), count: n)
    x.storage.withUnsafeBufferPointer { a in
    xhat.storage.withUnsafeBufferPointer { b in
    out.withUnsafeMutableBufferPointer { o in
      guard let ap = a.baseAddress, let bp = b.baseAddress, let op = o.baseAddress else { return }
      Matrix.forEachBlock(count: n, width: d) { rows in
        for i in rows {
          var error = 0.0, dot = 0.0, normA = 0.0, normB = 0.0
          let base = i * d
          for j in 0..<d {
            let u = Double(ap[base + j]), v = Double(bp[base + j])
            let e = u - v
            error += e * e
            dot += u * v
            normA += u * u
            normB += v * v
          }
          op[i] = (error, cosine(dot: dot, normSquaredA: normA, normSquaredB: normB))
        }
      }
    }}}
    return out
  }

  static func check(_ x: Matrix, _ xhat: Matrix, _ metric: String) throws {
    guard x.shape == xhat.shape else {
      throw SAEKitError.shapeMismatch(operation: "\(metric) (X vs X̂)", lhs: x.shape, rhs: xhat.shape)
    }
    try require(x.rows >= 1 && x.cols >= 1, "\(metric) needs at least one token and one dimension, X is \(x.shape)")
  }
}

/// Reconstruction metrics over one or more batches; see ``ReconstructionMetrics``
/// for the formulas.
public struct ReconstructionSummary: Sendable, Equatable {
  /// `N`, tokens seen.
  public var tokens: Int
  /// `(1/(N·d)) Σ‖x_i − x̂_i‖²`.
  public var meanSquaredError: Double
  /// `Σ‖x_i − x̂_i‖² / Σ‖x_i − x̄‖²`.
  public var fractionOfVarianceUnexplained: Double
  /// `1 − FVU`.
  public var explainedVariance: Double { 1 - fractionOfVarianceUnexplained }
  /// `(1/N) Σ ‖x_i − x̂_i‖`.
  public var meanErrorNorm: Double
  /// `(1/N) Σ cos(x_i, x̂_i)`.
  public var meanCosineSimilarity: Double
  /// `(1/N) Σ L0_i`, or nil when no codes were given.
  public var meanL0: Double?

  public init(
    tokens: Int, meanSquaredError: Double, fractionOfVarianceUnexplained: Double,
    meanErrorNorm: Double, meanCosineSimilarity: Double, meanL0: Double?
  ) {
    self.tokens = tokens
    self.meanSquaredError = meanSquaredError
    self.fractionOfVarianceUnexplained = fractionOfVarianceUnexplained
    self.meanErrorNorm = meanErrorNorm
    self.meanCosineSimilarity = meanCosineSimilarity
    self.meanL0 = meanL0
  }
}
