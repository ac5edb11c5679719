import Foundation
import NotebookFuzzing

/// One fuzzing session shared by its workers: hands out inputs in index order (so an input
/// depends only on the seed and its index, whatever the number of workers), stops at the count
/// or the deadline, and keeps the counts per outcome.
final class Campaign: @unchecked Sendable {
  private let lock = NSLock()
  private var maker: InputMaker
  private var nextIndex = 0
  private let count: Int?
  private let deadline: Date?
  private let started = Date()
  private var lastProgress = Date()
  private(set) var counts: [String: Int] = [:]
  private(set) var done = 0
  private(set) var bad = 0

  init(maker: InputMaker, count: Int?, minutes: Double?) {
    self.maker = maker
    self.count = count
    deadline = minutes.map { Date().addingTimeInterval($0 * 60) }
  }

  /// The next input and its index, or nil once the count is reached or the time is up.
  func take() -> (index: Int, input: FuzzCase)? {
    lock.withLock {
      if let count, nextIndex >= count { return nil }
      if let deadline, Date() >= deadline { return nil }
      defer { nextIndex += 1 }
      return (nextIndex, maker.next(nextIndex))
    }
  }

  /// Counts an outcome; prints bad ones at once and a progress line every `every` seconds.
  func record(_ index: Int, _ input: FuzzCase, _ outcome: Outcome, every: TimeInterval = 60) {
    lock.withLock {
      counts["\(input.kind): \(outcome)", default: 0] += 1
      done += 1
      if outcome.isBad {
        bad += 1
        say("input \(index) (\(input.kind)): \(outcome)")
      }
      if Date().timeIntervalSince(lastProgress) >= every {
        lastProgress = Date()
        say("… \(done) inputs in \(Int(Date().timeIntervalSince(started) / 60)) min, \(bad) bad")
      }
    }
  }

  /// Runs `body` on `jobs` threads at once until ``take()`` has no more inputs.
  func run(jobs: Int, _ body: @escaping @Sendable (Int, FuzzCase) -> Void) {
    let group = DispatchGroup()
    for _ in 0..<max(1, jobs) {
      group.enter()
      Thread {
        while let (index, input) = self.take() { body(index, input) }
        group.leave()
      }.start()
    }
    group.wait()
  }
}

/// Prints a line at once (unbuffered, also into a pipe or a log file).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
