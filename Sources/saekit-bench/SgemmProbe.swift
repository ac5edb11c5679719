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
