/// Coefficients of determination of a prediction `Ŷ (n × q)` of `Y (n × q)`.
///
/// ```
/// R²_j    = 1 − Σ_i (y_ij − ŷ_ij)² / Σ_i (y_ij − ȳ_j)²      (per output dimension j)
/// mean    = (1/q) Σ_j R²_j                                   (the Dark Matter paper's headline)
/// pooled  = 1 − Σ_ij (y_ij − ŷ_ij)² / Σ_ij (y_ij − ȳ_j)²
/// ```
///
/// `ȳ_j` is the column mean of the given `Y`. Sums accumulate in Double, means
/// are computed in a first pass. A constant dimension (`Σ_i (y_ij − ȳ_j)² = 0`)
/// gets `R²_j = 1` when it is predicted exactly and `0` otherwise, the
/// scikit-learn convention, so the mean stays finite; it is still averaged in.
/// The pooled value follows the same rule when the whole of `Y` is constant.
public struct RSquared: Sendable, Equatable {
  /// `R²_j` for every output dimension, `(q)`.
  public let perDimension: [Double]
  /// `(1/q) Σ_j R²_j`.
  public let mean: Double
  /// `1 − SSE / SST` over all entries, with per-dimension means.
  public let pooled: Double

  /// Evaluates a prediction.
  /// - Parameters:
  ///   - truth: `Y`, `(n × q)` with `n ≥ 1`.
  ///   - prediction: `Ŷ`, same shape.
  /// - Throws: on a shape mismatch, an empty `Y`, or non-finite entries.
  public init(truth: Matrix, prediction: Matrix) throws {
    guard truth.shape == prediction.shape else {
      throw SAEKitError.shapeMismatch(operation: "R² (truth vs prediction)", lhs: truth.shape, rhs: prediction.shape)
    }
    try require(truth.rows >= 1 && truth.cols >= 1, "R² needs a non-empty target, got \(truth.shape)")
    guard truth.isFinite, prediction.isFinite else {
      throw SAEKitError.nonFinite("R² inputs contain NaN or infinity")
    }
    let q = truth.cols
    // Each column summed in row order by one worker (Matrix+Reductions).
    let residual = truth.columnSquaredDifferences(prediction), total = truth.columnSumsOfSquaredDeviations()
    let per = (0..<q).map { RSquared.ratio(residual: residual[$0], total: total[$0]) }
    perDimension = per
    mean = per.reduce(0, +) / Double(q)
    pooled = RSquared.ratio(residual: residual.reduce(0, +), total: total.reduce(0, +))
  }

  /// `R² = 1 − Σ_i (y_i − ŷ_i)² / Σ_i (y_i − ȳ)²` for a scalar target (e.g. a
  /// predicted norm), with the same constant-target convention.
  /// - Throws: on a length mismatch, empty input, or non-finite entries.
  public static func scalar(truth: [Float], prediction: [Float]) throws -> Double {
    guard truth.count == prediction.count else {
      throw SAEKitError.shapeMismatch(
        operation: "R² (truth vs prediction)", lhs: Shape(truth.count, 1), rhs: Shape(prediction.count, 1))
    }
    let y = try Matrix(rows: truth.count, cols: 1, storage: truth)
    let yh = try Matrix(rows: prediction.count, cols: 1, storage: prediction)
    return try RSquared(truth: y, prediction: yh).pooled
  }

  private static func ratio(residual: Double, total: Double) -> Double {
    if total > 0 { return 1 - residual / total }
    return residual == 0 ? 1 : 0
  }
}
