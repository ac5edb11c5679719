import Foundation
import Testing

@testable import NotebookCore

#if canImport(FoundationXML)
  import FoundationXML
#endif

// MARK: - Shared helpers (also used by GnuplotInjectionTests)

enum FigureFixtures {
  /// One spec of each kind; their scripts are golden files in Fixtures/figures/<kind>.gp.
  static let line = FigureSpec(
    kind: .line,
    series: [
      .init(title: "train", x: [1, 10, 100, 1000], y: [0.5, 0.1 + 0.2, 1e-3, 2.5e-7]),
      .init(title: "held-out", x: [1, 10, 100, 1000], y: [0.75, 0.25, 0.125, 1.0 / 3.0]),
    ],
    title: "Loss & <curves>", xLabel: "step", yLabel: "loss", xlog: true, ylog: true)
  static let scatter = FigureSpec(
    kind: .scatter, series: [.init(x: [-1.5, 0, 2, 3.25], y: [4, -0.5, 1e10, 0])],
    title: "Scatter", xLabel: "x", yLabel: "y", size: .init(width: 400, height: 300))
  static let histogram = FigureSpec(
    kind: .histogram,
    series: [
      .init(title: "dead", values: [0, 0.5, 1, 1, 2, 3, 3.5, 4]),
      .init(title: "alive", values: [1, 2, 2, 2, 3]),
    ],
    title: "Firing", xLabel: "rate", bins: 4)
  static let heatmap = FigureSpec(
    heatmap: .init(
      values: [[1, 0.5, -0.25], [0.5, 1, 0], [-0.25, 0, 1]],
      rowLabels: ["f0", "f1", "f2"], columnLabels: ["a", "b's", "c"]),
    title: "Cosine similarity", xLabel: "learned", yLabel: "true")

  /// A line plot with error bars on one series (mean ± sd over seeds) and none on the other.
  static let errorBars = FigureSpec(
    kind: .line,
    series: [
      .init(title: "mean ± sd", x: [384, 768, 1536], y: [0.3, 0.25, 0.22], yError: [0.01, 0.005, 0.0025]),
      .init(title: "no bars", x: [384, 1536], y: [0.1, 0.125]),
    ],
    title: "Error bars", xLabel: "width", yLabel: "FVU", xlog: true)

  static let all: [(name: String, spec: FigureSpec)] = [
    ("line", line), ("scatter", scatter), ("histogram", histogram), ("heatmap", heatmap), ("errorbars", errorBars),
  ]

  static var sourceDirectory: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/figures", isDirectory: true)
  }

  /// Compares `text` with Fixtures/figures/<name>; `UPDATE_GOLDENS=1` rewrites the file.
  static func expectGolden(_ text: String, named name: String) throws {
    let url = sourceDirectory.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" {
      try FileManager.default.createDirectory(at: sourceDirectory, withIntermediateDirectories: true)
      try Data(text.utf8).write(to: url, options: .atomic)
      return
    }
    let bundled = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?
      .appendingPathComponent("figures/\(name)")
    let golden = try String(contentsOf: bundled ?? url, encoding: .utf8)
    #expect(text == golden, "script differs from golden \(name); rerun with UPDATE_GOLDENS=1 if intended")
  }

  static func runner() throws -> GnuplotRunner { try GnuplotRunner(timeLimit: 30) }
}

/// What an XML parser sees in an SVG: well-formedness, element names, attributes, text.
final class SVGInspection: NSObject, XMLParserDelegate {
  private(set) var elements: [String] = []
  private(set) var attributes: [(element: String, name: String, value: String)] = []
  private(set) var text = ""
  private(set) var wellFormed = false

  init(_ svg: String) {
    super.init()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = self
    wellFormed = parser.parse() && parser.parserError == nil
  }

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
  ) {
    elements.append(elementName)
    for (name, value) in attributeDict { attributes.append((elementName, name, value)) }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}

