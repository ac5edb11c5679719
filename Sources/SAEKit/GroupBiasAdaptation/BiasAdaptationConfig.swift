import Foundation

/// Hyper-parameters of (Group) Bias Adaptation (Chen et al. 2025,
/// "Taming Polysemanticity in LLMs"): ReLU neurons whose encoder biases get no
/// gradient but are moved, every adaptation window, toward a target activation
/// frequency (TAF) of their group.
///
/// Defaults follow the public re-implementation (`GBATrainer`): 10 groups with
/// TAFs `logspace(−1, −3, 10)` (HTF 0.1, LTF 1e-3), `γ₊ = γ₋ = 0.01`, dead
/// threshold `ε = 1e-6`, biases clamped to `[−1, 0]`, a window of 40,960
/// buffered tokens, tied weights. The paper's own text reports HTF = 0.5 and a
/// bias update every 50 steps of 512 tokens (25,600 tokens); both are settings
/// here (`highestTarget`, `windowTokens`). K = 1 is single-group Bias
/// Adaptation with target `highestTarget`.
public struct BiasAdaptationConfig: Sendable, Equatable {
  /// How the two clamps of the update are read.
  public enum ClampReading: String, Sendable, Equatable, CaseIterable {
    /// `b ← max(b − γ₋r, −1)` for over-active and `b ← min(b + γ₊s̄, 0)` for dead
    /// neurons, so biases stay in `[−1, 0]`: what the re-implementation does (the default).
    case clampedToRange
    /// The paper's Algorithm 1 as printed (a reviewer reads its min/max as swapped):
    /// `b ← min(b − γ₋r, −1)` and `b ← max(b + γ₊s̄, 0)`.
    case asPrinted
  }

  /// `K`, the number of neuron groups.
  public var groups: Int = 10
  /// HTF, the target frequency of the first group.
  public var highestTarget: Double = 0.1
  /// LTF, the target frequency of the last group (equal to HTF when K = 1).
  public var lowestTarget: Double = 1e-3
  /// `γ₋`, the step that lowers an over-active neuron's bias, in units of its largest pre-activation.
  public var decreaseRate: Float = 0.01
  /// `γ₊`, the step that raises a (nearly) dead neuron's bias, in units of its group's mean largest pre-activation.
  public var increaseRate: Float = 0.01
  /// `ε`: a neuron firing on a smaller share of the window's tokens counts as dead.
  public var deadThreshold: Double = 1e-6
  /// The bias range `[lower, upper]` of the clamps.
  public var biasRange: ClosedRange<Float> = -1...0
  /// Tokens buffered before each adaptation (the window's statistics are then cleared).
  public var windowTokens: Int = 40_960
  /// Tied weights: one unit direction `w_m` per neuron as encoder column and,
  /// times a trained output scale `a_m`, as decoder row (the paper's
  /// parameterisation); untied keeps unit encoder directions and trains a free
  /// decoder `W_dec (m × d)`.
  public var tied: Bool = true
  /// Train `b_dec` (the paper's `b_pre`) with Adam. The paper's pseudocode
  /// does; the re-implementation steps only non-bias parameters, which is the
  /// default here: `b_dec` stays at the geometric median of the sample. A
  /// trained `b_dec` can move away from the data until every neuron fires,
  /// where the bias range no longer selects anything.
  public var trainDecoderBias: Bool = false
  /// Inputs are scaled so that `E‖s·x‖²` equals this (the paper trains on
  /// normalised inputs; the bias range assumes pre-activations of order 1).
  /// Nil keeps the trainer's own choice (``TrainingConfig/normalizeInput``).
  public var inputMeanSquaredNorm: Double? = 1
  /// How the clamps are read.
  public var clampReading: ClampReading = .clampedToRange

  public init() {}

  /// The TAFs `p_k = HTF·(LTF/HTF)^(k/(K−1))`, `k = 0..<K`, geometrically spaced
  /// from HTF down to LTF (HTF alone when K = 1).
  public var targetFrequencies: [Double] {
    guard groups > 1 else { return [highestTarget] }
    let ratio = lowestTarget / highestTarget
    return (0..<groups).map { k in highestTarget * Foundation.pow(ratio, Double(k) / Double(groups - 1)) }
  }

  /// Checks the settings for an SAE of `width` neurons.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` naming the value at fault.
  public func validate(width: Int) throws {
    try require(groups >= 1, "the number of groups must be at least 1, got \(groups)")
    try require(groups <= width, "\(groups) groups need at least as many neurons, the width is \(width)")
    for (name, p) in [("highest target frequency (HTF)", highestTarget), ("lowest target frequency (LTF)", lowestTarget)] {
      try require(p > 0 && p <= 1, "the \(name) must be in (0, 1], got \(p)")
    }
    try require(lowestTarget <= highestTarget, "LTF = \(lowestTarget) exceeds HTF = \(highestTarget)")
    for (name, g) in [("γ₋ (decrease rate)", decreaseRate), ("γ₊ (increase rate)", increaseRate)] {
      try require(g.isFinite && g >= 0, "\(name) must be a finite number ≥ 0, got \(g)")
    }
    try require(deadThreshold >= 0 && deadThreshold < 1, "the dead threshold ε must be in [0, 1), got \(deadThreshold)")
    try require(biasRange.lowerBound.isFinite && biasRange.upperBound.isFinite, "the bias range must be finite")
    try require(windowTokens >= 1, "the adaptation window must be at least 1 token, got \(windowTokens)")
    if let n = inputMeanSquaredNorm {
      try require(n > 0 && n.isFinite, "the input mean squared norm must be positive, got \(n)")
    }
  }
}
