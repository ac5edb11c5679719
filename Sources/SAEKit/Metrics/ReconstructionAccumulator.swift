/// Streaming reconstruction metrics: add batches of `(X, X̂)` (and optionally
/// their codes), read one ``ReconstructionSummary`` for all of them.
///
/// FVU is exact over the concatenation of the batches, not a mean of
/// per-batch FVUs. The denominator `Σ_i ‖x_i − x̄‖²` needs the global mean
/// `x̄`, which is unknown until the end; instead of the textbook running sums
/// `Σx, Σx²` (whose difference `Σx² − (Σx)²/N` cancels catastrophically when
/// a dimension's mean is large next to its spread, common in residual
/// streams) each column keeps its running mean and sum of squared deviations
/// `M2_j = Σ_i (x_ij − x̄_j)²`, merged per batch by Chan et al.'s rule
///
/// ```
/// n = n_a + n_b,  δ = x̄_b − x̄_a,
/// x̄ = x̄_a + δ·n_b/n,   M2 = M2_a + M2_b + δ²·n_a·n_b/n,
/// ```
///
/// with the batch's own `x̄_b`, `M2_b` computed in two passes. This is the
/// same quantity in exact arithmetic, so
/// `FVU = Σ‖e‖² / Σ_j M2_j` equals the one-shot
/// ``ReconstructionMetrics/fractionOfVarianceUnexplained(x:reconstruction:)``
/// on the stacked batches up to Double rounding. All sums are Double.
public struct ReconstructionAccumulator: Sendable {
  /// Tokens added so far.
  public private(set) var tokens = 0
  /// `d`, fixed by the first non-empty batch.
  public private(set) var dimension: Int?
  private var columnMean: [Double] = []
  private var columnM2: [Double] = []
  private var sumSquaredError = 0.0
  private var sumErrorNorm = 0.0
  private var sumCosine = 0.0
  private var activeLatents = 0
  private var tokensWithCodes = 0

  public init() {}

  /// Adds one batch.
  /// - Parameters:
  ///   - x: `X (n × d)`.
  ///   - reconstruction: `X̂ (n × d)`.
  ///   - codes: the batch's latent codes (`n` rows), for the mean L0. The
  ///     summary's mean L0 is taken over the tokens of batches that had codes.
  /// - Throws: ``SAEKitError/shapeMismatch(operation:lhs:rhs:)`` when `X̂` or
  ///   the codes do not match `X`, or `d` differs from earlier batches.
  public mutating func add(x: Matrix, reconstruction: Matrix, codes: SparseCodes? = nil) throws {
    guard x.shape == reconstruction.shape else {
      throw SAEKitError.shapeMismatch(operation: "reconstruction batch (X vs X̂)", lhs: x.shape, rhs: reconstruction.shape)
    }
    if let codes, codes.rows != x.rows {
      throw SAEKitError.shapeMismatch(
        operation: "reconstruction batch (X vs codes, row counts differ)", lhs: x.shape, rhs: Shape(codes.rows, codes.width))
    }
    let n = x.rows, d = x.cols
    guard n > 0 else { return }
    if let dimension, dimension != d {
      throw SAEKitError.shapeMismatch(
        operation: "reconstruction batch (dimension differs from earlier batches)", lhs: Shape(tokens, dimension), rhs: x.shape)
    }
    if dimension == nil {
      dimension = d
      columnMean = [Double](repeating: 0, count: d)
      columnM2 = [Double](repeating: 0, count: d)
    }

    for row in try ReconstructionMetrics.rowStatistics(x, reconstruction) {
      sumSquaredError += row.errorSquared
      sumErrorNorm += row.errorSquared.squareRoot()
      sumCosine += row.cosine
    }
    if let codes {
      activeLatents += codes.values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
      tokensWithCodes += n
    }
    merge(batchMean: x.columnMeans(), batchM2: x.columnSumsOfSquaredDeviations(), batchCount: n)
  }

  /// Chan et al.'s pairwise merge of per-column mean and `M2`.
  private mutating func merge(batchMean: [Double], batchM2: [Double], batchCount nb: Int) {
    let na = Double(tokens), b = Double(nb), total = na + b
    for j in 0..<columnMean.count {
      let delta = batchMean[j] - columnMean[j]
      columnMean[j] += delta * b / total
      columnM2[j] += batchM2[j] + delta * delta * na * b / total
    }
    tokens += nb
  }

  /// `Σ_i ‖x_i − x̂_i‖²` over all tokens.
  public var sumOfSquaredErrors: Double { sumSquaredError }

  /// `Σ_i ‖x_i − x̄‖²` over all tokens, `x̄` the mean of all tokens.
  public var totalSumOfSquares: Double { columnM2.reduce(0, +) }

  /// The metrics over every token added.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when no token was added.
  public func summary() throws -> ReconstructionSummary {
    guard tokens > 0, let d = dimension, d > 0 else {
      throw SAEKitError.invalidArgument("reconstruction metrics need at least one token and one dimension; none were added")
    }
    let n = Double(tokens)
    return ReconstructionSummary(
      tokens: tokens,
      meanSquaredError: sumSquaredError / (n * Double(d)),
      fractionOfVarianceUnexplained: ReconstructionMetrics.fvu(residual: sumSquaredError, total: totalSumOfSquares),
      meanErrorNorm: sumErrorNorm / n,
      meanCosineSimilarity: sumCosine / n,
      meanL0: tokensWithCodes > 0 ? Double(activeLatents) / Double(tokensWithCodes) : nil)
  }

  /// Forgets everything added.
  public mutating func reset() { self = ReconstructionAccumulator() }
}
