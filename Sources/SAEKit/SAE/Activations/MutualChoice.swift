/// Mutual Choice codes (Ayonrinde 2024): the `k·B` largest affinities
/// `max(pre, 0)` of the whole batch, ties to the lower row-major position —
/// the selection rule of ``BatchTopK``, whose threshold (a moving average of
/// the smallest selected affinity) serves inference too. Unlike BatchTopK,
/// ``inference`` can keep the batch rule at inference.
public struct MutualChoice: SparseActivation {
  /// The batch selection and its threshold.
  public var batch: BatchTopK
  /// The rule ``inferenceCodes(_:)`` applies.
  public var inference: ChoiceInference
  public var parameters: [Float] = []
  public var usesAuxiliaryLoss: Bool { true }

  public init(k: Int, inference: ChoiceInference = .threshold, threshold: Float? = nil) {
    batch = BatchTopK(k: k, threshold: threshold)
    self.inference = inference
  }

  public var k: Int { batch.k }
  /// The inference threshold; nil until a training batch has been seen.
  public var threshold: Float? { batch.threshold }

  public var kind: ActivationKind { .mutualChoice(k: k, inference: inference) }

  /// `[θ]` once a training batch has set the threshold, else empty.
  public var state: [Float] {
    get { batch.state }
    set { batch.state = newValue }
  }

  public var description: String {
    "MutualChoice(k: \(k), inference: \(inference.rawValue)" + (threshold.map { ", θ: \(formatCompact($0))" } ?? "") + ")"
  }

  public var inferenceIsPerRow: Bool { inference == .threshold && batch.threshold != nil }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes {
    inference == .batch ? batch.batchCodes(pre).codes : batch.inferenceCodes(pre)
  }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes { batch.trainingCodes(pre) }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    ActivationGradients(preGradients: input.codeGradients)
  }
}
