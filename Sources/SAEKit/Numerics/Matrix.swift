import Foundation

/// A dense Float32 matrix, row-major and contiguous.
///
/// Element `(i, j)` lives at `storage[i * cols + j]`. Operations that combine
/// matrices check shapes and throw ``SAEKitError/shapeMismatch(operation:lhs:rhs:)``
/// naming both shapes. Products go through BLAS (see `Matrix+Products.swift`).
public struct Matrix: Sendable, Equatable {
  public private(set) var rows: Int
  public private(set) var cols: Int
  /// Row-major elements; `storage.count == rows * cols`.
  public var storage: [Float]

  /// A `rows × cols` matrix filled with `value`.
  public init(rows: Int, cols: Int, repeating value: Float = 0) {
    precondition(rows >= 0 && cols >= 0, "negative matrix dimension")
    self.rows = rows
    self.cols = cols
    self.storage = [Float](repeating: value, count: rows * cols)
  }

  /// A `rows × cols` matrix whose elements are not initialised: for kernels that write every
  /// element before reading any (it skips the zero fill of a large output).
  init(uninitializedRows rows: Int, cols: Int) {
    precondition(rows >= 0 && cols >= 0, "negative matrix dimension")
    self.rows = rows
    self.cols = cols
    self.storage = [Float](unsafeUninitializedCapacity: rows * cols) { _, count in count = rows * cols }
  }

  /// Wraps row-major `storage`.
  /// - Throws: when `storage.count != rows * cols`.
  public init(rows: Int, cols: Int, storage: [Float]) throws {
    guard rows >= 0, cols >= 0, storage.count == rows * cols else {
      throw SAEKitError.invalidArgument(
        "matrix storage has \(storage.count) elements, expected \(rows)×\(cols) = \(rows * cols)")
    }
    self.rows = rows
    self.cols = cols
    self.storage = storage
  }

  /// Builds a matrix from equal-length rows.
  /// - Throws: when the rows differ in length.
  public init(_ nested: [[Float]]) throws {
    let cols = nested.first?.count ?? 0
    guard nested.allSatisfy({ $0.count == cols }) else {
      throw SAEKitError.invalidArgument("rows of a matrix literal differ in length")
    }
    try self.init(rows: nested.count, cols: cols, storage: nested.flatMap { $0 })
  }

  /// Builds a matrix by evaluating `element(i, j)` for every entry.
  public init(rows: Int, cols: Int, element: (Int, Int) -> Float) {
    self.init(rows: rows, cols: cols)
    for i in 0..<rows {
      for j in 0..<cols { storage[i * cols + j] = element(i, j) }
    }
  }

