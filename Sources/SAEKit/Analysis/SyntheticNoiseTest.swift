/// Dark Matter's synthetic validation (Fig. 15, Table 1, App. C.3;
/// papers-1.md §1a "Synthetic validation", `synthetic_simulation.py`, and
/// §1f(i)1): which kind of error turns into linear and which into nonlinear
/// SAE error, on data whose sparse ground truth is known.
///
/// ```
/// x'       = exactly sparse clean signal: codes z (N × F) · dictionary D (F × d) (+ b)
/// x_noised = x' + σ_a·ε_a                                  dense "activation noise"
/// recon    = decode(z ⊙ mask_p) + σ_r·ε_r                  mask_p drops the ⌊p·F⌉ latents with the
///                                                          lowest mean activation ("unlearned
///                                                          features"); σ_r·ε_r = "introduced error"
/// error    = x_noised − recon;   a* = OLS of error on x_noised (all N tokens, no intercept)
/// linear_sum = recon + a*ᵀ x_noised
/// est. linear error    = FVU(recon) − FVU(linear_sum)
/// est. nonlinear error = FVU(linear_sum)
/// FVU = 1 − R² with one grand mean over all entries of x_noised (``DarkMatterStatistics/grandMeanFVU(truth:prediction:)``)
/// Table 1 = Pearson correlations {σ_a, σ_r} × {est. linear, est. nonlinear} over the
///           σ_a × σ_r grid at one p (the script's index [-1] of reversed p-lists: p = 0)
/// ```
/// The paper's grid is `σ_a, σ_r ∈ {0,…,4}` (stds multiplying `randn`),
/// `p ∈ {0, 10, …, 50} %`. Choices made here: the noise draws `ε_a, ε_r` are
/// drawn once and scaled per cell (common random numbers, so the table
/// reflects σ and not resampling), and each σ is multiplied by `noiseUnit`
/// so the grid can be expressed relative to the signal's scale
/// (``GroundTruth/signalRMS``) — Gemma's residual entries are O(1–10), MiniLM
/// or synthetic data are not.
/// `a*` is fitted in sample on all `N` tokens, as the script does; its `d²`
/// coefficients then absorb about `d/N` of even pure noise as "linear", so
/// keep `N ≫ d`.
/// Expected (App. C.3): activation noise and unlearned features → linear
/// error; reconstruction noise → nonlinear error. How much of the dropped
/// features' error is linear depends on superposition: all of it when the
/// features are linearly independent (`n ≤ d`), roughly the dropped share of
/// the variance when `n ≫ d` (then it still rises with `p`).
public struct SyntheticNoiseTest: Sendable {
  /// The grid and seed.
  public struct Config: Sendable, Equatable {
    /// `σ_a` levels (multiplied by `noiseUnit`).
    public var activationNoise: [Double]
    /// `σ_r` levels (multiplied by `noiseUnit`).
    public var reconstructionNoise: [Double]
    /// `p` values in `[0, 1)`: the fraction of latents dropped.
    public var dropFractions: [Double]
    /// The std that a level of 1 stands for.
    public var noiseUnit: Double
    /// Seed of `ε_a, ε_r`.
    public var seed: UInt64

    public init(
      activationNoise: [Double] = [0, 1, 2, 3, 4], reconstructionNoise: [Double] = [0, 1, 2, 3, 4],
      dropFractions: [Double] = [0, 0.1, 0.2, 0.3, 0.4, 0.5], noiseUnit: Double = 1, seed: UInt64 = 0
    ) {
      self.activationNoise = activationNoise
      self.reconstructionNoise = reconstructionNoise
      self.dropFractions = dropFractions
      self.noiseUnit = noiseUnit
      self.seed = seed
    }
  }

