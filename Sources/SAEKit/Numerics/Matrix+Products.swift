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
          Matrix.blockedGemm(transposeB: false, m: rows, n: n, k: k, a: pa.baseAddress!, lda: k,
                             b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n, rowBlocks: rowBlocks)
        }
      }
    }
    return c
  }

  /// `C ← α·op(A)·op(B) + β·C` on row-major buffers (`C` is `m × n`), as one single-threaded
  /// sgemm call per row block of `C`, the blocks shared out over the workers. `rowBlocks` (nil:
  /// ``productBlocks(rows:)``) depend on the shapes alone, never on the thread count, so the
  /// result has the same bits for any number of workers on every CPU: OpenBLAS's AVX-512 sgemm
  /// gives a row the same bits in any block, but its Haswell/Zen kernels do not, so the split
  /// itself must be fixed. `prepare(rows)` runs on the block's worker just before its call (e.g.
  /// to fill those rows of `C` with a bias for β = 1).
  ///
  /// OpenBLAS is held to one thread for the calls (a caller such as a benchmark may have raised
  /// ``BLAS/threads``), so the workers are the only threads.
  /// - Complexity: 2·m·n·k FLOPs.
  static func blockedGemm(
    transposeA: Bool = false, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int, rowBlocks: [Range<Int>]? = nil,
    prepare: ((Range<Int>) -> Void)? = nil
  ) {
    guard m > 0, n > 0 else { return }
    let blocks = rowBlocks ?? productBlocks(rows: m)
    BLAS.withThreads(1) {
      Parallel.forEachItem(count: blocks.count, workers: Parallel.workers) { _, block in
        let rows = blocks[block]
        prepare?(rows)
        BLAS.gemm(
          transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha,
          a: a + (transposeA ? rows.lowerBound : rows.lowerBound * lda), lda: lda, b: b, ldb: ldb,
          beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
      }
    }
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
          blockedGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: ka, a: pa.baseAddress!, lda: a.cols,
                      b: pb.baseAddress!, ldb: b.cols, c: pc.baseAddress!, ldc: n)
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
