import Foundation

/// A self-contained HTML review page for a ``RecordDiff`` (`notebook diff --html`).
///
/// Like the report (``ReportHTMLRenderer``): inline CSS, figures as `data:`
/// URLs, no scripts, no external requests (a Content-Security-Policy forbids
/// them), every text from a record escaped. Cells that differ are open: status
/// and diagnostic changes, printed text as a coloured unified diff, changed
/// numbers highlighted in a table (tables cell by cell in the report's own table
/// HTML), and changed figures redrawn by gnuplot from their recorded specs: old and
/// new series overlaid in one plot on the figure's own axes (`old: T` and `new: T`),
/// or, for heat maps and figures whose kind or scales changed, old and new side by
/// side (heat maps with a map of new − old). Unchanged cells are folded in
/// `<details>` elements, their outputs shown as the report shows them.
/// Deterministic for a given diff.
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
      let side = cell.isAdded ? "new" : "old"
      out +=
        "<p class=\"cell-note\">Only in the \(side) record (status <code>\(esc(only.status.rawValue))</code>).</p>\n"
      return out + outputsHTML(only) + "</section>\n"
    }
    if cell.sourceChanged { out += "<p class=\"cell-note\">The cell's source changed.</p>\n" }
    if cell.statusChanged, let old = cell.old, let new = cell.new {
      out += "<p class=\"change\">Status <code>\(esc(old.status.rawValue))</code> → "
      out += "<code>\(esc(new.status.rawValue))</code></p>\n"
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

  /// A cell's outputs as the report shows them (the report's own HTML for values), figures named only.
  func outputsHTML(_ cell: RunRecord.Cell) -> String {
    var out = ""
    if let diagnostic = cell.diagnostic, !diagnostic.isEmpty {
      out += "<pre class=\"output-text\">" + ReportHTMLRenderer.preContent(esc(diagnostic)) + "</pre>\n"
    }
    for output in cell.outputs {
      switch output {
      case .text(let text):
        out += "<pre class=\"output-text\">" + ReportHTMLRenderer.preContent(esc(text)) + "</pre>\n"
      case .value(let display, _):
        out += ReportHTMLRenderer.displayHTML(display)
      case .figure(let figure):
        let what = DiffTextRenderer.summary(figure.spec)
        out += "<p class=\"cell-note\">Figure <code>\(esc(figure.name))</code> (\(esc(what)))</p>\n"
      }
    }
    return out.isEmpty ? "" : "<div class=\"outputs\">\n" + out + "</div>\n"
  }

  func esc(_ text: String) -> String { HTMLText.escape(text) }
}
