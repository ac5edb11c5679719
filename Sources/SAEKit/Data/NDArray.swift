/// An n-dimensional array as stored in a `.npy` or `.safetensors` file.
///
/// The elements are kept as raw little-endian bytes in C (row-major) order, so
/// a file read and written again is bit-identical whatever its dtype. Convert
/// with ``floats()``, ``ints()`` or ``matrix()``.
///
/// A 0-dimensional array (`shape == []`) holds one element (a NumPy scalar).
public struct NDArray: Sendable, Equatable {
  /// The length along each axis; `[]` for a scalar.
  public let shape: [Int]
  public let dtype: DType
  /// `count · dtype.size` little-endian bytes, C order.
  public let bytes: [UInt8]

  /// Wraps raw little-endian bytes.
  /// - Throws: when a dimension is negative or `bytes.count` is not
  ///   `∏shape · dtype.size`.
  public init(shape: [Int], dtype: DType, bytes: [UInt8]) throws {
    let count = try NDArray.elementCount(shape)
    let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.size)
    guard !overflow, bytes.count == expected else {
      throw SAEKitError.invalidArgument(
        "\(NDArray.describe(shape)) \(dtype) needs \(count) × \(dtype.size) bytes, got \(bytes.count)")
    }
    self.shape = shape
    self.dtype = dtype
    self.bytes = bytes
  }

  /// Stores `floats` (C order) as `dtype`, a floating-point type.
  ///
  /// `float16` and `bfloat16` round to nearest even (large values become ±∞).
  /// - Throws: when `floats.count != ∏shape` or `dtype` is an integer type.
  public init(floats: [Float], shape: [Int], dtype: DType = .float32) throws {
    guard dtype.isFloatingPoint else {
      throw SAEKitError.invalidArgument("cannot store floats as \(dtype); use init(ints:shape:dtype:)")
    }
    let count = try NDArray.elementCount(shape)
    guard floats.count == count else {
      throw SAEKitError.invalidArgument(
        "\(floats.count) values do not fill shape \(NDArray.describe(shape)) (\(count) elements)")
    }
    var bytes = [UInt8](repeating: 0, count: count * dtype.size)
    floats.withUnsafeBufferPointer { src in
      bytes.withUnsafeMutableBytes { dst in
        guard let s = src.baseAddress, let d = dst.baseAddress else { return }
        dtype.narrow(s, count: count, into: d)
      }
    }
    self.shape = shape
    self.dtype = dtype
    self.bytes = bytes
  }

  /// Stores `ints` (C order) as `int32` or `int64`.
  /// - Throws: when `ints.count != ∏shape`, `dtype` is not an integer type, or
  ///   a value does not fit in `int32`.
  public init(ints: [Int], shape: [Int], dtype: DType = .int64) throws {
    let count = try NDArray.elementCount(shape)
    guard ints.count == count else {
      throw SAEKitError.invalidArgument(
        "\(ints.count) values do not fill shape \(NDArray.describe(shape)) (\(count) elements)")
    }
    var bytes = [UInt8](repeating: 0, count: count * dtype.size)
    switch dtype {
    case .int64:
      bytes.withUnsafeMutableBytes { dst in
        for (i, v) in ints.enumerated() { dst.storeBytes(of: Int64(v), toByteOffset: 8 * i, as: Int64.self) }
      }
    case .int32:
      if let bad = ints.first(where: { Int32(exactly: $0) == nil }) {
        throw SAEKitError.invalidArgument("\(bad) does not fit in int32")
      }
      bytes.withUnsafeMutableBytes { dst in
        for (i, v) in ints.enumerated() { dst.storeBytes(of: Int32(v), toByteOffset: 4 * i, as: Int32.self) }
      }
    default:
      throw SAEKitError.invalidArgument("cannot store ints as \(dtype); use int32 or int64")
    }
    self.shape = shape
    self.dtype = dtype
    self.bytes = bytes
  }

  /// A `(rows × cols)` array holding `matrix` as `dtype` (a floating-point type).
  public init(_ matrix: Matrix, dtype: DType = .float32) throws {
    try self.init(floats: matrix.storage, shape: [matrix.rows, matrix.cols], dtype: dtype)
  }

  /// The number of elements, `∏shape` (1 for a scalar).
  public var count: Int { bytes.count / dtype.size }

  /// Every element as a Float, in C order (float types widen or round, see ``DType``).
  public func floats() -> [Float] {
    let n = count
    return [Float](unsafeUninitializedCapacity: n) { out, initialized in
      bytes.withUnsafeBytes { src in
        if let s = src.baseAddress, let d = out.baseAddress { dtype.widen(s, count: n, into: d) }
      }
      initialized = n
    }
  }

  /// Every element as an Int, in C order.
  /// - Throws: when the dtype is a floating-point type.
  public func ints() throws -> [Int] {
    switch dtype {
    case .int32:
      return bytes.withUnsafeBytes { src in
        (0..<count).map { Int(src.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
      }
    case .int64:
      return bytes.withUnsafeBytes { src in
        (0..<count).map { Int(src.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
      }
    default:
      throw SAEKitError.invalidArgument("\(dtype) array cannot be read as integers")
    }
  }

  /// The array as a Float32 matrix.
  ///
  /// A 2-D array `(r, c)` becomes `(r × c)`; a 1-D array of length `n` becomes
  /// a column `(n × 1)` (one value per row, as a 1-D activation file holds one
  /// feature per token). Use ``floats()`` for a plain vector.
  /// - Throws: for 0-D and 3-D-or-more arrays.
  public func matrix() throws -> Matrix {
    let (r, c) = try matrixShape()
    return try Matrix(rows: r, cols: c, storage: floats())
  }

  /// `(rows, cols)` for ``matrix()``.
  func matrixShape() throws -> (Int, Int) {
    switch shape.count {
    case 2: return (shape[0], shape[1])
    case 1: return (shape[0], 1)
    default:
      throw SAEKitError.invalidArgument(
        "expected a 1-D or 2-D array, found shape \(NDArray.describe(shape))")
    }
  }

  /// `∏shape`, checking for negative dimensions and overflow.
  static func elementCount(_ shape: [Int]) throws -> Int {
    var n = 1
    for d in shape {
      guard d >= 0 else { throw SAEKitError.invalidArgument("negative dimension in shape \(describe(shape))") }
      let (p, overflow) = n.multipliedReportingOverflow(by: d)
      guard !overflow else { throw SAEKitError.invalidArgument("shape \(describe(shape)) overflows Int") }
      n = p
    }
    return n
  }

  /// A shape written like NumPy's, e.g. `(3, 4)`, `(5,)`, `()`.
  static func describe(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
  }
}