// MARK: - Specs and validation

@Suite struct FigureSpecTests {
  private func expectInvalid(_ spec: FigureSpec, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(throws: FigureError.invalidSpec(message), sourceLocation: sourceLocation) { try spec.validate() }
  }

  @Test func validationNamesTheProblem() {
    expectInvalid(.init(kind: .line, series: []), "the line figure has no data series")
    expectInvalid(
      .init(kind: .line, series: [.init(title: "a", x: [1, 2, 3], y: [1, 2])]),
      "series 1 ('a'): x has 3 values but y has 2")
    expectInvalid(.init(kind: .scatter, series: [.init(x: [], y: [])]), "series 1 has no points")
    expectInvalid(
      .init(kind: .line, series: [.init(x: [1], y: [1]), .init(x: [1, 2], y: [0, .nan])]),
      "series 2: y[1] is nan, not a finite number")
    expectInvalid(
      .init(kind: .scatter, series: [.init(x: [.infinity], y: [1])]), "series 1: x[0] is inf, not a finite number")
    expectInvalid(
      .init(kind: .line, series: [.init(x: [1, 2], y: [3, 0])], ylog: true),
      "series 1: y[1] = 0.0 is not positive, but the y axis is logarithmic")
    expectInvalid(
      .init(kind: .histogram, series: [.init(values: [1, -2])], xlog: true),
      "series 1: value[1] = -2.0 is not positive, but the x axis is logarithmic")
    expectInvalid(.init(kind: .histogram, series: [.init(values: [])]), "series 1 has no values")
    expectInvalid(.init(kind: .histogram, series: [.init(values: [1])], bins: 0), "bins must be between 1 and 1000, got 0")
    expectInvalid(
      .init(kind: .line, series: [.init(x: [1], y: [1])], size: .init(width: 10, height: 480)),
      "size 10×480 is outside 64…4096 pixels per side")
    expectInvalid(.init(heatmap: .init(values: [])), "the heatmap matrix is empty")
    expectInvalid(.init(heatmap: .init(values: [[1, 2], [3]])), "heatmap row 1 has 1 values but row 0 has 2")
    expectInvalid(.init(heatmap: .init(values: [[1, .nan]])), "heatmap cell [0][1] is nan, not a finite number")
    expectInvalid(
      .init(heatmap: .init(values: [[1, 2]], columnLabels: ["a"])), "the heatmap has 2 columns but 1 column labels")
    #expect(FigureError.invalidSpec("x").message == "invalid figure: x")
  }

  @Test func errorBarsAreValidated() {
    expectInvalid(
      .init(kind: .line, series: [.init(x: [1, 2], y: [1, 2], yError: [0.1])]), "series 1: 1 error bars for 2 points")
    expectInvalid(
      .init(kind: .line, series: [.init(x: [1, 2], y: [1, 2], yError: [0.1, -0.1])]),
      "series 1: error bar 1 is negative (-0.1)")
    expectInvalid(
      .init(kind: .line, series: [.init(x: [1], y: [1], yError: [.nan])]), "series 1: error bar[0] is nan, not a finite number")
    expectInvalid(
      .init(kind: .scatter, series: [.init(x: [1], y: [1], yError: [0.1])]), "series 1: error bars only apply to a line plot")
    expectInvalid(
      .init(kind: .line, series: [.init(x: [1, 2], y: [1, 0.5], yError: [0.5, 0.5])], ylog: true),
      "series 1: error bar 1 reaches 0.0 on a logarithmic y axis")
  }

  @Test func errorBarsBecomeYErrorLines() throws {
    let text = try GnuplotScript(FigureFixtures.errorBars).text
    #expect(text.contains("\n384.0 0.3 0.01\n"), "x, y and the error bar on one data line")
    #expect(text.contains("with yerrorlines"))
    #expect(text.components(separatedBy: "yerrorlines").count == 2, "only the series with error bars")
  }

