/// Number and string literals.
extension Lexer {
  // MARK: - Numbers

  /// Takes the longest number-like run (digits, letters, `_`, a `.` before a
  /// digit, a sign after an exponent `e`) and checks it against
  /// `digits ('.' digits)? ([eE] [+-]? digits)?` where `digits` is
  /// `[0-9]+ ('_' [0-9]+)*`: `100_000`, `0.5`, `1e-3`, `2.5E+4`.
  /// `1__0`, `1_`, `12ab` and `0x1F` are invalid.
  mutating func scanNumber(start: SourcePosition) -> Token.Kind {
    let startIndex = index
    advance(while: Self.isIdentifierContinuation)
    if peek() == ".", let next = peek(1), Self.isDigit(next) {
      advance()
      advance(while: Self.isIdentifierContinuation)
    }
    if let last = index > startIndex ? scalars[index - 1] : nil, last == "e" || last == "E",
      peek() == "+" || peek() == "-", let next = peek(1), Self.isDigit(next)
    {
      advance()
      advance(while: Self.isIdentifierContinuation)
    }
    let spelling = text(from: startIndex)
    switch Self.numberValue(spelling) {
    case .some(.integer(let value)):
      return .integer(value)
    case .some(.double(let value)):
      return .double(value)
    case .some(.overflow):
      error("integer literal '\(spelling)' overflows when stored into 'Int'", from: start)
    case nil:
      error("invalid number literal '\(spelling)'", from: start)
    }
    return .invalid
  }

  enum NumberValue { case integer(Int), double(Double), overflow }

  /// The value of a number spelling, or nil when it is not a valid literal.
  static func numberValue(_ spelling: String) -> NumberValue? {
    let s = Array(spelling.unicodeScalars)
    var i = 0
    func digits() -> Bool {
      guard i < s.count, isDigit(s[i]) else { return false }
      while i < s.count, isDigit(s[i]) { i += 1 }
      while i + 1 < s.count, s[i] == "_", isDigit(s[i + 1]) {
        i += 1
        while i < s.count, isDigit(s[i]) { i += 1 }
      }
      return true
    }
    guard digits() else { return nil }
    var isDouble = false
    if i < s.count, s[i] == "." {
      i += 1
      guard digits() else { return nil }
      isDouble = true
    }
    if i < s.count, s[i] == "e" || s[i] == "E" {
      i += 1
      if i < s.count, s[i] == "+" || s[i] == "-" { i += 1 }
      guard digits() else { return nil }
      isDouble = true
    }
    guard i == s.count else { return nil }
    let plain = spelling.replacingOccurrences(of: "_", with: "")
    if isDouble { return Double(plain).map { .double($0) } }
    return Int(plain).map { .integer($0) } ?? .overflow
  }

  // MARK: - Strings

  /// A `"…"` literal after its opening quote: escapes `\n \t \r \0 \" \' \\ \u{…}`
  /// and interpolations `\( … )`, on one line.
  mutating func scanString() -> Token.Kind {
    let open = position
    advance()
    if peek() == "\"" && peek(1) == "\"" {
      return skipMultilineString(start: open)
    }
    var pieces: [StringPiece] = []
    var text = ""
    func flush() {
      if !text.isEmpty { pieces.append(.text(text)) }
      text = ""
    }
    while true {
      guard let c = peek(), c != "\n" else { return unterminatedString(open) }
      if c == "\"" {
        advance()
        flush()
        return .string(pieces)
      }
      guard c == "\\" else {
        text.unicodeScalars.append(c)
        advance()
        continue
      }
      let escape = position
      advance()
      switch peek() {
      case "(":
        advance()
        flush()
        let openRange = range(from: escape)
        guard let tokens = scanInterpolation() else { return unterminatedString(open) }
        pieces.append(.interpolation(tokens: tokens, open: openRange))
      case "u":
        advance()
        if let scalar = scanUnicodeEscape(from: escape) { text.unicodeScalars.append(scalar) }
      case let e? where Self.simpleEscapes[e] != nil:
        advance()
        text.unicodeScalars.append(Self.simpleEscapes[e]!)
      case let e? where e != "\n":
        advance()
        error("invalid escape sequence in literal", from: escape)
      default:
        return unterminatedString(open)
      }
    }
  }

  static let simpleEscapes: [Unicode.Scalar: Unicode.Scalar] = [
    "n": "\n", "t": "\t", "r": "\r", "0": "\0", "\"": "\"", "'": "'", "\\": "\\",
  ]

  /// Reports an unterminated string at its opening quote (once per line, so a
  /// string inside an interpolation does not also fail the enclosing one).
  mutating func unterminatedString(_ open: SourcePosition) -> Token.Kind {
    if unterminatedStringLine != open.line {
      unterminatedStringLine = open.line
      error("unterminated string literal", from: open, to: SourcePosition(line: open.line, column: open.column + 1))
    }
    return .invalid
  }

  /// The tokens of `\( … )` after its `(`, ended by `.endOfInput` at the
  /// closing `)`; nil when the line or the input ends first.
  mutating func scanInterpolation() -> [Token]? {
    interpolationDepth += 1
    defer { interpolationDepth -= 1 }
    if interpolationDepth > Parser.maximumNesting {
      // Each level lexes recursively: deep ones would overflow the stack. The rest of the line
      // is skipped, and the strings it leaves open are not reported again.
      error("string interpolations are nested too deeply (more than \(Parser.maximumNesting) levels)", from: position)
      unterminatedStringLine = line
      while let c = peek(), c != "\n" { advance() }
      return nil
    }
    let saved = (singleLine, atStart)
    singleLine = true
    atStart = false
    defer { (singleLine, atStart) = saved }
    var tokens: [Token] = []
    var depth = 0
    while true {
      scanToken(into: &tokens)
      guard let last = tokens.last else { continue }
      switch last.kind {
      case .endOfInput:
        return nil
      case .symbol(.leftParen):
        depth += 1
      case .symbol(.rightParen) where depth == 0:
        tokens[tokens.count - 1].kind = .endOfInput
        return tokens
      case .symbol(.rightParen):
        depth -= 1
      default:
        break
      }
    }
  }

  /// `\u{1F600}` after its `u`: 1 to 8 hex digits naming a Unicode scalar.
  mutating func scanUnicodeEscape(from escape: SourcePosition) -> Unicode.Scalar? {
    guard peek() == "{" else {
      error("expected '{' in \\u{...} escape sequence", from: escape)
      return nil
    }
    advance()
    var hex = ""
    while let c = peek(), c != "}", c != "\"", c != "\n" {
      hex.unicodeScalars.append(c)
      advance()
    }
    guard peek() == "}" else {
      error("expected '}' in \\u{...} escape sequence", from: escape)
      return nil
    }
    advance()
    guard (1...8).contains(hex.count), let value = UInt32(hex, radix: 16) else {
      error("\\u{...} escape sequence expects between 1 and 8 hex digits", from: escape)
      return nil
    }
    guard let scalar = Unicode.Scalar(value) else {
      error("invalid unicode scalar", from: escape)
      return nil
    }
    return scalar
  }

  /// `"""` strings are not in the language: reported and skipped to their end.
  mutating func skipMultilineString(start: SourcePosition) -> Token.Kind {
    advance()
    advance()
    error("multi-line string literals are not supported in notebook cells", from: start)
    while peek() != nil, !(peek() == "\"" && peek(1) == "\"" && peek(2) == "\"") { advance() }
    for _ in 0..<3 where peek() != nil { advance() }
    return .invalid
  }
}
