import Foundation

extension SyntheticSuperposition {
  /// How many, and which, of the `n` features are active in one sample.
  public enum Support: Sendable {
    /// Exactly `s` distinct features, uniformly without replacement.
    case exactly(Int)
    /// Feature `i` is active independently with probability `frequencies[i]`
    /// (`n` values in `[0, 1]`), so a sample has `Σ f_i` active features on average.
    case bernoulli(frequencies: [Double])
    /// Bernoulli with a Zipf spectrum `f_i ∝ (i + 1)^(−exponent)`, built for the
    /// config's `n` by ``zipfFrequencies(count:exponent:meanActive:)``.
    case zipf(exponent: Double, meanActive: Double)
    /// Bernoulli with a geometric spectrum `f_i ∝ ratio^i`, built for the
    /// config's `n` by ``geometricFrequencies(count:ratio:meanActive:)``.
    case geometric(ratio: Double, meanActive: Double)
    /// Each sample first picks a component with probability proportional to
    /// `weight`, then draws its support from that component.
    case mixture([(weight: Double, support: Support)])

    /// The marginal firing probability of every feature, `(n)`:
    /// `s/n` for ``exactly(_:)``, `f_i` for the Bernoulli forms, and the
    /// weight-averaged marginals for a mixture.
    /// - Throws: when the support is invalid for `featureCount`.
    public func frequencies(featureCount n: Int) throws -> [Double] {
      switch self {
      case .exactly(let s):
        try require(s >= 0 && s <= n, "exactly(\(s)) needs 0 ≤ s ≤ n = \(n)")
        return [Double](repeating: Double(s) / Double(n), count: n)
      case .bernoulli(let f):
        try SyntheticSuperposition.validate(frequencies: f, featureCount: n)
        return f
      case .zipf(let exponent, let meanActive):
        return try SyntheticSuperposition.zipfFrequencies(count: n, exponent: exponent, meanActive: meanActive)
      case .geometric(let ratio, let meanActive):
        return try SyntheticSuperposition.geometricFrequencies(count: n, ratio: ratio, meanActive: meanActive)
      case .mixture(let parts):
        let total = try SyntheticSuperposition.validate(weights: parts.map(\.weight))
        var out = [Double](repeating: 0, count: n)
        for part in parts {
          let f = try part.support.frequencies(featureCount: n)
          for i in 0..<n { out[i] += part.weight / total * f[i] }
        }
        return out
      }
    }

    /// The expected number of active features per sample, `Σ_i f_i`.
    public func meanActive(featureCount n: Int) throws -> Double {
      try frequencies(featureCount: n).reduce(0, +)
    }
  }

  /// The distribution of an active feature's coefficient magnitude `|h|`.
  public enum Magnitude: Sendable, Equatable {
    /// Always `c`.
    case constant(Double)
    /// `U[low, high)`.
    case uniform(low: Double, high: Double)
    /// `exp(N(mu, sigma²))`.
    case logNormal(mu: Double, sigma: Double)
    /// `|N(mean, std²)|`.
    case foldedNormal(mean: Double, std: Double)

    /// One draw.
    @inline(__always)
    func sample(_ rng: inout RandomSource) -> Double {
      switch self {
      case .constant(let c): return c
      case .uniform(let low, let high): return rng.uniform(low, high)
      case .logNormal(let mu, let sigma): return exp(rng.gaussian(mean: mu, std: sigma))
      case .foldedNormal(let mean, let std): return abs(rng.gaussian(mean: mean, std: std))
      }
    }

    func validate() throws {
      switch self {
      case .constant(let c):
        try require(c.isFinite, "constant magnitude must be finite, got \(c)")
      case .uniform(let low, let high):
        try require(low.isFinite && high.isFinite && low <= high, "uniform magnitude needs finite low ≤ high, got [\(low), \(high))")
      case .logNormal(let mu, let sigma):
        try require(mu.isFinite && sigma.isFinite && sigma >= 0, "log-normal magnitude needs finite mu and sigma ≥ 0")
      case .foldedNormal(let mean, let std):
        try require(mean.isFinite && std.isFinite && std >= 0, "folded-normal magnitude needs finite mean and std ≥ 0")
      }
    }
  }