  /// Short line series mark their points; long ones are plain lines; every series takes the
  /// next colour of the house palette (several scatter series too).
  @Test func shortSeriesAreMarkedAndSeriesTakeThePalette() throws {
    let long = (0...GnuplotScript.markedLineLength).map(Double.init)
    let short = [1.0, 2.0, 3.0]
    let lines = try GnuplotScript(FigureSpec(kind: .line, series: [
      .init(title: "short", x: short, y: short), .init(title: "long", x: long, y: long),
    ])).text
    #expect(lines.contains("with linespoints linewidth 1.5 pointtype 7 pointsize 0.6 title 'short'"))
    #expect(lines.contains("with lines linewidth 1.5 title 'long'"))
    #expect(lines.contains("set linetype 2 linecolor rgb '#D55E00'") && lines.contains("set linetype cycle 7"))
    let scatter = try GnuplotScript(FigureSpec(kind: .scatter, series: [
      .init(title: "a", x: short, y: short), .init(title: "b", x: short, y: short),
    ])).text
    #expect(scatter.components(separatedBy: "with points pointtype 7 pointsize 0.5").count == 3)
    #expect(Set(GnuplotScript.palette).count == GnuplotScript.palette.count)
  }

  @Test func fixturesAreValidAndCodable() throws {
    for (_, spec) in FigureFixtures.all {
      try spec.validate()
      let decoded = try JSONDecoder().decode(FigureSpec.self, from: JSONEncoder().encode(spec))
      #expect(decoded == spec)
    }
  }

  @Test func histogramBinsMatchHandCount() {
    // Range [0, 4], 4 bins of width 1: [0,1) [1,2) [2,3) [3,4]; the maximum 4 goes in the last.
    let bins = HistogramBins(series: [[0, 0.5, 1, 1, 2, 3, 3.5, 4], [1, 2, 2, 2, 3]], binCount: 4)
    #expect(bins.edges == [0, 1, 2, 3, 4])
    #expect(bins.counts == [[2, 2, 1, 3], [0, 1, 3, 1]])
    #expect(bins.centre(ofBin: 1, logarithmic: false) == 1.5)
    // Sturges: n = 8 → ⌈log₂ 8⌉ + 1 = 4; n = 9 → 5; n = 1 → 1.
    #expect(HistogramBins.sturges(8) == 4 && HistogramBins.sturges(9) == 5 && HistogramBins.sturges(1) == 1)
    // All values equal 2 → range widened to [1.5, 2.5]; 4 bins; 2 lies on edge 2 → bin 2.
    let constant = HistogramBins(series: [Array(repeating: 2, count: 8)])
    #expect(constant.edges == [1.5, 1.75, 2, 2.25, 2.5])
    #expect(constant.counts == [[0, 0, 8, 0]])
    // Huge values: identical ones still get a bin of positive width, far-apart ones finite edges.
    let huge = HistogramBins(series: [[1e308, 1e308, 1e308]], binCount: 10)
    #expect(huge.edges.allSatisfy(\.isFinite) && huge.edges.first! < huge.edges.last! && huge.counts[0].reduce(0, +) == 3)
    let wide = HistogramBins(series: [[1.7e308, -1.7e308, 0]], binCount: 10)
    #expect(wide.edges.allSatisfy(\.isFinite) && wide.counts[0] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1])
    let top = HistogramBins(series: [[Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude]])
    #expect(top.edges.allSatisfy(\.isFinite) && top.counts[0].reduce(0, +) == 2)
    // A width just short of overflowing (found by the fuzz slice): width × i overflowed.
    let near = HistogramBins(series: [[-2, -2, -1.7e308]], binCount: 16)
    #expect(near.edges.allSatisfy(\.isFinite) && near.counts[0] == [1] + Array(repeating: 0, count: 14) + [2], "\(near.edges)")
  }

