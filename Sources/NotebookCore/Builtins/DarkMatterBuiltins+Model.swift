import SAEKit

/// `darkMatter.tokens` and `darkMatter.blockActivations`: the tokens the
/// analyses run on, and the block-internal sums of MiniLM for those tokens.
extension DarkMatterBuiltins {
  static let blockRecord = RecordType("BlockActivations", doc: "For the tokens of some activations at layer ℓ: the hidden states around block ℓ and its two pre-LayerNorm sums (MiniLM is post-LN: h_ℓ = LN(a + FFN(a)), a = LN(h_ℓ₋₁ + Attn(h_ℓ₋₁))).", fields: [
    ("hidden", .matrix, "h_ℓ, recomputed (equals the activations' x)"),
    ("previous", .matrix, "h_ℓ₋₁, the output of the block before"),
    ("attentionSum", .matrix, "h_ℓ₋₁ + Attn(h_ℓ₋₁), before the attention LayerNorm"),
    ("feedForwardSum", .matrix, "a + FFN(a), before the output LayerNorm"),
    ("maxDeviation", .double, "max |recomputed h_ℓ − x| / max |x|: a check that the tokens were matched"),
  ])

  /// `[CLS]`, `[SEP]` and `[PAD]`: rows the analyses leave out.
  static func specialIDs(_ tokenizer: WordPieceTokenizer) -> Set<Int> {
    [tokenizer.classifierID, tokenizer.separatorID, tokenizer.padID]
  }

  static let tokensRecord = RecordType("Tokens", doc: "Ordinary tokens of some activations: [CLS] and [SEP] left out.", fields: [
    ("x", .matrix, "their activations, (tokens × d)"),
    ("tokenIds", .array(.int), "the vocabulary id of every token"),
    ("rows", .array(.int), "the row of every token in the activations it came from"),
    ("count", .int, "number of tokens"),
    ("firstText", .int, "the corpus text the first token comes from (texts after it hold only these tokens and later ones)"),
  ])

  static let tokens = Builtin("darkMatter.tokens", [
    .positional("acts", .activations, "activations from activations(…)"),
    .labeled("from", .int, default: .value(.int(0)), "first row to keep"),
    .labeled("to", .int, default: .value(.int(0)), "row after the last to keep (0: the end)"),
  ], returns: .record("Tokens"),
     doc: "The rows from..<to of some activations without the special tokens [CLS] and [SEP] (so position 0 is skipped), e.g. to train SAEs on one part and analyse another.") { args, _ in
    let a = try activations(args, "acts")
    let from = try args.int("from"), requested = try args.int("to")
    let to = requested == 0 ? a.set.count : requested
    guard from >= 0 && from < a.set.count else {
      throw RuntimeError("from must be in 0..<\(a.set.count), got \(from)", argument: "from")
    }
    guard to > from && to <= a.set.count else {
      throw RuntimeError("to must be in \(from + 1)...\(a.set.count) (or 0 for the end), got \(requested)", argument: "to")
    }
    let special = specialIDs(a.tokenizer)
    let keep = (from..<to).filter { !special.contains(a.set.tokenIds[$0]) }
    guard !keep.isEmpty else { throw RuntimeError("no ordinary tokens in rows \(from)..<\(to)", argument: "from") }
    return .record(Record("Tokens", [
      ("x", .matrix(a.set.x.rows(keep))), ("tokenIds", ints(keep.map { a.set.tokenIds[$0] })), ("rows", ints(keep)),
      ("count", .int(keep.count)), ("firstText", .int(a.set.documents[keep[0]])),
    ]))
  }

  static let blockActivations = Builtin("darkMatter.blockActivations", [
    .positional("model", .model, "the model the activations came from, from minilm()"),
    .labeled("on", .activations, "activations of a layer ℓ ≥ 1, from activations(…)"),
    .labeled("rows", .array(.int), default: .absent, "which of their rows, e.g. tokens.rows from darkMatter.tokens (default: all)"),
  ], returns: .record("BlockActivations"),
     doc: "Reruns the model on the texts behind some layer-ℓ activations and returns, row for row, h_ℓ, h_ℓ₋₁ and block ℓ's attention and feed-forward sums before their LayerNorms (for §6.2's earlier-component regressions).") { args, context in
    guard case .model(let model)? = args.values["model"] else { throw RuntimeError("'model' must be a Model", argument: "model") }
    let a = try activations(args, "on")
    let layer = a.layer, maxLength = a.request.maxLength
    guard layer >= 1 && layer <= model.layerCount else {
      throw RuntimeError("block sums need activations of a layer in 1...\(model.layerCount), these are layer \(layer)", argument: "on")
    }
    let selected = args.has("rows") ? try args.doubles("rows").map { Int($0) } : Array(0..<a.set.count)
    guard !selected.isEmpty, selected.allSatisfy({ $0 >= 0 && $0 < a.set.count }) else {
      throw RuntimeError("rows must be non-empty and in 0..<\(a.set.count)", argument: "rows")
    }
    // Output row of every selected (document, position).
    var rowOf = [Int: [Int: Int]]()
    for (out, r) in selected.enumerated() { rowOf[a.set.documents[r], default: [:]][a.set.positions[r]] = out }
    let documents = rowOf.keys.sorted()
    guard documents.allSatisfy({ $0 < a.corpus.snippets.count }) else {
      throw RuntimeError("the activations refer to texts beyond their corpus", argument: "on")
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
      guard let sums = result.blockSums[layer] else { throw RuntimeError("block sums of layer \(layer) were not captured") }
      let sources = [try result.hiddenState(layer), try result.hiddenState(layer - 1), sums.attention, sums.feedForward]
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
    let original = a.set.x.rows(selected)
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
      ("hidden", .matrix(outputs[0])), ("previous", .matrix(outputs[1])), ("attentionSum", .matrix(outputs[2])),
      ("feedForwardSum", .matrix(outputs[3])), ("maxDeviation", .double(relative)),
    ]))
  }
}
