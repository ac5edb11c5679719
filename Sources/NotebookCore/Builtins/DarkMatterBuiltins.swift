import SAEKit

/// `darkMatter.*`: the analyses of Engels, Riggs & Tegmark (2024), "Decomposing
/// the Dark Matter of Sparse Autoencoders" (papers-1.md §1), over SAEKit's
/// `Analysis` library.
///
/// ```
/// SaeError(x)       = x − Sae(x)
/// a*                = argmin_a Σ_{t ∈ fit} ‖SaeError(x_t) − aᵀx_t‖²   (OLS, no intercept)
/// LinearError(x)    = a*ᵀx,   NonlinearError(x) = SaeError(x) − a*ᵀx
/// ```
/// Every regression is fitted on a seeded share of the tokens (`fitFraction`,
/// the paper's 150,000 / 246,900 by default) and scored on the rest.
/// The builtins live in `DarkMatterBuiltins+*.swift`: tokens and block sums,
/// the split and its parts, width scaling, gradient pursuit and earlier
/// components, patched fidelity, and the synthetic noise test.
enum DarkMatterBuiltins {
  static func register(_ r: inout Registry) {
    r.addNamespace("darkMatter", doc: "The dark-matter analyses of SAE error (Engels, Riggs & Tegmark 2024): linear/nonlinear split, width scaling, gradient pursuit, patched fidelity, synthetic noise test.")
    for record in [errorSplit, errorComponents, perTokenRecord, powerLawRecord, pursuitRecord, blockRecord,
                   explainRecord, fidelityRecord, noiseTestRecord] {
      r.addRecord(record)
    }
    r.add(blockActivations)
    r.add(split)
    r.add(components)
    r.add(perToken)
    r.add(powerLaw)
    r.add(pursuit)
    r.add(explainError)
    r.add(fidelity)
    r.add(noiseTest)
    r.add(noiseTestOnSAE)
  }

  // MARK: - Shared parameters and helpers

  /// `fitFraction:` and `seed:` of every held-out regression.
  static let splitParameters: [Parameter] = [
    .labeled("fitFraction", .double, default: .value(.double(TokenSplit.paperFitFraction)),
             "share of tokens the regressions are fitted on (the rest score them); the paper's 150,000 / 246,900"),
    .labeled("seed", .int, default: .notebookSeed, "seed of the fit/held-out permutation (defaults to the notebook's seed)"),
  ]

  /// `fitOn:` and `fitTokenIds:`: fit the regressions on one set of tokens and score them on another.
  static let fitOnParameters: [Parameter] = [
    .labeled("fitOn", .matrix, default: .absent, "other tokens of the same layer to fit the regressions on (e.g. split.fit.x); 'on' then only scores them. Default: a seeded share of 'on' (fitFraction:)"),
    .labeled("fitTokenIds", .array(.int), default: .absent, "the vocabulary ids of the fitOn tokens (with tokenIds:, for the token-identity baseline)"),
  ]

  /// The tokens a regression analysis runs on: `on` (with `tokenIds`) split by
  /// a seeded permutation, or `[fitOn; on]` fitted on the first and scored on
  /// the second when `fitOn:` is given.
  static func analysedTokens(_ args: CallArguments, on x: Matrix, tokenIds: [Int]?) throws -> (x: Matrix, tokenIds: [Int]?, split: TokenSplit?) {
    guard args.has("fitOn") else {
      guard !args.has("fitTokenIds") else { throw RuntimeError("fitTokenIds: needs fitOn:", argument: "fitTokenIds") }
      return (x, tokenIds, nil)
    }
    let fit = try data(args, "fitOn", minimumRows: 8)
    guard fit.cols == x.cols else {
      throw RuntimeError("'fitOn' has \(fit.cols) columns but 'on' has \(x.cols)", argument: "fitOn")
    }
    var ids: [Int]? = nil
    switch (tokenIds, args.has("fitTokenIds")) {
    case (nil, false): break
    case (let onIds?, true):
      let fitIds = try args.ints("fitTokenIds")
      guard fitIds.count == fit.rows else {
        throw RuntimeError("fitTokenIds has \(fitIds.count) entries for \(fit.rows) tokens", argument: "fitTokenIds")
      }
      ids = fitIds + onIds
    case (nil, true): throw RuntimeError("fitTokenIds: needs tokenIds: for the scored tokens too", argument: "fitTokenIds")
    case (_?, false): throw RuntimeError("tokenIds: needs fitTokenIds: for the fitOn tokens too", argument: "tokenIds")
    }
    let stacked = try attributing("fitOn") { try Matrix.vstack([fit, x]) }
    return (stacked, ids, try attributing("fitOn") { try TokenSplit.stacked(fitCount: fit.rows, testCount: x.rows) })
  }

  /// The decomposition options from `fitFraction:`, `seed:` and, when declared, `intercept:`.
  static func options(_ args: CallArguments) throws -> SAEErrorDecomposition.Options {
    let fraction = try args.double("fitFraction")
    guard fraction > 0 && fraction < 1 else {
      throw RuntimeError("fitFraction must be in (0, 1), got \(fraction)", argument: "fitFraction")
    }
    var o = SAEErrorDecomposition.Options(fitFraction: fraction, seed: try seed(args))
    if args.has("intercept") { o.intercept = try args.bool("intercept") }
    return o
  }

  static func seed(_ args: CallArguments, _ name: String = "seed") throws -> UInt64 {
    UInt64(bitPattern: Int64(try args.int(name)))
  }

  /// The SAE argument `name`, checked against the data's dimension.
  static func sae(_ args: CallArguments, _ name: String, dimension d: Int, data: String) throws -> TrainedSAE {
    let s = try args.sae(name)
    guard s.model.dimension == d else {
      throw RuntimeError("the SAE expects d = \(s.model.dimension) but '\(data)' has \(d) columns", argument: name)
    }
    return s
  }

  /// A matrix argument with at least `minimum` rows.
  static func data(_ args: CallArguments, _ name: String, minimumRows minimum: Int = 2) throws -> Matrix {
    let x = try args.matrix(name)
    guard x.rows >= minimum else {
      throw RuntimeError("'\(name)' needs at least \(minimum) rows, got \(x.rows)", argument: name)
    }
    return x
  }

  /// An Activations argument.
  static func activations(_ args: CallArguments, _ name: String) throws -> ActivationsValue {
    guard case .activations(let a)? = args.values[name] else {
      throw RuntimeError("'\(name)' must be Activations, got \(args.values[name]?.type.description ?? "nothing")", argument: name)
    }
    return a
  }

  static func doubles(_ values: [Double]) -> Value { .array(values.map(Value.double)) }
  static func ints(_ values: [Int]) -> Value { .array(values.map(Value.int)) }

  /// `count` evenly spaced rows of `0..<total` (all rows when `count` is 0 or ≥ total).
  static func evenlySpacedRows(_ count: Int, of total: Int) -> [Int] {
    guard count > 0 && count < total else { return Array(0..<total) }
    return (0..<count).map { $0 * total / count }
  }
}
