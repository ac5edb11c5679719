/// The Bias Adaptation rule of Chen et al. (2025), applied per group.
///
/// For group `k` with target frequency `p = p_k`, from a window's statistics
/// (``FiringWindow``):
///
/// ```
/// s̄_r = mean of r_m over the group's neurons with r_m > 0
/// p_m > p          b_m ← max(b_m − γ₋·r_m, lower)      over-active → more selective
/// p_m < ε          b_m ← min(b_m + γ₊·s̄_r, upper)      (nearly) dead → more sensitive
/// otherwise        b_m unchanged
/// ```
///
/// With ``BiasAdaptationConfig/ClampReading/asPrinted`` the outer `max`/`min`
/// swap places. When no neuron of a group fired in the window, `s̄_r` falls
/// back to the mean over every neuron that fired; when none did, dead neurons
/// keep their biases (there is no scale to step by).
public enum BiasAdaptation {
  /// What one application of the rule did.
  public struct Outcome: Sendable, Equatable {
    /// Neurons whose bias was lowered (over-active).
    public var lowered = 0
    /// Neurons whose bias was raised (dead).
    public var raised = 0
  }

  /// Moves `biases (m)` of every group toward its target, from `window`.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when the sizes disagree or the window is empty.
  /// - Complexity: `O(m)`.
  @discardableResult
  public static func apply(
    to biases: inout [Float], window: FiringWindow, groups: NeuronGroups, config: BiasAdaptationConfig
  ) throws -> Outcome {
    try require(biases.count == window.width && groups.group.count == window.width,
                "bias adaptation needs \(window.width) biases and grouped neurons, got \(biases.count) and \(groups.group.count)")
    try require(window.tokens > 0, "bias adaptation needs at least one buffered token")
    let p = window.frequencies, r = window.largest
    let fired = r.filter { $0 > 0 }
    let overall = fired.isEmpty ? 0 : fired.reduce(0, +) / Float(fired.count)
    let (lower, upper) = (config.biasRange.lowerBound, config.biasRange.upperBound)
    let printed = config.clampReading == .asPrinted
    var outcome = Outcome()
    for (neurons, target) in zip(groups.members, groups.targets) {
      let groupFired = neurons.filter { r[$0] > 0 }
      let meanLargest = groupFired.isEmpty ? overall : groupFired.reduce(0) { $0 + r[$1] } / Float(groupFired.count)
      for m in neurons {
        if p[m] > target {
          let b = biases[m] - config.decreaseRate * r[m]
          biases[m] = printed ? min(b, lower) : max(b, lower)
          outcome.lowered += 1
        } else if p[m] < config.deadThreshold && meanLargest > 0 {
          let b = biases[m] + config.increaseRate * meanLargest
          biases[m] = printed ? max(b, upper) : min(b, upper)
          outcome.raised += 1
        }
      }
    }
    return outcome
  }
}
