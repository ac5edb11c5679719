import Foundation
import Testing
@testable import NotebookCore

/// Notebook documents: front matter, fences, cells and their options.
@Suite struct DocumentTests {
  static func parse(_ text: String) -> (Notebook, [Diagnostic]) { Notebook.parse(path: "nb.md", text: text) }

  static func at(_ d: Diagnostic) -> String { "\(d.range.start.line):\(d.range.start.column)" }

  @Test func frontMatterKeysAndTypedParams() throws {
    let text = """
      ---
      title: Getting started
      description: "Train: a small SAE"
      seed: 42
      params:
        steps: 200
        lr: 0.001
        quick: false
        dataset: synthetic
        tag: "7"
      ---
      # Hello
      """
    let (nb, diagnostics) = Self.parse(text)
    #expect(diagnostics.isEmpty)
    let fm = nb.frontMatter
    #expect(fm.title == "Getting started")
    #expect(fm.description == "Train: a small SAE")
    #expect(fm.seed == 42)
    #expect(fm.params.map(\.name) == ["steps", "lr", "quick", "dataset", "tag"])
    #expect(fm.params.map(\.value) == [.int(200), .double(0.001), .bool(false), .string("synthetic"), .string("7")])
    let lr = try #require(fm.param(named: "lr"))
    #expect(lr.range.start == SourcePosition(line: 7, column: 3))
    #expect(lr.range.end == SourcePosition(line: 7, column: 5))
    #expect(fm.range?.start.line == 1 && fm.range?.end.line == 11)
    #expect(nb.blocks.count == 1)
    guard case .prose(let prose, let range) = nb.blocks[0] else { Issue.record("expected prose"); return }
    #expect(prose == "# Hello")
    #expect(range.start.line == 12)
  }

  @Test func frontMatterProblemsPointAtTheirKeys() {
    let text = """
      ---
      title: T
      colour: blue
      seed: 1.5
      params:
        ok: 1
        bad: null
      ---
      """
    let (nb, diagnostics) = Self.parse(text)
    #expect(diagnostics.map { "\(Self.at($0)) \($0.severity.rawValue)" } == ["3:1 warning", "4:1 error", "7:3 error"])
    #expect(diagnostics[0].message.contains("colour"))
    #expect(diagnostics[1].message.contains("seed"))
    #expect(nb.frontMatter.title == "T")
    #expect(nb.frontMatter.seed == nil)
    #expect(nb.frontMatter.params.map(\.name) == ["ok"])
  }

  @Test func bibliographyIsOnePathOrAList() throws {
    let (one, none) = Self.parse("---\nbibliography: refs.bib\n---\n")
    #expect(none.isEmpty)
    let file = try #require(one.frontMatter.bibliography.first)
    #expect(one.frontMatter.bibliography.count == 1)
    #expect(file.path == "refs.bib")
    #expect(file.range.start == SourcePosition(line: 2, column: 15))
    #expect(file.range.end == SourcePosition(line: 2, column: 23))
    let (flow, _) = Self.parse("---\nbibliography: [a.bib, \"b c.bib\"]\n---\n")
    #expect(flow.frontMatter.bibliography.map(\.path) == ["a.bib", "b c.bib"])
    let (block, blockProblems) = Self.parse("---\ntitle: T\nbibliography:\n  - a.bib\n  - ../b.bib\n---\n")
    #expect(blockProblems.isEmpty)
    #expect(block.frontMatter.bibliography.map(\.path) == ["a.bib", "../b.bib"])
    #expect(block.frontMatter.bibliography.map { Self.at(Diagnostic.error("", at: $0.range)) } == ["4:5", "5:5"])
    let (empty, emptyProblems) = Self.parse("---\nbibliography:\n---\n")
    #expect(emptyProblems.isEmpty && empty.frontMatter.bibliography.isEmpty)
  }

  @Test func badBibliographyValuesPointAtThemselves() {
    let (nb, diagnostics) = Self.parse("---\nbibliography: [ok.bib, [x], \"\"]\ncolour: red\n---\n")
    #expect(diagnostics.map { "\(Self.at($0)) \($0.severity.rawValue)" } == ["2:24 error", "2:29 error", "3:1 warning"])
    #expect(diagnostics[0].message == "'bibliography' must be a path or a list of paths")
    #expect(diagnostics[2].notes == ["known keys: title, description, seed, params, bibliography"])
    #expect(nb.frontMatter.bibliography.map(\.path) == ["ok.bib"])
    let (_, mapping) = Self.parse("---\nbibliography: {a: b}\n---\n")
    #expect(mapping.map(Self.at) == ["2:15"])
  }

