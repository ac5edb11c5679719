import Foundation

/// Trains a ReLU SAE with (Group) Bias Adaptation (Chen et al. 2025): Adam on
/// the weights (and `b_dec` when ``BiasAdaptationConfig/trainDecoderBias`` is
/// set) minimising the reconstruction loss alone (no sparsity penalty), while
/// the encoder biases get no gradient and are set by ``BiasAdaptation`` from
/// the firing statistics of each window of tokens. Where the paper and the
/// public re-implementation differ, the re-implementation is followed and the
/// paper's reading is an option (``BiasAdaptationConfig``).
///
/// ```
/// pre = (s·x − b_dec)·W_enc + b       z = ReLU(pre)       x̂ = z·W_dec + b_dec
/// W_enc = Wᵀ with unit rows w_m (spherical steps) in both variants
/// tied:    W_dec = diag(a)·W with trained output scales a_m
/// untied:  W_dec (m × d) trained freely
/// every step:            window += pre of the batch (before the update)
/// window ≥ windowTokens: biases ← BiasAdaptation(window, groups); clear window
/// ```
///
/// Sparsity is an outcome of the target schedule: if each neuron fired at its
/// group's target, the mean L0 would be ``NeuronGroups/expectedL0``; the L0
/// reached in each window is recorded beside it (``windowL0``).
public final class GroupBiasAdaptationTrainer {
  public let adaptation: BiasAdaptationConfig
  public let groups: NeuronGroups
  /// The buffered statistics of the current window.
  public private(set) var window: FiringWindow
  /// Mean active neurons per token in each completed window, in order.
  public private(set) var windowL0: [Double] = []
  /// Per-neuron firing frequency in the last completed window (empty before the first).
  public private(set) var lastWindowFrequencies: [Double] = []
  /// Optimiser steps taken.
  public private(set) var stepsDone = 0

  let trainer: SAETrainer
  /// Tied only: `a_m`.
  var outputScale: [Float]
  var adamDirections, adamScale, adamDecoder, adamDecoderBias: AdamState
  var tracker: LatentFiringTracker

  /// Starts from `sae`, which must be a ReLU SAE without penalty (`.relu(l1: 0)`).
  /// The encoder directions `w_m` start as the normalised decoder rows (tied: `a_m` as their norms).
  public init(sae: SparseAutoencoder, config: TrainingConfig, adaptation: BiasAdaptationConfig, groups: NeuronGroups) throws {
    try sae.requireWeightsInMemory(for: "training an SAE")
    try require(sae.activation.kind == .relu(l1: 0),
                "bias adaptation trains ReLU neurons without a sparsity penalty (.relu(l1: 0)), got \(sae.activation.kind)")
    try adaptation.validate(width: sae.width)
    try require(groups.group.count == sae.width, "the groups cover \(groups.group.count) neurons, the SAE has \(sae.width)")
    var trainerConfig = config
    if adaptation.inputMeanSquaredNorm != nil { trainerConfig.normalizeInput = false }
    var start = sae
    outputScale = sae.decoderNorms
    var directions = sae.decoderWeights
    SAETrainer.normalizeRows(&directions)
    start.encoderWeights = directions.transposed
    self.adaptation = adaptation
    self.groups = groups
    self.trainer = try SAETrainer(sae: start, config: trainerConfig)
    self.window = FiringWindow(width: sae.width)
    self.tracker = try LatentFiringTracker(width: sae.width, window: config.deadWindowTokens)
    adamDirections = AdamState(count: sae.width * sae.dimension)
    adamScale = AdamState(count: adaptation.tied ? sae.width : 0)
    adamDecoder = AdamState(count: adaptation.tied ? 0 : sae.width * sae.dimension)
    adamDecoderBias = AdamState(count: sae.dimension)
  }

  /// The SAE as trained so far (its decoder rows are not unit vectors: tied, `W_dec = diag(a)·W`).
  public var model: SparseAutoencoder { trainer.model }

  /// Sets the input scale (`E‖s·x‖²` = the configured norm, when set) and `b_dec`
  /// (geometric median) from a sample of rows in input units.
  public func initialize(fromSample sample: Matrix) throws {
    if let target = adaptation.inputMeanSquaredNorm, sample.rows > 0 {
      let meanSquare = sample.rowSquaredNorms().reduce(0, +) / Double(sample.rows)
      try require(meanSquare > 0 && meanSquare.isFinite, "cannot scale inputs: mean ‖x‖² is \(meanSquare)")
      trainer.sae.inputScale = Float((target / meanSquare).squareRoot())
    }
    try trainer.initialize(fromSample: sample)
  }

  /// One gradient step on `x (B × d)`, then the window update and, when the
  /// window is full, one bias adaptation.
  /// - Throws: ``SAEKitError/nonFinite(_:)`` when the loss is NaN or infinite.
  @discardableResult
  public func step(_ x: Matrix) throws -> TrainingProgress {
    let progress = try gradientStep(x)
    stepsDone += 1
    try window.record(trainer.workspace.pre)
    if window.tokens >= adaptation.windowTokens { try adapt() }
    return progress
  }

  /// Applies the rule to the current window and starts a new one. The
  /// gradient step never moves the encoder biases; only this does.
  func adapt() throws {
    try BiasAdaptation.apply(to: &trainer.sae.encoderBias, window: window, groups: groups, config: adaptation)
    windowL0.append(Double(window.counts.reduce(0, +)) / Double(window.tokens))
    lastWindowFrequencies = window.frequencies
    window.clear()
  }
}
