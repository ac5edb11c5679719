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
    .labeled("sae", .sae, "an SAE trained on the tokens' layer"),
    .labeled("fitOn", .matrix, "activations of that layer to fit a* on, all of them (e.g. split.fit.x: held-out texts other than the scored ones)"),
  ] + FidelityArguments.parameters, returns: .record("PatchedFidelity"),
     doc: "Patches the tokens' layer of MiniLM, on the texts of some tokens, with Sae(x), Sae(x) + LinearError and Sae(x) + NonlinearError (a* fitted on fitOn) and scores mean embedding fidelity and the % of the SAE's damage each part recovers.") { args, context in
    let model = try args.miniLM("model", for: "darkMatter.fidelity")
    let fitOn = try data(args, "fitOn", minimumRows: 8)
    let s = try sae(args, "sae", dimension: fitOn.cols, data: "fitOn")
    guard s.model.dimension == model.hiddenSize else {
      throw RuntimeError("the SAE expects d = \(s.model.dimension), the model's layers have d = \(model.hiddenSize)", argument: "sae")
    }
    let map = try attributing("fitOn") {
      try SAEErrorDecomposition.linearMap(activations: fitOn, reconstructions: s.model.reconstruct(fitOn))
    }
    var linearSquared = 0.0, nonlinearSquared = 0.0, errorSquared = 0.0
    let result = try attributing("sae") {
      try FidelityArguments.measure(
        args, context, model: model, label: "darkMatter.fidelity",
        replacements: [
          { try s.model.reconstruct($0) },
          { h in try s.model.reconstruct(h).adding(try map.predict(h)) },
          { h in try h.subtracting(try map.predict(h)) },
        ],
        inspect: { h, patched in
          let parts = try SAEErrorDecomposition.components(activations: h, reconstructions: s.model.reconstruct(h), linearMap: map)
          let (l, nl, e) = (parts.linearError.rowSquaredNorms(), parts.nonlinearError.rowSquaredNorms(), parts.saeError.rowSquaredNorms())
          for row in 0..<h.rows where patched[row] {
            linearSquared += l[row]
            nonlinearSquared += nl[row]
            errorSquared += e[row]
          }
        })
    }
    let means = result.means
    func recovered(_ f: Double) -> Double { means[0] < 1 ? 100 * (f - means[0]) / (1 - means[0]) : .nan }
    func share(_ part: Double) -> Double { errorSquared > 0 ? 100 * part / errorSquared : .nan }
    return .record(Record("PatchedFidelity", [
      ("texts", .int(result.texts)), ("tokens", .int(result.patchedTokens)),
      ("sae", .double(means[0])), ("saeAndLinear", .double(means[1])), ("saeAndNonlinear", .double(means[2])),
      ("linearRecovered", .double(recovered(means[1]))), ("nonlinearRecovered", .double(recovered(means[2]))),
      ("linearShare", .double(share(linearSquared))), ("nonlinearShare", .double(share(nonlinearSquared))),
    ]))
  }
}
