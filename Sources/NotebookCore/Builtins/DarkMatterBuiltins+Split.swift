import SAEKit

/// `darkMatter.split` and `darkMatter.components`: the linear / nonlinear
/// split of one SAE's error (``SAEErrorDecomposition``).
extension DarkMatterBuiltins {
  static let errorSplit = RecordType("ErrorSplit", doc: "The linear / nonlinear split of an SAE's error x − Sae(x) on some activations, with held-out R² (papers-1.md §1a).", fields: [
    ("width", .int, "number of latents of the SAE"),
    ("tokens", .int, "number of tokens analysed (fit and scored)"),
    ("fitTokens", .int, "tokens the regressions were fitted on"),
    ("testTokens", .int, "tokens they were scored on (the held-out R² and the held-out FVUs)"),
    ("l0", .double, "mean number of non-zero latents per token"),
    ("deadFraction", .double, "share of latents that fire on none of the tokens analysed (fit and scored)"),
    ("totalFVU", .double, "FVU(x, Sae(x)) = Σ‖x − Sae(x)‖² / Σ‖x − x̄‖², all tokens"),
    ("linearFVU", .double, "totalFVU − nonlinearFVU: the part a*ᵀx removes"),
    ("nonlinearFVU", .double, "FVU(x, Sae(x) + a*ᵀx), all tokens (the paper's 'FVU with prediction')"),
    ("heldOutTotalFVU", .double, "totalFVU on the held-out tokens only"),
    ("heldOutNonlinearFVU", .double, "nonlinearFVU on the held-out tokens only"),
    ("linearShare", .double, "Σ‖LinearError‖² / Σ‖SaeError‖²: the linear part's share of the squared error"),
    ("vectorR2", .double, "held-out R² of SaeError ≈ a*ᵀx, mean over dimensions (the paper's headline)"),
    ("vectorR2Pooled", .double, "the same R² pooled over dimensions: 1 − ΣΣ residual² / ΣΣ centred total"),
    ("normR2", .double, "held-out R² of ‖SaeError‖² ≈ b*ᵀx (no intercept, as Fig. 1/7)"),
    ("baselineX", .double, "norm baseline: held-out R² of ‖SaeError‖² ≈ [x, 1] (Fig. 13)"),
    ("baselineNorm", .double, "norm baseline: held-out R² of ‖SaeError‖² ≈ [‖x‖, 1]"),
    ("baselineL0", .double, "norm baseline: held-out R² of ‖SaeError‖² ≈ [L0, 1] (0-ish for TopK, whose L0 is constant)"),
    ("baselineTokenId", .double, "norm baseline: held-out R² of the per-token-id mean of ‖SaeError‖² (n/a without tokenIds)"),
    ("normR2OfX", .double, "Fig. 7: held-out R² of ‖x‖² ≈ bᵀx"),
    ("normR2OfSae", .double, "Fig. 7: held-out R² of ‖Sae(x)‖² ≈ bᵀx"),
    ("normR2OfLinear", .double, "Fig. 7: held-out R² of ‖LinearError‖² ≈ bᵀx"),
    ("normR2OfNonlinear", .double, "Fig. 7: held-out R² of ‖NonlinearError‖² ≈ bᵀx"),
  ])

  static let errorComponents = RecordType("ErrorComponents", doc: "x = Sae(x) + LinearError + NonlinearError for every token, with a* fitted on the fit split.", fields: [
    ("reconstruction", .matrix, "Sae(x), (tokens × d)"),
    ("saeError", .matrix, "SaeError = x − Sae(x)"),
    ("linearError", .matrix, "LinearError = a*ᵀx"),
    ("nonlinearError", .matrix, "NonlinearError = SaeError − a*ᵀx"),
  ])

