import SAEKit

/// `darkMatter.pursuit` and `darkMatter.earlierComponents`: is the nonlinear
/// error the encoder's fault, and do other parts of the model predict it?
extension DarkMatterBuiltins {
  static let pursuitRecord = RecordType("PursuitComparison", doc: "The SAE's own encoder against gradient pursuit with its decoder at the same per-token L0 (§6.1 of the paper).", fields: [
    ("tokens", .int, "number of tokens compared"),
    ("l0", .double, "mean per-token L0 of the SAE, the pursuit's sparsity budget"),
    ("support", .double, "mean support size |S| the pursuit ended with"),
    ("saeFVU", .double, "FVU(x, Sae(x))"),
    ("pursuitFVU", .double, "FVU of the pursuit reconstruction"),
    ("saeNonlinearFVU", .double, "nonlinear FVU of the SAE (a* refitted on these tokens)"),
    ("pursuitNonlinearFVU", .double, "nonlinear FVU of the pursuit (a* refitted on its error)"),
    ("totalChange", .double, "100·(pursuitFVU − saeFVU) / saeFVU, in %"),
    ("nonlinearChange", .double, "100·(pursuitNonlinearFVU − saeNonlinearFVU) / saeNonlinearFVU, in %"),
    ("fvuByIteration", .array(.double), "pursuit FVU after 0, 1, …, max L0 iterations (tokens whose budget is spent keep their last value)"),
    ("increases", .int, "iterations (over all tokens) whose squared error rose by more than 10⁻⁵ relative"),
  ])

  static let explainRecord = RecordType("ExplainedError", doc: "Held-out R² of the SAE's error parts regressed on a set of explainers (§6.2 / Fig. 10b of the paper).", fields: [
    ("explainers", .string, "the explainers used, joined by ' + '"),
    ("columns", .int, "number of explanatory columns Σ p_i"),
    ("fitTokens", .int, "tokens the regression was fitted on"),
    ("testTokens", .int, "tokens it was scored on"),
    ("nonlinearR2", .double, "R² of NonlinearError, mean over dimensions (the paper's bars)"),
    ("nonlinearR2Pooled", .double, "R² of NonlinearError, pooled: the share of its variance explained"),
    ("errorR2", .double, "R² of SaeError, mean over dimensions"),
    ("errorR2Pooled", .double, "R² of SaeError, pooled"),
    ("linearR2", .double, "R² of LinearError, mean over dimensions"),
    ("linearR2Pooled", .double, "R² of LinearError, pooled"),
  ])

  static let pursuit = Builtin("darkMatter.pursuit", [
    .positional("sae", .sae, "a trained SAE"),
    .labeled("on", .matrix, "activations x, (tokens × d)"),
    .labeled("tokens", .int, default: .value(.int(0)), "compare on this many evenly spaced tokens (0: all); pursuit costs 2·N·L0·width·d FLOPs"),
  ] + splitParameters, returns: .record("PursuitComparison"),
     doc: "Replaces the SAE's encoder by gradient pursuit over its decoder at each token's own L0 and compares total and nonlinear FVU (a* refitted for each).") { args, context in
    let all = try data(args, "on", minimumRows: 8)
    let s = try sae(args, "sae", dimension: all.cols, data: "on")
    let count = try args.int("tokens")
    guard count >= 0 else { throw RuntimeError("tokens must be ≥ 0, got \(count)", argument: "tokens") }
    guard count == 0 || count >= 8 else { throw RuntimeError("tokens must be 0 (all) or at least 8, got \(count)", argument: "tokens") }
    let o = try options(args)
    let x = all.rows(evenlySpacedRows(count, of: all.rows))
    let fitTokens = Int((o.fitFraction * Double(x.rows)).rounded())
    guard fitTokens > x.cols else {
      let problem = "a* has \(x.cols) coefficients per output but only \(fitTokens) of \(x.rows) tokens are fitted on"
      // A tiny fitFraction needs more tokens than an Int counts (5e-324: infinitely many).
      let needed = (Double(x.cols + 1) / o.fitFraction).rounded(.up)
      guard needed < 0x1p62 else {
        throw RuntimeError("\(problem); fitFraction \(o.fitFraction) is too small for any number of tokens", argument: "fitFraction")
      }
      throw RuntimeError("\(problem); compare on at least \(Int(needed)) tokens", argument: count > 0 ? "tokens" : "on")
    }
    return try attributing("on") {
      let codes = try s.model.encode(x)
      let recon = try s.model.decode(codes)
      let l0 = ReconstructionMetrics.l0(codes)
      context.progress?("gradient pursuit m=\(s.model.width)", 0)
      let pursued = try GradientPursuit.reconstruct(x, sae: s.model, sparsity: l0, recordHistory: true)
      try context.checkDeadline()
      let before = try SAEErrorDecomposition(activations: x, reconstructions: recon, options: o)
      let after = try SAEErrorDecomposition(activations: x, reconstructions: pursued.reconstructions, options: o)
      let history = pursued.squaredErrorHistory ?? []
      let variance = totalVariance(x)
      let iterations = l0.max() ?? 0
      var curve = [Double](repeating: 0, count: iterations + 1)
      var increases = 0
      for h in history {
        for t in 0...iterations { curve[t] += h[min(t, h.count - 1)] }
        for t in 1..<max(h.count, 1) where h[t] > h[t - 1] * (1 + 1e-5) + 1e-12 { increases += 1 }
      }
      func change(_ a: Double, _ b: Double) -> Double { b != 0 ? 100 * (a - b) / b : .nan }
      return .record(Record("PursuitComparison", [
        ("tokens", .int(x.rows)), ("l0", .double(Double(l0.reduce(0, +)) / Double(x.rows))),
        ("support", .double(Double(pursued.supportSizes.reduce(0, +)) / Double(x.rows))),
        ("saeFVU", .double(before.totalFVU)), ("pursuitFVU", .double(after.totalFVU)),
        ("saeNonlinearFVU", .double(before.nonlinearFVU)), ("pursuitNonlinearFVU", .double(after.nonlinearFVU)),
        ("totalChange", .double(change(after.totalFVU, before.totalFVU))),
        ("nonlinearChange", .double(change(after.nonlinearFVU, before.nonlinearFVU))),
        ("fvuByIteration", doubles(curve.map { variance > 0 ? $0 / variance : .nan })), ("increases", .int(increases)),
      ]))
    }
  }

