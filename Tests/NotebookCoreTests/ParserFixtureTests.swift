import Foundation
import Testing
@testable import NotebookCore

/// Annotated-source fixtures of the cell language: `Fixtures/language/*.cell`.
///
/// A fixture holds several cases. Text before the first case is a free
/// comment. Each case is parsed as one cell whose first source line is the
/// line after its header, so annotations use the fixture's own line numbers.
/// Annotations are `//` comments, which the lexer skips:
///
/// ```
/// // === case: name                    starts a case
/// // expect-error@+1:14: message       error on the line N below (or @-N above), column 14
/// // expect-error@+1:14-18: message    … whose range ends at column 18 on that line
/// let x = f(1 //~ error@12: message    error on this same line (also @12-14)
/// table(…)     //~ warning@1: message  a warning on this line (warnings are matched like errors)
/// // expect-note: text                 a note of the previous expected error (then all its notes are checked)
/// // expect-dump:                      the expected CellProgram.dump(), one line per
/// // (let x 1)                         comment line after it, up to the first line that
///                                      is not a comment (expect-dump-ranges: dump(ranges: true))
/// ```
/// A case must produce exactly the expected errors, in order (no more), and
/// every case must expect something (errors, a dump or both).
struct FixtureCase {
  var name: String
  var firstLine: Int
  var lines: [String] = []
  var errors: [ExpectedError] = []
  var dump: [String]?
  var dumpRanges = false
  var source: String { lines.joined(separator: "\n") }
}

struct ExpectedError: CustomStringConvertible {
  var line: Int
  var column: Int
  var endColumn: Int?
  var message: String
  var notes: [String]?
  var severity: Diagnostic.Severity = .error

  var description: String { "\(line):\(column)\(endColumn.map { "-\($0)" } ?? ""): \(severity.rawValue): \(message)" }

  func matches(_ d: Diagnostic) -> Bool {
    guard d.severity == severity, d.range.start.line == line, d.range.start.column == column, d.message == message
    else { return false }
    if let endColumn, d.range.end != SourcePosition(line: line, column: endColumn) { return false }
    return notes.map { $0 == d.notes } ?? true
  }
}

enum FixtureFormatError: Error, CustomStringConvertible {
  case malformed(line: Int, text: String)
  var description: String {
    switch self {
    case .malformed(let line, let text): return "malformed annotation at line \(line): \(text)"
    }
  }
}

enum LanguageFixtures {
  static var directory: URL {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("language")
  }

  static var names: [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return files.filter { $0.hasSuffix(".cell") }.sorted()
  }

