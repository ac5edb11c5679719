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
  public func columnSums() -> [Double] {
    var sums = [Double](repeating: 0, count: cols)
    let c = cols
    storage.withUnsafeBufferPointer { a in
      sums.withUnsafeMutableBufferPointer { s in
        for i in 0..<rows {
          for j in 0..<c { s[j] += Double(a[i * c + j]) }
        }
      }
    }
    return sums
  }

  /// The mean row, `x̄[j] = (1/n) Σ_i A[i, j]`; zeros for an empty matrix.
  public func columnMeans() -> [Double] {
    let n = Double(Swift.max(rows, 1))
    return columnSums().map { $0 / n }
  }

  /// `Σ_i (A[i, j] − x̄[j])²` for every column `j` (not divided by `n`).
  public func columnSumsOfSquaredDeviations() -> [Double] {
    let means = columnMeans()
    var out = [Double](repeating: 0, count: cols)
    let c = cols
    storage.withUnsafeBufferPointer { a in
      out.withUnsafeMutableBufferPointer { s in
        for i in 0..<rows {
          for j in 0..<c {
            let dev = Double(a[i * c + j]) - means[j]
            s[j] += dev * dev
          }
        }
      }
    }
    return out
  }

  /// `Σ_ij A[i, j]²`.
  public func sumOfSquares() -> Double { rowSquaredNorms().reduce(0, +) }

  /// The Frobenius norm `sqrt(Σ_ij A[i, j]²)`.
  public var frobeniusNorm: Double { sumOfSquares().squareRoot() }

  /// Rescales every row to unit L2 norm; rows of norm below `epsilon` are left as they are.
  public mutating func normalizeRows(epsilon: Double = 1e-12) {
    let norms = rowNorms()
    let c = cols
    storage.withUnsafeMutableBufferPointer { a in
      for i in 0..<rows where norms[i] > epsilon {
        let inv = Float(1 / norms[i])
        for j in 0..<c { a[i * c + j] *= inv }
      }
    }
  }

  private func reduceRows(_ f: (UnsafePointer<Float>, Int) -> Double) -> [Double] {
    var out = [Double](repeating: 0, count: rows)
    let c = cols
    storage.withUnsafeBufferPointer { a in
      guard let base = a.baseAddress else { return }
      for i in 0..<rows { out[i] = f(base + i * c, c) }
    }
    return out
  }
}
