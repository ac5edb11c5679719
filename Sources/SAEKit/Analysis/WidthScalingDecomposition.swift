/// Fig. 1's breakdown of an SAE family's FVU across widths into absent
/// features, linear error and nonlinear error (papers-1.md §1a "Scaling law
/// in width", `sae_power_laws.py`; §1d: nonlinear FVU ≈ constant in width).
///
/// From SAEs of widths `W_i` at one sparsity, with `FVU(W_i)` and
/// `FVU_nonlin(W_i) = FVU(x, Sae_W(x) + a*ᵀx)` (``SAEErrorDecomposition/nonlinearFVU``):
/// ```
/// FVU(W) ≈ c + a·W^(−m)                                  (PowerLawFit)
/// absent features(W) = FVU(W) − c                        (→ 0 as W → ∞)
/// linear error       = c − mean_W FVU_nonlin
/// nonlinear error    = mean_W FVU_nonlin                 (the horizontal line of Fig. 1)
/// encoder error      = FVU_nonlin(SAE) − FVU_nonlin(gradient pursuit)   (optional slice of
///                                                         the nonlinear part, per width)
/// ```
/// As a check of the "flat in width" claim the nonlinear FVU is also fitted
/// with its own power law when that is possible (`nonlinearFit`); the paper
/// itself only draws the mean.
public struct WidthScalingDecomposition: Sendable, Equatable {
  /// Widths, as given.
  public let widths: [Double]
  /// The power law fitted to the total FVU.
  public let totalFit: PowerLawFit
  /// A power law fitted to the nonlinear FVU, or nil when it could not be fitted.
  public let nonlinearFit: PowerLawFit?
  /// `FVU(W_i) − c` for each width.
  public let absentFeatures: [Double]
  /// `c − mean_W FVU_nonlin` (negative when the asymptote lies below the
  /// nonlinear line, which the paper does not expect).
  public let linearError: Double
  /// `mean_W FVU_nonlin`.
  public let nonlinearError: Double
  /// `FVU_nonlin(SAE) − FVU_nonlin(pursuit)` per width, when pursuit values were given.
  public let encoderError: [Double]?

  /// - Parameters:
  ///   - widths: dictionary widths `W_i` (positive).
  ///   - totalFVU: `FVU(W_i)`.
  ///   - nonlinearFVU: `FVU_nonlin(W_i)`.
  ///   - pursuitNonlinearFVU: `FVU_nonlin` of the gradient-pursuit
  ///     reconstructions at the same widths (optional).
  /// - Throws: on length mismatches or when the total-FVU fit fails.
  public init(widths: [Double], totalFVU: [Double], nonlinearFVU: [Double], pursuitNonlinearFVU: [Double]? = nil) throws {
    try require(totalFVU.count == widths.count && nonlinearFVU.count == widths.count,
                "width decomposition: \(widths.count) widths, \(totalFVU.count) total and \(nonlinearFVU.count) nonlinear FVUs")
    if let pursuit = pursuitNonlinearFVU {
      try require(pursuit.count == widths.count, "width decomposition: \(pursuit.count) pursuit FVUs for \(widths.count) widths")
    }
    self.widths = widths
    let fit = try PowerLawFit(widths: widths, values: totalFVU)
    let nonlinearMean = nonlinearFVU.reduce(0, +) / Double(nonlinearFVU.count)
    totalFit = fit
    nonlinearFit = try? PowerLawFit(widths: widths, values: nonlinearFVU)
    absentFeatures = totalFVU.map { $0 - fit.c }
    nonlinearError = nonlinearMean
    linearError = fit.c - nonlinearMean
    encoderError = pursuitNonlinearFVU.map { pursuit in zip(nonlinearFVU, pursuit).map { $0 - $1 } }
  }
}
