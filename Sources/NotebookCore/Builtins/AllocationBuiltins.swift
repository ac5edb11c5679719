import SAEKit

/// The measurements of the AbsTopK and Feature/Mutual Choice papers: antipodal
/// decoder pairs, latents using both signs, per-token L0, Spearman's ρ and the
/// density-rank curve with its Zipf fit; and the choice of inference rule.
enum AllocationBuiltins {
  static let pairsRecord = RecordType("AntipodalPairs", doc: "Decoder rows pointing in nearly opposite directions.", fields: [
    ("count", .int, "number of pairs with cos ≤ the threshold"),
    ("latents", .int, "latents in at least one pair"),
    ("first", .array(.int), "per pair, the lower latent"),
    ("second", .array(.int), "per pair, the higher latent"),
    ("cosine", .array(.double), "per pair, the cosine of the two decoder rows"),
  ])

  static let signRecord = RecordType("SignUsage", doc: "How often each latent fires with each sign on some data.", fields: [
    ("bothSigns", .double, "share of latents firing with both signs, the rarer on ≥ minorityShare of its firings"),
    ("positive", .array(.int), "per latent, tokens with a code > 0"),
    ("negative", .array(.int), "per latent, tokens with a code < 0"),
    ("minorityShare", .array(.double), "per latent, the share of its firings with the rarer sign"),
  ])

  static let l0Record = RecordType("L0Distribution", doc: "Active latents (≠ 0) per token.", fields: [
    ("perToken", .array(.int), "per token, its L0"),
    ("counts", .array(.int), "counts[n] = tokens with L0 = n"),
    ("mean", .double, "mean L0"),
    ("sd", .double, "sample standard deviation of the L0"),
    ("zeroFraction", .double, "share of tokens with no active latent"),
  ])

  static let zipfRecord = RecordType("ZipfFit", doc: "Densities against rank, with a Zipf law C·r^(−α) fitted to the head.", fields: [
    ("exponent", .double, "α"),
    ("scale", .double, "C, the density the law gives rank 1"),
    ("r2", .double, "R² of log density on log rank over the fitted points"),
    ("points", .int, "ranks used by the fit (positive densities of the head)"),
    ("rank", .array(.int), "1, 2, …, m"),
    ("density", .array(.double), "the densities sorted from densest"),
    ("expected", .array(.double), "the law's density at each rank"),
  ])

  static let proxRecord = RecordType("ProxCheck", doc: "Lemma 1 of AbsTopK checked: each activation's codes against the brute-force argmin of ½‖u − z‖² + λR(z) on random Gaussian u.", fields: [
    ("regularisers", .array(.string), "R(z) of each row, in the order ℓ₁ ≥ 0, ℓ₀ ≥ 0, TopK, AbsTopK"),
    ("activations", .array(.string), "the library activation that should be its prox"),
    ("trials", .int, "random u per regulariser"),
    ("maxDifference", .array(.double), "per regulariser, the largest |z_library − z_bruteforce| of any entry"),
    ("maxObjectiveGap", .array(.double), "per regulariser, the largest F(z_library) − F(z_bruteforce) (≤ 0: the library is as low)"),
    ("agreeing", .array(.int), "per regulariser, trials agreeing within the tolerance (the grid step for ℓ₁, 1e-5 otherwise)"),
    ("table", .table, "one row per regulariser: R, activation, trials agreeing, max difference, max objective gap"),
  ])

  static func register(_ r: inout Registry) {
    for record in [pairsRecord, signRecord, l0Record, zipfRecord, proxRecord] { r.addRecord(record) }
    r.add(proxCheck)
    r.add(antipodalPairs)
    r.add(signUsage)
    r.add(l0Distribution)
    r.add(zipfFit)
    r.add(spearman)
    r.addMethod(withInference, on: .sae)
  }

  static let antipodalPairs = Builtin("antipodalPairs", [
    .positional("sae", .sae, "a trained SAE"),
    .labeled("threshold", .double, default: .value(.double(-0.9)), "largest cosine that counts as antipodal"),
  ], returns: .record("AntipodalPairs"),
    doc: "Pairs of decoder rows with cos ≤ threshold: how a non-negative SAE spends two latents on one signed feature."
  ) { args, _ in
    let found = try attributing("threshold") {
      try AntipodalPairs(decoder: try args.sae("sae").model.decoderInMemory(for: "antipodalPairs"), threshold: Float(try args.double("threshold")))
    }
    return .record(Record("AntipodalPairs", [
      ("count", .int(found.count)), ("latents", .int(found.latentCount)),
      ("first", .array(found.pairs.map { .int($0.a) })), ("second", .array(found.pairs.map { .int($0.b) })),
      ("cosine", .array(found.pairs.map { .double(Double($0.cosine)) })),
    ]))
  }

