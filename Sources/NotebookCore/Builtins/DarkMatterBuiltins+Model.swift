import SAEKit

/// `darkMatter.tokens` and `darkMatter.blockActivations`: the tokens the
/// analyses run on, and the block-internal sums of MiniLM for those tokens.
extension DarkMatterBuiltins {
  static let blockRecord = RecordType("BlockActivations", doc: "For some tokens of layer ℓ: the hidden states around block ℓ and the outputs of its two sublayers (MiniLM is post-LN: h_ℓ = LN(a + FFN(a)), a = LN(h_ℓ₋₁ + Attn(h_ℓ₋₁))).", fields: [
    ("previous", .matrix, "h_ℓ₋₁, the output of the block before"),
    ("attentionOutput", .matrix, "Attn(h_ℓ₋₁): what the attention sublayer adds to the residual"),
    ("feedForwardOutput", .matrix, "FFN(a): what the feed-forward (MLP) sublayer adds"),
    ("maxDeviation", .double, "max |h_ℓ recomputed − x| / max |x|: a check that the tokens were matched"),
  ])

  static let blockActivations = Builtin("darkMatter.blockActivations", [
    .positional("model", .model, "the model the activations came from, from minilm()"),
    .labeled("on", .record("Tokens"), "tokens of a layer ℓ ≥ 1, e.g. split.train from splitTexts"),
  ], returns: .record("BlockActivations"),
     doc: "Reruns the model on the texts of some tokens of layer ℓ and returns, row for row, h_ℓ, h_ℓ₋₁ and the outputs of block ℓ's attention and feed-forward sublayers (the components of §6.2's earlier-component regressions).") { args, context in
    let model = try args.miniLM("model", for: "darkMatter.blockActivations")
    let tokens = try TokenBuiltins.tokensArgument(args, "on")
    let a = tokens.source, selected = tokens.rows
    let layer = a.layer, maxLength = a.request.maxLength
    guard layer >= 1 && layer <= model.layerCount else {
      throw RuntimeError("block outputs need tokens of a layer in 1...\(model.layerCount), these are of layer \(layer)", argument: "on")
    }
    guard !selected.isEmpty else { throw RuntimeError("no tokens", argument: "on") }
    // Output row of every selected (document, position).
    var rowOf = [Int: [Int: Int]]()
    for (out, r) in selected.enumerated() { rowOf[a.set.documents[r], default: [:]][a.set.positions[r]] = out }
    let documents = rowOf.keys.sorted()
    guard documents.allSatisfy({ $0 < a.corpus.snippets.count }) else {
      throw RuntimeError("the tokens refer to texts beyond their corpus", argument: "on")
    }
    let d = model.hiddenSize, n = selected.count
    var outputs = [Matrix](repeating: Matrix(rows: n, cols: d), count: 4)  // hidden, previous, attention, feed-forward
    var filled = 0
    for start in stride(from: 0, to: documents.count, by: 32) {
      try context.checkDeadline()
      let chunk = Array(documents[start..<min(start + 32, documents.count)])
      let batch = model.tokenize(chunk.map { a.corpus.snippets[$0] }, maxLength: maxLength)
      let result = try attributing("on") {
        try model.run(batch, options: .init(capture: [layer - 1, layer], captureBlockSums: [layer], stopAfterLayer: layer))
      }
      guard let block = result.blockSums[layer] else { throw RuntimeError("block outputs of layer \(layer) were not captured") }
      let sources = [try result.hiddenState(layer), try result.hiddenState(layer - 1), block.attentionOutput, block.feedForwardOutput]
      for (s, document) in chunk.enumerated() {
        guard let wanted = rowOf[document] else { continue }
        for (position, batchRow) in batch.rows(s).enumerated() {
          guard let row = wanted[position] else { continue }
          for k in 0..<4 {
            outputs[k].storage.replaceSubrange((row * d)..<((row + 1) * d), with: sources[k].storage[(batchRow * d)..<((batchRow + 1) * d)])
          }
          filled += 1
        }
      }
      context.progress?("darkMatter.blockActivations", Double(min(start + 32, documents.count)) / Double(documents.count))
    }
    guard filled == n else { throw RuntimeError("only \(filled) of \(n) tokens were found again in their texts", argument: "on") }
    let original = tokens.x
    var deviation = 0.0, scale = 0.0
    for e in 0..<(n * d) {
      deviation = max(deviation, Double(abs(outputs[0].storage[e] - original.storage[e])))
      scale = max(scale, Double(abs(original.storage[e])))
    }
    let relative = scale > 0 ? deviation / scale : deviation
    guard relative < 1e-3 else {
      throw RuntimeError("the recomputed hidden states differ from the activations (max relative deviation \(relative))", argument: "on")
    }
    return .record(Record("BlockActivations", [
      ("previous", .matrix(outputs[1])), ("attentionOutput", .matrix(outputs[2])),
      ("feedForwardOutput", .matrix(outputs[3])), ("maxDeviation", .double(relative)),
    ]))
  }
}