  static let split = Builtin("darkMatter.split", [
    .positional("sae", .sae, "a trained SAE"),
    .labeled("on", .matrix, "activations x, (tokens × d)"),
    .labeled("tokenIds", .array(.int), default: .absent, "the vocabulary id of every token, for the token-identity baseline (e.g. acts.tokenIds)"),
    .labeled("intercept", .bool, default: .value(.bool(false)), "fit a* with an intercept (the paper has none)"),
  ] + fitOnParameters + splitParameters, returns: .record("ErrorSplit"),
     doc: "Splits x − Sae(x) into a*ᵀx (LinearError, a* by least squares on the fit tokens) and the rest (NonlinearError); vector and norm R² on held-out tokens, FVUs, and the norm-prediction baselines. With fitOn:, every regression is fitted on fitOn and scored on 'on'.") { args, context in
    let scored = try data(args, "on", minimumRows: 8)
    let s = try sae(args, "sae", dimension: scored.cols, data: "on")
    var scoredIds: [Int]?
    if args.has("tokenIds") {
      scoredIds = try args.ints("tokenIds")
      guard scoredIds?.count == scored.rows else {
        throw RuntimeError("tokenIds has \(scoredIds?.count ?? 0) entries for \(scored.rows) tokens", argument: "tokenIds")
      }
    }
    let (x, ids, explicit) = try analysedTokens(args, on: scored, tokenIds: scoredIds)
    let o = try options(args)
    context.progress?("darkMatter.split m=\(s.model.width)", 0)
    return try attributing(args.has("fitOn") ? "fitOn" : "on") {
      let codes = try s.model.encode(x)
      let recon = try s.model.decode(codes)
      let l0 = ReconstructionMetrics.l0(codes)
      let split = try SAEErrorDecomposition(activations: x, reconstructions: recon, l0: l0, tokenIDs: ids, options: o, split: explicit)
      try context.checkDeadline()
      let norms = try split.componentNormR2(activations: x, reconstructions: recon)
      let b = split.normBaselines
      return .record(Record("ErrorSplit", [
        ("width", .int(s.model.width)), ("tokens", .int(x.rows)), ("fitTokens", .int(split.split.fitRows.count)),
        ("testTokens", .int(split.split.testRows.count)),
        ("l0", .double(Double(l0.reduce(0, +)) / Double(x.rows))),
        ("deadFraction", .double(1 - Double(codes.firingCounts().filter { $0 > 0 }.count) / Double(s.model.width))),
        ("totalFVU", .double(split.totalFVU)), ("linearFVU", .double(split.linearFVU)),
        ("nonlinearFVU", .double(split.nonlinearFVU)), ("heldOutTotalFVU", .double(split.heldOutTotalFVU)),
        ("heldOutNonlinearFVU", .double(split.heldOutNonlinearFVU)), ("linearShare", .double(split.linearNormShare)),
        ("vectorR2", .double(split.vectorR2.mean)), ("vectorR2Pooled", .double(split.vectorR2.pooled)),
        ("normR2", .double(split.normR2)), ("baselineX", .double(b.activation)),
        ("baselineNorm", .double(b.activationNorm)), ("baselineL0", .double(b.l0 ?? .nan)),
        ("baselineTokenId", .double(b.tokenIdentity ?? .nan)),
        ("normR2OfX", .double(norms.activation)), ("normR2OfSae", .double(norms.reconstruction)),
        ("normR2OfLinear", .double(norms.linearError)), ("normR2OfNonlinear", .double(norms.nonlinearError)),
      ]))
    }
  }

  static let components = Builtin("darkMatter.components", [
    .positional("sae", .sae, "a trained SAE"),
    .labeled("on", .matrix, "activations x, (tokens × d)"),
    .labeled("fitOn", .matrix, default: .absent, "other activations of the same layer to fit a* on, all of them (e.g. split.fit.x, to split training tokens with an a* from held-out texts); default: the fit share of 'on'"),
  ] + splitParameters, returns: .record("ErrorComponents"),
     doc: "The three parts of x − Sae(x) for every token of 'on', with a* fitted on all of fitOn (or on the fit share of 'on'), e.g. to train SAEs on LinearError or NonlinearError.") { args, _ in
    let x = try data(args, "on", minimumRows: 8)
    let s = try sae(args, "sae", dimension: x.cols, data: "on")
    let o = try options(args)
    let recon = try attributing("on") { try s.model.reconstruct(x) }
    let map: LinearFit
    if args.has("fitOn") {
      let fitData = try data(args, "fitOn", minimumRows: 8)
      guard fitData.cols == x.cols else {
        throw RuntimeError("'fitOn' has \(fitData.cols) columns but 'on' has \(x.cols)", argument: "fitOn")
      }
      map = try attributing("fitOn") {
        try SAEErrorDecomposition.linearMap(activations: fitData, reconstructions: s.model.reconstruct(fitData), intercept: o.intercept)
      }
    } else {
      map = try attributing("on") { try SAEErrorDecomposition(activations: x, reconstructions: recon, options: o).linearMap }
    }
    return try attributing("on") {
      let parts = try SAEErrorDecomposition.components(activations: x, reconstructions: recon, linearMap: map)
      return .record(Record("ErrorComponents", [
        ("reconstruction", .matrix(recon)), ("saeError", .matrix(parts.saeError)),
        ("linearError", .matrix(parts.linearError)), ("nonlinearError", .matrix(parts.nonlinearError)),
      ]))
    }
  }
}