  /// One grid cell.
  public struct Cell: Sendable, Equatable {
    public let activationNoise: Double
    public let reconstructionNoise: Double
    public let dropFraction: Double
    /// `FVU(x_noised, recon)`.
    public let reconstructionFVU: Double
    /// `FVU(x_noised, recon + a*ᵀ x_noised)`.
    public let linearSumFVU: Double
    /// `reconstructionFVU − linearSumFVU`.
    public var estimatedLinear: Double { reconstructionFVU - linearSumFVU }
    /// `linearSumFVU`.
    public var estimatedNonlinear: Double { linearSumFVU }
  }

  /// Table 1: Pearson correlations over the σ_a × σ_r cells at one `p`, plus
  /// (not in the paper's table) how the estimates move with `p`: the mean over
  /// σ cells of `corr(p, estimate)` along the `p` axis.
  public struct CorrelationTable: Sendable, Equatable {
    public let activationNoiseVsLinear: Double
    public let activationNoiseVsNonlinear: Double
    public let reconstructionNoiseVsLinear: Double
    public let reconstructionNoiseVsNonlinear: Double
    /// Mean over σ cells of `corr(p, est. linear)`; nil with a single `p`.
    public let dropFractionVsLinear: Double?
    /// Mean over σ cells of `corr(p, est. nonlinear)`; nil with a single `p`.
    public let dropFractionVsNonlinear: Double?
  }

  /// Every cell, ordered by `p`, then `σ_a`, then `σ_r`.
  public let cells: [Cell]
  /// The configuration used.
  public let config: Config

  /// Runs the grid on `truth`.
  /// - Throws: on an empty grid, `p ∉ [0, 1)`, negative σ, or a failed solve.
  public init(truth: GroundTruth, config: Config = Config()) throws {
    try require(!config.activationNoise.isEmpty && !config.reconstructionNoise.isEmpty && !config.dropFractions.isEmpty,
                "synthetic noise test needs at least one level of each kind")
    try require((config.activationNoise + config.reconstructionNoise).allSatisfy { $0.isFinite && $0 >= 0 },
                "noise levels must be finite and ≥ 0")
    try require(config.dropFractions.allSatisfy { $0 >= 0 && $0 < 1 }, "drop fractions must be in [0, 1)")
    try require(config.noiseUnit.isFinite && config.noiseUnit >= 0, "noiseUnit must be finite and ≥ 0")
    let n = truth.clean.rows, d = truth.clean.cols
    let rng = RandomSource(seed: config.seed)
    var activationRng = rng.fork(1), reconstructionRng = rng.fork(2)
    let epsA = Matrix.gaussian(rows: n, cols: d, using: &activationRng)
    let epsR = Matrix.gaussian(rows: n, cols: d, using: &reconstructionRng)
    let order = truth.latentsByMeanActivation()

    var cells = [Cell]()
    for p in config.dropFractions {
      let masked = try truth.decode(dropping: Array(order.prefix(Int((p * Double(truth.codes.width)).rounded()))))
      for sa in config.activationNoise {
        let noised = try truth.clean.adding(epsA.scaled(by: Float(sa * config.noiseUnit)))
        for sr in config.reconstructionNoise {
          let recon = try masked.adding(epsR.scaled(by: Float(sr * config.noiseUnit)))
          let error = try noised.subtracting(recon)
          let fit = try LeastSquares.fit(x: noised, y: error, intercept: false)
          let linearSum = try recon.adding(fit.predict(noised))
          cells.append(Cell(
            activationNoise: sa, reconstructionNoise: sr, dropFraction: p,
            reconstructionFVU: try DarkMatterStatistics.grandMeanFVU(truth: noised, prediction: recon),
            linearSumFVU: try DarkMatterStatistics.grandMeanFVU(truth: noised, prediction: linearSum)))
        }
      }
    }
    self.cells = cells
    self.config = config
  }

