/// SVCCA (Raghu et al. 2017) on 20 components, one of ITDA's baselines
/// (papers-2.md §2c "Baselines"; the reference code's `svcca_torch`):
///
/// ```
/// X̃, Ỹ      = column-centred X (n × p), Y (n × q)
/// X_r = X̃·V_X   top-k right singular directions (k = 20): the reduction U·S
/// ρ_1 ≥ … ≥ ρ_k  canonical correlations between X_r and Y_r
/// SVCCA      = (1/k) Σ_i ρ_i          k = min(20, p, q, n)
/// ```
///
/// **Exact** (``Variant/exact``, default): with `X̃ ≈ U_X·S_X·V_Xᵀ`, the
/// canonical correlations are the singular values of `U_Xᵀ·U_Y`, computed
/// from Double cross products as `S_X⁻¹·V_Xᵀ·(X̃ᵀỸ)·V_Y·S_Y⁻¹`. Directions with
/// `s_i² ≤ 10⁻¹²·s_1²` are dropped and count as correlation 0 in the mean.
///
/// **Reference code** (``Variant/referenceCode``): the reference forms
/// `M = (C_xx + εI)⁺·C_xy·(C_yy + εI)⁺·C_xyᵀ` (ε = 10⁻¹²; `pinv` with
/// PyTorch's default cutoff `20·ε_f32` relative) and calls
/// `torch.linalg.eigh(M)`, which reads only the **lower triangle** of this
/// non-symmetric matrix; its eigenvalues are clamped at 0, square-rooted, and
/// the top `k` averaged. This reproduces that, so the values match the paper's
/// Table 1 computation; they are not the true canonical correlations unless
/// `S_X` is a multiple of the identity.
///
/// Both variants use the exact top-`k` singular directions (from the Double
/// `p × p` eigendecomposition of `X̃ᵀX̃`) where the reference uses the
/// randomised `torch.svd_lowrank(q = 20)`.
public enum SVCCA {
  public enum Variant: String, Sendable, CaseIterable {
    case exact
    case referenceCode
  }

  /// SVCCA of `x (n × p)` and `y (n × q)` with `components` directions per side.
  /// - Throws: when the row counts differ, an input is empty or non-finite, or
  ///   `components < 1`.
  public static func similarity(
    _ x: Matrix, _ y: Matrix, components: Int = 20, variant: Variant = .exact
  ) throws -> Double {
    try LinearCKA.check(x, y, "SVCCA")
    try require(components >= 1, "SVCCA needs at least one component, got \(components)")
    let p = x.cols, q = y.cols
    let k = min(components, p, q, x.rows)
    let ex = try SymmetricEigen.decompose(symmetric: CrossProducts.product(x, center: true), n: p)
    let ey = try SymmetricEigen.decompose(symmetric: CrossProducts.product(y, center: true), n: q)
    let kxy = CrossProducts.product(x, y, center: true)
    let rx = min(components, p), ry = min(components, q)
    let vx = leading(ex.vectors, n: p, count: rx), vy = leading(ey.vectors, n: q, count: ry)
    let cxy = CrossProducts.sandwich(vx, p: p, r: rx, kxy, s: q, vy, t: ry)
    let lx = Array(ex.values.prefix(rx)).map { max($0, 0) }, ly = Array(ey.values.prefix(ry)).map { max($0, 0) }
    let correlations: [Double]
    switch variant {
    case .exact: correlations = try exactCorrelations(cxy, lx, ly)
    case .referenceCode: correlations = try referenceCorrelations(cxy, lx, ly)
    }
    return correlations.prefix(k).reduce(0, +) / Double(k)
  }

  /// The first `count` columns of a row-major `(n × n)` matrix, as `(n × count)`.
  static func leading(_ v: [Double], n: Int, count: Int) -> [Double] {
    var out = [Double](repeating: 0, count: n * count)
    for i in 0..<n { for j in 0..<count { out[i * count + j] = v[i * n + j] } }
    return out
  }

  /// Singular values of `S_X⁻¹·C_xy·S_Y⁻¹` (kept directions only), descending, ≤ 1.
  static func exactCorrelations(_ cxy: [Double], _ lx: [Double], _ ly: [Double]) throws -> [Double] {
    let ry = ly.count
    let keepX = lx.indices.filter { lx[$0] > 1e-12 * (lx.first ?? 0) }
    let keepY = ly.indices.filter { ly[$0] > 1e-12 * (ly.first ?? 0) }
    guard !keepX.isEmpty, !keepY.isEmpty else { return [] }
    var w = [Double](repeating: 0, count: keepX.count * keepY.count)
    for (a, i) in keepX.enumerated() {
      for (b, j) in keepY.enumerated() {
        w[a * keepY.count + b] = cxy[i * ry + j] / (lx[i] * ly[j]).squareRoot()
      }
    }
    let svd = try SingularValueDecomposition.decompose(w, rows: keepX.count, cols: keepY.count)
    return svd.s.map { min($0, 1) }
  }

  /// The reference's eigenvalues of the lower triangle of `M`, clamped, rooted, descending.
  static func referenceCorrelations(_ cxy: [Double], _ lx: [Double], _ ly: [Double]) throws -> [Double] {
    let rx = lx.count, ry = ly.count, eps = 1e-12
    func pseudoInverse(_ l: [Double]) -> [Double] {
      let cutoff = Double(l.count) * Double(Float.ulpOfOne) * ((l.max() ?? 0) + eps)
      return l.map { $0 + eps > cutoff ? 1 / ($0 + eps) : 0 }
    }
    let ix = pseudoInverse(lx), iy = pseudoInverse(ly)
    // M = diag(ix)·C·diag(iy)·Cᵀ, (rx × rx).
    var m = [Double](repeating: 0, count: rx * rx)
    for i in 0..<rx {
      for j in 0..<rx {
        var s = 0.0
        for t in 0..<ry { s += cxy[i * ry + t] * iy[t] * cxy[j * ry + t] }
        m[i * rx + j] = ix[i] * s
      }
    }
    // eigh(UPLO = 'L'): the symmetric matrix whose lower triangle is M's.
    for i in 0..<rx { for j in (i + 1)..<rx { m[i * rx + j] = m[j * rx + i] } }
    let values = try SymmetricEigen.decompose(symmetric: m, n: rx).values
    return values.map { max($0, 0).squareRoot() }
  }
}
