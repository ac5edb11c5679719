/// Linear least squares `min_A ‖Y − X·A‖²` (optionally with an intercept and a
/// ridge penalty), in double precision: by the normal equations when they are
/// well conditioned, by Householder QR (LAPACK `dgels`) otherwise.
///
/// ## Normal equations first, QR when they would lose digits
/// `(ZᵀZ + λI)·A = ZᵀY` with `Z = [X | 1]` is formed in Double over fixed row
/// chunks on every core (``GramProducts``) and solved by Cholesky. Forming
/// `ZᵀZ` squares the condition number, so the solve is accepted only when
/// LAPACK's estimate of its reciprocal condition number is at least
/// ``normalEquationsMinimumRcond`` (then the relative error of `A` is at most
/// about `ε/rcond ≈ 10⁻⁸`, below the Float it is returned in); otherwise, and
/// for (nearly) rank-deficient designs, the QR path below runs. On the
/// activations of the notebooks the normal equations are 5–10× faster than QR
/// (one pass over the data, both cores, instead of a single-threaded
/// factorisation), which matters when one analysis fits dozens of regressions.
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
  /// The smallest reciprocal condition number of `ZᵀZ + λI` solved by Cholesky.
  public static let normalEquationsMinimumRcond = 1e-8

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
    try Design(x: x, intercept: intercept, ridge: ridge).fit(y)
  }

  /// A design `Z = [X | 1]` prepared once for any number of targets: `ZᵀZ + λI`
  /// is formed and factored once, each ``fit(_:)`` then costs one `ZᵀY` and a
  /// triangular solve (or, for a badly conditioned design, a QR of its own).
  public final class Design: @unchecked Sendable {
    public let x: Matrix
    public let intercept: Bool
    public let ridge: Double
    /// The Cholesky factor of `ZᵀZ + λI` (upper, row-major), or nil to solve by QR.
    private let factor: [Double]?

    /// - Throws: as ``LeastSquares/fit(x:y:intercept:ridge:)`` does for `X`.
    public init(x: Matrix, intercept: Bool = true, ridge: Double = 0) throws {
      let n = x.rows, p = x.cols
      try require(ridge.isFinite && ridge >= 0, "ridge must be a finite λ ≥ 0, got \(ridge)")
      let k = p + (intercept ? 1 : 0)
      try require(k >= 1, "least squares needs at least one input column or an intercept, X is \(x.shape)")
      try require(n >= 1, "least squares needs at least one sample, X is \(x.shape)")
      guard x.isFinite else { throw SAEKitError.nonFinite("least squares input X \(x.shape) contains NaN or infinity") }
      if ridge == 0 && n < k {
        throw SAEKitError.invalidArgument(
          "least squares is underdetermined: \(n) samples for \(k) unknowns per output (\(p) inputs"
            + (intercept ? " + intercept" : "") + "); add samples or use ridge > 0")
      }
      self.x = x
      self.intercept = intercept
      self.ridge = ridge
      self.factor = n >= k ? Self.choleskyFactor(x: x, intercept: intercept, ridge: ridge) : nil
    }

    /// Fits `Y ≈ Z·A`.
    /// - Throws: as ``LeastSquares/fit(x:y:intercept:ridge:)``.
    public func fit(_ y: Matrix) throws -> LinearFit {
      let p = x.cols, q = y.cols, k = p + (intercept ? 1 : 0)
      guard y.rows == x.rows else {
        throw SAEKitError.shapeMismatch(operation: "least squares X·A ≈ Y (row counts differ)", lhs: x.shape, rhs: y.shape)
      }
      try require(q >= 1, "least squares needs at least one target column, Y is \(y.shape)")
      guard y.isFinite else { throw SAEKitError.nonFinite("least squares target Y \(y.shape) contains NaN or infinity") }
      if let factor {
        var cross = GramProducts.compute(x, y, intercept: intercept, gram: false).cross
        let info = factor.withUnsafeBufferPointer { f in
          cross.withUnsafeMutableBufferPointer { c in
            LAPACK.potrs(n: k, nrhs: q, a: f.baseAddress!, lda: k, b: c.baseAddress!, ldb: q)
          }
        }
        if info == 0 {
          var coefficients = Matrix(rows: p, cols: q)
          for e in 0..<(p * q) { coefficients.storage[e] = Float(cross[e]) }
          let interceptRow: [Float]? = intercept ? (0..<q).map { Float(cross[p * q + $0]) } : nil
          if coefficients.isFinite && interceptRow?.allSatisfy({ $0.isFinite }) ?? true {
            return LinearFit(coefficients: coefficients, intercept: interceptRow, ridge: ridge)
          }
        }
      }
      return try householder(x: x, y: y, intercept: intercept, ridge: ridge)
    }

    /// The Cholesky factor of `ZᵀZ + λI`, or nil when it is not (safely) positive definite.
    static func choleskyFactor(x: Matrix, intercept: Bool, ridge: Double) -> [Double]? {
      let p = x.cols, k = p + (intercept ? 1 : 0)
      var gram = GramProducts.compute(x, Matrix(rows: x.rows, cols: 0), intercept: intercept).gram
      for j in 0..<p { gram[j * k + j] += ridge }
      var norm = 0.0
      for j in 0..<k {
        var column = 0.0
        for i in 0..<k { column += abs(gram[i * k + j]) }
        norm = max(norm, column)
      }
      let ok = gram.withUnsafeMutableBufferPointer { g -> Bool in
        LAPACK.potrf(n: k, a: g.baseAddress!, lda: k) == 0
          && LAPACK.pocon(n: k, a: g.baseAddress!, lda: k, norm: norm) >= normalEquationsMinimumRcond
      }
      return ok ? gram : nil
    }
  }

  /// The augmented design `[X | 1]` over `[√λ·I | 0]` `(m × k)` and the targets `Y` over zeros
  /// `(m × q)`, row-major Double; `m = n + p` when `ridge > 0`, else `n`. Rows are converted in
  /// parallel.
  static func augmentedSystem(x: Matrix, y: Matrix, intercept: Bool, ridge: Double) -> (a: [Double], b: [Double]) {
    let n = x.rows, p = x.cols, q = y.cols
    let k = p + (intercept ? 1 : 0)
    let augment = ridge > 0 ? p : 0
    var a = [Double](repeating: 0, count: (n + augment) * k)
    var b = [Double](repeating: 0, count: (n + augment) * q)
    x.storage.withUnsafeBufferPointer { xs in
    y.storage.withUnsafeBufferPointer { ys in
    a.withUnsafeMutableBufferPointer { ad in
    b.withUnsafeMutableBufferPointer { bd in
      let (xp, yp, ap, bp) = (xs.baseAddress, ys.baseAddress, ad.baseAddress, bd.baseAddress)
      Matrix.forEachBlock(count: n, width: k + q) { rows in
        for i in rows {
          for j in 0..<p { ap![i * k + j] = Double(xp![i * p + j]) }
          if intercept { ap![i * k + p] = 1 }
          for t in 0..<q { bp![i * q + t] = Double(yp![i * q + t]) }
        }
      }
      let root = ridge.squareRoot()
      for j in 0..<augment { ap![(n + j) * k + j] = root }
    }}}}
    return (a, b)
  }

  /// Householder QR of the (augmented) design, `dgels`.
  static func householder(x: Matrix, y: Matrix, intercept: Bool, ridge: Double) throws -> LinearFit {
    let p = x.cols, q = y.cols
    let k = p + (intercept ? 1 : 0)
    let m = x.rows + (ridge > 0 ? p : 0)
    var (a, b) = augmentedSystem(x: x, y: y, intercept: intercept, ridge: ridge)
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
