extension ApproximateFeatureActivation {
  /// Medians over tokens: what one layer contributes to a per-layer table.
  public struct Summary: Sendable, Equatable {
    /// Median `‖f̃‖/‖z‖`, with and without the bias column.
    public var normRatio: Double, normRatioWithoutBias: Double
    /// Median `εLBO`, with and without the bias column.
    public var epsilonLowerBound: Double, epsilonLowerBoundWithoutBias: Double
    /// Median `‖z − ẑ‖²/‖z‖²`.
    public var relativeError: Double
  }

  /// Medians of the per-token values (nan values are left out; nan when none is left).
  public var summary: Summary {
    Summary(
      normRatio: Self.median(normRatio(biasColumn: true)), normRatioWithoutBias: Self.median(normRatio(biasColumn: false)),
      epsilonLowerBound: Self.median(epsilonLowerBound(biasColumn: true)),
      epsilonLowerBoundWithoutBias: Self.median(epsilonLowerBound(biasColumn: false)),
      relativeError: Self.median(relativeError))
  }

  /// The median (mean of the two middle values for an even count), ignoring nan.
  static func median(_ values: [Double]) -> Double {
    let v = values.filter { !$0.isNaN }.sorted()
    guard !v.isEmpty else { return .nan }
    let mid = v.count / 2
    return v.count % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2
  }
}
