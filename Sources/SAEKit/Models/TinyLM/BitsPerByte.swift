import Foundation

/// Converts cross-entropy to bits per UTF-8 byte, the unit of byte-level language models
/// (bits per byte = total nats / (ln 2 · UTF-8 bytes)), so that the TinyLM and the n-gram
/// baselines report the same quantity.
///
/// The numerator is the cross-entropy of every scored target, end-of-text tokens included
/// (predicting where a text ends is part of modelling the corpus); the denominator counts
/// only the scored targets that are UTF-8 bytes. End-of-text is about one token in 175 of the
/// default corpus, so bits per byte is slightly above bits per token.
public enum BitsPerByte {
  /// `totalNats / (ln 2 · bytes)`; NaN when `bytes ≤ 0`.
  public static func from(totalNats: Double, bytes: Int) -> Double {
    bytes > 0 ? totalNats / (M_LN2 * Double(bytes)) : .nan
  }

  /// Bits per byte from a mean over `tokens` scored targets (end-of-text included) of which
  /// `bytes` are UTF-8 bytes: `meanNatsPerToken · tokens / (ln 2 · bytes)`.
  public static func from(meanNatsPerToken: Double, tokens: Int, bytes: Int) -> Double {
    from(totalNats: meanNatsPerToken * Double(tokens), bytes: bytes)
  }
}
