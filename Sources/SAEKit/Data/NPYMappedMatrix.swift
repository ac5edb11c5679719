/// A 2-D floating-point `.npy` file mapped into memory, read row by row on demand.
///
/// Opening validates the header and the file size but reads no data, so a
/// 10 GB `(N × d)` activation file opens instantly; ``rows(_:)`` gathers the
/// requested rows and widens them to Float32 (`float16` and `float64` convert,
/// `float32` is copied with one `memcpy` per row).
///
/// Accepted: C-order `<f4`, `<f2`, `<f8` arrays of rank 2 (or rank 1, read as
/// `(n × 1)` like ``NPY/readMatrix(_:)``). Big-endian and integer files are
/// rejected with a clear error; read them with ``NPY/read(_:)``.
public struct NPYMappedMatrix: Sendable {
  public let path: String
  public let rows: Int
  public let cols: Int
  /// The element type on disk.
  public let dtype: DType
  private let file: MappedFile
  private let dataOffset: Int

  /// Maps the file at `path`.
  public init(path: String) throws {
    let file = try MappedFile(path: path)
    let header = try file.withBytes { try NPY.parseHeader($0, path: path) }
    guard header.dtype.isFloatingPoint else {
      throw SAEKitError.file(path: path, reason: "cannot map \(header.dtype) data as a float matrix; use NPY.read")
    }
    guard !header.isBigEndian else {
      throw SAEKitError.file(path: path, reason: "cannot map big-endian data; use NPY.read, which byte-swaps")
    }
    switch header.shape.count {
    case 2: (rows, cols) = (header.shape[0], header.shape[1])
    case 1: (rows, cols) = (header.shape[0], 1)
    default:
      throw SAEKitError.file(
        path: path, reason: "expected a 1-D or 2-D array, found shape \(NDArray.describe(header.shape))")
    }
    self.path = path
    self.dtype = header.dtype
    self.file = file
    self.dataOffset = header.dataOffset
  }

  /// Hints the kernel that rows will be read in random order (no read-ahead),
  /// which helps shuffled batches of a file larger than the page cache.
  public func adviseRandomAccess() { file.adviseRandomAccess() }

  /// The rows at `indices`, in that order, as a `(indices.count × cols)` matrix.
  /// - Precondition: every index is in `0..<rows`.
  public func rows(_ indices: [Int]) -> Matrix {
    var out = Matrix(rows: indices.count, cols: cols)
    out.storage.withUnsafeMutableBufferPointer { dst in
      indices.withUnsafeBufferPointer { idx in
        if let d = dst.baseAddress { gatherRows(at: idx, into: d) }
      }
    }
    return out
  }

  /// Rows `range` as a matrix.
  public func rows(_ range: Range<Int>) -> Matrix {
    precondition(range.lowerBound >= 0 && range.upperBound <= rows, "row range \(range) out of bounds 0..<\(rows)")
    var out = Matrix(rows: range.count, cols: cols)
    out.storage.withUnsafeMutableBufferPointer { dst in
      guard let d = dst.baseAddress else { return }
      file.withBytes { bytes in
        guard let base = bytes.baseAddress else { return }
        let rowBytes = cols * dtype.size
        dtype.widen(base + dataOffset + range.lowerBound * rowBytes, count: range.count * cols, into: d)
      }
    }
    return out
  }

  /// Row `i` as an array.
  public func row(_ i: Int) -> [Float] { rows([i]).storage }

  /// The whole file as an in-memory matrix.
  public func load() -> Matrix { rows(0..<rows) }

  /// Copies the rows at `indices` into `destination` (`indices.count · cols` Floats),
  /// widening each row from the file's dtype.
  public func gatherRows(at indices: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) {
    let cols = cols
    let rowBytes = cols * dtype.size
    file.withBytes { bytes in
      guard let base = bytes.baseAddress, cols > 0 else { return }
      let data = base + dataOffset
      for (k, i) in indices.enumerated() {
        precondition(i >= 0 && i < rows, "row index \(i) out of range 0..<\(rows)")
        dtype.widen(data + i * rowBytes, count: cols, into: destination + k * cols)
      }
    }
  }
}
