import Foundation
import Synchronization
import Testing
@testable import SAEKit

/// The pool behind `Parallel`: every chunk runs exactly once, participants never share a number
/// while they run, and regions started inside a region or from several threads at once finish.
@Suite struct WorkerPoolTests {
  /// Runs `count` chunks on `workers` threads and returns how often each chunk ran.
  private func chunkRuns(count: Int, chunks: Int, workers: Int) -> [Int] {
    let runs = Mutex([Int](repeating: 0, count: count))
    Parallel.withWorkers(workers) {
      Parallel.forEachChunk(count: count, chunks: chunks) { chunk, range in
        #expect(range == Parallel.range(chunk: chunk, of: min(chunks, count), count: count))
        runs.withLock { for i in range { $0[i] += 1 } }
      }
    }
    return runs.withLock { $0 }
  }

  @Test(arguments: [2, 3, 8])
  func everyChunkRunsOnceInManyShortRegions(workers: Int) {
    // Thousands of regions back to back: pool threads sleep, spin and wake between them.
    for region in 0..<3_000 {
      let count = 1 + region % 97
      let runs = chunkRuns(count: count, chunks: 1 + region % 40, workers: workers)
      #expect(runs == [Int](repeating: 1, count: count), "region \(region)")
    }
  }

  @Test func regionsAfterAnIdlePauseStillRun() throws {
    // The pool threads have gone to sleep by the time the second region opens.
    #expect(chunkRuns(count: 64, chunks: 8, workers: 2) == [Int](repeating: 1, count: 64))
    Thread.sleep(forTimeInterval: 0.05)
    #expect(chunkRuns(count: 64, chunks: 8, workers: 2) == [Int](repeating: 1, count: 64))
  }

  @Test(.timeLimit(.minutes(1)))
  func aCallerWaitingForALongChunkIsWokenWhenItEnds() {
    // Item 1 outlasts the caller's spin, so the caller sleeps until the pool thread leaves.
    for _ in 0..<5 {
      let done = Mutex([Bool](repeating: false, count: 2))
      Parallel.withWorkers(2) {
        Parallel.forEachItem(count: 2, workers: 2) { _, item in
          Thread.sleep(forTimeInterval: item == 0 ? 0.005 : 0.03)
          done.withLock { $0[item] = true }
        }
      }
      #expect(done.withLock { $0 } == [true, true])
    }
  }

  @Test(arguments: [2, 4])
  func participantsNeverShareANumber(workers: Int) {
    let inUse = Mutex([Int](repeating: 0, count: workers))
    let clashes = Atomic<Int>(0), items = Atomic<Int>(0)
    for _ in 0..<200 {
      Parallel.withWorkers(workers) {
        Parallel.forEachItem(count: 50, workers: workers) { worker, _ in
          #expect(worker >= 0 && worker < workers)
          if inUse.withLock({ $0[worker] += 1; return $0[worker] }) != 1 {
            clashes.wrappingAdd(1, ordering: .relaxed)
          }
          var spin = 0.0
          for i in 0..<200 { spin += Double(i) }
          items.wrappingAdd(spin > 0 ? 1 : 0, ordering: .relaxed)
          inUse.withLock { $0[worker] -= 1 }
        }
      }
    }
    #expect(clashes.load(ordering: .relaxed) == 0)
    #expect(items.load(ordering: .relaxed) == 200 * 50)
  }

  @Test func nestedRegionsRunEveryChunk() {
    // The inner regions start while the outer one owns the pool, on the caller and on pool threads.
    let runs = Mutex([Int](repeating: 0, count: 16 * 30))
    Parallel.withWorkers(2) {
      Parallel.forEachChunk(count: 16, chunks: 16) { outer, _ in
        Parallel.forEachChunk(count: 30, chunks: 7) { _, range in
          runs.withLock { for i in range { $0[outer * 30 + i] += 1 } }
        }
      }
    }
    #expect(runs.withLock { $0 } == [Int](repeating: 1, count: 16 * 30))
  }

  @Test func regionsFromSeveralThreadsAtOnceRunEveryChunk() {
    // One thread owns the pool at a time; the others' regions take the fallback path.
    let failures = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: 4) { thread in
      for region in 0..<300 {
        let count = 10 + (region + thread) % 50
        let sum = Parallel.withWorkers(2) {
          Parallel.sum(count: count, chunks: 9) { range in Double(range.reduce(0, +)) }
        }
        if sum != Double(count * (count - 1) / 2) { failures.wrappingAdd(1, ordering: .relaxed) }
      }
    }
    #expect(failures.load(ordering: .relaxed) == 0)
  }

  @Test func mapKeepsTheOrderForAnyNumberOfWorkers() {
    for workers in [1, 2, 3] {
      let squares = Parallel.withWorkers(workers) { Parallel.map(count: 1000) { "\($0 * $0)" } }
      #expect(squares == (0..<1000).map { "\($0 * $0)" }, "\(workers) workers")
    }
    #expect(Parallel.map(count: 0) { $0 }.isEmpty)
  }
}
