import Synchronization
import Dispatch

/// Splits per-row (or per-latent) work over threads with `concurrentPerform`.
///
/// Work is cut into a fixed number of contiguous chunks that does not depend
/// on the number of cores, so any reduction done per chunk and then combined
/// in chunk order gives the same bits on every machine. Bodies must not call
/// multi-threaded BLAS (level-1 calls on short vectors are single-threaded).
public enum Parallel {
  /// Default number of chunks: enough for load balance on a few cores.
  public static let defaultChunks = 32

  /// The contiguous range of chunk `c` when `0..<count` is cut into `chunks` parts.
  @inline(__always)
  public static func range(chunk c: Int, of chunks: Int, count: Int) -> Range<Int> {
    (c * count / chunks)..<((c + 1) * count / chunks)
  }

  /// Runs `body(chunkIndex, range)` for every chunk of `0..<count`, concurrently.
  public static func forEachChunk(
    count: Int, chunks: Int = defaultChunks, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let n = max(1, min(chunks, count))
    if n == 1 { body(0, 0..<count); return }
    // The body captures raw buffers; chunks write disjoint parts of them.
    withoutActuallyEscaping(body) { escapable in
      let work = UncheckedSendable(escapable)
      DispatchQueue.concurrentPerform(iterations: n) { c in
        work.value(c, range(chunk: c, of: n, count: count))
      }
    }
  }

  /// Runs `body(worker, item)` for every item of `0..<count` on up to `workers` threads, each
  /// thread taking the next unclaimed item when it finishes one (so a thread that is slowed
  /// down does fewer items instead of holding up the rest). `worker` identifies the thread
  /// (`0..<workers`), e.g. to pick its own scratch memory.
  public static func forEachItem(count: Int, workers: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
    guard count > 0 else { return }
    let threads = max(1, min(workers, count))
    if threads == 1 { for item in 0..<count { body(0, item) }; return }
    let next = Mutex(0)
    withoutActuallyEscaping(body) { escapable in
      let work = UncheckedSendable(escapable)
      DispatchQueue.concurrentPerform(iterations: threads) { worker in
        while true {
          let item = next.withLock { value in defer { value += 1 }; return value }
          guard item < count else { return }
          work.value(worker, item)
        }
      }
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

/// Lets a closure over raw buffers cross into `concurrentPerform`; callers
/// guarantee that concurrent invocations touch disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
