import SAEKit

/// The arguments every embedding-fidelity builtin shares (`fidelity`,
/// `itda.fidelity`, `darkMatter.fidelity`) and the one call into
/// ``EmbeddingFidelity`` they all make.
enum FidelityArguments {
  static let parameters: [Parameter] = [
    .labeled("on", .record("Tokens"), "score the texts these tokens come from (e.g. split.test from splitTexts): their layer, corpus and maxLength are used"),
    .labeled("texts", .int, default: .value(.int(256)), "how many of those texts to score (the first ones)"),
    .labeled("patchSpecialTokens", .bool, default: .value(.bool(false)),
             "also replace [CLS] and [SEP] (and zero them in the ablation baseline); by default they keep their clean state"),
  ]

  /// The first `texts:` texts the tokens of `on:` come from, in the order of their tokens.
  static func scoredTexts(_ args: CallArguments, _ tokens: (source: ActivationsValue, rows: [Int], x: Matrix)) throws -> [String] {
    let source = tokens.source
    let indices = TextInterleavedSplit.texts(of: tokens.rows, documents: source.set.documents)
    let texts = try indices.prefix(try args.positiveInt("texts")).map { i -> String in
      guard i < source.corpus.snippets.count else { throw RuntimeError("the tokens refer to texts beyond their corpus", argument: "on") }
      return source.corpus.snippets[i]
    }
    guard !texts.isEmpty else { throw RuntimeError("no texts to score", argument: "on") }
    return texts
  }

  /// Scores `replacements` of the tokens' layer (or `layer`) on the texts of `on:`.
  static func measure(
    _ args: CallArguments, _ context: RuntimeContext, model: MiniLM, layer: Int? = nil, label: String,
    replacements: [EmbeddingFidelity.Replacement],
    inspect: ((_ hidden: Matrix, _ patched: [Bool]) throws -> Void)? = nil
  ) throws -> EmbeddingFidelity.Result {
    let tokens = try TokenBuiltins.tokensArgument(args, "on")
    let source = tokens.source
    let layer = layer ?? source.layer
    guard (0...model.layerCount).contains(layer) else {
      throw RuntimeError("layer must be in 0...\(model.layerCount), got \(layer)", argument: "layer")
    }
    let texts = try scoredTexts(args, tokens)
    let rows: EmbeddingFidelity.PatchedRows = try args.bool("patchSpecialTokens")
      ? .all : .excluding(source.vocabulary.specialIDs)
    do {
      return try EmbeddingFidelity.measure(
        model: model, texts: texts, layer: layer, maxLength: source.request.maxLength, rows: rows,
        replacements: replacements, inspect: inspect,
        progress: { context.progress?(label, $0) }, shouldStop: { context.isPastDeadline })
    } catch SAEKitError.cancelled {
      try context.checkDeadline()
      throw RuntimeError("stopped")
    }
  }
}
