import Foundation
import Testing
@testable import SAEKit

@Suite struct CorpusTests {
  func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "corpus-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func defaultCorpusIsLargeCleanAndDeterministic() throws {
    let corpus = try TextCorpus.standard()
    #expect(corpus.snippets.count > 5_000, "got \(corpus.snippets.count) snippets")
    let characters = corpus.snippets.reduce(0) { $0 + $1.count }
    #expect(characters > 1_000_000, "about 250k tokens are needed for 100k-token notebooks with room to spare")
    #expect(corpus.snippets.allSatisfy { !$0.contains("\n") && !$0.contains("  ") && $0.split(separator: " ").count >= 4 })
    #expect(Set(corpus.snippets).count == corpus.snippets.count)
    #expect(try TextCorpus.standard().contentHash == corpus.contentHash)
  }

  @Test func missingDefaultCorpusNamesThePackage() {
    #expect {
      try TextCorpus.standard(directory: "/nonexistent/fortunes")
    } throws: { error in
      (error as? SAEKitError)?.description.contains("apt-get install -y fortunes") == true
    }
  }

  @Test func filesAndFoldersSplitAndClean() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "First  paragraph\nspans two lines here.\n\nSecond one has four words.\n\nshort\n\n|__|  |__| |__| /\\/\\ ##\n\nFirst paragraph spans two lines here.\n"
      .write(toFile: dir + "/b.txt", atomically: true, encoding: .utf8)
    try "A fortune with enough words\n%\nAnother fortune, also long enough\n%\n".write(toFile: dir + "/a", atomically: true, encoding: .utf8)
    let corpus = try TextCorpus.load(path: dir)
    #expect(corpus.snippets == [
      "A fortune with enough words", "Another fortune, also long enough",
      "First paragraph spans two lines here.", "Second one has four words.",
    ])
    #expect(throws: SAEKitError.self) { try TextCorpus.load(path: dir + "/none") }
  }

  @Test func activationCacheRoundTripsAndRejectsDamage() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var rng = RandomSource(seed: 4)
    let set = try ActivationSet(
      x: Matrix.gaussian(rows: 5, cols: 3, mean: 0, std: 1, using: &rng),
      documents: [0, 0, 1, 1, 1], positions: [0, 1, 0, 1, 2], tokenIds: [101, 7592, 101, 2088, 102])
    let cache = ActivationCache(directory: dir)
    let key = ActivationCache.key(["model=abc", "layer=3"])
    #expect(key != ActivationCache.key(["model=abc", "layer=4"]))
    #expect(cache.load(key) == nil)
    try cache.save(set, key: key)
    let back = try #require(cache.load(key))
    #expect(back.x == set.x && back.documents == set.documents && back.positions == set.positions && back.tokenIds == set.tokenIds)
    // A truncated activation file is not trusted.
    let handle = try #require(FileHandle(forWritingAtPath: dir + "/\(key).npy"))
    try handle.truncate(atOffset: 100)
    try handle.close()
    #expect(cache.load(key) == nil)
  }
}
