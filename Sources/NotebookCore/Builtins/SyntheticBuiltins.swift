import SAEKit

/// `synthetic.superposition(…)`: data with known ground truth.
enum SyntheticBuiltins {
  static let dataset = RecordType("Dataset", doc: "Synthetic sparse superposition X = H·V + noise with its ground truth.", fields: [
    ("x", .matrix, "the samples X, (samples × dim)"),
    ("test", .matrix, "held-out samples from the same features, (test × dim)"),
    ("features", .matrix, "the true unit feature directions V, (features × dim)"),
    ("samples", .int, "number of samples"),
    ("dim", .int, "dimension of a sample"),
    ("featureCount", .int, "number of true features"),
    ("meanActive", .double, "mean number of active features per sample"),
    ("active", .array(.int), "per sample of x, its number of active features"),
    ("testActive", .array(.int), "per sample of test, its number of active features"),
  ])

  static func register(_ r: inout Registry) {
    r.addNamespace("synthetic", doc: "Synthetic data with known ground truth.")
    r.addRecord(dataset)
    r.add(Builtin("synthetic.superposition", [
      .labeled("features", .int, "number n of true feature directions (random unit vectors)"),
      .labeled("dim", .int, "dimension d of a sample"),
      .labeled("sparsity", .double, "probability that a feature is active in a sample (mean active = sparsity·features)"),
      .labeled("samples", .int, "number of samples"),
      .labeled("test", .int, default: .value(.int(0)), "number of extra held-out samples from the same features"),
      .labeled("zipf", .double, default: .value(.double(0)), "Zipf exponent of the feature frequencies (0: all features equally frequent)"),
      .labeled("activity", .array(.double), default: .value(.array([])),
               "relative activity of equally likely sample types, e.g. [0.2, 1.8]: a sample of type j draws its features with mean active count activity[j]·sparsity·features (the same frequency shape, each frequency at most 1), so the number of active features varies strongly between samples (empty: one type)"),
      .labeled("counts", .array(.int), default: .value(.array([])),
               "exact numbers of active features of equally likely sample types, e.g. [3, 20]: a sample of type j has exactly counts[j] features, chosen uniformly (sparsity, zipf and activity are then not used; empty: off)"),
      .labeled("signed", .bool, default: .value(.bool(false)), "give each coefficient a random sign"),
      .labeled("noise", .double, default: .value(.double(0)), "standard deviation of added Gaussian noise"),
      .labeled("seed", .int, default: .notebookSeed, "random seed (defaults to the notebook's seed)"),
    ], returns: .record("Dataset"),
       doc: "Samples X = H·V + noise: each sample is a sparse non-negative combination (magnitudes uniform in [0, 1]) of n unit feature directions in d dimensions.") { args, _ in
      let n = try args.positiveInt("features"), d = try args.positiveInt("dim"), samples = try args.positiveInt("samples")
      let test = try args.int("test")
      guard test >= 0 else { throw RuntimeError("test must be ≥ 0, got \(test)", argument: "test") }
      let p = try args.double("sparsity"), zipf = try args.double("zipf")
      guard p > 0 && p <= 1 else { throw RuntimeError("sparsity must be in (0, 1], got \(p)", argument: "sparsity") }
      guard zipf >= 0 else { throw RuntimeError("zipf exponent must be ≥ 0, got \(zipf)", argument: "zipf") }
      let activity = try args.doubles("activity")
      guard activity.allSatisfy({ $0.isFinite && $0 > 0 }) else {
        throw RuntimeError("activity levels must be finite and > 0, got \(activity)", argument: "activity")
      }
      func support(meanActive: Double) -> SyntheticSuperposition.Support {
        zipf > 0
          ? .zipf(exponent: zipf, meanActive: meanActive)
          : .bernoulli(frequencies: [Double](repeating: meanActive / Double(n), count: n))
      }
      let counts = try MatrixBuiltins.ints(args, "counts")
      guard counts.allSatisfy({ $0 >= 0 && $0 <= n }) else {
        throw RuntimeError("counts must be in 0…\(n) (the number of features), got \(counts)", argument: "counts")
      }
      guard counts.isEmpty || activity.isEmpty else {
        throw RuntimeError("give counts or activity, not both", argument: "counts")
      }
      let support: SyntheticSuperposition.Support = !counts.isEmpty
        ? .mixture(counts.map { (weight: 1.0, support: .exactly($0)) })
        : activity.isEmpty
          ? support(meanActive: p * Double(n))
          : .mixture(activity.map { (weight: 1.0, support: support(meanActive: $0 * p * Double(n))) })
      var rng = RandomSource(seed: UInt64(bitPattern: Int64(try args.int("seed"))))
      let data = try SyntheticSuperposition(
        .init(featureCount: n, dimension: d, sampleCount: try rowCount(samples: samples, test: test), support: support,
              signed: try args.bool("signed"), noiseStd: try args.double("noise")),
        using: &rng)
      return record(data, samples: samples)
    })
  }

  /// The `Dataset` of generated data whose first `samples` rows are `x` and the rest `test`.
  /// The rows drawn: `samples + test`, an error at `test` when the sum does not fit in an Int
  /// (`samples: Int.max, test: 1000` trapped).
  static func rowCount(samples: Int, test: Int) throws -> Int {
    let (rows, overflow) = samples.addingReportingOverflow(test)
    guard !overflow else {
      throw RuntimeError("samples + test (\(samples) + \(test)) is more rows than an Int can count", argument: "test")
    }
    return rows
  }

  static func record(_ data: SyntheticSuperposition, samples: Int) -> Value {
    let total = data.x.rows
    let active = (0..<total).map { data.coefficients.l0(row: $0) }
    return .record(Record("Dataset", [
      ("x", .matrix(data.x.rows(0..<samples))), ("test", .matrix(data.x.rows(samples..<total))), ("features", .matrix(data.features)), ("samples", .int(samples)),
      ("dim", .int(data.x.cols)), ("featureCount", .int(data.features.rows)), ("meanActive", .double(data.coefficients.meanL0)),
      ("active", DarkMatterBuiltins.ints(Array(active[0..<samples]))), ("testActive", DarkMatterBuiltins.ints(Array(active[samples...]))),
    ]))
  }
}
