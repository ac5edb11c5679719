/// Matrix products through `cblas_sgemm`.
///
/// Three forms cover every use without materialising a transpose:
/// `A·B` (``matmul(_:)``), `A·Bᵀ` (``matmulTransposed(_:)``) and `Aᵀ·B`
/// (``transposedMatmul(_:)``). Each checks shapes and names both on failure.
extension Matrix {
  /// `A·B` for `A (n × k)` and `B (k × m)`, giving `(n × m)`.
  public func matmul(_ b: Matrix) throws -> Matrix {
    try Matrix.product(self, b, transposeA: false, transposeB: false, operation: "A·B")
  }

  /// `A·Bᵀ` for `A (n × k)` and `B (m × k)`, giving `(n × m)`.
  public func matmulTransposed(_ b: Matrix) throws -> Matrix {
    try Matrix.product(self, b, transposeA: false, transposeB: true, operation: "A·Bᵀ")
  }

  /// `Aᵀ·B` for `A (k × n)` and `B (k × m)`, giving `(n × m)`.
  public func transposedMatmul(_ b: Matrix) throws -> Matrix {
    try Matrix.product(self, b, transposeA: true, transposeB: false, operation: "Aᵀ·B")
  }

  /// Rows of `op(A)` per sgemm call when a product is split over cores.
  static let productBlockRows = 256

  /// The row blocks a product with `m` result rows is split into, one sgemm call each.
  public static func productBlocks(rows m: Int) -> [Range<Int>] {
    let blocks = (m + productBlockRows - 1) / productBlockRows
    return (0..<blocks).map { Parallel.range(chunk: $0, of: blocks, count: m) }
  }

  /// `A·B` computed block by block over `rowBlocks` (consecutive, covering A's rows), one sgemm
  /// call per block: rows of a larger product computed in that product's blocks
  /// (``productBlocks(rows:)``, shifted) get exactly its bits.
  public func matmul(_ b: Matrix, rowBlocks: [Range<Int>]) throws -> Matrix {
    guard cols == b.rows else { throw SAEKitError.shapeMismatch(operation: "A·B", lhs: shape, rhs: b.shape) }
    try require(rowBlocks.first?.lowerBound == 0 && rowBlocks.last?.upperBound == rows
                && zip(rowBlocks, rowBlocks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound },
                "row blocks must be consecutive and cover 0..<\(rows)")
    var c = Matrix(rows: rows, cols: b.cols)
    if cols == 0 || rows == 0 || b.cols == 0 { return c }
    let (k, n) = (cols, b.cols)
    storage.withUnsafeBufferPointer { pa in
      b.storage.withUnsafeBufferPointer { pb in
        c.storage.withUnsafeMutableBufferPointer { pc in
          let (ap, bp, cp) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
          Parallel.forEachChunk(count: rowBlocks.count, chunks: rowBlocks.count) { block, _ in
            let r = rowBlocks[block]
            BLAS.gemm(transposeA: false, transposeB: false, m: r.count, n: n, k: k, alpha: 1, a: ap + r.lowerBound * k, lda: k,
                      b: bp, ldb: n, beta: 0, c: cp + r.lowerBound * n, ldc: n)
          }
        }
      }
    }
    return c
  }

  /// `op(A)·op(B)` with shape checks.
  ///
  /// Large products are split into blocks of ``productBlockRows`` rows of the
  /// result, each a single-threaded sgemm call on one core (`Parallel`). The
  /// split depends only on the shapes, and OpenBLAS stays single-threaded
  /// (see ``BLAS``), so a product gives the same bits on any machine and
  /// however many other computations run at the same time.
  public static func product(
    _ a: Matrix, _ b: Matrix, transposeA: Bool, transposeB: Bool, operation: String = "product"
  ) throws -> Matrix {
    let (m, ka) = transposeA ? (a.cols, a.rows) : (a.rows, a.cols)
    let (kb, n) = transposeB ? (b.cols, b.rows) : (b.rows, b.cols)
    guard ka == kb else {
      throw SAEKitError.shapeMismatch(operation: operation, lhs: a.shape, rhs: b.shape)
    }
    var c = Matrix(rows: m, cols: n)
    // Nothing to multiply (and empty storage may have no base address).
    if ka == 0 || m == 0 || n == 0 { return c }
    a.storage.withUnsafeBufferPointer { pa in
      b.storage.withUnsafeBufferPointer { pb in
        c.storage.withUnsafeMutableBufferPointer { pc in
          let (ap, bp, cp) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
          let blocks = (m + productBlockRows - 1) / productBlockRows  // as productBlocks(rows:)
          Parallel.forEachChunk(count: m, chunks: blocks) { _, rows in
            BLAS.gemm(
              transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: ka,
              alpha: 1, a: ap + (transposeA ? rows.lowerBound : rows.lowerBound * a.cols), lda: a.cols, b: bp, ldb: b.cols,
              beta: 0, c: cp + rows.lowerBound * n, ldc: n)
          }
        }
      }
    }
    return c
  }

  /// `A·v` for a vector `v` of length `cols`.
  public func times(_ v: [Float]) throws -> [Float] {
    let column = try Matrix(rows: v.count, cols: 1, storage: v)
    guard v.count == cols else {
      throw SAEKitError.shapeMismatch(operation: "A·v", lhs: shape, rhs: column.shape)
    }
    return try matmul(column).storage
  }
}
