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

  /// Floating-point operations of the products in one forward pass over `batch` sequences of
  /// `length` tokens: per token and block `24·d²` (QKV `6d²`, output projection `2d²`, MLP `16d²`),
  /// causal attention `2·d·(t + 1)` for the scores and as much for the weighted values at
  /// position `t`, and the tied output head `2·V·d`. Element-wise work (LayerNorm, GELU, softmax)
  /// is left out: it is `O(d)` per token, not `O(d²)`.
  public func forwardFLOPs(batch: Int, length: Int) -> Double {
    let d = Double(width), tokens = Double(batch * length)
    let blocks = Double(layerCount) * (24 * d * d * tokens + 4 * d * Double(batch) * Double(length * (length + 1) / 2))
    return blocks + 2 * Double(vocabularySize) * d * tokens
  }

  /// Floating-point operations of the products in one training step (forward and backward):
  /// 3 × ``forwardFLOPs(batch:length:)``, since every product `Y = X·Wᵀ` (and each of the two
  /// attention products) has two products of the same size in its backward, one for each input.
  public func trainingFLOPs(batch: Int, length: Int) -> Double { 3 * forwardFLOPs(batch: batch, length: length) }

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
