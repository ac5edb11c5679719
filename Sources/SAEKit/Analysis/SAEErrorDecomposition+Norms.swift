/// Held-out R² of simple predictors of the squared SAE error norm
/// `‖SaeError(x_t)‖²` — the baselines of Fig. 13 (papers-1.md §1a
/// "Baselines for norm prediction", `compare_norm_prediction_to_baselines.py`).
///
/// Every regression appends a column of ones, as Fig. 13 does:
/// ```
/// activation:    ‖e_t‖² ≈ [x_t, 1]·β
/// activationNorm ‖e_t‖² ≈ [‖x_t‖, 1]·β
/// l0:            ‖e_t‖² ≈ [L0_t, 1]·β
/// tokenIdentity: ‖e_t‖² ≈ mean of ‖e_s‖² over fit tokens s with the same token id
///                (ids unseen in the fit split get the fit split's overall mean)
/// ```
/// The paper's point is that `x` beats all of these. The model-CE-loss
/// baseline (iii) is left out: MiniLM has no next-token loss.
public struct NormBaselines: Sendable, Equatable {
  /// R² of `[x, 1]`.
  public let activation: Double
  /// R² of `[‖x‖, 1]`.
  public let activationNorm: Double
  /// R² of `[L0, 1]`, when per-token L0 was given.
  public let l0: Double?
  /// R² of the per-token-id mean, when token ids were given.
  public let tokenIdentity: Double?

  /// Fits every baseline on `split.fitRows` and scores it on `split.testRows`.
  /// - Parameters:
  ///   - x: activations `(N × d)`.
  ///   - squaredErrorNorms: `‖SaeError(x_t)‖²`, `(N)`.
  ///   - l0: optional per-token L0, `(N)`.
  ///   - tokenIDs: optional per-token ids, `(N)`.
  /// - Throws: on length mismatches or a failed solve.
  public init(x: Matrix, squaredErrorNorms y: [Double], l0: [Int]?, tokenIDs: [Int]?, split: TokenSplit) throws {
    activation = try HeldOutRegression.scalar(inputs: x, target: y, split: split, intercept: true).r2
    let norms = try HeldOutRegression.design([x.rowNorms()])
    activationNorm = try Self.constantSafeR2(design: norms, target: y, split: split)
    if let l0 {
      let design = try HeldOutRegression.design([l0.map(Double.init)])
      self.l0 = try Self.constantSafeR2(design: design, target: y, split: split)
    } else {
      self.l0 = nil
    }
    if let tokenIDs {
      tokenIdentity = try Self.tokenIdentityR2(tokenIDs: tokenIDs, target: y, split: split)
    } else {
      tokenIdentity = nil
    }
  }

  /// `[v, 1]` regression; a feature that is constant on the fit split (e.g.
  /// TopK's L0 = k on every token, or ‖x‖ after a LayerNorm without affine
  /// parameters) is collinear with the ones column, so it
  /// falls back to the fit mean alone.
  static func constantSafeR2(design: Matrix, target: [Double], split: TokenSplit) throws -> Double {
    let first = design[split.fitRows[0], 0]
    if split.fitRows.allSatisfy({ design[$0, 0] == first }) {
      let mean = split.fitRows.reduce(0.0) { $0 + target[$1] } / Double(split.fitRows.count)
      return try RSquared.scalar(
        truth: split.testRows.map { Float(target[$0]) },
        prediction: [Float](repeating: Float(mean), count: split.testRows.count))
    }
    return try HeldOutRegression.scalar(inputs: design, target: target, split: split, intercept: true).r2
  }

  /// Held-out R² of predicting each token's target by the fit-split mean of
  /// its token id.
  static func tokenIdentityR2(tokenIDs: [Int], target: [Double], split: TokenSplit) throws -> Double {
    try require(tokenIDs.count == target.count, "tokenIDs has \(tokenIDs.count) entries for \(target.count) tokens")
    var sums = [Int: (sum: Double, count: Int)]()
    var overall = 0.0
    for t in split.fitRows {
      sums[tokenIDs[t], default: (0, 0)].sum += target[t]
      sums[tokenIDs[t], default: (0, 0)].count += 1
      overall += target[t]
    }
    overall /= Double(split.fitRows.count)
    let prediction = split.testRows.map { t -> Float in
      guard let s = sums[tokenIDs[t]] else { return Float(overall) }
      return Float(s.sum / Double(s.count))
    }
    return try RSquared.scalar(truth: split.testRows.map { Float(target[$0]) }, prediction: prediction)
  }
}

extension SAEErrorDecomposition {
  /// Held-out R² of predicting, from `x`, the squared norm of each part of
  /// `x = Sae(x) + LinearError + NonlinearError` (papers-1.md §1a "Norm
  /// predictability of each component", Fig. 7).
  public struct ComponentNormR2: Sendable, Equatable {
    public let activation: Double
    public let reconstruction: Double
    public let saeError: Double
    public let linearError: Double
    public let nonlinearError: Double
  }

  /// Fig. 7's five norm predictions on this decomposition's split. Deviation:
  /// the paper fits `a*` on all tokens for this figure; here `a*` comes from
  /// the fit split, so the held-out components are true out-of-sample parts.
  /// - Parameter intercept: the TMLR version adds a column of ones.
  /// - Throws: on shape mismatches or a failed solve.
  public func componentNormR2(activations x: Matrix, reconstructions: Matrix, intercept: Bool = false) throws
    -> ComponentNormR2
  {
    let parts = try components(activations: x, reconstructions: reconstructions)
    let fitter = intercept == normFitter.design.intercept && normFitter.design.ridge == 0 && normFitter.design.x.rows == split.fitRows.count
      ? normFitter : try HeldOutRegression.Fitter(inputs: x, split: split, intercept: intercept)
    func r2(_ target: Matrix) throws -> Double { try fitter.squaredNorm(of: target).r2 }
    return ComponentNormR2(
      activation: try r2(x), reconstruction: try r2(reconstructions), saeError: try r2(parts.saeError),
      linearError: try r2(parts.linearError), nonlinearError: try r2(parts.nonlinearError))
  }
}
