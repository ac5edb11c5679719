/// Can other parts of the model predict an SAE's error? Dark Matter §6.2 /
/// Fig. 10b (papers-1.md §1a "Earlier-layer / other-component prediction"):
/// the SAE's `SaeError`, `LinearError` and `NonlinearError` are regressed on
/// *explainers* — SAE reconstructions of the layer itself and of earlier
/// components (the previous layer, the attention and MLP outputs) — one at a
/// time and in combination.
///
/// ```
/// a*                      given (fitted elsewhere, e.g. on held-out texts)
/// targets on a token set  SaeError = x − Sae(x), LinearError = a*ᵀx, NonlinearError = the rest
/// for each subset S       OLS of each target on [E_i for i in S] over the fit tokens,
///                         R² (per-dimension mean and pooled) on the test tokens
/// ```
///
/// The fit tokens and the test tokens are separate sets (e.g. training texts
/// for the fit, held-out texts for the score); every subset is solved from one
/// Gram matrix (``SubsetRegression``).
public enum ErrorExplanation {
  /// The held-out R² of the three parts of the error on one set of explainers.
  public struct Result: Sendable, Equatable {
    /// Indices of the explainers, ascending.
    public let subset: [Int]
    /// Number of explanatory columns.
    public let columns: Int
    public let fitTokens: Int
    public let testTokens: Int
    /// `SaeError = x − Sae(x)`.
    public let error: RSquared
    public let linear: RSquared
    public let nonlinear: RSquared
  }

  /// Regresses the error parts of `sae` under `linearMap` on every subset of explainers.
  /// - Parameters:
  ///   - fit: the fit tokens' activations `x` and explainers (one row per token each).
  ///   - test: the same for the tokens that score the fits.
  /// - Throws: on shape mismatches, more columns than fit tokens, collinear explainers, or bad subsets.
  public static func analyse(
    sae: SparseAutoencoder, linearMap: LinearFit, fit: (x: Matrix, explainers: [Matrix]),
    test: (x: Matrix, explainers: [Matrix]), subsets: [[Int]], intercept: Bool = false
  ) throws -> [Result] {
    for e in fit.explainers where e.rows != fit.x.rows {
      throw SAEKitError.shapeMismatch(operation: "explaining the error (fit explainer vs fit tokens)", lhs: e.shape, rhs: fit.x.shape)
    }
    for e in test.explainers where e.rows != test.x.rows {
      throw SAEKitError.shapeMismatch(operation: "explaining the error (test explainer vs test tokens)", lhs: e.shape, rhs: test.x.shape)
    }
    let fitParts = try SAEErrorDecomposition.components(activations: fit.x, reconstructions: sae.reconstruct(fit.x), linearMap: linearMap)
    let testParts = try SAEErrorDecomposition.components(activations: test.x, reconstructions: sae.reconstruct(test.x), linearMap: linearMap)
    let fits = try SubsetRegression.fit(
      explainers: fit.explainers, targets: [fitParts.saeError, fitParts.linearError, fitParts.nonlinearError],
      testExplainers: test.explainers, testTargets: [testParts.saeError, testParts.linearError, testParts.nonlinearError],
      subsets: subsets, intercept: intercept)
    return fits.map {
      Result(subset: $0.subset, columns: $0.columns, fitTokens: fit.x.rows, testTokens: test.x.rows,
             error: $0.r2[0], linear: $0.r2[1], nonlinear: $0.r2[2])
    }
  }
}
