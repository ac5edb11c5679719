import Foundation
import Testing
@testable import NotebookCore

/// End to end: real notebooks through the parser, checker, interpreter, the
/// real gnuplot and the report writers.
@Suite(.serialized) struct NotebookRenderTests {
  static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

  func fixture(_ name: String) throws -> String {
    try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
  }

  func render(_ name: String, path: String, allowErrors: Bool = false, overrides: [(String, String)] = [],
    into existing: URL? = nil, cache: NotebookRenderer.CacheMode = .use
  ) throws -> (NotebookRenderer.Result, URL) {
    let directory = existing ?? FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
    let session = try NotebookSession.load(path: path, text: try fixture(name), overrides: overrides)
    var options = NotebookRenderer.Options()
    options.reportsDirectory = directory.appendingPathComponent("reports").path
    options.figuresDirectory = directory.appendingPathComponent("figures").path
    options.cacheDirectory = directory.appendingPathComponent("cell-cache").path
    options.cache = cache
    options.allowErrors = allowErrors
    return (try NotebookRenderer(session: session, options: options).render(), directory)
  }

  /// Removes the run-time-dependent parts (durations) before comparing renders.
  func stable(_ text: String) -> String {
    text.replacingOccurrences(of: #""duration_s": [0-9.e+-]+"#, with: "", options: .regularExpression)
      .replacingOccurrences(of: #"<span class="duration">[^<]*</span>"#, with: "", options: .regularExpression)
  }

  @Test func smallNotebookRendersWithFiguresTablesAndEscaping() throws {
    let (result, directory) = try render("notebooks/small.md", path: "notebooks/small.md")
    defer { try? FileManager.default.removeItem(at: directory) }
    #expect(result.succeeded, "failures: \(result.failures)")
    let statuses = result.report.cells.map(\.status)
    #expect(statuses == [.ok, .ok, .ok, .skipped, .expectedError])
    let html = try String(contentsOfFile: directory.appendingPathComponent("reports/small.html").path, encoding: .utf8)
    #expect(html.contains("A small &lt;notebook&gt; &amp; friends"))
    #expect(html.contains("&lt;b&gt;not bold&lt;/b&gt;"))
    #expect(!html.contains("<script"))
    #expect(html.contains("<svg role=\"img\""), "figures are inlined")
    #expect(!html.contains("http://") || !html.contains("src=\"http"), "no external requests")
    let svg = try String(
      contentsOfFile: directory.appendingPathComponent("figures/small/fit.svg").path, encoding: .utf8)
    #expect(svg.contains("<svg") && !svg.contains("<script"))
    #expect(
      !FileManager.default.fileExists(atPath: "PWNED")
        && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("PWNED").path))
    let json = try String(contentsOfFile: directory.appendingPathComponent("reports/small.json").path, encoding: .utf8)
    let record = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    let cells = record["cells"] as! [[String: Any]]
    #expect(cells.count == 5)
    #expect(json.contains("\"width\""), "parameters are recorded")
    #expect(json.contains("fit.svg"), "figure file names are recorded")
    // The Metrics record keeps its numbers at full precision.
    #expect(json.contains("\"fvu\""))
  }

  /// `fig-cap` gives each figure its own caption, `fig-width`/`fig-height` their size (and the
  /// cache key); a cell `caption` is shown once, not under every figure.
  @Test func figureOptionsCaptionAndSizeEachFigure() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let text = """
      ```swift
      //| label: two
      //| fig-cap: ["Rising", "Falling: a <b> c"]
      //| fig-width: 400
      //| fig-height: 300
      plot.line(x: [1, 2, 3], y: [1, 2, 3], title: "up")
      plot.line(x: [1, 2, 3], y: [3, 2, 1], title: "down")
      ```

      ```swift
      //| label: once
      //| caption: Only under the first
      plot.line(x: [1, 2], y: [1, 2], title: "a")
      plot.line(x: [1, 2], y: [2, 1], title: "b")
      ```
      """
    let session = try NotebookSession.load(path: "figs.md", text: text)
    #expect(session.problems.isEmpty, "\(session.problems)")
    var options = NotebookRenderer.Options()
    options.reportsDirectory = directory.appendingPathComponent("reports").path
    options.figuresDirectory = directory.appendingPathComponent("figures").path
    options.cache = .off
    let result = try NotebookRenderer(session: session, options: options).render()
    let captions = result.report.cells.map { cell in
      cell.outputs.compactMap { if case .figure(let f) = $0 { f.caption ?? "-" } else { nil } }
    }
    #expect(captions == [["Rising", "Falling: a <b> c"], ["Only under the first", "-"]])
    let svg = try String(contentsOfFile: directory.appendingPathComponent("figures/figs/two.svg").path, encoding: .utf8)
    #expect(svg.contains("width=\"400\"") && svg.contains("height=\"300\""), "\(svg.prefix(400))")
    let html = try String(contentsOfFile: directory.appendingPathComponent("reports/figs.html").path, encoding: .utf8)
    #expect(html.components(separatedBy: "<figcaption>Only under the first</figcaption>").count == 2, "shown once")
    #expect(html.contains("<figcaption>Falling: a &lt;b&gt; c</figcaption>"))

