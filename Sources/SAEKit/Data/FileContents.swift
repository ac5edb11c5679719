import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads of files a user names: only regular files are opened, so a FIFO, a device or a socket
/// given as a notebook, a config or a corpus is an error instead of a read that blocks forever.
public enum FileContents {
  /// Why `path` cannot be read as a file, or nil when it is a regular file (`stat`, which never
  /// blocks, as opening a FIFO would).
  public static func problem(_ path: String) -> String? {
    var info = stat()
    guard stat(path, &info) == 0 else { return "no such file" }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFDIR: return "a folder, not a file"
    case S_IFIFO: return "a named pipe (FIFO), not a regular file"
    case S_IFCHR, S_IFBLK: return "a device, not a regular file"
    case S_IFSOCK: return "a socket, not a regular file"
    default: return "not a regular file"
    }
  }

  /// The bytes of the regular file at `path`.
  /// - Throws: ``SAEKitError/file(path:reason:)`` naming what is wrong.
  public static func read(_ path: String) throws -> Data {
    if let problem = problem(path) { throw SAEKitError.file(path: path, reason: problem) }
    do {
      return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw SAEKitError.file(path: path, reason: "cannot read the file")
    }
  }

  /// The bytes of `path`, or nil when it is not a readable regular file.
  public static func readIfRegular(_ path: String, mapped: Bool = false) -> Data? {
    guard problem(path) == nil else { return nil }
    return try? Data(contentsOf: URL(fileURLWithPath: path), options: mapped ? .alwaysMapped : [])
  }
}
