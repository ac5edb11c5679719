import Foundation

/// vSAE codes (Baker & Li 2025, "Analysis of Variational Sparse
/// Autoencoders"): TopK with a Gaussian posterior `N(μ_j, σ²)` per latent,
/// sampled by reparameterisation during training, its mean at inference.
///
/// ```
/// μ       = max(pre, 0)                                       the posterior means
/// z       = μ + σ·ε,  ε ~ N(0, I)                             training (reparameterised)
/// z       = μ                                                 inference (deterministic)
/// codes   = the k entries of largest |z| per token, signs kept (ties to the lower index)
/// ∂L/∂pre_j = ∂L/∂z_j · 1[pre_j > 0] on the kept entries; no penalty here
/// ```
/// As the reference code (`VSAETopK`), selection is by `|z|` and the sign is
/// kept; with `σ = 0` (or at inference) `z = μ ≥ 0` and this is exactly TopK.
/// The posterior's standard deviation is fixed (the code's `var_flag = 0`;
/// that code then never samples, so "sampling off" is `σ = 0` or plain TopK).
/// The KL term to `N(0, 1)` is a trainer option (``TrainingConfig/latentKL``),
/// so the 2×2×2 design of papers-2.md §4f is {TopK, vSAE} × KL on/off × AuxK on/off.
///
/// The noise comes from ``ActivationContext/noise``: row `r` of a step draws
/// from `noise.fork(r)`, so the codes do not depend on the thread count.
/// Without noise (``trainingCodes(_:)``) training is deterministic too.
public struct VariationalTopK: SparseActivation {
  public var k: Int
  /// The posterior's standard deviation `σ` (fixed).
  public var sigma: Float
  public var parameters: [Float] = []
  public var usesAuxiliaryLoss: Bool { true }

  public init(k: Int, sigma: Float = 1) {
    self.k = k
    self.sigma = sigma
  }

  public var kind: ActivationKind { .vsae(k: k, sigma: sigma) }

  public var description: String { "VSAE(k: \(k), σ: \(sigma))" }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes { SparseCodes.topK(of: pre, k: k) }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes { inferenceCodes(pre) }

  public mutating func trainingCodes(_ pre: Matrix, context: ActivationContext) -> SparseCodes {
    guard let noise = context.noise, sigma > 0 else { return inferenceCodes(pre) }
    return SparseCodes.topK(of: sampled(pre, noise: noise), k: k, rankedBy: .magnitude)
  }

  /// `z = max(pre, 0) + σ·ε` with `ε` of row `r` from `noise.fork(r)`, `(B × m)`.
  public func sampled(_ pre: Matrix, noise: RandomSource) -> Matrix {
    var z = Matrix(rows: pre.rows, cols: pre.cols)
    let m = pre.cols, s = Double(sigma)
    pre.storage.withUnsafeBufferPointer { pb in
      z.storage.withUnsafeMutableBufferPointer { zb in
        let (pp, zp) = (pb.baseAddress!, zb.baseAddress!)
        Parallel.forEachRange(count: pre.rows) { rows in
          for r in rows {
            var random = noise.fork(UInt64(r))
            for j in 0..<m { zp[r * m + j] = Float(Double(max(pp[r * m + j], 0)) + s * random.gaussian()) }
          }
        }
      }
    }
    return z
  }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    var g = input.codeGradients
    let codes = input.codes, m = input.pre.cols
    input.pre.storage.withUnsafeBufferPointer { pb in
      for r in 0..<codes.rows {
        for e in codes.entries(row: r) where pb[r * m + Int(codes.indices[e])] <= 0 { g[e] = 0 }
      }
    }
    return ActivationGradients(preGradients: g)
  }
}
