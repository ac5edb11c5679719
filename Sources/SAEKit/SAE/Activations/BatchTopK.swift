/// BatchTopK codes (Bussmann, Leask & Nanda 2024): during training, keep the
/// `B·k` largest positive pre-activations of the whole batch, so tokens share
/// a budget of `k` latents on average. At inference a single threshold `θ`
/// replaces the batch: `z = pre · 1[pre > θ]`.
///
/// `θ` is estimated during training as an exponential moving average
/// (`β = 0.99`) of the smallest selected activation of each batch. Exactly
/// tied values at the cut are all kept (a measure-zero event for real data).
/// `∂L/∂pre = ∂L/∂z` on the kept entries; no penalty.
public struct BatchTopK: SparseActivation {
  public var k: Int
  /// The inference threshold; nil until a training batch has been seen.
  public var threshold: Float?
  /// Weight of the old value in the threshold's moving average.
  public var thresholdMomentum: Float = 0.99
  public var parameters: [Float] = []
  public var usesAuxiliaryLoss: Bool { true }

  public init(k: Int, threshold: Float? = nil) {
    self.k = k
    self.threshold = threshold
  }

  public var kind: ActivationKind { .batchTopK(k: k) }

  /// `[θ]` once a training batch has set the threshold, else empty.
  public var state: [Float] {
    get { threshold.map { [$0] } ?? [] }
    set { threshold = newValue.first }
  }

  public var description: String {
    "BatchTopK(k: \(k)" + (threshold.map { ", θ: \(formatCompact($0))" } ?? "") + ")"
  }

  public var inferenceIsPerRow: Bool { threshold != nil }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes {
    guard let theta = threshold else { return batchCodes(pre).codes }
    return SparseCodes.above(pre, threshold: theta)
  }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes {
    let (codes, cut) = batchCodes(pre)
    if cut > 0 {
      threshold = threshold.map { thresholdMomentum * $0 + (1 - thresholdMomentum) * cut } ?? cut
    }
    return codes
  }

  /// The batch selection and its cut value (the smallest kept activation, 0 when none is kept).
  func batchCodes(_ pre: Matrix) -> (codes: SparseCodes, cut: Float) {
    let (codes, cuts) = SparseCodes.selecting(pre, budget: .total(pre.rows * k))
    return (codes, cuts[0])
  }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    ActivationGradients(preGradients: input.codeGradients)
  }
}
