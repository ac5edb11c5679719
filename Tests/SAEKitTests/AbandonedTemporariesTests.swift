import Foundation
import Testing

@testable import SAEKit

/// Temporary files left by killed writers are removed by the next writer of the same target;
/// a running process's temporary is never touched.
@Suite struct AbandonedTemporariesTests {
  /// The pid of a process that has ended.
  static func endedProcess() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
  }

  @Test func onlyTheTemporariesOfEndedProcessesAreRemoved() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("temps-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let ended = try Self.endedProcess(), running = getpid()
    let names = [".r.json.\(ended).aB3xYz", ".r.json.\(running).q1w2e3", ".other.json.\(ended).aaaaaa", ".r.json.notapid.x",
                 ".r.json.\(ended).bak", "r.json"]
    for name in names { try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
    try FileManager.default.createDirectory(atPath: folder + "/.key.\(ended).\(UUID().uuidString)", withIntermediateDirectories: true)
    #expect(AbandonedTemporaries.remove(in: folder, prefix: ".r.json.") == 1)
    #expect(AbandonedTemporaries.remove(in: folder, prefix: ".key.") == 1, "folders too (cell-cache entries being written)")
    let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
    #expect(left == [".r.json.\(running).q1w2e3", ".other.json.\(ended).aaaaaa", ".r.json.notapid.x", ".r.json.\(ended).bak", "r.json"])
  }

  @Test func anAtomicWriteClearsWhatAKilledWriterOfItsTargetLeft() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("temps-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let abandoned = folder + "/.report.html.\(try Self.endedProcess()).Zz9Yy8"
    try Data("half a page".utf8).write(to: URL(fileURLWithPath: abandoned))
    try AtomicFileWriter.write("whole", to: folder + "/report.html")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["report.html"])
  }
}
