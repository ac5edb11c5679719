/// ReLU codes with the decoder-norm-weighted L1 penalty (Anthropic, April 2024
/// update; Bricken et al. 2023):
///
/// ```
/// z_j      = max(0, pre_j)
/// penalty  = (λ/B) · Σ_r Σ_j z_rj · ‖W_dec[j]‖
/// ∂L/∂pre  = (∂L/∂z + (λ/B)·‖W_dec[j]‖) · 1[pre > 0]
/// ∂penalty/∂‖W_dec[j]‖ = (λ/B) · Σ_r z_rj
/// ```
public struct ReLUL1: SparseActivation {
  /// `λ`, the L1 coefficient.
  public var coefficient: Float
  public var parameters: [Float] = []
  public var usesAuxiliaryLoss: Bool { false }

  public init(coefficient: Float) { self.coefficient = coefficient }

  public var kind: ActivationKind { .relu(l1: coefficient) }

  public var description: String { "ReLU(l1: \(coefficient))" }

  public var inferenceIsPerRow: Bool { true }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes {
    SparseCodes.above(pre, threshold: 0)
  }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes { inferenceCodes(pre) }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    let scale = coefficient / Float(max(1, input.codes.rows))
    var pre = input.codeGradients
    var normGradients = [Float](repeating: 0, count: input.codes.width)
    var penalty = 0.0
    for e in 0..<pre.count {
      let j = Int(input.codes.indices[e])
      let z = input.codes.values[e]
      pre[e] += scale * input.decoderNorms[j]
      normGradients[j] += scale * z
      penalty += Double(scale) * Double(z) * Double(input.decoderNorms[j])
    }
    return ActivationGradients(preGradients: pre, decoderNormGradients: normGradients, penalty: penalty)
  }
}