    let bad = try NotebookSession.load(path: "bad.md", text: "```swift\n//| fig-width: 10\n//| fig-cap: [1, [2]]\n```\n")
    #expect(bad.problems.map(\.message) == [
      "invalid value '10' for 'fig-width': expected a whole number of pixels from 64 to 4096",
      "invalid value '[1, [2]]' for 'fig-cap': expected a list of texts such as [\"Loss\", \"L0\"] or one text",
    ])
  }

  @Test func renderingIsDeterministic() throws {
    let files = ["reports/small.html", "reports/small.json", "figures/small/fit.svg"]
    let (first, directory) = try render("notebooks/small.md", path: "notebooks/small.md", cache: .off)
    defer { try? FileManager.default.removeItem(at: directory) }
    let before = try files.map {
      try String(contentsOfFile: directory.appendingPathComponent($0).path, encoding: .utf8)
    }
    let (second, _) = try render("notebooks/small.md", path: "notebooks/small.md", into: directory, cache: .off)
    #expect(first.succeeded && second.succeeded)
    for (file, a) in zip(files, before) {
      let b = try String(contentsOfFile: directory.appendingPathComponent(file).path, encoding: .utf8)
      if stable(a) != stable(b) {
        let la = stable(a).split(separator: "\n"), lb = stable(b).split(separator: "\n")
        let first = zip(la, lb).first { $0 != $1 }
        Issue.record("\(file) differs between two renders: \(String(describing: first))")
      }
    }
  }

  @Test func parametersAreConstantsNamedAsParameters() throws {
    let text = "---\nparams:\n  steps: 5\n---\n\n```swift\nsteps = 6\n```\n"
    let problems = try NotebookSession.load(path: "p.md", text: text).problems
    #expect(problems.map(\.message) == ["cannot assign to value: 'steps' is a 'let' constant"])
    #expect(problems.first?.notes == ["'steps' is a notebook parameter: set it in the front matter or with -P steps=…"])
  }

  @Test func parameterOverridesAreTypedAndRecorded() throws {
    let (result, directory) = try render("notebooks/small.md", path: "notebooks/small.md", overrides: [("width", "40")])
    defer { try? FileManager.default.removeItem(at: directory) }
    #expect(result.succeeded)
    #expect(result.report.params.first { $0.name == "width" }?.value == .int(40))
    #expect(throws: UsageError.self) {
      try NotebookSession.load(path: "x.md", text: try fixture("notebooks/small.md"), overrides: [("width", "wide")])
    }
    #expect(throws: UsageError.self) {
      try NotebookSession.load(path: "x.md", text: try fixture("notebooks/small.md"), overrides: [("depth", "3")])
    }
  }

  @Test func parameterFilesGiveTypedOverridesAndClearErrors() throws {
    let pairs = try ParameterFile.parse("width: 40\nname: \"run 2\"\n", path: "p.yml")
    #expect(pairs.map(\.0) == ["width", "name"] && pairs.map(\.1) == ["40", "run 2"])
    let session = try NotebookSession.load(
      path: "x.md", text: try fixture("notebooks/small.md"), overrides: pairs.prefix(1) + [("width", "48")])
    #expect(session.parameters.first { $0.name == "width" }?.value == .int(48), "-P given after the file wins")
    #expect(try ParameterFile.parse("", path: "p.yml").isEmpty)
    func message(_ text: String) -> String {
      do { _ = try ParameterFile.parse(text, path: "p.yml"); return "no error" } catch { return "\(error)" }
    }
    #expect(message("- 1\n- 2\n").hasPrefix("p.yml:1:1: a parameter file must be a mapping"))
    #expect(message("width:\n  - 1\n").hasPrefix("p.yml:2:3: parameter 'width' must be a single value"))
    #expect(message("width: [1, 2\n").hasPrefix("p.yml: invalid YAML"))
    #expect(throws: NotebookIOError.self) { try ParameterFile.read(path: "/nonexistent/p.yml") }
    #expect(throws: UsageError.self) {
      try NotebookSession.load(
        path: "x.md", text: try fixture("notebooks/small.md"),
        overrides: try ParameterFile.parse("width: 2.5", path: "p.yml"))
    }
  }

  @Test func aDivergingTrainingFailsWithTheStepWhereItHappened() throws {
    let result = try TestNotebook.run("""
      ```swift
      let data = synthetic.superposition(features: 32, dim: 8, sparsity: 0.1, samples: 300)
      let sae = train(data.x, width: 16, activation: .topK(k: 2), steps: 50, batch: 64, lr: 1e30)
      ```
      """, path: "diverge.md")
    #expect(!result.succeeded && result.report.cells.map(\.status) == [.failed])
    let diagnostic = try #require(result.report.cells[0].diagnostic)
    #expect(
      diagnostic.contains("diverge.md:3:11: error:") && diagnostic.contains("SAE training diverged at step "),
      "\(diagnostic)")
  }

  @Test func aFailingCellStopsTheRunAndIsReported() throws {
    let (result, directory) = try render("notebooks/failing.md", path: "notebooks/failing.md")
    defer { try? FileManager.default.removeItem(at: directory) }
    #expect(!result.succeeded)
    #expect(result.report.cells.map(\.status) == [.ok, .failed, .notRun])
    let diagnostic = try #require(result.report.cells[1].diagnostic)
    #expect(diagnostic.hasPrefix("notebooks/failing.md:10:10: error: index 5 out of range"), "\(diagnostic)")
    #expect(
      FileManager.default.fileExists(atPath: directory.appendingPathComponent("reports/failing.html").path),
      "the report is written anyway")
    let (allowed, d2) = try render("notebooks/failing.md", path: "notebooks/failing.md", allowErrors: true)
    defer { try? FileManager.default.removeItem(at: d2) }
    #expect(allowed.report.cells.map(\.status) == [.ok, .failed, .ok])
  }

  /// `notebook check` reports every problem of every cell at once, each at its
  /// line and column, printed by the one diagnostic renderer (golden file).
  @Test func checkReportsEveryProblemWithLocations() throws {
    let text = try fixture("check/errors.md")
    let session = try NotebookSession.load(path: "notebooks/errors.md", text: text)
    let rendered = DiagnosticRenderer(sources: ["notebooks/errors.md": text]).render(session.problems)
    let goldenURL = Self.fixtures.appendingPathComponent("check/errors.expected")
    if ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" {
      let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/check/errors.expected")
      try rendered.write(to: source, atomically: true, encoding: .utf8)
    }
    let golden = try String(contentsOf: goldenURL, encoding: .utf8)
    #expect(rendered == golden)
    #expect(session.problems.count >= 8, "expected every error, got \(session.problems.count)")
  }

  @Test func aCellPastItsTimeLimitIsStoppedAtASafePoint() throws {
    let text = """
      ```swift
      //| timeout: 0.2
      let data = synthetic.superposition(features: 16, dim: 8, sparsity: 0.2, samples: 512)
      let sae = train(data.x, width: 16, activation: .topK(k: 2), steps: 1_000_000, batch: 64)
      ```

      ```swift
      var n = 0
      for i in 0..<10 { n += i }
      print(n)
      ```
      """
    let session = try NotebookSession.load(path: "timeout.md", text: text)
    var options = NotebookRenderer.Options()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    options.reportsDirectory = directory.path
    options.cacheDirectory = directory.appendingPathComponent("cell-cache").path
    options.allowErrors = true
    let start = Date()
    let result = try NotebookRenderer(session: session, options: options).render()
    #expect(Date().timeIntervalSince(start) < 10, "the time limit must stop training promptly")
    #expect(result.report.cells.map(\.status) == [.timedOut, .ok])
    #expect(
      result.report.cells[0].diagnostic?.contains("ran past its time limit of 0.2 s") == true,
      "\(result.report.cells[0].diagnostic ?? "")")
  }

  @Test func anEnormousLoopIsStoppedByTheTimeLimitAndTheBudgetStopsTheRender() throws {
    let text = """
      ```swift
      //| timeout: 0.3
      var n = 0
      for i in 0..<1_000_000_000_000 { n += 1 }
      ```

      ```swift
      print(1)
      ```
      """
    let session = try NotebookSession.load(path: "loop.md", text: text)
    var options = NotebookRenderer.Options()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    options.reportsDirectory = directory.path
    options.cache = .off
    let start = Date()
    let result = try NotebookRenderer(session: session, options: options).render()
    #expect(Date().timeIntervalSince(start) < 10)
    #expect(result.report.cells.map(\.status) == [.timedOut, .notRun])
    options.totalTimeout = 0.2
    let budget = try NotebookRenderer(
      session: try NotebookSession.load(
        path: "loop.md", text: text.replacingOccurrences(of: "//| timeout: 0.3", with: "")), options: options
    ).render()
    #expect(budget.report.cells.map(\.status) == [.timedOut, .notRun])
  }

  /// Prose is rendered under the render's time budget too: past it, the report shows the rest of
  /// the prose as plain text, says so at the top, and the render fails.
  @Test func proseRenderingObeysTheTotalTimeLimit() throws {
    let text = "# T\n\nSome *prose* with $x^2$ <b>.\n\n```swift\nvar s = 0\nwhile true { s += 1 }\n```\n\nMore *prose* after.\n"
    var options = NotebookRenderer.Options()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    options.reportsDirectory = directory.path
    options.cache = .off
    options.totalTimeout = 0.3
    let result = try NotebookRenderer(session: try NotebookSession.load(path: "t.md", text: text), options: options).render()
    #expect(result.report.cells.map(\.status) == [.timedOut])
    #expect(result.failures.contains { $0.message.contains("while rendering the prose") }, "\(result.failures)")
    let html = try String(contentsOf: directory.appendingPathComponent("t.html"), encoding: .utf8)
    #expect(html.contains("<strong>Prose not rendered.</strong>"))
    #expect(html.contains("<pre class=\"prose-text\">More *prose* after.</pre>"))
    // Without a budget, nothing is cut short.
    options.totalTimeout = nil
    var report = result.report
    report.proseDeadline = nil
    #expect(!ReportHTMLRenderer().page(report).proseCutShort)
  }

  /// Nesting and recursion limits multiply: 399 calls deep, each nesting 250 brackets, needs
  /// about 100,000 interpreter frames, past the 8 MB main-thread stack (SIGSEGV). Cells run on
  /// a thread whose stack holds both limits at once.
  @Test func theDeepestProgramTheLimitsAllowRuns() throws {
    let parens = String(repeating: "(", count: 250) + "f(n - 1) + 1" + String(repeating: ")", count: 250)
    let arrays = String(repeating: "[", count: 90) + "g(n - 1)" + String(repeating: "]", count: 90)
    let text = """
      ```swift
      func f(_ n: Int) -> Int {
        if n == 0 { return 0 }
        return \(parens)
      }
      func g(_ n: Int) -> Int {
        if n == 0 { return 0 }
        let a = \(arrays)
        return n
      }
      print(f(399), g(399))
      ```
      """
    let result = try TestNotebook.run(text, path: "deep.md")
    #expect(result.failures.isEmpty, "\(result.failures)")
    #expect(TestNotebook.printed(result) == ["399 399"])
  }

  @Test func aNotebookLargerThanTheLimitIsRefusedWithItsSize() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("big.md").path
    try Data(repeating: UInt8(ascii: "a"), count: NotebookSession.maximumNotebookBytes + 1).write(to: URL(fileURLWithPath: path))
    #expect {
      try NotebookSession.load(path: path)
    } throws: { error in
      "\(error)".contains("it is 16.0 MB, and notebooks are limited to 16.0 MB")
    }
  }

  @Test func runtimeErrorsPointAtTheirArgument() throws {
    let text = """
      ```swift
      let m = loadMatrix("missing/acts.npy")
      ```
      """
    let session = try NotebookSession.load(path: "nb/missing.md", text: text)
    var options = NotebookRenderer.Options()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    options.reportsDirectory = directory.path
    options.cache = .off
    let result = try NotebookRenderer(session: session, options: options).render()
    let d = try #require(result.failures.first)
    #expect(d.range.start == SourcePosition(line: 2, column: 20), "\(d)")
    #expect(d.message.contains("nb/missing/acts.npy"), "\(d.message)")
  }

  @Test func functionsReferenceIsCurrent() throws {
    let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("docs/functions.md")
    let generated = FunctionReference.markdown(.standard)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" {
      try FileManager.default.createDirectory(at: docs.deletingLastPathComponent(), withIntermediateDirectories: true)
      try generated.write(to: docs, atomically: true, encoding: .utf8)
    }
    let committed = try String(contentsOf: docs, encoding: .utf8)
    #expect(
      committed == generated,
      "docs/functions.md is stale: run `swift run notebook functions --markdown > docs/functions.md`")
  }
}
