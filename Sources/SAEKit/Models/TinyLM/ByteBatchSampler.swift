/// Deterministic training batches from a byte stream: each row is a window of `length`
/// consecutive tokens starting at a uniformly random position of the stream, and its targets
/// are the same window shifted by one token (windows cross text boundaries, as in GPT-2
/// training on text joined by end-of-text).
///
/// The starts of step `s` come from `RandomSource(seed: seed).fork(s)`, so a step's batch
/// depends only on the seed, the step and the sizes — never on which steps were drawn
/// before. A run resumed at step `s`, or retrained over its first steps, sees the same data.
public struct ByteBatchSampler: Sendable {
  public let corpus: ByteCorpus
  public let seed: UInt64

  public init(corpus: ByteCorpus, seed: UInt64) {
    self.corpus = corpus
    self.seed = seed
  }

  /// The batch of step `step`: `tokens` and `targets` are row-major `batchSize × length`,
  /// `targets[r·length + j]` the stream token after `tokens[r·length + j]`.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` naming the argument when `step < 0`,
  ///   `batchSize < 1`, `length < 1`, or the stream is shorter than `length + 1` tokens.
  public func batch(step: Int, batchSize: Int, length: Int) throws -> (tokens: [Int32], targets: [Int32]) {
    var tokens: [Int32] = [], targets: [Int32] = []
    try fill(step: step, batchSize: batchSize, length: length, tokens: &tokens, targets: &targets)
    return (tokens, targets)
  }

  /// ``batch(step:batchSize:length:)`` written into `tokens` and `targets`, which are resized
  /// to `batchSize · length` only when their size differs, so a training loop that passes the
  /// same arrays every step allocates nothing.
  public func fill(step: Int, batchSize: Int, length: Int, tokens: inout [Int32], targets: inout [Int32]) throws {
    try validate(step: step, batchSize: batchSize, length: length)
    let size = batchSize * length
    if tokens.count != size { tokens = [Int32](repeating: 0, count: size) }
    if targets.count != size { targets = [Int32](repeating: 0, count: size) }
    var random = source(step: step)
    let startCount = corpus.count - length
    corpus.tokens.withUnsafeBufferPointer { stream in
      tokens.withUnsafeMutableBufferPointer { inputs in
        targets.withUnsafeMutableBufferPointer { outputs in
          for row in 0..<batchSize {
            let start = random.int(below: startCount), offset = row * length
            for j in 0..<length {
              inputs[offset + j] = Int32(stream[start + j])
              outputs[offset + j] = Int32(stream[start + j + 1])
            }
          }
        }
      }
    }
  }

  /// The stream positions where the rows of step `step` start, in row order.
  /// - Throws: as ``batch(step:batchSize:length:)``.
  public func windowStarts(step: Int, batchSize: Int, length: Int) throws -> [Int] {
    try validate(step: step, batchSize: batchSize, length: length)
    var random = source(step: step)
    return (0..<batchSize).map { _ in random.int(below: corpus.count - length) }
  }

  private func source(step: Int) -> RandomSource {
    RandomSource(seed: seed).fork(UInt64(step))
  }

  private func validate(step: Int, batchSize: Int, length: Int) throws {
    try require(step >= 0, "step must be non-negative, got \(step)")
    try require(batchSize >= 1, "batchSize must be at least 1, got \(batchSize)")
    try require(length >= 1, "length must be at least 1, got \(length)")
    try require(corpus.count > length,
      "length: a window of \(length) tokens and its shifted targets need \(length + 1) tokens, but the stream has \(corpus.count)")
  }
}