  @Test func logarithmicHistogramUsesDecades() {
    let bins = HistogramBins(series: [[1, 5, 10, 50, 100, 1000]], binCount: 3, logarithmic: true)
    #expect(bins.edges.count == 4)
    for (edge, expected) in zip(bins.edges, [1.0, 10, 100, 1000]) { #expect(abs(edge - expected) < 1e-9 * expected) }
    #expect(bins.counts == [[2, 2, 2]])
    #expect(abs(bins.centre(ofBin: 0, logarithmic: true) - 10.0.squareRoot()) < 1e-12)
  }
}

// MARK: - Scripts

@Suite struct GnuplotScriptGoldenTests {
  @Test(arguments: FigureFixtures.all.map(\.name))
  func scriptMatchesGolden(name: String) throws {
    let spec = try #require(FigureFixtures.all.first { $0.name == name }?.spec)
    let script = try GnuplotScript(spec)
    #expect(try GnuplotScript(spec) == script, "same spec must give the same bytes")
    try FigureFixtures.expectGolden(script.text, named: "\(name).gp")
  }

  @Test func numbersAreExactAndTerminatorsDerivedFromData() throws {
    let text = try GnuplotScript(FigureFixtures.line).text
    #expect(text.contains("\n10.0 0.30000000000000004\n"))
    #expect(text.contains("\n1000.0 0.3333333333333333\n"))
    #expect(!text.lowercased().contains("nan") && !text.contains("inf"))
    let terminators = text.split(separator: "\n").filter { $0.hasPrefix("$data_") }.map { $0.split(separator: " ").last! }
    #expect(terminators.count == 2 && Set(terminators).count == 2)
    var changed = FigureFixtures.line
    changed.series[0].y[0] = 0.5000000000000001
    let other = try GnuplotScript(changed).text
    #expect(!other.contains(String(terminators[0])) && other.contains(String(terminators[1])))
  }

  @Test func scriptRejectsInvalidSpecs() {
    #expect(throws: FigureError.self) { try GnuplotScript(.init(kind: .line, series: [])) }
  }

  @Test func quotingReplacesQuotesAndRemovesLineBreaks() {
    #expect(GnuplotQuoting.quote("it's") == "'it\u{2019}s'")
    #expect(GnuplotQuoting.quote("''x") == "'\u{2019}\u{2019}x'")
    #expect(GnuplotQuoting.sanitize("a\r\nb\u{0}c\u{2028}d\te\u{7F}\u{9B}\u{FFFF}f") == "a bc d ef")
    #expect(GnuplotQuoting.sanitize("β₁ ≥ ½ 🙂 `x` \\") == "β₁ ≥ ½ 🙂 `x` \\")
  }
}

// MARK: - Rendering through the real gnuplot

@Suite struct GnuplotRenderTests {
  /// gnuplot leaves `>` raw in text, and "]]>" may not appear in XML content: a title holding
  /// it gave an SVG that no XML parser (nor an <img>) accepts.
  @Test func aTitleWithACDATAEndStaysWellFormed() throws {
    var spec = try #require(FigureFixtures.all.first { $0.name == "line" }?.spec)
    spec.title = "a ]]> b <c> & d"
    let svg = try FigureFixtures.runner().render(spec)
    #expect(SVGInspection(svg).wellFormed, "\(svg.prefix(400))")
    #expect(svg.contains("a ]]&gt; b"))
  }