  @Test func yamlSyntaxErrorsMapToNotebookLines() {
    let (_, diagnostics) = Self.parse("---\ntitle: ok\nparams: [1, 2\n---\ntext\n")
    #expect(diagnostics.count == 1)
    #expect(diagnostics.first?.severity == .error)
    #expect((diagnostics.first?.range.start.line ?? 0) >= 3)
    let (_, duplicate) = Self.parse("---\ntitle: ok\ntitle: again\n---\n")
    #expect(duplicate.map(Self.at) == ["3:1"])
    #expect(duplicate.first?.message == "duplicate front matter key 'title'")
    let (_, notMapping) = Self.parse("---\n- a\n---\n")
    #expect(notMapping.map(Self.at) == ["2:1"])
  }

  @Test func unclosedFrontMatterAndLateRulesAreNotFrontMatter() {
    let (nb, diagnostics) = Self.parse("---\ntitle: x\n")
    #expect(diagnostics.map(Self.at) == ["1:1"])
    #expect(nb.frontMatter.title == nil)
    let (late, none) = Self.parse("Intro\n\n---\ntitle: x\n---\n")
    #expect(none.isEmpty)
    #expect(late.frontMatter == FrontMatter())
    #expect(late.blocks.count == 1)
  }

  @Test func fencesOfBothKindsCellsAndCodeBlocks() throws {
    let text = """
      Intro
      ```swift
      let a = 1
      ```
      ~~~python extra words
      print("hi")
      ~~~

      ````swift
      let s = "```"
      ```
      ````
      ```
      plain
      ```
      """
    let (nb, diagnostics) = Self.parse(text)
    #expect(diagnostics.isEmpty)
    #expect(nb.cells.count == 2)
    #expect(nb.cells[0].source == "let a = 1")
    #expect(nb.cells[0].sourceFirstLine == 3)
    #expect(nb.cells[0].range.start == SourcePosition(line: 2, column: 1))
    #expect(nb.cells[0].range.end == SourcePosition(line: 4, column: 4))
    #expect(nb.cells[1].source == "let s = \"```\"\n```")
    #expect(nb.cells[1].sourceFirstLine == 10)
    #expect(nb.blocks.count == 5)
    guard case .code(let language, let code, _) = nb.blocks[2], case .code("", "plain", _) = nb.blocks[4] else {
      Issue.record("expected code blocks, got \(nb.blocks)")
      return
    }
    #expect(language == "python" && code == "print(\"hi\")")
    #expect(nb.blocks[1] == .cell(0) && nb.blocks[3] == .cell(1))
  }

