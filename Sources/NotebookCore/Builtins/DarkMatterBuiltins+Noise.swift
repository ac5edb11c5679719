import SAEKit

/// `darkMatter.noiseTest` and `darkMatter.noiseTestOnSAE`: Table 1 / Fig. 15
/// of the paper (``SyntheticNoiseTest``): which kinds of error does the
/// linear / nonlinear split call "linear"?
extension DarkMatterBuiltins {
  static let noiseTestRecord = RecordType("NoiseTest", doc: "The synthetic noise test: an exactly sparse signal, dense activation noise σ_a, reconstruction noise σ_r and a fraction p of dropped latents, and how the split labels each.", fields: [
    ("signalRMS", .double, "RMS of the clean signal's entries"),
    ("noiseUnit", .double, "the standard deviation a noise level of 1 stands for"),
    ("correlations", .matrix, "Table 1: rows σ_a, σ_r; columns est. linear, est. nonlinear error (Pearson over the σ grid at p = 0)"),
    ("activationVsLinear", .double, "corr(σ_a, est. linear error) at p = 0"),
    ("activationVsNonlinear", .double, "corr(σ_a, est. nonlinear error) at p = 0"),
    ("reconstructionVsLinear", .double, "corr(σ_r, est. linear error) at p = 0"),
    ("reconstructionVsNonlinear", .double, "corr(σ_r, est. nonlinear error) at p = 0"),
    ("dropVsLinear", .double, "mean over σ cells of corr(p, est. linear error) (n/a with one p)"),
    ("dropVsNonlinear", .double, "mean over σ cells of corr(p, est. nonlinear error) (n/a with one p)"),
    ("cells", .table, "every grid cell: p, σ_a, σ_r, FVU of the reconstruction, of reconstruction + a*ᵀx, est. linear and nonlinear error"),
    ("dropFraction", .array(.double), "p of every cell (same order as cells)"),
    ("activationNoise", .array(.double), "σ_a of every cell"),
    ("reconstructionNoise", .array(.double), "σ_r of every cell"),
    ("reconstructionFVU", .array(.double), "FVU(x_noised, recon) of every cell"),
    ("linearSumFVU", .array(.double), "FVU(x_noised, recon + a*ᵀx_noised) of every cell"),
    ("sources", .table, "each source alone (smallest non-zero σ, largest p; the others 0): the FVU it adds and the share of it a*ᵀx removes"),
    ("activationShare", .double, "share of the activation noise's FVU that a*ᵀx removes (alone, smallest non-zero σ_a; n/a if not on the grid)"),
    ("reconstructionShare", .double, "share of the reconstruction noise's FVU that a*ᵀx removes (alone, smallest non-zero σ_r)"),
    ("dropShare", .double, "share of the dropped features' FVU that a*ᵀx removes (alone, largest p)"),
  ])

  /// The σ_a / σ_r / p grid parameters shared by both tests.
  static let gridParameters: [Parameter] = [
    .labeled("activationNoise", .array(.double), default: .value(.array([0, 1, 2, 3, 4].map(Value.double))), "σ_a levels: dense noise added to the activations"),
    .labeled("reconstructionNoise", .array(.double), default: .value(.array([0, 1, 2, 3, 4].map(Value.double))), "σ_r levels: noise added to the reconstruction (introduced error)"),
    .labeled("dropFractions", .array(.double), default: .value(.array([0, 0.1, 0.2, 0.3, 0.4, 0.5].map(Value.double))), "p values: the share of latents (lowest mean activation first) the reconstruction leaves out"),
    .labeled("noiseUnit", .double, default: .value(.double(0.25)), "a noise level of 1 means a standard deviation of noiseUnit × the signal's RMS"),
    .labeled("seed", .int, default: .notebookSeed, "seed of the data and the noise draws"),
  ]

  static let noiseTest = Builtin("darkMatter.noiseTest", [
    .labeled("features", .int, default: .value(.int(4096)), "number n of true unit features"),
    .labeled("dim", .int, default: .value(.int(128)), "dimension d"),
    .labeled("active", .double, default: .value(.double(16)), "mean number of active features per sample"),
    .labeled("zipf", .double, default: .value(.double(1)), "Zipf exponent of the feature frequencies"),
    .labeled("samples", .int, default: .value(.int(20_000)), "number of samples N (keep N ≫ d: a* has d² coefficients)"),
  ] + gridParameters, returns: .record("NoiseTest"),
     doc: "The noise test on generative data with an oracle SAE: x' = Σ h_i v_i with known features (magnitudes uniform in [0, 1]); the oracle reconstructs with the true codes, minus the dropped features, plus σ_r noise; x = x' + σ_a noise.") { args, context in
    let n = try args.positiveInt("features"), d = try args.positiveInt("dim"), samples = try args.positiveInt("samples")
    let active = try args.double("active"), zipf = try args.double("zipf")
    guard active > 0 && active <= Double(n) else { throw RuntimeError("active must be in (0, \(n)], got \(active)", argument: "active") }
    guard zipf >= 0 else { throw RuntimeError("zipf must be ≥ 0, got \(zipf)", argument: "zipf") }
    guard samples > d else { throw RuntimeError("samples must exceed dim (a* has dim² coefficients), got \(samples)", argument: "samples") }
    let dataSeed = try DarkMatterBuiltins.seed(args)
    var rng = RandomSource(seed: dataSeed)
    let support: SyntheticSuperposition.Support = zipf > 0
      ? .zipf(exponent: zipf, meanActive: active) : .bernoulli(frequencies: [Double](repeating: active / Double(n), count: n))
    let data = try attributing("features") {
      try SyntheticSuperposition(.init(featureCount: n, dimension: d, sampleCount: samples, support: support), using: &rng)
    }
    return try runNoiseTest(SyntheticNoiseTest.GroundTruth.oracle(data), args, context, seed: dataSeed)
  }

