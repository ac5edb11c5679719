/// One token of TeX math source. Offsets and lengths count Unicode scalars from the
/// start of the TeX between the dollars.
struct TeXToken: Equatable, Sendable {
  enum Kind: Equatable, Sendable {
    /// `\name` (letters) or `\c` (one other scalar, e.g. `\|`, `\,`, `\\`); `name` excludes the backslash.
    case command(String)
    case openBrace, closeBrace
    case superscript, `subscript`, ampersand, prime
    /// Any other scalar: letters, digits, operators, brackets, Unicode symbols.
    case character(Unicode.Scalar)
    /// A run of white space (TeX ignores it in math; `\text` keeps one space).
    case space
    case end
  }

  var kind: Kind
  var offset: Int
  var length: Int
}

/// Splits TeX math into tokens in one pass. Comments (`%` to the end of the line) are dropped.
enum TeXLexer {
  static func tokens(_ scalars: [Unicode.Scalar]) -> Result<[TeXToken], TeXMath.Failure> {
    // Checked everywhere, comments included: the TeX is copied into the annotation.
    for (offset, scalar) in scalars.enumerated() {
      if let failure = unsupported(scalar, at: offset) { return .failure(failure) }
    }
    var tokens: [TeXToken] = []
    tokens.reserveCapacity(scalars.count + 1)
    var i = 0
    while i < scalars.count {
      let c = scalars[i]
      let start = i
      switch c {
      case "\\":
        guard i + 1 < scalars.count else {
          return .failure(.init(message: "a lone '\\' at the end", offset: i, length: 1))
        }
        i += 1
        if isLetter(scalars[i]) {
          var name = ""
          while i < scalars.count, isLetter(scalars[i]) {
            name.unicodeScalars.append(scalars[i])
            i += 1
          }
          tokens.append(TeXToken(kind: .command(name), offset: start, length: i - start))
        } else {
          tokens.append(TeXToken(kind: .command(String(scalars[i])), offset: start, length: 2))
          i += 1
        }
        continue
      case "%":
        while i < scalars.count, scalars[i] != "\n" { i += 1 }
        continue
      case " ", "\t", "\n", "\r":
        while i < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[i]) { i += 1 }
        tokens.append(TeXToken(kind: .space, offset: start, length: i - start))
        continue
      case "{": tokens.append(TeXToken(kind: .openBrace, offset: i, length: 1))
      case "}": tokens.append(TeXToken(kind: .closeBrace, offset: i, length: 1))
      case "^": tokens.append(TeXToken(kind: .superscript, offset: i, length: 1))
      case "_": tokens.append(TeXToken(kind: .subscript, offset: i, length: 1))
      case "&": tokens.append(TeXToken(kind: .ampersand, offset: i, length: 1))
      case "'": tokens.append(TeXToken(kind: .prime, offset: i, length: 1))
      case "#":
        return .failure(.init(message: "'#' is not allowed in math", offset: i, length: 1))
      default:
        tokens.append(TeXToken(kind: .character(c), offset: i, length: 1))
      }
      i += 1
    }
    tokens.append(TeXToken(kind: .end, offset: scalars.count, length: 0))
    return .success(tokens)
  }

  static func isLetter(_ c: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(c) || ("A"..."Z").contains(c)
  }

  /// Control characters and non-characters have no place in XML, even escaped.
  private static func unsupported(_ c: Unicode.Scalar, at offset: Int) -> TeXMath.Failure? {
    let v = c.value
    let control = v < 0x20 && c != "\t" && c != "\n" && c != "\r"
    let nonCharacter = (0x7F...0x9F).contains(v) || (0xFDD0...0xFDEF).contains(v) || v & 0xFFFE == 0xFFFE
    guard control || nonCharacter else { return nil }
    let hex = String(v, radix: 16, uppercase: true)
    return .init(
      message: "unsupported character U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)", offset: offset,
      length: 1)
  }
}
