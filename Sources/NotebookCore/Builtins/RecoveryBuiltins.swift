import SAEKit

/// Ground-truth recovery at any threshold and synthetic data with exactly-s
/// supports or given per-feature frequencies (GBA reproduction, papers-2.md §0–§1):
/// `maxCosine(a, b)` and `synthetic.sparse(…)`.
enum RecoveryBuiltins {
  static func register(_ r: inout Registry) {
    r.add(maxCosine)
    r.add(sparse)
  }

  static let maxCosine = Builtin("maxCosine", [
    .positional("a", .matrix, "rows to match, e.g. true features V (n × d)"),
    .positional("b", .matrix, "rows to match them with, e.g. decoder rows (m × d)"),
  ], returns: .array(.double),
    doc: "Per row of a, its largest cosine with a row of b (signed; a zero row has cosine 0): max_k cos(a_i, b_k). Feature recovery at any τ is the share ≥ τ; cross-seed MCS is maxCosine(decoderA, decoderB)."
  ) { args, _ in
    let a = try args.matrix("a"), b = try args.matrix("b")
    do {
      return DarkMatterBuiltins.doubles(try FeatureRecovery(truth: a, learned: b).maxCosine)
    } catch let e as SAEKitError {
      throw RuntimeError(e.description, argument: "b")
    }
  }

  static let sparse = Builtin("synthetic.sparse", [
    .labeled("features", .int, "number n of true feature directions (random unit vectors)"),
    .labeled("dim", .int, "dimension d of a sample"),
    .labeled("samples", .int, "number of samples"),
    .labeled("test", .int, default: .value(.int(0)), "number of extra held-out samples from the same features"),
    .labeled("active", .array(.int), default: .value(.array([])),
             "equally likely sample types, each with exactly this many distinct active features drawn uniformly, e.g. [3, 20] (used when frequencies is empty)"),
    .labeled("frequencies", .array(.double), default: .value(.array([])),
             "per feature, its probability of being active in a sample (n values in [0, 1]; independent Bernoulli), e.g. a geometric spectrum"),
    .labeled("low", .double, default: .value(.double(0.5)), "smallest magnitude of an active coefficient"),
    .labeled("high", .double, default: .value(.double(1.5)), "largest magnitude: magnitudes are uniform in [low, high)"),
    .labeled("seed", .int, default: .notebookSeed, "random seed (defaults to the notebook's seed)"),
  ], returns: .record("Dataset"),
    doc: "Samples X = H·V with supports of exactly s features (per sample type) or with given per-feature frequencies, and magnitudes uniform in [low, high) (papers-2.md §0)."
  ) { args, _ in
    let n = try args.positiveInt("features"), d = try args.positiveInt("dim"), samples = try args.positiveInt("samples")
    let test = try args.int("test")
    guard test >= 0 else { throw RuntimeError("test must be ≥ 0, got \(test)", argument: "test") }
    let active = try MatrixBuiltins.ints(args, "active"), frequencies = try args.doubles("frequencies")
    let support: SyntheticSuperposition.Support
    if !frequencies.isEmpty {
      support = .bernoulli(frequencies: frequencies)
    } else {
      guard !active.isEmpty else { throw RuntimeError("give active (exact support sizes) or frequencies", argument: "active") }
      if let bad = active.first(where: { $0 < 0 || $0 > n }) {
        throw RuntimeError("every active count must be in 0…\(n), got \(bad)", argument: "active")
      }
      support = active.count == 1 ? .exactly(active[0]) : .mixture(active.map { (weight: 1.0, support: .exactly($0)) })
    }
    return try dataset(n: n, d: d, samples: samples, test: test, support: support, args: args)
  }

  static func dataset(n: Int, d: Int, samples: Int, test: Int, support: SyntheticSuperposition.Support, args: CallArguments) throws -> Value {
    var rng = RandomSource(seed: UInt64(bitPattern: Int64(try args.int("seed"))))
    let data: SyntheticSuperposition
    do {
      data = try SyntheticSuperposition(
        .init(featureCount: n, dimension: d, sampleCount: try SyntheticBuiltins.rowCount(samples: samples, test: test), support: support,
              magnitude: .uniform(low: try args.double("low"), high: try args.double("high"))),
        using: &rng)
    } catch let e as SAEKitError {
      throw RuntimeError(e.description, argument: "frequencies")
    }
    return SyntheticBuiltins.record(data, samples: samples)
  }
}
