/// The AFA inequality checked on a random unit dictionary (Lee et al. 2025;
/// papers-2.md §3a, §3f item 1).
///
/// A dictionary `W (h × d)` of i.i.d. Gaussian rows normalised to unit norm
/// has the true ε = max_{i≠j} |w_i·w_j| (``DecoderCoherence``). For random
/// sparse codes `f` (exactly `s` active features, chosen uniformly, magnitudes
/// uniform in [0.5, 1.5]) and `z = Σ f_i w_i` the theorem says
///
/// ```
/// 1 − ε(h−1) ≤ ‖z‖²/‖f‖² ≤ 1 + ε(h−1)          (vacuous below when ε(h−1) ≥ 1)
/// 1 − ε(s−1) ≤ ‖z‖²/‖f‖² ≤ 1 + ε(s−1)          (the same argument over the support only)
/// ```
/// The typical deviation is far smaller than either: `w_i·w_j` has mean 0 and
/// variance `1/d`, so `‖z‖²/‖f‖² − 1 = Σ_{i≠j} f_i f_j (w_i·w_j)/‖f‖²` has
/// variance `(2/d)(1 − Σf⁴/‖f‖⁴)` (``predictedRMSDeviation``, the root of its
/// mean over the samples).
public struct QuasiOrthogonalityCheck: Sendable, Equatable {
  /// `h`, `d`, `s`.
  public let width: Int, dimension: Int, active: Int
  /// The dictionary's ε (max |cos|) and mean |cos| between two rows.
  public let epsilon: Double, meanCosine: Double
  /// `‖z‖²/‖f‖²` per sample.
  public let ratios: [Double]
  /// `√(mean (ratio − 1)²)`, measured.
  public let rmsDeviation: Double
  /// `√(mean (2/d)(1 − Σf⁴/‖f‖⁴))`, the random-dictionary prediction.
  public let predictedRMSDeviation: Double

  /// `ε(h−1)`: the theorem's half-width; the bound is vacuous from 1 on.
  public var spread: Double { epsilon * Double(width - 1) }
  /// `ε(s−1)`: the half-width over the support.
  public var supportSpread: Double { epsilon * Double(active - 1) }
  /// Share of samples inside `[1 − ε(h−1), 1 + ε(h−1)]` (must be 1).
  public var insideBound: Double { share { abs($0 - 1) <= spread + 1e-9 } }
  /// Share of samples inside `[1 − ε(s−1), 1 + ε(s−1)]` (must be 1).
  public var insideSupportBound: Double { share { abs($0 - 1) <= supportSpread + 1e-9 } }

  private func share(_ inside: (Double) -> Bool) -> Double {
    ratios.isEmpty ? .nan : Double(ratios.filter(inside).count) / Double(ratios.count)
  }

  /// Draws the dictionary and `samples` codes from `rng`.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` unless `2 ≤ h`, `d ≥ 1`,
  ///   `1 ≤ s ≤ h` and `samples ≥ 1`.
  /// - Complexity: `2·h²·d` FLOPs for ε, `O(samples·s·d)` for the codes.
  public init(width h: Int, dimension d: Int, active s: Int, samples: Int, using rng: inout RandomSource) throws {
    try require(h >= 2 && d >= 1, "a dictionary needs h ≥ 2 rows and d ≥ 1, got h = \(h), d = \(d)")
    try require(s >= 1 && s <= h, "the number of active features must be in 1…h = \(h), got \(s)")
    try require(samples >= 1, "samples must be ≥ 1, got \(samples)")
    // The dictionary, its h × h coherence and one ratio per sample.
    try requireAllocatable(
      "a random dictionary of \(h) atoms in \(d) dimensions with \(samples) samples", [(h, d), (h, h), (samples, 2)],
      sizes: [("width", h), ("dim", d), ("samples", samples)])
    var w = Matrix.gaussian(rows: h, cols: d, using: &rng)
    w.normalizeRows()
    let coherence = try DecoderCoherence(decoder: w)
    var ratios = [Double](), squared = 0.0, predicted = 0.0
    ratios.reserveCapacity(samples)
    var z = [Double](repeating: 0, count: d)
    for _ in 0..<samples {
      let support = rng.sample(s, from: h)
      let f = support.map { _ in rng.uniform(0.5, 1.5) }
      for t in 0..<d { z[t] = 0 }
      for (i, a) in zip(support, f) { for t in 0..<d { z[t] += a * Double(w[i, t]) } }
      let f2 = f.reduce(0) { $0 + $1 * $1 }, f4 = f.reduce(0) { $0 + $1 * $1 * $1 * $1 }
      let ratio = z.reduce(0) { $0 + $1 * $1 } / f2
      ratios.append(ratio)
      squared += (ratio - 1) * (ratio - 1)
      predicted += 2 / Double(d) * (1 - f4 / (f2 * f2))
    }
    width = h
    dimension = d
    active = s
    epsilon = coherence.maxAbsolute
    meanCosine = coherence.meanAbsolute
    self.ratios = ratios
    rmsDeviation = (squared / Double(samples)).squareRoot()
    predictedRMSDeviation = (predicted / Double(samples)).squareRoot()
  }
}
