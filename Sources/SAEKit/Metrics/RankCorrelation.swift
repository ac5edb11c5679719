/// Spearman's rank correlation: Pearson's correlation of the ranks, ties
/// given their average rank (papers-1.md §4f: per-token L0 under FC/MC
/// against the true number of active features; TopK's is 0 by construction,
/// its L0 being constant, which this reports as 0).
public enum RankCorrelation {
  /// Spearman's ρ of `a` and `b`.
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when the lengths differ or
  ///   are below 2, or a value is NaN.
  public static func spearman(_ a: [Double], _ b: [Double]) throws -> Double {
    try require(
      a.count == b.count && a.count >= 2,
      "Spearman's ρ needs two series of equal length ≥ 2, got \(a.count) and \(b.count)")
    return try DarkMatterStatistics.pearson(averageRanks(a), averageRanks(b))
  }

  /// 1-based ranks in ascending order, tied values sharing their mean rank.
  /// - Throws: when a value is NaN.
  public static func averageRanks(_ values: [Double]) throws -> [Double] {
    let order = try Ranking.argsort(values)
    var ranks = [Double](repeating: 0, count: values.count)
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
      let shared = Double(i + j) / 2 + 1
      for t in i...j { ranks[order[t]] = shared }
      i = j + 1
    }
    return ranks
  }
}
