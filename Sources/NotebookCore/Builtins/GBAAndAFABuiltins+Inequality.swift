import SAEKit

/// `afaInequality`: the AFA theorem checked on a random unit dictionary
/// (papers-2.md §3f item 1) over SAEKit's `QuasiOrthogonalityCheck`.
extension GBAAndAFABuiltins {
  static let afaInequalityRecord = RecordType("AFAInequality", doc: "The AFA inequality (1 − ε(h−1))‖f‖² ≤ ‖z‖² ≤ (1 + ε(h−1))‖f‖² on one random unit dictionary with its true ε, for random codes with exactly s active features (magnitudes uniform in [0.5, 1.5]).", fields: [
    ("width", .int, "h, rows of the dictionary"),
    ("dim", .int, "d, their dimension"),
    ("active", .int, "s, active features per code"),
    ("epsilon", .double, "the dictionary's true ε: max |cos| between two rows"),
    ("meanCosine", .double, "mean |cos| between two rows"),
    ("spread", .double, "ε(h−1): the bound is [1 − ε(h−1), 1 + ε(h−1)]"),
    ("vacuous", .bool, "ε(h−1) ≥ 1: the lower bound is ≤ 0 and says nothing"),
    ("supportSpread", .double, "ε(s−1): the same bound over the s active features only"),
    ("ratios", .array(.double), "per code, ‖z‖²/‖f‖²"),
    ("minRatio", .double, "smallest ‖z‖²/‖f‖²"),
    ("maxRatio", .double, "largest ‖z‖²/‖f‖²"),
    ("insideBound", .double, "share of codes inside [1 − ε(h−1), 1 + ε(h−1)] (the theorem: 1)"),
    ("insideSupportBound", .double, "share inside [1 − ε(s−1), 1 + ε(s−1)] (also 1)"),
    ("rmsDeviation", .double, "√mean(‖z‖²/‖f‖² − 1)², the typical deviation"),
    ("predictedRMS", .double, "√mean((2/d)(1 − Σf⁴/‖f‖⁴)): the typical deviation predicted from cos(w_i, w_j) having variance 1/d"),
    ("epsilonRootS", .double, "ε·√s, the rough typical deviation papers-2.md §3f proposes"),
  ])

  static let afaInequality = Builtin("afaInequality", [
    .labeled("width", .int, "h, rows of the random unit dictionary"),
    .labeled("dim", .int, "d, their dimension"),
    .labeled("active", .int, "s, active features per random code"),
    .labeled("samples", .int, default: .value(.int(2000)), "number of random codes"),
    .labeled("seed", .int, default: .notebookSeed, "random seed (defaults to the notebook's seed)"),
  ], returns: .record("AFAInequality"),
    doc: "Checks the AFA theorem (Lee et al. 2025) on a random unit dictionary: its true ε, the range of ‖z‖²/‖f‖² for random sparse codes against [1 − ε(h−1), 1 + ε(h−1)], and the typical deviation (2·h²·d FLOPs for ε)."
  ) { args, _ in
    var rng = RandomSource(seed: UInt64(bitPattern: Int64(try args.int("seed"))))
    let check: QuasiOrthogonalityCheck
    do {
      check = try QuasiOrthogonalityCheck(
        width: try args.int("width"), dimension: try args.int("dim"), active: try args.int("active"),
        samples: try args.int("samples"), using: &rng)
    } catch let e as SAEKitError {
      throw RuntimeError(e.description, argument: "width")
    }
    return .record(Record("AFAInequality", [
      ("width", .int(check.width)), ("dim", .int(check.dimension)), ("active", .int(check.active)),
      ("epsilon", .double(check.epsilon)), ("meanCosine", .double(check.meanCosine)),
      ("spread", .double(check.spread)), ("vacuous", .bool(check.spread >= 1)),
      ("supportSpread", .double(check.supportSpread)), ("ratios", DarkMatterBuiltins.doubles(check.ratios)),
      ("minRatio", .double(check.ratios.min() ?? .nan)), ("maxRatio", .double(check.ratios.max() ?? .nan)),
      ("insideBound", .double(check.insideBound)), ("insideSupportBound", .double(check.insideSupportBound)),
      ("rmsDeviation", .double(check.rmsDeviation)), ("predictedRMS", .double(check.predictedRMSDeviation)),
      ("epsilonRootS", .double(check.epsilon * Double(check.active).squareRoot())),
    ]))
  }
}
