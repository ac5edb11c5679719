/// A problem found in a notebook: by the document parser, the checker, or at
/// run time. Always carries the range in the `.md` file it is about.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Severity: String, Sendable, Hashable { case error, warning, note }
  public var severity: Severity
  public var message: String
  public var range: SourceRange
  /// Extra lines printed after the caret (e.g. "note: did you mean 'train'?").
  public var notes: [String]

  public init(_ severity: Severity = .error, _ message: String, at range: SourceRange, notes: [String] = []) {
    self.severity = severity
    self.message = message
    self.range = range
    self.notes = notes
  }

  public static func error(_ message: String, at range: SourceRange, notes: [String] = []) -> Diagnostic {
    Diagnostic(.error, message, at: range, notes: notes)
  }

  public var description: String { "\(range.file):\(range.start): \(severity.rawValue): \(message)" }
}

/// Several diagnostics thrown together (e.g. every problem `notebook check` found).
public struct DiagnosticList: Error, Sendable {
  public var diagnostics: [Diagnostic]
  public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}
