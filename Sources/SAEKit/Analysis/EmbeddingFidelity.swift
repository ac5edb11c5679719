/// How much of MiniLM's sentence embedding survives replacing one layer's
/// hidden state — the downstream score that stands in for a next-token loss
/// (papers-2.md §0, "embedding-fidelity score"; the same form as SAEBench's
/// CE-loss score and ITDA's eq. 7):
///
/// ```
/// fidelity = (cos(e*, e) − cos(e₀, e)) / (1 − cos(e₀, e))      per text
/// e   the clean sentence embedding
/// e*  the embedding with layer ℓ replaced (on the patched rows)
/// e₀  the embedding with the same rows of layer ℓ set to zero
/// ```
///
/// 1 means the replacement is harmless, 0 that it does as much harm as
/// deleting those rows of the layer. Every text is run once clean (capturing
/// layer ℓ); the ablated and replaced runs resume after layer ℓ from the
/// clean hidden state with the patched rows overwritten, so layers `0…ℓ` are
/// computed once per batch whatever the number of replacements.
///
/// One implementation serves every fidelity in the notebooks: an SAE's
/// reconstruction (`fidelity`), an ITDA reconstruction (`itda.fidelity`) and
/// the parts of an SAE's error (`darkMatter.fidelity`).
public enum EmbeddingFidelity {
  /// Which token rows a replacement overwrites; the others keep their clean state.
  public enum PatchedRows: Sendable, Equatable {
    /// Every row, special tokens included.
    case all
    /// Every row except those whose token id is in the set (e.g. `[CLS]`, `[SEP]`).
    case excluding(Set<Int>)

    func mask(_ batch: TokenizedBatch) -> [Bool] {
      switch self {
      case .all: return [Bool](repeating: true, count: batch.tokenCount)
      case .excluding(let ids): return batch.ids.map { !ids.contains($0) }
      }
    }
  }

  /// Maps the clean hidden state of a batch, `(tokens × d)`, to its replacement (same shape).
  public typealias Replacement = (Matrix) throws -> Matrix

  /// Fidelity of every replacement on every text.
  public struct Result: Sendable {
    /// Number of texts scored.
    public let texts: Int
    /// Number of token rows the replacements overwrote.
    public let patchedTokens: Int
    /// `scores[r][t]`: fidelity of replacement `r` on text `t` (NaN when the ablated and
    /// clean embeddings coincide).
    public let scores: [[Float]]

    /// Per replacement, the mean fidelity over the texts where it is finite (NaN when none is).
    public var means: [Double] {
      scores.map { values in
        let finite = values.filter(\.isFinite)
        return finite.isEmpty ? .nan : finite.reduce(0.0) { $0 + Double($1) } / Double(finite.count)
      }
    }
  }

  /// Scores `replacements` of layer `layer` on `texts`.
  /// - Parameters:
  ///   - maxLength: texts are truncated to this many tokens (`[CLS]` and `[SEP]` included).
  ///   - inspect: called for every batch with the clean hidden state of layer `layer` and the
  ///     mask of patched rows (e.g. to measure the parts of an error on exactly these tokens).
  ///   - progress: the fraction of texts done.
  ///   - shouldStop: polled before every batch; returning true throws ``SAEKitError/cancelled``.
  /// - Throws: for an empty text list or no replacement, a layer out of range, a replacement
  ///   of the wrong shape, or whatever a replacement or `inspect` throws.
  public static func measure(
    model: MiniLM, texts: [String], layer: Int, maxLength: Int, rows: PatchedRows, replacements: [Replacement],
    inspect: ((_ hidden: Matrix, _ patched: [Bool]) throws -> Void)? = nil, batchSize: Int = 32,
    progress: ((Double) -> Void)? = nil, shouldStop: (() -> Bool)? = nil
  ) throws -> Result {
    try require(!texts.isEmpty, "no texts to score")
    try require(!replacements.isEmpty, "no replacement to score")
    try require((0...model.layerCount).contains(layer), "layer must be in 0...\(model.layerCount), got \(layer)")
    try require(batchSize >= 1, "batch size must be at least 1, got \(batchSize)")
    var scores = [[Float]](repeating: [], count: replacements.count)
    var patchedTokens = 0
    for start in stride(from: 0, to: texts.count, by: batchSize) {
      if shouldStop?() == true { throw SAEKitError.cancelled }
      let batch = model.tokenize(Array(texts[start..<min(start + batchSize, texts.count)]), maxLength: maxLength)
      let mask = rows.mask(batch)
      patchedTokens += mask.filter { $0 }.count
      let clean = try model.run(batch, options: .init(capture: [layer]))
      let h = try clean.hiddenState(layer)
      try inspect?(h, mask)
      let ablated = try model.run(batch, after: layer, hidden: overwrite(h, with: Matrix(rows: h.rows, cols: h.cols), where: mask))
      for (r, replace) in replacements.enumerated() {
        let replacement = try replace(h)
        guard replacement.shape == h.shape else {
          throw SAEKitError.shapeMismatch(operation: "replacement of layer \(layer)", lhs: h.shape, rhs: replacement.shape)
        }
        let patched = try model.run(batch, after: layer, hidden: overwrite(h, with: replacement, where: mask))
        scores[r] += try MiniLM.embeddingFidelity(clean: clean.embeddings, patched: patched.embeddings, zeroAblated: ablated.embeddings)
      }
      progress?(Double(min(start + batchSize, texts.count)) / Double(texts.count))
    }
    return Result(texts: texts.count, patchedTokens: patchedTokens, scores: scores)
  }

  /// `h` with the rows where `mask` is true taken from `replacement`.
  static func overwrite(_ h: Matrix, with replacement: Matrix, where mask: [Bool]) -> Matrix {
    if mask.allSatisfy({ $0 }) { return replacement }
    var out = h
    let d = h.cols
    for row in 0..<h.rows where mask[row] {
      out.storage.replaceSubrange((row * d)..<((row + 1) * d), with: replacement.storage[(row * d)..<((row + 1) * d)])
    }
    return out
  }
}
