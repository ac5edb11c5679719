/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Supported element types: `<f4` (float32), `<f2` (float16), `<f8`
/// (float64), `<i4` (int32), `<i8` (int64), in either byte order (`>`
/// big-endian data is byte-swapped on read; `|` and `=` read as
/// little-endian). Only C-order arrays are accepted. Every error is a
/// ``SAEKitError/file(path:reason:)`` naming the file.
///
/// Files are written as `np.save` writes them (byte-identical for the same
/// array): a version 1.0 header when it fits, padded so the data starts at a
/// multiple of 64 bytes. Writing goes through a temporary file renamed into
/// place, so a reader never sees a half-written file.
///
/// ```swift
/// let acts = try NPY.readMatrix("acts.npy")          // (N × d) Float32
/// try NPY.write(acts, dtype: .float16, to: "acts_f16.npy")
/// let big = try NPY.map("huge.npy")                  // no data read yet
/// let batch = big.rows([7, 3, 12])                   // (3 × d)
/// ```
public enum NPY {
  /// Reads the whole array at `path`.
  public static func read(_ path: String) throws -> NDArray {
    let file = try MappedFile(path: path, populate: true)
    return try file.withBytes { bytes in
      let header = try parseHeader(bytes, path: path)
      var data = DType.copyBytes(bytes, from: header.dataOffset, count: header.byteCount)
      if header.isBigEndian {
        data.withUnsafeMutableBytes { buffer in
          if let base = buffer.baseAddress {
            DType.byteSwapElements(base, count: header.count, size: header.dtype.size)
          }
        }
      }
      return try NDArray(shape: header.shape, dtype: header.dtype, bytes: data)
    }
  }

  /// Reads the array at `path` as a Float32 matrix.
  ///
  /// A 2-D array `(r, c)` becomes `(r × c)` and a 1-D array of length `n` a
  /// column `(n × 1)`; every dtype converts to Float (see ``DType``).
  /// - Throws: ``SAEKitError/file(path:reason:)`` for other ranks and every read error.
  public static func readMatrix(_ path: String) throws -> Matrix {
    let file = try MappedFile(path: path, populate: true)
    let header = try file.withBytes { try parseHeader($0, path: path) }
    guard header.shape.count == 1 || header.shape.count == 2 else {
      throw SAEKitError.file(
        path: path, reason: "expected a 1-D or 2-D array, found shape \(NDArray.describe(header.shape))")
    }
    if header.isBigEndian { return try read(path).matrix() }
    // Widen straight from the mapping, without an intermediate copy of the bytes, on every
    // worker (element by element, so any split gives the same floats; activation files reach
    // gigabytes, and first touching the new pages is most of the time).
    let n = header.count, size = header.dtype.size
    let storage = [Float](unsafeUninitializedCapacity: n) { out, initialized in
      file.withBytes { bytes in
        if let base = bytes.baseAddress, let d = out.baseAddress {
          Parallel.forEachRange(count: n) { r in
            header.dtype.widen(base + header.dataOffset + r.lowerBound * size, count: r.count, into: d + r.lowerBound)
          }
        }
      }
      initialized = n
    }
    return try Matrix(rows: header.shape[0], cols: header.shape.count == 2 ? header.shape[1] : 1, storage: storage)
  }

  /// Reads and validates only the header (shape, dtype) of the file at `path`.
  public static func readHeader(_ path: String) throws -> Header {
    let file = try MappedFile(path: path)
    return try file.withBytes { try parseHeader($0, path: path) }
  }

  /// Maps a 2-D floating-point file without reading its data; see ``NPYMappedMatrix``.
  public static func map(_ path: String) throws -> NPYMappedMatrix {
    try NPYMappedMatrix(path: path)
  }

  /// Writes `array` to `path` (atomically).
  /// - Throws: for `bfloat16`, which NumPy cannot represent, and on I/O errors.
  public static func write(_ array: NDArray, to path: String) throws {
    guard let code = descr(of: array.dtype) else {
      throw SAEKitError.file(path: path, reason: "NumPy has no \(array.dtype) dtype; convert to float32 first")
    }
    let writer = try AtomicFileWriter(path: path)
    try writer.write(encodeHeader(dtype: code, shape: array.shape))
    try writer.write(array.bytes)
    try writer.commit()
  }

  /// Writes `matrix` as a 2-D `(rows, cols)` array of `dtype` (float32, float16 or float64).
  public static func write(_ matrix: Matrix, dtype: DType = .float32, to path: String) throws {
    guard dtype == .float32 else {
      try write(NDArray(matrix, dtype: dtype), to: path)
      return
    }
    // Float32: write the storage directly, without an intermediate copy.
    let writer = try AtomicFileWriter(path: path)
    try writer.write(encodeHeader(dtype: "<f4", shape: [matrix.rows, matrix.cols]))
    try matrix.storage.withUnsafeBytes { try writer.write($0) }
    try writer.commit()
  }

  /// Writes `floats` (C order) with `shape` as `dtype` (float32, float16 or float64).
  public static func write(floats: [Float], shape: [Int], dtype: DType = .float32, to path: String) throws {
    try write(NDArray(floats: floats, shape: shape, dtype: dtype), to: path)
  }

  /// Writes `ints` (C order) with `shape` as `dtype` (int64 or int32).
  public static func write(ints: [Int], shape: [Int], dtype: DType = .int64, to path: String) throws {
    try write(NDArray(ints: ints, shape: shape, dtype: dtype), to: path)
  }
}
