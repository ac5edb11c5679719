import Foundation
import Testing
import SAEKit

/// Fixture paths and scratch folders for the file-format tests (NPY, SafeTensors, batches).
enum DataFiles {
  /// The path of `Fixtures/<name>`.
  static func fixture(_ name: String) throws -> String {
    let dot = try #require(name.lastIndex(of: "."))
    let url = try #require(
      Bundle.module.url(
        forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
        subdirectory: "Fixtures"))
    return url.path
  }

  /// A new empty folder under the system temporary folder.
  static func scratchFolder() throws -> String {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("saekit-io-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }

  /// Deletes a folder made by ``scratchFolder()``.
  static func remove(_ folder: String) {
    try? FileManager.default.removeItem(atPath: folder)
  }

  static func bytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  static func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
  }

  static func floatBytes(_ values: [Float]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
  }
}

/// Expects `body` to throw `SAEKitError.file` whose message names `path` and contains every one of `fragments`.
func expectFileError(
  _ path: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record("expected an error naming \(path)", sourceLocation: sourceLocation)
  } catch let error as SAEKitError {
    guard case .file(let p, let reason) = error else {
      Issue.record("expected SAEKitError.file, got \(error)", sourceLocation: sourceLocation)
      return
    }
    #expect(p == path, sourceLocation: sourceLocation)
    #expect("\(error)".contains(path), sourceLocation: sourceLocation)
    for fragment in fragments {
      #expect(reason.contains(fragment), "\(reason) lacks \(fragment)", sourceLocation: sourceLocation)
    }
  } catch {
    Issue.record("expected SAEKitError, got \(error)", sourceLocation: sourceLocation)
  }
}
