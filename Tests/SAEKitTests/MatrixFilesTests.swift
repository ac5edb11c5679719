import Foundation
import Testing
@testable import SAEKit

/// `.npz` archives written by NumPy (`np.savez`, zip64 headers, `np.savez_compressed`) and folders
/// of shards, read as one matrix; damaged archives and ambiguous files are clear errors.
@Suite struct MatrixFilesTests {
  static func fixture(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).path + "/" + name
  }

  @Test func readsNpzArchivesWrittenByNumPy() throws {
    let one = try Self.fixture("numpy_one.npz")
    #expect(try NPZ.names(one) == ["acts"])
    let acts = try MatrixFiles.read(one)
    #expect(acts.rows == 3 && acts.cols == 2 && acts.storage == [0, 0.5, 1, 1.5, 2, 2.5])
    let two = try Self.fixture("numpy_two.npz")
    #expect(try NPZ.names(two) == ["x", "y"])
    #expect(try MatrixFiles.read(two, name: "x").storage == [0, 1, 2, 3])
    #expect(try MatrixFiles.read(two, name: "y").storage == [1.5, 2.5, 3.5])
    expectFileError(two, "holds 2 arrays (x, y): name the one to read") { _ = try MatrixFiles.read(two) }
    expectFileError(two, "no array 'z'") { _ = try MatrixFiles.read(two, name: "z") }
    let compressed = try Self.fixture("numpy_compressed.npz")
    #expect(try MatrixFiles.read(compressed, name: "x").storage == (0..<12).map { Float($0) / 4 })
    let y = try MatrixFiles.read(compressed, name: "y")
    #expect(y.rows == 100 && y.cols == 3 && y.storage == (0..<300).map(Float.init))
    let notZip = try Self.fixture("numpy_f32_3x4.npy")
    expectFileError(notZip, "not a readable .npz") { _ = try NPZ.readMatrix(notZip) }
  }

  /// A compressed member whose bytes were damaged, or cut short, is an error saying so.
  @Test func damagedCompressedMembersAreErrors() throws {
    let dir = try DataFiles.scratchFolder()
    defer { DataFiles.remove(dir) }
    let original = try Data(contentsOf: URL(fileURLWithPath: try Self.fixture("numpy_compressed.npz")))
    let names = try NPZ.names(try Self.fixture("numpy_compressed.npz"))
    #expect(names == ["x", "y"])
    // The first member's data starts after its 30-byte local header, name and extra field.
    let start = 30 + Int(original[26]) + Int(original[27]) << 8 + Int(original[28]) + Int(original[29]) << 8
    for (offset, label) in [(start + 2, "flipped"), (start + 20, "flipped later")] {
      var damaged = original
      damaged[offset] ^= 0x5A
      let path = dir + "/\(label).npz"
      try damaged.write(to: URL(fileURLWithPath: path))
      do {
        _ = try MatrixFiles.read(path, name: "x")
        Issue.record("\(label): no error")
      } catch {
        let text = "\(error)"
        #expect(text.contains("'x.npy'") && (text.contains("corrupt") || text.contains("CRC-32")), "\(text)")
      }
    }
  }

  @Test func stacksShardsInNaturalOrder() throws {
    let m = try MatrixFiles.read(try Self.fixture("numpy_shards"))
    #expect(m.rows == 6 && m.cols == 2)
    #expect(m.column(0) == [1, 1, 2, 10, 10, 10])  // shard_1 (2 rows), shard_2 (1), shard_10 (3)
  }

  @Test func shardsMustAgreeAndFoldersMustHoldThem() throws {
    let dir = try DataFiles.scratchFolder()
    defer { DataFiles.remove(dir) }
    expectFileError(dir, "holds no .npy or .safetensors shards") { _ = try MatrixFiles.read(dir) }
    try NPY.write(try Matrix([[1, 2]]), to: dir + "/a.npy")
    try NPY.write(try Matrix([[1, 2, 3]]), to: dir + "/b.npy")
    expectFileError(dir + "/b.npy", "has 3 columns, but a.npy has 2") { _ = try MatrixFiles.read(dir) }
    expectFileError(dir + "/a.npy", "a .npy file holds one array") { _ = try MatrixFiles.read(dir + "/a.npy", name: "x") }
  }
}
