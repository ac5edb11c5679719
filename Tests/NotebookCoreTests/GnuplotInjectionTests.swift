import Foundation
import Testing

@testable import NotebookCore

/// Notebook text must never run a command through gnuplot, nor put markup into the SVG.
/// Each test puts hostile strings into every text field, runs the real gnuplot, and checks
/// (1) no marker file was created — neither at an absolute path in a private folder nor
/// relative to gnuplot's working directory, (2) the SVG parses as XML, has no `<script`,
/// and shows every string literally. The positive controls prove the markers *would*
/// appear if gnuplot evaluated the text.
@Suite struct GnuplotInjectionTests {
  /// Hostile strings; `dir` is an absolute folder where a successful attack leaves a file.
  static func payloads(markerDirectory dir: String) -> [String] {
    [
      "`touch \(dir)/PWNED1` `touch PWNED1`",
      "system(\"touch \(dir)/PWNED2\")",
      "'; system(\"touch \(dir)/PWNED3\"); '",
      "\"; ! touch \(dir)/PWNED4",
      "x\n!touch \(dir)/PWNED5\nset output '|touch \(dir)/PWNED5b'",
      "\r! touch PWNED6\r\n",
      "'.system('touch \(dir)/PWNED7').'",
      "\\'; system(\"touch PWNED8\") # ",
      "{/x\"><script>alert(1)</script>} {/=99 big} ^{up}_{down} @title",
      "</text><script>alert(1)</script><text>",
      "\"<touch \(dir)/PWNED9\" | touch PWNED10 ; eval('!touch PWNED11')",
      "end with backslash \\",
    ]
  }

  static func markerDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gp-injection-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  static func contents(_ url: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
  }

  /// A line figure and a heatmap carrying the payloads in every text field.
  static func hostileSpecs(_ p: [String]) -> [FigureSpec] {
    [
      FigureSpec(
        kind: .line,
        series: p.enumerated().map { .init(title: $0.element, x: [1, 2], y: [Double($0.offset), 1]) },
        title: p[0] + p[8], xLabel: p[2] + p[3], yLabel: p[4] + p[9]),
      FigureSpec(
        heatmap: .init(
          values: Array(repeating: Array(repeating: 0.5, count: p.count), count: p.count),
          rowLabels: p, columnLabels: p.reversed()),
        title: p[9], xLabel: p[1], yLabel: p[6]),
      FigureSpec(kind: .histogram, series: [.init(title: p[5], values: [1, 2, 2])], title: p[7], xLabel: p[10]),
    ]
  }

  @Test func hostileTextRunsNothingAndStaysText() throws {
    let markers = try Self.markerDirectory()
    defer { try? FileManager.default.removeItem(at: markers) }
    let payloads = Self.payloads(markerDirectory: markers.path)
    let runner = try FigureFixtures.runner()
    for spec in Self.hostileSpecs(payloads) {
      let script = try GnuplotScript(spec)
      var workingFiles: [String] = []
      let raw = try runner.run(script: script.text) { workingFiles = Self.contents($0) }
      let svg = try SVGPostProcessor.process(raw, title: spec.title)

      #expect(workingFiles == ["script.gp", "stderr", "stdout"], "gnuplot's folder: \(workingFiles)")
      #expect(Self.contents(markers).isEmpty, "marker files: \(Self.contents(markers))")
      let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
      #expect(!Self.contents(cwd).contains { $0.hasPrefix("PWNED") })

      #expect(!raw.lowercased().contains("<script"))
      let inspection = SVGInspection(svg)
      #expect(inspection.wellFormed)
      #expect(!inspection.elements.contains { ["script", "foreignObject", "a", "iframe"].contains($0) })
      let fonts = Set(inspection.attributes.filter { $0.name == "font-family" }.map(\.value))
      #expect(fonts == ["sans"], "font names must not come from text: \(fonts)")
      #expect(!inspection.attributes.contains { $0.name.lowercased().hasPrefix("on") })
      // Every label is printed literally (so nothing in it was interpreted).
      let tics = (spec.heatmap?.rowLabels ?? []) + (spec.heatmap?.columnLabels ?? [])
      let shown =
        (spec.series.map(\.title) + [spec.title, spec.xLabel, spec.yLabel]).map { GnuplotQuoting.sanitize($0) }
        + tics.map { GnuplotQuoting.sanitize($0, maxLength: GnuplotScript.maximumTicLabelLength) }
      for text in shown where !text.isEmpty {
        #expect(inspection.text.contains(text), "not shown literally: \(text)")
      }
    }
  }

