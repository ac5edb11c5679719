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

  /// The new table, each changed cell marked with its old value beside the new one.
  private func tableGrid(old: [String: ReportJSON], new: [String: ReportJSON], changes: [ValueChange]) -> String {
    let columns = ValueComparer.columnNames(new), oldColumns = ValueComparer.columnNames(old)
    let rows = ValueComparer.rows(new), oldRows = ValueComparer.rows(old)
    let changed = Set(changes.compactMap(\.tableCell))
    var out = "<div class=\"table-wrap\"><table class=\"output-table table-diff\">\n<thead><tr>"
    out += columns.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
    for (r, row) in rows.enumerated() {
      out += r < oldRows.count ? "<tr>" : "<tr class=\"row-added\">"
      for (c, column) in columns.enumerated() {
        let text = c < row.count ? Self.leafText(row[c]) : ""
        let cell = ValueChange.TableCell(row: r, column: column)
        if changed.contains(cell) {
          let oc = oldColumns.firstIndex(of: column)
          let was = oc.flatMap { $0 < oldRows[r].count ? Self.leafText(oldRows[r][$0]) : nil } ?? "—"
          out += "<td class=\"changed\"><mark>\(esc(text))</mark> <del>\(esc(was))</del></td>"
        } else {
          out += "<td>\(esc(text))</td>"
        }
      }
      out += "</tr>\n"
    }
    return out + "</tbody>\n</table></div>\n"
  }

  /// Strings without quotes, numbers at full precision, the rest as compact JSON.
  static func leafText(_ value: ReportJSON) -> String {
    if case .string(let s) = value { return s }
    return value.compact
  }

  // MARK: - Figures

  /// The overlay plot (when it can be drawn) and the list of series changes.
  func figureHTML(_ figure: FigureDiff, idPrefix: String) -> String {
    let state = figure.old == nil ? "added" : figure.new == nil ? "removed" : "changed"
    var out = "<div class=\"figure-diff\">\n<p class=\"change\">Figure <code>\(esc(figure.name))</code> \(state)</p>\n"
    if let spec = Self.overlaySpec(figure) {
      if let gnuplot {
        do {
          let svg = try gnuplot.render(spec, idPrefix: idPrefix)
          let data = Data(svg.utf8).base64EncodedString()
          out += "<figure class=\"output-figure overlay\"><img src=\"data:image/svg+xml;base64,\(data)\" alt=\""
          out += esc("figure \(figure.name): old and new series overlaid") + "\">"
          out += "<figcaption>Old and new series overlaid (<code>old: …</code> and <code>new: …</code>).</figcaption></figure>\n"
        } catch let error as FigureError {
          out += "<p class=\"cell-note\">The overlay could not be drawn: \(esc(error.message))</p>\n"
        } catch {
          out += "<p class=\"cell-note\">The overlay could not be drawn: \(esc("\(error)"))</p>\n"
        }
      } else {
        out += "<p class=\"cell-note\">gnuplot is not available: the overlay is not drawn.</p>\n"
      }
    }
    let lines = figure.changes.map(DiffTextRenderer.describe)
    if !lines.isEmpty { out += "<ul class=\"series-changes\">\n" + lines.map { "<li>\(esc($0))</li>\n" }.joined() + "</ul>\n" }
    return out + "</div>\n"
  }

  /// Old and new series in one figure, in pairs (`old: T`, `new: T`), non-finite
  /// points left out. A histogram when every series is raw values (no x), else
  /// lines. Nil when no series has a drawable point.
  public static func overlaySpec(_ figure: FigureDiff) -> FigureSpec? {
    let pairs = FigureComparer.match(figure.old?.series ?? [], figure.new?.series ?? [])
    let all = pairs.flatMap { [$0.0, $0.1].compactMap { $0 } }
    let histogram = !all.isEmpty && all.allSatisfy { $0.x.isEmpty }
    func drawable(_ s: ReportFigure.Series?, _ side: String) -> FigureSpec.Series? {
      guard let s else { return nil }
      let title = s.title.isEmpty ? side : "\(side): \(s.title)"
      if histogram {
        let values = s.y.filter(\.isFinite)
        return values.isEmpty ? nil : FigureSpec.Series(title: title, values: values)
      }
      let points = zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite }
      return points.isEmpty ? nil : FigureSpec.Series(title: title, x: points.map(\.0), y: points.map(\.1))
    }
    let series = pairs.flatMap { [drawable($0.0, "old"), drawable($0.1, "new")].compactMap { $0 } }
    guard !series.isEmpty else { return nil }
    return FigureSpec(kind: histogram ? .histogram : .line, series: series, title: figure.name)
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

    """
}