  static func cases(in text: String) throws -> [FixtureCase] {
    var cases: [FixtureCase] = []
    var inDump = false
    for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let lineNumber = offset + 1
      let line = String(rawLine)
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("// === case:") {
        let name = trimmed.dropFirst("// === case:".count).trimmingCharacters(in: .whitespaces)
        cases.append(FixtureCase(name: name, firstLine: lineNumber + 1))
        inDump = false
        continue
      }
      guard !cases.isEmpty else { continue }
      cases[cases.count - 1].lines.append(line)
      if inDump {
        if trimmed.hasPrefix("//") && !trimmed.hasPrefix("// expect-") {
          let body = trimmed.hasPrefix("// ") ? String(trimmed.dropFirst(3)) : String(trimmed.dropFirst(2))
          cases[cases.count - 1].dump!.append(body)
          continue
        }
        inDump = false
      }
      if trimmed == "// expect-dump:" || trimmed == "// expect-dump-ranges:" {
        cases[cases.count - 1].dump = []
        cases[cases.count - 1].dumpRanges = trimmed.contains("ranges")
        inDump = true
      } else if trimmed.hasPrefix("// expect-error@") {
        let spec = trimmed.dropFirst("// expect-error@".count)
        guard let colon = spec.firstIndex(of: ":"), let delta = Int(spec[..<colon]) else {
          throw FixtureFormatError.malformed(line: lineNumber, text: line)
        }
        let rest = spec[spec.index(after: colon)...]
        cases[cases.count - 1].errors.append(try expectedError(rest, line: lineNumber + delta, at: lineNumber))
      } else if let marker = line.range(of: "//~ error@") {
        let rest = line[marker.upperBound...]
        cases[cases.count - 1].errors.append(try expectedError(rest, line: lineNumber, at: lineNumber))
      } else if let marker = line.range(of: "//~ warning@") {
        var warning = try expectedError(line[marker.upperBound...], line: lineNumber, at: lineNumber)
        warning.severity = .warning
        cases[cases.count - 1].errors.append(warning)
      } else if trimmed.hasPrefix("// expect-note: ") {
        guard !cases[cases.count - 1].errors.isEmpty else {
          throw FixtureFormatError.malformed(line: lineNumber, text: line)
        }
        let note = String(trimmed.dropFirst("// expect-note: ".count))
        let last = cases[cases.count - 1].errors.count - 1
        cases[cases.count - 1].errors[last].notes = (cases[cases.count - 1].errors[last].notes ?? []) + [note]
      } else if trimmed.hasPrefix("// expect") || line.contains("//~") {
        throw FixtureFormatError.malformed(line: lineNumber, text: line)
      }
    }
    return cases
  }

  /// `14: message` or `14-18: message`.
  static func expectedError(_ spec: Substring, line: Int, at annotation: Int) throws -> ExpectedError {
    guard let separator = spec.range(of: ": ") else {
      throw FixtureFormatError.malformed(line: annotation, text: String(spec))
    }
    let columns = spec[..<separator.lowerBound].split(separator: "-").map { Int($0) }
    guard (1...2).contains(columns.count), let column = columns[0], columns.allSatisfy({ $0 != nil }) else {
      throw FixtureFormatError.malformed(line: annotation, text: String(spec))
    }
    let message = String(spec[separator.upperBound...]).trimmingCharacters(in: .whitespaces)
    return ExpectedError(line: line, column: column, endColumn: columns.count == 2 ? columns[1] : nil,
                         message: message, notes: nil)
  }
}

@Suite struct ParserFixtureTests {
  @Test func fixturesArePresent() {
    #expect(LanguageFixtures.names.count >= 6, "found \(LanguageFixtures.names)")
  }

  @Test(arguments: LanguageFixtures.names)
  func fixture(_ name: String) throws {
    let text = try String(contentsOf: LanguageFixtures.directory.appendingPathComponent(name), encoding: .utf8)
    let cases = try LanguageFixtures.cases(in: text)
    #expect(!cases.isEmpty, "\(name) has no cases")
    for fixtureCase in cases {
      check(fixtureCase, file: name)
    }
  }

  func check(_ c: FixtureCase, file: String) {
    let where_ = "\(file) case '\(c.name)' (line \(c.firstLine - 1))"
    #expect(!c.errors.isEmpty || c.dump != nil, "\(where_) expects nothing")
    let (program, diagnostics) = CellParser.parse(c.source, file: file, firstLine: c.firstLine)
    let expected = c.errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    let matched = expected.count == diagnostics.count && zip(expected, diagnostics).allSatisfy { $0.matches($1) }
    let actual = diagnostics.map {
      "\($0.range.start)-\($0.range.end): \($0.message)" + ($0.notes.isEmpty ? "" : " \($0.notes)")
    }
    #expect(matched, "\(where_): diagnostics differ\nexpected:\n  \(expected.map(\.description).joined(separator: "\n  "))\nactual:\n  \(actual.joined(separator: "\n  "))")
    for d in diagnostics {
      #expect(d.range.file == file && d.range.start <= d.range.end, "\(where_): bad range \(d.range)")
      #expect((c.firstLine..<c.firstLine + c.lines.count).contains(d.range.start.line), "\(where_): \(d) outside the case")
    }
    if let dump = c.dump {
      let actualDump = program.dump(ranges: c.dumpRanges).split(separator: "\n").map(String.init)
      #expect(actualDump == dump, "\(where_): dump differs\nexpected:\n\(dump.joined(separator: "\n"))\nactual:\n\(actualDump.joined(separator: "\n"))")
    }
  }
}