  /// An `n × n` identity matrix.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, cols: n)
    for i in 0..<n { m.storage[i * n + i] = 1 }
    return m
  }

  public var shape: Shape { Shape(rows, cols) }
  public var count: Int { storage.count }

  public subscript(row: Int, col: Int) -> Float {
    get { storage[row * cols + col] }
    set { storage[row * cols + col] = newValue }
  }

  /// A copy of row `i`.
  public func row(_ i: Int) -> [Float] {
    Array(storage[(i * cols)..<((i + 1) * cols)])
  }

  /// A copy of column `j`.
  public func column(_ j: Int) -> [Float] {
    (0..<rows).map { storage[$0 * cols + j] }
  }

  /// Replaces row `i` with `values`.
  public mutating func setRow(_ i: Int, _ values: [Float]) throws {
    guard values.count == cols else {
      throw SAEKitError.shapeMismatch(operation: "setRow", lhs: shape, rhs: Shape(1, values.count))
    }
    storage.replaceSubrange((i * cols)..<((i + 1) * cols), with: values)
  }

  /// The rows at `indices`, in that order (large gathers are split over cores).
  /// Every index must be in `0..<rows`; ``rows(at:)`` checks and throws instead.
  public func rows(_ indices: [Int]) -> Matrix {
    for i in indices { precondition(i >= 0 && i < rows, "row index \(i) out of range 0..<\(rows)") }
    var out = Matrix(uninitializedRows: indices.count, cols: cols)
    let c = cols
    let chunks = Matrix.chunks(forElements: indices.count * c)
    storage.withUnsafeBufferPointer { src in
      out.storage.withUnsafeMutableBufferPointer { dst in
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        Parallel.forEachChunk(count: indices.count, chunks: chunks) { _, picked in
          for k in picked { (d + k * c).initialize(from: s + indices[k] * c, count: c) }
        }
      }
    }
    return out
  }

  /// The columns at `indices`, in that order (large gathers are split over cores by rows).
  /// Every index must be in `0..<cols`; ``columns(at:)`` checks and throws instead.
  public func columns(_ indices: [Int]) -> Matrix {
    for j in indices { precondition(j >= 0 && j < cols, "column index \(j) out of range 0..<\(cols)") }
    var out = Matrix(rows: rows, cols: indices.count)
    let k = indices.count, c = cols
    let chunks = Matrix.chunks(forElements: rows * k)
    storage.withUnsafeBufferPointer { src in
      out.storage.withUnsafeMutableBufferPointer { dst in
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        indices.withUnsafeBufferPointer { picked in
          Parallel.forEachChunk(count: rows, chunks: chunks) { _, range in
            for i in range {
              for (position, j) in picked.enumerated() { d[i * k + position] = s[i * c + j] }
            }
          }
        }
      }
    }
    return out
  }

  /// Rows `range` as a new matrix.
  public func rows(_ range: Range<Int>) -> Matrix {
    precondition(range.lowerBound >= 0 && range.upperBound <= rows, "row range out of bounds")
    // Slicing contiguous rows of a valid matrix cannot fail.
    var out = Matrix(rows: range.count, cols: cols)
    out.storage = Array(storage[(range.lowerBound * cols)..<(range.upperBound * cols)])
    return out
  }

  /// The transpose, `(cols × rows)`. Large matrices are split over cores by rows of the result,
  /// each chunk copied in tiles of 32 × 32 so that reads and writes both stay in cache.
  public var transposed: Matrix {
    var out = Matrix(rows: cols, cols: rows)
    let r = rows, c = cols, tile = 32
    let chunks = Matrix.chunks(forElements: count)
    storage.withUnsafeBufferPointer { src in
      out.storage.withUnsafeMutableBufferPointer { dst in
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        Parallel.forEachChunk(count: c, chunks: chunks) { _, outRows in
          for i0 in stride(from: 0, to: r, by: tile) {
            for j0 in stride(from: outRows.lowerBound, to: outRows.upperBound, by: tile) {
              for j in j0..<Swift.min(j0 + tile, outRows.upperBound) {
                for i in i0..<Swift.min(i0 + tile, r) { d[j * r + i] = s[i * c + j] }
              }
            }
          }
        }
      }
    }
    return out
  }

  /// Reinterprets the elements with another shape of the same size.
  public func reshaped(rows newRows: Int, cols newCols: Int) throws -> Matrix {
    guard newRows * newCols == count else {
      throw SAEKitError.shapeMismatch(operation: "reshape", lhs: shape, rhs: Shape(newRows, newCols))
    }
    return try Matrix(rows: newRows, cols: newCols, storage: storage)
  }

  /// Appends the rows of `other` below these in place (amortised `O(other.count)`, where
  /// ``vstack(_:)`` copies both).
  mutating func appendRows(_ other: Matrix) {
    precondition(other.cols == cols, "appended rows need \(cols) columns, got \(other.cols)")
    storage.append(contentsOf: other.storage)
    rows += other.rows
  }

  /// Stacks matrices with equal column counts on top of each other.
  public static func vstack(_ parts: [Matrix]) throws -> Matrix {
    guard let first = parts.first else { return Matrix(rows: 0, cols: 0) }
    for p in parts where p.cols != first.cols {
      throw SAEKitError.shapeMismatch(operation: "vstack", lhs: first.shape, rhs: p.shape)
    }
    return try Matrix(rows: parts.reduce(0) { $0 + $1.rows }, cols: first.cols,
                      storage: parts.flatMap { $0.storage })
  }
}

extension Matrix: CustomStringConvertible {
  /// The shape and the top-left corner (at most 4×6), e.g. for logs and reports.
  public var description: String {
    var lines = ["Matrix\(shape)"]
    for i in 0..<Swift.min(rows, 4) {
      let shown = (0..<Swift.min(cols, 6)).map { formatCompact(self[i, $0]) }
      lines.append("  [" + shown.joined(separator: ", ") + (cols > 6 ? ", …]" : "]"))
    }
    if rows > 4 { lines.append("  …") }
    return lines.joined(separator: "\n")
  }
}

func formatCompact(_ x: Float) -> String {
  let d = Double(x)
  if d == d.rounded() && abs(d) < 1e6 { return String(Int(d)) }
  let s = String(format: "%.4g", d)
  return s
}
