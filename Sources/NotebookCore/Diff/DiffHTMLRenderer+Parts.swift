import Foundation

extension DiffHTMLRenderer {
  // MARK: - Values

  /// A changed value: tables as a grid with the changed cells highlighted,
  /// every other change as a row of old, new and change.
  func valueHTML(_ value: ValueDiff) -> String {
    let what = value.kind == .numbers ? "numbers" : value.kind.rawValue
    var out = "<div class=\"value-diff\">\n<p class=\"change\"><code>\(esc(value.root))</code>: \(what) changed</p>\n"
    var listed = value.changes
    if value.kind == .table, case .object(let new)? = value.new, case .object(let old)? = value.old {
      out += tableGrid(old: old, new: new, changes: value.changes)
      listed = value.changes.filter { $0.tableCell == nil }
    }
    guard !listed.isEmpty else { return out + "</div>\n" }
    out += "<div class=\"table-wrap\"><table class=\"changes\">\n"
    out += "<thead><tr><th>Where</th><th>Old</th><th>New</th><th>Change</th></tr></thead>\n<tbody>\n"
    for change in listed {
      let old = change.old.map(Self.leafText) ?? "—", new = change.new.map(Self.leafText) ?? "—"
      let delta = change.numbers.map { DiffNumberFormat.change(from: $0.old, to: $0.new) } ?? ""
      out += "<tr><td><code>\(esc(change.path))</code></td><td><del>\(esc(old))</del></td>"
      out += "<td><mark>\(esc(new))</mark></td><td>\(esc(delta))</td></tr>\n"
    }
    return out + "</tbody>\n</table></div>\n</div>\n"
  }

  /// The new table in the report's table HTML, each changed cell marked with its old value beside the new one.
  private func tableGrid(old: [String: ReportJSON], new: [String: ReportJSON], changes: [ValueChange]) -> String {
    let columns = ValueComparer.columnNames(new), oldColumns = ValueComparer.columnNames(old)
    let rows = ValueComparer.rows(new), oldRows = ValueComparer.rows(old)
    let changed = Set(changes.compactMap(\.tableCell))
    return ReportHTMLRenderer.tableHTML(
      headers: columns, rowCount: rows.count, columnCount: columns.count, tableClass: "output-table table-diff",
      rowClass: { $0 < oldRows.count ? nil : "row-added" }
    ) { r, c in
      let text = c < rows[r].count ? Self.leafText(rows[r][c]) : ""
      guard changed.contains(ValueChange.TableCell(row: r, column: columns[c])) else { return (nil, esc(text)) }
      let was = oldColumns.firstIndex(of: columns[c]).flatMap { oc in
        r < oldRows.count && oc < oldRows[r].count ? Self.leafText(oldRows[r][oc]) : nil
      } ?? "—"
      return ("changed", "<mark>\(esc(text))</mark> <del>\(esc(was))</del>")
    }
  }

  /// Strings without quotes, numbers at full precision, the rest as compact JSON.
  static func leafText(_ value: ReportJSON) -> String {
    if case .string(let s) = value { return s }
    return value.compact
  }

  // MARK: - Figures

  /// The figure drawn from its recorded specs (``figureViews(_:)``) and the list of its changes.
  func figureHTML(_ figure: FigureDiff, idPrefix: String) -> String {
    let state = figure.old == nil ? "added" : figure.new == nil ? "removed" : "changed"
    var out = "<div class=\"figure-diff\">\n<p class=\"change\">Figure <code>\(esc(figure.name))</code> \(state)</p>\n"
    let views = Self.figureViews(figure)
    if !views.isEmpty {
      if let gnuplot {
        var panels = ""
        for (i, view) in views.enumerated() {
          do {
            let svg = try gnuplot.render(view.spec, idPrefix: "\(idPrefix)\(i)-")
            panels += ReportHTMLRenderer.figureHTML(
              svg: svg, id: nil, alt: "figure \(figure.name): \(view.caption)", captionHTML: esc(view.caption))
          } catch {
            let reason = (error as? FigureError)?.message ?? "\(error)"
            panels += "<p class=\"cell-note\">\(esc(view.caption)) could not be drawn: \(esc(reason))</p>\n"
          }
        }
        out += "<div class=\"figure-panels\">\n" + panels + "</div>\n"
      } else {
        out += "<p class=\"cell-note\">gnuplot is not available: the figures are not drawn.</p>\n"
      }
    }
    let lines = figure.changes.map(DiffTextRenderer.describe)
    if !lines.isEmpty {
      out += "<ul class=\"series-changes\">\n" + lines.map { "<li>\(esc($0))</li>\n" }.joined() + "</ul>\n"
    }
    return out + "</div>\n"
  }

