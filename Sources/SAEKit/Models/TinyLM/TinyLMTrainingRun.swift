import Foundation

/// One TinyLM training run on the default corpus, written to a folder: the weights in
/// Hugging Face's GPT-2 layout (``TinyLMFiles``), `training-log.csv` (every step's loss,
/// learning rate and gradient norm, and the held-out loss at intervals) and
/// `training.json` (settings, held-out bits per byte beside the unigram, bigram and trigram
/// baselines of the same split, and the wall-clock time).
///
/// Data: ``ByteCorpus/split(_:heldOutEvery:)`` of ``TextCorpus/standard(directory:)`` with
/// ``heldOutEvery`` (the texts every analysis in the project holds out); batches from
/// ``ByteBatchSampler`` seeded by the run's seed + 1000, held-out loss on every window
/// of the held-out stream (each byte scored once).
public enum TinyLMTrainingRun {
  public static let heldOutEvery = 4
  /// Where the committed default seeds live, relative to the repository root.
  public static let defaultDirectory = "assets/tinylm"
  public static let defaultSeeds: [UInt64] = [1, 2, 3, 4, 5]

  /// The default recipe (`make tinylm`).
  public static func standardSettings(seed: UInt64) -> TinyLMTrainer.Settings {
    var s = TinyLMTrainer.Settings()
    s.seed = seed
    s.batchSize = 16
    s.length = 128
    s.optimizer.learningRate = 3e-3
    s.optimizer.warmupSteps = 100
    s.optimizer.totalSteps = 1600
    s.evaluateEvery = 400
    return s
  }

  /// The folder of one seed, `DIR/seed-N`.
  public static func folder(_ directory: String, seed: UInt64) -> String { "\(directory)/seed-\(seed)" }

  /// The held-out mean loss (nats per scored token) of `model` on `windows`.
  /// - Parameter shouldStop: polled before every batch; true ends the pass with ``SAEKitError/cancelled``.
  public static func heldOutLoss(
    _ model: TinyLM, windows: ByteEvaluationWindows, batchSize: Int = 32, shouldStop: () -> Bool = { false }
  ) throws -> (meanNats: Double, totalNats: Double) {
    var total = 0.0, scored = 0
    let groups = Dictionary(grouping: windows.windows, by: \.tokens.count)
    for length in groups.keys.sorted() {
      let list = groups[length]!
      var first = 0, fullBatch: TinyLMPass? = nil  // one pass for every full batch of this length
      while first < list.count {
        if shouldStop() { throw SAEKitError.cancelled }
        let part = list[first..<min(first + batchSize, list.count)]
        let pass: TinyLMPass
        if part.count == batchSize, let reused = fullBatch {
          pass = reused
        } else {
          pass = try TinyLMPass(config: model.config, batch: part.count, length: length)
          if part.count == batchSize { fullBatch = pass }
        }
        let loss = try pass.forward(model.parameters, tokens: part.flatMap { $0.tokens.map(Int.init) },
                                    targets: part.flatMap { $0.targets.map(Int.init) })
        total += Double(loss) * Double(pass.scoredCount)
        scored += pass.scoredCount
        first += part.count
      }
    }
    return (total / Double(scored), total)
  }

  /// Trains seed `settings.seed` and writes its folder (atomically per file). `stopAfter`
  /// runs only the first steps and writes nothing (the reproducibility test); `shouldStop`,
  /// polled before every step, ends the run with ``SAEKitError/cancelled`` (a cell's time limit).
  @discardableResult
  public static func run(
    settings: TinyLMTrainer.Settings, corpus: TextCorpus, directory: String?, stopAfter: Int? = nil,
    progress: (TinyLMTrainer.LogEntry) -> Void = { _ in }, shouldStop: () -> Bool = { false }
  ) throws -> (model: TinyLM, log: [TinyLMTrainer.LogEntry], summary: [String: JSONValue]) {
    let (training, heldOut) = try ByteCorpus.split(corpus, heldOutEvery: heldOutEvery)
    let sampler = ByteBatchSampler(corpus: training, seed: settings.seed + 1000)
    let windows = try heldOut.evaluationWindows(length: settings.length)
    let trainer = try TinyLMTrainer(settings: settings)
    var tokens = [Int32](), targets = [Int32]()
    let start = DispatchTime.now().uptimeNanoseconds
    var (model, log) = try trainer.train(
      stopAfter: stopAfter,
      batch: { step in
        if shouldStop() { throw SAEKitError.cancelled }
        try sampler.fill(step: step, batchSize: settings.batchSize, length: settings.length, tokens: &tokens, targets: &targets)
        return (tokens.map(Int.init), targets.map(Int.init))
      },
      heldOut: { try heldOutLoss($0, windows: windows).meanNats },
      progress: progress)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    model.name = "tinylm-seed-\(settings.seed)"
    guard let directory, stopAfter == nil else { return (model, log, [:]) }
    // The trainer evaluates after the last step: the held-out loss of the final weights.
    let finalHeldOut = try log.last?.heldOutLoss ?? heldOutLoss(model, windows: windows).meanNats
    let baselines = try NGramBaselines(training: training, heldOut: heldOut, windowLength: settings.length)
    let summary: [String: JSONValue] = [
      "seed": .int(Int(settings.seed)), "steps": .int(settings.steps),
      "batch_size": .int(settings.batchSize), "length": .int(settings.length),
      "learning_rate": .double(settings.optimizer.learningRate), "warmup_steps": .int(settings.optimizer.warmupSteps),
      "weight_decay": .double(settings.optimizer.weightDecay), "clip_norm": .double(settings.optimizer.clipNorm),
      "parameters": .int(TinyLMParameters.count(settings.config)),
      "training_tokens": .int(training.count), "held_out_tokens": .int(heldOut.count),
      "tokens_seen": .int(settings.steps * settings.tokensPerStep),
      "held_out_bits_per_byte": .double(windows.bitsPerByte(meanNatsPerToken: finalHeldOut)),
      "final_training_loss": .double(log.last?.loss ?? .nan),
      "unigram_bits_per_byte": .double(baselines.unigramBitsPerByte),
      "bigram_bits_per_byte": .double(baselines.bigramBitsPerByte),
      "trigram_bits_per_byte": .double(baselines.trigramBitsPerByte),
      "seconds": .double((seconds * 10).rounded() / 10), "threads": .int(ProcessInfo.processInfo.activeProcessorCount),
      "corpus": .string(corpus.contentHash),
    ]
    let folder = self.folder(directory, seed: settings.seed)
    try TinyLMFiles.save(model.parameters, to: folder, metadata: ["seed": "\(settings.seed)"])
    let csv = ([TinyLMTrainer.LogEntry.csvHeader] + log.map(\.csvRow)).joined(separator: "\n") + "\n"
    try AtomicFileWriter.write(csv, to: folder + "/training-log.csv")
    try AtomicFileWriter.write(JSONValue.object(summary).encoded(), to: folder + "/training.json")
    return (model, log, summary)
  }

  /// Loads the model of `seed` from `directory`.
  public static func load(directory: String = defaultDirectory, seed: UInt64) throws -> TinyLM {
    TinyLM(parameters: try TinyLMFiles.load(folder(directory, seed: seed)), name: "tinylm-seed-\(seed)")
  }
}
