/// The linear / nonlinear split of an SAE's error (Engels, Riggs & Tegmark
/// 2024, "Decomposing the Dark Matter of Sparse Autoencoders";
/// papers-1.md §1a "Linear / nonlinear split", "Norm prediction",
/// "R² as the code computes it", §1g).
///
/// ```
/// SaeError(x)       = x − Sae(x)                                  (Dark Matter's sign)
/// a*                = argmin_a Σ_{t ∈ fit} ‖SaeError(x_t) − aᵀx_t‖²   (OLS, no intercept by default)
/// LinearError(x)    = a*ᵀx
/// NonlinearError(x) = SaeError(x) − LinearError(x)
///                     so x = Sae(x) + LinearError(x) + NonlinearError(x)
/// b*                = argmin_b Σ_{t ∈ fit} (‖SaeError(x_t)‖² − bᵀx_t)²   (SQUARED norm; no intercept
///                                                                      in the Fig. 1/7 fits)
/// ```
/// In row-major code a token is a row, so `aᵀx` is `x·A` with `A (d × d)`.
///
/// Scores (each named as the paper uses it):
/// - vector R², held out: per-dimension mean (the headline, "about half of
///   the error vector") and pooled (§1g: they differ on anisotropic data);
/// - norm R², held out (">90% of the squared norm");
/// - `totalFVU = FVU(x, Sae(x))` and `nonlinearFVU = FVU(x, Sae(x) + a*ᵀx)`,
///   pooled FVU over **all** tokens including the fit tokens, as the paper's
///   "FVU with prediction" (§1a); `linearFVU = totalFVU − nonlinearFVU`
///   (the "linear error" slice of §1a's width decomposition); the same two
///   FVUs on the held-out tokens only are kept for an honest comparison;
/// - baselines for the norm prediction (Fig. 13): `[x, 1]`, `[‖x‖, 1]`,
///   `[L0, 1]` and the per-token-id mean (the CE-loss baseline needs a
///   next-token loss, which MiniLM does not have).
///
/// Memory: the least-squares solve holds the fit rows in Double with `d + 1`
/// design and `d` target columns (≈ 16·N_fit·d bytes); subsample tokens when
/// that is too much.
public struct SAEErrorDecomposition: Sendable {
  /// How to split and fit.
  public struct Options: Sendable, Equatable {
    /// Share of tokens in the fit split (paper: 150,000 of 246,900).
    public var fitFraction: Double
    /// Seed of the split permutation.
    public var seed: UInt64
    /// Adds an intercept to `a*` (the paper has none).
    public var intercept: Bool
    /// Ridge `λ` for `a*` (the paper uses plain OLS, `λ = 0`).
    public var ridge: Double
    /// Adds an intercept to the headline norm fit `b*` (Fig. 1/7: none; the
    /// TMLR Fig. 7 and Fig. 13 add one — the baselines always do).
    public var normIntercept: Bool

    public init(
      fitFraction: Double = TokenSplit.paperFitFraction, seed: UInt64 = 0, intercept: Bool = false,
      ridge: Double = 0, normIntercept: Bool = false
    ) {
      self.fitFraction = fitFraction
      self.seed = seed
      self.intercept = intercept
      self.ridge = ridge
      self.normIntercept = normIntercept
    }
  }

  /// The three parts of `x − Sae(x)` for a batch.
  public struct Components: Sendable, Equatable {
    /// `SaeError = X − X̂`, `(N × d)`.
    public let saeError: Matrix
    /// `LinearError = X·A*` (+ intercept), `(N × d)`.
    public let linearError: Matrix
    /// `NonlinearError = SaeError − LinearError`, `(N × d)`.
    public let nonlinearError: Matrix
  }

  /// The fit / held-out split of the tokens.
  public let split: TokenSplit
  /// The norm regressions' prepared design (reused by ``componentNormR2(activations:reconstructions:intercept:)``).
  let normFitter: HeldOutRegression.Fitter
  /// `a*` as `A (d × d)` (row `i` maps input dimension `i`), plus the intercept if requested.
  public let linearMap: LinearFit
  /// Held-out R² of `SaeError ≈ x·A*`; `.mean` is the paper's headline.
  public let vectorR2: RSquared
  /// `b* (d × 1)` of the squared-norm prediction.
  public let normFit: LinearFit
  /// Held-out R² of `‖SaeError‖² ≈ x·b*`.
  public let normR2: Double
  /// Held-out R² of the norm baselines (Fig. 13).
  public let normBaselines: NormBaselines
  /// `FVU(x, Sae(x))` over all tokens.
  public let totalFVU: Double
  /// `FVU(x, Sae(x) + LinearError)` over all tokens (`= Σ‖NonlinearError‖² / Σ‖x − x̄‖²`).
  public let nonlinearFVU: Double
  /// `FVU(x, Sae(x))` over the held-out tokens only.
  public let heldOutTotalFVU: Double
  /// `FVU(x, Sae(x) + LinearError)` over the held-out tokens only.
  public let heldOutNonlinearFVU: Double
  /// `Σ‖LinearError‖² / Σ‖SaeError‖²` over all tokens (the "norm share" of Fig. 9's table).
  public let linearNormShare: Double

  /// `totalFVU − nonlinearFVU`: the part of the FVU the linear map removes.
  public var linearFVU: Double { totalFVU - nonlinearFVU }