  /// `Σ_t ‖x_t − x̄‖²`, the FVU's denominator.
  static func totalVariance(_ x: Matrix) -> Double {
    var mean = [Double](repeating: 0, count: x.cols)
    for i in 0..<x.rows { for j in 0..<x.cols { mean[j] += Double(x[i, j]) } }
    for j in mean.indices { mean[j] /= Double(max(1, x.rows)) }
    var total = 0.0
    for i in 0..<x.rows {
      for j in 0..<x.cols {
        let c = Double(x[i, j]) - mean[j]
        total += c * c
      }
    }
    return total
  }

  static let explainError = Builtin("darkMatter.explainError", [
    .positional("sae", .sae, "the SAE whose error is explained"),
    .labeled("linearFitOn", .matrix, "tokens to fit a* on (e.g. split.fit.x): it defines LinearError and NonlinearError"),
    .labeled("fitOn", .matrix, "tokens x to fit the regressions on (e.g. a subsample of the training texts)"),
    .labeled("fitExplainers", .array(.matrix), "the explainers on those tokens, one row per token each (e.g. other SAEs' reconstructions of earlier components)"),
    .labeled("on", .matrix, "tokens x to score the regressions on (e.g. split.test.x)"),
    .labeled("explainers", .array(.matrix), "the same explainers on the scored tokens"),
    .labeled("names", .array(.string), "a name for each explainer"),
    .labeled("subsets", .array(.array(.int)), "which explainers to regress on together, e.g. [[0], [1], [0, 1]]"),
    .labeled("intercept", .bool, default: .value(.bool(false)), "add a column of ones to every subset"),
  ], returns: .array(.record("ExplainedError")),
     doc: "Regresses the SAE's SaeError, LinearError and NonlinearError (a* fitted on linearFitOn) on each subset of explainers, fitted on fitOn and scored on 'on' (Fig. 10b: each explainer alone and in combination).") { args, context in
    let x = try data(args, "on", minimumRows: 8)
    let s = try sae(args, "sae", dimension: x.cols, data: "on")
    let linearFit = try data(args, "linearFitOn", minimumRows: 8)
    let fitX = try data(args, "fitOn", minimumRows: 8)
    for (name, m) in [("linearFitOn", linearFit), ("fitOn", fitX)] where m.cols != x.cols {
      throw RuntimeError("'\(name)' has \(m.cols) columns but 'on' has \(x.cols)", argument: name)
    }
    func matrices(_ name: String, rows: Int) throws -> [Matrix] {
      let ms = try args.array(name).map { v -> Matrix in
        guard case .matrix(let m) = v else { throw RuntimeError("'\(name)' must contain matrices", argument: name) }
        guard m.rows == rows else { throw RuntimeError("an explainer in '\(name)' has \(m.rows) rows for \(rows) tokens", argument: name) }
        return m
      }
      guard !ms.isEmpty else { throw RuntimeError("give at least one explainer", argument: name) }
      return ms
    }
    let fitExplainers = try matrices("fitExplainers", rows: fitX.rows), explainers = try matrices("explainers", rows: x.rows)
    guard fitExplainers.count == explainers.count else {
      throw RuntimeError("\(fitExplainers.count) fit explainers but \(explainers.count) scored ones", argument: "explainers")
    }
    let names = try args.strings("names")
    guard names.count == explainers.count else {
      throw RuntimeError("\(names.count) names for \(explainers.count) explainers", argument: "names")
    }
    let subsets = try args.array("subsets").map { v -> [Int] in
      guard let items = v.elements else { throw RuntimeError("'subsets' must be an array of arrays of indices", argument: "subsets") }
      return try items.map { item in
        guard case .int(let i) = item, names.indices.contains(i) else {
          throw RuntimeError("subset entries must be explainer indices in 0..<\(names.count), found \(item.brief)", argument: "subsets")
        }
        return i
      }
    }
    context.progress?("darkMatter.explainError", 0)
    let map = try attributing("linearFitOn") {
      try SAEErrorDecomposition.linearMap(activations: linearFit, reconstructions: s.model.reconstruct(linearFit))
    }
    let results = try attributing("subsets") {
      try ErrorExplanation.analyse(sae: s.model, linearMap: map, fit: (fitX, fitExplainers), test: (x, explainers),
                                   subsets: subsets, intercept: try args.bool("intercept"))
    }
    return .array(results.map { r in
      .record(Record("ExplainedError", [
        ("explainers", .string(r.subset.map { names[$0] }.joined(separator: " + "))), ("columns", .int(r.columns)),
        ("fitTokens", .int(r.fitTokens)), ("testTokens", .int(r.testTokens)),
        ("nonlinearR2", .double(r.nonlinear.mean)), ("nonlinearR2Pooled", .double(r.nonlinear.pooled)),
        ("errorR2", .double(r.error.mean)), ("errorR2Pooled", .double(r.error.pooled)),
        ("linearR2", .double(r.linear.mean)), ("linearR2Pooled", .double(r.linear.pooled)),
      ]))
    })
  }
}
