import Foundation
import Testing
@testable import NotebookCore

/// The prose around Ink: math, citations, cross-references, footnotes, callouts, table captions,
/// task lists and inlined images; their diagnostics and their HTML.
@Suite struct ProseTests {
  static func kinds(_ text: String) -> [ProseInline] { ProseInlineScanner.scan(text).map(\.inline) }

  static func session(_ text: String, path: String = "nb.md") throws -> NotebookSession {
    try NotebookSession.load(path: path, text: text)
  }

  static func at(_ d: Diagnostic) -> String { "\(d.range.start.line):\(d.range.start.column)-\(d.range.end.column)" }

  /// The HTML of a notebook's report without running its cells.
  static func html(_ text: String, path: String = "nb.md") throws -> String {
    let s = try session(text, path: path)
    var report = Report(notebook: s.notebook, params: [], cells: s.notebook.cells.map { ReportCell($0, status: .notRun) },
                        gnuplotVersion: nil)
    report.prose = s.prose
    return ReportHTMLRenderer().render(report)
  }

  // MARK: - Scanning

  @Test func dollarsFollowPandocsRules() {
    #expect(Self.kinds("costs $5 and $10 today") == [])
    #expect(Self.kinds("a $x^2$ b") == [.inlineMath("x^2")])
    #expect(Self.kinds("not $ x$ nor $x $") == [])
    #expect(Self.kinds("price \\$3 and $y$") == [.literal("$"), .inlineMath("y")])
    #expect(Self.kinds("code `$x$` is code") == [])
    #expect(Self.kinds("``a ` $b$ ``") == [])
    #expect(Self.kinds("$$\n\\sum_i x_i\n$$ {#eq-sum}") == [.displayMath("\n\\sum_i x_i\n", label: "eq-sum")])
    #expect(Self.kinds("$a\n\nb$") == [], "math never crosses a blank line")
    let token = ProseInlineScanner.scan("ab $x$")[0]
    #expect(token.range == 3..<6 && token.contentStart == 4)
  }

