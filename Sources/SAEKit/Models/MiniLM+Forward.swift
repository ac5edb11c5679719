import Foundation

extension MiniLM {
  /// Runs the encoder on `batch`, with the captures and patches of `options`.
  ///
  /// 1. Embeddings: `x_t = E_word[id_t] + E_type[0] + E_pos[p_t]`, then LayerNorm → layer 0.
  /// 2. Each block `L`, on `h = h_{L−1}`:
  ///    `[Q|K|V] = h·W_qkvᵀ + b_qkv`; per sequence and head `softmax(Q_h·K_hᵀ/√32)·V_h`;
  ///    `s₁ = h + context·W_Oᵀ + b_O`, `a = LN(s₁)`;
  ///    `s₂ = a + GELU(a·W₁ᵀ + b₁)·W₂ᵀ + b₂`, `h_L = LN(s₂)` (LayerNorm ε from the config).
  /// 3. After layer `L`, a patch (if any) replaces `h_L`; captures record the result.
  /// 4. Sentence embedding: mean of each sequence's last-layer rows, L2-normalised.
  ///
  /// Sequences attend only to their own tokens (equivalent to a padded batch with an
  /// attention mask). Token type ids are all 0. With ``ForwardOptions/stopAfterLayer`` the
  /// pass ends early and pooling uses that layer.
  ///
  /// Runs are serialised process-wide (each uses every core) and every product is a
  /// single-threaded OpenBLAS call on a fixed block of rows, so the same batch gives the same
  /// bits every time, provided no other thread changes ``BLAS/threads`` meanwhile. Patches run
  /// on the calling thread with the caller's BLAS setting.
  /// - Throws: for an unknown token id, a sequence longer than the model's positions,
  ///   a layer number out of range, or a patch that returns the wrong shape or throws.
  public func run(_ batch: TokenizedBatch, options: ForwardOptions = ForwardOptions()) throws -> ForwardResult {
    try validate(batch, options)
    return try MiniLM.forwardLock.withLock { try forward(batch, options, resuming: nil) }
  }

  /// Runs the blocks after `layer` only, from a given hidden state of that layer (e.g. a
  /// captured one with some rows replaced): the same result as ``run(_:options:)`` with a
  /// patch of `layer` returning `hidden`, without recomputing layers `0…layer`.
  /// Captures, patches and block sums of `options` apply to the later layers only.
  /// - Throws: as ``run(_:options:)``, and when `hidden` is not `(batch.tokenCount × d)` or
  ///   `options` refers to a layer at or before `layer`.
  public func run(_ batch: TokenizedBatch, after layer: Int, hidden: Matrix, options: ForwardOptions = ForwardOptions()) throws -> ForwardResult {
    try validate(batch, options)
    try require((0...layerCount).contains(layer), "layer \(layer) is out of range 0...\(layerCount)")
    guard hidden.shape == Shape(batch.tokenCount, hiddenSize) else {
      throw SAEKitError.shapeMismatch(operation: "resuming after layer \(layer)", lhs: hidden.shape, rhs: Shape(batch.tokenCount, hiddenSize))
    }
    let earlier = options.capture.union(options.patches.keys).union(options.captureBlockSums).filter { $0 <= layer }
    try require(earlier.isEmpty, "layers \(earlier.sorted()) are not run when resuming after layer \(layer)")
    return try MiniLM.forwardLock.withLock { try forward(batch, options, resuming: (layer, hidden)) }
  }

  /// Serialises forward passes (recursive: a patch may run the model itself).
  private static let forwardLock = NSRecursiveLock()

