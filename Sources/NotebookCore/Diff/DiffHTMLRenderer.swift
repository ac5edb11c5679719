import Foundation

/// A self-contained HTML review page for a ``RecordDiff`` (`notebook diff --html`).
///
/// Like the report (``ReportHTMLRenderer``): inline CSS, figures as `data:`
/// URLs, no scripts, no external requests (a Content-Security-Policy forbids
/// them), every text from a record escaped. Cells that differ are open: status
/// and diagnostic changes, printed text as a coloured unified diff, changed
/// numbers highlighted in a table (tables cell by cell in their own grid), and
/// changed figures redrawn by gnuplot with the old and new series overlaid in
/// one plot (`old: T` and `new: T`, each series its own colour). Unchanged
/// cells are folded in `<details>` elements. Deterministic for a given diff.
public struct DiffHTMLRenderer: Sendable {
  /// Draws the overlays; nil: figures are described, not drawn.
  public var gnuplot: GnuplotRunner?

  public init(gnuplot: GnuplotRunner?) { self.gnuplot = gnuplot }

  /// A renderer using the `gnuplot` on `$PATH`, if any.
  public init() { self.init(gnuplot: try? GnuplotRunner()) }

  public func render(_ diff: RecordDiff) -> String {
    let slugger = AnchorSlugger()
    var body = ""
    for (index, cell) in diff.cells.enumerated() {
      let id = slugger.slug(for: "cell " + cell.name)
      body += cell.differs ? changedCell(cell, id: id, index: index) : foldedCell(cell, id: id)
    }
    let verdict = DiffTextRenderer.verdict(diff)
    var html = ReportStyle.pageHead(title: "notebook diff: \(diff.oldSource) → \(diff.newSource)",
                                    generator: "notebook diff \(NotebookCore.version)", extraCSS: Self.css)
    html += """
      <header class="title-block">
      <h1 class="title">notebook diff</h1>
      <dl class="run-info">
      <dt>Old</dt><dd><code>\(esc(diff.oldSource))</code></dd>
      <dt>New</dt><dd><code>\(esc(diff.newSource))</code></dd>
      <dt>Tolerance</dt><dd>|new − old| ≤ atol + rtol · |old|, \(esc(diff.tolerance.description))</dd>
      <dt>Result</dt><dd class="verdict \(diff.isSame ? "verdict-same" : "verdict-differ")">\(esc(verdict))</dd>
      </dl>

      """
    if !diff.notes.isEmpty {
      html += "<ul class=\"notes\">\n" + diff.notes.map { "<li>\(esc($0))</li>\n" }.joined() + "</ul>\n"
    }
    html += "</header>\n" + body + "</main>\n</body>\n</html>\n"
    return html
  }

  // MARK: - Cells

  private func foldedCell(_ cell: CellDiff, id: String) -> String {
    var out = "<details class=\"cell diff-same\" id=\"\(esc(id))\">\n"
    out += "<summary><span class=\"cell-name\">\(esc(cell.name))</span> unchanged</summary>\n"
    if let new = cell.new { out += outputsHTML(new) }
    return out + "</details>\n"
  }

  private func changedCell(_ cell: CellDiff, id: String, index: Int) -> String {
    let kind = cell.isAdded ? "added" : cell.isRemoved ? "removed" : "changed"
    var out = "<section class=\"cell diff-\(kind)\" id=\"\(esc(id))\">\n"
    out += "<div class=\"cell-header\"><a class=\"cell-name\" href=\"#\(esc(id))\">\(esc(cell.name))</a>"
    out += "<span class=\"badge\">\(kind)</span></div>\n"
    if let only = cell.new ?? cell.old, cell.isAdded || cell.isRemoved {
      out += "<p class=\"cell-note\">Only in the \(cell.isAdded ? "new" : "old") record (status <code>\(esc(only.status))</code>).</p>\n"
      return out + outputsHTML(only) + "</section>\n"
    }
    if cell.sourceChanged { out += "<p class=\"cell-note\">The cell's source changed.</p>\n" }
    if cell.statusChanged, let old = cell.old, let new = cell.new {
      out += "<p class=\"change\">Status <code>\(esc(old.status))</code> → <code>\(esc(new.status))</code></p>\n"
    } else if !cell.diagnosticDiff.isEmpty {
      out += "<p class=\"change\">Diagnostic changed</p>\n"
    }
    if !cell.diagnosticDiff.isEmpty { out += unifiedHTML(cell.diagnosticDiff) }
    if !cell.textDiff.isEmpty { out += "<p class=\"change\">Text output changed</p>\n" + unifiedHTML(cell.textDiff) }
    for value in cell.values { out += valueHTML(value) }
    for (f, figure) in cell.figures.enumerated() { out += figureHTML(figure, idPrefix: "diff-\(index)-\(f)-") }
    return out + "</section>\n"
  }

