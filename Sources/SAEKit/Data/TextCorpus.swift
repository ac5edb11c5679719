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
    return TextCorpus(name: "fortunes", snippets: clean(try rawSnippets(files: present)))
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
    let snippets = clean(try rawSnippets(files: files))
    guard !snippets.isEmpty else { throw SAEKitError.file(path: path, reason: "contains no usable text") }
    return TextCorpus(name: path, snippets: snippets)
  }

  /// The raw snippets of every file, in file order (the files read and split in parallel).
  static func rawSnippets(files: [String]) throws -> [String] {
    let perFile = Parallel.map(count: files.count) { i in Result { try rawSnippets(file: files[i]) } }
    return try perFile.flatMap { try $0.get() }
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

  /// Cleans every raw snippet on its own (in parallel) and keeps the first of exact duplicates.
  static func clean(_ raw: [String]) -> [String] {
    let cleaned = Parallel.map(count: raw.count) { cleanedSnippet(raw[$0]) }
    var seen = Set<String>()
    return cleaned.compactMap { $0 }.filter { seen.insert($0).inserted }
  }

  /// `text` with whitespace runs made one space and control characters dropped, or nil when it
  /// has fewer than ``minimumWords`` words or fewer than 60% letters among its non-space characters.
  static func cleanedSnippet(_ text: String) -> String? {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    var pendingSpace = false, spaces = 0, visible = 0, letters = 0, ascii = true
    for scalar in text.unicodeScalars {
      switch ScalarClass(scalar) {
      case .whitespace: pendingSpace = !bytes.isEmpty; continue
      case .control: continue
      case .letter: letters += 1
      case .other: break
      }
      if pendingSpace { bytes.append(0x20); spaces += 1; pendingSpace = false }
      visible += 1
      if scalar.isASCII {
        bytes.append(UInt8(scalar.value))
      } else {
        ascii = false
        bytes.append(contentsOf: UTF8.encode(scalar)!)
      }
    }
    let cleaned = String(decoding: bytes, as: UTF8.self)
    // Words as `split(separator: " ")` counts them: between ASCII spaces that is one more than
    // the spaces; beyond ASCII a space can join a combining mark in one Character, so split.
    let words = bytes.isEmpty ? 0 : ascii ? spaces + 1 : cleaned.split(separator: " ").count
    guard words >= minimumWords, Double(letters) >= 0.6 * Double(visible) else { return nil }
    return cleaned
  }

  /// How cleaning treats a scalar: Foundation's `whitespacesAndNewlines`, then
  /// `controlCharacters`, then `letters`; ASCII from a table made of those sets.
  enum ScalarClass: Sendable {
    case whitespace, control, letter, other

    init(_ scalar: Unicode.Scalar) {
      self = scalar.isASCII ? Self.ascii[Int(scalar.value)] : Self.lookedUp(scalar)
    }

    static func lookedUp(_ scalar: Unicode.Scalar) -> ScalarClass {
      if whitespaces.contains(scalar) { return .whitespace }
      if controls.contains(scalar) { return .control }
      return letterSet.contains(scalar) ? .letter : .other
    }

    static let whitespaces = CharacterSet.whitespacesAndNewlines
    static let controls = CharacterSet.controlCharacters
    static let letterSet = CharacterSet.letters
    static let ascii: [ScalarClass] = (0..<128).map { lookedUp(Unicode.Scalar(UInt8($0))) }
  }
}
