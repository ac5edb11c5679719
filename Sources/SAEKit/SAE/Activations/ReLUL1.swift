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
    let codes = input.codes
    let scale = coefficient / Float(max(1, codes.rows))
    var pre = input.codeGradients
    // ∂L/∂pre per entry, entries split over the workers.
    pre.withUnsafeMutableBufferPointer { gb in
      codes.indices.withUnsafeBufferPointer { ib in
        input.decoderNorms.withUnsafeBufferPointer { nb in
          guard let g = gb.baseAddress, let index = ib.baseAddress, let norms = nb.baseAddress else { return }
          Matrix.forEachBlock(count: gb.count, width: 1) { entries in
            for e in entries { g[e] += scale * norms[Int(index[e])] }
          }
        }
      }
    }
    let (normGradients, penalty) = Self.penaltyTerms(codes, scale: scale, decoderNorms: input.decoderNorms)
    return ActivationGradients(preGradients: pre, decoderNormGradients: normGradients, penalty: penalty)
  }

  /// `∂penalty/∂‖W_dec[j]‖ = Σ_r scale·z_rj` and the penalty `Σ_e scale·z_e·‖W_dec[j_e]‖` (in
  /// Double), both added in entry order: one serial pass, because the penalty's bits are in the
  /// loss history and the per-latent sums scatter into an array that stays in L1 (gathering
  /// each latent's entries through the column index instead was slower, on random reads).
  /// Without a penalty every term is zero unless a code or a norm is not finite, so the pass
  /// is skipped when all are finite (bias adaptation's case).
  static func penaltyTerms(_ codes: SparseCodes, scale: Float, decoderNorms: [Float]) -> (normGradients: [Float], penalty: Double) {
    var normGradients = [Float](repeating: 0, count: codes.width)
    if scale == 0, codes.values.withUnsafeBufferPointer(Matrix.allFinite),
       decoderNorms.withUnsafeBufferPointer(Matrix.allFinite) { return (normGradients, 0) }
    let s = Double(scale)
    var penalty = 0.0
    for e in 0..<codes.values.count {
      let j = Int(codes.indices[e]), z = codes.values[e]
      normGradients[j] += scale * z
      penalty += s * Double(z) * Double(decoderNorms[j])
    }
    return (normGradients, penalty)
  }
}
