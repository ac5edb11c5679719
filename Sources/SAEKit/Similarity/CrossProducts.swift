/// Cross products of activation matrices in double precision, shared by the
/// similarity measures: `(X − 1·μ_Xᵀ)ᵀ·(Y − 1·μ_Yᵀ)` (or without centring),
/// accumulated over row blocks of at most 2048 tokens with `dgemm`, so that a
/// sum over 10⁵ tokens keeps Double accuracy and only one block is ever held
/// in Double. Centring subtracts the (Double) column means from each block
/// before the product, which avoids the cancellation of `XᵀY − n·μ_X·μ_Yᵀ`.
enum CrossProducts {
  static let blockRows = 2048

  /// `(p × q)` row-major: `X̃ᵀ·Ỹ` for `x (n × p)`, `y (n × q)`; `y == nil` means `y = x`.
  static func product(_ x: Matrix, _ y: Matrix? = nil, center: Bool) -> [Double] {
    let n = x.rows, p = x.cols, q = y?.cols ?? p
    precondition(y == nil || y!.rows == n, "cross product needs equal row counts")
    var out = [Double](repeating: 0, count: p * q)
    guard n > 0, p > 0, q > 0 else { return out }
    let meanX = center ? x.columnMeans() : [Double](repeating: 0, count: p)
    let meanY = y.map { center ? $0.columnMeans() : [Double](repeating: 0, count: q) } ?? meanX
    let block = min(blockRows, n)
    var bx = [Double](repeating: 0, count: block * p)
    var by = [Double](repeating: 0, count: y == nil ? 0 : block * q)
    var start = 0
    while start < n {
      let rows = min(block, n - start)
      load(x, rows: start..<(start + rows), subtracting: meanX, into: &bx)
      if let y { load(y, rows: start..<(start + rows), subtracting: meanY, into: &by) }
      bx.withUnsafeBufferPointer { xb in
        (y == nil ? bx : by).withUnsafeBufferPointer { yb in
          out.withUnsafeMutableBufferPointer { ob in
            BLAS.dgemm(
              transposeA: true, transposeB: false, m: p, n: q, k: rows, alpha: 1, a: xb.baseAddress!, lda: p,
              b: yb.baseAddress!, ldb: q, beta: 1, c: ob.baseAddress!, ldc: q)
          }
        }
      }
      start += rows
    }
    return out
  }

  /// Rows `rows` of `m` minus `mean`, as Double, into the front of `buffer`.
  static func load(_ m: Matrix, rows: Range<Int>, subtracting mean: [Double], into buffer: inout [Double]) {
    let c = m.cols, first = rows.lowerBound
    m.storage.withUnsafeBufferPointer { src in
    buffer.withUnsafeMutableBufferPointer { dst in
    mean.withUnsafeBufferPointer { mb in
      guard let sp = src.baseAddress, let dp = dst.baseAddress, let mp = mb.baseAddress else { return }
      Matrix.forEachBlock(count: rows.count, width: c) { block in
        for k in block {
          let i = first + k
          for j in 0..<c { dp[k * c + j] = Double(sp[i * c + j]) - mp[j] }
        }
      }
    }}}
  }

  /// `Σ_ij a_ij²` of a row-major buffer.
  static func squaredFrobenius(_ a: [Double]) -> Double { a.reduce(0) { $0 + $1 * $1 } }

  /// `Pᵀ·K·Q` for `P (p × r)`, `K (p × s)`, `Q (s × t)` (all row-major Double), `(r × t)`.
  static func sandwich(_ left: [Double], p: Int, r: Int, _ k: [Double], s: Int, _ q: [Double], t: Int) -> [Double] {
    var kq = [Double](repeating: 0, count: p * t)
    var out = [Double](repeating: 0, count: r * t)
    guard p > 0, r > 0, s > 0, t > 0 else { return out }
    k.withUnsafeBufferPointer { kb in
      q.withUnsafeBufferPointer { qb in
        kq.withUnsafeMutableBufferPointer { kqb in
          BLAS.dgemm(
            transposeA: false, transposeB: false, m: p, n: t, k: s, alpha: 1, a: kb.baseAddress!, lda: s,
            b: qb.baseAddress!, ldb: t, beta: 0, c: kqb.baseAddress!, ldc: t)
        }
      }
    }
    left.withUnsafeBufferPointer { pb in
      kq.withUnsafeBufferPointer { kqb in
        out.withUnsafeMutableBufferPointer { ob in
          BLAS.dgemm(
            transposeA: true, transposeB: false, m: r, n: t, k: p, alpha: 1, a: pb.baseAddress!, lda: r,
            b: kqb.baseAddress!, ldb: t, beta: 0, c: ob.baseAddress!, ldc: t)
        }
      }
    }
    return out
  }
}
