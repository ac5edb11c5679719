import Foundation
import Testing
@testable import NotebookCore

/// Annotated-source fixtures of the checker: `Fixtures/checker/*.cell`, in
/// the format of the parser fixtures (see `ParserFixtureTests.swift`). Each
/// case is parsed and then checked against the standard registry; parser and
/// checker diagnostics together must be exactly the expected ones.
@Suite struct CheckerFixtureTests {
  static var names: [String] {
    let dir = LanguageFixtures.directory.deletingLastPathComponent().appendingPathComponent("checker")
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".cell") }.sorted()
  }

  @Test func fixturesArePresent() { #expect(Self.names.count >= 2) }

  @Test(arguments: Self.names)
  func fixture(_ name: String) throws {
    let url = LanguageFixtures.directory.deletingLastPathComponent().appendingPathComponent("checker/\(name)")
    let text = try String(contentsOf: url, encoding: .utf8)
    for c in try LanguageFixtures.cases(in: text) {
      let place = "\(name) case '\(c.name)'"
      let (program, syntax) = CellParser.parse(c.source, file: name, firstLine: c.firstLine)
      var checker = Checker(registry: .standard, notebook: [program])
      let diagnostics = syntax + checker.check(program)
      let expected = c.errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
      let sorted = diagnostics.sorted { $0.range.start < $1.range.start }
      let matched = expected.count == sorted.count && zip(expected, sorted).allSatisfy { $0.matches($1) }
      let actual = sorted.map { "\($0.range.start)-\($0.range.end): \($0.message) \($0.notes)" }
      #expect(matched, "\(place): diagnostics differ\nexpected:\n  \(expected.map(\.description).joined(separator: "\n  "))\nactual:\n  \(actual.joined(separator: "\n  "))")
      if let dump = c.dump {
        #expect(program.dump().split(separator: "\n").map(String.init) == dump, "\(place): dump differs")
      }
    }
  }
}

@Test func deeplyNestedInputIsAnErrorNotACrash() {
  let source = "let x = " + String(repeating: "(", count: 5_000) + "1" + String(repeating: ")", count: 5_000)
  let (_, diagnostics) = CellParser.parse(source, file: "deep.md", firstLine: 1)
  #expect(diagnostics.contains { $0.message.contains("nested too deeply") })
  let blocks = String(repeating: "if true {\n", count: 2_000) + String(repeating: "}\n", count: 2_000)
  let (_, blockDiagnostics) = CellParser.parse(blocks, file: "deep.md", firstLine: 1)
  #expect(blockDiagnostics.contains { $0.message.contains("nested too deeply") })
  // A long chain of operators nests as deeply as brackets do (it crashed the checker at ~1,150 terms).
  let chain = "let y = " + Array(repeating: "1", count: 20_000).joined(separator: " + ")
  let (_, chainDiagnostics) = CellParser.parse(chain, file: "deep.md", firstLine: 1)
  #expect(chainDiagnostics.count == 1 && chainDiagnostics[0].message.hasPrefix("expression is nested too deeply"), "\(chainDiagnostics)")
  let fine = "let y = " + Array(repeating: "1", count: 200).joined(separator: " + ")
  #expect(CellParser.parse(fine, file: "deep.md", firstLine: 1).1.isEmpty)
  // Interpolations inside interpolations: each is lexed and parsed on its own, and each level
  // used to start counting from zero (500 levels crashed the parser, 20,000 the lexer).
  func interpolations(_ n: Int) -> String {
    "let s = \"" + String(repeating: "\\(\"", count: n) + "x" + String(repeating: "\")", count: n) + "\"\nlet t = 1"
  }
  for n in [300, 20_000] {
    let (_, found) = CellParser.parse(interpolations(n), file: "deep.md", firstLine: 1)
    #expect(found.map(\.message) == ["string interpolations are nested too deeply (more than 256 levels)"], "\(found)")
  }
  #expect(CellParser.parse(interpolations(100), file: "deep.md", firstLine: 1).1.isEmpty)
  // Chains of members, calls and subscripts nest too (20,000 crashed the checker).
  for chain in ["let y = [1]" + String(repeating: ".reversed()", count: 20_000), "let z = [[0]]" + String(repeating: "[0]", count: 20_000)] {
    let (_, found) = CellParser.parse(chain, file: "deep.md", firstLine: 1)
    #expect(found.count == 1 && found[0].message.hasPrefix("expression is nested too deeply"), "\(found)")
  }
  #expect(CellParser.parse("let y = [1]" + String(repeating: ".reversed()", count: 100), file: "deep.md", firstLine: 1).1.isEmpty)
  // Types, ternary chains and 'else if' chains recurse too (each crashed at 20,000).
  let n = 20_000
  let recursive = [
    "let x: " + String(repeating: "[", count: n) + "Int" + String(repeating: "]", count: n) + " = []",
    "let x: " + String(repeating: "(", count: n) + "Int" + String(repeating: ")", count: n) + " = 1",
    "let x: " + String(repeating: "(Int) -> ", count: n) + "Int = { $0 }",
    "let x = " + String(repeating: "true ? 1 : ", count: n) + "0",
    "if true { }" + String(repeating: " else if true { }", count: n),
    "let " + String(repeating: "(", count: n) + "a" + String(repeating: ")", count: n) + " = 1",
  ]
  for source in recursive {
    let (_, found) = CellParser.parse(source, file: "deep.md", firstLine: 1)
    #expect(found.count == 1 && found[0].message.contains("nested too deeply"), "\(source.prefix(30)): \(found)")
  }
  #expect(CellParser.parse("let x = " + String(repeating: "true ? 1 : ", count: 50) + "0", file: "deep.md", firstLine: 1).1.isEmpty)
}