  static let proxCheck = Builtin("proxCheck", [
    .labeled("dim", .int, default: .value(.int(8)), "dimension n of u (2ⁿ supports are enumerated; at most 16)"),
    .labeled("k", .int, default: .value(.int(3)), "k of TopK and AbsTopK"),
    .labeled("lambda", .double, default: .value(.double(0.3)), "λ of the ℓ₁ and ℓ₀ penalties"),
    .labeled("trials", .int, default: .value(.int(500)), "random Gaussian u per regulariser"),
    .labeled("gridStep", .double, default: .value(.double(0.001)), "grid step of the ℓ₁ brute force"),
    .labeled("seed", .int, default: .notebookSeed, "random seed (defaults to the notebook's seed)"),
  ], returns: .record("ProxCheck"),
    doc: "Checks Lemma 1 of AbsTopK (Zhu et al. 2025): ReLU, JumpReLU, TopK and AbsTopK codes of random u against the brute-force argmin of ½‖u − z‖² + λR(z) (supports enumerated; a grid for ℓ₁)."
  ) { args, _ in
    let outcomes = try attributing("dim") {
      try ProximalCheck.run(
        dim: try args.int("dim"), k: try args.int("k"), lambda: try args.double("lambda"), trials: try args.int("trials"),
        gridStep: try args.double("gridStep"), seed: UInt64(bitPattern: Int64(try args.int("seed"))))
    }
    let table = Table(headers: ["R(z)", "activation", "trials agreeing", "max |Δz|", "max objective gap"], rows: outcomes.map {
      [.string($0.regulariser.rawValue), .string($0.regulariser.activationName), .string("\($0.agreeing) / \($0.trials)"),
       .double($0.maxDifference), .double($0.maxObjectiveGap)]
    })
    return .record(Record("ProxCheck", [
      ("regularisers", .array(outcomes.map { .string($0.regulariser.rawValue) })),
      ("activations", .array(outcomes.map { .string($0.regulariser.activationName) })),
      ("trials", .int(outcomes.first?.trials ?? 0)),
      ("maxDifference", DarkMatterBuiltins.doubles(outcomes.map(\.maxDifference))),
      ("maxObjectiveGap", DarkMatterBuiltins.doubles(outcomes.map(\.maxObjectiveGap))),
      ("agreeing", DarkMatterBuiltins.ints(outcomes.map(\.agreeing))),
      ("table", .table(table)),
    ]))
  }

  static let signUsage = Builtin("signUsage", [
    .positional("sae", .sae, "a trained SAE"),
    .labeled("on", .matrix, "data, (tokens × dim)"),
    .labeled("minorityShare", .double, default: .value(.double(0)), "rarer sign's least share of a latent's firings"),
  ], returns: .record("SignUsage"), doc: "How often each latent fires positive and negative (signed codes: AbsTopK).") { args, _ in
    let s = try args.sae("sae")
    var usage = SignUsage(width: s.model.width)
    let share = try args.double("minorityShare")
    try attributing("on") { try usage.record(try s.model.encode(try args.matrix("on"))) }
    return .record(Record("SignUsage", [
      ("bothSigns", .double(usage.bothSignsFraction(minorityShare: share))),
      ("positive", DarkMatterBuiltins.ints(usage.positive)), ("negative", DarkMatterBuiltins.ints(usage.negative)),
      ("minorityShare", DarkMatterBuiltins.doubles(usage.minorityShares)),
    ]))
  }

  static let l0Distribution = Builtin("l0Distribution", [
    .positional("sae", .sae, "a trained SAE"),
    .labeled("on", .matrix, "data, (tokens × dim)"),
  ], returns: .record("L0Distribution"),
    doc: "The number of active latents of each token under the SAE's inference rule (it varies under Feature and Mutual Choice)."
  ) { args, _ in
    let codes = try attributing("on") { try args.sae("sae").model.encode(try args.matrix("on")) }
    let l0 = L0Distribution(codes)
    return .record(Record("L0Distribution", [
      ("perToken", DarkMatterBuiltins.ints(l0.perToken)), ("counts", DarkMatterBuiltins.ints(l0.counts)),
      ("mean", .double(l0.mean)), ("sd", .double(l0.standardDeviation)), ("zeroFraction", .double(l0.zeroFraction)),
    ]))
  }

  static let zipfFit = Builtin("zipfFit", [
    .positional("frequency", .array(.double), "per latent, its firing frequency (e.g. featureDensity(…).frequency)"),
    .labeled("head", .double, default: .value(.double(0.5)), "share of the densest ranks the law is fitted to"),
  ], returns: .record("ZipfFit"), doc: "The density-rank curve and a Zipf law fitted to its head (Ayonrinde 2024, Fig. 2).") { args, _ in
    let frequency = try args.doubles("frequency")
    let fit = try attributing("frequency") { try ZipfFit(densities: frequency, headShare: try args.double("head")) }
    let curve = DensityRank.curve(frequency)
    return .record(Record("ZipfFit", [
      ("exponent", .double(fit.exponent)), ("scale", .double(fit.scale)), ("r2", .double(fit.r2)),
      ("points", .int(fit.points)), ("rank", DarkMatterBuiltins.ints(curve.ranks)),
      ("density", DarkMatterBuiltins.doubles(curve.densities)),
      ("expected", .array(curve.ranks.map { .double(fit.expected(rank: $0)) })),
    ]))
  }

  static let spearman = Builtin("stats.spearman", [
    .positional("a", .array(.double), "one series"),
    .positional("b", .array(.double), "another, of the same length"),
  ], returns: .double, doc: "Spearman's rank correlation (tied values share their mean rank; 0 when a series is constant).") { args, _ in
    .double(try attributing("b") { try RankCorrelation.spearman(try args.doubles("a"), try args.doubles("b")) })
  }

  static let withInference = Builtin("withInference", [
    .positional("rule", .string, "\"threshold\" (per token, the threshold estimated in training) or \"batch\" (the batch rule)"),
  ], returns: .sae, doc: "The same Feature or Mutual Choice SAE with the given rule at inference.") { args, _ in
    guard case .sae(let s)? = args.receiver else { throw RuntimeError("not an SAE") }
    let text = try args.string("rule")
    guard let rule = ChoiceInference(rawValue: text) else {
      throw RuntimeError("rule must be \"threshold\" or \"batch\", got \"\(text)\"", argument: "rule")
    }
    let model = try attributing(nil) { try s.model.choosingInference(rule) }
    return .sae(TrainedSAE(model: model, activation: model.activation.kind, history: s.history, config: s.config, seconds: s.seconds))
  }
}
