/// Ordinary least squares fitted on one split of tokens and scored on the
/// other, the way Dark Matter scores every "is this predictable from that"
/// question (papers-1.md §1a "R² as the code computes it", §5.4).
///
/// ```
/// A*, b* = argmin Σ_{t ∈ fit} ‖y_t − x_t·A (− b)‖²      (LeastSquares, QR / dgels)
/// R²_j   = 1 − Σ_{t ∈ test} (y_tj − ŷ_tj)² / Σ_{t ∈ test} (y_tj − ȳ_j)²   (ȳ: test mean)
/// headline R² = mean_j R²_j;  pooled R² = 1 − ΣΣ residual / ΣΣ centred total
/// ```
///
/// The total sum of squares is centred even when the fit has no intercept, as
/// in the paper's code, so a non-zero-mean target costs R² (§1a note).
/// Used for the vector split (``SAEErrorDecomposition``), the norm
/// predictions (Fig. 7 / 13), per-token scaling and the earlier-layer
/// regressions of §6.2 (target: nonlinear error, inputs: other SAEs'
/// reconstructions concatenated column-wise).
public enum HeldOutRegression {
  /// A multi-output fit and its held-out R².
  public struct VectorResult: Sendable, Equatable {
    /// `A* (p × q)` and, with an intercept, `b* (q)`.
    public let fit: LinearFit
    /// Held-out R² (per dimension, mean = headline, pooled).
    public let r2: RSquared
  }

  /// A scalar-target fit and its held-out R².
  public struct ScalarResult: Sendable, Equatable {
    /// `b* (p × 1)` and, with an intercept, the constant.
    public let fit: LinearFit
    /// Held-out `R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²`.
    public let r2: Double
  }

  /// One set of inputs and one split, prepared once for many targets: the fit
  /// rows' design is factored once (``LeastSquares/Design``), so each further
  /// target costs one pass over the data instead of a new factorisation.
  public struct Fitter: Sendable {
    public let split: TokenSplit
    let design: LeastSquares.Design
    let testInputs: Matrix

    /// - Throws: when the split does not fit the inputs, or as ``LeastSquares/Design``.
    public init(inputs: Matrix, split: TokenSplit, intercept: Bool = false, ridge: Double = 0) throws {
      try split.validate(tokenCount: inputs.rows)
      self.split = split
      design = try LeastSquares.Design(x: inputs.rows(split.fitRows), intercept: intercept, ridge: ridge)
      testInputs = inputs.rows(split.testRows)
    }

    /// Regresses `targets (N × q)`, one row per input row.
    public func vector(targets: Matrix) throws -> VectorResult {
      try split.validate(tokenCount: targets.rows)
      let fit = try design.fit(targets.rows(split.fitRows))
      let prediction = try fit.predict(testInputs)
      return VectorResult(fit: fit, r2: try RSquared(truth: targets.rows(split.testRows), prediction: prediction))
    }

    /// Regresses a per-token scalar `target (N)`.
    public func scalar(target: [Double]) throws -> ScalarResult {
      let y = try Matrix(rows: target.count, cols: 1, storage: target.map { Float($0) })
      let result = try vector(targets: y)
      return ScalarResult(fit: result.fit, r2: result.r2.pooled)
    }

    /// Predicts the squared norm `‖y_t‖²` of every row of `targets`.
    public func squaredNorm(of targets: Matrix) throws -> ScalarResult { try scalar(target: targets.rowSquaredNorms()) }
  }

  /// Regresses `targets (N × q)` on `inputs (N × p)`.
  /// - Throws: on shape mismatches, a split outside `0..<N`, or a failed solve.
  public static func vector(
    inputs: Matrix, targets: Matrix, split: TokenSplit, intercept: Bool = false, ridge: Double = 0
  ) throws -> VectorResult {
    try checkRows(inputs, targets.rows, split)
    let fit = try LeastSquares.fit(
      x: inputs.rows(split.fitRows), y: targets.rows(split.fitRows), intercept: intercept, ridge: ridge)
    let prediction = try fit.predict(inputs.rows(split.testRows))
    return VectorResult(fit: fit, r2: try RSquared(truth: targets.rows(split.testRows), prediction: prediction))
  }

  /// Regresses `targets` on several explainers at once, `[X₁ | X₂ | …]`
  /// (§6.2 / Fig. 10b: nonlinear error on the SAE reconstructions of the
  /// previous layer and of the attention and MLP outputs). Needs
  /// `N_fit ≫ Σ p_i` to avoid an optimistic fit.
  /// - Throws: when the explainers differ in row count, or as ``vector(inputs:targets:split:intercept:ridge:)``.
  public static func vector(
    explainers: [Matrix], targets: Matrix, split: TokenSplit, intercept: Bool = false, ridge: Double = 0
  ) throws -> VectorResult {
    try vector(inputs: columnConcatenation(explainers), targets: targets, split: split, intercept: intercept, ridge: ridge)
  }

