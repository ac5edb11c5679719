import Foundation

/// The result of a full training run.
public struct TrainingResult: Sendable {
  public var model: SparseAutoencoder
  public var history: TrainingHistory
  /// Wall-clock seconds of the optimisation loop (initialisation excluded).
  public var seconds: Double
}

extension SAETrainer {
  /// Trains a fresh SAE of `width` latents on the rows of `data`.
  ///
  /// Every random choice comes from `random` through fixed forks (0: the
  /// initial decoder, 1: the initialisation sample, 2: the batch order, 3: a
  /// sampling activation's noise), so a
  /// seed reproduces a run bit for bit on the same thread count.
  ///
  /// - Parameters:
  ///   - progress: called every `progressEvery` steps and after the last one.
  ///   - shouldStop: polled before every step; returning true throws ``SAEKitError/cancelled``.
  public static func train(
    _ data: any ActivationSource, width: Int, activation: ActivationKind,
    config: TrainingConfig = TrainingConfig(), random: RandomSource,
    progressEvery: Int? = nil,
    progress: ((TrainingProgress) -> Void)? = nil,
    shouldStop: (() -> Bool)? = nil
  ) throws -> TrainingResult {
    try require(data.rows >= 1 && data.cols >= 1, "no training data: the activation table is \(data.rows)×\(data.cols)")
    var initRandom = random.fork(0)
    let sae = try SparseAutoencoder(dimension: data.cols, width: width, activation: activation, random: &initRandom)
    let trainer = try SAETrainer(sae: sae, config: config)
    trainer.noise = random.fork(3)
    let batches = try prepareBatches(data, config: config, random: random) { try trainer.initialize(fromSample: $0) }
    let (history, seconds) = try runSteps(
      batches, config: config, progressEvery: progressEvery, progress: progress, shouldStop: shouldStop, step: trainer.step)
    return TrainingResult(model: trainer.model, history: history, seconds: seconds)
  }

  /// Draws the initialisation sample (fork 1 of `random`), hands it to
  /// `initialize`, and returns the batches (fork 2).
  static func prepareBatches(
    _ data: any ActivationSource, config: TrainingConfig, random: RandomSource,
    initialize: (Matrix) throws -> Void
  ) throws -> ActivationBatches {
    var sampleRandom = random.fork(1)
    let sampleRows = sampleRandom.sample(min(config.initializationSample, data.rows), from: data.rows).sorted()
    var sample = Matrix(rows: sampleRows.count, cols: data.cols)
    sampleRows.withUnsafeBufferPointer { ib in
      sample.storage.withUnsafeMutableBufferPointer { data.gatherRows(at: ib, into: $0.baseAddress!) }
    }
    try initialize(sample)
    return try ActivationBatches(
      data, batchSize: min(config.batchSize, data.rows), random: random.fork(2),
      shuffle: config.shuffle, dropLast: true, epochs: nil)
  }

  /// Runs up to `config.steps` steps of `step` over `batches`, recording the
  /// history; returns it with the loop's wall-clock seconds.
  static func runSteps(
    _ batches: ActivationBatches, config: TrainingConfig, progressEvery: Int?,
    progress: ((TrainingProgress) -> Void)?, shouldStop: (() -> Bool)?,
    step: (Matrix) throws -> TrainingProgress
  ) throws -> (TrainingHistory, Double) {
    var batches = batches
    let every = max(1, progressEvery ?? max(1, config.steps / 100))
    var history = TrainingHistory()
    let start = DispatchTime.now().uptimeNanoseconds
    for s in 0..<config.steps {
      if shouldStop?() == true { throw SAEKitError.cancelled }
      guard let batch = batches.next() else { break }
      var p = try step(batch)
      p.elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      history.append(p)
      if s + 1 == config.steps || (s + 1) % every == 0 { progress?(p) }
    }
    return (history, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }
}
