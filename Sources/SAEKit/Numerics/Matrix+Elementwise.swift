/// Element-wise arithmetic and broadcasting of a row vector over the rows.
extension Matrix {
  private static func combine(
    _ a: Matrix, _ b: Matrix, _ operation: String, _ f: (Float, Float) -> Float
  ) throws -> Matrix {
    guard a.shape == b.shape else {
      throw SAEKitError.shapeMismatch(operation: operation, lhs: a.shape, rhs: b.shape)
    }
    var out = a
    b.storage.withUnsafeBufferPointer { q in
      guard let qb = q.baseAddress else { return }
      out.updateElements { o, range in
        for i in range { o[i] = f(o[i], qb[i]) }
      }
    }
    return out
  }

  /// `A + B`, element-wise.
  public func adding(_ b: Matrix) throws -> Matrix { try Matrix.combine(self, b, "A + B", +) }
  /// `A − B`, element-wise.
  public func subtracting(_ b: Matrix) throws -> Matrix { try Matrix.combine(self, b, "A − B", -) }
  /// `A ⊙ B`, element-wise.
  public func hadamard(_ b: Matrix) throws -> Matrix { try Matrix.combine(self, b, "A ⊙ B", *) }

  /// `s·A`.
  public func scaled(by s: Float) -> Matrix {
    var out = self
    out.updateElements { o, range in
      for i in range { o[i] *= s }
    }
    return out
  }

  /// Every row standardised as the Top-AFA (and BatchTopK) reference code's
  /// `preprocess_input` does: `(x − mean) / (std + ε)` with the unbiased
  /// standard deviation (`n − 1`, torch's default), in Double; afterwards
  /// every row has norm `≈ √(d − 1)`. A row with fewer than 2 entries is centred only.
  public func standardizedRows(epsilon: Double = 1e-5) -> Matrix {
    var out = self
    let n = cols
    out.storage.withUnsafeMutableBufferPointer { ob in
      let op = ob.baseAddress
      Parallel.forEachRange(count: rows) { range in
        for r in range {
          let row = op! + r * n
          var mean = 0.0
          for t in 0..<n { mean += Double(row[t]) }
          mean /= Double(n)
          var ss = 0.0
          for t in 0..<n { ss += (Double(row[t]) - mean) * (Double(row[t]) - mean) }
          let scale = n > 1 ? 1 / ((ss / Double(n - 1)).squareRoot() + epsilon) : 1
          for t in 0..<n { row[t] = Float((Double(row[t]) - mean) * scale) }
        }
      }
    }
    return out
  }

  /// Applies `f` to every element.
  public func map(_ f: (Float) -> Float) -> Matrix {
    var out = self
    out.storage.withUnsafeMutableBufferPointer { o in
      for i in 0..<o.count { o[i] = f(o[i]) }
    }
    return out
  }

  /// Adds `v` (length `cols`) to every row: `A[i, :] += v`.
  public mutating func addRowVector(_ v: [Float], scale: Float = 1) throws {
    guard v.count == cols else {
      throw SAEKitError.shapeMismatch(operation: "broadcast row", lhs: shape, rhs: Shape(1, v.count))
    }
    let c = cols
    v.withUnsafeBufferPointer { vb in
      guard let vp = vb.baseAddress else { return }
      updateRows { row, _ in
        for j in 0..<c { row[j] += scale * vp[j] }
      }
    }
  }

  /// `A` with `v` added to every row.
  public func addingRowVector(_ v: [Float], scale: Float = 1) throws -> Matrix {
    var out = self
    try out.addRowVector(v, scale: scale)
    return out
  }

  /// Multiplies row `i` by `factors[i]`.
  public mutating func scaleRows(by factors: [Float]) throws {
    guard factors.count == rows else {
      throw SAEKitError.shapeMismatch(operation: "scale rows", lhs: shape, rhs: Shape(factors.count, 1))
    }
    let c = cols
    factors.withUnsafeBufferPointer { fb in
      guard let fp = fb.baseAddress else { return }
      updateRows { row, i in
        let f = fp[i]
        for j in 0..<c { row[j] *= f }
      }
    }
  }
}
