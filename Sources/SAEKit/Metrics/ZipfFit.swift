import Foundation

/// A Zipf law `p(r) = C · r^{−α}` fitted to latent densities against their
/// rank (Ayonrinde 2024, Fig. 2: sorted feature densities of trained SAEs
/// follow a Zipf law except at the low-density end, where latents are
/// under-utilised).
///
/// The fit is ordinary least squares of `log p` on `log r` over the **head**
/// of the curve: ranks `1...⌈headShare·m⌉` with `p > 0` (default: the denser
/// half, so the under-utilised tail does not pull the law down); `r2` is the
/// fit's R² in log space over those points.
public struct ZipfFit: Sendable, Equatable {
  /// `α`.
  public let exponent: Double
  /// `C`, the density the law gives rank 1.
  public let scale: Double
  /// Points (ranks) the fit used.
  public let points: Int
  /// R² of `log p` against the fitted line, over the fitted points.
  public let r2: Double

  /// Fits the law to `densities` (any order; they are ranked here).
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` when `headShare` is not in
  ///   `(0, 1]`, a density is negative or not finite, or fewer than two of the
  ///   head's densities are positive.
  public init(densities: [Double], headShare: Double = 0.5) throws {
    try require(headShare > 0 && headShare <= 1, "headShare must be in (0, 1], got \(headShare)")
    try require(densities.allSatisfy { $0 >= 0 && $0.isFinite }, "densities must be finite and ≥ 0")
    let head = Int((headShare * Double(densities.count)).rounded(.up))
    let sorted = densities.sorted(by: >).prefix(head)
    let xs = sorted.indices.filter { sorted[$0] > 0 }.map { Foundation.log(Double($0 + 1)) }
    let ys = sorted.filter { $0 > 0 }.map { Foundation.log($0) }
    try require(xs.count >= 2, "a Zipf fit needs at least two positive densities among the top \(head), got \(xs.count)")
    let n = Double(xs.count)
    let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for (x, y) in zip(xs, ys) {
      sxy += (x - mx) * (y - my)
      sxx += (x - mx) * (x - mx)
      syy += (y - my) * (y - my)
    }
    let slope = sxx > 0 ? sxy / sxx : 0
    exponent = -slope
    scale = Foundation.exp(my - slope * mx)
    points = xs.count
    r2 = syy > 0 ? slope * sxy / syy : 1
  }

  /// The density the law expects at `rank` (1-based).
  public func expected(rank: Int) -> Double { scale * Foundation.pow(Double(rank), -exponent) }
}

/// Latent densities in rank order, the curve of a density-rank plot.
public enum DensityRank {
  /// The 1-based rank of every latent's density, densest first (ties to the lower latent index).
  public static func ranks(_ densities: [Double]) -> [Int] {
    let order = densities.indices.sorted { densities[$0] > densities[$1] || (densities[$0] == densities[$1] && $0 < $1) }
    var rank = [Int](repeating: 0, count: densities.count)
    for (position, j) in order.enumerated() { rank[j] = position + 1 }
    return rank
  }

  /// `(rank, density)` points sorted by rank: what a log-log density-rank plot draws.
  public static func curve(_ densities: [Double]) -> (ranks: [Int], densities: [Double]) {
    ((0..<densities.count).map { $0 + 1 }, densities.sorted(by: >))
  }
}
