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

  /// The cleaning rule written the plain way (one snippet after another, Foundation's sets for
  /// every scalar, the counts taken from the cleaned string): the reference for `clean`.
  static func referenceClean(_ raw: [String]) -> [String] {
    var seen = Set<String>(), out: [String] = []
    for text in raw {
      var cleaned = "", pendingSpace = false
      for scalar in text.unicodeScalars {
        if CharacterSet.whitespacesAndNewlines.contains(scalar) { pendingSpace = !cleaned.isEmpty; continue }
        if CharacterSet.controlCharacters.contains(scalar) { continue }
        if pendingSpace { cleaned.unicodeScalars.append(" "); pendingSpace = false }
        cleaned.unicodeScalars.append(scalar)
      }
      let words = cleaned.split(separator: " ").count
      let visible = cleaned.unicodeScalars.filter { $0 != " " }
      let letters = visible.filter { CharacterSet.letters.contains($0) }.count
      guard words >= TextCorpus.minimumWords, Double(letters) >= 0.6 * Double(visible.count), seen.insert(cleaned).inserted else { continue }
      out.append(cleaned)
    }
    return out
  }

  @Test func cleaningMatchesThePlainReference() throws {
    let tricky = [
      "  leading and trailing\twhitespace\r\n here  ", "tabs\tand\u{0B}vertical\u{0C}feeds count as spaces",
      "no-break\u{A0}spaces\u{2003}and\u{2028}separators\u{85}are whitespace too",
      "zero\u{200B}width and soft\u{AD}hyphen are format characters, dropped",
      "bell\u{07} and delete\u{7F} are control characters, dropped here",
      "a space \u{301}before a combining mark joins one Character e\u{301}",
      "Grüße aus Köln, naïve café über alles", "Ελληνικά και русский текст тоже буквы",
      "数字 12345 67890 ++ -- ** // %% ^^", "emoji 🎉 are 🎈 not 🚀 letters at all", "short one",
      "Grüße aus Köln, naïve café über alles", "Gru\u{308}ße aus Köln, naïve café über alles",
      "|__| |__| /\\/\\ ## ++ ==", "", "   ", "\u{0}\u{1}\u{2}",
    ]
    #expect(TextCorpus.clean(tricky) == Self.referenceClean(tricky))
    for scalar in (0..<0x3000).compactMap(Unicode.Scalar.init) {
      let text = "word\(scalar)word word \(scalar) word word"
      #expect(TextCorpus.clean([text]) == Self.referenceClean([text]), "U+\(String(scalar.value, radix: 16))")
    }
    let raw = try TextCorpus.defaultFiles.map { "\(TextCorpus.defaultDirectory)/\($0)" }
      .filter { FileManager.default.fileExists(atPath: $0) }.flatMap { try TextCorpus.rawSnippets(file: $0) }
    #expect(TextCorpus.clean(raw) == Self.referenceClean(raw))
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
