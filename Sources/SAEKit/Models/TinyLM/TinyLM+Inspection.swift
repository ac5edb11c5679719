import Foundation

extension TinyLMPass {
  /// The attention probabilities of the last forward pass for one sequence and head of
  /// block `block` (1…L): `P (length × length)`, row `t` over keys `0…t` (zeros above the
  /// diagonal).
  public func attentionPattern(block: Int, sequence: Int, head: Int) -> Matrix {
    precondition((1...config.layerCount).contains(block) && (0..<batch).contains(sequence) && (0..<config.headCount).contains(head))
    let t = length
    let start = attention + (((block - 1) * batch + sequence) * config.headCount + head) * t * t
    return try! Matrix(rows: t, cols: t, storage: Array(UnsafeBufferPointer(start: start, count: t * t)))
  }
}

extension TinyLM {
  /// The attention pattern of `head` in block `block` (1…L) on `text` as the model reads it
  /// (``encode(_:maxLength:)``, at most `context` tokens): the tokens and `P (T × T)`.
  public func attentionPattern(text: String, block: Int, head: Int) throws -> (tokens: [Int], pattern: Matrix) {
    guard (1...config.layerCount).contains(block) else {
      throw SAEKitError.invalidArgument("block must be in 1...\(config.layerCount), got \(block)")
    }
    guard (0..<config.headCount).contains(head) else {
      throw SAEKitError.invalidArgument("head must be in 0..<\(config.headCount), got \(head)")
    }
    let tokens = encode(text, maxLength: config.context)
    let pass = try TinyLMPass(config: config, batch: 1, length: tokens.count)
    try pass.forward(parameters, tokens: tokens)
    return (tokens, pass.attentionPattern(block: block, sequence: 0, head: head))
  }

  /// Next-token cross-entropy (nats) of every byte of `text` given the bytes before it, read in
  /// windows of `context` tokens that each start with end-of-text (as training saw documents):
  /// one loss per byte, the first predicted from end-of-text alone.
  public func tokenLosses(text: String, shouldStop: () -> Bool = { false }) throws -> [Float] {
    let bytes = text.utf8.map { Int($0) }
    var losses = [Float]()
    losses.reserveCapacity(bytes.count)
    var start = 0
    while start < bytes.count {
      if shouldStop() { throw SAEKitError.cancelled }
      let piece = Array(bytes[start..<min(bytes.count, start + config.context - 1)])
      let tokens = [config.endOfText] + piece
      let length = tokens.count - 1
      let pass = try TinyLMPass(config: config, batch: 1, length: length)
      try pass.forward(parameters, tokens: Array(tokens.prefix(length)), targets: Array(tokens.dropFirst()))
      losses += pass.losses
      start += piece.count
    }
    return losses
  }

  /// `∂L/∂h_layer` for every token of `texts`, where `L` is the sum over each text of the
  /// next-token cross-entropy of its bytes (the last token of a text predicts nothing): the
  /// gradient for g-SAE, with the rows of ``residualStreams(texts:layers:maxLength:)``. A sum,
  /// not a mean, so a row does not depend on which other texts share its batch.
  public func residualGradients(texts: [String], layer: Int, maxLength: Int) throws -> ResidualStreams {
    guard (0...config.layerCount).contains(layer) else {
      throw SAEKitError.invalidArgument("layer must be in 0...\(config.layerCount), got \(layer)")
    }
    guard let batch = TinyLMTextBatch(self, texts: texts, maxLength: maxLength) else {
      return ResidualStreams(states: [Matrix(rows: 0, cols: config.width)], text: [], position: [], tokenId: [])
    }
    let pass = try TinyLMPass(config: config, batch: texts.count, length: batch.length)
    try pass.forward(parameters, tokens: batch.tokens, targets: batch.targets, hooks: TinyLMHooks(gradients: [layer]))
    guard pass.scoredCount > 0 else {
      return try batch.streams([Matrix(rows: texts.count * batch.length, cols: config.width)])
    }
    var unused = TinyLMParameters(zeros: config)
    let gradient = try pass.backward(parameters, into: &unused)[layer]!
    // The backward pass differentiates the mean over scored tokens.
    return try batch.streams([gradient], scale: Float(pass.scoredCount))
  }
}
