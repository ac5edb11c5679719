/// Linear-regression similarity, one of ITDA's baselines (papers-2.md §2c
/// "Baselines"; the reference code's `linear_regression_r2_torch`): how well
/// `Y (n × q)` is a linear function of `X (n × p)`, without intercept:
///
/// ```
/// W  = X⁺·Y                       (pseudo-inverse, no intercept)
/// R² = 1 − Σ‖Y − X·W‖² / Σ‖Y − 1·ȳᵀ‖²     (one global value; ȳ = column means of Y)
/// ```
///
/// `X⁺` keeps the singular values `σ_i > rtol·σ_1`; the default `rtol` is
/// PyTorch's default for a float32 `torch.linalg.pinv`, `max(n, p)·ε_f32`
/// (with n = 10⁵ tokens that is 1.2 % of `σ_1`, so the reference discards the
/// weak directions of `X`). Computed as `W = V·diag(1/σ²)·Vᵀ·XᵀY` from the
/// Double eigendecomposition of `XᵀX` (identical to `X⁺·Y` on the kept
/// directions); the residual is summed in Double over row blocks. A constant
/// `Y` (`TSS < 10⁻¹²`) gives 1 when `SSE < 10⁻¹²` and 0 otherwise, as the reference.
/// Not symmetric: `rSquared(predicting: y, from: x)` differs from the reverse.
public enum LinearRegressionSimilarity {
  /// PyTorch's default relative cutoff for a float32 `(n × p)` pseudo-inverse.
  public static func defaultTolerance(tokens n: Int, dimension p: Int) -> Double {
    Double(max(n, p)) * Double(Float.ulpOfOne)
  }

  /// The global `R²` of predicting `y` from `x` by least squares through the origin.
  /// - Parameter relativeTolerance: the `rtol` of `X⁺` (default: PyTorch's float32 default).
  /// - Throws: when the row counts differ or an input is empty or non-finite.
  public static func rSquared(predicting y: Matrix, from x: Matrix, relativeTolerance: Double? = nil) throws -> Double {
    try LinearCKA.check(x, y, "linear-regression similarity")
    let n = x.rows, p = x.cols, q = y.cols
    let rtol = relativeTolerance ?? defaultTolerance(tokens: n, dimension: p)
    let eigen = try SymmetricEigen.decompose(symmetric: CrossProducts.product(x, center: false), n: p)
    let xty = CrossProducts.product(x, y, center: false)
    let sigmaMax = max(eigen.values.first ?? 0, 0).squareRoot()
    let kept = (0..<p).filter { max(eigen.values[$0], 0).squareRoot() > rtol * sigmaMax }
    // W = V_k·diag(1/λ_k)·V_kᵀ·XᵀY, (p × q).
    let v = SVCCA.leading(eigen.vectors, n: p, count: p)
    var projected = [Double](repeating: 0, count: kept.count * q)  // diag(1/λ)·V_kᵀ·XᵀY
    for (a, j) in kept.enumerated() {
      for i in 0..<p where v[i * p + j] != 0 {
        let f = v[i * p + j] / eigen.values[j]
        for c in 0..<q { projected[a * q + c] += f * xty[i * q + c] }
      }
    }
    var w = [Double](repeating: 0, count: p * q)
    for i in 0..<p {
      for (a, j) in kept.enumerated() {
        let f = v[i * p + j]
        for c in 0..<q { w[i * q + c] += f * projected[a * q + c] }
      }
    }
    let sse = residualSum(x, y, w)
    let tss = y.columnSumsOfSquaredDeviations().reduce(0, +)
    if tss < 1e-12 { return sse < 1e-12 ? 1 : 0 }
    return 1 - sse / tss
  }

  /// `Σ‖Y − X·W‖²` in Double, over row blocks.
  static func residualSum(_ x: Matrix, _ y: Matrix, _ w: [Double]) -> Double {
    let n = x.rows, p = x.cols, q = y.cols
    let block = min(CrossProducts.blockRows, n)
    var bx = [Double](repeating: 0, count: block * p)
    var by = [Double](repeating: 0, count: block * q)
    let zerosX = [Double](repeating: 0, count: p), zerosY = [Double](repeating: 0, count: q)
    var sse = 0.0
    var start = 0
    while start < n {
      let rows = min(block, n - start)
      CrossProducts.load(x, rows: start..<(start + rows), subtracting: zerosX, into: &bx)
      CrossProducts.load(y, rows: start..<(start + rows), subtracting: zerosY, into: &by)
      // by ← Y − X·W
      bx.withUnsafeBufferPointer { xb in
        w.withUnsafeBufferPointer { wb in
          by.withUnsafeMutableBufferPointer { yb in
            BLAS.dgemm(
              transposeA: false, transposeB: false, m: rows, n: q, k: p, alpha: -1, a: xb.baseAddress!, lda: p,
              b: wb.baseAddress!, ldb: q, beta: 1, c: yb.baseAddress!, ldc: q)
          }
        }
      }
      for e in 0..<(rows * q) { sse += by[e] * by[e] }
      start += rows
    }
    return sse
  }
}
