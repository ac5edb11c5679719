import Foundation

/// A weights file of an SAE folder, read with the shapes the config promises.
/// Every error names the file, the tensor, the shape found and the one expected.
struct InterchangeWeights {
  let file: SafeTensorsFile
  var path: String { file.path }

  /// Maps `path`, with a clear error when it does not exist.
  init(path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else {
      throw SAEKitError.file(path: path, reason: "no such file: the SAE folder has a cfg.json but not its weights")
    }
    self.file = try SafeTensors.read(path)
    for name in file.names { try requireFinite(name) }
  }

  /// Tensor `name` holds only finite numbers: NaN or ±infinity in an SAE's weights would make
  /// every result nonsense without a word. The bytes are scanned in the file's own type, so
  /// 16-bit weights left in the file are not widened for it.
  func requireFinite(_ name: String) throws {
    let first: (index: Int, shape: [Int])? = try file.withTensorBytes(name) { base, info in
      let index: Int? =
        switch info.dtype {
        case .float32: Self.firstNonFinite(base, info.count, exponent: UInt32(0x7F80_0000))
        case .float16: Self.firstNonFinite(base, info.count, exponent: UInt16(0x7C00))
        case .bfloat16: Self.firstNonFinite(base, info.count, exponent: UInt16(0x7F80))
        case .float64: Self.firstNonFinite(base, info.count, exponent: UInt64(0x7FF0_0000_0000_0000))
        default: nil
        }
      return index.map { ($0, info.shape) }
    }
    guard let (index, shape) = first else { return }
    var rest = index, position: [Int] = []
    for size in shape.reversed() {
      position.insert(rest % max(size, 1), at: 0)
      rest /= max(size, 1)
    }
    throw SAEKitError.file(
      path: path, reason: "tensor '\(name)' holds a value that is not finite (NaN or infinity) at \(position); the weights are damaged")
  }

  /// The first of `count` values whose exponent bits are all set (NaN or ±infinity), read unaligned.
  static func firstNonFinite<T: FixedWidthInteger>(_ base: UnsafeRawPointer, _ count: Int, exponent: T) -> Int? {
    let size = MemoryLayout<T>.size
    for i in 0..<count where base.loadUnaligned(fromByteOffset: i * size, as: T.self) & exponent == exponent { return i }
    return nil
  }

  func has(_ name: String) -> Bool { file.tensors[name] != nil }

  /// Tensor `name`, which must have exactly `shape` (`why` says where that shape comes from).
  func requireShape(_ name: String, _ shape: [Int], _ why: String) throws {
    let found = try file.shape(of: name)
    guard found == shape else {
      throw SAEKitError.file(
        path: path, reason: "tensor '\(name)' has shape \(found), expected \(shape) (\(why))")
    }
  }

  /// A 2-D tensor of shape `[rows, cols]`.
  func matrix(_ name: String, rows: Int, cols: Int, why: String) throws -> Matrix {
    try requireShape(name, [rows, cols], why)
    return try Matrix(rows: rows, cols: cols, storage: file.floats(name))
  }

  /// A 1-D tensor of `count` elements.
  func vector(_ name: String, count: Int, why: String) throws -> [Float] {
    try requireShape(name, [count], why)
    return try file.floats(name)
  }

  /// A tensor with exactly one element (shape `[]` or `[1]`).
  func scalar(_ name: String) throws -> Float {
    let values = try file.floats(name)
    guard values.count == 1 else {
      throw SAEKitError.file(
        path: path, reason: "tensor '\(name)' has shape \(try file.shape(of: name)), expected a single value")
    }
    return values[0]
  }
}

/// File-system helpers of the interchange formats.
enum InterchangePaths {
  static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

  /// Creates `directory` (and its parents) when missing.
  static func makeDirectory(_ directory: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw SAEKitError.file(path: directory, reason: "exists and is not a folder")
      }
      return
    }
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw SAEKitError.file(path: directory, reason: "cannot create the folder")
    }
  }

  /// The names of the sub-folders of `directory` that hold `marker`, sorted.
  static func subfolders(of directory: String, holding marker: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { exists(join(join(directory, $0), marker)) }
      .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }
}
