/// Writing `.safetensors` files, deterministically.
extension SafeTensors {
  /// Writes `tensors` and `metadata` to `path` (atomically, via a temporary file).
  ///
  /// The output depends only on the arguments: the data buffer holds the
  /// tensors by element size, largest first, then by name (so each tensor is
  /// aligned to its element size, as the Rust implementation lays them out);
  /// the JSON header has no spaces, its keys sorted byte-wise at every level
  /// (`__metadata__` is omitted when empty), and it is padded with spaces to a
  /// multiple of 8 bytes. Any dtype is written as is (store `Matrix` weights
  /// with `NDArray(matrix)`, which is `F32`).
  ///
  /// ```swift
  /// try SafeTensors.write(["W_enc": NDArray(wEnc), "b_enc": NDArray(floats: b, shape: [b.count])],
  ///                       metadata: ["format": "pt"], to: "sae_weights.safetensors")
  /// ```
  /// - Throws: for an empty name or the reserved name `__metadata__`, and on I/O errors.
  public static func write(_ tensors: [String: NDArray], metadata: [String: String] = [:], to path: String) throws {
    for name in tensors.keys where name.isEmpty || name == "__metadata__" {
      throw SAEKitError.file(path: path, reason: "invalid tensor name '\(name)'")
    }
    let layout = tensors.sorted {
      $0.value.dtype.size != $1.value.dtype.size
        ? $0.value.dtype.size > $1.value.dtype.size
        : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
    }
    var offsets = [String: Range<Int>]()
    var position = 0
    for (name, array) in layout {
      offsets[name] = position..<(position + array.bytes.count)
      position += array.bytes.count
    }

    var entries = [(key: String, json: String)]()
    for (name, array) in tensors {
      guard let range = offsets[name] else { continue }
      let shape = array.shape.map(String.init).joined(separator: ",")
      entries.append((name, "{\"data_offsets\":[\(range.lowerBound),\(range.upperBound)],\"dtype\":\"\(SafeTensors.name(of: array.dtype))\",\"shape\":[\(shape)]}"))
    }
    if !metadata.isEmpty {
      let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        .map { jsonString($0.key) + ":" + jsonString($0.value) }
      entries.append(("__metadata__", "{" + pairs.joined(separator: ",") + "}"))
    }
    entries.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    var header = Array(("{" + entries.map { jsonString($0.key) + ":" + $0.json }.joined(separator: ",") + "}").utf8)
    header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)

    let writer = try AtomicFileWriter(path: path)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { header.insert(contentsOf: $0, at: 0) }
    try writer.write(header)
    for (_, array) in layout { try writer.write(array.bytes) }
    try writer.commit()
  }

  /// Writes named matrices as 2-D `F32` tensors and vectors as 1-D `F32` tensors.
  public static func write(
    matrices: [String: Matrix], vectors: [String: [Float]] = [:],
    metadata: [String: String] = [:], to path: String
  ) throws {
    var tensors = [String: NDArray]()
    for (name, m) in matrices { tensors[name] = try NDArray(m) }
    for (name, v) in vectors {
      guard tensors[name] == nil else {
        throw SAEKitError.file(path: path, reason: "tensor name '\(name)' given twice")
      }
      tensors[name] = try NDArray(floats: v, shape: [v.count])
    }
    try write(tensors, metadata: metadata, to: path)
  }

  /// Rewrites the file at `path` with the floating-point tensors `names` stored as `dtype` (e.g.
  /// an SAE's `W_enc` and `W_dec` in bfloat16, as large SAEs are published) and the rest as they are.
  public static func rewrite(_ path: String, storing names: Set<String>, as dtype: DType) throws {
    let file = try read(path)
    var tensors: [String: NDArray] = [:]
    for name in file.names {
      let array = try file.array(name)
      tensors[name] = names.contains(name) ? try NDArray(floats: try file.floats(name), shape: array.shape, dtype: dtype) : array
    }
    try write(tensors, metadata: file.metadata, to: path)
  }

  /// `s` as a JSON string literal (see ``JSONText/quoted(_:)``).
  static func jsonString(_ s: String) -> String { JSONText.quoted(s) }
}
