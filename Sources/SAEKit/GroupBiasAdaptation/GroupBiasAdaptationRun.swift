/// The result of a Group Bias Adaptation run: the SAE, its groups and the
/// expected-L0 identity beside the L0 actually reached.
public struct GroupBiasAdaptationRun: Sendable {
  public var model: SparseAutoencoder
  public var groups: NeuronGroups
  public var history: TrainingHistory
  /// Mean active neurons per token in each completed adaptation window.
  public var windowL0: [Double]
  /// Per-neuron firing frequency in the last completed window (empty if no window completed).
  public var lastWindowFrequencies: [Double]
  /// Wall-clock seconds of the optimisation loop.
  public var seconds: Double

  /// `Σ_k |G_k|·p_k`, the L0 the target schedule predicts.
  public var expectedL0: Double { groups.expectedL0 }
  /// The L0 of the last completed window (nan when none completed).
  public var achievedL0: Double { windowL0.last ?? .nan }
}

extension GroupBiasAdaptationTrainer {
  /// Trains a fresh tied or untied ReLU SAE of `width` neurons on the rows of `data`.
  ///
  /// Random choices come from fixed forks of `random` (0: the initial
  /// decoder, 1: the initialisation sample, 2: the batch order, 3: the
  /// neuron groups), so a seed reproduces a run bit for bit.
  ///
  /// - Parameters:
  ///   - progress: called every `progressEvery` steps and after the last one.
  ///   - shouldStop: polled before every step; returning true throws ``SAEKitError/cancelled``.
  public static func train(
    _ data: any ActivationSource, width: Int, config: TrainingConfig = TrainingConfig(),
    adaptation: BiasAdaptationConfig = BiasAdaptationConfig(), random: RandomSource,
    progressEvery: Int? = nil, progress: ((TrainingProgress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil
  ) throws -> GroupBiasAdaptationRun {
    try require(data.rows >= 1 && data.cols >= 1, "no training data: the activation table is \(data.rows)×\(data.cols)")
    try adaptation.validate(width: width)
    var initRandom = random.fork(0), groupRandom = random.fork(3)
    let sae = try SparseAutoencoder(dimension: data.cols, width: width, activation: .relu(l1: 0), random: &initRandom)
    let groups = try NeuronGroups(width: width, config: adaptation, random: &groupRandom)
    let gba = try GroupBiasAdaptationTrainer(sae: sae, config: config, adaptation: adaptation, groups: groups)
    let batches = try SAETrainer.prepareBatches(data, config: config, random: random) { try gba.initialize(fromSample: $0) }
    let (history, seconds) = try SAETrainer.runSteps(
      batches, config: config, progressEvery: progressEvery, progress: progress, shouldStop: shouldStop, step: gba.step)
    return GroupBiasAdaptationRun(
      model: gba.model, groups: groups, history: history, windowL0: gba.windowL0,
      lastWindowFrequencies: gba.lastWindowFrequencies,
      seconds: seconds)
  }
}
