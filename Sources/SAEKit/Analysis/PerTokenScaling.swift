/// Per-token scaling across SAE widths (papers-1.md §1a "Per-token scaling",
/// `sae_power_laws_per_token.py`; §1f(ii)3): do larger SAEs fail on the same
/// tokens as smaller ones, and does the smaller SAE's nonlinear error tell
/// us more?
///
/// With `e_W(t) = ‖SaeError_W(x_t)‖` and `n_W(t) = ‖NonlinearError_W(x_t)‖`
/// (**plain** norms here, not squared — §1g):
/// ```
/// R²[i][j]   = R² of OLS  e_{W_j} ≈ [e_{W_i}, 1]                      (i ≤ j)
/// gain[i][j] = 100 · (R²([e_{W_i}, n_{W_i}, 1] → e_{W_j}) − R²[i][j]) / (1 − R²[i][j])
///            = % of the variance R²[i][j] leaves that n_{W_i} explains  (i < j)
/// ```
/// Fits on `split.fitRows`, scores on `split.testRows` (``HeldOutRegression``).
/// Entries below the diagonal are nil (the paper plots the upper triangle);
/// the diagonal has `R² = 1` and no gain.
public struct PerTokenScaling: Sendable, Equatable {
  /// `R²[i][j]` for `i ≤ j`, nil otherwise.
  public let r2: [[Double?]]
  /// `gain[i][j]` in percent for `i < j`, nil otherwise (also nil when `R²[i][j] > 1 − 10⁻⁶`,
  /// where nothing is left to explain and the ratio is rounding noise).
  public let gain: [[Double?]]

  /// - Parameters:
  ///   - errorNorms: `errorNorms[i][t] = e_{W_i}(t)`, widths in ascending order.
  ///   - nonlinearNorms: `nonlinearNorms[i][t] = n_{W_i}(t)`, same layout.
  ///   - split: the fit / held-out tokens.
  /// - Throws: when the arrays disagree in size, or a solve fails.
  public init(errorNorms: [[Double]], nonlinearNorms: [[Double]], split: TokenSplit) throws {
    let widths = errorNorms.count
    try require(widths >= 1 && nonlinearNorms.count == widths,
                "per-token scaling needs one error-norm and one nonlinear-norm series per width")
    let n = errorNorms[0].count
    try require((errorNorms + nonlinearNorms).allSatisfy { $0.count == n }, "per-token series differ in length")
    try split.validate(tokenCount: n)
    var r2 = [[Double?]](repeating: [Double?](repeating: nil, count: widths), count: widths)
    var gain = r2
    for i in 0..<widths {
      let small = try HeldOutRegression.design([errorNorms[i]])
      let smallAndNonlinear = try HeldOutRegression.design([errorNorms[i], nonlinearNorms[i]])
      for j in i..<widths {
        let base = try HeldOutRegression.scalar(inputs: small, target: errorNorms[j], split: split).r2
        r2[i][j] = base
        guard j > i, base < 1 - 1e-6 else { continue }
        let more = try HeldOutRegression.scalar(inputs: smallAndNonlinear, target: errorNorms[j], split: split).r2
        gain[i][j] = 100 * (more - base) / (1 - base)
      }
    }
    self.r2 = r2
    self.gain = gain
  }
}
