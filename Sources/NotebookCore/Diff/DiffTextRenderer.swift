/// The plain-text report of a ``RecordDiff`` that `notebook diff` prints.
///
/// ```
/// note: parameter steps: 1500 → 2000
/// cell train: numbers changed
///   Metrics.fvu: 0.1569 → 0.1612 (+0.0043, +2.74%)
/// cell data: text output changed
///   --- old
///   +++ new
///   @@ -1 +1 @@
///   -samples: 60000
///   +samples: 50000
/// cell sweep-k: figure sweep-k: series "held-out FVU" moved, max |Δy| = 0.012 at x = 16 (2 of 5 points)
/// 3 of 5 cells differ (rtol 1e-09, atol 0)
/// ```
/// Changed inputs come first as `note:` lines; then one `cell NAME: …` line per
/// kind of change, details indented by two spaces; then the count. Values are
/// shown at full precision, changes to four significant digits.
/// Deterministic: the same diff gives the same text.
public struct DiffTextRenderer: Sendable {
  /// Longer one-line values are cut, ending in `…`.
  public static let maximumValueLength = 200

  public init() {}

  public func render(_ diff: RecordDiff) -> String {
    var out = diff.notes.map { "note: " + $0 + "\n" }.joined()
    for cell in diff.cells where cell.differs { out += lines(cell).map { $0 + "\n" }.joined() }
    return out + Self.verdict(diff) + "\n"
  }

  /// The last line: `2 of 5 cells differ (rtol 1e-09, atol 0)`.
  public static func verdict(_ diff: RecordDiff) -> String {
    let count = diff.cells.count
    return "\(diff.differingCount) of \(count) cell\(count == 1 ? "" : "s") differ (\(diff.tolerance.description))"
  }

  /// The lines describing one cell (none when it does not differ).
  public func lines(_ cell: CellDiff) -> [String] {
    let head = "cell \(cell.name): "
    if let new = cell.new, cell.old == nil { return [head + "added (\(Self.summary(new)))"] }
    if let old = cell.old, cell.new == nil { return [head + "removed (was \(Self.summary(old)))"] }
    guard let old = cell.old, let new = cell.new, cell.differs else { return [] }
    var out: [String] = []
    if cell.sourceChanged { out.append(head + "source changed") }
    if cell.statusChanged {
      out.append(head + "status \(old.status.rawValue) → \(new.status.rawValue)")
    } else if !cell.diagnosticDiff.isEmpty {
      out.append(head + "diagnostic changed")
    }
    out += cell.diagnosticDiff.map { "  " + $0 }
    if !cell.textDiff.isEmpty {
      out.append(head + "text output changed")
      out += cell.textDiff.map { "  " + MeasuredText.strip($0) }
    }
    for value in cell.values {
      out.append(head + "\(value.kind == .numbers ? "numbers" : value.kind.rawValue) changed")
      out += value.changes.map { "  " + Self.describe($0) }
    }
    for figure in cell.figures { out += Self.describe(figure).map { head + $0 } }
    return out
  }

  /// `ok, 3 outputs`.
  static func summary(_ cell: RunRecord.Cell) -> String {
    let n = cell.outputs.count
    return "\(cell.status.rawValue), \(n) output\(n == 1 ? "" : "s")"
  }

  /// `Metrics.fvu: 0.1569 → 0.1612 (+0.0043, +2.74%)`, `x.name: "a" → "b"`,
  /// `value[3]: added 4`, `value.k: removed (was 8)`.
  public static func describe(_ change: ValueChange) -> String {
    switch (change.old, change.new) {
    case (let a?, let b?):
      if let (x, y) = change.numbers {
        let delta = DiffNumberFormat.change(from: x, to: y)
        return "\(change.path): \(DiffNumberFormat.value(x)) → \(DiffNumberFormat.value(y))"
          + (delta.isEmpty ? "" : " (\(delta))")
      }
      return "\(change.path): \(literal(a)) → \(literal(b))"
    case (nil, let b?): return "\(change.path): added \(literal(b))"
    case (let a?, nil): return "\(change.path): removed (was \(literal(a)))"
    case (nil, nil): return "\(change.path): unchanged"
    }
  }

  /// One line per change of a figure, without the `cell NAME: ` prefix.
  public static func describe(_ figure: FigureDiff) -> [String] {
    let head = "figure \(figure.name)"
    if let new = figure.new, figure.old == nil { return [head + " added (\(summary(new.spec)))"] }
    if let old = figure.old, figure.new == nil { return [head + " removed (was \(summary(old.spec)))"] }
    return figure.changes.map { head + ": " + describe($0) }
  }

  /// `series "loss" moved, max |Δy| = 0.012 at x = 16 (3 of 5 points)`, `y scale linear → log`,
  /// `heat map cells moved, max |Δ| = 0.2 at row 2, column 3 (1 of 16 cells)`.
  public static func describe(_ change: FigureChange) -> String {
    switch change {
    case .added(let title): return "series \(seriesName(title)) added"
    case .removed(let title): return "series \(seriesName(title)) removed"
    case .length(let title, let old, let new): return "series \(seriesName(title)) has \(new) points (was \(old))"
    case .moved(let title, let delta, let index, let x, let count, let compared):
      let at = x.map { "x = \(DiffNumberFormat.value($0))" } ?? "point \(index + 1)"
      return "series \(seriesName(title)) moved, max |Δy| = \(DiffNumberFormat.short(delta)) at \(at) "
        + "(\(count) of \(compared) points)"
    case .xMoved(let title, let delta, let index, let count):
      return "series \(seriesName(title)) x values moved, max |Δx| = \(DiffNumberFormat.short(delta)) "
        + "at point \(index + 1) (\(count) points)"
    case .caption(let old, let new):
      return "caption \(old.map(quoted) ?? "none") → \(new.map(quoted) ?? "none")"
    case .setting(let what, let old, let new):
      return what.hasSuffix("scale") || what == "kind" || what == "size" || what == "bins"
        ? "\(what) \(old) → \(new)" : "\(what) \(quoted(old)) → \(quoted(new))"
    case .heatmapShape(let old, let new):
      return "heat map is \(new) (was \(old))"
    case .labels(let axis, let old, let new):
      let list = { (labels: [String]?) in labels.map { literal(.array($0.map(ReportJSON.string))) } ?? "numbers" }
      return "heat map \(axis) labels \(list(old)) → \(list(new))"
    case .cellsMoved(let delta, let row, let column, let count, let compared):
      return "heat map cells moved, max |Δ| = \(DiffNumberFormat.short(delta)) at row \(row + 1), column \(column + 1) "
        + "(\(count) of \(compared) cells)"
    }
  }

  /// `line, 2 series` or `heatmap 4×4`.
  static func summary(_ spec: FigureSpec) -> String {
    if let h = spec.heatmap { return "heatmap \(h.values.count)×\(h.values.first?.count ?? 0)" }
    return "\(spec.kind.rawValue), \(spec.series.count) series"
  }

  /// A JSON string literal; the untitled series is `""`.
  static func quoted(_ text: String) -> String { ReportJSON.string(text).compact }

  /// A series' title in quotes, or `(untitled)` for a plot's single unnamed series.
  static func seriesName(_ title: String) -> String { title.isEmpty ? "(untitled)" : quoted(title) }

  /// Compact JSON, cut at ``maximumValueLength`` characters.
  static func literal(_ value: ReportJSON) -> String {
    let text = MeasuredText.strip(value.compact)
    guard text.count > maximumValueLength else { return text }
    return String(text.prefix(maximumValueLength - 1)) + "…"
  }
}
