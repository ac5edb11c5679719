extension MiniLM {
  /// A replacement for the residual stream after a layer: receives the `(tokens × d)` hidden
  /// state of the whole batch (rows in ``TokenizedBatch`` order) and returns a matrix of the
  /// same shape, which the following layers (and pooling, after the last layer) then read.
  public typealias Patch = (Matrix) throws -> Matrix

  /// What a forward pass records and changes.
  ///
  /// Layers are numbered as Hugging Face's `hidden_states`: 0 is the embedding output (after
  /// its LayerNorm), `L = 1…layerCount` the output of block `L` (after its final LayerNorm).
  public struct ForwardOptions {
    /// Layers whose hidden state to return (the state after any patch of that layer, i.e.
    /// what the rest of the model reads).
    public var capture: Set<Int>
    /// Blocks `1…layerCount` whose pre-LayerNorm sums to return (see ``BlockSums``).
    public var captureBlockSums: Set<Int>
    /// Layer → function replacing the hidden state after that layer.
    public var patches: [Int: Patch]

    /// The last layer to compute (`nil`: all). Activations of layer 3 need only half the model.
    public var stopAfterLayer: Int?

    public init(
      capture: Set<Int> = [], captureBlockSums: Set<Int> = [], patches: [Int: Patch] = [:], stopAfterLayer: Int? = nil
    ) {
      self.capture = capture
      self.captureBlockSums = captureBlockSums
      self.patches = patches
      self.stopAfterLayer = stopAfterLayer
    }
  }

  /// The internals of block `L` (a post-LN block): its two additive sums before their
  /// LayerNorms, `attention = h_{L−1} + Attn(h_{L−1})` and `feedForward = a + FFN(a)` with
  /// `a = LN(attention)`, then `h_L = LN(feedForward)`; and the two component outputs
  /// the sums add to the residual, `Attn(h_{L−1})` and `FFN(a)`.
  public struct BlockSums: Sendable, Equatable {
    /// `h_{L−1} + W_O·context + b_O`, `(tokens × d)`.
    public var attention: Matrix
    /// `Attn(h_{L−1}) = W_O·context + b_O`: the attention sublayer's output, `(tokens × d)`.
    public var attentionOutput: Matrix
    /// `a + W_2·GELU(W_1·a + b_1) + b_2`, `(tokens × d)`.
    public var feedForward: Matrix
    /// `FFN(a) = W_2·GELU(W_1·a + b_1) + b_2`: the feed-forward sublayer's output, `(tokens × d)`.
    public var feedForwardOutput: Matrix
  }

  /// The outputs of ``MiniLM/run(_:options:)``.
  public struct ForwardResult: Sendable {
    /// The batch that was run (row `t` of every matrix is token `t` of it).
    public let batch: TokenizedBatch
    /// Captured hidden states by layer, each `(tokens × d)`.
    public let hiddenStates: [Int: Matrix]
    /// Captured pre-LayerNorm sums by block.
    public let blockSums: [Int: BlockSums]
    /// The hidden state after the last layer run (after any patch of it), `(tokens × d)`.
    public let lastHiddenState: Matrix
    /// Mean of every sequence's rows of ``lastHiddenState``, `(batch.count × d)`.
    public let meanPooled: Matrix
    /// ``meanPooled`` with unit rows: the sentence embeddings (when the pass ran to the end).
    public let embeddings: Matrix

    /// The captured hidden state after `layer`.
    /// - Throws: when `layer` was not in ``ForwardOptions/capture``.
    public func hiddenState(_ layer: Int) throws -> Matrix {
      guard let h = hiddenStates[layer] else {
        throw SAEKitError.invalidArgument(
          "layer \(layer) was not captured (captured: \(hiddenStates.keys.sorted()))")
      }
      return h
    }
  }

  /// A patch that zero-ablates a layer: every hidden state becomes 0
  /// (`options.patches[L] = MiniLM.zeroAblation`).
  public static func zeroAblation(_ hidden: Matrix) -> Matrix { Matrix(rows: hidden.rows, cols: hidden.cols) }

  /// Per-sentence embedding fidelity of a patched run,
  /// `(cos(e*, e) − cos(e₀, e)) / (1 − cos(e₀, e))`: 1 when the patch leaves the embedding
  /// unchanged, 0 when it does as much harm as zero-ablating the layer. `clean` (`e`),
  /// `patched` (`e*`) and `zeroAblated` (`e₀`) are `(sentences × d)` embeddings.
  /// A sentence whose zero-ablated embedding equals the clean one has fidelity NaN.
  public static func embeddingFidelity(clean: Matrix, patched: Matrix, zeroAblated: Matrix) throws -> [Float] {
    guard clean.shape == patched.shape else {
      throw SAEKitError.shapeMismatch(operation: "embeddingFidelity", lhs: clean.shape, rhs: patched.shape)
    }
    guard clean.shape == zeroAblated.shape else {
      throw SAEKitError.shapeMismatch(operation: "embeddingFidelity", lhs: clean.shape, rhs: zeroAblated.shape)
    }
    func cosine(_ a: Matrix, _ b: Matrix, _ i: Int) -> Double {
      var ab = 0.0, aa = 0.0, bb = 0.0
      for j in 0..<a.cols {
        let x = Double(a[i, j]), y = Double(b[i, j])
        ab += x * y; aa += x * x; bb += y * y
      }
      return ab / max((aa * bb).squareRoot(), 1e-30)
    }
    return (0..<clean.rows).map { i in
      let baseline = cosine(zeroAblated, clean, i)
      return Float((cosine(patched, clean, i) - baseline) / (1 - baseline))
    }
  }
}
