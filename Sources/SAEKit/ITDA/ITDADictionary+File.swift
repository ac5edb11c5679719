import Foundation

/// Saving and loading ITDA dictionaries.
///
/// ## Format (version 1)
/// One `.safetensors` file (see ``SafeTensors``):
///
/// | tensor   | dtype | shape    | contents                                          |
/// |----------|-------|----------|---------------------------------------------------|
/// | `atoms`  | F32   | `[m, d]` | unit-norm atoms, in the order they were added      |
/// | `labels` | I64   | `[m, 3]` | per atom: document index, position, token id       |
///
/// `__metadata__` (all values strings): `format` = `"saekit-itda"`,
/// `version` = `"1"`, `threshold` (τ, shortest round-trip decimal), `l0`,
/// `dimension` (d, so an empty dictionary keeps it), `tokens_seen`,
/// `batches_seen`, and `max_atoms` when the dictionary had a cap. The
/// reference code stores the same content as `atoms.pt` (`[m, d]`),
/// `atom_indices.pt` (`[m, 2]`: sequence, position) and `metadata.yaml` (with `k`).
extension ITDADictionary {
  /// The `format` metadata value.
  public static let fileFormat = "saekit-itda"
  /// The format version written by ``save(to:)``.
  public static let fileVersion = 1

  /// Writes the dictionary to `path` atomically (deterministic bytes).
  public func save(to path: String) throws {
    var ids = [Int](repeating: 0, count: 3 * count)
    for (i, l) in labels.enumerated() {
      ids[3 * i] = l.document
      ids[3 * i + 1] = l.position
      ids[3 * i + 2] = l.tokenId
    }
    var metadata = [
      "format": ITDADictionary.fileFormat, "version": String(ITDADictionary.fileVersion),
      "threshold": String(threshold), "l0": String(l0), "dimension": String(dimension),
      "tokens_seen": String(tokensSeen), "batches_seen": String(batchesSeen),
    ]
    if let maxAtoms { metadata["max_atoms"] = String(maxAtoms) }
    try SafeTensors.write(
      [
        "atoms": NDArray(floats: atoms.storage, shape: [count, dimension]),
        "labels": NDArray(ints: ids, shape: [count, 3], dtype: .int64),
      ], metadata: metadata, to: path)
  }

  /// Reads a dictionary written by ``save(to:)``.
  /// - Throws: ``SAEKitError/file(path:reason:)`` for a missing tensor, a wrong
  ///   format or version, inconsistent shapes, or unparsable metadata.
  public static func load(from path: String) throws -> ITDADictionary {
    let file = try SafeTensors.read(path)
    func fail(_ reason: String) -> SAEKitError { .file(path: path, reason: reason) }
    let meta = file.metadata
    guard meta["format"] == fileFormat else {
      throw fail("not an ITDA dictionary (metadata format is \(meta["format"].map { "'\($0)'" } ?? "missing"), expected '\(fileFormat)')")
    }
    guard meta["version"] == String(fileVersion) else {
      throw fail("unsupported ITDA dictionary version \(meta["version"] ?? "missing") (this build reads \(fileVersion))")
    }
    func integer(_ key: String) throws -> Int {
      guard let s = meta[key], let v = Int(s) else { throw fail("metadata '\(key)' is missing or not an integer") }
      return v
    }
    guard let threshold = meta["threshold"].flatMap(Double.init) else {
      throw fail("metadata 'threshold' is missing or not a number")
    }
    let d = try integer("dimension")
    let atomShape = try file.shape(of: "atoms"), labelShape = try file.shape(of: "labels")
    guard atomShape.count == 2, atomShape[1] == d else {
      throw fail("tensor 'atoms' has shape \(atomShape), expected [m, \(d)]")
    }
    let m = atomShape[0]
    guard labelShape == [m, 3] else { throw fail("tensor 'labels' has shape \(labelShape), expected [\(m), 3]") }
    let atoms = try Matrix(rows: m, cols: d, storage: file.floats("atoms"))
    let ids = try file.ints("labels")
    let labels = (0..<m).map { Label(document: ids[3 * $0], position: ids[3 * $0 + 1], tokenId: ids[3 * $0 + 2]) }
    var dictionary = try ITDADictionary(
      atoms: Matrix(rows: 0, cols: d), labels: [], threshold: threshold, l0: integer("l0"),
      tokensSeen: integer("tokens_seen"), batchesSeen: integer("batches_seen"),
      maxAtoms: meta["max_atoms"] == nil ? nil : integer("max_atoms"))
    // Stored atoms are already normalised; keep their bits.
    dictionary.atoms = atoms
    dictionary.labels = labels
    guard atoms.isFinite else { throw fail("tensor 'atoms' contains NaN or infinity") }
    return dictionary
  }
}
