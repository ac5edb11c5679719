import Foundation
import Testing
@testable import SAEKit
#if canImport(Glibc)
import Glibc
#endif

/// Files a user names are opened only when they are regular files: a FIFO given as weights, a
/// matrix, a config or a corpus is an error at once, never a read that blocks forever.
@Suite struct FileContentsTests {
  @Test func aFIFOIsRefusedWithoutBlocking() throws {
    let dir = try DataFiles.scratchFolder()
    defer { DataFiles.remove(dir) }
    let fifo = dir + "/pipe.npy"
    try #require(mkfifo(fifo, 0o600) == 0)
    #expect(FileContents.problem(fifo) == "a named pipe (FIFO), not a regular file")
    #expect(FileContents.problem(dir) == "a folder, not a file")
    #expect(FileContents.problem(dir + "/none") == "no such file")
    expectFileError(fifo, "not a regular file") { _ = try MappedFile(path: fifo) }
    expectFileError(fifo, "not a regular file") { _ = try NPY.readMatrix(fifo) }
    expectFileError(fifo, "named pipe") { _ = try FileContents.read(fifo) }
    expectFileError(fifo, "named pipe") { _ = try TextCorpus.load(path: fifo) }
    try FileManager.default.createDirectory(atPath: dir + "/sae", withIntermediateDirectories: true)
    try #require(mkfifo(dir + "/sae/cfg.json", 0o600) == 0)
    expectFileError(dir + "/sae/cfg.json", "named pipe") { _ = try InterchangeConfig(path: dir + "/sae/cfg.json") }
    // Weights and ITDA dictionaries: a FIFO `sae.safetensors` next to a good cfg.json.
    try FileManager.default.createDirectory(atPath: dir + "/sparsify", withIntermediateDirectories: true)
    try #"{"d_in": 4, "expansion_factor": 2, "k": 2}"#.write(toFile: dir + "/sparsify/cfg.json", atomically: true, encoding: .utf8)
    try #require(mkfifo(dir + "/sparsify/sae.safetensors", 0o600) == 0)
    expectFileError(dir + "/sparsify/sae.safetensors", "not a regular file") { _ = try SparsifyFormat.load(directory: dir + "/sparsify") }
    expectFileError(fifo, "not a regular file") { _ = try SafeTensors.read(fifo) }
    expectFileError(fifo, "not a regular file") { _ = try ITDADictionary.load(from: fifo) }
  }

  /// sparsify's `num_latents = d_in × expansion_factor` is checked for overflow.
  @Test func aWidthPastIntMaxIsAnErrorNamingTheConfig() throws {
    let dir = try DataFiles.scratchFolder()
    defer { DataFiles.remove(dir) }
    try #"{"d_in": 4503599627370495, "expansion_factor": 4503599627370495, "k": 2}"#
      .write(toFile: dir + "/cfg.json", atomically: true, encoding: .utf8)
    expectFileError(dir + "/cfg.json", "d_in × expansion_factor = 4503599627370495 × 4503599627370495 is more than an Int can count") {
      _ = try SparsifyFormat.load(directory: dir)
    }
  }
}

/// Sizes no machine can hold are refused with the size, never a trap in an allocation.
@Suite struct AllocationSizeTests {
  @Test func impossibleSizesAreErrors() throws {
    var rng = RandomSource(seed: 1)
    #expect(throws: SAEKitError.tooLarge(
      "an SAE of dimension 1 and width 9223372036854775807 would need 73.8 EB; \(MemoryLimit.describe())", culprits: ["width", "dim"])) {
      _ = try SparseAutoencoder(dimension: 1, width: .max, activation: .topK(k: 1), random: &rng)
    }
    #expect(throws: SAEKitError.self) {
      _ = try SyntheticSuperposition(.init(featureCount: 10, dimension: 1 << 62, sampleCount: 10, support: .exactly(1)), using: &rng)
    }
    #expect(formatBytes(1_500_000_000) == "1.5 GB" && formatBytes(12) == "12 bytes")
    #expect(MemoryLimit.describe().hasPrefix("the memory limit is \(formatBytes(0.8 * MemoryLimit.physical)) (80% of this machine's "))
  }

  /// `--memory-limit` values: sizes with units, a share of physical memory, plain bytes.
  @Test func memoryLimitsParse() {
    #expect(MemoryLimit.parse("16G") == 16e9 && MemoryLimit.parse("512mb") == 512e6 && MemoryLimit.parse("2.5 GB") == 2.5e9)
    #expect(MemoryLimit.parse("1000") == 1000 && MemoryLimit.parse("3K") == 3000 && MemoryLimit.parse("1T") == 1e12)
    #expect(MemoryLimit.parse("50%") == 0.5 * MemoryLimit.physical)
    for bad in ["", "G", "-1G", "0", "150%", "0%", "ten", "1e400", "nan"] { #expect(MemoryLimit.parse(bad) == nil, "\(bad)") }
  }
}
