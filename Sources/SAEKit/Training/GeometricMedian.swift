/// The geometric median `argmin_y Σ_i ‖x_i − y‖` of the rows of `X (n × d)`,
/// by Weiszfeld's iteration starting from the mean:
///
/// ```
/// w_i = 1 / max(‖x_i − y‖, δ)        y ← Σ_i w_i x_i / Σ_i w_i
/// ```
/// Distances use `‖x_i‖² − 2⟨x_i, y⟩ + ‖y‖²` (one BLAS product per iteration).
/// Stops after `maxIterations` or when `‖Δy‖ ≤ tolerance · (1 + ‖y‖)`.
/// Used to initialise `b_dec` (Bricken et al. 2023), robust to outlier tokens.
public func geometricMedian(_ x: Matrix, maxIterations: Int = 100, tolerance: Double = 1e-6) throws -> [Float] {
  let n = x.rows, d = x.cols
  try require(n >= 1 && d >= 1, "geometric median of an empty matrix \(x.shape)")
  let squaredNorms = x.rowSquaredNorms()
  var y = x.columnMeans().map(Float.init)
  var weights = [Float](repeating: 0, count: n)
  for _ in 0..<maxIterations {
    let dots = try x.times(y)
    var yy = 0.0
    for v in y { yy += Double(v) * Double(v) }
    var total = 0.0
    for i in 0..<n {
      let dist = max(squaredNorms[i] - 2 * Double(dots[i]) + yy, 0).squareRoot()
      let w = 1 / max(dist, 1e-8)
      weights[i] = Float(w)
      total += w
    }
    // Σ_i w_i x_i as a (1 × n)·(n × d) product.
    var next = [Float](repeating: 0, count: d)
    weights.withUnsafeBufferPointer { wb in
      x.storage.withUnsafeBufferPointer { xb in
        next.withUnsafeMutableBufferPointer { nb in
          BLAS.gemm(transposeA: false, transposeB: false, m: 1, n: d, k: n, alpha: Float(1 / total),
                    a: wb.baseAddress!, lda: n, b: xb.baseAddress!, ldb: d, beta: 0, c: nb.baseAddress!, ldc: d)
        }
      }
    }
    var change = 0.0, size = 0.0
    for j in 0..<d {
      change += Double(next[j] - y[j]) * Double(next[j] - y[j])
      size += Double(next[j]) * Double(next[j])
    }
    y = next
    if change.squareRoot() <= tolerance * (1 + size.squareRoot()) { break }
  }
  return y
}
