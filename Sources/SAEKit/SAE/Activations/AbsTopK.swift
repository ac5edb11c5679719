/// AbsTopK codes (Zhu, Khalili & Zhu 2025): keep the `k` pre-activations of
/// largest magnitude of each token, with their signs. Codes are signed and
/// every token has exactly `k` of them (L0 is `k` unless a kept value is
/// exactly 0). It is the proximal operator of `ι{‖z‖₀ ≤ k}` (hard
/// thresholding), where TopK adds `ι{z ≥ 0}`.
///
/// ```
/// H_k(pre)  = the k latents of largest |pre_j| (ties to the lower index)
/// z_j       = pre_j · 1[j ∈ H_k(pre)]
/// ∂L/∂pre_j = ∂L/∂z_j on the kept entries (both signs); no penalty
/// ```
/// Its AuxK variant ranks the dead latents by `|pre|` and keeps their signs.
public struct AbsTopK: SparseActivation {
  public var k: Int
  public var parameters: [Float] = []
  public var usesAuxiliaryLoss: Bool { true }
  public var auxiliaryRanking: SelectionRanking { .magnitude }

  public init(k: Int) { self.k = k }

  public var kind: ActivationKind { .absTopK(k: k) }

  public var description: String { "AbsTopK(k: \(k))" }

  public var inferenceIsPerRow: Bool { true }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes {
    SparseCodes.topK(of: pre, k: k, rankedBy: .magnitude)
  }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes { inferenceCodes(pre) }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    ActivationGradients(preGradients: input.codeGradients)
  }
}
