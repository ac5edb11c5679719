import Foundation

/// A text corpus as one stream of byte tokens for a byte-level TinyLM: each text's UTF-8
/// bytes (tokens 0…255) followed by the end-of-text token ``endOfText`` (256), the GPT-2
/// convention of separating documents with `<|endoftext|>`.
///
/// ```
/// texts   ["hé", "ok"]
/// tokens  [104, 195, 169, 256, 111, 107, 256]
/// ```
///
/// Tokens are stored as `UInt16` (257 values need 9 bits; half the memory of `Int32`); the
/// batch sampler and the evaluation windows hand them out as `Int32`. The stream does not
/// begin with an end-of-text token, so its first byte has no context (see
/// ``ByteEvaluationWindows``).
public struct ByteCorpus: Sendable, Equatable {
  /// The end-of-text token that follows every text (``TinyLMConfig/endOfText`` of a byte model).
  public static let endOfText: UInt16 = 256
  /// Tokens of the byte vocabulary: 256 byte values and ``endOfText``.
  public static let vocabularySize = TinyLMConfig.byteVocabularySize

  /// The stream: every text's UTF-8 bytes, each text followed by ``endOfText``.
  public let tokens: [UInt16]
  /// Where each text starts in ``tokens`` (its end-of-text token is at the next start − 1).
  public let documentStarts: [Int]

  /// The stream of `texts`, in order.
  public init(texts: [String]) {
    var tokens: [UInt16] = [], starts: [Int] = []
    tokens.reserveCapacity(texts.reduce(0) { $0 + $1.utf8.count + 1 })
    starts.reserveCapacity(texts.count)
    for text in texts {
      starts.append(tokens.count)
      tokens.append(contentsOf: text.utf8.lazy.map { UInt16($0) })
      tokens.append(Self.endOfText)
    }
    self.tokens = tokens
    self.documentStarts = starts
  }

  /// Tokens in the stream (UTF-8 bytes and one end-of-text token per text).
  public var count: Int { tokens.count }
  /// Texts in the stream (equally, end-of-text tokens).
  public var documentCount: Int { documentStarts.count }
  /// UTF-8 bytes in the stream (``count`` less the end-of-text tokens).
  public var byteCount: Int { tokens.count - documentStarts.count }

  /// The tokens of text `document`, its end-of-text token included.
  public func document(_ document: Int) -> ArraySlice<UInt16> {
    let end = document + 1 < documentStarts.count ? documentStarts[document + 1] : tokens.count
    return tokens[documentStarts[document]..<end]
  }

  /// The training and held-out streams of `corpus` under ``TextInterleavedSplit`` with the
  /// given period: snippet `i` is held out iff `i mod period == period − 1` (both held-out
  /// halves, fit and test, go to `heldOut`), exactly the texts held out elsewhere in SAEKit
  /// for the same period. Each stream keeps the corpus order.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` naming `heldOutEvery` unless `period ≥ 2`.
  public static func split(_ corpus: TextCorpus, heldOutEvery period: Int) throws -> (training: ByteCorpus, heldOut: ByteCorpus) {
    let split: TextInterleavedSplit
    do { split = try TextInterleavedSplit(period: period) } catch SAEKitError.invalidArgument(let reason) {
      throw SAEKitError.invalidArgument("heldOutEvery: \(reason)")
    }
    var training: [String] = [], heldOut: [String] = []
    for (i, text) in corpus.snippets.enumerated() {
      if split.side(text: i) == .training { training.append(text) } else { heldOut.append(text) }
    }
    return (ByteCorpus(texts: training), ByteCorpus(texts: heldOut))
  }
}