  static let noiseTestOnSAE = Builtin("darkMatter.noiseTestOnSAE", [
    .positional("sae", .sae, "a trained SAE: its reconstructions are the exactly sparse ground truth"),
    .labeled("on", .matrix, "real activations x; the clean signal is x' = Sae(x)"),
    .labeled("tokens", .int, default: .value(.int(0)), "use this many evenly spaced tokens (0: all)"),
  ] + gridParameters, returns: .record("NoiseTest"),
     doc: "The paper's version of the noise test: x' = Sae(x) for real activations is exactly sparse in the SAE's dictionary; the reconstruction decodes Sae.encode(x') minus the dropped latents, plus σ_r noise; x = x' + σ_a noise.") { args, context in
    let all = try data(args, "on", minimumRows: 8)
    let s = try sae(args, "sae", dimension: all.cols, data: "on")
    let count = try args.int("tokens")
    guard count >= 0 else { throw RuntimeError("tokens must be ≥ 0, got \(count)", argument: "tokens") }
    let x = all.rows(evenlySpacedRows(count, of: all.rows))
    guard x.rows > x.cols else {
      throw RuntimeError("needs more tokens than dimensions (a* has d² coefficients), got \(x.rows)", argument: count > 0 ? "tokens" : "on")
    }
    let truth = try attributing("on") { try SyntheticNoiseTest.GroundTruth.sae(s.model, activations: x) }
    return try runNoiseTest(truth, args, context, seed: try DarkMatterBuiltins.seed(args))
  }

  static func runNoiseTest(
    _ truth: SyntheticNoiseTest.GroundTruth, _ args: CallArguments, _ context: RuntimeContext, seed: UInt64
  ) throws -> Value {
    let unit = try args.double("noiseUnit")
    guard unit.isFinite && unit >= 0 else { throw RuntimeError("noiseUnit must be finite and ≥ 0, got \(unit)", argument: "noiseUnit") }
    let config = SyntheticNoiseTest.Config(
      activationNoise: try args.doubles("activationNoise"), reconstructionNoise: try args.doubles("reconstructionNoise"),
      dropFractions: try args.doubles("dropFractions"), noiseUnit: unit * truth.signalRMS, seed: seed)
    guard config.dropFractions.contains(0) else {
      throw RuntimeError("dropFractions must include 0 (Table 1 is taken at p = 0)", argument: "dropFractions")
    }
    try context.checkDeadline()
    let test = try attributing("activationNoise") { try SyntheticNoiseTest(truth: truth, config: config) }
    let t = try attributing("activationNoise") { try test.correlationTable(dropFraction: 0) }
    let correlations = try Matrix([[Float(t.activationNoiseVsLinear), Float(t.activationNoiseVsNonlinear)],
                                   [Float(t.reconstructionNoiseVsLinear), Float(t.reconstructionNoiseVsNonlinear)]])
    let cells = test.cells
    let table = Table(headers: ["p", "σ_a", "σ_r", "FVU recon", "FVU recon + a*ᵀx", "est. linear", "est. nonlinear"], rows: cells.map {
      [.double($0.dropFraction), .double($0.activationNoise), .double($0.reconstructionNoise), .double($0.reconstructionFVU),
       .double($0.linearSumFVU), .double($0.estimatedLinear), .double($0.estimatedNonlinear)]
    })
    let sources = test.singleSources()
    let sourceTable = Table(headers: ["source alone", "level", "FVU it adds", "FVU after + a*ᵀx", "share a* removes"], rows: sources.map { s in
      let level: Double
      switch s.source {
      case .activationNoise: level = s.cell.activationNoise
      case .reconstructionNoise: level = s.cell.reconstructionNoise
      case .droppedFeatures: level = s.cell.dropFraction
      }
      return [.string(s.source.rawValue), .double(level), .double(s.cell.reconstructionFVU), .double(s.cell.linearSumFVU), .double(s.linearShare)]
    })
    func share(_ source: SyntheticNoiseTest.SourceShare.Source) -> Double { sources.first { $0.source == source }?.linearShare ?? .nan }
    return .record(Record("NoiseTest", [
      ("signalRMS", .double(truth.signalRMS)), ("noiseUnit", .double(config.noiseUnit)), ("correlations", .matrix(correlations)),
      ("activationVsLinear", .double(t.activationNoiseVsLinear)), ("activationVsNonlinear", .double(t.activationNoiseVsNonlinear)),
      ("reconstructionVsLinear", .double(t.reconstructionNoiseVsLinear)),
      ("reconstructionVsNonlinear", .double(t.reconstructionNoiseVsNonlinear)),
      ("dropVsLinear", .double(t.dropFractionVsLinear ?? .nan)), ("dropVsNonlinear", .double(t.dropFractionVsNonlinear ?? .nan)),
      ("cells", .table(table)), ("dropFraction", doubles(cells.map(\.dropFraction))),
      ("activationNoise", doubles(cells.map(\.activationNoise))), ("reconstructionNoise", doubles(cells.map(\.reconstructionNoise))),
      ("reconstructionFVU", doubles(cells.map(\.reconstructionFVU))), ("linearSumFVU", doubles(cells.map(\.linearSumFVU))),
      ("sources", .table(sourceTable)), ("activationShare", .double(share(.activationNoise))),
      ("reconstructionShare", .double(share(.reconstructionNoise))), ("dropShare", .double(share(.droppedFeatures))),
    ]))
  }
}