  /// A Zipf frequency spectrum: `f_i ∝ (i + 1)^(−exponent)` for `i < count`,
  /// scaled so that `Σ f_i = meanActive` with every `f_i ≤ 1`
  /// (see ``scaledFrequencies(weights:meanActive:)``). Feature 0 is the most frequent.
  /// - Throws: unless `exponent ≥ 0` and `0 < meanActive ≤ count`.
  public static func zipfFrequencies(count: Int, exponent: Double, meanActive: Double) throws -> [Double] {
    try require(exponent.isFinite && exponent >= 0, "Zipf exponent must be finite and ≥ 0, got \(exponent)")
    let weights = (0..<max(count, 0)).map { pow(Double($0 + 1), -exponent) }
    return try scaledFrequencies(weights: weights, meanActive: meanActive)
  }

  /// A geometric frequency spectrum: `f_i ∝ ratio^i` for `i < count`, scaled
  /// so that `Σ f_i = meanActive` with every `f_i ≤ 1`. Feature 0 is the most frequent.
  /// - Throws: unless `0 < ratio ≤ 1` and `0 < meanActive ≤ count`.
  public static func geometricFrequencies(count: Int, ratio: Double, meanActive: Double) throws -> [Double] {
    try require(ratio > 0 && ratio <= 1, "geometric ratio must be in (0, 1], got \(ratio)")
    let logRatio = log(ratio)
    let weights = (0..<max(count, 0)).map { exp(Double($0) * logRatio) }
    return try scaledFrequencies(weights: weights, meanActive: meanActive)
  }

  /// Scales non-negative `weights` to frequencies with `Σ f_i = meanActive`
  /// and `f_i ≤ 1`.
  ///
  /// Plain scaling `f_i = w_i · meanActive / Σ w` can push the largest
  /// frequencies above 1; those are clipped to 1 and the remaining mass is
  /// spread over the unclipped features by re-scaling them, repeated until no
  /// frequency exceeds 1 ("water filling"). The sum is therefore exactly
  /// `meanActive` (up to rounding), not smaller.
  /// - Throws: unless `0 < meanActive ≤` the number of positive weights.
  public static func scaledFrequencies(weights: [Double], meanActive: Double) throws -> [Double] {
    try require(weights.allSatisfy { $0.isFinite && $0 >= 0 }, "frequency weights must be finite and ≥ 0")
    let positive = weights.lazy.filter { $0 > 0 }.count
    try require(meanActive.isFinite && meanActive > 0 && meanActive <= Double(positive),
                "meanActive must be in (0, \(positive)] (the number of features with positive weight), got \(meanActive)")
    var f = [Double](repeating: 0, count: weights.count)
    var clipped = [Bool](repeating: false, count: weights.count)
    var remaining = meanActive
    while true {
      var free = 0.0
      for i in weights.indices where !clipped[i] { free += weights[i] }
      guard free > 0 else { break }
      let scale = remaining / free
      var newlyClipped = false
      for i in weights.indices where !clipped[i] {
        f[i] = weights[i] * scale
        if f[i] >= 1 {
          f[i] = 1
          clipped[i] = true
          remaining -= 1
          newlyClipped = true
        }
      }
      if !newlyClipped || remaining <= 0 { break }
    }
    return f
  }

  static func validate(frequencies f: [Double], featureCount n: Int) throws {
    try require(f.count == n, "bernoulli support has \(f.count) frequencies for \(n) features")
    if let bad = f.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
      throw SAEKitError.invalidArgument("frequency \(bad) is \(f[bad]), outside [0, 1]")
    }
  }

  /// Checks mixture weights and returns their sum.
  @discardableResult
  static func validate(weights: [Double]) throws -> Double {
    try require(!weights.isEmpty, "a mixture support needs at least one component")
    try require(weights.allSatisfy { $0.isFinite && $0 >= 0 }, "mixture weights must be finite and ≥ 0")
    let total = weights.reduce(0, +)
    try require(total > 0, "mixture weights must not all be 0")
    return total
  }
}

extension SyntheticSuperposition.Support: Equatable {
  public static func == (lhs: Self, rhs: Self) -> Bool {
    switch (lhs, rhs) {
    case (.exactly(let a), .exactly(let b)): return a == b
    case (.bernoulli(let a), .bernoulli(let b)): return a == b
    case (.zipf(let a, let m), .zipf(let b, let n)): return a == b && m == n
    case (.geometric(let a, let m), .geometric(let b, let n)): return a == b && m == n
    case (.mixture(let a), .mixture(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.weight == $1.weight && $0.support == $1.support }
    default: return false
    }
  }
}
