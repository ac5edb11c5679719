/// Linear least squares `min_A ‖Y − X·A‖²` (optionally with an intercept and a
/// ridge penalty), solved by Householder QR in double precision (LAPACK `dgels`).
///
/// Dimension legend: `n` samples, `p` input features, `q` outputs. The fit is
/// multi-output: every column of `Y` gets its own column of `A`, all from one
/// factorisation of `X` (the Dark Matter analysis regresses a `d`-dimensional
/// SAE error on the `d`-dimensional activation).
///
/// ## Ridge: augmented QR, not normal equations
/// With `ridge = λ > 0` the objective is `‖Y − X·A − 1·bᵀ‖² + λ‖A‖²_F`. It is
/// solved as an ordinary least-squares problem on the augmented system
///
/// ```
/// [ X        1 ]            [ Y ]
/// [ √λ·I_p   0 ] · [A; bᵀ] ≈ [ 0 ]
/// ```
///
/// The zero under the ones column means the intercept `b` is **not**
/// penalised. QR on the augmented matrix was chosen over Cholesky on
/// `XᵀX + λI`: forming `XᵀX` squares the condition number, so QR keeps about
/// twice as many correct digits on ill-conditioned activations (which are
/// common: residual-stream activations have a few huge directions). The cost
/// is memory: the augmented `X` and `Y` are held in Double, about
/// `8·(n + p)·(p + 1 + q)` bytes, and LAPACKE's row-major interface makes one
/// transposed copy of each. Subsample rows when that is too much.
public enum LeastSquares {
  /// Fits `Y ≈ X·A (+ 1·bᵀ)`.
  ///
  /// - Parameters:
  ///   - x: `(n × p)` inputs.
  ///   - y: `(n × q)` targets.
  ///   - intercept: adds a column of ones to `X`; its coefficients are returned
  ///     separately as ``LinearFit/intercept`` and are never penalised.
  ///   - ridge: `λ ≥ 0`, the weight of `λ‖A‖²_F`. `0` is ordinary least squares.
  /// - Returns: the fit, with `A (p × q)` and `b (q)` rounded to Float.
  /// - Throws: ``SAEKitError/shapeMismatch(operation:lhs:rhs:)`` when `X` and
  ///   `Y` have different row counts; ``SAEKitError/nonFinite(_:)`` for NaN or
  ///   infinite inputs; ``SAEKitError/invalidArgument(_:)`` when the problem is
  ///   underdetermined (`n` < number of unknowns per output, without ridge) or
  ///   numerically rank deficient; ``SAEKitError/lapack(routine:info:detail:)``
  ///   when `dgels` reports an exactly singular triangular factor.
  /// - Complexity: `O((n + p)·k²)` with `k = p + 1` unknowns per output, plus
  ///   `O((n + p)·k·q)` to apply the factorisation to `Y`.
  public static func fit(x: Matrix, y: Matrix, intercept: Bool = true, ridge: Double = 0) throws -> LinearFit {
    let n = x.rows, p = x.cols, q = y.cols
    guard y.rows == n else {
      throw SAEKitError.shapeMismatch(operation: "least squares X·A ≈ Y (row counts differ)", lhs: x.shape, rhs: y.shape)
    }
    try require(ridge.isFinite && ridge >= 0, "ridge must be a finite λ ≥ 0, got \(ridge)")
    try require(q >= 1, "least squares needs at least one target column, Y is \(y.shape)")
    let k = p + (intercept ? 1 : 0)
    try require(k >= 1, "least squares needs at least one input column or an intercept, X is \(x.shape)")
    try require(n >= 1, "least squares needs at least one sample, X is \(x.shape)")
    guard x.isFinite else { throw SAEKitError.nonFinite("least squares input X \(x.shape) contains NaN or infinity") }
    guard y.isFinite else { throw SAEKitError.nonFinite("least squares target Y \(y.shape) contains NaN or infinity") }
    let augment = ridge > 0 ? p : 0
    if augment == 0 && n < k {
      throw SAEKitError.invalidArgument(
        "least squares is underdetermined: \(n) samples for \(k) unknowns per output (\(p) inputs"
          + (intercept ? " + intercept" : "") + "); add samples or use ridge > 0")
    }

    // Augmented design (m × k) and targets (m × q), row-major Double.
    let m = n + augment
    var a = [Double](repeating: 0, count: m * k)
    var b = [Double](repeating: 0, count: m * q)
    x.storage.withUnsafeBufferPointer { xs in
      a.withUnsafeMutableBufferPointer { ad in
        for i in 0..<n {
          let src = i * p, dst = i * k
          for j in 0..<p { ad[dst + j] = Double(xs[src + j]) }
          if intercept { ad[dst + p] = 1 }
        }
        let root = ridge.squareRoot()
        for j in 0..<augment { ad[(n + j) * k + j] = root }
      }
    }
    y.storage.withUnsafeBufferPointer { ys in
      b.withUnsafeMutableBufferPointer { bd in
        for e in 0..<(n * q) { bd[e] = Double(ys[e]) }
      }
    }

    let info = a.withUnsafeMutableBufferPointer { ad in
      b.withUnsafeMutableBufferPointer { bd in
        LAPACK.gels(m: m, n: k, nrhs: q, a: ad.baseAddress!, lda: k, b: bd.baseAddress!, ldb: q)
      }
    }
    if info < 0 {
      throw SAEKitError.lapack(routine: "dgels", info: info, detail: "argument \(-info) had an illegal value")
    }
    if info > 0 {
      throw SAEKitError.lapack(
        routine: "dgels", info: info,
        detail: "X is rank deficient (diagonal \(info) of the triangular factor is zero); remove collinear columns or use ridge > 0")
    }
    try checkNumericalRank(r: a, k: k, rows: m, p: p, intercept: intercept)

    var coefficients = Matrix(rows: p, cols: q)
    var interceptRow: [Float]? = nil
    b.withUnsafeBufferPointer { bd in
      coefficients.storage.withUnsafeMutableBufferPointer { c in
        for e in 0..<(p * q) { c[e] = Float(bd[e]) }
      }
      if intercept { interceptRow = (0..<q).map { Float(bd[p * q + $0]) } }
    }
    guard coefficients.isFinite, interceptRow?.allSatisfy({ $0.isFinite }) ?? true else {
      throw SAEKitError.nonFinite("least squares coefficients overflow Float; rescale X or use ridge > 0")
    }
    return LinearFit(coefficients: coefficients, intercept: interceptRow, ridge: ridge)
  }

