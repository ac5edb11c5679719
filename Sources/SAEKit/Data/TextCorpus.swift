import Foundation

/// Text to take activations from: an ordered list of snippets (the
/// "documents" of activation provenance), cleaned deterministically.
///
/// The default corpus is the English fortune-cookie collection of the Debian
/// `fortunes` package (`/usr/share/games/fortunes`, installed by the Makefile):
/// about 2.5 MB of quotations, literature, jokes and riddles, split at the
/// `%` lines of the fortune format. Any UTF-8 text file or folder works too:
/// fortune-format files split at `%` lines, other files at blank lines.
///
/// Cleaning: whitespace runs (newlines included) become one space, control
/// characters are dropped, snippets with fewer than `minimumWords` words or
/// where fewer than 60% of the non-space characters are letters (ASCII art,
/// tables) are skipped, and exact duplicates keep their first occurrence.
public struct TextCorpus: Sendable {
  /// A short name for reports (`fortunes` or the path given).
  public let name: String
  /// The snippets, in a deterministic order.
  public let snippets: [String]

  /// SHA-256 of the snippets (each followed by a NUL): the corpus part of activation cache keys.
  public let contentHash: String

  public init(name: String, snippets: [String]) {
    self.name = name
    self.snippets = snippets
    var bytes: [UInt8] = []
    for s in snippets { bytes += Array(s.utf8); bytes.append(0) }
    self.contentHash = SHA256.hex(SHA256.digest(bytes))
  }

  /// Where Debian's `fortunes` package puts its files.
  public static let defaultDirectory = "/usr/share/games/fortunes"
  /// The default corpus's files, in this order (prose-like collections only;
  /// ASCII art and untranslated files are left out).
  public static let defaultFiles = [
    "fortunes", "literature", "riddles", "wisdom", "science", "people", "humorists", "computers",
    "education", "food", "law", "love", "magic", "medicine", "men-women", "miscellaneous", "news",
    "pets", "platitudes", "politics", "sports", "work", "goedel", "paradoxum", "songs-poems", "tao",
  ]
  public static let minimumWords = 4

  /// The default English corpus.
  /// - Throws: ``SAEKitError/file(path:reason:)`` naming the package to install when it is missing.
  public static func standard(directory: String = defaultDirectory) throws -> TextCorpus {
    let present = defaultFiles.map { "\(directory)/\($0)" }.filter { FileManager.default.fileExists(atPath: $0) }
    guard !present.isEmpty else {
      throw SAEKitError.file(path: directory, reason: "the default text corpus is missing; install it with `apt-get install -y fortunes` (make demo and make test do)")
    }
    return TextCorpus(name: "fortunes", snippets: try clean(present.flatMap { try rawSnippets(file: $0) }))
  }

  /// A corpus from a UTF-8 text file or from every file of a folder (sorted by path, recursively).
  public static func load(path: String) throws -> TextCorpus {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw SAEKitError.file(path: path, reason: "no such file or folder")
    }
    var files = [path]
    if isDirectory.boolValue {
      let enumerator = FileManager.default.enumerator(atPath: path)
      files = (enumerator?.allObjects as? [String] ?? [])
        .map { "\(path)/\($0)" }
        .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue }
        .filter { !$0.hasSuffix(".dat") && !($0 as NSString).lastPathComponent.hasPrefix(".") }
        .sorted()
    }
    let snippets = try clean(files.flatMap { try rawSnippets(file: $0) })
    guard !snippets.isEmpty else { throw SAEKitError.file(path: path, reason: "contains no usable text") }
    return TextCorpus(name: path, snippets: snippets)
  }


  static func rawSnippets(file: String) throws -> [String] {
    let data = try FileContents.read(file)
    guard let text = String(data: data, encoding: .utf8) else {
      throw SAEKitError.file(path: file, reason: "is not UTF-8 text")
    }
    let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
    let fortuneFormat = lines.contains { $0 == "%" }
    var snippets: [String] = [], current: [Substring] = []
    for line in lines {
      let boundary = fortuneFormat ? line == "%" : line.trimmingCharacters(in: .whitespaces).isEmpty
      if boundary {
        if !current.isEmpty { snippets.append(current.joined(separator: "\n")) }
        current = []
      } else {
        current.append(line)
      }
    }
    if !current.isEmpty { snippets.append(current.joined(separator: "\n")) }
    return snippets
  }

  static func clean(_ raw: [String]) throws -> [String] {
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
      guard words >= minimumWords, Double(letters) >= 0.6 * Double(visible.count), seen.insert(cleaned).inserted else { continue }
      out.append(cleaned)
    }
    return out
  }
}