  private func forward(_ batch: TokenizedBatch, _ options: ForwardOptions, resuming: (layer: Int, hidden: Matrix)?) throws -> ForwardResult {
    var captured = [Int: Matrix]()
    var sums = [Int: BlockSums]()
    func finish(_ layer: Int, _ h: inout Matrix) throws {
      if let patch = options.patches[layer] {
        let patched = try patch(h)
        guard patched.shape == h.shape else {
          throw SAEKitError.shapeMismatch(operation: "patch of layer \(layer)", lhs: h.shape, rhs: patched.shape)
        }
        h = patched
      }
      if options.capture.contains(layer) { captured[layer] = h }
    }

    var h: Matrix
    if let resuming {
      h = resuming.hidden
    } else {
      h = embed(batch)
      try finish(0, &h)
    }
    let pass = EncoderBlockPass(batch: batch, hiddenSize: hiddenSize, intermediateSize: config.intermediateSize,
                                heads: config.headCount, epsilon: config.layerNormEpsilon)
    for (index, block) in weights.blocks.prefix(options.stopAfterLayer ?? layerCount).enumerated() {
      let layer = index + 1
      if let resuming, layer <= resuming.layer { continue }
      sums[layer] = pass.run(block, on: &h, capturingSums: options.captureBlockSums.contains(layer))
      try finish(layer, &h)
    }
    let pooled = TransformerKernels.meanPool(h, batch: batch)
    return ForwardResult(batch: batch, hiddenStates: captured, blockSums: sums, lastHiddenState: h,
                         meanPooled: pooled, embeddings: TransformerKernels.normalizeRows(pooled))
  }

  /// Layer 0: `LN(E_word[id] + E_type[0] + E_pos[position])` for every token row, sequences
  /// split over the workers.
  func embed(_ batch: TokenizedBatch) -> Matrix {
    let d = hiddenSize
    var x = Matrix(rows: batch.tokenCount, cols: d)
    x.storage.withUnsafeMutableBufferPointer { xp in
    weights.wordEmbeddings.storage.withUnsafeBufferPointer { word in
    weights.positionEmbeddings.storage.withUnsafeBufferPointer { position in
    weights.tokenTypeEmbeddings.storage.withUnsafeBufferPointer { type in
      let (xb, wb, pb, tb) = (xp.baseAddress, word.baseAddress!, position.baseAddress!, type.baseAddress!)
      Parallel.forEachChunk(count: batch.count, chunks: Matrix.chunks(forElements: batch.tokenCount * d)) { _, sequences in
        for sequence in sequences {
          for (p, t) in batch.rows(sequence).enumerated() {
            let row = xb! + t * d, id = batch.ids[t]
            for j in 0..<d { row[j] = (wb[id * d + j] + tb[j]) + pb[p * d + j] }
          }
        }
      }
    }}}}
    TransformerKernels.layerNorm(&x, scale: weights.embeddingNormScale, shift: weights.embeddingNormShift,
                                 epsilon: config.layerNormEpsilon)
    return x
  }

  private func validate(_ batch: TokenizedBatch, _ options: ForwardOptions) throws {
    let layers = 0...layerCount
    for layer in options.capture.union(options.patches.keys) where !layers.contains(layer) {
      throw SAEKitError.invalidArgument("layer \(layer) is out of range \(layers) (0 = embeddings)")
    }
    if let last = options.stopAfterLayer {
      try require(layers.contains(last), "stopAfterLayer \(last) is out of range \(layers)")
      let later = options.capture.union(options.patches.keys).union(options.captureBlockSums).filter { $0 > last }
      try require(later.isEmpty, "layers \(later.sorted()) come after stopAfterLayer \(last)")
    }
    for block in options.captureBlockSums where !(1...layerCount).contains(block) {
      throw SAEKitError.invalidArgument("block \(block) is out of range 1...\(layerCount)")
    }
    if let bad = batch.ids.first(where: { $0 >= config.vocabularySize }) {
      throw SAEKitError.invalidArgument("token id \(bad) is outside the vocabulary (\(config.vocabularySize) tokens)")
    }
    if batch.maxLength > config.maxPositions {
      throw SAEKitError.invalidArgument(
        "a sequence has \(batch.maxLength) tokens, more than the model's \(config.maxPositions) positions; tokenize with maxLength")
    }
  }
}
