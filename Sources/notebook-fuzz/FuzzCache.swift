import Foundation

/// The runs' `$SAE_NOTEBOOK_CACHE`: a fresh folder whose `models` links to the MiniLM weights
/// (when there are any), so that `minilm()` loads in the temporary folders the inputs run in.
struct FuzzCache {
  let path: String

  init(models: String) throws {
    path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-cache-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let target = URL(fileURLWithPath: models).standardizedFileURL.path
    if FileManager.default.fileExists(atPath: target) {
      try FileManager.default.createSymbolicLink(atPath: path + "/models", withDestinationPath: target)
    }
  }

  func remove() { try? FileManager.default.removeItem(atPath: path) }
}
