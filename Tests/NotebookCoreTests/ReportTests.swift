import Foundation
import SAEKit
import Testing
@testable import NotebookCore

/// HTML report, JSON record, SHA-256 and the atomic writer.
/// Set `UPDATE_GOLDENS=1` to rewrite `Fixtures/report/small.{html,json}`.
@Suite struct ReportTests {
  static let svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>"#

  /// A small report touching every kind of block, output and status.
  static func sampleReport(durations: [Double] = [0.0125, 1.5, 0, 0, 0.25, 0.003]) -> Report {
    let prose = """
      # Results
      Some *emphasis*, `a < b` and a [link](https://example.org/?a=1&b=2).
      <div onclick="x()">raw html</div>

      ## Results
      ## Hello, World!
      """
    let cells = [
      ReportCell(
        index: 0, label: "train", source: "//| keep\nlet x = [1, 2.5e-3] // comment\nprint(\"loss \\(x)\")",
        status: .ok,
        outputs: [
          .text("loss 0.1\nstep <2>"),
          .value(display: .text("0.3333"), data: .double(1.0 / 3.0)),
          .value(
            display: .table(headers: ["k", "fvu"], rows: [["8", "0.25"], ["16", "0.125"]]),
            data: .array([
              .object(["k": .int(8), "fvu": .double(0.25)]), .object(["k": .int(16), "fvu": .double(0.125)]),
            ])),
          .value(
            display: .keyValue([DisplayField("fvu", "0.01"), DisplayField("l0", "12.5")]),
            data: .object(["fvu": .double(0.01), "l0": .double(12.5)])),
          .figure(ReportFigure(
            name: "loss", relativePath: "figures/small/loss.svg", svg: svg, caption: "Loss & steps",
            spec: FigureSpec(kind: .line, series: [.init(title: "train", x: [1, 2], y: [0.5, 0.1])], ylog: true))),
        ],
        duration: durations[0]),
      ReportCell(
        index: 1, source: "let y = trian(x)", caption: "A caption", status: .failed,
        diagnostic: "nb.md:9:9: error: unknown function 'trian'\n    let y = trian(x)\n            ^~~~~\n",
        duration: durations[1]),
      ReportCell(index: 2, label: "later", source: "print(y)", status: .notRun, duration: durations[2]),
      ReportCell(index: 3, source: "slow()", echo: false, status: .skipped, duration: durations[3]),
      ReportCell(
        index: 4, label: "oops", source: "1 / 0", status: .expectedError,
        diagnostic: "nb.md:20:1: error: division by zero\n", duration: durations[4]),
      ReportCell(
        index: 5, source: "", status: .ok, outputs: [.text("\nstarts with a blank line")], duration: durations[5]),
    ]
    return Report(
      title: "Small <report>", description: "A report \"for\" tests", notebookPath: "notebooks/small.md",
      params: [
        ReportParam(name: "steps", value: .int(200)), ReportParam(name: "lr", value: .double(0.001), overridden: true),
               ReportParam(name: "name", value: .string("a&b"))],
      seed: 7,
      blocks: [
        .prose(prose), .cell(0), .code(language: "python", text: "print('<hi>')"), .cell(1), .cell(2), .cell(3),
        .cell(4), .cell(5),
      ],
      cells: cells, toolVersion: "0.1.0", gnuplotVersion: "gnuplot 5.4 patchlevel 8")
  }

