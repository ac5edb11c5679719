import Foundation

/// Prints diagnostics the way compilers do:
///
/// ```
/// notebooks/x.md:41:17: error: unknown function 'trian'
///     let sae = trian(data.x, width: 4096)
///               ^~~~~
/// note: did you mean 'train'?
/// ```
/// The one renderer used by `notebook check`, `notebook render` and reports. Its time is linear
/// in the sources and the diagnostics: each file is split into lines once, a long line is shown
/// as a window around the caret, and a list shows at most ``perLineLimit`` diagnostics of one
/// line and ``totalLimit`` in all, then says how many it left out.
public struct DiagnosticRenderer: Sendable {
  /// The text of each file diagnostics may point into, by path.
  public let sources: [String: String]
  /// Each source split into lines at "\n" scalars (a "\r\n" is one Character, which would keep a
  /// CRLF file in one line), a trailing "\r" dropped.
  private let lines: [String: [Substring.UnicodeScalarView]]

  /// The most diagnostics ``render(_:)-(Array)`` shows for one line, and in all.
  public static let perLineLimit = 5
  public static let totalLimit = 200
  /// The widest source line shown whole; a longer one is cut to a window around the caret.
  static let lineWindow = 160

  public init(sources: [String: String]) {
    self.sources = sources
    lines = sources.mapValues { text in
      text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
        $0.last == "\r" ? Substring.UnicodeScalarView($0.dropLast()) : Substring.UnicodeScalarView($0)
      }
    }
  }

  public func render(_ d: Diagnostic) -> String {
    var out = "\(d.range.file):\(d.range.start.line):\(d.range.start.column): \(d.severity.rawValue): \(d.message)\n"
    if let fileLines = lines[d.range.file], fileLines.indices.contains(d.range.start.line - 1) {
      let scalars = Array(fileLines[d.range.start.line - 1])
      let startCol = min(max(1, d.range.start.column), scalars.count + 1)
      var width = d.range.end.line == d.range.start.line
        ? max(1, d.range.end.column - startCol) : max(1, scalars.count - startCol + 1)
      // A long line is shown from a little before the caret, at most `lineWindow` columns.
      var first = 0
      var last = scalars.count
      if scalars.count > Self.lineWindow {
        first = max(0, min(startCol - 1 - Self.lineWindow / 4, scalars.count - Self.lineWindow))
        last = min(scalars.count, first + Self.lineWindow)
        width = min(width, max(1, last - (startCol - 1)))
      }
      let lead = first > 0 ? "…" : ""
      let shown = String(String.UnicodeScalarView(scalars[first..<last])).replacingTabs()
      out += "    " + lead + shown + (last < scalars.count ? "…" : "") + "\n"
      out += "    " + String(repeating: " ", count: startCol - 1 - first + lead.count) + "^"
        + String(repeating: "~", count: width - 1) + "\n"
    }
    for note in d.notes { out += "note: \(note)\n" }
    return out
  }

  /// The diagnostics in order, at most ``perLineLimit`` of one line and ``totalLimit`` in all,
  /// then a line saying how many were left out.
  public func render(_ ds: [Diagnostic]) -> String {
    var out = ""
    var perLine: [String: Int] = [:]
    var shown = 0
    var omitted: [Diagnostic.Severity: Int] = [:]
    for d in ds {
      let key = "\(d.range.file):\(d.range.start.line)"
      let onLine = perLine[key, default: 0]
      guard onLine < Self.perLineLimit, shown < Self.totalLimit else {
        omitted[d.severity, default: 0] += 1
        continue
      }
      perLine[key] = onLine + 1
      shown += 1
      out += render(d)
    }
    if !omitted.isEmpty {
      let counts = [Diagnostic.Severity.error, .warning, .note].compactMap { severity in
        omitted[severity].map { "\($0) \(severity.rawValue)\($0 == 1 ? "" : "s")" }
      }
      out += "… and \(counts.joined(separator: ", ")) not shown (at most \(Self.perLineLimit) per line and \(Self.totalLimit) in all are shown)\n"
    }
    return out
  }
}

extension String {
  /// Tabs become single spaces so that caret columns line up.
  func replacingTabs() -> String { replacingOccurrences(of: "\t", with: " ") }
}
