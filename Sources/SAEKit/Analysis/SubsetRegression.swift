/// Least squares of several targets on every requested subset of a list of
/// explainers, all from one Gram matrix, fitted on one set of tokens and
/// scored on another (the "which parts of the model explain the error"
/// regressions of Dark Matter §6.2 / Fig. 10b: each explainer alone, and
/// their combinations).
///
/// ```
/// Z = [X₁ | X₂ | … | X_k] (| 1)          (N_fit × P)   explainers, fit tokens
/// Y = [Y₁ | Y₂ | …]                      (N_fit × Q)   targets, fit tokens
/// G = ZᵀZ,  C = ZᵀY                      in Double, one pass over the fit rows
/// β_S = G[S,S]⁻¹ · C[S,:]                 Cholesky, for each subset S of explainer columns
/// R² of Y_t on the test tokens with Ŷ_t = Z_test[:, S]·β_S[:, t]     (``RSquared``: mean and pooled)
/// ```
///
/// One pass over the data serves every subset, where a QR per subset
/// (``LeastSquares``) would redo the whole factorisation each time. The price
/// is conditioning: `G` has the square of `Z`'s condition number, fine in
/// Double for SAE reconstructions (κ(Z) ≲ 10⁴) but not for nearly collinear
/// explainers, which are refused ("not positive definite") rather than
/// solved badly. The Gram matrix is accumulated over a fixed number of row
/// chunks, one partial per chunk, summed in chunk order: the same bits for
/// any number of cores.
public enum SubsetRegression {
  /// The fit of one subset.
  public struct Fit: Sendable, Equatable {
    /// Indices of the explainers used, ascending.
    public let subset: [Int]
    /// Number of explanatory columns (with the intercept, if any).
    public let columns: Int
    /// Held-out R² of each target.
    public let r2: [RSquared]
  }

  /// Fits every subset of `explainers` in `subsets` to every target.
  /// - Parameters:
  ///   - explainers: fit-token explainers, each `(N_fit × p_i)`.
  ///   - targets: fit-token targets, each `(N_fit × q_t)`.
  ///   - testExplainers, testTargets: the same on the tokens that score the fits.
  ///   - subsets: lists of explainer indices, e.g. `[[0], [1], [0, 1]]`.
  ///   - intercept: adds a column of ones to every subset.
  /// - Throws: on mismatched shapes, empty or out-of-range subsets, fewer fit tokens than
  ///   columns, non-finite data, or a subset whose columns are (numerically) collinear.
  public static func fit(
    explainers: [Matrix], targets: [Matrix], testExplainers: [Matrix], testTargets: [Matrix],
    subsets: [[Int]], intercept: Bool = false
  ) throws -> [Fit] {
    try require(!explainers.isEmpty && explainers.count == testExplainers.count,
                "give the same number (≥ 1) of explainers for the fit and the test tokens")
    try require(!targets.isEmpty && targets.count == testTargets.count,
                "give the same number (≥ 1) of targets for the fit and the test tokens")
    try require(!subsets.isEmpty, "give at least one subset of explainers")
    for s in subsets {
      try require(!s.isEmpty && s.allSatisfy { explainers.indices.contains($0) } && Set(s).count == s.count,
                  "subset \(s) must list distinct explainer indices in 0..<\(explainers.count)")
    }
    for (fit, test) in zip(explainers, testExplainers) where fit.cols != test.cols {
      throw SAEKitError.shapeMismatch(operation: "subset regression (fit vs test explainer)", lhs: fit.shape, rhs: test.shape)
    }
    for (fit, test) in zip(targets, testTargets) where fit.cols != test.cols {
      throw SAEKitError.shapeMismatch(operation: "subset regression (fit vs test target)", lhs: fit.shape, rhs: test.shape)
    }
    let z = try HeldOutRegression.columnConcatenation(explainers + (intercept ? [ones(explainers[0].rows)] : []))
    let y = try HeldOutRegression.columnConcatenation(targets)
    let zTest = try HeldOutRegression.columnConcatenation(testExplainers + (intercept ? [ones(testExplainers[0].rows)] : []))
    let testRows = testTargets[0].rows
    try require(z.rows == y.rows, "the fit explainers have \(z.rows) rows, the fit targets \(y.rows)")
    try require(testTargets.allSatisfy { $0.rows == testRows } && zTest.rows == testRows,
                "the test explainers have \(zTest.rows) rows, the test targets \(testTargets.map(\.rows))")
    guard z.isFinite, y.isFinite else { throw SAEKitError.nonFinite("subset regression data contain NaN or infinity") }
    let (gram, cross) = GramProducts.compute(z, y, intercept: false)

    // Column ranges of each explainer (and of the intercept) in Z.
    var offsets = [0]
    for e in explainers { offsets.append(offsets.last! + e.cols) }
    let p = z.cols, q = y.cols
    return try subsets.map { subset in
      let columns = subset.sorted().flatMap { Array(offsets[$0]..<offsets[$0 + 1]) } + (intercept ? [p - 1] : [])
      let k = columns.count
      try require(z.rows > k, "\(z.rows) fit tokens for \(k) columns: the fit needs more tokens than columns")
      var a = [Double](repeating: 0, count: k * k), b = [Double](repeating: 0, count: k * q)
      for (i, ci) in columns.enumerated() {
        for (j, cj) in columns.enumerated() { a[i * k + j] = gram[ci * p + cj] }
        for t in 0..<q { b[i * q + t] = cross[ci * q + t] }
      }
      let info = a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeMutableBufferPointer { bp in LAPACK.posv(n: k, nrhs: q, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: q) }
      }
      guard info == 0 else {
        throw SAEKitError.invalidArgument(
          "the explainers of subset \(subset) are collinear (their Gram matrix is not positive definite at column \(info)); leave one out")
      }
      let beta = try Matrix(rows: k, cols: q, storage: b.map { Float($0) })
      let prediction = try zTest.columns(columns).matmul(beta)
      var r2 = [RSquared](), start = 0
      for target in testTargets {
        let range = Array(start..<(start + target.cols))
        r2.append(try RSquared(truth: target, prediction: prediction.columns(range)))
        start += target.cols
      }
      return Fit(subset: subset.sorted(), columns: k, r2: r2)
    }
  }

  static func ones(_ rows: Int) -> Matrix { Matrix(rows: rows, cols: 1, repeating: 1) }
}
