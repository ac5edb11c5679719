/// The `.npy` header: magic, version, header length, then a Python dict literal.
///
/// Layout (all integers little-endian):
///
///     "\x93NUMPY" major minor  HLEN  "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }   …\n"
///      6 bytes    1     1      u16 (v1) / u32 (v2, v3)   HLEN bytes, padded with spaces, ending in '\n'
///
/// Versions 1.0 and 2.0 encode the dict in Latin-1, 3.0 in UTF-8. The data
/// follows the header; NumPy pads the header so the data starts at a multiple
/// of 64 bytes.
extension NPY {
  /// A parsed `.npy` header.
  public struct Header: Sendable, Equatable {
    /// Format major version: 1, 2 or 3 (minor is always 0).
    public var version: Int
    public var dtype: DType
    /// True when the file stores big-endian elements (`'>f4'`); they are byte-swapped on read.
    public var isBigEndian: Bool
    public var shape: [Int]
    /// Offset of the first data byte from the start of the file.
    public var dataOffset: Int

    /// `∏shape`.
    public var count: Int { shape.reduce(1, *) }
    /// `count · dtype.size`.
    public var byteCount: Int { count * dtype.size }
  }

  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
  /// Data alignment NumPy uses (`numpy.lib.format.ARRAY_ALIGN`).
  static let alignment = 64
  /// Spare spaces NumPy leaves so the first axis can grow in place (`GROWTH_AXIS_MAX_DIGITS`).
  static let growthDigits = 21

