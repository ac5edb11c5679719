import Foundation

/// Equal-width bins shared by all series of a histogram, and each series' counts.
///
/// With n = the size of the largest series and k bins (default Sturges' rule
/// k = ⌈log₂ n⌉ + 1, capped at 100), over the data range [lo, hi] of all series:
/// edge_i = lo + (hi − lo)·i/k, and value v falls into bin ⌊(v − lo)/(hi − lo)·k⌋
/// (the maximum goes into the last bin). On a logarithmic x axis the same is done
/// with log₁₀ v, so bins are equally wide on the drawn axis. When all values are
/// equal, the range is widened to [lo − ½, lo + ½] (in log₁₀ space on a log axis).
public struct HistogramBins: Sendable, Equatable {
  /// k + 1 increasing bin edges.
  public var edges: [Double]
  /// counts[s][b]: how many values of series s fall into bin b.
  public var counts: [[Int]]

  /// Default bin count cap when `bins` is not given.
  public static let defaultMaximumBins = 100

  /// Bins `series` (each non-empty, finite; positive when `logarithmic`).
  public init(series: [[Double]], binCount: Int? = nil, logarithmic: Bool = false) {
    let transform: (Double) -> Double = logarithmic ? { log10($0) } : { $0 }
    let largest = series.map(\.count).max() ?? 0
    let k = max(1, binCount ?? min(Self.defaultMaximumBins, Self.sturges(largest)))
    var lo = Double.infinity
    var hi = -Double.infinity
    for values in series {
      for v in values {
        let t = transform(v)
        lo = min(lo, t)
        hi = max(hi, t)
      }
    }
    if !(lo < hi) {
      let centre = lo.isFinite ? lo : 0
      lo = centre - 0.5
      hi = centre + 0.5
    }
    let width = hi - lo
    let kDouble = Double(k)
    edges = (0...k).map { i in
      let t = i == k ? hi : lo + width * Double(i) / kDouble
      return logarithmic ? pow(10, t) : t
    }
    counts = series.map { values in
      var row = [Int](repeating: 0, count: k)
      for v in values {
        let position = (transform(v) - lo) / width * kDouble
        let bin = min(k - 1, max(0, Int(position.rounded(.down))))
        row[bin] += 1
      }
      return row
    }
  }

  /// Sturges' rule: ⌈log₂ n⌉ + 1 (1 for n ≤ 1).
  public static func sturges(_ n: Int) -> Int {
    guard n > 1 else { return 1 }
    var bits = 0
    while (1 << bits) < n { bits += 1 }
    return bits + 1
  }

  /// Bin b's centre on the drawn axis: arithmetic mean of its edges, geometric on a log axis.
  public func centre(ofBin b: Int, logarithmic: Bool) -> Double {
    logarithmic ? (edges[b] * edges[b + 1]).squareRoot() : (edges[b] + edges[b + 1]) / 2
  }
}
