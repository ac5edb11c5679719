import SAEKit

/// `darkMatter.fidelity`: how much of the downstream damage of splicing an SAE
/// in does each part of its error undo (Fig. 9 of the paper, with MiniLM's
/// embedding fidelity in place of a next-token loss; papers-1.md §1f(ii)5).
extension DarkMatterBuiltins {
  static let fidelityRecord = RecordType("PatchedFidelity", doc: "Embedding fidelity of MiniLM with layer ℓ replaced by Sae(x), Sae(x) + LinearError or Sae(x) + NonlinearError.", fields: [
    ("texts", .int, "number of texts scored"),
    ("tokens", .int, "number of patched (ordinary) tokens"),
    ("sae", .double, "fidelity with Sae(x) patched in (1 = clean, 0 = as bad as zero-ablation)"),
    ("saeAndLinear", .double, "fidelity with Sae(x) + a*ᵀx"),
    ("saeAndNonlinear", .double, "fidelity with Sae(x) + NonlinearError = x − a*ᵀx"),
    ("linearRecovered", .double, "100·(saeAndLinear − sae) / (1 − sae): % of the SAE's damage undone by LinearError"),
    ("nonlinearRecovered", .double, "100·(saeAndNonlinear − sae) / (1 − sae): % undone by NonlinearError"),
    ("linearShare", .double, "Σ‖LinearError‖² / Σ‖SaeError‖² on the patched tokens, in %"),
    ("nonlinearShare", .double, "Σ‖NonlinearError‖² / Σ‖SaeError‖² on the patched tokens, in %"),
  ])

  static let fidelity = Builtin("darkMatter.fidelity", [
    .positional("model", .model, "the model, from minilm()"),
    .labeled("sae", .sae, "an SAE trained on the activations' layer"),
    .labeled("on", .activations, "activations of the layer to patch: their layer, corpus and maxLength are used"),
    .labeled("fitOn", .matrix, "activations of that layer (ordinary tokens, e.g. tokens.x) to fit a* on"),
    .labeled("texts", .int, default: .value(.int(256)), "how many texts of the corpus to score"),
    .labeled("fromText", .int, default: .value(.int(0)), "index of the first text to score, e.g. tokens.firstText + 1 to score only texts no SAE was trained on"),
  ] + splitParameters, returns: .record("PatchedFidelity"),
     doc: "Patches layer ℓ of MiniLM, on texts fromText..<fromText + texts, with Sae(x), Sae(x) + LinearError and Sae(x) + NonlinearError on ordinary tokens ([CLS]/[SEP] stay clean; the zero-ablation baseline zeroes the same tokens) and scores mean embedding fidelity and the % of the SAE's damage each part recovers.") { args, context in
    guard case .model(let model)? = args.values["model"] else { throw RuntimeError("'model' must be a Model", argument: "model") }
    let acts = try activations(args, "on")
    let fitOn = try data(args, "fitOn", minimumRows: 8)
    let s = try sae(args, "sae", dimension: fitOn.cols, data: "fitOn")
    let layer = acts.layer, maxLength = acts.request.maxLength
    guard s.model.dimension == model.hiddenSize else {
      throw RuntimeError("the SAE expects d = \(s.model.dimension), the model's layers have d = \(model.hiddenSize)", argument: "sae")
    }
    let first = try args.int("fromText"), available = acts.corpus.snippets.count
    guard first >= 0 && first < available else {
      throw RuntimeError("fromText must be in 0..<\(available) (the corpus has \(available) texts), got \(first)", argument: "fromText")
    }
    let texts = Array(acts.corpus.snippets[first...].prefix(try args.positiveInt("texts")))
    let o = try options(args)
    let map = try attributing("fitOn") {
      try SAEErrorDecomposition(activations: fitOn, sae: s.model, options: o).linearMap
    }
    let special = specialIDs(acts.tokenizer)
    var scores = [[Float]](repeating: [], count: 3)
    var linearSquared = 0.0, nonlinearSquared = 0.0, errorSquared = 0.0, tokenCount = 0
    for start in stride(from: 0, to: texts.count, by: 32) {
      try context.checkDeadline()
      let batch = model.tokenize(Array(texts[start..<min(start + 32, texts.count)]), maxLength: maxLength)
      let ordinary = batch.ids.map { !special.contains($0) }
      /// Replaces the ordinary rows of `h` by `replacement(h)`'s.
      func patch(_ replacement: @escaping (Matrix) throws -> Matrix) -> MiniLM.Patch {
        { h in
          var out = h
          let r = try replacement(h)
          for row in 0..<h.rows where ordinary[row] {
            out.storage.replaceSubrange((row * h.cols)..<((row + 1) * h.cols), with: r.storage[(row * h.cols)..<((row + 1) * h.cols)])
          }
          return out
        }
      }
      try attributing("sae") {
        let clean = try model.run(batch, options: .init(capture: [layer]))
        let h = try clean.hiddenState(layer)
        let recon = try s.model.reconstruct(h)
        let linear = try map.predict(h)
        let error = try h.subtracting(recon)
        let nonlinear = try error.subtracting(linear)
        let (l, nl, e) = (linear.rowSquaredNorms(), nonlinear.rowSquaredNorms(), error.rowSquaredNorms())
        for row in 0..<h.rows where ordinary[row] {
          linearSquared += l[row]
          nonlinearSquared += nl[row]
          errorSquared += e[row]
          tokenCount += 1
        }
        let ablated = try model.run(batch, options: .init(patches: [layer: patch(MiniLM.zeroAblation)])).embeddings
        let settings: [Matrix] = [recon, try recon.adding(linear), try h.subtracting(linear)]
        for (k, replacement) in settings.enumerated() {
          let patched = try model.run(batch, options: .init(patches: [layer: patch { _ in replacement }])).embeddings
          scores[k] += try MiniLM.embeddingFidelity(clean: clean.embeddings, patched: patched, zeroAblated: ablated)
        }
      }
      context.progress?("darkMatter.fidelity", Double(min(start + 32, texts.count)) / Double(texts.count))
    }
    let means = scores.map { values -> Double in
      let finite = values.filter(\.isFinite)
      return finite.isEmpty ? .nan : finite.map(Double.init).reduce(0, +) / Double(finite.count)
    }
    func recovered(_ f: Double) -> Double { means[0] < 1 ? 100 * (f - means[0]) / (1 - means[0]) : .nan }
    func share(_ part: Double) -> Double { errorSquared > 0 ? 100 * part / errorSquared : .nan }
    return .record(Record("PatchedFidelity", [
      ("texts", .int(texts.count)), ("tokens", .int(tokenCount)),
      ("sae", .double(means[0])), ("saeAndLinear", .double(means[1])), ("saeAndNonlinear", .double(means[2])),
      ("linearRecovered", .double(recovered(means[1]))), ("nonlinearRecovered", .double(recovered(means[2]))),
      ("linearShare", .double(share(linearSquared))), ("nonlinearShare", .double(share(nonlinearSquared))),
    ]))
  }
}