  /// `[X₁ | X₂ | …]`, `(N × Σ p_i)`.
  /// - Throws: when there are no parts or their row counts differ.
  public static func columnConcatenation(_ parts: [Matrix]) throws -> Matrix {
    try require(!parts.isEmpty, "column concatenation needs at least one matrix")
    let n = parts[0].rows
    for part in parts where part.rows != n {
      throw SAEKitError.shapeMismatch(operation: "column concatenation (row counts differ)", lhs: parts[0].shape, rhs: part.shape)
    }
    let width = parts.reduce(0) { $0 + $1.cols }
    var out = Matrix(rows: n, cols: width)
    var offset = 0
    for part in parts {
      let c = part.cols, first = offset
      part.storage.withUnsafeBufferPointer { src in
        guard let sp = src.baseAddress else { return }
        out.updateRows { row, i in (row + first).update(from: sp + i * c, count: c) }
      }
      offset += c
    }
    return out
  }

  /// Regresses a per-token scalar `target (N)` on `inputs (N × p)`.
  /// - Throws: on shape mismatches, a split outside `0..<N`, or a failed solve.
  public static func scalar(
    inputs: Matrix, target: [Double], split: TokenSplit, intercept: Bool = true, ridge: Double = 0
  ) throws -> ScalarResult {
    try checkRows(inputs, target.count, split)
    let y = try Matrix(rows: target.count, cols: 1, storage: target.map { Float($0) })
    let result = try vector(inputs: inputs, targets: y, split: split, intercept: intercept, ridge: ridge)
    return ScalarResult(fit: result.fit, r2: result.r2.pooled)
  }

  /// Predicts the squared norm `‖y_t‖²` of every row of `targets` from
  /// `inputs` (the "norm prediction" of §1a: the target is the **squared**
  /// norm; no intercept in the Fig. 1/7 fits, a column of ones in Fig. 13's).
  public static func squaredNorm(
    inputs: Matrix, of targets: Matrix, split: TokenSplit, intercept: Bool = false, ridge: Double = 0
  ) throws -> ScalarResult {
    try scalar(inputs: inputs, target: targets.rowSquaredNorms(), split: split, intercept: intercept, ridge: ridge)
  }

  /// `[v, 1]`-style design from per-token scalar features: column `j` is
  /// `features[j]`, `(N × features.count)`.
  /// - Throws: when the features differ in length or there are none.
  public static func design(_ features: [[Double]]) throws -> Matrix {
    try require(!features.isEmpty, "a design matrix needs at least one feature")
    let n = features[0].count
    try require(features.allSatisfy { $0.count == n }, "design features differ in length")
    return Matrix(rows: n, cols: features.count) { i, j in Float(features[j][i]) }
  }

  static func checkRows(_ inputs: Matrix, _ targetRows: Int, _ split: TokenSplit) throws {
    guard inputs.rows == targetRows else {
      throw SAEKitError.shapeMismatch(
        operation: "held-out regression (inputs vs targets, row counts differ)", lhs: inputs.shape,
        rhs: Shape(targetRows, 1))
    }
    try split.validate(tokenCount: inputs.rows)
  }
}

/// Summary statistics used by the Dark Matter analyses.
public enum DarkMatterStatistics {
  /// `FVU = Σ_ij (y_ij − ŷ_ij)² / Σ_ij (y_ij − ȳ)²` with one grand mean `ȳ`
  /// over all entries — the "1 − R²" of the synthetic test (papers-1.md §1a
  /// "Synthetic validation": "FVU here = 1 − R² with a single grand mean").
  /// A constant `Y` gives 0 when reconstructed exactly and 1 otherwise.
  /// - Throws: on a shape mismatch or an empty `Y`.
  public static func grandMeanFVU(truth: Matrix, prediction: Matrix) throws -> Double {
    guard truth.shape == prediction.shape else {
      throw SAEKitError.shapeMismatch(operation: "grand-mean FVU (truth vs prediction)", lhs: truth.shape, rhs: prediction.shape)
    }
    try require(truth.count > 0, "grand-mean FVU needs a non-empty target")
    var mean = 0.0
    for v in truth.storage { mean += Double(v) }
    mean /= Double(truth.count)
    var residual = 0.0, total = 0.0
    truth.storage.withUnsafeBufferPointer { y in
      prediction.storage.withUnsafeBufferPointer { yh in
        for e in 0..<y.count {
          let r = Double(y[e]) - Double(yh[e]), c = Double(y[e]) - mean
          residual += r * r
          total += c * c
        }
      }
    }
    return ReconstructionMetrics.fvu(residual: residual, total: total)
  }

  /// Pearson correlation `cov(a, b) / (σ_a σ_b)`; 0 when either is constant.
  /// - Throws: when the lengths differ or are below 2.
  public static func pearson(_ a: [Double], _ b: [Double]) throws -> Double {
    try require(a.count == b.count && a.count >= 2, "Pearson correlation needs two series of equal length ≥ 2")
    let n = Double(a.count)
    let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for i in a.indices {
      let u = a[i] - ma, v = b[i] - mb
      sab += u * v
      saa += u * u
      sbb += v * v
    }
    return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
  }
}