  /// Table 1 at drop fraction `p` (the paper: `p = 0`).
  /// - Throws: when `p` is not on the grid or the σ grid has fewer than 2 cells.
  public func correlationTable(dropFraction p: Double = 0) throws -> CorrelationTable {
    let slice = cells.filter { $0.dropFraction == p }
    try require(slice.count >= 2, "correlation table needs ≥ 2 cells at p = \(p) (is p on the grid?)")
    let sa = slice.map(\.activationNoise), sr = slice.map(\.reconstructionNoise)
    let lin = slice.map(\.estimatedLinear), non = slice.map(\.estimatedNonlinear)
    let byDrop = try dropCorrelations()
    return CorrelationTable(
      activationNoiseVsLinear: try DarkMatterStatistics.pearson(sa, lin),
      activationNoiseVsNonlinear: try DarkMatterStatistics.pearson(sa, non),
      reconstructionNoiseVsLinear: try DarkMatterStatistics.pearson(sr, lin),
      reconstructionNoiseVsNonlinear: try DarkMatterStatistics.pearson(sr, non),
      dropFractionVsLinear: byDrop?.linear, dropFractionVsNonlinear: byDrop?.nonlinear)
  }

  /// Mean over the σ_a × σ_r cells of `corr(p, estimate)` along the `p` axis;
  /// nil with a single `p` (a cell whose estimate does not vary counts as 0).
  func dropCorrelations() throws -> (linear: Double, nonlinear: Double)? {
    let drops = config.dropFractions
    guard drops.count > 1 else { return nil }
    var linear = 0.0, nonlinear = 0.0
    for sa in config.activationNoise {
      for sr in config.reconstructionNoise {
        let series = drops.compactMap { cell(activationNoise: sa, reconstructionNoise: sr, dropFraction: $0) }
        linear += try DarkMatterStatistics.pearson(drops, series.map(\.estimatedLinear))
        nonlinear += try DarkMatterStatistics.pearson(drops, series.map(\.estimatedNonlinear))
      }
    }
    let count = Double(config.activationNoise.count * config.reconstructionNoise.count)
    return (linear / count, nonlinear / count)
  }

  /// One error source alone and what the linear map does with it.
  public struct SourceShare: Sendable, Equatable {
    public enum Source: String, Sendable, Equatable, CaseIterable {
      case activationNoise = "activation noise"
      case reconstructionNoise = "reconstruction noise"
      case droppedFeatures = "dropped features"
    }
    public let source: Source
    /// The cell with only this source switched on.
    public let cell: Cell
    /// The share of that source's FVU that `a*ᵀx` removes, `estimatedLinear / reconstructionFVU`
    /// (1: all of it is labelled linear error; 0: all nonlinear).
    public var linearShare: Double { cell.reconstructionFVU > 0 ? cell.estimatedLinear / cell.reconstructionFVU : .nan }
  }

  /// Each source alone, at its smallest non-zero level on the grid (the largest drop
  /// fraction for dropped features) with the other two at 0: how much FVU it adds, and
  /// which share of it the split calls linear — the magnitudes behind Table 1's correlations.
  /// Sources that the grid never switches on alone are left out.
  public func singleSources() -> [SourceShare] {
    let sa = config.activationNoise.filter { $0 > 0 }.min(), sr = config.reconstructionNoise.filter { $0 > 0 }.min()
    let p = config.dropFractions.filter { $0 > 0 }.max()
    var out = [SourceShare]()
    if let sa, let c = cell(activationNoise: sa, reconstructionNoise: 0, dropFraction: 0) {
      out.append(SourceShare(source: .activationNoise, cell: c))
    }
    if let sr, let c = cell(activationNoise: 0, reconstructionNoise: sr, dropFraction: 0) {
      out.append(SourceShare(source: .reconstructionNoise, cell: c))
    }
    if let p, let c = cell(activationNoise: 0, reconstructionNoise: 0, dropFraction: p) {
      out.append(SourceShare(source: .droppedFeatures, cell: c))
    }
    return out
  }

  /// The cell at the given levels, if it is on the grid.
  public func cell(activationNoise sa: Double, reconstructionNoise sr: Double, dropFraction p: Double) -> Cell? {
    cells.first { $0.activationNoise == sa && $0.reconstructionNoise == sr && $0.dropFraction == p }
  }
}
