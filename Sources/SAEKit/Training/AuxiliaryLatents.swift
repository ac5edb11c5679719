/// Which latents the auxiliary loss (``AuxKLoss``) lets reconstruct the
/// residual, and how much each one counts: one family for AuxK and
/// aux_zipf_loss. How they are ranked comes from the activation
/// (``SparseActivation/auxiliaryRanking``: by value, or by magnitude for AbsTopK).
///
/// ```
/// dead:       S = {j : j has not fired for the dead window},   w_j = 1         (AuxK, Gao et al. 2024)
/// underused:  S = {j : f_j < γ·E_j},  E_j = Ĉ·rank_j^{−α̂},     w_j = 1 or 1 − f_j / (γ·E_j)
/// ```
/// For `underused` (aux_zipf_loss, Ayonrinde 2024) `f_j` is latent `j`'s
/// firing frequency so far, `rank_j` its density rank and `Ĉ, α̂` a
/// ``ZipfFit`` to the densities' head; a latent that never fired has
/// shortfall weight 1. The paper's exact set and weights were not recovered
/// (papers-1.md §4a): this is its documented, parameterised reading, and
/// `dead` is the special case the paper generalises. The weight scales the
/// latent's aux code, `z_aux_j = w_j · code_j` (so its gradients too).
public enum AuxiliaryLatents: Sendable, Equatable {
  /// AuxK: latents dead for the dead window, weight 1.
  case dead
  /// aux_zipf_loss: latents below `slack` times their Zipf-expected density.
  case underused(slack: Float = 1, weighting: AuxiliaryWeighting = .shortfall)

  /// The latents (ascending ids) and their weights, from the firing so far.
  /// Empty while the densities cannot be fitted (fewer than two latents fired).
  public func select(_ tracker: LatentFiringTracker) -> AuxiliarySet {
    switch self {
    case .dead:
      return AuxiliarySet(unweighted: tracker.deadLatents.map(Int32.init))
    case .underused(let slack, let weighting):
      let f = tracker.firingFrequencies
      guard let fit = try? ZipfFit(densities: f) else { return AuxiliarySet(latents: [], weights: []) }
      let ranks = DensityRank.ranks(f)
      var set = AuxiliarySet(latents: [], weights: [])
      for j in 0..<f.count {
        let expected = Double(slack) * fit.expected(rank: ranks[j])
        guard f[j] < expected else { continue }
        set.latents.append(Int32(j))
        set.weights.append(weighting == .uniform ? 1 : Float(1 - f[j] / expected))
      }
      return set
    }
  }

  /// Checks the hyper-parameters.
  func validate() throws {
    if case .underused(let slack, _) = self {
      try require(slack > 0 && slack.isFinite, "the Zipf slack γ must be a finite number > 0, got \(slack)")
    }
  }
}

/// How aux_zipf_loss weights an under-utilised latent.
public enum AuxiliaryWeighting: String, Sendable, Equatable, CaseIterable {
  /// Every selected latent counts fully.
  case uniform
  /// By its shortfall `1 − f_j / expected_j`, in `(0, 1]`.
  case shortfall
}

/// The latents of an auxiliary loss (ascending ids) with their weights.
public struct AuxiliarySet: Sendable, Equatable {
  public var latents: [Int32]
  public var weights: [Float]

  public init(latents: [Int32], weights: [Float]) {
    self.latents = latents
    self.weights = weights
  }

  /// Every latent of `ids` with weight 1 (AuxK's dead set).
  public init(unweighted ids: [Int32]) {
    self.init(latents: ids, weights: [Float](repeating: 1, count: ids.count))
  }
}
