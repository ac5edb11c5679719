import Foundation

/// Reads and writes `.safetensors` files (the container of SAELens and sparsify SAEs).
///
/// Layout: an 8-byte little-endian header length `N`, `N` bytes of JSON, then
/// the data buffer:
///
///     {"W_enc": {"dtype": "F32", "shape": [768, 24576], "data_offsets": [0, 75497472]},
///      ..., "__metadata__": {"format": "pt"}}
///
/// `data_offsets` are `[begin, end)` byte offsets into the buffer; elements are
/// little-endian, C order. Supported dtypes: `F32`, `F16`, `BF16`, `F64`,
/// `I32`, `I64`. Reading maps the file, validates the whole header (sizes,
/// ranges, overlaps) and converts a tensor only when it is asked for. Every
/// error is a ``SAEKitError/file(path:reason:)`` naming the file (and the tensor).
public enum SafeTensors {
  /// One tensor's entry in the header.
  public struct TensorInfo: Sendable, Equatable {
    public var dtype: DType
    public var shape: [Int]
    /// Byte range in the data buffer (which starts right after the header).
    public var byteRange: Range<Int>
    /// `∏shape` (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }
  }

  /// Maps and validates the file at `path`.
  public static func read(_ path: String) throws -> SafeTensorsFile {
    try SafeTensorsFile(path: path)
  }

  /// The safetensors dtype name (`"F32"`, …).
  static func name(of dtype: DType) -> String {
    switch dtype {
    case .float32: return "F32"
    case .float16: return "F16"
    case .bfloat16: return "BF16"
    case .float64: return "F64"
    case .int32: return "I32"
    case .int64: return "I64"
    }
  }

  static func dtype(named name: String) -> DType? {
    DType.allCases.first { self.name(of: $0) == name }
  }
}

/// A mapped `.safetensors` file: its header, and tensors converted on demand.
///
/// ```swift
/// let sae = try SafeTensors.read("sae_weights.safetensors")
/// let wEnc = try sae.matrix("W_enc")   // (d_in × d_sae)
/// let bEnc = try sae.floats("b_enc")   // d_sae values
/// ```
public struct SafeTensorsFile: Sendable {
  public let path: String
  /// The `__metadata__` map (empty when absent).
  public let metadata: [String: String]
  /// Every tensor's dtype, shape and byte range, by name.
  public let tensors: [String: SafeTensors.TensorInfo]
  private let file: MappedFile
  /// Offset of the data buffer in the file, `8 + N`.
  private let dataStart: Int

  init(path: String) throws {
    let file = try MappedFile(path: path)
    func fail(_ reason: String) -> SAEKitError { .file(path: path, reason: reason) }

    let (header, dataStart) = try file.withBytes { bytes -> (Data, Int) in
      guard bytes.count >= 8 else {
        throw fail("not a safetensors file: \(bytes.count) bytes, too short for the 8-byte header length")
      }
      let n = bytes.loadUnaligned(as: UInt64.self).littleEndian
      guard n <= UInt64(bytes.count - 8) else {
        throw fail("header length \(n) exceeds the \(bytes.count - 8) bytes after the length field (not a safetensors file, or truncated)")
      }
      return (Data(bytes[8..<(8 + Int(n))]), 8 + Int(n))
    }
    let json: SafeTensors.JSONValue
    do {
      json = try JSONDecoder().decode(SafeTensors.JSONValue.self, from: header)
    } catch {
      throw fail("the header is not valid JSON")
    }
    guard case .object(let entries) = json else { throw fail("the header is not a JSON object") }

    let bufferSize = file.count - dataStart
    var metadata = [String: String]()
    var tensors = [String: SafeTensors.TensorInfo]()
    for (name, value) in entries {
      if name == "__metadata__" {
        guard case .object(let pairs) = value else { throw fail("__metadata__ is not a JSON object") }
        for (key, v) in pairs {
          guard case .string(let s) = v else { throw fail("__metadata__ value of '\(key)' is not a string") }
          metadata[key] = s
        }
        continue
      }
      tensors[name] = try SafeTensorsFile.parseTensor(value, bufferSize: bufferSize, fail: { fail("tensor '\(name)': \($0)") })
    }

    // Tensors must not share bytes (zero-size tensors share nothing).
    let sorted = tensors.filter { !$0.value.byteRange.isEmpty }
      .sorted { ($0.value.byteRange.lowerBound, $0.key) < ($1.value.byteRange.lowerBound, $1.key) }
    for (a, b) in zip(sorted, sorted.dropFirst()) where b.value.byteRange.lowerBound < a.value.byteRange.upperBound {
      throw fail(
        "tensors '\(a.key)' and '\(b.key)' overlap: data_offsets \(a.value.byteRange.bounds) and \(b.value.byteRange.bounds)")
    }

    self.path = path
    self.metadata = metadata
    self.tensors = tensors
    self.file = file
    self.dataStart = dataStart
  }

