import Foundation

/// The vSAE's KL term (Baker & Li 2025; the reference code's
/// `VSAETopKTrainer._compute_kl_loss`): KL of each latent's posterior
/// `N(μ_j, σ²)`, `μ = max(pre, 0)`, to the prior `N(0, 1)`, on every latent or
/// on the selected ones only, with a linear β warm-up.
///
/// ```
/// KL_j   = ½ (μ̄_j² + σ² − 1 − log σ²)      μ̄ = min(μ, 10)  (the code clamps z to [−10, 10])
/// L_KL   = β · w(t) · Σ_r Σ_{j ∈ J_r} KL_j / B      J_r = all latents, or the token's stored codes
/// w(t)   = min(1, (t + 1) / (warm-up · steps))       1 without warm-up
/// ∂L/∂pre_j = β·w(t)/B · μ̄_j · 1[0 < pre_j < 10]
/// ```
/// The code's fixed-variance run (the paper's) uses `½ Σ z²` over all latents
/// with `z = μ` (it never samples): the same gradient; the constant
/// `σ² − 1 − log σ²` is left out when `σ = 0` (there the KL is infinite).
/// `σ` comes from the activation (``VariationalTopK``; 1 for any other).
/// Over all latents the gradient is dense: `∂W_enc` takes one more product
/// `(∂L/∂pre)ᵀ·x_in`, split over latents into single-threaded sgemm blocks.
/// The code's later `vsae_topk_masked_kl.py` is ``Latents/selected``.
public struct LatentKL: Sendable, Equatable {
  /// Which latents' KL is counted.
  public enum Latents: String, Sendable, Equatable, CaseIterable {
    /// Every latent of every token (the paper's runs).
    case all
    /// Only the latents a token's codes keep (the masked variant).
    case selected
  }

  /// `β` (the paper's runs: 1).
  public var beta: Float
  public var latents: Latents
  /// Share of the steps over which `β` ramps up linearly (the code: 0.1).
  public var warmupFraction: Double

  public init(beta: Float, latents: Latents = .all, warmupFraction: Double = 0.1) {
    self.beta = beta
    self.latents = latents
    self.warmupFraction = warmupFraction
  }

  /// `β·w(t)` at step `t` (0-based) of `steps`.
  public func weight(step t: Int, steps: Int) -> Float {
    let warm = warmupFraction * Double(steps)
    return warm > 0 ? beta * Float(min(1, Double(t + 1) / warm)) : beta
  }

  /// `σ² − 1 − log σ²`, the part of `2·KL_j` that does not depend on `μ` (0 for `σ = 0`).
  static func constant(sigma: Float) -> Double {
    let v = Double(sigma) * Double(sigma)
    return v > 0 ? v - 1 - log(v) : 0
  }

  /// The KL term on the stored entries: returns its value and adds
  /// `∂L/∂pre_e` to `preGradients` (aligned with the codes' entries).
  static func forwardBackwardSelected(
    pre: Matrix, codes: SparseCodes, weight c: Double, sigma: Float, preGradients: inout [Float]
  ) -> Double {
    let m = pre.cols, kappa = constant(sigma: sigma), b = Double(max(1, pre.rows))
    var sum = 0.0
    pre.storage.withUnsafeBufferPointer { pb in
      for r in 0..<codes.rows {
        for e in codes.entries(row: r) {
          let mu = Double(min(max(pb[r * m + Int(codes.indices[e])], 0), 10))
          sum += 0.5 * (mu * mu + kappa)
          if mu > 0 && mu < 10 { preGradients[e] += Float(c / b * mu) }
        }
      }
    }
    return c * sum / b
  }

  /// The KL term on every latent: returns its value and writes the dense
  /// `∂L/∂pre (B × m)` into `gradient`.
  static func forwardBackwardAll(pre: Matrix, weight c: Double, sigma: Float, gradient: inout Matrix) -> Double {
    let m = pre.cols, kappa = constant(sigma: sigma), b = Double(max(1, pre.rows))
    let scale = Float(c / b)
    return pre.storage.withUnsafeBufferPointer { pb in
      gradient.storage.withUnsafeMutableBufferPointer { gb in
        let (pp, gp) = (pb.baseAddress!, gb.baseAddress!)
        return Parallel.sum(count: pre.rows) { rows in
          var s = 0.0
          for i in (rows.lowerBound * m)..<(rows.upperBound * m) {
            let mu = min(max(pp[i], 0), 10)
            s += 0.5 * (Double(mu) * Double(mu) + kappa)
            gp[i] = mu > 0 && mu < 10 ? scale * mu : 0
          }
          return s
        }
      }
    } * c / b
  }
}
