#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
private let populateFlag = MAP_POPULATE
#else
private let populateFlag: Int32 = 0
#endif

/// A whole file mapped read-only into memory (`mmap`), unmapped on `deinit`.
///
/// Pages are read from disk on first touch, so opening a 10 GB activation file
/// costs nothing until rows are gathered from it. The mapping is private and
/// read-only; the file must not be truncated while mapped (reading past the
/// new end would raise SIGBUS, as with any mapped file).
///
/// ``bytes`` is valid only while this object is alive: keep a reference to it
/// (or use ``withBytes(_:)``) for as long as the pointer is used.
public final class MappedFile: @unchecked Sendable {
  // @unchecked: the mapping is read-only and never changes after init.

  /// The path the file was opened with.
  public let path: String
  /// The mapped bytes (empty for an empty file).
  public let bytes: UnsafeRawBufferPointer

  /// Maps the file at `path`.
  ///
  /// With `populate`, the whole file is read into the mapping up front
  /// (`MAP_POPULATE`), which is faster when every byte will be read anyway.
  /// - Throws: ``SAEKitError/file(path:reason:)`` when it cannot be opened,
  ///   is not a regular file, or cannot be mapped.
  public init(path: String, populate: Bool = false) throws {
    self.path = path
    // O_NONBLOCK: opening a FIFO with no writer returns at once (then fstat refuses it) instead of blocking.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw SAEKitError.file(path: path, reason: MappedFile.errnoText("cannot open")) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw SAEKitError.file(path: path, reason: MappedFile.errnoText("cannot stat"))
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw SAEKitError.file(path: path, reason: "not a regular file")
    }
    let size = Int(info.st_size)
    guard size > 0 else {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE | (populate ? populateFlag : 0), fd, 0), base != MAP_FAILED else {
      throw SAEKitError.file(path: path, reason: MappedFile.errnoText("cannot map \(size) bytes"))
    }
    bytes = UnsafeRawBufferPointer(start: base, count: size)
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
  }

  /// The file size in bytes.
  public var count: Int { bytes.count }

  /// Calls `body` with the mapped bytes, keeping the mapping alive meanwhile.
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withExtendedLifetime(self) { try body(bytes) }
  }

  /// Hints the kernel that rows will be read in random order (no read-ahead).
  public func adviseRandomAccess() {
    if let base = bytes.baseAddress {
      _ = madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_RANDOM)
    }
  }

  static func errnoText(_ what: String) -> String {
    "\(what): \(String(cString: strerror(errno)))"
  }
}
