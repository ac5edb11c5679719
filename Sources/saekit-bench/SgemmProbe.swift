import Foundation
import SAEKit

/// Times `cblas_sgemm` for the encoder product `(B × d)·(m × d)ᵀ`, exactly the
/// call the trainer makes, on preallocated buffers: the machine's own bound.
enum SgemmProbe {
  static func measure(b: Int, d: Int, m: Int, repeats: Int = 9) throws -> (gflops: Double, milliseconds: Double) {
    var rng = RandomSource(seed: 99)
    let x = Matrix.gaussian(rows: b, cols: d, mean: 0, std: 1, using: &rng)
    let w = Matrix.gaussian(rows: m, cols: d, mean: 0, std: 1, using: &rng)
    var out = [Float](repeating: 0, count: b * m)
    var times = [Double]()
    x.storage.withUnsafeBufferPointer { xp in
      w.storage.withUnsafeBufferPointer { wp in
        out.withUnsafeMutableBufferPointer { op in
          for r in 0..<(repeats + 2) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            BLAS.gemm(transposeA: false, transposeB: true, m: b, n: m, k: d, alpha: 1,
                      a: xp.baseAddress!, lda: d, b: wp.baseAddress!, ldb: d, beta: 0, c: op.baseAddress!, ldc: m)
            let t1 = DispatchTime.now().uptimeNanoseconds
            if r >= 2 { times.append(Double(t1 - t0) / 1e9) }
          }
        }
      }
    }
    let seconds = median(times)
    return (2 * Double(b) * Double(d) * Double(m) / seconds / 1e9, seconds * 1000)
  }
}

extension SgemmProbe {
  /// The machine's sgemm throughput with every core busy: each core multiplies its own
  /// `size × size` matrices (one single-threaded sgemm at a time, as SAEKit's workers call it),
  /// all cores at once; GFLOP/s of all cores together, the median of `repeats` rounds.
  /// Large square products run near the FMA units' peak, so no product-bound program on these
  /// cores can beat this rate.
  static func allCores(size n: Int = 768, rounds repeats: Int = 5) -> Double {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    var rng = RandomSource(seed: 98)
    let a = Matrix.gaussian(rows: n, cols: n, mean: 0, std: 1, using: &rng).storage
    var out = [Float](repeating: 0, count: cores * n * n)
    var rates = [Double]()
    a.withUnsafeBufferPointer { ap in
      out.withUnsafeMutableBufferPointer { op in
        let c = op.baseAddress!, x = ap.baseAddress!
        for round in 0..<(repeats + 1) {
          let t0 = DispatchTime.now().uptimeNanoseconds
          // One OpenBLAS thread per call whatever the benchmark set: each core runs its own product.
          BLAS.withThreads(1) {
            Parallel.forEachChunk(count: cores, chunks: cores) { core, _ in
              for _ in 0..<2 {
                BLAS.gemm(transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: x, lda: n,
                          b: x, ldb: n, beta: 0, c: c + core * n * n, ldc: n)
              }
            }
          }
          let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
          if round > 0 { rates.append(Double(cores) * 2 * 2 * pow(Double(n), 3) / seconds / 1e9) }
        }
      }
    }
    return median(rates)
  }
}
