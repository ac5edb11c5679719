import Foundation
import SAEKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `<directory>/<name>.html` and `<directory>/<name>.json`, creating
/// the directory. Each file is written atomically: a temporary file in the
/// same directory, flushed, then renamed over the target, so a reader sees
/// the old file or the whole new one, never a part.
public struct ReportWriter: Sendable {
  public var directory: String

  public init(directory: String = "reports") { self.directory = directory }

  /// Renders and writes both files; returns their paths and whether the prose ran past the
  /// report's deadline (``ReportHTMLRenderer/page(_:)``). Both are written and flushed to
  /// temporary files before either is renamed into place, so a failure (a full disk) leaves the
  /// previous record and HTML together rather than a new record beside an old page.
  @discardableResult
  public func write(_ report: Report, name: String) throws -> (html: String, json: String, proseCutShort: Bool) {
    let base = try prepare(name)
    let page = ReportHTMLRenderer().page(report)
    let paths = (html: base + ".html", json: base + ".json", proseCutShort: page.proseCutShort)
    let contents = [(paths.json, try RunRecord(report).encoded()), (paths.html, page.html)]
    var writers: [AtomicFileWriter] = []
    do {
      for (path, text) in contents {
        let writer = try AtomicFileWriter(path: path)
        writers.append(writer)
        try writer.write(Array(text.utf8))
        try writer.flush()
      }
      for writer in writers { try writer.commit() }
    } catch SAEKitError.file(let path, let reason) {
      throw NotebookIOError(path: path, "cannot write: \(reason)")
    }
    return paths
  }

  /// Renders and writes the HTML only (`notebook report`: the record stays as it is); returns its path.
  @discardableResult
  public func writeHTML(_ report: Report, name: String) throws -> String {
    let path = try prepare(name) + ".html"
    try Self.writeAtomically(ReportHTMLRenderer().render(report), to: path)
    return path
  }

  /// `<directory>/<name>` after checking the name and creating the folder.
  private func prepare(_ name: String) throws -> String {
    guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
      throw UsageError("report name '\(name)' must be a plain file name")
    }
    try Self.createDirectory(directory)
    return directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  /// Creates `path` and its parents when missing.
  /// - Throws: ``NotebookIOError``.
  public static func createDirectory(_ path: String) throws {
    // A file where a folder should be is named, rather than Foundation's "error 512".
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
      prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: prefix, isDirectory: &isFolder), !isFolder.boolValue {
        throw NotebookIOError(path: path, "cannot create the folder: '\(prefix)' is a file, not a folder")
      }
    }
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw NotebookIOError(path: path, "cannot create the folder: \(error.localizedDescription)")
    }
  }

  /// Writes `text` as UTF-8 to `path` through a temporary file in the same
  /// directory, renamed into place (mode 0644): SAEKit's ``AtomicFileWriter``.
  /// - Throws: ``NotebookIOError``.
  public static func writeAtomically(_ text: String, to path: String) throws {
    do {
      try AtomicFileWriter.write(text, to: path)
    } catch SAEKitError.file(_, let reason) {
      throw NotebookIOError(path: path, "cannot write: \(reason)")
    } catch {
      throw NotebookIOError(path: path, "cannot write: \(error)")
    }
  }
}