  /// Decomposes the error of given reconstructions.
  /// - Parameters:
  ///   - x: activations `(N × d)`, one token per row.
  ///   - reconstructions: `Sae(x)`, `(N × d)`, in the same units.
  ///   - l0: per-token number of active latents, for the `[L0, 1]` baseline.
  ///   - tokenIDs: per-token vocabulary ids, for the per-token-id mean baseline.
  ///   - split: which rows to fit on and which to score on; nil splits by a seeded
  ///     permutation (`options.fitFraction`, `options.seed`), e.g. an explicit split keeps
  ///     whole texts on one side.
  /// - Throws: on shape mismatches, fewer fit tokens than unknowns, or a failed solve.
  public init(
    activations x: Matrix, reconstructions: Matrix, l0: [Int]? = nil, tokenIDs: [Int]? = nil,
    options: Options = Options(), split explicitSplit: TokenSplit? = nil
  ) throws {
    guard x.shape == reconstructions.shape else {
      throw SAEKitError.shapeMismatch(operation: "SAE error decomposition (X vs Sae(X))", lhs: x.shape, rhs: reconstructions.shape)
    }
    let n = x.rows
    if let l0 { try require(l0.count == n, "l0 has \(l0.count) entries for \(n) tokens") }
    if let tokenIDs { try require(tokenIDs.count == n, "tokenIDs has \(tokenIDs.count) entries for \(n) tokens") }
    let split = try explicitSplit ?? TokenSplit(tokenCount: n, fitFraction: options.fitFraction, seed: options.seed)
    try split.validate(tokenCount: n)
    let error = try x.subtracting(reconstructions)

    let vectorFitter = try HeldOutRegression.Fitter(inputs: x, split: split, intercept: options.intercept, ridge: options.ridge)
    let normFitter = options.normIntercept == options.intercept && options.ridge == 0
      ? vectorFitter : try HeldOutRegression.Fitter(inputs: x, split: split, intercept: options.normIntercept)
    let vector = try vectorFitter.vector(targets: error)
    let parts = try Self.components(x: x, error: error, map: vector.fit)
    let norm = try normFitter.squaredNorm(of: error)

    self.split = split
    self.normFitter = normFitter
    linearMap = vector.fit
    vectorR2 = vector.r2
    normFit = norm.fit
    normR2 = norm.r2
    normBaselines = try NormBaselines(
      x: x, squaredErrorNorms: error.rowSquaredNorms(), l0: l0, tokenIDs: tokenIDs, split: split)

    let linearSum = try reconstructions.adding(parts.linearError)
    totalFVU = try ReconstructionMetrics.fractionOfVarianceUnexplained(x: x, reconstruction: reconstructions)
    nonlinearFVU = try ReconstructionMetrics.fractionOfVarianceUnexplained(x: x, reconstruction: linearSum)
    let testX = x.rows(split.testRows)
    heldOutTotalFVU = try ReconstructionMetrics.fractionOfVarianceUnexplained(
      x: testX, reconstruction: reconstructions.rows(split.testRows))
    heldOutNonlinearFVU = try ReconstructionMetrics.fractionOfVarianceUnexplained(
      x: testX, reconstruction: linearSum.rows(split.testRows))
    let errorSquared = error.sumOfSquares()
    linearNormShare = errorSquared > 0 ? parts.linearError.sumOfSquares() / errorSquared : 0
  }

  /// Decomposes the error of `sae` on `x`; the per-token L0 (`≠ 0` count,
  /// papers-1.md §0) feeds the L0 baseline.
  /// - Throws: as the main initialiser, or when `x` does not fit the SAE.
  public init(
    activations x: Matrix, sae: SparseAutoencoder, tokenIDs: [Int]? = nil, options: Options = Options(),
    split: TokenSplit? = nil
  ) throws {
    let codes = try sae.encode(x)
    try self.init(
      activations: x, reconstructions: try sae.decode(codes), l0: ReconstructionMetrics.l0(codes),
      tokenIDs: tokenIDs, options: options, split: split)
  }

  /// `SaeError`, `LinearError` and `NonlinearError` of any batch under the
  /// fitted `a*` (e.g. all tokens, for patching or for training SAEs on a part).
  /// - Throws: on shape mismatches.
  public func components(activations x: Matrix, reconstructions: Matrix) throws -> Components {
    guard x.shape == reconstructions.shape else {
      throw SAEKitError.shapeMismatch(operation: "SAE error components (X vs Sae(X))", lhs: x.shape, rhs: reconstructions.shape)
    }
    return try Self.components(x: x, error: x.subtracting(reconstructions), map: linearMap)
  }

  /// `a*` fitted on all of `x` (no held-out scoring): the linear map that
  /// splits every other batch of the same layer, e.g. one fitted on held-out
  /// texts and applied to training texts.
  /// - Throws: on shape mismatches, fewer tokens than unknowns, or a failed solve.
  public static func linearMap(
    activations x: Matrix, reconstructions: Matrix, intercept: Bool = false, ridge: Double = 0
  ) throws -> LinearFit {
    guard x.shape == reconstructions.shape else {
      throw SAEKitError.shapeMismatch(operation: "fitting a* (X vs Sae(X))", lhs: x.shape, rhs: reconstructions.shape)
    }
    return try LeastSquares.fit(x: x, y: x.subtracting(reconstructions), intercept: intercept, ridge: ridge)
  }

  /// `SaeError`, `LinearError` and `NonlinearError` of `x` under a given `a*`.
  /// - Throws: on shape mismatches.
  public static func components(activations x: Matrix, reconstructions: Matrix, linearMap: LinearFit) throws -> Components {
    guard x.shape == reconstructions.shape else {
      throw SAEKitError.shapeMismatch(operation: "SAE error components (X vs Sae(X))", lhs: x.shape, rhs: reconstructions.shape)
    }
    return try components(x: x, error: x.subtracting(reconstructions), map: linearMap)
  }

  static func components(x: Matrix, error: Matrix, map: LinearFit) throws -> Components {
    let linear = try map.predict(x)
    return Components(saeError: error, linearError: linear, nonlinearError: try error.subtracting(linear))
  }
}
