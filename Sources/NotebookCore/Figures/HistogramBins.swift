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
      // ±½, or a relative step where ½ vanishes next to a huge value (1e308 + 0.5 == 1e308),
      // pulled inside the finite range at its ends.
      let half = centre + 0.5 == centre ? abs(centre) * 1e-6 : 0.5
      lo = centre - half
      hi = centre + half
      if !hi.isFinite { hi = centre; lo = centre - 2 * half }
      if !lo.isFinite { lo = centre; hi = centre + 2 * half }
    }
    // Values far apart (±1.7e308) have a width past the largest Double: then halves are
    // subtracted, which never overflow, and edges are interpolated.
    let overflows = !(hi - lo).isFinite
    let width = overflows ? hi / 2 - lo / 2 : hi - lo
    let kDouble = Double(k)
    edges = (0...k).map { i in
      let f = Double(i) / kDouble
      // width × f, not width × i / k: the product width × i overflows for widths near the largest Double.
      let t = i == k ? hi : overflows ? lo * (1 - f) + hi * f : lo + width * f
      return logarithmic ? pow(10, t) : t
    }
    counts = series.map { values in
      var row = [Int](repeating: 0, count: k)
      for v in values {
        let t = transform(v)
        let position = (overflows ? t / 2 - lo / 2 : t - lo) / width * kDouble
        let bin = position.isNaN ? 0 : Int(min(Double(k - 1), max(0, position.rounded(.down))))
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
    let (lo, hi) = (edges[b], edges[b + 1])
    if logarithmic { return (lo * hi).isFinite ? (lo * hi).squareRoot() : lo.squareRoot() * hi.squareRoot() }
    return (lo + hi).isFinite ? (lo + hi) / 2 : lo / 2 + hi / 2  // (halves where the sum would overflow)
  }
}
