import Foundation
import Synchronization

/// Splits per-row (or per-latent) work over threads (``WorkerPool``).
///
/// ``forEachChunk(count:chunks:_:)`` cuts the work into a fixed number of contiguous
/// chunks that does not depend on the number of cores, so any reduction done per chunk and
/// then combined in chunk order gives the same bits on every machine. Work that reduces
/// nothing per chunk uses ``forEachRange(count:_:)``, whose split grows with the cores.
/// ``workers`` threads (every core, or the limit ``withWorkers(_:_:)`` sets) take the next
/// unclaimed chunk until none is left. Bodies must not call multi-threaded BLAS (level-1
/// calls on short vectors are single-threaded).
public enum Parallel {
  /// Default number of chunks: enough for load balance on a few cores.
  public static let defaultChunks = 32

  /// The contiguous range of chunk `c` when `0..<count` is cut into `chunks` parts.
  @inline(__always)
  public static func range(chunk c: Int, of chunks: Int, count: Int) -> Range<Int> {
    (c * count / chunks)..<((c + 1) * count / chunks)
  }

  /// The most threads one parallel region uses (0: every active core), bound by
  /// ``withWorkers(_:_:)`` for the regions its body starts on the calling thread (or task).
  /// The chunks, and so every result, are the same for any value.
  @TaskLocal static var workerLimit = 0

  /// The number of threads a parallel region started here uses.
  public static var workers: Int {
    workerLimit > 0 ? workerLimit : ProcessInfo.processInfo.activeProcessorCount
  }

  /// Runs `body` with the parallel regions it starts limited to `count` threads (at least 1).
  /// Regions nested inside a region's workers are not limited.
  public static func withWorkers<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
    try $workerLimit.withValue(max(1, count)) { try body() }
  }

  /// Runs `body(chunkIndex, range)` for every chunk of `0..<count`, concurrently: ``workers``
  /// threads each take the next unclaimed chunk until none is left.
  public static func forEachChunk(
    count: Int, chunks: Int = defaultChunks, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let n = max(1, min(chunks, count))
    // The body captures raw buffers; chunks write disjoint parts of them.
    forEachItem(count: n, workers: workers) { _, c in body(c, range(chunk: c, of: n, count: count)) }
  }

  /// Runs `body(range)` over contiguous ranges covering `0..<count`, concurrently. The body does
  /// not learn which chunk it runs, so it cannot reduce per chunk; its results are then the same
  /// for any split, and the split grows with the workers (at least ``defaultChunks``, four per
  /// worker on bigger machines) instead of capping them at ``defaultChunks`` threads.
  public static func forEachRange(count: Int, _ body: (_ range: Range<Int>) -> Void) {
    forEachChunk(count: count, chunks: max(defaultChunks, 4 * workers)) { _, range in body(range) }
  }

  /// Runs `body(worker, item)` for every item of `0..<count` on up to `workers` threads, each
  /// thread taking the next unclaimed item when it finishes one (so a thread that is slowed
  /// down does fewer items instead of holding up the rest). `worker` identifies the thread
  /// (`0..<workers`), e.g. to pick its own scratch memory.
  public static func forEachItem(count: Int, workers: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
    guard count > 0 else { return }
    let threads = max(1, min(workers, count, Parallel.workers))
    if threads == 1 { for item in 0..<count { body(0, item) }; return }
    let next = Atomic<Int>(0)
    WorkerPool.shared.run(participants: threads) { worker in
      while true {
        let item = next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard item < count else { return }
        body(worker, item)
      }
    }
  }

  /// `[transform(0), …, transform(count − 1)]`, the elements computed over the workers (each on
  /// its own, so the array is the same for any split).
  public static func map<Element>(count: Int, _ transform: (Int) -> Element) -> [Element] {
    [Element](unsafeUninitializedCapacity: count) { out, initialized in
      let base = out.baseAddress
      forEachRange(count: count) { range in
        for i in range { (base! + i).initialize(to: transform(i)) }
      }
      initialized = count
    }
  }

  /// Sums `partial(range)` over chunks and adds the chunk results in order
  /// (deterministic regardless of scheduling).
  public static func sum(count: Int, chunks: Int = defaultChunks, _ partial: (Range<Int>) -> Double) -> Double {
    guard count > 0 else { return 0 }
    let n = max(1, min(chunks, count))
    var results = [Double](repeating: 0, count: n)
    results.withUnsafeMutableBufferPointer { out in
      let base = out.baseAddress!
      forEachChunk(count: count, chunks: n) { c, r in base[c] = partial(r) }
    }
    return results.reduce(0, +)
  }
}
