import Foundation
import SAEKit

/// `darkMatter.powerLaw` and `darkMatter.perToken`: how the error scales with
/// the dictionary width, in aggregate and token by token.
extension DarkMatterBuiltins {
  static let powerLawRecord = RecordType("PowerLaw", doc: "FVU(W) ≈ c + a·W^(−m) fitted by Levenberg–Marquardt, and Fig. 1's decomposition of the FVU.", fields: [
    ("c", .double, "asymptote: the FVU an infinitely wide SAE would keep"),
    ("a", .double, "amplitude"),
    ("m", .double, "exponent"),
    ("sse", .double, "sum of squared residuals of the fit"),
    ("predicted", .array(.double), "c + a·W^(−m) at the given widths"),
    ("curveWidths", .array(.double), "64 log-spaced widths from the smallest given width to 16× the largest, for drawing the fit"),
    ("curve", .array(.double), "c + a·W^(−m) at curveWidths"),
    ("absentFeatures", .array(.double), "FVU(W) − c per width: error from features the SAE has not learned yet"),
    ("linearError", .double, "c − mean nonlinear FVU (n/a without nonlinearFVU)"),
    ("nonlinearError", .double, "mean over widths of the nonlinear FVU (n/a without nonlinearFVU)"),
    ("nonlinearExponent", .double, "m of a power law fitted to the nonlinear FVU alone (n/a when it cannot be fitted): near 0 means flat"),
    ("nonlinearDecay", .double, "nonlinear FVU at the largest width / at the smallest (1 = flat)"),
  ])

  static let perTokenRecord = RecordType("PerTokenScaling", doc: "Do wider SAEs fail on the same tokens? R² of one width's per-token error norm from another's.", fields: [
    ("widths", .array(.int), "the SAE widths, ascending"),
    ("r2", .matrix, "r2[i, j]: held-out R² of ‖SaeError_j‖ ≈ [‖SaeError_i‖, 1]"),
    ("gain", .matrix, "gain[i, j] (i < j, else 0): % of the variance r2[i, j] leaves that adding ‖NonlinearError_i‖ explains"),
    ("table", .table, "one row per pair i < j: widths, R², R² with the nonlinear norm, gain"),
  ])

  static let powerLaw = Builtin("darkMatter.powerLaw", [
    .labeled("widths", .array(.double), "dictionary widths W (at least 3, two distinct)"),
    .labeled("fvu", .array(.double), "total FVU at each width"),
    .labeled("nonlinearFVU", .array(.double), default: .absent, "nonlinear FVU at each width, for the decomposition into absent features, linear and nonlinear error"),
  ], returns: .record("PowerLaw"),
     doc: "Fits FVU(W) ≈ c + a·W^(−m) by nonlinear least squares and splits the FVU as in Fig. 1: absent features FVU − c, linear error c − mean nonlinear FVU, nonlinear error.") { args, _ in
    let widths = try args.doubles("widths"), fvu = try args.doubles("fvu")
    guard fvu.count == widths.count else {
      throw RuntimeError("\(widths.count) widths but \(fvu.count) FVUs", argument: "fvu")
    }
    let fit = try attributing("widths") { try PowerLawFit(widths: widths, values: fvu) }
    var linear = Double.nan, nonlinear = Double.nan, exponent = Double.nan, decay = Double.nan
    if args.has("nonlinearFVU") {
      let values = try args.doubles("nonlinearFVU")
      let decomposition = try attributing("nonlinearFVU") {
        try WidthScalingDecomposition(widths: widths, totalFVU: fvu, nonlinearFVU: values)
      }
      linear = decomposition.linearError
      nonlinear = decomposition.nonlinearError
      exponent = decomposition.nonlinearFit?.m ?? .nan
      let order = widths.indices.sorted { widths[$0] < widths[$1] }
      if let first = order.first, let last = order.last, values[first] != 0 { decay = values[last] / values[first] }
    }
    let lo = log(widths.min()!), hi = log(16 * widths.max()!)
    let curveWidths = (0..<64).map { exp(lo + (hi - lo) * Double($0) / 63) }
    return .record(Record("PowerLaw", [
      ("c", .double(fit.c)), ("a", .double(fit.a)), ("m", .double(fit.m)), ("sse", .double(fit.sumOfSquaredResiduals)),
      ("predicted", doubles(widths.map(fit.predict))), ("curveWidths", doubles(curveWidths)),
      ("curve", doubles(curveWidths.map(fit.predict))), ("absentFeatures", doubles(fvu.map { $0 - fit.c })),
      ("linearError", .double(linear)), ("nonlinearError", .double(nonlinear)),
      ("nonlinearExponent", .double(exponent)), ("nonlinearDecay", .double(decay)),
    ]))
  }

