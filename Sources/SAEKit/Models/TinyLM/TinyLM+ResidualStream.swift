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
    let encoded = texts.map { encode($0, maxLength: maxLength) }
    guard let length = encoded.map(\.count).max(), !texts.isEmpty else {
      return ResidualStreams(states: layers.map { _ in Matrix(rows: 0, cols: config.width) }, text: [], position: [], tokenId: [])
    }
    var tokens = [Int]()
    tokens.reserveCapacity(texts.count * length)
    for e in encoded { tokens += e + [Int](repeating: config.endOfText, count: length - e.count) }
    let pass = try TinyLMPass(config: config, batch: texts.count, length: length)
    try pass.forward(parameters, tokens: tokens, hooks: TinyLMHooks(capture: Set(layers)))
    var keep = [Int](), text = [Int](), position = [Int](), ids = [Int]()
    for (s, e) in encoded.enumerated() {
      for p in e.indices {
        keep.append(s * length + p)
        text.append(s)
        position.append(p)
        ids.append(e[p])
      }
    }
    let d = config.width
    let states = try layers.map { layer -> Matrix in
      let all = pass.captured[layer]!
      var rows = [Float]()
      rows.reserveCapacity(keep.count * d)
      for r in keep { rows += all.storage[(r * d)..<((r + 1) * d)] }
      return try Matrix(rows: keep.count, cols: d, storage: rows)
    }
    return ResidualStreams(states: states, text: text, position: position, tokenId: ids)
  }
}
