import Foundation
import NotebookFuzzing

/// What running the tool on an input came to: an exit status the README promises (0, 1, 2), or
/// a crash (a signal, another status) or a hang (past the watchdog).
enum Outcome: Hashable, CustomStringConvertible {
  case exit(Int32)
  case crash(String)
  case hang

  var isBad: Bool { if case .exit(let s) = self { !(0...2).contains(s) } else { true } }
  var description: String {
    switch self {
    case .exit(let s): "exit \(s)"
    case .crash(let how): "crash (\(how))"
    case .hang: "hang"
    }
  }
}

/// Runs `notebook check` and `notebook render` on a case in a fresh folder, each under a
/// watchdog, with the render's own time and memory limits set low.
struct Runner: Sendable {
  let binary: String
  let watchdog: Double
  /// `$SAE_NOTEBOOK_CACHE` of the runs (MiniLM's weights, the activation cache); nil: inherited.
  var cache: String? = nil

  func run(_ input: FuzzCase) -> Outcome {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    guard (try? input.write(into: folder)) != nil else { return .crash("cannot write the input") }
    let check = execute(["check", "case.md"], in: folder)
    if check.isBad { return check }
    return execute(["render", "case.md", "--no-cache", "--timeout", "20", "--memory-limit", "2G", "-o", "out", "--figures", "out/f"], in: folder)
  }

  private func execute(_ arguments: [String], in folder: URL) -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.currentDirectoryURL = folder
    if let cache {
      var environment = ProcessInfo.processInfo.environment
      environment["SAE_NOTEBOOK_CACHE"] = cache
      process.environment = environment
    }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return .crash("cannot start: \(error)") }
    let deadline = Date().addingTimeInterval(watchdog)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
      process.terminate()
      usleep(200_000)
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
      return .hang
    }
    if process.terminationReason == .uncaughtSignal { return .crash("signal \(process.terminationStatus)") }
    return .exit(process.terminationStatus)
  }
}

/// Shrinks a bad input line by line while it stays bad in the same way, in at most `budget`
/// runs (a hang costs a watchdog's time per run, so it gets few).
struct Minimizer: Sendable {
  let runner: Runner

  func minimize(_ input: FuzzCase, _ outcome: Outcome, budget: Int = 60) -> FuzzCase {
    var best = input
    var runs = 0
    var chunk = max(1, best.notebook.split(separator: "\n", omittingEmptySubsequences: false).count / 2)
    while chunk >= 1 && runs < budget {
      var lines = best.notebook.split(separator: "\n", omittingEmptySubsequences: false)
      var start = 0
      var shrank = false
      while start < lines.count && runs < budget {
        var candidate = best
        var kept = lines
        kept.removeSubrange(start..<min(lines.count, start + chunk))
        candidate.notebook = kept.joined(separator: "\n")
        runs += 1
        if runner.run(candidate) == outcome {
          best = candidate
          lines = kept
          shrank = true
        } else {
          start += chunk
        }
      }
      if !shrank { chunk /= 2 }
    }
    return best
  }
}
