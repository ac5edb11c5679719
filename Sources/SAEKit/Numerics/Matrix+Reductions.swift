import CVectorKernels

/// Row and column reductions. Sums accumulate in Double so that reductions over
/// hundreds of thousands of rows keep Float32 inputs' precision.
extension Matrix {
  /// `Σ_j A[i, j]` for every row `i`.
  public func rowSums() -> [Double] {
    reduceRows { row, n in
      var s = 0.0
      for j in 0..<n { s += Double(row[j]) }
      return s
    }
  }

  /// `‖A[i, :]‖²` for every row `i`.
  public func rowSquaredNorms() -> [Double] {
    reduceRows { row, n in
      var s = 0.0
      for j in 0..<n { s += Double(row[j]) * Double(row[j]) }
      return s
    }
  }

  /// `‖A[i, :]‖` for every row `i`.
  public func rowNorms() -> [Double] { rowSquaredNorms().map { $0.squareRoot() } }

  /// `Σ_i A[i, j]` for every column `j`.
  public func columnSums() -> [Double] { reduceColumns(squared: false) }

  /// `‖A[:, j]‖²` for every column `j`.
  public func columnSquaredNorms() -> [Double] { reduceColumns(squared: true) }

  /// The mean row, `x̄[j] = (1/n) Σ_i A[i, j]`; zeros for an empty matrix.
  public func columnMeans() -> [Double] {
    let n = Double(Swift.max(rows, 1))
    return columnSums().map { $0 / n }
  }

  /// `Σ_i (A[i, j] − x̄[j])²` for every column `j` (not divided by `n`).
  public func columnSumsOfSquaredDeviations() -> [Double] {
    let means = columnMeans()
    return means.withUnsafeBufferPointer { reduceColumns(Int32(SAE_COLUMN_DEVIATION), means: $0.baseAddress) }
  }

  /// `Σ_i (A[i, j] − B[i, j])²` for every column `j`, differences taken in Double (`B` has
  /// this matrix's shape).
  func columnSquaredDifferences(_ b: Matrix) -> [Double] {
    precondition(b.shape == shape, "squared differences need equal shapes")
    return b.storage.withUnsafeBufferPointer { reduceColumns(Int32(SAE_COLUMN_DIFFERENCE), other: $0.baseAddress) }
  }

  /// `Σ_ij A[i, j]²`.
  public func sumOfSquares() -> Double { rowSquaredNorms().reduce(0, +) }

  /// The Frobenius norm `sqrt(Σ_ij A[i, j]²)`.
  public var frobeniusNorm: Double { sumOfSquares().squareRoot() }

  /// Rescales every row to unit L2 norm; rows of norm below `epsilon` are left as they are.
  public mutating func normalizeRows(epsilon: Double = 1e-12) {
    let norms = rowNorms()
    let c = cols
    updateRows { row, i in
      guard norms[i] > epsilon else { return }
      let inv = Float(1 / norms[i])
      for j in 0..<c { row[j] *= inv }
    }
  }

  /// Elements below which per-row work (reductions, gathers, transposes) runs on one thread:
  /// splitting it would cost more than it saves.
  static let parallelThreshold = 1 << 16

  /// `f(row i, cols)` for every row; rows are split over cores for large matrices. Each row is
  /// reduced by one thread in column order, so the result does not depend on the split.
  private func reduceRows(_ f: (UnsafePointer<Float>, Int) -> Double) -> [Double] {
    var out = [Double](repeating: 0, count: rows)
    let c = cols
    let chunks = Matrix.chunks(forElements: count)
    storage.withUnsafeBufferPointer { a in
      out.withUnsafeMutableBufferPointer { o in
        guard let base = a.baseAddress, let ob = o.baseAddress else { return }
        Parallel.forEachChunk(count: rows, chunks: chunks) { _, range in
          for i in range { ob[i] = f(base + i * c, c) }
        }
      }
    }
    return out
  }

  /// `Σ_i A[i, j]` (or `Σ_i A[i, j]²`) for every column (see ``reduceColumns(_:means:other:)``).
  private func reduceColumns(squared: Bool) -> [Double] {
    reduceColumns(Int32(squared ? SAE_COLUMN_SQUARE : SAE_COLUMN_VALUE))
  }

  /// `Σ_i term(A[i, j])` for every column `j` (C kernel `sae_column_sums`, whose `term`, `means` and
  /// `other` these are), each column summed by one thread in row order, so the result does not
  /// depend on the split (and equals the one-thread loop bit for bit). Large matrices are split
  /// into blocks of 16 columns (a cache line of floats), so that no two threads read the same
  /// lines; the kernel keeps a block's sums in registers down all the rows.
  private func reduceColumns(_ term: Int32, means: UnsafePointer<Double>? = nil, other: UnsafePointer<Float>? = nil) -> [Double] {
    var sums = [Double](repeating: 0, count: cols)
    let (r, c) = (rows, cols)
    let blocks = (c + 15) / 16
    let chunks = Matrix.chunks(forElements: count)
    storage.withUnsafeBufferPointer { a in
      sums.withUnsafeMutableBufferPointer { s in
        guard let base = a.baseAddress, let sb = s.baseAddress else { return }
        Parallel.forEachChunk(count: blocks, chunks: chunks) { _, blockRange in
          let first = blockRange.lowerBound * 16, width = Swift.min(c, blockRange.upperBound * 16) - first
          sae_column_sums(sb + first, base, r, c, first, width, term, means, other)
        }
      }
    }
    return sums
  }
}

/// Reductions along an axis, as NumPy names them: axis 0 reduces over the rows (one value per
/// column), axis 1 over the columns (one value per row). Sums accumulate in Double.
extension Matrix {
  /// The sum along `axis`: per column (`0`, `cols` values) or per row (`1`, `rows` values).
  /// - Throws: ``SAEKitError/invalidArgument(_:)`` for an axis other than 0 or 1.
  public func sum(axis: Int) throws -> [Double] {
    try Matrix.checkAxis(axis)
    return axis == 0 ? columnSums() : rowSums()
  }

  /// The mean along `axis`: per column (`0`) or per row (`1`).
  /// - Throws: for an axis other than 0 or 1, and when the axis has no elements to average
  ///   (a mean over no rows or no columns is undefined, not 0).
  public func mean(axis: Int) throws -> [Double] {
    let sums = try sum(axis: axis)
    let n = axis == 0 ? rows : cols
    guard n > 0 || sums.isEmpty else {
      throw SAEKitError.invalidArgument(
        "mean(axis: \(axis)) of a \(shape) matrix averages over no \(axis == 0 ? "rows" : "columns")")
    }
    return sums.map { $0 / Double(n) }
  }

  /// The L2 norm along `axis`: of every column (`0`) or of every row (`1`).
  /// - Throws: for an axis other than 0 or 1.
  public func norm(axis: Int) throws -> [Double] {
    try Matrix.checkAxis(axis)
    return (axis == 0 ? columnSquaredNorms() : rowSquaredNorms()).map { $0.squareRoot() }
  }

  static func checkAxis(_ axis: Int) throws {
    try require(axis == 0 || axis == 1, "axis must be 0 (down the rows: one value per column) or 1 (along each row: one value per row), got \(axis)")
  }
}