  @Test func aSwiftFenceInsideAnotherFenceIsNotACell() {
    let text = "````markdown\n```swift\nlet x = 1\n```\n````\n~~~\n```swift\n~~~\n"
    let (nb, diagnostics) = Self.parse(text)
    #expect(diagnostics.isEmpty)
    #expect(nb.cells.isEmpty)
    #expect(nb.blocks == [
      .code(language: "markdown", text: "```swift\nlet x = 1\n```", SourceRange(file: "nb.md", start: .init(line: 1, column: 1), end: .init(line: 5, column: 5))),
      .code(language: "", text: "```swift", SourceRange(file: "nb.md", start: .init(line: 6, column: 1), end: .init(line: 8, column: 4))),
    ])
  }

  /// Quarto's `{swift}`, Pandoc's `{.swift}` and `Swift` would silently not run: errors at the info string.
  @Test func infoStringsThatLookLikeCellsAreErrors() {
    let text = "```{swift}\nlet a = 1\n```\n  ``` Swift\nlet b = 2\n```\n~~~{.swift} x\n~~~\n```swiftui\n```\n```python\n```\n"
    let (nb, diagnostics) = Self.parse(text)
    #expect(nb.cells.isEmpty)
    #expect(diagnostics.map(Self.at) == ["1:4", "4:7", "7:4"])
    #expect(diagnostics.allSatisfy { $0.severity == .error })
    #expect(diagnostics[0].message == "code block '{swift}' is not a cell and will not run")
    #expect(diagnostics[1].range.end == SourcePosition(line: 4, column: 12))
    #expect(diagnostics[2].notes.first?.contains("```swift") == true)
  }

  /// The README's table of cell options is the catalog, row for row (a new option needs its row).
  @Test func readmeDocumentsEveryCellOptionWithItsDefault() throws {
    let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("README.md")
    let text = try String(contentsOf: readme, encoding: .utf8)
    let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `") && text.contains("| option | value | default |") }
    for option in CellOptions.catalog {
      let row = "| `\(option.key)` | \(option.value) | \(option.defaultValue) | \(option.meaning) |"
      #expect(rows.contains { $0 == row }, "README.md lacks the row: \(row)")
    }
    #expect(CellOptions.catalog.map(\.key) == CellOptions.knownKeys)
  }

  @Test func indentationCRLFAndUnclosedFences() {
    let (indented, _) = Self.parse("   ```swift\n   let a = 1\n   ```\n    ```swift\n")
    #expect(indented.cells.count == 1)
    #expect(indented.cells[0].source == "   let a = 1")  // columns kept
    let (crlf, none) = Self.parse("Hi\r\n```swift\r\nlet b = 2\r\n```\r\n")
    #expect(none.isEmpty)
    #expect(crlf.cells.map(\.source) == ["let b = 2"])
    let (open, diagnostics) = Self.parse("text\n```swift\nlet c = 3\n")
    #expect(diagnostics.map(Self.at) == ["2:1"])
    #expect(open.cells.map(\.source) == ["let c = 3\n"])
  }

  @Test func cellOptionsAreReadAndStrippedFromTheSource() throws {
    let text = """
      ```swift
      //| label: train-sae
      //| caption: "Loss: over time"
      //| echo: false
      //| eval: false
      //| output: false
      //| error: true
      //| timeout: 2.5
      //| cache: true
      let x = 1
      //| not an option any more
      ```
      """
    let (nb, diagnostics) = Self.parse(text)
    #expect(diagnostics.isEmpty)
    let cell = try #require(nb.cells.first)
    let o = cell.options
    #expect(o.label == "train-sae" && cell.stableName == "train-sae")
    #expect(o.caption == "Loss: over time")
    #expect(!o.echo && !o.eval && !o.output && o.expectError)
    #expect(o.timeout == 2.5 && o.cache == true)
    #expect(cell.source == "let x = 1\n//| not an option any more")
    #expect(cell.sourceFirstLine == 10)
    #expect(cell.fullSource.hasPrefix("//| label: train-sae\n"))
    #expect(o.valueRanges["timeout"]?.start == SourcePosition(line: 8, column: 14))
    #expect(nb.cell(labelled: "train-sae")?.index == 0)
  }

  @Test func cellsWithoutOptionsHaveDefaultsAndStableNames() {
    let (nb, _) = Self.parse("```swift\nlet a = 1\n```\n```swift\n//| label: b\n```\n```swift\n```\n")
    #expect(nb.cells.map(\.stableName) == ["cell-1", "b", "cell-3"])
    #expect(nb.cells[0].options == CellOptions())
    #expect(nb.cells[1].source == "" && nb.cells[1].sourceFirstLine == 6)
    #expect(nb.cells[2].source == "")
  }

  @Test func optionErrorsHaveExactPositions() {
    let text = """
      ```swift
      //| lable: x
      //| echo: yes
      //|   timeout:   -1
      //| label: 1abc
      //| eval
      //| output: true
      //| output: false
      //| caption:
      ```
      ```swift
      //| label: cell-2
      ```
      """
    let (_, diagnostics) = Self.parse(text)
    #expect(diagnostics.map(Self.at) == ["2:5", "3:11", "4:18", "5:12", "6:9", "8:5", "9:13", "12:12"])
    #expect(diagnostics.allSatisfy { $0.severity == .error })
    #expect(diagnostics[0].message == "unknown cell option 'lable'")
    #expect(diagnostics[0].notes.first == "did you mean 'label'?")
    #expect(diagnostics[1].range.end == SourcePosition(line: 3, column: 14))
    #expect(diagnostics[5].message.contains("duplicate cell option 'output'"))
    #expect(diagnostics[6].message.contains("missing value"))
    #expect(diagnostics[7].message.contains("reserved"))
  }

  @Test func duplicateLabelsAreReportedAtTheSecondUse() {
    let (nb, diagnostics) = Self.parse("```swift\n//| label: a\n```\n\n```swift\n//|label:a\n```\n")
    #expect(diagnostics.map(Self.at) == ["6:10"])
    #expect(diagnostics.first?.message == "duplicate label 'a'")
    #expect(diagnostics.first?.notes == ["first used at line 2"])
    #expect(nb.cells.map(\.stableName) == ["a", "cell-2"])
  }

  @Test func diagnosticsRenderWithACaret() {
    let text = "```swift\n//| echo: maybe\n```\n"
    let (_, diagnostics) = Self.parse(text)
    let rendered = DiagnosticRenderer(sources: ["nb.md": text]).render(diagnostics)
    #expect(rendered.hasPrefix("nb.md:2:11: error: invalid value 'maybe' for 'echo'"))
    #expect(rendered.contains("\n    //| echo: maybe\n              ^~~~~\n"))
  }

  /// Thousands of errors on one long line print in linear time and bounded size: at most 5 per
  /// line and 200 in all, each line shown as a window around its caret, and a count of the rest.
  @Test func manyDiagnosticsOnALongLineAreCappedAndWindowed() throws {
    let line = "print(" + Array(repeating: "nope", count: 2_000).joined(separator: ", ") + ")"
    let text = "```swift\n\(line)\n```\n"
    let session = try NotebookSession.load(path: "nb.md", text: text)
    #expect(session.problems.count == 2_000)
    let rendered = DiagnosticRenderer(sources: session.sources).render(session.problems)
    let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(rendered.utf8.count < 5_000, "\(rendered.utf8.count) bytes")
    #expect(lines.filter { $0.contains(": error: cannot find 'nope' in scope") }.count == 5)
    #expect(rendered.hasSuffix("… and 1995 errors not shown (at most 5 per line and 200 in all are shown)\n"))
    // The fifth error is shown in a window that starts at the line's beginning.
    #expect(lines[lines.count - 4] == "    " + String(line.prefix(160)) + "…")
    let far = Diagnostic.error("here", at: SourceRange(file: "nb.md", start: .init(line: 2, column: 10_000), end: .init(line: 2, column: 10_004)))
    let window = DiagnosticRenderer(sources: session.sources).render(far).split(separator: "\n")
    #expect(window[1].hasPrefix("    …") && window[1].hasSuffix("…") && window[1].count == 4 + 162, "\(window[1].count)")
    let caret = try #require(window[2].firstIndex(of: "^"))
    #expect(window[2].distance(from: window[2].startIndex, to: caret) == 4 + 1 + 40, "the caret under column 10000")
    #expect(window[2].hasSuffix("^~~~"))
  }

  @Test func paramOverridesParseByTheDefaultsType() {
    #expect(ParamValue.parse("42", like: .int(0)) == .int(42))
    #expect(ParamValue.parse("-3", like: .int(0)) == .int(-3))
    #expect(ParamValue.parse("100_000", like: .int(0)) == .int(100_000))
    for bad in ["1.5", "abc", "", "_1", "1__0", "1e3"] { #expect(ParamValue.parse(bad, like: .int(0)) == nil) }
    #expect(ParamValue.parse("0.5", like: .double(1)) == .double(0.5))
    #expect(ParamValue.parse("1e-3", like: .double(1)) == .double(0.001))
    #expect(ParamValue.parse("3", like: .double(1)) == .double(3))
    for bad in ["nan", "inf", "-infinity", "0x10", "1,5", "", "1e999"] {
      #expect(ParamValue.parse(bad, like: .double(1)) == nil)
    }
    #expect(ParamValue.parse("true", like: .bool(false)) == .bool(true))
    #expect(ParamValue.parse("false", like: .bool(true)) == .bool(false))
    #expect(ParamValue.parse("yes", like: .bool(true)) == nil)
    #expect(ParamValue.parse("a = b", like: .string("")) == .string("a = b"))
    #expect(ParamValue.double(0.1).description == "0.1" && ParamValue.int(7).typeName == "Int")
  }
}
