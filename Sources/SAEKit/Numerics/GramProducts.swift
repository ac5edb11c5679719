/// `ZᵀZ` and `ZᵀY` in Double for tall Float matrices, over a fixed number of
/// row chunks on every core: the products behind the normal equations of
/// ``LeastSquares`` and ``SubsetRegression``.
///
/// ```
/// Z = [X | 1]  (n × p, the ones column when `intercept`)        Y (n × q)
/// for each chunk c of rows (fixed: `chunks`, independent of the cores):
///     P_c = Z_cᵀ · [Z_c | Y_c]        one Double GEMM per block of 1024 rows
/// ZᵀZ, ZᵀY = Σ_c P_c                  summed in chunk order
/// ```
/// The chunking depends only on `n`, so the sums — and every fit built on
/// them — have the same bits on any machine and for any number of threads.
enum GramProducts {
  /// Fixed number of row chunks (and of partial products held at once).
  static let chunks = 16
  /// Rows converted to Double per GEMM.
  static let block = 1024

  /// `(ZᵀZ (p × p), ZᵀY (p × q))`, row-major, with `Z = [x | 1]` when `intercept`;
  /// without `gram`, only `ZᵀY` (the first array is then empty).
  static func compute(_ x: Matrix, _ y: Matrix, intercept: Bool, gram wantGram: Bool = true) -> (gram: [Double], cross: [Double]) {
    let n = x.rows, px = x.cols, p = px + (intercept ? 1 : 0), q = y.cols
    // Each converted row holds [z | y]; the product is zᵀ·[z | y] or zᵀ·y.
    let w = p + q, first = wantGram ? 0 : p, width = w - first
    let parts = max(1, min(chunks, n))
    var partials = [[Double]](repeating: [], count: parts)
    partials.withUnsafeMutableBufferPointer { out in
      let base = out.baseAddress!
      BLAS.withThreads(1) {
      Parallel.forEachChunk(count: n, chunks: parts) { c, rows in
        var acc = [Double](repeating: 0, count: p * width)
        var buffer = [Double](repeating: 0, count: max(1, min(block, rows.count) * w))
        x.storage.withUnsafeBufferPointer { xs in
          y.storage.withUnsafeBufferPointer { ys in
            buffer.withUnsafeMutableBufferPointer { bb in
              acc.withUnsafeMutableBufferPointer { ab in
                for start in stride(from: rows.lowerBound, to: rows.upperBound, by: block) {
                  let m = min(block, rows.upperBound - start)
                  for i in 0..<m {
                    let r = start + i, row = bb.baseAddress! + i * w
                    for j in 0..<px { row[j] = Double(xs[r * px + j]) }
                    if intercept { row[px] = 1 }
                    for j in 0..<q { row[p + j] = Double(ys[r * q + j]) }
                  }
                  BLAS.dgemm(transposeA: true, transposeB: false, m: p, n: width, k: m, alpha: 1,
                             a: bb.baseAddress!, lda: w, b: bb.baseAddress! + first, ldb: w, beta: 1, c: ab.baseAddress!, ldc: width)
                }
              }
            }
          }
        }
        base[c] = acc
      }
      }
    }
    var gram = [Double](repeating: 0, count: wantGram ? p * p : 0), cross = [Double](repeating: 0, count: p * q)
    for part in partials {
      for i in 0..<p {
        if wantGram { for j in 0..<p { gram[i * p + j] += part[i * width + j] } }
        for t in 0..<q { cross[i * q + t] += part[i * width + (p - first) + t] }
      }
    }
    return (gram, cross)
  }
}
