/// How the tensors of Hugging Face's `GPT2LMHeadModel` state dict map onto ``TinyLMParameters``.
///
/// Hugging Face's GPT-2 keeps the four block matrices in `Conv1D` modules, whose weight is
/// `(in × out)` (`y = x·W + b`): the transpose of our `(out × in)` slices. The embeddings
/// (`nn.Embedding`) and LayerNorm vectors are stored as we store them.
///
/// | Hugging Face name | shape | ours |
/// | --- | --- | --- |
/// | `transformer.wte.weight` | `[V, C]` | `tokenEmbedding` |
/// | `transformer.wpe.weight` | `[T, C]` | `positionEmbedding` |
/// | `transformer.h.N.ln_1.weight`, `.bias` | `[C]` | `ln1Weight`, `ln1Bias` of block N |
/// | `transformer.h.N.attn.c_attn.weight` | `[C, 3C]` | `qkvWeight` of block N, transposed |
/// | `transformer.h.N.attn.c_attn.bias` | `[3C]` | `qkvBias` |
/// | `transformer.h.N.attn.c_proj.weight` | `[C, C]` | `attentionProjectionWeight`, transposed |
/// | `transformer.h.N.attn.c_proj.bias` | `[C]` | `attentionProjectionBias` |
/// | `transformer.h.N.ln_2.weight`, `.bias` | `[C]` | `ln2Weight`, `ln2Bias` |
/// | `transformer.h.N.mlp.c_fc.weight` | `[C, 4C]` | `fcWeight`, transposed |
/// | `transformer.h.N.mlp.c_fc.bias` | `[4C]` | `fcBias` |
/// | `transformer.h.N.mlp.c_proj.weight` | `[4C, C]` | `fcProjectionWeight`, transposed |
/// | `transformer.h.N.mlp.c_proj.bias` | `[C]` | `fcProjectionBias` |
/// | `transformer.ln_f.weight`, `.bias` | `[C]` | `finalNormWeight`, `finalNormBias` |
///
/// `c_attn`'s output columns are q, k, v (each `C` wide, heads contiguous inside), as our
/// `qkvWeight` rows are, so the transpose is the whole mapping.
public struct GPT2TensorMapping: Sendable, Equatable {
  /// The state-dict name, e.g. `transformer.h.0.attn.c_attn.weight`.
  public let name: String
  public let tensor: TinyLMParameters.Tensor
  /// The block, for per-layer tensors.
  public let layer: Int?
  /// The shape in the Hugging Face file.
  public let shape: [Int]
  /// Whether the file holds the transpose of our slice (a `Conv1D` weight, `[in, out]`).
  public let isTransposed: Bool

  /// Where this tensor lies in `parameters.storage`.
  public func range(in parameters: TinyLMParameters) -> Range<Int> {
    layer.map { parameters.range(tensor, layer: $0) } ?? parameters.range(tensor)
  }

  /// Our slice in the file's layout (transposed for `Conv1D` weights).
  public func fileValues(from parameters: TinyLMParameters) -> [Float] {
    let slice = Array(parameters.storage[range(in: parameters)])
    // Ours is (out × in) = (shape[1] × shape[0]); the file wants (in × out).
    return isTransposed ? Self.transpose(slice, rows: shape[1], cols: shape[0]) : slice
  }

  /// Stores `values` (in the file's layout) into `parameters`.
  public func store(_ values: [Float], into parameters: inout TinyLMParameters) {
    let ours = isTransposed ? Self.transpose(values, rows: shape[0], cols: shape[1]) : values
    parameters.storage.replaceSubrange(range(in: parameters), with: ours)
  }

  /// The index in `parameters.storage` of element `fileIndex` (C order, the file's layout) of this tensor.
  public func storageIndex(ofFileElement fileIndex: Int, in parameters: TinyLMParameters) -> Int {
    let start = range(in: parameters).lowerBound
    guard isTransposed else { return start + fileIndex }
    // File [in, out] element (i, o) is our (out × in) element (o, i).
    let (i, o) = fileIndex.quotientAndRemainder(dividingBy: shape[1])
    return start + o * shape[0] + i
  }

  /// The transpose of a row-major `(rows × cols)` matrix.
  static func transpose(_ values: [Float], rows: Int, cols: Int) -> [Float] {
    precondition(values.count == rows * cols)
    var out = [Float](repeating: 0, count: values.count)
    for r in 0..<rows {
      for c in 0..<cols { out[c * rows + r] = values[r * cols + c] }
    }
    return out
  }

  /// Every tensor of a `GPT2LMHeadModel` of `config` (without the tied `lm_head.weight`),
  /// in state-dict order. `prefix` is `"transformer."` for `GPT2LMHeadModel` files and
  /// `""` for files of the bare `GPT2Model` (as the original `gpt2` checkpoint is).
  public static func all(_ config: TinyLMConfig, prefix: String = "transformer.") -> [GPT2TensorMapping] {
    let C = config.width, M = config.mlpWidth
    func plain(_ name: String, _ tensor: TinyLMParameters.Tensor, _ shape: [Int], layer: Int? = nil) -> GPT2TensorMapping {
      GPT2TensorMapping(name: prefix + name, tensor: tensor, layer: layer, shape: shape, isTransposed: false)
    }
    func conv1D(_ name: String, _ tensor: TinyLMParameters.Tensor, inputs: Int, outputs: Int, layer: Int) -> GPT2TensorMapping {
      GPT2TensorMapping(name: prefix + name, tensor: tensor, layer: layer, shape: [inputs, outputs], isTransposed: true)
    }
    var all = [
      plain("wte.weight", .tokenEmbedding, [config.vocabularySize, C]),
      plain("wpe.weight", .positionEmbedding, [config.context, C]),
    ]
    for l in 0..<config.layerCount {
      let h = "h.\(l)."
      all += [
        plain(h + "ln_1.weight", .ln1Weight, [C], layer: l),
        plain(h + "ln_1.bias", .ln1Bias, [C], layer: l),
        conv1D(h + "attn.c_attn.weight", .qkvWeight, inputs: C, outputs: 3 * C, layer: l),
        plain(h + "attn.c_attn.bias", .qkvBias, [3 * C], layer: l),
        conv1D(h + "attn.c_proj.weight", .attentionProjectionWeight, inputs: C, outputs: C, layer: l),
        plain(h + "attn.c_proj.bias", .attentionProjectionBias, [C], layer: l),
        plain(h + "ln_2.weight", .ln2Weight, [C], layer: l),
        plain(h + "ln_2.bias", .ln2Bias, [C], layer: l),
        conv1D(h + "mlp.c_fc.weight", .fcWeight, inputs: C, outputs: M, layer: l),
        plain(h + "mlp.c_fc.bias", .fcBias, [M], layer: l),
        conv1D(h + "mlp.c_proj.weight", .fcProjectionWeight, inputs: M, outputs: C, layer: l),
        plain(h + "mlp.c_proj.bias", .fcProjectionBias, [C], layer: l),
      ]
    }
    all += [
      plain("ln_f.weight", .finalNormWeight, [C]),
      plain("ln_f.bias", .finalNormBias, [C]),
    ]
    return all
  }
}
