/// Checked selection of rows and columns: the forms a caller with untrusted indices uses
/// (a notebook cell, a file). Each validates every index and throws
/// ``SAEKitError/invalidArgument(_:)`` naming the first bad one, then copies with the
/// unchecked ``Matrix/rows(_:)-(Array<Int>)`` or ``Matrix/columns(_:)``.
extension Matrix {
  /// The rows at `indices`, in that order (repeats allowed); `(indices.count × cols)`.
  /// - Throws: when an index is outside `0..<rows`.
  public func rows(at indices: [Int]) throws -> Matrix {
    try Matrix.checkIndices(indices, below: rows, what: "row")
    return rows(indices)
  }

  /// The columns at `indices`, in that order (repeats allowed); `(rows × indices.count)`.
  /// - Throws: when an index is outside `0..<cols`.
  public func columns(at indices: [Int]) throws -> Matrix {
    try Matrix.checkIndices(indices, below: cols, what: "column")
    return columns(indices)
  }

  /// Rows `range` (contiguous, copied in one piece).
  /// - Throws: when `range` is not within `0..<rows`.
  public func rows(in range: Range<Int>) throws -> Matrix {
    try require(
      range.lowerBound >= 0 && range.upperBound <= rows,
      "row range \(range.lowerBound)..<\(range.upperBound) is outside 0..<\(rows)")
    return rows(range)
  }

  /// The rows `i` whose `mask[i]` is true, in order.
  /// - Throws: when `mask` does not have one element per row.
  public func rows(where mask: [Bool]) throws -> Matrix {
    try require(mask.count == rows, "the mask has \(counted(mask.count, "element")) but the matrix has \(counted(rows, "row"))")
    return rows(mask.indices.filter { mask[$0] })
  }

  /// The columns of row `i` whose element is not zero, ascending (e.g. the active latents of
  /// a row of codes).
  /// - Throws: when `i` is outside `0..<rows`.
  public func nonzeroColumns(row i: Int) throws -> [Int] {
    try Matrix.checkIndices([i], below: rows, what: "row")
    let base = i * cols
    return (0..<cols).filter { storage[base + $0] != 0 }
  }

  static func checkIndices(_ indices: [Int], below limit: Int, what: String) throws {
    if let k = indices.firstIndex(where: { $0 < 0 || $0 >= limit }) {
      let position = indices.count > 1 ? " (element \(k))" : ""
      throw SAEKitError.invalidArgument(
        limit == 0
          ? "\(what) index \(indices[k])\(position) selects from a matrix with no \(what)s"
          : "\(what) index \(indices[k])\(position) is outside 0..<\(limit)")
    }
  }
}

/// `1 row`, `3 rows`.
fileprivate func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

