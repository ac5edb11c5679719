/// Mean, spread and a bootstrap confidence interval of a small sample — e.g.
/// one statistic measured over several seeds, so that a conclusion says how
/// much of it is seed noise.
///
/// ```
/// mean = Σ v_i / n
/// sd   = √( Σ (v_i − mean)² / (n − 1) )            (sample standard deviation; 0 when n = 1)
/// CI   = percentile bootstrap of the mean: B resamples of n values drawn with
///        replacement (RandomSource(seed:)), the (1 − level)/2 and (1 + level)/2
///        quantiles of their means (linear interpolation between order statistics)
/// ```
///
/// With three seeds a bootstrap has only 10 distinct resamples and its interval
/// is narrow (it cannot reach beyond the sample's range); the standard
/// deviation is the more honest spread there, and the one the notebooks show.
public struct SampleStatistics: Sendable, Equatable {
  public let count: Int
  public let mean: Double
  /// Sample standard deviation (n − 1 in the denominator); 0 for one value.
  public let standardDeviation: Double
  public let minimum: Double
  public let maximum: Double

  /// - Throws: for an empty sample or a non-finite value.
  public init(_ values: [Double]) throws {
    try require(!values.isEmpty, "statistics of an empty sample")
    try require(values.allSatisfy(\.isFinite), "statistics of a sample with NaN or infinite values: \(values)")
    count = values.count
    let m = Self.mean(values)
    mean = m
    if values.count > 1 {
      let squares = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
      standardDeviation = (squares / Double(values.count - 1)).squareRoot()
    } else {
      standardDeviation = 0
    }
    minimum = values.min()!
    maximum = values.max()!
  }

  /// The percentile-bootstrap confidence interval of the mean of `values`.
  /// - Parameters:
  ///   - level: coverage, in (0, 1), e.g. 0.95.
  ///   - resamples: number of bootstrap resamples `B` (≥ 100).
  /// - Throws: for an empty or non-finite sample, or parameters out of range.
  public static func bootstrapInterval(
    _ values: [Double], level: Double = 0.95, resamples: Int = 10_000, seed: UInt64 = 0
  ) throws -> (low: Double, high: Double) {
    try require(!values.isEmpty && values.allSatisfy(\.isFinite), "a bootstrap interval needs a non-empty sample of finite values")
    try require(level > 0 && level < 1, "the confidence level must be in (0, 1), got \(level)")
    try require(resamples >= 100, "a bootstrap needs at least 100 resamples, got \(resamples)")
    var random = RandomSource(seed: seed)
    let n = values.count
    var means = [Double](repeating: 0, count: resamples)
    for b in 0..<resamples {
      var sum = 0.0
      for _ in 0..<n { sum += values[random.int(below: n)] }
      means[b] = sum / Double(n)
    }
    means.sort()
    return (quantile(sorted: means, (1 - level) / 2), quantile(sorted: means, (1 + level) / 2))
  }

  /// The `p`-quantile of sorted values, interpolating linearly between order
  /// statistics at position `p·(n − 1)` (numpy's default).
  static func quantile(sorted: [Double], _ p: Double) -> Double {
    let position = p * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
    let weight = position - Double(lower)
    return sorted[lower] + weight * (sorted[upper] - sorted[lower])
  }

  static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
}
