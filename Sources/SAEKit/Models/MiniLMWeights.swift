/// The float32 parameters of a BERT encoder, read from `model.safetensors`.
///
/// Linear layers are stored as in PyTorch, `W` of shape `[out, in]`, so a layer computes
/// `y = x·Wᵀ + b`. The query, key and value projections of a block are stacked into one
/// `(3d × d)` matrix so that a single product gives `[Q | K | V]`.
struct MiniLMWeights: Sendable {
  /// One post-LayerNorm transformer block.
  struct Block: Sendable {
    /// `[W_q; W_k; W_v]`, `(3d × d)`, and their biases (`3d`).
    var qkv: LinearLayer
    /// Attention output projection `(d × d)`, bias `d`.
    var attentionOutput: LinearLayer
    var attentionNormScale: [Float], attentionNormShift: [Float]
    /// FFN up-projection `(f × d)`, bias `f`.
    var intermediate: LinearLayer
    /// FFN down-projection `(d × f)`, bias `d`.
    var output: LinearLayer
    var outputNormScale: [Float], outputNormShift: [Float]
  }

  /// `(vocabulary × d)`, `(maxPositions × d)`, `(typeVocabulary × d)`.
  var wordEmbeddings: Matrix, positionEmbeddings: Matrix, tokenTypeEmbeddings: Matrix
  var embeddingNormScale: [Float], embeddingNormShift: [Float]
  var blocks: [Block]

  /// Reads every tensor the encoder uses (names without a `bert.` prefix) and checks its shape.
  /// - Throws: ``SAEKitError/file(path:reason:)`` naming the tensor that is missing or misshapen.
  init(file: SafeTensorsFile, config c: MiniLMConfig) throws {
    func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
      let found = try file.shape(of: name)
      guard found == shape else {
        throw SAEKitError.file(path: file.path, reason: "tensor '\(name)' has shape \(found), expected \(shape)")
      }
      return try file.floats(name)
    }
    func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> Matrix {
      try Matrix(rows: rows, cols: cols, storage: tensor(name, [rows, cols]))
    }
    let d = c.hiddenSize, f = c.intermediateSize
    wordEmbeddings = try matrix("embeddings.word_embeddings.weight", c.vocabularySize, d)
    positionEmbeddings = try matrix("embeddings.position_embeddings.weight", c.maxPositions, d)
    tokenTypeEmbeddings = try matrix("embeddings.token_type_embeddings.weight", c.typeVocabularySize, d)
    embeddingNormScale = try tensor("embeddings.LayerNorm.weight", [d])
    embeddingNormShift = try tensor("embeddings.LayerNorm.bias", [d])
    blocks = try (0..<c.layerCount).map { l in
      let p = "encoder.layer.\(l)."
      let q = p + "attention.self.query.", k = p + "attention.self.key.", v = p + "attention.self.value."
      let qkv = try tensor(q + "weight", [d, d]) + tensor(k + "weight", [d, d]) + tensor(v + "weight", [d, d])
      return Block(
        qkv: LinearLayer(weight: try Matrix(rows: 3 * d, cols: d, storage: qkv),
                         bias: try tensor(q + "bias", [d]) + tensor(k + "bias", [d]) + tensor(v + "bias", [d])),
        attentionOutput: LinearLayer(weight: try matrix(p + "attention.output.dense.weight", d, d),
                                     bias: try tensor(p + "attention.output.dense.bias", [d])),
        attentionNormScale: try tensor(p + "attention.output.LayerNorm.weight", [d]),
        attentionNormShift: try tensor(p + "attention.output.LayerNorm.bias", [d]),
        intermediate: LinearLayer(weight: try matrix(p + "intermediate.dense.weight", f, d),
                                  bias: try tensor(p + "intermediate.dense.bias", [f])),
        output: LinearLayer(weight: try matrix(p + "output.dense.weight", d, f),
                            bias: try tensor(p + "output.dense.bias", [d])),
        outputNormScale: try tensor(p + "output.LayerNorm.weight", [d]),
        outputNormShift: try tensor(p + "output.LayerNorm.bias", [d]))
    }
  }
}

extension MiniLMWeights {
  /// The same weights with every dense layer on the OpenBLAS path (as on a CPU without AVX-512 or AVX2 + FMA),
  /// so tests can check that path on any machine.
  func withoutPacking() -> MiniLMWeights {
    func plain(_ layer: LinearLayer) -> LinearLayer { LinearLayer(weight: layer.weight, bias: layer.bias, packing: false) }
    var copy = self
    copy.blocks = blocks.map { block in
      var b = block
      (b.qkv, b.attentionOutput, b.intermediate, b.output) =
        (plain(block.qkv), plain(block.attentionOutput), plain(block.intermediate), plain(block.output))
      return b
    }
    return copy
  }
}
