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

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes { SparseCodes.above(pre, threshold: 0) }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes { inferenceCodes(pre) }

  public func inferenceCodes(_ pre: Matrix, context: ActivationContext) -> SparseCodes {
    guard context.inputNorms.count == pre.rows else { return inferenceCodes(pre) }
    let norms = context.decoderNorms
    guard norms.count == pre.cols, norms.contains(where: { $0 != 1 }) else {
      let counts = NormMatchedBudget.counts(pre, targets: context.inputNorms)
      return SparseCodes.selecting(pre, budget: .eachRow(counts)).codes
    }
    // Rank by a_j·‖W_dec[j]‖, keep a_j.
    let scores = Self.weighted(pre, by: norms)
    let counts = NormMatchedBudget.counts(scores, targets: context.inputNorms)
    var codes = SparseCodes.selecting(scores, budget: .eachRow(counts)).codes
    let (m, start, indices) = (pre.cols, codes.rowStart, codes.indices)
    pre.storage.withUnsafeBufferPointer { pb in
      codes.values.withUnsafeMutableBufferPointer { vb in
        let (pp, vp) = (pb.baseAddress!, vb.baseAddress)
        Parallel.forEachRange(count: codes.rows) { rows in
          for r in rows { for e in start[r]..<start[r + 1] { vp![e] = pp[r * m + Int(indices[e])] } }
        }
      }
    }
    return codes
  }

  /// `pre` with column `j` multiplied by `norms[j]`, `(B × m)`.
  static func weighted(_ pre: Matrix, by norms: [Float]) -> Matrix {
    var scores = pre
    let m = pre.cols
    scores.storage.withUnsafeMutableBufferPointer { sb in
      norms.withUnsafeBufferPointer { nb in
        let (sp, np) = (sb.baseAddress!, nb.baseAddress!)
        Parallel.forEachRange(count: pre.rows) { rows in
          for r in rows { for j in 0..<m { sp[r * m + j] *= np[j] } }
        }
      }
    }
    return scores
  }

  public mutating func trainingCodes(_ pre: Matrix, context: ActivationContext) -> SparseCodes {
    inferenceCodes(pre, context: context)
  }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    ActivationGradients(preGradients: input.codeGradients)
  }
}
