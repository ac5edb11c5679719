import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Temporary files and folders named `<prefix><pid>.<suffix>` whose writer process is gone (the
/// suffix is mkstemp's 6 characters or a UUID's 36, so no other file can match): a
/// render killed (`kill -9`, out of memory) between creating one and renaming it into place
/// leaves it behind. The next writer of the same target removes them; a live process's
/// temporary (a render running at the same time) is never touched.
public enum AbandonedTemporaries {
  /// Removes the entries of `folder` named `<prefix><pid>.<anything>` whose process has ended;
  /// returns how many.
  @discardableResult
  public static func remove(in folder: String, prefix: String) -> Int {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }
    var removed = 0
    for name in names where name.hasPrefix(prefix) {
      let rest = name.dropFirst(prefix.count)
      guard let dot = rest.firstIndex(of: "."), let pid = Int32(rest[..<dot]), pid > 0,
        [6, 36].contains(rest[rest.index(after: dot)...].count), !isRunning(pid)
      else { continue }
      if (try? FileManager.default.removeItem(atPath: folder + "/" + name)) != nil { removed += 1 }
    }
    return removed
  }

  /// Whether a process `pid` exists (signal 0 checks without sending; EPERM means it exists).
  public static func isRunning(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
  }
}
