import Foundation

/// Activations of a model on a corpus, one row per token, with where each
/// token came from: the document (snippet index), its position in the
/// tokenized document, and its token id. ITDA and "top activating examples"
/// need the provenance; SAEs only need `x`.
public struct ActivationSet: Sendable {
  /// `(tokens × d)`.
  public var x: Matrix
  /// Per token: snippet index in the corpus.
  public var documents: [Int]
  /// Per token: position in its tokenized snippet (0 = `[CLS]`).
  public var positions: [Int]
  /// Per token: vocabulary id.
  public var tokenIds: [Int]

  public init(x: Matrix, documents: [Int], positions: [Int], tokenIds: [Int]) throws {
    guard documents.count == x.rows, positions.count == x.rows, tokenIds.count == x.rows else {
      throw SAEKitError.invalidArgument(
        "activation provenance has \(documents.count)/\(positions.count)/\(tokenIds.count) entries for \(x.rows) tokens")
    }
    self.x = x
    self.documents = documents
    self.positions = positions
    self.tokenIds = tokenIds
  }

  public var count: Int { x.rows }
}

/// An on-disk cache of ``ActivationSet``s: `<key>.npy` holds `x` (float32),
/// `<key>.tokens.npy` the provenance (int64, `tokens × 3`: document, position,
/// token id). The key is the SHA-256 of everything the activations depend on
/// (model hash, layer, corpus hash, options), so a changed input never reads a
/// stale entry. Files are written atomically (temporary file, then rename), the
/// provenance last, so a half-written entry is never taken for a complete one;
/// an unreadable entry is recomputed.
public struct ActivationCache: Sendable {
  public let directory: String

  public init(directory: String) { self.directory = directory }

  /// The cache key of a list of named parts, e.g. `["model=…", "layer=3", …]`.
  public static func key(_ parts: [String]) -> String {
    String(SHA256.hex(of: parts.joined(separator: "\n")).prefix(32))
  }

  func paths(_ key: String) -> (x: String, tokens: String) {
    ("\(directory)/\(key).npy", "\(directory)/\(key).tokens.npy")
  }

  /// The cached set, or nil when absent or unreadable.
  public func load(_ key: String) -> ActivationSet? {
    let p = paths(key)
    guard FileManager.default.fileExists(atPath: p.tokens),
          let x = try? NPY.readMatrix(p.x),
          let tokens = try? NPY.read(p.tokens), tokens.shape == [x.rows, 3],
          let ids = try? tokens.ints()
    else { return nil }
    let n = x.rows
    return try? ActivationSet(
      x: x, documents: (0..<n).map { ids[3 * $0] }, positions: (0..<n).map { ids[3 * $0 + 1] },
      tokenIds: (0..<n).map { ids[3 * $0 + 2] })
  }

  public func save(_ set: ActivationSet, key: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let p = paths(key)
    try NPY.write(set.x, to: p.x)
    var ids = [Int](repeating: 0, count: 3 * set.count)
    for i in 0..<set.count {
      ids[3 * i] = set.documents[i]
      ids[3 * i + 1] = set.positions[i]
      ids[3 * i + 2] = set.tokenIds[i]
    }
    try NPY.write(ints: ids, shape: [set.count, 3], to: p.tokens)
  }
}