  @Test(arguments: FigureFixtures.all.map(\.name))
  func rendersWellFormedDeterministicSVG(name: String) throws {
    let spec = try #require(FigureFixtures.all.first { $0.name == name }?.spec)
    let runner = try FigureFixtures.runner()
    let first = try runner.render(spec)
    let second = try runner.render(spec)
    #expect(first == second, "two renders must be byte-identical")
    let svg = SVGInspection(first)
    #expect(svg.wellFormed)
    #expect(svg.elements.first == "svg")
    #expect(svg.text.contains(spec.title))
    #expect(first.contains("<title>\(SVGPostProcessor.xmlEscape(spec.title))</title>"))
    #expect(!first.contains("<?xml") && !first.contains("GNUPLOT") && !first.contains("<title>Gnuplot</title>"))
    let size = spec.effectiveSize
    #expect(first.contains("width=\"\(size.width)\" height=\"\(size.height)\""))
    if name == "line" { #expect(first.contains("Loss &amp; &lt;curves>")) }
    // Cells are vector rectangles (`with image pixels`), not a bitmap a viewer would blur.
    if name == "heatmap" { #expect(svg.text.contains("b\u{2019}s") && !first.contains("data:image/png;base64,")) }
  }

  @Test func xmlCheckerRejectsMalformedMarkup() {
    #expect(SVGInspection("<svg><text>a&lt;b></text></svg>").wellFormed)
    #expect(!SVGInspection("<svg><text>a<b></text></svg>").wellFormed)
    #expect(!SVGInspection("<svg><text>a & b</text></svg>").wellFormed)
    #expect(SVGInspection("<svg><script>x</script></svg>").elements == ["svg", "script"])
  }

  @Test func idPrefixMakesIdsUniqueAndKeepsReferencesValid() throws {
    let svg = try FigureFixtures.runner().render(FigureFixtures.scatter, idPrefix: "fig2-")
    let inspection = SVGInspection(svg)
    #expect(inspection.wellFormed)
    let ids = inspection.attributes.filter { $0.name == "id" }.map(\.value)
    #expect(!ids.isEmpty && ids.allSatisfy { $0.hasPrefix("fig2-") })
    let references = inspection.attributes.filter { $0.name.hasSuffix("href") }.map(\.value)
    #expect(!references.isEmpty)
    for reference in references { #expect(ids.contains(String(reference.dropFirst())), "\(reference)") }
    #expect(throws: FigureError.self) { try SVGPostProcessor.process("<svg></svg>", title: "", idPrefix: "1'x") }
  }

  @Test func missingGnuplotHasInstallHint() {
    #expect(throws: FigureError.gnuplotNotFound) { try GnuplotRunner(searchPath: "/nonexistent-dir:") }
    #expect(
      FigureError.gnuplotNotFound.message
        == "gnuplot not found; install it with `apt-get install -y gnuplot-nox` (or run `make demo`, which installs it)")
  }

  @Test func gnuplotErrorsCarryItsMessage() throws {
    do {
      _ = try FigureFixtures.runner().run(script: "set output\nfrobnicate 3\n")
      Issue.record("expected a failure")
    } catch let error as FigureError {
      guard case .gnuplotFailed(let status, let message) = error else { throw error }
      #expect(status != 0)
      #expect(message.contains("line 2") && message.contains("invalid command"), "\(message)")
    }
  }

  @Test func labelsThatLeaveNoRoomAreAnError() throws {
    let spec = FigureSpec(
      heatmap: .init(values: [[1, 0], [0, 1]], rowLabels: ["a long row label", "b"], columnLabels: ["c", "d"]),
      size: .init(width: 64, height: 64))
    let expected = FigureError.unusableOutput(
      "the labels leave no room for the plot at this size; use shorter labels or a larger size")
    #expect(throws: expected) { try FigureFixtures.runner().render(spec) }
  }

  @Test func slowScriptsAreKilled() throws {
    var runner = try FigureFixtures.runner()
    runner.timeLimit = 0.5
    let start = Date()
    #expect(throws: FigureError.timedOut(seconds: 0.5)) { try runner.run(script: "pause 20\n") }
    #expect(Date().timeIntervalSince(start) < 10)
  }

  @Test func versionLooksLikeGnuplot() throws {
    let version = try FigureFixtures.runner().gnuplotVersion()
    #expect(version.hasPrefix("gnuplot ") && version.contains("patchlevel"), "\(version)")
  }
}
