/// Compares the data behind two versions of a figure.
///
/// Series are matched by title (the k-th series titled T in the old figure
/// with the k-th titled T in the new). For a matched pair the first
/// `min(old, new)` points are compared: y by ``DiffTolerance`` (the largest
/// |Δy| among the points beyond tolerance is reported, with its x), then x
/// the same way; a change of length is reported too. Histogram series (raw
/// values, no x) are compared value by value at the same index.
public struct FigureComparer: Sendable {
  public var tolerance: DiffTolerance

  public init(tolerance: DiffTolerance) { self.tolerance = tolerance }

  /// The changes from `old` to `new`, in the new figure's series order
  /// (removed series last); empty when the data is the same within tolerance.
  public func changes(_ old: RunRecord.Figure, _ new: RunRecord.Figure) -> [SeriesChange] {
    var out: [SeriesChange] = []
    if old.caption != new.caption { out.append(.caption(old: old.caption, new: new.caption)) }
    for pair in Self.match(old.series, new.series) {
      switch pair {
      case (let a?, let b?): out += compare(a, b)
      case (nil, let b?): out.append(.added(title: b.title))
      case (let a?, nil): out.append(.removed(title: a.title))
      case (nil, nil): break
      }
    }
    return out
  }

  /// Pairs series by title and occurrence; new order first, then unmatched old ones.
  public static func match(
    _ old: [ReportFigure.Series], _ new: [ReportFigure.Series]
  ) -> [(ReportFigure.Series?, ReportFigure.Series?)] {
    var used = Set<Int>()
    var pairs: [(ReportFigure.Series?, ReportFigure.Series?)] = []
    for series in new {
      if let i = old.indices.first(where: { !used.contains($0) && old[$0].title == series.title }) {
        used.insert(i)
        pairs.append((old[i], series))
      } else {
        pairs.append((nil, series))
      }
    }
    for i in old.indices where !used.contains(i) { pairs.append((old[i], nil)) }
    return pairs
  }

  func compare(_ a: ReportFigure.Series, _ b: ReportFigure.Series) -> [SeriesChange] {
    var out: [SeriesChange] = []
    if a.y.count != b.y.count { out.append(.length(title: b.title, old: a.y.count, new: b.y.count)) }
    let n = min(a.y.count, b.y.count)
    if let worst = largestMove(a.y, b.y, count: n) {
      let x = worst.index < b.x.count ? b.x[worst.index] : nil
      out.append(.moved(title: b.title, maxDelta: worst.delta, index: worst.index, x: x, count: worst.count, compared: n))
    }
    if let worst = largestMove(a.x, b.x, count: min(a.x.count, b.x.count, n)) {
      out.append(.xMoved(title: b.title, maxDelta: worst.delta, index: worst.index, count: worst.count))
    }
    return out
  }

  /// Among the first `count` points beyond tolerance: how many, and the largest
  /// |new − old| (∞ when one side is NaN or infinite) with its index (first at a tie).
  func largestMove(_ a: [Double], _ b: [Double], count: Int) -> (delta: Double, index: Int, count: Int)? {
    var worst: (delta: Double, index: Int, count: Int)?
    for i in 0..<count where !tolerance.equal(a[i], b[i]) {
      let delta = a[i].isFinite && b[i].isFinite ? abs(b[i] - a[i]) : .infinity
      if let w = worst {
        worst = delta > w.delta ? (delta, i, w.count + 1) : (w.delta, w.index, w.count + 1)
      } else {
        worst = (delta, i, 1)
      }
    }
    return worst
  }
}
