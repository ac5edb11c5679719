/// Conversions between sparse codes and dense `(rows × width)` matrices, rows split over the
/// workers (each row converted by one thread, in order, so the bits do not depend on them).
extension SparseCodes {
  /// The non-zero entries of a dense `(rows × width)` matrix.
  public init(dense: Matrix) {
    self = SparseCodes.collecting(dense, NonZero())
  }

  /// The `(rows × width)` dense matrix (repeated latents of a row add up, in entry order).
  public func dense() -> Matrix {
    var out = Matrix(rows: rows, cols: width)
    rowStart.withUnsafeBufferPointer { sb in
    indices.withUnsafeBufferPointer { ib in
    values.withUnsafeBufferPointer { vb in
      let (s, ip, vp) = (sb.baseAddress!, ib.baseAddress, vb.baseAddress)
      out.updateRows { row, i in
        for e in s[i]..<s[i + 1] { row[Int(ip![e])] += vp![e] }
      }
    }}}
    return out
  }
}