  /// Rejects a factorisation whose `R` has a diagonal entry that is negligible
  /// next to the largest: `|R_jj| ≤ max(m, k)·ε·max_i |R_ii|` (the usual
  /// numerical-rank tolerance). Exactly collinear Float columns give such
  /// entries instead of exact zeros, so `dgels`' own check misses them.
  private static func checkNumericalRank(r: [Double], k: Int, rows m: Int, p: Int, intercept: Bool) throws {
    var largest = 0.0
    for j in 0..<k { largest = max(largest, abs(r[j * k + j])) }
    let tolerance = Double(max(m, k)) * Double.ulpOfOne * largest
    for j in 0..<k where !(abs(r[j * k + j]) > tolerance) {
      let column = j == p && intercept ? "the intercept column" : "column \(j)"
      throw SAEKitError.invalidArgument(
        "least squares design is numerically rank deficient at \(column) (|R[\(j),\(j)]| = \(abs(r[j * k + j])) vs max \(largest)); remove collinear columns or use ridge > 0")
    }
  }
}

/// The result of ``LeastSquares/fit(x:y:intercept:ridge:)``: `Ŷ = X·A + 1·bᵀ`.
public struct LinearFit: Sendable, Equatable {
  /// `A`, `(p × q)`: row `j` maps input `j` to every output.
  public let coefficients: Matrix
  /// `b`, `(q)`, or nil when the fit had no intercept.
  public let intercept: [Float]?
  /// The `λ` the fit was computed with.
  public let ridge: Double

  public init(coefficients: Matrix, intercept: [Float]?, ridge: Double = 0) {
    self.coefficients = coefficients
    self.intercept = intercept
    self.ridge = ridge
  }

  /// Number of inputs `p`.
  public var inputCount: Int { coefficients.rows }
  /// Number of outputs `q`.
  public var outputCount: Int { coefficients.cols }

  /// `Ŷ = X·A + 1·bᵀ` for `x (N × p)`, giving `(N × q)`.
  /// - Throws: ``SAEKitError/shapeMismatch(operation:lhs:rhs:)`` when `x.cols ≠ p`.
  public func predict(_ x: Matrix) throws -> Matrix {
    guard x.cols == coefficients.rows else {
      throw SAEKitError.shapeMismatch(operation: "LinearFit.predict X·A", lhs: x.shape, rhs: coefficients.shape)
    }
    var out = try x.matmul(coefficients)
    if let intercept { try out.addRowVector(intercept) }
    return out
  }
}
