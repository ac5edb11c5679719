/// The errors that stop the tool itself rather than a cell (exit status 2 of the
/// `notebook` command): bad usage, files that cannot be read or written, records
/// that cannot be compared. Problems in a notebook are ``Diagnostic``s instead.

/// A command-line usage problem: an unknown parameter, a value of the wrong type.
public struct UsageError: Error, Sendable, CustomStringConvertible {
  public var description: String
  public init(_ message: String) { description = message }
}

/// A file or folder that cannot be read or written (a notebook, a report, a figure,
/// the cell cache), with the path and the reason.
public struct NotebookIOError: Error, Sendable, CustomStringConvertible, Equatable {
  public var path: String
  public var reason: String
  public init(path: String, _ reason: String) {
    self.path = path
    self.reason = reason
  }
  public var description: String { "\(path): \(reason)" }
}

/// A problem that stops `notebook diff`: text that is not a record, a record of an
/// unknown format, a notebook that cannot be rendered.
public struct DiffError: Error, Sendable, CustomStringConvertible, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
