/// Every weight of a TinyLM in one contiguous float32 buffer (gradients and Adam moments
/// use the same layout), in llm.c's order. Matrices are `(out × in)` as in a PyTorch
/// `Linear`, so a layer is `y = x·Wᵀ + b`; Hugging Face's GPT-2 stores the four block
/// matrices as `Conv1D` `(in × out)`, which ``TinyLMFiles`` transposes on save and load.
///
/// | tensor | shape |
/// | --- | --- |
/// | tokenEmbedding (wte, also the output head) | V × C |
/// | positionEmbedding (wpe) | T × C |
/// | ln1Weight, ln1Bias | L × C |
/// | qkvWeight | L × 3C × C (rows: q, k, v; heads contiguous inside each) |
/// | qkvBias | L × 3C |
/// | attentionProjectionWeight | L × C × C |
/// | attentionProjectionBias | L × C |
/// | ln2Weight, ln2Bias | L × C |
/// | fcWeight | L × 4C × C |
/// | fcBias | L × 4C |
/// | fcProjectionWeight | L × C × 4C |
/// | fcProjectionBias | L × C |
/// | finalNormWeight, finalNormBias | C |
public struct TinyLMParameters: Sendable, Equatable {
  public enum Tensor: Int, CaseIterable, Sendable {
    case tokenEmbedding, positionEmbedding, ln1Weight, ln1Bias, qkvWeight, qkvBias
    case attentionProjectionWeight, attentionProjectionBias, ln2Weight, ln2Bias
    case fcWeight, fcBias, fcProjectionWeight, fcProjectionBias, finalNormWeight, finalNormBias

    /// Matrices (weight decay applies to them only; biases, LayerNorm gains are exempt).
    public var isMatrix: Bool {
      switch self {
      case .tokenEmbedding, .positionEmbedding, .qkvWeight, .attentionProjectionWeight, .fcWeight, .fcProjectionWeight:
        return true
      default: return false
      }
    }

    /// Whether the tensor has one slice per block (its first dimension is the layer).
    public var isPerLayer: Bool { self != .tokenEmbedding && self != .positionEmbedding && !isFinal }
    var isFinal: Bool { self == .finalNormWeight || self == .finalNormBias }
  }

  public let config: TinyLMConfig
  /// All tensors, in ``Tensor`` order.
  public var storage: [Float]

  /// The shape of `tensor` (per-layer tensors lead with `L`).
  public static func shape(_ tensor: Tensor, _ c: TinyLMConfig) -> [Int] {
    let C = c.width, L = c.layerCount
    switch tensor {
    case .tokenEmbedding: return [c.vocabularySize, C]
    case .positionEmbedding: return [c.context, C]
    case .ln1Weight, .ln1Bias, .ln2Weight, .ln2Bias, .attentionProjectionBias, .fcProjectionBias: return [L, C]
    case .qkvWeight: return [L, 3 * C, C]
    case .qkvBias: return [L, 3 * C]
    case .attentionProjectionWeight: return [L, C, C]
    case .fcWeight: return [L, 4 * C, C]
    case .fcBias: return [L, 4 * C]
    case .fcProjectionWeight: return [L, C, 4 * C]
    case .finalNormWeight, .finalNormBias: return [C]
    }
  }

  /// Number of floats in `tensor`.
  public static func count(_ tensor: Tensor, _ c: TinyLMConfig) -> Int { shape(tensor, c).reduce(1, *) }

  /// Total number of parameters.
  public static func count(_ c: TinyLMConfig) -> Int { Tensor.allCases.reduce(0) { $0 + count($1, c) } }

  private let offsets: [Int]

  /// All zeros (gradient and moment buffers).
  public init(zeros config: TinyLMConfig) {
    self.config = config
    var offsets: [Int] = []
    var total = 0
    for t in Tensor.allCases { offsets.append(total); total += Self.count(t, config) }
    self.offsets = offsets
    storage = [Float](repeating: 0, count: total)
  }

  /// Wraps a buffer in ``Tensor`` order.
  public init(config: TinyLMConfig, storage: [Float]) throws {
    self.init(zeros: config)
    guard storage.count == self.storage.count else {
      throw SAEKitError.invalidArgument("TinyLM parameters: \(storage.count) floats for a model of \(self.storage.count)")
    }
    self.storage = storage
  }

  /// GPT-2's initialisation: matrices N(0, 0.02²), the two residual projections
  /// N(0, (0.02/√(2L))²), biases 0, LayerNorm gains 1.
  public init(initialising config: TinyLMConfig, seed: UInt64) {
    self.init(zeros: config)
    var random = RandomSource(seed: seed)
    let residualStd = 0.02 / (2.0 * Double(config.layerCount)).squareRoot()
    for t in Tensor.allCases {
      let r = range(t)
      switch t {
      case .ln1Weight, .ln2Weight, .finalNormWeight:
        for i in r { storage[i] = 1 }
      case .attentionProjectionWeight, .fcProjectionWeight:
        for i in r { storage[i] = Float(random.gaussian(mean: 0, std: residualStd)) }
      case _ where t.isMatrix:
        for i in r { storage[i] = Float(random.gaussian(mean: 0, std: 0.02)) }
      default: break
      }
    }
  }

  /// Where `tensor` lies in ``storage``.
  public func range(_ tensor: Tensor) -> Range<Int> {
    let start = offsets[tensor.rawValue]
    return start..<(start + Self.count(tensor, config))
  }

  /// Where block `layer`'s slice of a per-layer tensor lies in ``storage``.
  public func range(_ tensor: Tensor, layer: Int) -> Range<Int> {
    precondition(tensor.isPerLayer && (0..<config.layerCount).contains(layer))
    let per = Self.count(tensor, config) / config.layerCount
    let start = offsets[tensor.rawValue] + layer * per
    return start..<(start + per)
  }

  /// A copy of one tensor's floats.
  public func values(_ tensor: Tensor) -> [Float] { Array(storage[range(tensor)]) }

  public static func == (a: TinyLMParameters, b: TinyLMParameters) -> Bool {
    a.config == b.config && a.storage == b.storage
  }
}