  @Test func titleMarkupIsEscapedInTheSVG() throws {
    let spec = FigureSpec(
      kind: .scatter, series: [.init(title: "a<b & c>d", x: [1], y: [1])], title: "</text><script>alert(1)</script>")
    let svg = try FigureFixtures.runner().render(spec)
    #expect(svg.contains("&lt;/text>&lt;script>alert(1)&lt;/script>"))
    #expect(svg.contains("<title>&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>"))
    #expect(svg.contains("a&lt;b &amp; c>d"))
    #expect(!svg.lowercased().contains("<script"))
    #expect(SVGInspection(svg).wellFormed)
  }

  /// Outside the quoted strings and data blocks, a hostile script holds only our own syntax.
  @Test func userTextOnlyInsideSingleQuotes() throws {
    let payloads = Self.payloads(markerDirectory: "/tmp/x")
    for spec in Self.hostileSpecs(payloads) {
      let text = try GnuplotScript(spec).text
      let unquoted = Self.stripQuotedStringsAndData(text)
      for needle in ["`", "system", "\"", "!", "|", "touch", "script", "{", "\r", "@"] {
        #expect(!unquoted.contains(needle), "'\(needle)' outside quotes")
      }
      #expect(text.split(separator: "\n").filter { $0.hasPrefix("set output") } == ["set output"])
      #expect(text.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { !$0.hasSuffix("\\") || $0.hasSuffix(", \\") })
    }
  }

  @Test func hostileScriptMatchesGolden() throws {
    let spec = Self.hostileSpecs(Self.payloads(markerDirectory: "/nonexistent/markers"))[0]
    try FigureFixtures.expectGolden(GnuplotScript(spec).text, named: "injection.gp")
  }

  /// Positive controls: the same commands, written *unquoted* or in double quotes, do run,
  /// so the absence of markers above is evidence, not an artefact of the test.
  @Test func controlUnsafeScriptsDoLeaveMarkers() throws {
    let markers = try Self.markerDirectory()
    defer { try? FileManager.default.removeItem(at: markers) }
    let runner = try FigureFixtures.runner()
    _ = try runner.run(script: "set output\nset title \"`touch \(markers.path)/BACKQUOTE`\"\n")
    _ = try runner.run(script: "set output\ndummy = system(\"touch \(markers.path)/SYSTEM\")\n")
    var relative: [String] = []
    _ = try runner.run(script: "set output\n!touch RELATIVE\n") { relative = Self.contents($0) }
    #expect(Self.contents(markers) == ["BACKQUOTE", "SYSTEM"])
    #expect(relative.contains("RELATIVE"))
  }

  /// `text` without `'…'` literals (which never contain a quote) and without `$data << T … T` blocks.
  static func stripQuotedStringsAndData(_ text: String) -> String {
    var out = ""
    var terminator: Substring?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if let t = terminator {
        if line == t { terminator = nil }
        continue
      }
      if line.hasPrefix("$data_"), let t = line.split(separator: " ").last { terminator = t }
      var inQuote = false
      for ch in line {
        if ch == "'" {
          inQuote.toggle()
        } else if !inQuote {
          out.append(ch)
        }
      }
      #expect(!inQuote, "unbalanced quotes: \(line)")
      out.append("\n")
    }
    return out
  }
}
