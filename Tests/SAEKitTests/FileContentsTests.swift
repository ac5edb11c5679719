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
  }
}