  /// A unified diff with removed, added and hunk lines marked.
  func unifiedHTML(_ lines: [String]) -> String {
    var out = "<pre class=\"diff\">"
    for line in lines {
      let cls =
        line.hasPrefix("---") || line.hasPrefix("+++") ? "file"
        : line.hasPrefix("@@") ? "hunk" : line.hasPrefix("-") ? "del" : line.hasPrefix("+") ? "add" : nil
      out += cls.map { "<span class=\"\($0)\">\(esc(line))</span>\n" } ?? esc(line) + "\n"
    }
    return out + "</pre>\n"
  }

  /// A cell's outputs as the report shows them, figures named only.
  func outputsHTML(_ cell: RunRecord.Cell) -> String {
    var out = ""
    if let diagnostic = cell.diagnostic, !diagnostic.isEmpty {
      out += "<pre class=\"output-text\">" + ReportHTMLRenderer.preContent(esc(diagnostic)) + "</pre>\n"
    }
    for output in cell.outputs {
      switch output {
      case .text(let text):
        out += "<pre class=\"output-text\">" + ReportHTMLRenderer.preContent(esc(text)) + "</pre>\n"
      case .value(let display, let data):
        out += displayHTML(display, data: data)
      case .figure(let figure):
        let n = figure.series.count
        out += "<p class=\"cell-note\">Figure <code>\(esc(figure.name))</code> (\(n) series)</p>\n"
      }
    }
    return out.isEmpty ? "" : "<div class=\"outputs\">\n" + out + "</div>\n"
  }

  /// The recorded display block: text, table or record; else the data as JSON.
  private func displayHTML(_ display: ReportJSON, data: ReportJSON) -> String {
    guard case .object(let d) = display, case .string(let kind)? = d["kind"] else {
      return "<pre class=\"output-value\">\(esc(data.compact))</pre>\n"
    }
    func strings(_ json: ReportJSON?) -> [String] {
      guard case .array(let items)? = json else { return [] }
      return items.map { if case .string(let s) = $0 { return s } else { return $0.compact } }
    }
    switch kind {
    case "table":
      var out = "<div class=\"table-wrap\"><table class=\"output-table\">\n<thead><tr>"
      out += strings(d["headers"]).map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
      if case .array(let rows)? = d["rows"] {
        for row in rows { out += "<tr>" + strings(row).map { "<td>\(esc($0))</td>" }.joined() + "</tr>\n" }
      }
      return out + "</tbody>\n</table></div>\n"
    case "record":
      var out = "<table class=\"output-record\">\n<tbody>\n"
      if case .array(let fields)? = d["fields"] {
        for case .object(let f) in fields {
          out += "<tr><th>\(esc(strings(.array([f["name"] ?? .null])).first ?? ""))</th>"
          out += "<td>\(esc(strings(.array([f["value"] ?? .null])).first ?? ""))</td></tr>\n"
        }
      }
      return out + "</tbody>\n</table>\n"
    default:
      let text = strings(.array([d["text"] ?? .null])).first ?? ""
      return "<pre class=\"output-value\">" + ReportHTMLRenderer.preContent(esc(text)) + "</pre>\n"
    }
  }

  func esc(_ text: String) -> String { HTMLText.escape(text) }
}
