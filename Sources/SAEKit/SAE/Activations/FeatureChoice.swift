/// Feature Choice codes (Ayonrinde 2024): every latent `j` takes the `m_j`
/// tokens of the batch with the largest affinities `max(pre, 0)`, with
/// capacities `Σ m_j = k·B` (``FeatureCapacities``: uniform or Zipf-shaped,
/// floor 1). A token may get many latents or none; the mean L0 is at most `k`.
///
/// The batch rule depends on the other tokens, so inference can use instead
/// a per-latent threshold `θ_j`: an exponential moving average (`β = 0.99`)
/// of the `m_j`-th largest affinity of latent `j` in each training batch (0
/// when fewer than `m_j` affinities were positive), with `z = pre·1[pre > θ_j]`.
/// ``inference`` picks the rule. `∂L/∂pre = ∂L/∂z` on the kept entries; no penalty.
public struct FeatureChoice: SparseActivation {
  public var k: Int
  /// `α` of the capacities' Zipf law over latent index; 0 for uniform capacities.
  public var zipfExponent: Float
  /// The rule ``inferenceCodes(_:)`` applies.
  public var inference: ChoiceInference
  /// `θ_j` for every latent; empty until a training batch has been seen.
  public var thresholds: [Float] = []
  /// Weight of the old value in the thresholds' moving average.
  public var thresholdMomentum: Float = 0.99
  public var parameters: [Float] = []
  public var usesAuxiliaryLoss: Bool { true }

  public init(k: Int, zipfExponent: Float = 0, inference: ChoiceInference = .threshold, thresholds: [Float] = []) {
    self.k = k
    self.zipfExponent = zipfExponent
    self.inference = inference
    self.thresholds = thresholds
  }

  public var kind: ActivationKind { .featureChoice(k: k, zipf: zipfExponent, inference: inference) }

  /// The thresholds `θ_j` (empty before training).
  public var state: [Float] {
    get { thresholds }
    set { thresholds = newValue }
  }

  public var description: String {
    "FeatureChoice(k: \(k), zipf: \(zipfExponent), inference: \(inference.rawValue))"
  }

  public var inferenceIsPerRow: Bool { inference == .threshold && !thresholds.isEmpty }

  public func inferenceCodes(_ pre: Matrix) -> SparseCodes {
    guard inference == .threshold, thresholds.count == pre.cols else { return batchCodes(pre).codes }
    return SparseCodes.above(pre, thresholds: thresholds)
  }

  public mutating func trainingCodes(_ pre: Matrix) -> SparseCodes {
    let (codes, capacities, cuts) = batchCodes(pre)
    guard thresholds.count == pre.cols else {  // the first batch sets the thresholds
      thresholds = cuts
      return codes
    }
    let beta = thresholdMomentum
    for j in 0..<pre.cols where capacities[j] > 0 { thresholds[j] = beta * thresholds[j] + (1 - beta) * cuts[j] }
    return codes
  }

  /// The batch rule, the capacities it used and each latent's cut.
  func batchCodes(_ pre: Matrix) -> (codes: SparseCodes, capacities: [Int], cuts: [Float]) {
    let capacities = FeatureCapacities.make(width: pre.cols, batch: pre.rows, k: k, zipfExponent: zipfExponent)
    let (codes, cuts) = SparseCodes.selecting(pre, budget: .perColumn(capacities))
    return (codes, capacities, cuts)
  }

  public func backward(_ input: ActivationBackwardInput) -> ActivationGradients {
    ActivationGradients(preGradients: input.codeGradients)
  }
}

/// Which rule a batch-allocating activation (Feature Choice, Mutual Choice)
/// applies at inference: the threshold estimated in training (each token on
/// its own) or the batch rule itself (the codes depend on the batch).
public enum ChoiceInference: String, Sendable, Codable, CaseIterable {
  case threshold
  case batch
}

extension SparseAutoencoder {
  /// This SAE with its batch-allocating activation (Feature Choice or Mutual
  /// Choice) applying `rule` at inference; training state is kept.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` for any other activation.
  public func choosingInference(_ rule: ChoiceInference) throws -> SparseAutoencoder {
    var out = self
    switch activation {
    case var a as FeatureChoice: a.inference = rule; out.activation = a
    case var a as MutualChoice: a.inference = rule; out.activation = a
    default:
      throw SAEKitError.invalidArgument(
        "\(activation) has no batch rule to choose at inference (only Feature Choice and Mutual Choice have)")
    }
    return out
  }
}
