import Foundation

/// BERT's uncased WordPiece tokenizer (as Hugging Face `BertTokenizerFast` with
/// `do_lower_case=True`): ``BertPreTokenizer`` splits the text into words, then each word
/// becomes vocabulary pieces by greedy longest match.
///
/// WordPiece on one word `w` of `n` scalars: from `start = 0`, take the longest
/// `w[start..<end]` in the vocabulary (written `##w[start..<end]` when `start > 0`), emit it
/// and continue at `end`. A word with more than ``maxWordLength`` scalars, or one where some
/// `start` has no match, becomes a single `[UNK]`. Vocabulary entries are compared as UTF-8
/// bytes (code point for code point, not by Swift's canonical equivalence).
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(vocabularyFile: ".cache/models/all-MiniLM-L6-v2/vocab.txt")
/// tokenizer.encode("Hi!")          // [101, 7632, 999, 102]  ([CLS] hi ! [SEP])
/// ```
public struct WordPieceTokenizer: Sendable {
  /// Token strings by id (line `i` of `vocab.txt` is id `i`).
  public let vocabulary: [String]
  public let padID: Int, unknownID: Int, classifierID: Int, separatorID: Int, maskID: Int
  /// Longer words become `[UNK]` without being split (Hugging Face's `max_input_chars_per_word`).
  public let maxWordLength = 100
  private let ids: [[UInt8]: Int]

  /// Builds the tokenizer from vocabulary strings (id = index).
  /// - Throws: when a special token (`[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`) is missing.
  public init(vocabulary: [String]) throws {
    var ids = [[UInt8]: Int](minimumCapacity: vocabulary.count)
    for (id, token) in vocabulary.enumerated() { ids[Array(token.utf8)] = id }  // a later duplicate wins, as in HF
    func special(_ name: String) throws -> Int {
      guard let id = ids[Array(name.utf8)] else {
        throw SAEKitError.invalidArgument("the vocabulary has no \(name) token")
      }
      return id
    }
    self.vocabulary = vocabulary
    self.ids = ids
    padID = try special("[PAD]")
    unknownID = try special("[UNK]")
    classifierID = try special("[CLS]")
    separatorID = try special("[SEP]")
    maskID = try special("[MASK]")
  }

  /// Reads `vocab.txt`: one token per `\n`-terminated line.
  /// - Throws: ``SAEKitError/file(path:reason:)`` when unreadable, not UTF-8, or without special tokens.
  public init(vocabularyFile path: String) throws {
    let data: Data
    do { data = try FileContents.read(path) } catch {
      throw SAEKitError.file(path: path, reason: "cannot read the vocabulary (\(error.localizedDescription))")
    }
    var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    var tokens = [String]()
    tokens.reserveCapacity(lines.count)
    for (i, line) in lines.enumerated() {
      let bytes = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
      guard let token = String(bytes: bytes, encoding: .utf8) else {
        throw SAEKitError.file(path: path, reason: "line \(i + 1) is not valid UTF-8")
      }
      tokens.append(token)
    }
    do { try self.init(vocabulary: tokens) } catch SAEKitError.invalidArgument(let reason) {
      throw SAEKitError.file(path: path, reason: reason)
    }
  }

  /// The id of `token`, if it is in the vocabulary.
  public func id(of token: String) -> Int? { ids[Array(token.utf8)] }

  /// The token string of `id` (`"[UNK]"`-like strings included).
  public func token(_ id: Int) -> String { vocabulary[id] }

  /// Token strings of `ids`.
  public func tokens(_ ids: [Int]) -> [String] { ids.map { vocabulary[$0] } }

  /// The WordPiece ids of `text` without special tokens.
  public func pieceIDs(_ text: String) -> [Int] {
    BertPreTokenizer.words(text).flatMap(wordPieces)
  }

  /// `[CLS] pieces… [SEP]` ids of `text`. With `maxLength`, pieces are cut so the result
  /// has at most `maxLength` ids (`[SEP]` stays last), as Hugging Face's truncation does.
  public func encode(_ text: String, maxLength: Int? = nil) -> [Int] {
    var pieces = pieceIDs(text)
    if let maxLength { pieces = Array(pieces.prefix(max(0, maxLength - 2))) }
    return [classifierID] + pieces + [separatorID]
  }

  /// Encodes every text into one packed batch (see ``TokenizedBatch``).
  public func encodeBatch(_ texts: [String], maxLength: Int? = nil) -> TokenizedBatch {
    // Texts are encoded independently, split over the workers.
    var sequences = [[Int]](repeating: [], count: texts.count)
    sequences.withUnsafeMutableBufferPointer { out in
      let base = out.baseAddress
      Parallel.forEachRange(count: texts.count) { range in
        for i in range { base![i] = encode(texts[i], maxLength: maxLength) }
      }
    }
    return TokenizedBatch(unchecked: sequences)
  }

  /// The pieces of one word (greedy longest match), or `[UNK]`.
  func wordPieces(_ word: String) -> [Int] {
    let scalars = Array(word.unicodeScalars)
    if scalars.count > maxWordLength { return [unknownID] }
    // UTF-8 offset of every scalar boundary.
    var bytes = [UInt8](), boundaries = [0]
    for s in scalars {
      bytes.append(contentsOf: String(s).utf8)
      boundaries.append(bytes.count)
    }
    var pieces = [Int]()
    var start = 0
    while start < scalars.count {
      var end = scalars.count
      var match: Int?
      while end > start {
        let piece = Array(bytes[boundaries[start]..<boundaries[end]])
        if let id = ids[start > 0 ? Array("##".utf8) + piece : piece] { match = id; break }
        end -= 1
      }
      guard let id = match else { return [unknownID] }
      pieces.append(id)
      start = end
    }
    return pieces
  }
}
