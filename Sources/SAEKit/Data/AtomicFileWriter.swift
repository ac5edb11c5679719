#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file through a temporary file in the same folder, renamed into
/// place by ``commit()``: readers see the old file or the complete new one,
/// never a half-written one. Dropping the writer without committing removes
/// the temporary file.
public final class AtomicFileWriter {
  public let path: String
  private let temporaryPath: String
  private var fd: Int32
  private var committed = false
  private var flushed = false

  /// Creates `.<name>.<pid>.XXXXXX` next to `path`, after removing the temporary files of
  /// `path` that processes no longer running left (``AbandonedTemporaries``).
  public init(path: String) throws {
    self.path = path
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !name.isEmpty else { throw SAEKitError.file(path: path, reason: "not a file name") }
    AbandonedTemporaries.remove(in: folder.isEmpty ? "." : folder, prefix: "." + name + ".")
    var template = Array((folder + "." + name + ".\(getpid()).XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { buffer in
      buffer.baseAddress.map { mkstemp($0) } ?? -1
    }
    guard fd >= 0 else {
      throw SAEKitError.file(path: path, reason: MappedFile.errnoText("cannot create a temporary file"))
    }
    self.fd = fd
    // mkstemp replaced the X's in place; drop the terminating NUL.
    self.temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  deinit {
    if fd >= 0 { close(fd) }
    if !committed { unlink(temporaryPath) }
  }

  /// Appends `data` (all of it, retrying short writes).
  public func write(_ data: UnsafeRawBufferPointer) throws {
    guard var p = data.baseAddress else { return }
    var left = data.count
    while left > 0 {
      let n = systemWrite(fd, p, left)
      if n < 0 {
        if errno == EINTR { continue }
        throw SAEKitError.file(path: path, reason: MappedFile.errnoText("write failed"))
      }
      p += n
      left -= n
    }
  }

  /// Appends `bytes`.
  public func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  /// Writes `text` as UTF-8 to `path` atomically (mode 0644).
  public static func write(_ text: String, to path: String) throws {
    let writer = try AtomicFileWriter(path: path)
    try writer.write(Array(text.utf8))
    try writer.commit()
  }

  /// Flushes the temporary file to disk and closes it, without renaming it yet: a caller that
  /// writes several files flushes them all before renaming any, so a full disk leaves all the
  /// old files in place together.
  public func flush() throws {
    guard !flushed else { return }
    flushed = true
    fchmod(fd, 0o644)
    let syncFailed = fsync(fd) != 0
    let closeFailed = close(fd) != 0
    fd = -1
    guard !syncFailed, !closeFailed else {
      throw SAEKitError.file(path: path, reason: MappedFile.errnoText("cannot flush"))
    }
  }

  /// Flushes, closes and renames the temporary file to ``path``.
  public func commit() throws {
    guard !committed else { return }
    try flush()
    guard rename(temporaryPath, path) == 0 else {
      throw SAEKitError.file(path: path, reason: MappedFile.errnoText("cannot rename the temporary file into place"))
    }
    committed = true
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
