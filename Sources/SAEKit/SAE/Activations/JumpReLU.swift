import Foundation

/// JumpReLU codes with an L0 penalty (Rajamanoharan et al. 2024):
///
/// ```
/// z_j      = pre_j · H(pre_j − θ_j),           θ_j = exp(logθ_j) > 0
/// penalty  = (λ/B) · Σ_r Σ_j H(pre_rj − θ_j)    (the batch-mean L0, times λ)
/// ```
///
/// `H` has no useful derivative, so the threshold gets a straight-through
/// estimate with a rectangle kernel `K(u) = 1[|u| ≤ ½]` of bandwidth `ε`:
///
/// ```
/// ∂z/∂θ  ≈ −(θ/ε) · K((pre − θ)/ε)        ∂H/∂θ ≈ −(1/ε) · K((pre − θ)/ε)
/// ∂L/∂θ_j = Σ_r [ ∂L/∂z_rj · ∂z_rj/∂θ_j + (λ/B) · ∂H_rj/∂θ_j ]
/// ∂L/∂logθ_j = θ_j · ∂L/∂θ_j,      ∂L/∂pre = ∂L/∂z on the kept entries
/// ```
///
/// `∂L/∂z` at an entry inside the band but below the threshold (not stored in
/// the codes) is computed on the spot as `⟨∂L/∂x̂_r, W_dec[j]⟩`.
public struct JumpReLU: SparseActivation {
  /// `logθ_j` for every latent (the trainable parameters).
  public var parameters: [Float]
  public var l0Coefficient: Float
  public var bandwidth: Float
  public var usesAuxiliaryLoss: Bool { false }

  public init(width: Int, l0Coefficient: Float, bandwidth: Float = 0.001, initialThreshold: Float = 0.001) {
    self.parameters = [Float](repeating: Foundation.log(initialThreshold), count: width)
    self.l0Coefficient = l0Coefficient
    self.bandwidth = bandwidth
  }

  /// The kind, with the mean learnt threshold as the initial one.
  public var kind: ActivationKind {
    let theta = thresholds
    let mean = theta.reduce(0, +) / Float(max(1, theta.count))
    return .jumpReLU(l0: l0Coefficient, bandwidth: bandwidth, initialThreshold: mean)
  }

  /// `θ_j = exp(logθ_j)`.
  public var thresholds: [Float] { parameters.map { Foundation.exp($0) } }

  public var description: String { "JumpReLU(l0: \(l0Coefficient), bandwidth: \(bandwidth))" }

  public var inferenceIsPerRow: Bool { true }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes {
    let theta = thresholds
    return theta.withUnsafeBufferPointer { t in
      SparseCodes.filtering(pre) { j, v in v > t[j] }
    }
  }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes { inferenceCodes(pre) }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    let b = input.pre.rows, m = input.pre.cols, d = input.decoder.cols
    let theta = thresholds
    let eps = bandwidth, penaltyScale = l0Coefficient / Float(max(1, b))
    let chunks = Parallel.defaultChunks
    // Per-chunk partial sums of ∂L/∂θ_j, combined in chunk order (deterministic).
    var partial = [Float](repeating: 0, count: chunks * m)
    partial.withUnsafeMutableBufferPointer { pb in
      let pp = pb.baseAddress!
      input.pre.storage.withUnsafeBufferPointer { preB in
        input.reconstructionGradient.storage.withUnsafeBufferPointer { gB in
          input.decoder.storage.withUnsafeBufferPointer { wB in
            Parallel.forEachChunk(count: b, chunks: chunks) { c, rows in
              let acc = pp + c * m
              for r in rows {
                let codeRange = input.codes.rowStart[r]..<input.codes.rowStart[r + 1]
                var e = codeRange.lowerBound
                for j in 0..<m {
                  let v = preB[r * m + j]
                  let stored = e < codeRange.upperBound && Int(input.codes.indices[e]) == j
                  let u = (v - theta[j]) / eps
                  if abs(u) <= 0.5 {
                    let dz = stored
                      ? input.codeGradients[e]
                      : BLAS.dot(d, gB.baseAddress! + r * d, wB.baseAddress! + j * d)
                    acc[j] += -(theta[j] / eps) * dz - penaltyScale / eps
                  }
                  if stored { e += 1 }
                }
              }
            }
          }
        }
      }
    }
    var grad = [Float](repeating: 0, count: m)
    for c in 0..<chunks {
      for j in 0..<m { grad[j] += partial[c * m + j] }
    }
    for j in 0..<m { grad[j] *= theta[j] }
    let penalty = Double(penaltyScale) * Double(input.codes.values.count)
    return ActivationGradients(preGradients: input.codeGradients, parameterGradients: grad, penalty: penalty)
  }
}
