import Foundation
import SAEKit

/// `trainGBA`: Group Bias Adaptation (Chen et al. 2025; papers-2.md §1) over
/// SAEKit's `GroupBiasAdaptationTrainer`. The result is a record holding the
/// SAE (a ReLU SAE, usable wherever an SAE is) beside the expected-L0 identity
/// and the L0 and group frequencies actually reached.
extension GBAAndAFABuiltins {
  static let gbaRecord = RecordType("GBA", doc: "A Group Bias Adaptation run: the SAE, its neuron groups and the expected L0 beside the L0 reached.", fields: [
    ("sae", .sae, "the trained SAE (ReLU; tied: decoder rows are a_m·w_m, not unit)"),
    ("expectedL0", .double, "Σ over groups of group size × target frequency"),
    ("achievedL0", .double, "mean active latents per token on the `on` data"),
    ("windowL0", .array(.double), "mean active latents per token in each adaptation window during training"),
    ("targets", .array(.double), "per group, its target activation frequency (HTF → LTF, geometric)"),
    ("groupSizes", .array(.int), "per group, its number of neurons"),
    ("groupFrequency", .array(.double), "per group, the mean firing frequency of its neurons on the `on` data"),
    ("group", .array(.int), "per latent, its group"),
  ])

  static let trainGBA = Builtin("trainGBA", [
    .positional("x", .matrix, "training activations, (tokens × dim)"),
    .labeled("width", .int, "number of neurons m"),
    .labeled("groups", .int, default: .value(.int(10)), "number of groups K (1: single-group bias adaptation at htf)"),
    .labeled("htf", .double, default: .value(.double(0.1)), "highest target frequency (the paper reports 0.5)"),
    .labeled("ltf", .double, default: .value(.double(1e-3)), "lowest target frequency"),
    .labeled("tied", .bool, default: .value(.bool(true)), "tied weights (decoder = a_m·encoder direction); false: a free decoder"),
    .labeled("gamma", .double, default: .value(.double(0.01)), "bias step γ₊ = γ₋, in units of the largest pre-activation"),
    .labeled("window", .int, default: .value(.int(40_960)), "tokens buffered between bias adaptations"),
    .labeled("asPrinted", .bool, default: .value(.bool(false)), "read the clamps as the paper prints them (min/max swapped) instead of keeping biases in [−1, 0]"),
    .labeled("trainDecoderBias", .bool, default: .value(.bool(false)), "train b_dec with Adam (the paper's pseudocode) instead of keeping the geometric median"),
    .labeled("steps", .int, default: .value(.int(1_000)), "optimiser steps"),
    .labeled("batch", .int, default: .value(.int(4_096)), "tokens per step"),
    .labeled("lr", .double, default: .absent, "peak learning rate (default 2e-4/√(m/2¹⁴))"),
    .labeled("on", .matrix, default: .absent, "data for the achieved L0 and group frequencies (default: x)"),
    .labeled("seed", .int, default: .notebookSeed, "random seed (defaults to the notebook's seed)"),
  ], returns: .record("GBA"),
    doc: "Trains a ReLU SAE with Group Bias Adaptation: no sparsity penalty; the encoder biases of each neuron group are moved toward the group's target frequency after every window of tokens. Reports the expected L0 Σ|G_k|·p_k beside the L0 reached."
  ) { args, context in
    let x = try args.matrix("x"), width = try args.positiveInt("width")
    var adaptation = BiasAdaptationConfig()
    adaptation.groups = try args.positiveInt("groups")
    adaptation.highestTarget = try args.double("htf")
    adaptation.lowestTarget = try args.double("ltf")
    adaptation.tied = try args.bool("tied")
    adaptation.decreaseRate = Float(try args.double("gamma"))
    adaptation.increaseRate = adaptation.decreaseRate
    adaptation.windowTokens = try args.positiveInt("window")
    adaptation.clampReading = try args.bool("asPrinted") ? .asPrinted : .clampedToRange
    adaptation.trainDecoderBias = try args.bool("trainDecoderBias")
    do { try adaptation.validate(width: width) } catch let e as SAEKitError { throw RuntimeError(e.description) }
    var config = TrainingConfig()
    config.steps = try args.positiveInt("steps")
    config.batchSize = try args.positiveInt("batch")
    if let lr = try args.optionalDouble("lr") {
      guard lr > 0 else { throw RuntimeError("lr must be positive, got \(lr)", argument: "lr") }
      config.learningRate = Float(lr)
    }
    let on = args.has("on") ? try args.matrix("on") : x
    guard on.cols == x.cols, on.rows > 0 else {
      throw RuntimeError("'on' must have rows of dim \(x.cols), got \(on.shape)", argument: "on")
    }
    let seed = UInt64(bitPattern: Int64(try args.int("seed")))
    let run: GroupBiasAdaptationRun
    do {
      run = try GroupBiasAdaptationTrainer.train(
        x, width: width, config: config, adaptation: adaptation, random: RandomSource(seed: seed),
        progressEvery: max(1, config.steps / 50),
        progress: { p in context.progress?("trainGBA m=\(width) K=\(adaptation.groups)", Double(p.step) / Double(p.steps)) },
        shouldStop: { context.isPastDeadline })
    } catch SAEKitError.cancelled {
      try context.checkDeadline()
      throw RuntimeError("training was stopped")
    } catch let e as SAEKitError {
      throw RuntimeError(e.description, argument: "x")
    }
    let counts = try run.model.encode(on).firingCounts()
    let frequency = counts.map { Double($0) / Double(on.rows) }
    let sae = TrainedSAE(model: run.model, activation: .relu(l1: 0), history: run.history, config: config, seconds: run.seconds)
    return .record(Record("GBA", [
      ("sae", .sae(sae)), ("expectedL0", .double(run.expectedL0)), ("achievedL0", .double(frequency.reduce(0, +))),
      ("windowL0", .array(run.windowL0.map(Value.double))), ("targets", .array(run.groups.targets.map(Value.double))),
      ("groupSizes", .array(run.groups.members.map { .int($0.count) })),
      ("groupFrequency", .array(run.groups.groupMeans(frequency).map(Value.double))),
      ("group", .array(run.groups.group.map(Value.int))),
    ]))
  }
}
