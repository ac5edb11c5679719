import Foundation

/// Progress of long cells on standard error: a redrawn bar on a terminal,
/// plain lines (every 25%) in logs.
final class ProgressLine: @unchecked Sendable {
  let isTerminal = isatty(STDERR_FILENO) != 0
  private var lastDecile = -1
  private var label = ""
  private var lastWhat = ""
  private let lock = NSLock()

  func start(_ text: String) {
    lock.withLock {
      label = text
      lastDecile = -1
      write(isTerminal ? "\r\u{1B}[K\(text)" : "\(text)\n")
    }
  }

  func update(_ what: String, _ fraction: Double) {
    lock.withLock {
      let pct = Int((fraction * 100).rounded(.down))
      if what != lastWhat { lastWhat = what; lastDecile = -1 }
      if isTerminal {
        let width = 24, filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        write("\r\u{1B}[K\(label)  \(what) [\(bar)] \(pct)%")
      } else if pct / 25 > lastDecile {
        lastDecile = pct / 25
        write("  \(what): \(pct)%\n")
      }
    }
  }

  func finish(_ text: String) {
    lock.withLock { write(isTerminal ? "\r\u{1B}[K\(text)\n" : "\(text)\n") }
  }

  /// Text of its own (a diagnostic, a warning), after the current line.
  func message(_ text: String) {
    lock.withLock { write(text.hasSuffix("\n") ? text : text + "\n") }
  }

  private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
