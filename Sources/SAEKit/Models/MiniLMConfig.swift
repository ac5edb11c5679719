import Foundation

/// The architecture of a BERT encoder, read from Hugging Face's `config.json`.
///
/// For all-MiniLM-L6-v2: hidden 384, 6 layers, 12 heads of 32 dimensions, FFN 1536,
/// exact-erf GELU, LayerNorm ε = 1e-12, 512 absolute positions, 2 token types, 30522 tokens.
public struct MiniLMConfig: Sendable, Equatable, Decodable {
  public var hiddenSize: Int
  public var layerCount: Int
  public var headCount: Int
  public var intermediateSize: Int
  public var maxPositions: Int
  public var typeVocabularySize: Int
  public var vocabularySize: Int
  public var layerNormEpsilon: Float
  /// `"gelu"` (exact erf GELU) is the only supported activation.
  public var hiddenActivation: String
  /// `"absolute"` is the only supported position embedding.
  public var positionEmbeddingType: String

  /// Dimensions per attention head, `hiddenSize / headCount`.
  public var headSize: Int { hiddenSize / headCount }

  enum CodingKeys: String, CodingKey {
    case hiddenSize = "hidden_size", layerCount = "num_hidden_layers", headCount = "num_attention_heads"
    case intermediateSize = "intermediate_size", maxPositions = "max_position_embeddings"
    case typeVocabularySize = "type_vocab_size", vocabularySize = "vocab_size"
    case layerNormEpsilon = "layer_norm_eps", hiddenActivation = "hidden_act"
    case positionEmbeddingType = "position_embedding_type"
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
    layerCount = try c.decode(Int.self, forKey: .layerCount)
    headCount = try c.decode(Int.self, forKey: .headCount)
    intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
    maxPositions = try c.decode(Int.self, forKey: .maxPositions)
    typeVocabularySize = try c.decode(Int.self, forKey: .typeVocabularySize)
    vocabularySize = try c.decode(Int.self, forKey: .vocabularySize)
    layerNormEpsilon = Float(try c.decode(Double.self, forKey: .layerNormEpsilon))
    hiddenActivation = try c.decode(String.self, forKey: .hiddenActivation)
    positionEmbeddingType = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? "absolute"
  }

  /// Floating-point operations of the products in one forward pass over `batch` sequences of
  /// `length` tokens, every position attending to every other: per token and layer
  /// `2·(4h² + 2·h·f)` for the Q, K, V and output projections and the two FFN layers
  /// (`h` = hidden size, `f` = FFN size), and `2·h·length` each for the attention scores and the
  /// weighted values. Embeddings, LayerNorm, GELU, softmax and pooling are `O(h)` per token and
  /// left out.
  public func forwardFLOPs(batch: Int, length: Int) -> Double {
    let h = Double(hiddenSize), f = Double(intermediateSize), tokens = Double(batch * length)
    return Double(layerCount) * tokens * (2 * (4 * h * h + 2 * h * f) + 4 * h * Double(length))
  }

  /// Reads and checks `config.json`.
  /// - Throws: ``SAEKitError/file(path:reason:)`` when it is unreadable, not a BERT config, or
  ///   asks for something this encoder does not implement.
  public static func read(_ path: String) throws -> MiniLMConfig {
    let config: MiniLMConfig
    do {
      config = try JSONDecoder().decode(MiniLMConfig.self, from: FileContents.read(path))
    } catch {
      throw SAEKitError.file(path: path, reason: "not a readable BERT config.json (\(error))")
    }
    func fail(_ reason: String) -> SAEKitError { .file(path: path, reason: reason) }
    guard config.hiddenActivation == "gelu" else {
      throw fail("hidden_act '\(config.hiddenActivation)' is not supported (only the exact erf 'gelu')")
    }
    guard config.positionEmbeddingType == "absolute" else {
      throw fail("position_embedding_type '\(config.positionEmbeddingType)' is not supported (only 'absolute')")
    }
    let sizes = [config.hiddenSize, config.layerCount, config.headCount, config.intermediateSize,
                 config.maxPositions, config.typeVocabularySize, config.vocabularySize]
    guard sizes.allSatisfy({ $0 > 0 }), config.hiddenSize % config.headCount == 0 else {
      throw fail("sizes must be positive and hidden_size (\(config.hiddenSize)) a multiple of num_attention_heads (\(config.headCount))")
    }
    return config
  }
}
