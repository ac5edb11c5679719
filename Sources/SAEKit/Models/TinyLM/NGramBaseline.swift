import Foundation

/// Unigram, bigram and trigram byte models fitted on a training stream and scored in bits
/// per byte on a held-out stream: the floor a TinyLM has to beat.
///
/// The models are interpolated modified Kneser–Ney over the 257 tokens (bytes and
/// end-of-text), counted on the whole training stream; their discounts come from the
/// training counts alone (see ``KneserNeyModel``), so no parameter is chosen on held-out
/// text. (On the default corpus, scaling every discount by 0.6–1.4 changes the trigram's bits
/// per byte on the last 10% of training texts, counted on the other 90%, by under 0.003, and
/// 1 is within 0.001 of the best, so tuning would gain nothing.) They score exactly the targets of ``ByteEvaluationWindows`` with the same
/// `windowLength` and see no more context than the LM does there: a target at position `j`
/// of its window has `j + 1` tokens of context, so the bigram always conditions on the
/// previous token (the window's input at `j`), and the trigram conditions on two tokens
/// except at `j = 0`, where the previous-but-one token lies before the window and the bigram
/// model scores the target instead. End-of-text tokens are scored and serve as context like
/// bytes; bits per byte divide by the scored UTF-8 bytes (``BitsPerByte``).
public struct NGramBaselines: Sendable, Equatable {
  /// Bits per byte on the held-out stream of each model.
  public let unigramBitsPerByte: Double
  public let bigramBitsPerByte: Double
  public let trigramBitsPerByte: Double
  /// The evaluation window whose context the models were limited to.
  public let windowLength: Int
  /// Tokens of the training stream the models were counted on.
  public let trainingTokenCount: Int
  /// Held-out targets scored (end-of-text included) and those that are UTF-8 bytes.
  public let scoredTokenCount: Int
  public let scoredByteCount: Int

  /// Fits the three models on `training` and scores them on `heldOut`.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` naming the argument when `windowLength < 1`,
  ///   the training stream has fewer than 3 tokens, or the held-out stream has no byte to score.
  public init(training: ByteCorpus, heldOut: ByteCorpus, windowLength: Int) throws {
    let windows = try heldOut.evaluationWindows(length: windowLength)
    try require(training.count >= 3, "training: the n-gram baselines need at least 3 tokens, got \(training.count)")
    let models = try (1...3).map {
      try KneserNeyModel(order: $0, vocabularySize: ByteCorpus.vocabularySize, stream: training.tokens)
    }
    func bits(_ order: Int) -> Double {
      windows.bitsPerByte(totalNats: Self.totalNats(models: Array(models[..<order]), stream: heldOut.tokens, windowLength: windowLength))
    }
    unigramBitsPerByte = bits(1)
    bigramBitsPerByte = bits(2)
    trigramBitsPerByte = bits(3)
    self.windowLength = windowLength
    trainingTokenCount = training.count
    scoredTokenCount = windows.scoredTokenCount
    scoredByteCount = windows.scoredByteCount
  }

  /// Cross-entropy in nats summed over the targets of ``ByteEvaluationWindows`` (every token
  /// of `stream` but the first), where `models[k − 1]` has order k and each target is scored
  /// by the highest order whose context lies inside its window. Deterministic: fixed chunks,
  /// added in order.
  static func totalNats(models: [KneserNeyModel], stream: [UInt16], windowLength: Int) -> Double {
    Parallel.sum(count: max(stream.count - 1, 0)) { targets in
      var nats = 0.0
      for target in targets {
        let position = target + 1, inWindow = target % windowLength
        let order = min(models.count, inWindow + 2)
        let context = stream[(position - order + 1)..<position]
        nats -= log(models[order - 1].probability(of: Int(stream[position]), after: context))
      }
      return nats
    }
  }
}