  private static func parseTensor(
    _ value: SafeTensors.JSONValue, bufferSize: Int, fail: (String) -> SAEKitError
  ) throws -> SafeTensors.TensorInfo {
    guard case .object(let fields) = value else { throw fail("entry is not a JSON object") }
    guard case .string(let code) = fields["dtype"] else { throw fail("missing or non-string \"dtype\"") }
    guard let dtype = SafeTensors.dtype(named: code) else {
      throw fail("unsupported dtype '\(code)' (supported: F32, F16, BF16, F64, I32, I64)")
    }
    guard case .array(let dims) = fields["shape"] else { throw fail("missing or non-array \"shape\"") }
    var shape = [Int]()
    for d in dims {
      guard case .int(let n) = d, n >= 0 else { throw fail("\"shape\" must hold non-negative integers") }
      shape.append(n)
    }
    guard case .array(let offsets) = fields["data_offsets"], offsets.count == 2,
          case .int(let begin) = offsets[0], case .int(let end) = offsets[1]
    else { throw fail("\"data_offsets\" must be [begin, end] integers") }
    guard 0 <= begin, begin <= end, end <= bufferSize else {
      throw fail("data_offsets [\(begin), \(end)] out of range of the \(bufferSize)-byte data buffer")
    }
    let count: Int
    do {
      count = try NDArray.elementCount(shape)
    } catch {
      throw fail("shape \(shape) is too large")
    }
    let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.size)
    guard !overflow, needed == end - begin else {
      throw fail(
        "data_offsets [\(begin), \(end)] hold \(end - begin) bytes but shape \(shape) \(code) needs \(count) × \(dtype.size) = \(overflow ? "too many" : String(needed)) bytes")
    }
    return SafeTensors.TensorInfo(dtype: dtype, shape: shape, byteRange: begin..<end)
  }

  /// The tensor names, sorted.
  public var names: [String] { tensors.keys.sorted() }

  /// The header entry of `name`.
  /// - Throws: when there is no such tensor (the message lists the names there are).
  public func info(_ name: String) throws -> SafeTensors.TensorInfo {
    guard let info = tensors[name] else {
      let known = names.prefix(20).map { "'\($0)'" }.joined(separator: ", ")
      throw SAEKitError.file(path: path, reason: "no tensor named '\(name)' (tensors: \(known.isEmpty ? "none" : known))")
    }
    return info
  }

  /// The shape of tensor `name`.
  public func shape(of name: String) throws -> [Int] { try info(name).shape }

  /// Tensor `name` with its raw bytes.
  public func array(_ name: String) throws -> NDArray {
    let info = try info(name)
    let bytes = file.withBytes { DType.copyBytes($0, from: dataStart + info.byteRange.lowerBound, count: info.byteRange.count) }
    return try NDArray(shape: info.shape, dtype: info.dtype, bytes: bytes)
  }

  /// Calls `body` with the address of tensor `name`'s first byte in the mapping and its header
  /// entry: the elements as stored (little-endian, C order), valid only inside `body`.
  public func withTensorBytes<R>(_ name: String, _ body: (UnsafeRawPointer, SafeTensors.TensorInfo) throws -> R) throws -> R {
    let info = try info(name)
    return try withTensorBytes(info) { try body($0, info) }
  }

  /// ``withTensorBytes(_:_:)`` for a header entry of this file (`info(name)`).
  public func withTensorBytes<R>(_ info: SafeTensors.TensorInfo, _ body: (UnsafeRawPointer) throws -> R) rethrows -> R {
    try file.withBytes { bytes in try body(bytes.baseAddress! + dataStart + info.byteRange.lowerBound) }
  }

  /// Tensor `name`'s elements as Floats, C order (any dtype; see ``DType``).
  public func floats(_ name: String) throws -> [Float] {
    let info = try info(name)
    let n = info.count
    return [Float](unsafeUninitializedCapacity: n) { out, initialized in
      file.withBytes { bytes in
        if let base = bytes.baseAddress, let d = out.baseAddress {
          info.dtype.widen(base + dataStart + info.byteRange.lowerBound, count: n, into: d)
        }
      }
      initialized = n
    }
  }

  /// Tensor `name` as a Float32 matrix: 2-D `[r, c]` → `(r × c)`, 1-D `[n]` → `(n × 1)`.
  /// - Throws: for other ranks.
  public func matrix(_ name: String) throws -> Matrix {
    let shape = try info(name).shape
    switch shape.count {
    case 2: return try Matrix(rows: shape[0], cols: shape[1], storage: floats(name))
    case 1: return try Matrix(rows: shape[0], cols: 1, storage: floats(name))
    default:
      throw SAEKitError.file(path: path, reason: "tensor '\(name)': expected a 1-D or 2-D tensor, found shape \(shape)")
    }
  }

  /// Tensor `name`'s elements as Ints (I32 / I64 only).
  public func ints(_ name: String) throws -> [Int] {
    do {
      return try array(name).ints()
    } catch SAEKitError.invalidArgument(let reason) {
      throw SAEKitError.file(path: path, reason: "tensor '\(name)': \(reason)")
    }
  }
}

extension Range where Bound == Int {
  fileprivate var bounds: String { "[\(lowerBound), \(upperBound)]" }
}

extension SafeTensors {
  /// A JSON value of the header; integers are kept apart from other numbers.
  enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
      let c = try decoder.singleValueContainer()
      if c.decodeNil() {
        self = .null
      } else if let b = try? c.decode(Bool.self) {
        self = .bool(b)
      } else if let n = try? c.decode(Int.self) {
        self = .int(n)
      } else if let x = try? c.decode(Double.self) {
        self = .number(x)
      } else if let s = try? c.decode(String.self) {
        self = .string(s)
      } else if let a = try? c.decode([JSONValue].self) {
        self = .array(a)
      } else {
        self = .object(try c.decode([String: JSONValue].self))
      }
    }
  }
}
