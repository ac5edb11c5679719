import Foundation

/// A matrix from whatever a user has on disk: a `.npy` file, an `.npz` archive (one array, or the
/// one named), a `.safetensors` file (its only 2-D tensor, or the one named), or a folder of
/// `.npy` / `.safetensors` shards stacked by rows in natural name order (`shard_2` before
/// `shard_10`). Shards are read one at a time into the result, so a folder takes the memory of
/// the matrix, not twice it.
public enum MatrixFiles {
  public static func read(_ path: String, name: String? = nil) throws -> Matrix {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw SAEKitError.file(path: path, reason: "no such file or folder")
    }
    if isDirectory.boolValue { return try readShards(path, name: name) }
    switch URL(fileURLWithPath: path).pathExtension.lowercased() {
    case "npz": return try NPZ.readMatrix(path, name: name)
    case "safetensors": return try safetensorsMatrix(path, name: name)
    default:
      if let name { throw SAEKitError.file(path: path, reason: "a .npy file holds one array; '\(name)' names an array of an .npz or .safetensors file") }
      return try NPY.readMatrix(path)
    }
  }

  /// The 2-D tensor `name`, or the file's only 2-D tensor.
  static func safetensorsMatrix(_ path: String, name: String?) throws -> Matrix {
    let file = try SafeTensors.read(path)
    if let name { return try file.matrix(name) }
    let candidates = file.tensors.filter { $0.value.shape.count == 2 }.keys.sorted()
    guard candidates.count == 1 else {
      throw SAEKitError.file(path: path, reason: candidates.isEmpty
        ? "holds no 2-D tensor (it holds: \(file.tensors.keys.sorted().joined(separator: ", ")))"
        : "holds \(candidates.count) 2-D tensors (\(candidates.joined(separator: ", "))): name the one to read")
    }
    return try file.matrix(candidates[0])
  }

  /// The shards of `folder` stacked by rows.
  static func readShards(_ folder: String, name: String?) throws -> Matrix {
    let entries = try FileManager.default.contentsOfDirectory(atPath: folder)
    let shards = entries.filter { ["npy", "safetensors"].contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
      .sorted { $0.compare($1, options: [.numeric]) == .orderedAscending }
    guard !shards.isEmpty else { throw SAEKitError.file(path: folder, reason: "holds no .npy or .safetensors shards") }
    var result: Matrix?
    var filled = 0
    // The result is sized from the shards' headers, then filled shard by shard.
    let rows = try shards.map { try shardRows(InterchangePaths.join(folder, $0), name: name) }
    let total = rows.reduce(0, +)
    for (shard, count) in zip(shards, rows) {
      let path = InterchangePaths.join(folder, shard)
      let part = try shard.lowercased().hasSuffix(".npy") ? NPY.readMatrix(path) : safetensorsMatrix(path, name: name)
      guard part.rows == count else { throw SAEKitError.file(path: path, reason: "changed while it was read") }
      if result == nil { result = Matrix(rows: total, cols: part.cols) }
      guard part.cols == result!.cols else {
        throw SAEKitError.file(path: path, reason: "has \(part.cols) columns, but \(shards[0]) has \(result!.cols)")
      }
      result!.storage.withUnsafeMutableBufferPointer { out in
        part.storage.withUnsafeBufferPointer { src in
          if let base = src.baseAddress { (out.baseAddress! + filled * part.cols).update(from: base, count: src.count) }
        }
      }
      filled += count
    }
    return result!
  }

  /// The rows of a shard, from its header alone.
  static func shardRows(_ path: String, name: String?) throws -> Int {
    if path.lowercased().hasSuffix(".npy") {
      let mapped = try MappedFile(path: path)
      let header = try mapped.withBytes { try NPY.parseHeader($0, path: path) }
      return header.shape.first ?? 1
    }
    let file = try SafeTensors.read(path)
    let tensor = try name ?? {
      let candidates = file.tensors.filter { $0.value.shape.count == 2 }.keys.sorted()
      guard candidates.count == 1 else { throw SAEKitError.file(path: path, reason: "holds \(candidates.count) 2-D tensors: name the one to read") }
      return candidates[0]
    }()
    guard let info = file.tensors[tensor] else { throw SAEKitError.file(path: path, reason: "no tensor '\(tensor)'") }
    return info.shape.first ?? 1
  }
}
