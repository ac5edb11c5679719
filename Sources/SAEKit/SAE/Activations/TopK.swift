/// TopK codes (Makhzani & Frey 2013; Gao et al. 2024): keep the `k` largest
/// pre-activations of each token, then ReLU. No penalty; `∂L/∂pre = ∂L/∂z` on
/// the kept entries.
public struct TopK: SparseActivation {
  public var k: Int
  public var parameters: [Float] = []
  public var usesAuxiliaryLoss: Bool { true }

  public init(k: Int) { self.k = k }

  public var kind: ActivationKind { .topK(k: k) }

  public var description: String { "TopK(k: \(k))" }

  public var inferenceIsPerRow: Bool { true }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes { SparseCodes.topK(of: pre, k: k) }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes { inferenceCodes(pre) }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    ActivationGradients(preGradients: input.codeGradients)
  }
}