  /// What the page draws for a figure, each with its caption:
  /// - one side only: that figure as it was;
  /// - line, scatter and histogram figures of the same kind and scales: one overlay on the new
  ///   figure's axes (kind, log scales, labels, bins), series in pairs `old: T` / `new: T`;
  /// - heat maps: old and new side by side, and `new − old` when their shapes agree;
  /// - anything else (the kind or a scale changed): old and new side by side.
  public static func figureViews(_ figure: FigureDiff) -> [(caption: String, spec: FigureSpec)] {
    guard let old = figure.old, let new = figure.new else {
      let only = figure.new ?? figure.old
      return only.map { [(figure.new == nil ? "old (removed)" : "new (added)", $0.spec)] } ?? []
    }
    let a = old.spec, b = new.spec
    if let da = a.heatmap, let db = b.heatmap {
      var views = [("old", a), ("new", b)]
      if let difference = heatmapDifference(da, db, title: b.title.isEmpty ? "new − old" : "\(b.title): new − old") {
        views.append(("new − old", difference))
      }
      return views
    }
    if a.kind == b.kind || old.isLegacy || new.isLegacy, a.xlog == b.xlog, a.ylog == b.ylog, a.kind != .heatmap,
      let overlay = overlaySpec(old, new)
    {
      return [("old and new series overlaid (old: …, new: …) on the figure's axes", overlay)]
    }
    return [("old", a), ("new", b)]
  }

  /// The new figure with old and new series in pairs; nil when nothing can be drawn.
  static func overlaySpec(_ old: RunRecord.Figure, _ new: RunRecord.Figure) -> FigureSpec? {
    var spec = new.spec
    let histogram = spec.kind == .histogram || (new.isLegacy && spec.series.allSatisfy { $0.x.isEmpty })
    func drawable(_ s: FigureSpec.Series?, _ side: String) -> FigureSpec.Series? {
      guard let s else { return nil }
      let title = s.title.isEmpty ? side : "\(side): \(s.title)"
      let keep = { (x: Double, y: Double) in
        x.isFinite && y.isFinite && (!spec.xlog || x > 0) && (!spec.ylog || y > 0)
      }
      if histogram {
        let values = s.y.filter { keep(1, $0) }
        return values.isEmpty ? nil : FigureSpec.Series(title: title, values: values)
      }
      let points = zip(s.x, s.y).filter(keep)
      return points.isEmpty ? nil : FigureSpec.Series(title: title, x: points.map(\.0), y: points.map(\.1))
    }
    let pairs = FigureComparer.match(old.spec.series, new.spec.series)
    spec.series = pairs.flatMap { [drawable($0.0, "old"), drawable($0.1, "new")].compactMap { $0 } }
    if histogram { spec.kind = .histogram }
    if spec.title.isEmpty { spec.title = new.name }
    guard !spec.series.isEmpty, (try? spec.validate()) != nil else { return nil }
    return spec
  }

  /// `new − old` cell by cell, with the new map's labels; nil when the shapes differ.
  static func heatmapDifference(_ a: FigureSpec.Heatmap, _ b: FigureSpec.Heatmap, title: String) -> FigureSpec? {
    guard a.values.count == b.values.count, zip(a.values, b.values).allSatisfy({ $0.count == $1.count }) else {
      return nil
    }
    let values = zip(a.values, b.values).map { old, new in zip(old, new).map { $1 - $0 } }
    let spec = FigureSpec(
      heatmap: .init(values: values, rowLabels: b.rowLabels, columnLabels: b.columnLabels), title: title)
    return (try? spec.validate()) != nil ? spec : nil
  }

  // MARK: - Style

  static let css = """
    .verdict-same { color: #116329; font-weight: 600; }
    .verdict-differ { color: var(--red); font-weight: 600; }
    .notes { font-size: 0.9rem; color: var(--amber); }
    .cell.diff-changed { border-left-color: var(--amber); }
    .cell.diff-added { border-left-color: #1a7f37; }
    .cell.diff-removed { border-left-color: var(--red); }
    details.diff-same { border-left-color: #eaeef2; }
    details.diff-same > summary { cursor: pointer; font-size: 0.85rem; color: var(--muted); }
    .change { font-weight: 600; margin: 0.6rem 0 0.3rem; }
    pre.diff .del { color: #82071e; background: #ffebe9; }
    pre.diff .add { color: #116329; background: #dafbe1; }
    pre.diff .hunk { color: var(--accent); }
    pre.diff .file { color: var(--muted); }
    mark { background: #fff8c5; padding: 0 0.15em; }
    td.changed { background: #fff8c5; }
    del { color: var(--red); }
    tr.row-added td { background: #dafbe1; }
    .series-changes { font-size: 0.9rem; }
    .figure-panels { display: flex; flex-wrap: wrap; gap: 0.75rem; }
    .figure-panels > figure { flex: 1 1 18rem; margin: 0; }

    """
}
