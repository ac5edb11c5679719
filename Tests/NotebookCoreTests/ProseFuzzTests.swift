import Foundation
import SAEKit
import Testing
@testable import NotebookCore

/// A seeded slice of fuzzing for the prose layer: the shipped notebooks, mutated with the
/// characters the prose passes treat specially (and random bytes), must check and render to
/// HTML without a trap, whatever the mutation. Deterministic: the same seeds every run.
@Suite struct ProseFuzzTests {
  static let fragments = [
    "$", "$$", "\\$", "`", "``", "[@", "@fig-", "@tbl-", "@eq-", "[^", "]:", "[^n]: note", ":::", "::: {.callout-note}",
    "{#eq-a}", "{#fig-", "> [!NOTE]", "> [!", "![", "](", "](x.svg)", "\\", "|", "|:--|--:|", "\n", "\n\n", "\u{E000}",
    "\u{E001}", "\\frac{", "\\left(", "}", "{", "^", "_", "&", "\\\\", "<script>", "&#", "é", "\u{0}", "\r\n",
  ]

  static var notebooks: [String] {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("notebooks")
    return ["getting-started", "itda", "dark-matter"].compactMap {
      try? String(contentsOf: folder.appendingPathComponent("\($0).md"), encoding: .utf8)
    }
  }

  @Test(arguments: 0..<16) func mutatedNotebooksCheckAndRenderWithoutATrap(_ seed: Int) throws {
    var rng = RandomSource(seed: UInt64(1_000 + seed))
    let sources = Self.notebooks
    try #require(!sources.isEmpty)
    for round in 0..<25 {
      var scalars = Array(sources[(seed + round) % sources.count].unicodeScalars.prefix(12_000))
      for _ in 0..<(1 + Int(rng.next() % 6)) {
        let at = Int(rng.next() % UInt64(scalars.count + 1))
        switch rng.next() % 4 {
        case 0, 1:
          let piece = Self.fragments[Int(rng.next() % UInt64(Self.fragments.count))]
          scalars.insert(contentsOf: piece.unicodeScalars, at: at)
        case 2:
          scalars.removeSubrange(at..<min(scalars.count, at + Int(rng.next() % 200)))
        default:
          let end = min(scalars.count, at + Int(rng.next() % 80))
          scalars.insert(contentsOf: scalars[at..<end], at: at)
        }
      }
      let text = String(String.UnicodeScalarView(scalars))
      let session = try NotebookSession.load(path: "fuzz-\(seed)-\(round).md", text: text)
      var report = Report(
        notebook: session.notebook, params: [], cells: session.notebook.cells.map { ReportCell($0, status: .notRun) },
        gnuplotVersion: nil)
      report.prose = session.prose
      let html = ReportHTMLRenderer().render(report)
      #expect(html.hasSuffix("</html>\n"))
      _ = DiagnosticRenderer(sources: session.sources).render(session.diagnostics)
    }
  }
}
