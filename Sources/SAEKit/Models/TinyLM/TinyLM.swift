import Foundation

/// A small GPT-2 over bytes, trained here (see ``TinyLMConfig``, ``TinyLMParameters``).
///
/// Forward and backward are written by hand (``TinyLMPass``); ``TinyLMFiles`` reads and
/// writes Hugging Face's GPT-2 layout, so `transformers` loads the weights unchanged.
public struct TinyLM: Sendable {
  public var parameters: TinyLMParameters
  public var config: TinyLMConfig { parameters.config }
  /// A name for reports and cache keys (`tinylm-seed-1`).
  public var name: String

  /// Bumped whenever the forward or backward kernels change their results.
  public static let kernelRevision = 2

  public init(parameters: TinyLMParameters, name: String = "tinylm") {
    self.parameters = parameters
    self.name = name
  }

  /// A freshly initialised model (GPT-2's initialisation).
  public init(config: TinyLMConfig, seed: UInt64, name: String = "tinylm") throws {
    parameters = TinyLMParameters(initialising: try config.validated(), seed: seed)
    self.name = name
  }

  /// SHA-256 of the parameters (little-endian float32 bytes, in ``TinyLMParameters`` order).
  public var weightsSHA256: String {
    parameters.storage.withUnsafeBytes { SHA256.hex(SHA256.digest($0)) }
  }

  /// The tokens of a text as the model reads it: end-of-text (the document separator it was
  /// trained with), then the text's UTF-8 bytes, cut to `maxLength` tokens.
  public func encode(_ text: String, maxLength: Int) -> [Int] {
    Array(([config.endOfText] + text.utf8.map { Int($0) }).prefix(maxLength))
  }

  /// Logits `(batch·length × V)` for `tokens (batch × length)`.
  public func logits(tokens: [Int], batch: Int, length: Int, hooks: TinyLMHooks = TinyLMHooks()) throws -> Matrix {
    let pass = try TinyLMPass(config: config, batch: batch, length: length)
    try pass.forward(parameters, tokens: tokens, hooks: hooks)
    return pass.logitMatrix
  }

  /// The mean next-token cross-entropy (nats) over targets ≥ 0.
  public func loss(tokens: [Int], targets: [Int], batch: Int, length: Int, hooks: TinyLMHooks = TinyLMHooks()) throws -> Float {
    let pass = try TinyLMPass(config: config, batch: batch, length: length)
    return try pass.forward(parameters, tokens: tokens, targets: targets, hooks: hooks)
  }

  /// The mean loss, `∂loss/∂θ`, and the residual-stream gradients the hooks ask for.
  public func lossAndGradients(
    tokens: [Int], targets: [Int], batch: Int, length: Int, hooks: TinyLMHooks = TinyLMHooks()
  ) throws -> (loss: Float, gradients: TinyLMParameters, residualGradients: [Int: Matrix]) {
    let pass = try TinyLMPass(config: config, batch: batch, length: length)
    let loss = try pass.forward(parameters, tokens: tokens, targets: targets, hooks: hooks)
    var gradients = TinyLMParameters(zeros: config)
    let residual = try pass.backward(parameters, into: &gradients)
    return (loss, gradients, residual)
  }
}
