/// A partition of an SAE's `m` neurons into `K` groups, each with a target
/// activation frequency `p_k`.
///
/// Groups are a random permutation of the neurons cut into `K` contiguous
/// parts whose sizes differ by at most one (the last `m mod K` groups get
/// the extra neuron), as the re-implementation's random split does.
public struct NeuronGroups: Sendable, Equatable {
  /// `members[k]`: the neurons of group `k`, ascending.
  public let members: [[Int]]
  /// `p_k`, the target activation frequency of group `k`.
  public let targets: [Double]
  /// `group[j]`: the group of neuron `j`, `(m)`.
  public let group: [Int]

  /// Splits `width` neurons at random into groups with the config's targets.
  /// - Throws: when the config is invalid for `width`.
  public init(width: Int, config: BiasAdaptationConfig, random: inout RandomSource) throws {
    try config.validate(width: width)
    let order = random.permutation(width)
    let k = config.groups
    var members = [[Int]]()
    for g in 0..<k {
      members.append(order[Parallel.range(chunk: g, of: k, count: width)].sorted())
    }
    try self.init(members: members, targets: config.targetFrequencies, width: width)
  }

  /// Groups given explicitly (each neuron of `0..<width` in exactly one group).
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when the groups do not
  ///   partition the neurons or the targets are not one per group in `(0, 1]`.
  public init(members: [[Int]], targets: [Double], width: Int) throws {
    try require(!members.isEmpty && members.count == targets.count,
                "need one target frequency per group: \(members.count) groups, \(targets.count) targets")
    try require(targets.allSatisfy { $0 > 0 && $0 <= 1 }, "target frequencies must be in (0, 1], got \(targets)")
    var group = [Int](repeating: -1, count: width)
    for (k, neurons) in members.enumerated() {
      try require(!neurons.isEmpty, "group \(k) has no neurons")
      for j in neurons {
        try require(j >= 0 && j < width, "neuron \(j) of group \(k) is outside 0..<\(width)")
        try require(group[j] < 0, "neuron \(j) is in groups \(group[j]) and \(k)")
        group[j] = k
      }
    }
    if let missing = group.firstIndex(of: -1) { throw SAEKitError.invalidArgument("neuron \(missing) is in no group") }
    self.members = members.map { $0.sorted() }
    self.targets = targets
    self.group = group
  }

  /// The expected L0 of the target schedule, `Σ_k |G_k|·p_k`: the mean number
  /// of active neurons per token if every neuron fired at its group's target.
  public var expectedL0: Double {
    zip(members, targets).reduce(0) { $0 + Double($1.0.count) * $1.1 }
  }

  /// The mean firing frequency of each group's neurons, given per-neuron frequencies `(m)`.
  public func groupMeans(_ frequencies: [Double]) -> [Double] {
    members.map { neurons in neurons.reduce(0) { $0 + frequencies[$1] } / Double(neurons.count) }
  }
}