  static var fixtures: URL {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("report")
  }
  static var sourceFixtures: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/report")
  }

  @Test func goldenHTMLAndJSON() throws {
    let report = Self.sampleReport()
    let outputs = ["small.html": ReportHTMLRenderer().render(report), "small.json": try RunRecord(report).encoded()]
    for (name, text) in outputs.sorted(by: { $0.key < $1.key }) {
      if ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" {
        try FileManager.default.createDirectory(at: Self.sourceFixtures, withIntermediateDirectories: true)
        try text.write(to: Self.sourceFixtures.appendingPathComponent(name), atomically: true, encoding: .utf8)
        continue
      }
      let golden = try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
      #expect(text == golden, "\(name) differs from its golden (UPDATE_GOLDENS=1 rewrites it)")
    }
  }

  @Test func renderingIsDeterministicAndDurationsAreIsolated() throws {
    let a = Self.sampleReport(), b = Self.sampleReport(durations: [9, 8, 7, 6, 5, 4])
    #expect(ReportHTMLRenderer().render(a) == ReportHTMLRenderer().render(a))
    #expect(try RunRecord(a).encoded() == RunRecord(a).encoded())
    let strip = { (html: String) in
      html.replacingOccurrences(of: #"<span class="duration">[^<]*</span>"#, with: "", options: .regularExpression)
    }
    let htmlA = ReportHTMLRenderer().render(a), htmlB = ReportHTMLRenderer().render(b)
    #expect(htmlA != htmlB && strip(htmlA) == strip(htmlB))
    let dropDurations = { (json: String) in json.split(separator: "\n").filter { !$0.contains("\"duration_s\"") } }
    let jsonA = try RunRecord(a).encoded(), jsonB = try RunRecord(b).encoded()
    #expect(jsonA != jsonB && dropDurations(jsonA) == dropDurations(jsonB))
  }

  @Test func everyNotebookTextIsEscaped() {
    var report = Self.sampleReport()
    report.title = "<script>alert(1)</script>"
    report.cells[0].outputs = [.text(#"&<>"'"#)]
    report.blocks.insert(.prose("""
      <script>alert(2)</script>
      <img src=x onerror=alert(3)>
      [bad](javascript:alert(4)) [worse](java&#115;cript:alert(5)) &<script>;
      ![pic](x" onerror="alert(6))
      """), at: 0)
    report.blocks.append(.code(language: #"x"><script>"#, text: "</pre><script>"))
    let html = ReportHTMLRenderer().render(report)
    #expect(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"))
    #expect(html.contains(#"<pre class="output-text">&amp;&lt;&gt;&quot;&#39;</pre>"#))
    #expect(html.range(of: "<script", options: .caseInsensitive) == nil)
    #expect(html.range(of: "javascript:", options: .caseInsensitive) == nil)
    #expect(html.range(of: #"<[^>]*\bon[a-z]+="#, options: .regularExpression) == nil)
    #expect(html.contains("&lt;img src=x onerror=alert(3)&gt;"))  // shown as text
    #expect(html.contains(#"<a>bad</a>"#))
  }

  @Test func sanitizerKeepsInkTagsAndDropsTheRest() {
    let dirty =
      #"<p onclick="x">a &amp; b & c</p><a href="java&#115;cript:alert(1)">b</a><a href="https://x.org/?q=1&r=2">c</a>"#
      + #"<div>d</div><h2 id="ok-1" style="x">e</h2><img src="x.png" alt="a&quot;b"/><br/>>"#
    let clean = HTMLSanitizer.sanitize(dirty)
    let expected =
      #"<p>a &amp; b &amp; c</p><a>b</a><a href="https://x.org/?q=1&amp;r=2">c</a>&lt;div&gt;d&lt;/div&gt;"#
      + #"<h2 id="ok-1">e</h2><img src="x.png" alt="a&quot;b"><br>&gt;"#
    #expect(clean == expected)
  }

  @Test func headingsGetUniqueSlugsAndAContentsList() {
    let html = ReportHTMLRenderer().render(Self.sampleReport())
    #expect(html.contains(#"<h1 id="results">Results</h1>"#))
    #expect(html.contains(#"<h2 id="results-2">Results</h2>"#))
    #expect(html.contains(#"<h2 id="hello-world">Hello, World!</h2>"#))
    #expect(html.contains(##"<li class="toc-level-2"><a href="#hello-world">Hello, World!</a></li>"##))
    #expect(html.contains(#"<section class="cell status-ok" id="cell-train">"#))
    #expect(html.contains(#"id="cell-2""#))
  }

  @Test func anOpeningHeadingThatRepeatsTheTitleIsShownOnce() {
    var report = Self.sampleReport()
    report.blocks = [.prose("\n# Small <report> #\n\nIntro.\n\n# Small <report>\n")]
    let html = ReportHTMLRenderer().render(report)
    #expect(html.components(separatedBy: "<h1").count == 3, "the title block and the later heading: \(html)")
    #expect(html.contains("<p>Intro.</p>"))
    #expect(ReportHTMLRenderer.withoutRepeatedTitle("# Other\ntext", title: "Small") == "# Other\ntext")
    #expect(ReportHTMLRenderer.withoutRepeatedTitle("## Small\ntext", title: "Small") == "## Small\ntext")
    #expect(ReportHTMLRenderer.withoutRepeatedTitle("text\n# Small", title: "Small") == "text\n# Small")
  }

  /// Repeated headings get -2, -3, … skipping reserved anchors; the next suffix is remembered,
  /// so 20,000 headings of one title take one probe each (they took minutes).
  @Test func repeatedHeadingsGetNumberedAnchorsInLinearTime() {
    let slugger = AnchorSlugger()
    slugger.reserve("same-3")
    let ids = (0..<20_000).map { _ in slugger.slug(for: "Same") }
    #expect(ids.prefix(4) == ["same", "same-2", "same-4", "same-5"])
    #expect(ids.last == "same-20001" && Set(ids).count == 20_000)
    #expect(slugger.slug(for: "Other!") == "other")
  }

  @Test func aLineStartingWithCodeStaysInItsParagraph() {
    let prose = ProseRenderer(slugger: AnchorSlugger())
    let html = prose.render(
      "The map\n`a*` is linear and\n`b` too.\n\n```\nfirst\n`kept` apart\n```\n\n| a |\n`c` after a table")
    #expect(html.contains("<p>The map <code>a*</code> is linear and <code>b</code> too.</p>"), "\(html)")
    #expect(html.contains("first\n`kept` apart"), "code blocks are left alone: \(html)")
    #expect(ProseRenderer.joiningCodeSpanLines("# Title\n`x`") == "# Title\n`x`")
    #expect(ProseRenderer.joiningCodeSpanLines("\n`x`") == "\n`x`")
  }

  /// Columns of numbers (with spreads, percentages, ratios, thousands separators) are
  /// right-aligned; a column with any word is not.
  @Test func numericColumnsAreRecognised() {
    #expect(ReportHTMLRenderer.isNumericColumn(["0.168 ± 0.002", "12%", "1.05×", "1,137", "−3", "1.4e-08", "", "–"]))
    #expect(ReportHTMLRenderer.isNumericColumn(["nan", "inf", "-0"]))
    #expect(!ReportHTMLRenderer.isNumericColumn(["0.5", "holds"]))
    #expect(!ReportHTMLRenderer.isNumericColumn(["3 of 3"]) && !ReportHTMLRenderer.isNumericColumn(["", "–"]))
    let html = ReportHTMLRenderer.displayHTML(.table(headers: ["k", "verdict"], rows: [["8", "holds"], ["16", "differs"]]))
    #expect(html.contains("<th class=\"numeric\">k</th><th>verdict</th>") && html.contains("<td class=\"numeric\">16</td><td>differs</td>"))
  }

  /// Figures are SVG inlined in the page (searchable text), labelled for screen readers.
  @Test func figuresAreInlinedSVG() throws {
    let html = ReportHTMLRenderer().render(Self.sampleReport())
    #expect(html.contains(#"<svg role="img" aria-label="Loss &amp; steps" xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>"#))
    #expect(!html.contains("data:image/svg+xml"))
    #expect(html.contains("<figcaption>Loss &amp; steps</figcaption>"))
  }

  @Test func syntaxHighlightingEscapesAndMarksTokens() {
    let html = SyntaxHighlighter.highlight(
      #"let s = "a<b\"" + "\(x + "y")" // <c>"# + "\nfor i in 0..<10 { f(1.5e-3, 0x1F, .let) }")
    #expect(html.hasPrefix(#"<span class="kw">let</span> s = <span class="str">&quot;a&lt;b\&quot;&quot;</span>"#))
    #expect(html.contains(#"<span class="str">&quot;\(x + &quot;y&quot;)&quot;</span>"#))
    #expect(html.contains(#"<span class="com">// &lt;c&gt;</span>"#))
    #expect(html.contains(#"<span class="num">0</span>..&lt;<span class="num">10</span>"#))
    #expect(html.contains(#"<span class="num">1.5e-3</span>, <span class="num">0x1F</span>, .let"#))
  }

  @Test func jsonKeepsFullPrecisionAndSortsKeys() throws {
    let values: [Double] = [
      0.1, 1.0 / 3.0, 1e-5, .leastNonzeroMagnitude, 1.7976931348623157e308, -0.0, 123456789.125, 3,
    ]
    let json = ReportJSON.object([
      "z": .numbers(values), "a": .string("tab\t\"q\"\u{1}é"), "m": .null, "n": .double(.nan),
    ]).encoded()
    #expect(json.hasPrefix("{\n  \"a\": \"tab\\t\\\"q\\\"\\u0001é\",\n  \"m\": null,\n  \"n\": \"nan\",\n  \"z\": ["))
    let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let line = try #require(json.split(separator: "\n").first { $0.contains("\"z\"") })
    let texts = line.drop { $0 != "[" }.dropFirst().dropLast().split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    #expect(texts.compactMap { Double($0) }.map(\.bitPattern) == values.map(\.bitPattern))
    #expect((parsed["z"] as? [Any])?.count == values.count)
    let text = try RunRecord(Self.sampleReport()).encoded()
    let record = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(record["format"] as? String == RunRecord.format)
  }

  /// The record is written and read by one pair of functions: decoding what was encoded
  /// gives the same record, figure specs (kind, axes, series, heat maps) included.
  @Test func recordRoundTripsThroughItsOneEncoderAndDecoder() throws {
    var report = Self.sampleReport()
    let heatmap = FigureSpec(
      heatmap: .init(values: [[1, 0.5], [0.25, 1e-300]], rowLabels: ["a", "b"], columnLabels: nil),
      title: "CKA", xLabel: "layer", yLabel: "layer")
    report.cells[5].outputs.append(
      .figure(ReportFigure(name: "cka", relativePath: "f/cka.svg", svg: Self.svg, spec: heatmap)))
    let record = RunRecord(report)
    let back = try RunRecord.decode(Data(try record.encoded().utf8), source: record.source)
    #expect(back == record)
    guard case .figure(let figure)? = back.cells[5].outputs.last else {
      Issue.record("no figure")
      return
    }
    #expect(figure.spec == heatmap && !figure.isLegacy)
    guard case .figure(let line)? = back.cells[0].outputs.last else { return }
    #expect(line.spec.ylog && line.spec.kind == .line && line.caption == "Loss & steps")
  }

  @Test func sha256MatchesKnownVectors() {
    let vectors: [(String, String)] = [
      ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
      (
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
      ),
      (
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
          + "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
      ("héllo ✓", "5657cdef8a85a584e0e961e6f8247cf5d3f8ed21496ed6fdbcfd43a761e94245"),
      (String(repeating: "a", count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
      (String(repeating: "a", count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
      (String(repeating: "a", count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
      (String(repeating: "a", count: 119), "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
      (String(repeating: "a", count: 120), "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
    ]
    for (input, expected) in vectors { #expect(SHA256.hex(of: input) == expected, "\(input.prefix(20))") }
    #expect(SHA256.hex(SHA256.digest([UInt8](repeating: 0x61, count: 1_000_000)))
      == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    #expect(ReportCell(index: 0, source: "abc", status: .ok).sourceHash == vectors[1].1)
  }

  /// The incremental hasher fed in pieces of every awkward size (0, 1, 63, 64, 65 bytes,
  /// across block boundaries) gives the one-shot digest of the concatenation.
  @Test func sha256InPiecesEqualsOneShot() {
    var random = SystemRandomNumberGenerator()
    let message = (0..<1_000).map { _ in UInt8.random(in: 0...255, using: &random) }
    let whole = SHA256.digest(message)
    for sizes in [[0, 1, 63, 64, 65], [7], [64], [1_000], [55, 9, 200, 1]] {
      var hasher = SHA256.Hasher()
      var at = 0, i = 0
      while at < message.count {
        let n = min(sizes[i % sizes.count], message.count - at)
        message[at..<(at + n)].withUnsafeBytes { hasher.update($0) }
        at += n
        i += 1
        if i > 10_000 { break }  // a run of zero-sized pieces cannot loop forever
      }
      #expect(hasher.finalize() == whole, "\(sizes)")
    }
    message.withUnsafeBytes { #expect(SHA256.digest($0) == whole) }
  }

  @Test func writerWritesBothFilesAtomically() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "report-writer-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))")
    defer { try? FileManager.default.removeItem(at: root) }
    let directory = root.appendingPathComponent("nested/reports").path
    let report = Self.sampleReport()
    let paths = try ReportWriter(directory: directory).write(report, name: "small")
    #expect(paths.html == directory + "/small.html" && paths.json == directory + "/small.json")
    #expect(try String(contentsOfFile: paths.html, encoding: .utf8) == ReportHTMLRenderer().render(report))
    #expect(try String(contentsOfFile: paths.json, encoding: .utf8) == RunRecord(report).encoded())
    try ReportWriter.writeAtomically("second", to: paths.json)
    #expect(try String(contentsOfFile: paths.json, encoding: .utf8) == "second")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["small.html", "small.json"])
    #expect(throws: (any Error).self) { try ReportWriter(directory: directory).write(report, name: "../x") }
  }
}
