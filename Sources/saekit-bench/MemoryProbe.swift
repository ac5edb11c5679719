import Dispatch
import SAEKit

/// The memory bus's own bound for the optimiser phase: an Adam-shaped stream (read parameter,
/// gradient and both moments, write parameter and moments: 28 bytes per element) over as many
/// elements as the SAE has parameters, on SAEKit's workers, each round after a write of
/// ``flushBytes`` that evicts the last-level cache (in the training step the `(B × m)`
/// pre-activations do the same). It has no divisions or square roots, so it measures the bytes
/// alone: a phase that streams its parameters from DRAM cannot scale with the threads by more
/// than this stream does.
enum MemoryProbe {
  static let flushBytes = 128 << 20

  /// Median milliseconds of one stream over `elements` floats per array, on `threads` workers.
  static func adamStream(elements n: Int, threads: Int, rounds: Int = 15) -> Double {
    // Parameters, gradients and both moments: four arrays of n floats in one allocation.
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 4 * n)
    let flushCount = flushBytes / MemoryLayout<Float>.size
    let flush = UnsafeMutablePointer<Float>.allocate(capacity: flushCount)
    defer { buffer.deallocate(); flush.deallocate() }
    buffer.initialize(repeating: 0.5, count: 4 * n)
    let (p, g, m, v) = (buffer, buffer + n, buffer + 2 * n, buffer + 3 * n)
    var times = [Double]()
    Parallel.withWorkers(threads) {
      for round in 0..<(rounds + 2) {
        Parallel.forEachRange(count: flushCount) { range in
          (flush + range.lowerBound).initialize(repeating: Float(round), count: range.count)
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        Parallel.forEachRange(count: n) { range in
          for i in range {
            let gi = g[i], mi = 0.9 * m[i] + 0.1 * gi, vi = 0.999 * v[i] + 0.001 * gi * gi
            m[i] = mi
            v[i] = vi
            p[i] -= 1e-3 * mi * vi
          }
        }
        if round >= 2 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) }
      }
    }
    return median(times)
  }
}