  /// Parses and validates the header at the start of `file`, including that the data fits.
  static func parseHeader(_ file: UnsafeRawBufferPointer, path: String) throws -> Header {
    func fail(_ reason: String) -> SAEKitError { .file(path: path, reason: reason) }

    guard file.count >= 10, Array(file[0..<6]) == magic else {
      throw fail("not a .npy file (the file does not start with \\x93NUMPY)")
    }
    let major = Int(file[6])
    let minor = Int(file[7])
    guard (1...3).contains(major), minor == 0 else {
      throw fail("unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
    }
    let prefix = major == 1 ? 10 : 12
    guard file.count >= prefix else { throw fail("truncated: the file ends inside the .npy header") }
    let headerLength = major == 1
      ? Int(file.loadUnaligned(fromByteOffset: 8, as: UInt16.self).littleEndian)
      : Int(file.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
    guard prefix + headerLength <= file.count else {
      throw fail("truncated: the header is \(headerLength) bytes but only \(file.count - prefix) follow")
    }
    let headerBytes = file[prefix..<(prefix + headerLength)]
    let text: String
    if major == 3 {
      guard let decoded = String(validating: headerBytes, as: UTF8.self) else {
        throw fail("the version 3.0 header is not valid UTF-8")
      }
      text = decoded
    } else {
      // Latin-1: every byte is the Unicode scalar of the same value.
      text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))
    }

    let dict: [(key: PythonLiteral, value: PythonLiteral)]
    do {
      guard case .dict(let entries) = try PythonLiteral.parse(text) else {
        throw fail("bad header: expected a dict, found \(text.trimmed)")
      }
      dict = entries
    } catch let error as PythonLiteral.ParseError {
      throw fail("bad header: \(error.message) at character \(error.offset) of \(text.trimmed)")
    }
    func field(_ name: String) throws -> PythonLiteral {
      guard let entry = dict.last(where: { $0.key == .string(name) }) else {
        throw fail("bad header: no '\(name)' key in \(text.trimmed)")
      }
      return entry.value
    }

    // shape
    guard case .tuple(let dims) = try field("shape") else {
      throw fail("bad header: 'shape' must be a tuple, found \(try field("shape").pythonDescription)")
    }
    var shape = [Int]()
    for d in dims {
      guard case .int(let n) = d, n >= 0 else {
        throw fail("bad header: 'shape' must hold non-negative integers, found \(PythonLiteral.tuple(dims).pythonDescription)")
      }
      shape.append(n)
    }

    // descr
    let descr = try field("descr")
    guard case .string(let code) = descr else {
      throw fail("unsupported dtype \(descr.pythonDescription): structured dtypes are not supported")
    }
    guard let (dtype, bigEndian) = parseDescr(code) else {
      throw fail("unsupported dtype '\(code)' (supported: <f4, <f2, <f8, <i4, <i8 and their big-endian forms)")
    }

    // fortran_order
    guard case .bool(let fortran) = try field("fortran_order") else {
      throw fail("bad header: 'fortran_order' must be True or False")
    }
    // With at most one axis longer than 1, Fortran and C order lay out the same bytes.
    if fortran && shape.filter({ $0 > 1 }).count > 1 {
      throw fail(
        "Fortran-order (column-major) arrays are not supported; save a C-order array, e.g. np.save(path, np.ascontiguousarray(a))")
    }

    // size
    var count = 1
    for d in shape {
      let (p, overflow) = count.multipliedReportingOverflow(by: d)
      guard !overflow else { throw fail("bad header: shape \(NDArray.describe(shape)) is too large") }
      count = p
    }
    let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.size)
    guard !overflow else { throw fail("bad header: shape \(NDArray.describe(shape)) is too large") }
    let dataOffset = prefix + headerLength
    let available = file.count - dataOffset
    guard available >= byteCount else {
      let dims = shape.isEmpty ? "a scalar" : shape.map(String.init).joined(separator: "×")
      throw fail("truncated: header says \(dims) \(dtype) (\(byteCount) bytes) but only \(available) bytes follow")
    }
    return Header(version: major, dtype: dtype, isBigEndian: bigEndian, shape: shape, dataOffset: dataOffset)
  }

  /// Maps a NumPy type string such as `'<f4'` to a dtype and byte order.
  ///
  /// `<` is little-endian, `>` big-endian; `|` (not applicable) and `=`
  /// (native) are read as little-endian, the only host byte order SAEKit supports.
  static func parseDescr(_ code: String) -> (DType, Bool)? {
    var rest = Substring(code)
    var bigEndian = false
    if let first = rest.first, "<>|=".contains(first) {
      bigEndian = first == ">"
      rest = rest.dropFirst()
    }
    let dtype: DType
    switch rest {
    case "f4": dtype = .float32
    case "f2": dtype = .float16
    case "f8": dtype = .float64
    case "i4": dtype = .int32
    case "i8": dtype = .int64
    default: return nil
    }
    return (dtype, bigEndian)
  }

  /// The NumPy type string of a dtype (little-endian), or nil when NumPy has none.
  static func descr(of dtype: DType) -> String? {
    switch dtype {
    case .float32: return "<f4"
    case .float16: return "<f2"
    case .float64: return "<f8"
    case .int32: return "<i4"
    case .int64: return "<i8"
    case .bfloat16: return nil
    }
  }

  /// The header bytes NumPy's `np.save` would write for a C-order array.
  ///
  /// Version 1.0 when the header length fits in 16 bits, else 2.0. The dict is
  /// followed by 21 − len(str(shape[0])) spare spaces (room to grow the first
  /// axis in place), then padded with spaces and a final `'\n'` so that the
  /// data starts at a multiple of 64 bytes.
  static func encodeHeader(dtype: String, shape: [Int]) -> [UInt8] {
    var dict = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': \(NDArray.describe(shape)), }"
    if let first = shape.first {
      dict += String(repeating: " ", count: max(0, growthDigits - String(first).count))
    }
    let body = Array(dict.utf8)
    for version in [1, 2] {
      let prefix = version == 1 ? 10 : 12
      let unpadded = prefix + body.count + 1  // + '\n'
      let padding = alignment - unpadded % alignment
      let headerLength = body.count + padding + 1
      if version == 1 && headerLength > Int(UInt16.max) { continue }
      var out = magic + [UInt8(version), 0]
      if version == 1 {
        withUnsafeBytes(of: UInt16(headerLength).littleEndian) { out.append(contentsOf: $0) }
      } else {
        withUnsafeBytes(of: UInt32(headerLength).littleEndian) { out.append(contentsOf: $0) }
      }
      out += body
      out += [UInt8](repeating: 0x20, count: padding)
      out.append(0x0A)
      return out
    }
    preconditionFailure("a .npy header longer than 4 GiB")
  }
}

extension String {
  /// The text without surrounding whitespace, for quoting a header in an error.
  fileprivate var trimmed: String {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\n" && $0 != "\t" }),
          let last = scalars.lastIndex(where: { $0 != " " && $0 != "\n" && $0 != "\t" })
    else { return "" }
    return String(scalars[first...last])
  }
}
