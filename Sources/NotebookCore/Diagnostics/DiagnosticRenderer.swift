import Foundation

/// Prints diagnostics the way compilers do:
///
/// ```
/// notebooks/x.md:41:17: error: unknown function 'trian'
///     let sae = trian(data.x, width: 4096)
///               ^~~~~
/// note: did you mean 'train'?
/// ```
/// The one renderer used by `notebook check`, `notebook render` and reports.
public struct DiagnosticRenderer: Sendable {
  /// The text of each file diagnostics may point into, by path.
  public var sources: [String: String]

  public init(sources: [String: String]) { self.sources = sources }

  public func render(_ d: Diagnostic) -> String {
    var out = "\(d.range.file):\(d.range.start.line):\(d.range.start.column): \(d.severity.rawValue): \(d.message)\n"
    if let text = sources[d.range.file] {
      // Lines end at "\n" scalars: a "\r\n" is one Character, which would
      // keep a CRLF file in one line.
      let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
      let index = d.range.start.line - 1
      if index >= 0 && index < lines.count {
        var scalars = lines[index]
        if scalars.last == "\r" { scalars = scalars.dropLast() }
        let line = String(String.UnicodeScalarView(scalars)).replacingTabs()
        out += "    \(line)\n"
        let startCol = max(1, d.range.start.column)
        let width: Int
        if d.range.end.line == d.range.start.line {
          width = max(1, d.range.end.column - startCol)
        } else {
          width = max(1, line.unicodeScalars.count - startCol + 1)
        }
        out += "    " + String(repeating: " ", count: startCol - 1) + "^" + String(repeating: "~", count: width - 1) + "\n"
      }
    }
    for note in d.notes { out += "note: \(note)\n" }
    return out
  }

  public func render(_ ds: [Diagnostic]) -> String { ds.map(render).joined() }
}

extension String {
  /// Tabs become single spaces so that caret columns line up.
  func replacingTabs() -> String { replacingOccurrences(of: "\t", with: " ") }
}
