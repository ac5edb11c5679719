extension TinyLM: ResidualStreamModel {
  public var modelName: String { name }
  public var hiddenSize: Int { config.width }
  public var layerCount: Int { config.layerCount }
  public var maximumLength: Int { config.context }
  /// End-of-text and one byte.
  public var minimumLength: Int { 2 }
  public var vocabulary: any TokenVocabulary { ByteVocabulary(endOfText: config.endOfText) }
  public var inputKey: [String] { ["model=\(name):\(weightsSHA256)", "kernels=tinylm-\(TinyLM.kernelRevision)"] }

  /// Each text as ``encode(_:maxLength:)`` (end-of-text, then bytes); the texts run as one
  /// batch padded on the right with end-of-text, which causal attention keeps from touching
  /// the real tokens. Position 0 of every text is the end-of-text token.
  public func residualStreams(texts: [String], layers: [Int], maxLength: Int) throws -> ResidualStreams {
    guard let batch = TinyLMTextBatch(self, texts: texts, maxLength: maxLength) else {
      return ResidualStreams(states: layers.map { _ in Matrix(rows: 0, cols: config.width) }, text: [], position: [], tokenId: [])
    }
    let pass = try TinyLMPass(config: config, batch: texts.count, length: batch.length)
    try pass.forward(parameters, tokens: batch.tokens, hooks: TinyLMHooks(capture: Set(layers)))
    return try batch.streams(layers.map { pass.captured[$0]! })
  }
}

/// Texts as TinyLM reads them (``TinyLM/encode(_:maxLength:)``), run as one batch padded on
/// the right with end-of-text, and the rows of that batch that are the texts' tokens.
struct TinyLMTextBatch {
  let encoded: [[Int]]
  /// The longest text; every sequence of the batch has this length.
  let length: Int
  /// `texts.count × length` tokens.
  let tokens: [Int]
  /// Per token, the next token of its text; −1 after a text's last token and on padding.
  let targets: [Int]
  /// The batch rows that are tokens of a text, in text order, with their text, position and id.
  let keep: [Int], text: [Int], position: [Int], tokenId: [Int]

  /// nil when there are no texts.
  init?(_ model: TinyLM, texts: [String], maxLength: Int) {
    encoded = texts.map { model.encode($0, maxLength: maxLength) }
    guard let longest = encoded.map(\.count).max() else { return nil }
    length = longest
    var tokens = [Int](), targets = [Int](), keep = [Int](), text = [Int](), position = [Int](), ids = [Int]()
    tokens.reserveCapacity(texts.count * longest)
    for (s, e) in encoded.enumerated() {
      let padding = longest - e.count
      tokens += e + [Int](repeating: model.config.endOfText, count: padding)
      targets += Array(e.dropFirst()) + [Int](repeating: -1, count: padding + 1)
      for p in e.indices {
        keep.append(s * longest + p)
        text.append(s)
        position.append(p)
        ids.append(e[p])
      }
    }
    (self.tokens, self.targets, self.keep, self.text, self.position, self.tokenId) = (tokens, targets, keep, text, position, ids)
  }

  /// The kept rows of each `(batch·length × d)` matrix, times `scale`.
  func streams(_ matrices: [Matrix], scale: Float = 1) throws -> ResidualStreams {
    let states = try matrices.map { all -> Matrix in
      let d = all.cols
      var rows = [Float]()
      rows.reserveCapacity(keep.count * d)
      for r in keep {
        let row = all.storage[(r * d)..<((r + 1) * d)]
        if scale == 1 { rows += row } else { rows += row.map { $0 * scale } }
      }
      return try Matrix(rows: keep.count, cols: d, storage: rows)
    }
    return ResidualStreams(states: states, text: text, position: position, tokenId: tokenId)
  }
}
