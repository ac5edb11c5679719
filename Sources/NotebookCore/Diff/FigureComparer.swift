import SAEKit

/// Compares two versions of a figure: everything its spec holds.
///
/// - the caption, the kind, the title, the axis labels, log scales, the size and
///   the histogram bins: any change is a difference (and so is a change of any other
///   field of the spec, through its record layout);
/// - series, matched by title (the k-th series titled T in the old figure with
///   the k-th titled T in the new): the first `min(old, new)` points are
///   compared, y by ``DiffTolerance`` (the largest |Δy| among the points beyond
///   tolerance is reported, with its x), then x the same way; a change of
///   length is reported too. Histogram series (raw values, no x) are compared
///   value by value at the same index;
/// - heat maps: the shape, the row and column labels, and every cell by
///   ``DiffTolerance`` (the largest |Δ| is reported with its row and column).
///
/// A figure read from a `notebook-record/1` record (``RunRecord/Figure/isLegacy``)
/// has only its series: then only the caption and the series are compared.
public struct FigureComparer: Sendable {
  public var tolerance: DiffTolerance

  public init(tolerance: DiffTolerance) { self.tolerance = tolerance }

  /// The changes from `old` to `new`: settings first, then series in the new
  /// figure's order (removed series last), then heat-map changes; empty when the
  /// figures are the same within tolerance.
  public func changes(_ old: RunRecord.Figure, _ new: RunRecord.Figure) -> [FigureChange] {
    var out: [FigureChange] = []
    if old.caption != new.caption { out.append(.caption(old: old.caption, new: new.caption)) }
    if !old.isLegacy && !new.isLegacy { out += settings(old.spec, new.spec) }
    for pair in Self.match(old.spec.series, new.spec.series) {
      switch pair {
      case (let a?, let b?): out += compare(a, b)
      case (nil, let b?): out.append(.added(title: b.title))
      case (let a?, nil): out.append(.removed(title: a.title))
      case (nil, nil): break
      }
    }
    if !old.isLegacy && !new.isLegacy { out += heatmaps(old.spec.heatmap, new.spec.heatmap) }
    return out
  }

  /// Kind, title, labels, scales, size and bins.
  func settings(_ a: FigureSpec, _ b: FigureSpec) -> [FigureChange] {
    var out: [FigureChange] = []
    func note(_ what: String, _ x: String, _ y: String) {
      if x != y { out.append(.setting(what, old: x, new: y)) }
    }
    note("kind", a.kind.rawValue, b.kind.rawValue)
    note("title", a.title, b.title)
    note("x label", a.xLabel, b.xLabel)
    note("y label", a.yLabel, b.yLabel)
    note("x scale", a.xlog ? "log" : "linear", b.xlog ? "log" : "linear")
    note("y scale", a.ylog ? "log" : "linear", b.ylog ? "log" : "linear")
    let size = { (s: FigureSpec) in "\(s.effectiveSize.width)×\(s.effectiveSize.height)" }
    note("size", size(a), size(b))
    note("bins", a.bins.map(String.init) ?? "auto", b.bins.map(String.init) ?? "auto")
    for change in otherFields(a, b) {
      note(change.path, change.old?.compact ?? "none", change.new?.compact ?? "none")
    }
    return out
  }

  /// The spec's fields described above or compared as data below.
  static let describedFields: Set<String> = [
    "kind", "title", "x_label", "y_label", "xlog", "ylog", "size", "bins", "series", "heatmap",
  ]

  /// Any other field of the spec (one added to ``FigureSpec`` later), compared leaf by leaf
  /// through its record layout, so that no part of a figure goes unseen.
  func otherFields(_ a: FigureSpec, _ b: FigureSpec) -> [ValueChange] {
    func rest(_ spec: FigureSpec) -> ReportJSON {
      guard case .object(var fields) = try? JSONValueEncoder().encode(spec) else { return .null }
      for name in Self.describedFields { fields[name] = nil }
      return .object(fields)
    }
    return ValueComparer(tolerance: tolerance).changes(rest(a), rest(b), root: "spec")
  }

  /// Pairs series by title and occurrence; new order first, then unmatched old ones.
  public static func match(
    _ old: [FigureSpec.Series], _ new: [FigureSpec.Series]
  ) -> [(FigureSpec.Series?, FigureSpec.Series?)] {
    var used = Set<Int>()
    var pairs: [(FigureSpec.Series?, FigureSpec.Series?)] = []
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

  func compare(_ a: FigureSpec.Series, _ b: FigureSpec.Series) -> [FigureChange] {
    var out: [FigureChange] = []
    if a.y.count != b.y.count { out.append(.length(title: b.title, old: a.y.count, new: b.y.count)) }
    let n = min(a.y.count, b.y.count)
    if let worst = largestMove(a.y, b.y, count: n) {
      let x = worst.index < b.x.count ? b.x[worst.index] : nil
      out.append(
        .moved(title: b.title, maxDelta: worst.delta, index: worst.index, x: x, count: worst.count, compared: n))
    }
    if let worst = largestMove(a.x, b.x, count: min(a.x.count, b.x.count, n)) {
      out.append(.xMoved(title: b.title, maxDelta: worst.delta, index: worst.index, count: worst.count))
    }
    return out
  }

  /// Shape, labels and cells of two heat maps (either may be absent).
  func heatmaps(_ a: FigureSpec.Heatmap?, _ b: FigureSpec.Heatmap?) -> [FigureChange] {
    guard let a, let b else { return [] }  // a change of kind is reported already
    let shape = { (h: FigureSpec.Heatmap) in GridShape(rows: h.values.count, columns: h.values.first?.count ?? 0) }
    var out: [FigureChange] = []
    if shape(a) != shape(b) {
      out.append(.heatmapShape(old: shape(a), new: shape(b)))
    }
    if a.rowLabels != b.rowLabels { out.append(.labels(axis: "row", old: a.rowLabels, new: b.rowLabels)) }
    if a.columnLabels != b.columnLabels {
      out.append(.labels(axis: "column", old: a.columnLabels, new: b.columnLabels))
    }
    guard shape(a) == shape(b) else { return out }
    let columns = shape(b).columns
    let flatA = a.values.flatMap { $0 }, flatB = b.values.flatMap { $0 }
    if let worst = largestMove(flatA, flatB, count: flatA.count) {
      out.append(
        .cellsMoved(
          maxDelta: worst.delta, row: worst.index / columns, column: worst.index % columns,
          count: worst.count, compared: flatA.count))
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