  @Test func citationsCrossReferencesAndFootnotes() {
    #expect(Self.kinds("see @fig-loss.") == [.crossReference("fig-loss")])
    #expect(Self.kinds("as @gao2024 found") == [.citation([CitationItem(key: "gao2024", offset: 3)], narrative: true)])
    #expect(Self.kinds("mail a@b.org or \\@handle") == [.literal("@")])
    #expect(Self.kinds("[link](https://x.org/@me) and <https://y.org/@you>") == [])
    let bracket = Self.kinds("[see @a, p. 3; -@b]")
    #expect(bracket == [.citation([
      CitationItem(key: "a", prefix: "see", locator: "p. 3", offset: 5),
      CitationItem(key: "b", suppressAuthor: true, offset: 16),
    ], narrative: false)])
    #expect(Self.kinds("[@a](url) is a link") == [])
    #expect(Self.kinds("note[^1] and [^long-id].") == [.footnoteReference("1"), .footnoteReference("long-id")])
    #expect(Self.kinds("![A *plot*](figs/a.svg){#fig-a}") == [.image(alt: "A *plot*", path: "figs/a.svg", label: "fig-a")])
  }

  @Test func scanningIsLinearOnUnmatchedDelimiters() {
    // Each of these is quadratic with a naive forward search; 200k scalars would take minutes.
    for unit in ["$a ", "[a ", "![a](b ", "<a", "`a ", "@ "] {
      let text = String(repeating: unit, count: 200_000 / unit.count)
      _ = ProseInlineScanner.scan(text)
    }
  }

  // MARK: - Structure

  @Test func blocksOfTheirOwn() {
    let text = """
      Intro.
      > [!TIP] Speed
      > Use *BLAS*.
      ::: {.callout-warning title="Mind the gap"}
      Inside.
      :::
      | a |
      |---|
      : Sizes {#tbl-sizes}
      [^n]: The note,
        continued.
      """
    let segments = ProseStructure.split(text, firstLine: 10)
    guard segments.count == 8 else { Issue.record("\(segments)"); return }
    guard case .alert(.tip, "TIP", "Speed", let quote, 11) = segments[1] else { Issue.record("\(segments[1])"); return }
    #expect(quote.text == "Use *BLAS*.")
    #expect(quote.position(ofScalar: 4) == SourcePosition(line: 12, column: 7), "columns count the removed '> '")
    #expect(segments[2] == .divOpen(ProseDiv(callout: .warning, title: "Mind the gap", otherClasses: []), line: 13))
    #expect(segments[4] == .divClose(line: 15))
    #expect(segments[5] == .tableCaption("Sizes", label: "tbl-sizes", line: 18), "a caption after its table moves before it")
    guard case .markdown(let table) = segments[6], case .footnoteDefinition("n", let note, 19) = segments[7] else {
      Issue.record("\(segments)")
      return
    }
    #expect(table.text == "| a |\n|---|")
    #expect(note.text == "The note,\ncontinued.")
  }

  // MARK: - Diagnostics

  @Test func everyUnresolvedReferenceIsAnErrorAtItsColumns() throws {
    let text = """
      # T
      See @fig-los, [@gao] and $x + \\bad y$.[^none]

      ::: {.callout-note}
      open

      ```swift
      //| label: fig-loss
      print(1)
      ```
      """
    let problems = try Self.session(text).diagnostics.map { "\(Self.at($0)) \($0.severity): \($0.message)" }
    #expect(problems == [
      "2:5-13 error: unknown cross-reference '@fig-los': no figure is labelled 'fig-los'",
      "2:16-20 error: citation '@gao' but the front matter names no bibliography",
      "2:31-35 error: in math: unknown command \\bad",
      "2:39-46 error: footnote '[^none]' is never defined",
      "4:1-20 error: fenced div is never closed: expected a line ':::'",
    ])
    let near = try Self.session(text).diagnostics[0].notes
    #expect(near.first == "did you mean '@fig-loss'?")
  }

  @Test func warningsForWhatIsShownPlainly() throws {
    let text = """
      > [!FOO]
      > x

      [^unused]: never cited.

      ::: {.columns}
      :::

      ![remote](https://example.org/a.png)
      """
    let found = try Self.session(text).diagnostics.map { "\($0.range.start.line) \($0.severity)" }
    #expect(found == ["1 warning", "4 warning", "6 warning", "9 warning"])
  }

  @Test func imagesMustBeInsideTheProjectReadableAndSmall() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prose-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("notebooks"), withIntermediateDirectories: true)
    try Data().write(to: folder.appendingPathComponent("Package.swift"))
    try Data("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8).write(to: folder.appendingPathComponent("logo.svg"))
    let notebook = folder.appendingPathComponent("notebooks/n.md").path
    let text = "![logo](../logo.svg) ![gone](gone.png) ![doc](n.md) ![out](../../x.png)\n"
    let s = try Self.session(text, path: notebook)
    #expect(s.diagnostics.map(\.message) == [
      "image 'gone.png' does not exist (paths are relative to the notebook's folder)",
      "image 'n.md' is not an image the report can inline (gif, jpeg, jpg, png, svg, webp)",
      "image '../../x.png' is outside the notebook's project (\(folder.resolvingSymlinksInPath().path)): copy it into the project",
    ])
    #expect(s.prose.images["../logo.svg"]?.hasPrefix("data:image/svg+xml;base64,PHN2Zy") == true)
  }

  // MARK: - HTML

  @Test func calloutsHoldCellsAndCloseWhereTheyEnd() throws {
    let html = try Self.html("""
      ::: {.callout-important}
      Before.

      ```swift
      print(1)
      ```

      After.
      :::

      > [!CAUTION]
      > Hot.

      Outside.
      """)
    let body = String(html[html.range(of: "<div class=\"callout callout-important\"")!.lowerBound...])
    #expect(body.hasPrefix("""
      <div class="callout callout-important" role="note">
      <p class="callout-title">Important</p>
      <div class="prose">
      <p>Before.</p>
      </div>
      <section class="cell status-not-run"
      """))
    #expect(body.contains("""
      <p>After.</p>
      </div>
      </div>
      <div class="callout callout-caution" role="note">
      <p class="callout-title">Caution</p>
      <div class="prose">
      <p>Hot.</p>
      </div>
      </div>
      <div class="prose">
      <p>Outside.</p>
      """))
  }

  @Test func numberedFiguresTablesEquationsAndFootnotes() throws {
    let html = try Self.html("""
      # Results
      @fig-a, @fig-b-2, @tbl-s and @eq-l; a note.[^n] Again.[^n]

      $$L = 1$$ {#eq-l}

      ![Logo](data:x){#fig-a}

      | k | L0 |
      |:--|---:|
      | 8 | 7.9 |

      : Sparsity {#tbl-s}

      - [ ] open
      - [x] done

      [^n]: The *note*.

      ```swift
      //| label: fig-b
      print(1)
      ```
      """)
    #expect(html.contains("""
      <a class="xref" href="#fig-a">Figure 1</a>, <a class="xref" href="#fig-b-2">Figure 2(b)</a>, \
      <a class="xref" href="#tbl-s">Table 1</a> and <a class="xref" href="#eq-l">Equation 1</a>
      """))
    #expect(html.contains("<sup class=\"footnote-ref\"><a href=\"#fn-1\" id=\"fnref-1\" aria-label=\"Footnote 1\">1</a></sup> Again.<sup class=\"footnote-ref\"><a href=\"#fn-1\" aria-label=\"Footnote 1\">1</a></sup>"))
    #expect(html.contains("<div class=\"equation\" id=\"eq-l\"><math"))
    #expect(html.contains("<span class=\"equation-number\">(1)</span></div>"))
    #expect(html.contains("<p class=\"table-caption\" id=\"tbl-s\"><span class=\"table-number\">Table 1</span>: Sparsity</p>"))
    #expect(html.contains("<th align=\"left\">k</th><th align=\"right\">L0</th>"))
    #expect(html.contains("<li class=\"task\"><input type=\"checkbox\" disabled> open</li><li class=\"task\"><input type=\"checkbox\" checked disabled> done</li>"))
    #expect(html.contains("<li id=\"fn-1\"><p>The <em>note</em>. <a class=\"footnote-back\" href=\"#fnref-1\" aria-label=\"Back to the text\">↩</a></p></li>"))
  }

  @Test func figureCellsAreNumberedInDocumentOrderWithTheirCaptions() throws {
    let text = """
      See @fig-two.

      ```swift
      //| label: fig-one
      //| fig-cap: ["First *a*", "First b"]
      plot.line(x: [1.0, 2.0], y: [1.0, 2.0])
      plot.line(x: [1.0, 2.0], y: [2.0, 1.0])
      ```

      ```swift
      //| label: fig-two
      //| caption: Second
      plot.line(x: [1.0, 2.0], y: [1.0, 3.0])
      ```

      ```swift
      //| label: tbl-sums
      //| tbl-cap: Sums of $x$
      table(columns: ["a"], rows: [["1"], ["2"]])
      ```
      """
    guard (try? GnuplotRunner()) != nil else { return }
    let result = try TestNotebook.run(text, path: "figs.md")
    let html = ReportHTMLRenderer().render(result.report)
    #expect(html.contains("<a class=\"xref\" href=\"#fig-two\">Figure 2</a>"))
    #expect(html.contains("<figure class=\"output-figure\" id=\"fig-one\">"))
    #expect(html.contains("<figcaption><span class=\"figure-number\">Figure 1(a)</span>: First <em>a</em></figcaption>"))
    #expect(html.contains("<figure class=\"output-figure\" id=\"fig-one-2\">"))
    #expect(html.contains("<figcaption><span class=\"figure-number\">Figure 1(b)</span>: First b</figcaption>"))
    #expect(html.contains("<figcaption><span class=\"figure-number\">Figure 2</span>: Second</figcaption>"))
    #expect(html.contains("<p class=\"table-caption\" id=\"tbl-sums\"><span class=\"table-number\">Table 1</span>: Sums of <math"))
  }

  /// A problem in the prose fails the render but the cells still run (their results are in the
  /// report beside the problem); a cell that is never run (`eval: false`) still fails on its errors.
  @Test func proseProblemsFailTheRenderWithoutStoppingTheCells() throws {
    let text = """
      See @fig-missing.

      ```swift
      print("ran")
      ```

      ```swift
      //| eval: false
      let x: Int = "text"
      ```
      """
    let session = try Self.session(text, path: "p.md")
    var options = NotebookRenderer.Options()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prose-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    options.reportsDirectory = directory.path
    options.figuresDirectory = directory.appendingPathComponent("figures").path
    options.cache = .off
    options.allowErrors = true
    let result = try NotebookRenderer(session: session, options: options).render()
    #expect(!result.succeeded)
    #expect(result.failures.map(\.range.start.line) == [1, 9], "\(result.failures)")
    #expect(result.report.cells.map(\.status) == [.ok, .failed])
    #expect(TestNotebook.printed(result) == ["ran"])
  }

  @Test func placeholderCharactersFromTheNotebookAreNeutralised() throws {
    let html = try Self.html("Text \u{E000}0\u{E001} and $x$.\n")
    #expect(html.contains("Text \u{FFFD}0\u{FFFD} and <math"))
  }

  @Test func bracketsThatCannotOpenALinkAreEscapedBeforeInk() {
    // Real links, references, task boxes and code spans are left as they are.
    let kept = "A [link](https://x.org/a_(b)) and [ref][r], `[code [`, [x] and\n[two\nlines](u)."
    #expect(LinkBracketGuard.escaping(kept) == kept)
    #expect(LinkBracketGuard.escaping("```\n[ never\n```\n[a") == "```\n[ never\n```\n&#91;a")
    // Never closed in its paragraph (a blank line ends it).
    #expect(LinkBracketGuard.escaping("a [b\n\n] c") == "a &#91;b\n\n] c")
    // Nested deeper than four: the inner pairs.
    #expect(LinkBracketGuard.escaping("[[[[[[x]]]]]]") == "[[[[&#91;&#91;x&#93;&#93;]]]]")
    // A '(' after the pair that never closes on its line.
    #expect(LinkBracketGuard.escaping("[a](b [c](d)") == "&#91;a&#93;(b [c](d)")
  }

  /// Ink retries a failed link at every enclosing '[': nested brackets cost 2^depth (18 deep took
  /// 3 s, 30 would take hours) and unmatched ones n² (6,000 took 100 s). Each renders at once now.
  @Test func pathologicalBracketsRenderQuicklyAndReadTheSame() throws {
    let nested = String(repeating: "[", count: 30) + "x" + String(repeating: "]", count: 30)
    let unmatched = String(repeating: "a [ ", count: 6_000)
    let parens = String(repeating: "[a](b ", count: 6_000)
    let html = try Self.html("# T\n\n\(nested)\n\n\(unmatched)\n\n\(parens)\n")
    #expect(html.contains("[[[[&#91;&#91;"))
    #expect(html.contains("a &#91; a &#91; "))
    #expect(html.contains("&#91;a&#93;(b &#91;a&#93;(b "))
  }

  /// Ink nests a list for every deeper indentation, recursively (3,000 levels overflowed the
  /// stack): indentation past 64 columns is cut to 64 outside fenced blocks.
  @Test func listsNestAtMostSixtyFourLevels() throws {
    let deep = (0..<100).map { String(repeating: " ", count: 2 * $0) + "- a" }.joined(separator: "\n")
    let capped = ProseRenderer.cappingIndentation(deep).split(separator: "\n")
    #expect(capped[32] == String(repeating: " ", count: 64) + "- a")
    #expect(capped[99] == String(repeating: " ", count: 64) + "- a")
    #expect(capped[31] == String(repeating: " ", count: 62) + "- a")
    let fenced = "```\n" + String(repeating: " ", count: 100) + "code\n```\n\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t- t"
    #expect(ProseRenderer.cappingIndentation(fenced) == "```\n" + String(repeating: " ", count: 100) + "code\n```\n" + String(repeating: " ", count: 64) + "- t")
    let html = try Self.html("# L\n\n" + (0..<1_500).map { String(repeating: " ", count: $0) + "- a" }.joined(separator: "\n") + "\n")
    #expect(html.components(separatedBy: "<li>").count - 1 == 1_500)
  }

  @Test func headingsWithMathHaveReadableAnchorsAndContents() throws {
    let html = try Self.html("## The loss $L_2$\n\nText.\n")
    #expect(html.contains("<a href=\"#the-loss-l-2\">The loss L_2</a>"))
  }

  // MARK: - Golden

  static let bibliography = """
    @article{gao2024, author = {Gao, Leo and Dupr{\\'e} la Tour, Tom and Wu, Jeffrey}, title = {Scaling and evaluating
      sparse autoencoders}, journal = {arXiv preprint}, year = 2024, eprint = {2406.04093}, archiveprefix = {arXiv}}
    @article{engels2024, author = {Engels, Joshua and Riggs, Logan and Tegmark, Max}, title = {Decomposing the Dark
      Matter of Sparse Autoencoders}, year = {2024}, url = {https://arxiv.org/abs/2410.14670}}
    """

  /// Runs `body` with a fresh folder holding ``bibliography`` as `refs.bib` (removed afterwards).
  static func withBibliography(_ body: (URL) throws -> Void) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cite-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data(bibliography.utf8).write(to: folder.appendingPathComponent("refs.bib"))
    try body(folder)
  }

  @Test func citationsAreLinkedToTheReferencesAtTheEnd() throws {
    try Self.withBibliography { folder in
      let path = folder.appendingPathComponent("c.md").path
      let text = "---\nbibliography: refs.bib\n---\nAs @gao2024 show [@engels2024, 3; @gao2024]. Not [@gao2042], nor @gao2042.\n"
      let s = try Self.session(text, path: path)
      #expect(s.diagnostics.map { "\(Self.at($0)) \($0.severity): \($0.message)" } == [
        "4:51-59 error: unknown citation key 'gao2042'",
        "4:66-74 warning: '@gao2042' is not a key of the bibliography: shown as text",
      ])
      #expect(s.diagnostics.allSatisfy { $0.notes.first == "did you mean '@gao2024'?" })
      let html = try Self.html(text, path: path)
      #expect(html.contains("As <span class=\"citation\"><a href=\"#ref-gao2024\">Gao et al.</a> (2024)</span> show <span class=\"citation\">(<a href=\"#ref-engels2024\">Engels et al. 2024</a>, p. 3; <a href=\"#ref-gao2024\">Gao et al. 2024</a>)</span>."))
      #expect(html.contains("<h2 id=\"references\">References</h2>\n<p class=\"reference\" id=\"ref-engels2024\">Engels, Joshua"))
      #expect(html.contains("<li class=\"toc-level-2\"><a href=\"#references\">References</a></li>"))
      // A problem in the .bib file is shown at its line there.
      try Data("@article{x, title = {T}, year = 2024\n".utf8).write(to: folder.appendingPathComponent("refs.bib"))
      let broken = try Self.session(text, path: path)
      let rendered = DiagnosticRenderer(sources: broken.sources).render(try #require(broken.diagnostics.first))
      #expect(rendered.contains("refs.bib:1:") && rendered.contains("@article{x, title = {T}, year = 2024"), "\(rendered)")
    }
  }

  /// Every construct at once, its HTML (from `<main>` on, so the stylesheet does not churn it)
  /// compared with `Fixtures/report/prose.html` (`UPDATE_GOLDENS=1` rewrites it).
  @Test func goldenProse() throws {
    let text = #"""
      ---
      title: Prose golden
      bibliography: refs.bib
      ---
      # Prose golden

      TopK SAEs [@gao2024; see @engels2024, 3-5] follow @gao2024; the year alone: [-@engels2024].

      The reconstruction $\hat x = W_{dec} f(x) + b_{dec}$ misses $\|x - \hat x\|_2^2$,[^loss] and
      @eq-fvu normalises it (@fig-curve, @tbl-k). Costs $5 and $10; \$ and \@ are plain.

      $$\mathrm{FVU} = \frac{\sum_i \|x_i - \hat x_i\|^2}{\sum_i \|x_i - \bar x\|^2}$$ {#eq-fvu}

      ::: {.callout-tip title="Read the *table*"}
      Larger $k$ is not always better.

      ```swift
      //| label: fig-curve
      //| caption: FVU against step.
      print("in the callout")
      ```
      :::

      > [!CAUTION]
      > Not a `$code$` span: $x$.

      | k | FVU |
      |:--|----:|
      | 4 | 0.25 |

      : Sparsity against error {#tbl-k}

      - [x] math
      - [ ] citations

      [^loss]: The squared error, summed over dimensions.
      """#
    try Self.withBibliography { folder in
      let session = try Self.session(text, path: folder.appendingPathComponent("golden.md").path)
      #expect(session.diagnostics.isEmpty, "\(session.diagnostics)")
      var html = try Self.html(text, path: folder.appendingPathComponent("golden.md").path)
        .replacingOccurrences(of: folder.path, with: "FOLDER")
      html = String(html[html.range(of: "<main>")!.lowerBound...])
      let name = "prose.html"
      if ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" {
        try html.write(to: ReportTests.sourceFixtures.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return
      }
      let golden = try String(contentsOf: ReportTests.fixtures.appendingPathComponent(name), encoding: .utf8)
      #expect(html == golden, "\(name) differs from its golden (UPDATE_GOLDENS=1 rewrites it)")
    }
  }
}
