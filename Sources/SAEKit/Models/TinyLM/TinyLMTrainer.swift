import Foundation

/// Trains a TinyLM: AdamW steps on next-token batches, held-out loss at fixed intervals, a
/// log row per step. Deterministic: the same settings and batches give the same bits.
public struct TinyLMTrainer: Sendable {
  public struct Settings: Sendable, Equatable, Codable {
    public var config: TinyLMConfig = .standard
    public var optimizer = TinyLMOptimizer.Settings()
    public var batchSize = 16
    /// Tokens per training sequence (≤ the context).
    public var length = 128
    /// Seed of the initialisation (the batches have their own, see the caller).
    public var seed: UInt64 = 1
    /// Held-out loss every this many steps (and after the last).
    public var evaluateEvery = 100

    public init() {}

    public var steps: Int { optimizer.totalSteps }
    public var tokensPerStep: Int { batchSize * length }
  }

  /// One training step: its mean loss in nats per token, gradient norm before clipping,
  /// learning rate, and the held-out loss when it was evaluated after this step.
  public struct LogEntry: Sendable, Equatable {
    public var step: Int
    public var learningRate: Double
    public var loss: Double
    public var gradientNorm: Double
    public var heldOutLoss: Double?

    public init(step: Int, learningRate: Double, loss: Double, gradientNorm: Double, heldOutLoss: Double?) {
      self.step = step
      self.learningRate = learningRate
      self.loss = loss
      self.gradientNorm = gradientNorm
      self.heldOutLoss = heldOutLoss
    }
  }

  public var settings: Settings

  public init(settings: Settings) throws {
    _ = try settings.config.validated()
    guard settings.batchSize > 0, (1...settings.config.context).contains(settings.length), settings.steps > 0,
          settings.evaluateEvery > 0
    else {
      throw SAEKitError.invalidArgument("TinyLM training: batch size, steps and evaluateEvery must be positive and length within 1…\(settings.config.context)")
    }
    self.settings = settings
  }

  /// Runs `settings.steps` steps (or `stopAfter` of them, to check a prefix of a run).
  /// - Parameters:
  ///   - batch: the tokens and targets of step `s` (`batchSize × length` each).
  ///   - heldOut: the held-out mean loss (nats per scored token) of a model.
  ///   - progress: called after every step with the entry just logged.
  public func train(
    stopAfter: Int? = nil,
    batch: (Int) throws -> (tokens: [Int], targets: [Int]),
    heldOut: (TinyLM) throws -> Double,
    progress: (LogEntry) -> Void = { _ in }
  ) throws -> (model: TinyLM, log: [LogEntry]) {
    var model = try TinyLM(config: settings.config, seed: settings.seed)
    var optimizer = TinyLMOptimizer(settings: settings.optimizer, config: settings.config)
    let pass = try TinyLMPass(config: settings.config, batch: settings.batchSize, length: settings.length)
    var gradients = TinyLMParameters(zeros: settings.config)
    var log: [LogEntry] = []
    let steps = min(settings.steps, stopAfter ?? settings.steps)
    for step in 0..<steps {
      let (tokens, targets) = try batch(step)
      let loss = try pass.forward(model.parameters, tokens: tokens, targets: targets)
      guard loss.isFinite else { throw SAEKitError.nonFinite("TinyLM training loss at step \(step) is \(loss)") }
      gradients.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
      try pass.backward(model.parameters, into: &gradients)
      let (norm, lr) = optimizer.update(&model.parameters, with: gradients)
      let evaluate = (step + 1) % settings.evaluateEvery == 0 || step == settings.steps - 1
      let entry = LogEntry(step: step, learningRate: lr, loss: Double(loss), gradientNorm: norm,
                           heldOutLoss: evaluate ? try heldOut(model) : nil)
      log.append(entry)
      progress(entry)
    }
    return (model, log)
  }
}

extension TinyLMTrainer.LogEntry {
  /// The CSV header of a training log.
  public static let csvHeader = "step,learning_rate,loss,gradient_norm,held_out_loss"

  /// One CSV row (full precision; an empty held-out column where it was not evaluated).
  public var csvRow: String {
    "\(step),\(learningRate),\(loss),\(gradientNorm),\(heldOutLoss.map { "\($0)" } ?? "")"
  }

  /// Parses a log written by ``csvRow`` (with its header).
  public static func parseCSV(_ text: String, path: String) throws -> [TinyLMTrainer.LogEntry] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    guard lines.first == csvHeader else { throw SAEKitError.file(path: path, reason: "not a TinyLM training log (header \(lines.first ?? "missing"))") }
    lines.removeFirst()
    return try lines.enumerated().map { index, line in
      let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard f.count == 5, let step = Int(f[0]), let lr = Double(f[1]), let loss = Double(f[2]), let norm = Double(f[3]) else {
        throw SAEKitError.file(path: path, reason: "line \(index + 2) is not step,learning_rate,loss,gradient_norm,held_out_loss")
      }
      let heldOut = f[4].isEmpty ? nil : Double(f[4])
      if !f[4].isEmpty && heldOut == nil { throw SAEKitError.file(path: path, reason: "line \(index + 2): held_out_loss '\(f[4])' is not a number") }
      return .init(step: step, learningRate: lr, loss: loss, gradientNorm: norm, heldOutLoss: heldOut)
    }
  }
}
