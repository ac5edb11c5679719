/// Top-AFA codes (Lee et al. 2025, "Evaluating and Designing SAEs by
/// Approximating Quasi-Orthogonality"): TopK with a `k` chosen per token so
/// that the norm of the kept, decoder-weighted activations best matches the
/// norm of the token (``NormMatchedBudget``):
///
/// ```
/// a     = max(pre, 0)
/// k*(x) = argmin_t | √(Σ_{u≤t} (a·‖W_dec‖)²_(u)) − ‖s·x − b_dec‖ | + 1
/// z_j   = a_j on the k* latents of largest a_j·‖W_dec[j]‖ (ties to the lower index), 0 elsewhere
/// ∂L/∂pre_j = ∂L/∂z_j on the kept entries (the mask is constant); no penalty
/// ```
/// As the reference code (`TopAFASAE.forward`), the target is the norm of the
/// encoder input `x − b_dec` (here `s·x − b_dec`). The code has no encoder
/// bias on this path; ours keeps `b_enc` like every other activation. Its
/// norm-matching loss `λ·(‖z‖ − ‖x‖)²` is a trainer option
/// (``TrainingConfig/normMatching``), so it can be switched off or put on any
/// activation; the code's per-token standardisation of inputs is a data step
/// (``Matrix/standardizedRows()``), so both forms train the same rule.
///
/// Without the context (``inferenceCodes(_:)``: no target norm), every
/// positive pre-activation is kept: the rule's limit for a large target.
public struct TopAFA: SparseActivation {
  public var parameters: [Float] = []
  public var usesAuxiliaryLoss: Bool { true }

  public init() {}

  public var kind: ActivationKind { .topAFA }

  public var description: String { "TopAFA" }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes { SparseCodes.filtering(pre) { _, v in v > 0 } }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes { inferenceCodes(pre) }

  public func inferenceCodes(_ pre: Matrix, context: ActivationContext) -> SparseCodes {
    guard context.inputNorms.count == pre.rows else { return inferenceCodes(pre) }
    let norms = context.decoderNorms
    guard norms.count == pre.cols, norms.contains(where: { $0 != 1 }) else {
      let counts = NormMatchedBudget.counts(pre, targets: context.inputNorms)
      return SparseCodes.selecting(pre, budget: .eachRow(counts)).codes
    }
    // Rank by a_j·‖W_dec[j]‖, keep a_j.
    var scores = pre
    scores.storage.withUnsafeMutableBufferPointer { sb in
      let m = pre.cols
      for i in 0..<sb.count { sb[i] *= norms[i % m] }
    }
    let counts = NormMatchedBudget.counts(scores, targets: context.inputNorms)
    var codes = SparseCodes.selecting(scores, budget: .eachRow(counts)).codes
    for r in 0..<codes.rows {
      for e in codes.entries(row: r) { codes.values[e] = pre[r, Int(codes.indices[e])] }
    }
    return codes
  }

  public mutating func trainingCodes(_ pre: Matrix, context: ActivationContext) -> SparseCodes {
    inferenceCodes(pre, context: context)
  }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    ActivationGradients(preGradients: input.codeGradients)
  }
}
