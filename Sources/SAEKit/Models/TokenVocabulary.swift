/// How a model's token ids read as text, for tables of tokens in context: MiniLM's
/// WordPiece vocabulary and TinyLM's bytes both conform.
public protocol TokenVocabulary: Sendable {
  /// One token as shown in a table (`##ing`, `e`, `\xe2`).
  func token(_ id: Int) -> String
  /// Tokens the model adds around a text (`[CLS]`, `[SEP]`, padding; end-of-text).
  var specialIDs: Set<Int> { get }
  /// `before`, the token in «», and `after`, as one line of text.
  func context(before: [Int], token: Int, after: [Int]) -> String
}

extension WordPieceTokenizer: TokenVocabulary {
  public var specialIDs: Set<Int> { [classifierID, separatorID, padID] }

  /// Tokens separated by spaces, word pieces (`##…`) joined to the token before them.
  public func context(before: [Int], token id: Int, after: [Int]) -> String {
    (before.map(token) + ["«" + token(id) + "»"] + after.map(token)).joined(separator: " ")
      .replacingOccurrences(of: " ##", with: "")
  }
}

/// TinyLM's vocabulary: the 256 bytes and an end-of-text token.
public struct ByteVocabulary: TokenVocabulary {
  public let endOfText: Int
  public init(endOfText: Int) { self.endOfText = endOfText }

  public var specialIDs: Set<Int> { [endOfText] }

  /// Printable ASCII as itself (a space as `␠`, a newline as `⏎`), other bytes as `\xNN`.
  public func token(_ id: Int) -> String {
    switch id {
    case endOfText: return "<|endoftext|>"
    case 0x20: return "␠"
    case 0x0A: return "⏎"
    case 0x21...0x7E: return String(UnicodeScalar(UInt8(id)))
    default: return "\\x" + String(id, radix: 16, uppercase: false).leftPadded(to: 2)
    }
  }

  /// The bytes decoded as UTF-8 (invalid sequences as U+FFFD, end-of-text left out, newlines
  /// as `⏎`), the token in «» as ``token(_:)`` shows it.
  public func context(before: [Int], token id: Int, after: [Int]) -> String {
    func text(_ ids: [Int]) -> String {
      String(decoding: ids.filter { $0 != endOfText && (0..<256).contains($0) }.map { UInt8($0) }, as: UTF8.self)
        .replacingOccurrences(of: "\n", with: "⏎")
    }
    return text(before) + "«" + token(id) + "»" + text(after)
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
