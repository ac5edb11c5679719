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

  /// Renders and writes both files; returns their paths.
  @discardableResult
  public func write(_ report: Report, name: String) throws -> (html: String, json: String) {
    guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
      throw SAEKitError.invalidArgument("report name '\(name)' must be a plain file name")
    }
    try Self.createDirectory(directory)
    let base = directory.hasSuffix("/") ? directory + name : directory + "/" + name
    let paths = (html: base + ".html", json: base + ".json")
    try Self.writeAtomically(ReportJSONRenderer().render(report), to: paths.json)
    try Self.writeAtomically(ReportHTMLRenderer().render(report), to: paths.html)
    return paths
  }

  /// Creates `path` and its parents when missing.
  public static func createDirectory(_ path: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw SAEKitError.file(path: path, reason: "cannot create the directory: \(error.localizedDescription)")
    }
  }

  /// Writes `text` as UTF-8 to `path` through `.<name>.XXXXXX` in the same
  /// directory, renamed into place (mode 0644).
  public static func writeAtomically(_ text: String, to path: String) throws {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var template = Array((folder + "." + name + ".XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw failure(path, "cannot create a temporary file") }
    let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var renamed = false
    defer { if !renamed { unlink(temporary) } }

    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes { buffer in
        systemWrite(fd, buffer.baseAddress! + written, bytes.count - written)
      }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        close(fd)
        throw failure(path, "write failed")
      }
      written += n
    }
    fchmod(fd, 0o644)
    let synced = fsync(fd) == 0
    let closed = close(fd) == 0
    guard synced, closed else { throw failure(path, "cannot flush") }
    guard rename(temporary, path) == 0 else { throw failure(path, "cannot rename the temporary file into place") }
    renamed = true
  }

  private static func failure(_ path: String, _ what: String) -> SAEKitError {
    .file(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
  }
}

@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
  return Glibc.write(fd, buffer, count)
  #else
  return Darwin.write(fd, buffer, count)
  #endif
}