  static let perToken = Builtin("darkMatter.perToken", [
    .positional("saes", .array(.sae), "SAEs of increasing width trained on the same activations"),
    .labeled("on", .matrix, "activations x, (tokens × d)"),
    .labeled("fitOn", .matrix, default: .absent, "other tokens to fit a* and the norm regressions on (e.g. split.fit.x); 'on' then only scores them"),
  ] + splitParameters, returns: .record("PerTokenScaling"),
     doc: "Per-token scaling (papers-1.md §1a): R² of predicting each width's per-token error norm ‖x − Sae(x)‖ from a smaller width's, and the gain from adding the smaller SAE's nonlinear-error norm.") { args, context in
    let (x, _, explicit) = try analysedTokens(args, on: try data(args, "on", minimumRows: 8), tokenIds: nil)
    let saes = try args.array("saes").map { v -> TrainedSAE in
      guard case .sae(let s) = v else { throw RuntimeError("'saes' must contain SAEs", argument: "saes") }
      guard s.model.dimension == x.cols else {
        throw RuntimeError("an SAE expects d = \(s.model.dimension) but 'on' has \(x.cols) columns", argument: "saes")
      }
      return s
    }.sorted { $0.model.width < $1.model.width }
    guard saes.count >= 2 else { throw RuntimeError("per-token scaling needs at least 2 SAEs", argument: "saes") }
    let o = try options(args)
    return try attributing("on") {
      let tokenSplit = try explicit ?? TokenSplit(tokenCount: x.rows, fitFraction: o.fitFraction, seed: o.seed)
      let fitX = x.rows(tokenSplit.fitRows)
      var errorNorms = [[Double]](), nonlinearNorms = [[Double]]()
      for (i, s) in saes.enumerated() {
        try context.checkDeadline()
        context.progress?("darkMatter.perToken", Double(i) / Double(saes.count))
        let recon = try s.model.reconstruct(x)
        let map = try SAEErrorDecomposition.linearMap(activations: fitX, reconstructions: recon.rows(tokenSplit.fitRows))
        let parts = try SAEErrorDecomposition.components(activations: x, reconstructions: recon, linearMap: map)
        errorNorms.append(parts.saeError.rowNorms())
        nonlinearNorms.append(parts.nonlinearError.rowNorms())
      }
      let scaling = try PerTokenScaling(errorNorms: errorNorms, nonlinearNorms: nonlinearNorms, split: tokenSplit)
      let n = saes.count
      var r2 = Matrix(rows: n, cols: n), gain = Matrix(rows: n, cols: n)
      var rows = [[Value]]()
      for i in 0..<n {
        for j in 0..<n {
          if i <= j {
            r2[i, j] = Float(scaling.r2[i][j] ?? .nan)
          } else {
            // The lower triangle: the smaller width's norm from the larger's.
            let design = try HeldOutRegression.design([errorNorms[i]])
            r2[i, j] = Float(try HeldOutRegression.scalar(inputs: design, target: errorNorms[j], split: tokenSplit).r2)
          }
          guard i < j else { continue }
          let g = scaling.gain[i][j] ?? 0
          gain[i, j] = Float(g)
          let base = scaling.r2[i][j] ?? .nan
          rows.append([.int(saes[i].model.width), .int(saes[j].model.width), .double(base),
                       .double(base + g / 100 * (1 - base)), .double(g)])
        }
      }
      let table = Table(headers: ["from width", "to width", "R²", "R² with nonlinear norm", "gain (% of rest)"], rows: rows)
      return .record(Record("PerTokenScaling", [
        ("widths", ints(saes.map(\.model.width))), ("r2", .matrix(r2)), ("gain", .matrix(gain)), ("table", .table(table)),
      ]))
    }
  }
}
