import Foundation

/// The architecture of a TinyLM: a GPT-2 (pre-LayerNorm blocks of causal multi-head
/// attention and a tanh-GELU MLP, learned positions, a final LayerNorm, the output head
/// tied to the token embedding, no dropout) over bytes.
///
/// The vocabulary is the 256 byte values and one end-of-text token (256), so any UTF-8
/// text works without tokenizer files. The default (d = 128, 4 layers of 4 heads,
/// context 128, MLP 4d) has 842,624 parameters (3.4 MB as float32).
public struct TinyLMConfig: Sendable, Equatable, Codable {
  /// Tokens: 256 bytes and ``endOfText``.
  public var vocabularySize: Int
  /// Longest sequence (learned positions).
  public var context: Int
  /// Width of the residual stream.
  public var width: Int
  public var layerCount: Int
  public var headCount: Int
  /// LayerNorm ε (GPT-2: 1e-5).
  public var layerNormEpsilon: Float

  /// The end-of-text token, which separates documents (the vocabulary's last entry).
  public var endOfText: Int { vocabularySize - 1 }
  /// Dimensions per head.
  public var headSize: Int { width / headCount }
  /// Width of the MLP's hidden layer, `4·width` as in GPT-2.
  public var mlpWidth: Int { 4 * width }

  public static let byteVocabularySize = 257

  /// The default model that `make tinylm` trains.
  public static let standard = TinyLMConfig(context: 128, width: 128, layerCount: 4, headCount: 4)

  public init(
    vocabularySize: Int = TinyLMConfig.byteVocabularySize, context: Int, width: Int, layerCount: Int, headCount: Int,
    layerNormEpsilon: Float = 1e-5
  ) {
    self.vocabularySize = vocabularySize
    self.context = context
    self.width = width
    self.layerCount = layerCount
    self.headCount = headCount
    self.layerNormEpsilon = layerNormEpsilon
  }

  /// Why this configuration cannot be built, or nil.
  public var problem: String? {
    let sizes = [vocabularySize, context, width, layerCount, headCount]
    if !sizes.allSatisfy({ $0 > 0 }) { return "all sizes must be positive (\(sizes))" }
    if width % headCount != 0 { return "width \(width) is not a multiple of the head count \(headCount)" }
    if vocabularySize < 2 { return "the vocabulary needs at least one token and end-of-text" }
    if !(layerNormEpsilon > 0) { return "layerNormEpsilon must be positive" }
    return nil
  }

  /// Checks ``problem``.
  public func validated() throws -> TinyLMConfig {
    if let problem { throw SAEKitError.invalidArgument("TinyLM configuration: \(problem)") }
    return self
  }
}
