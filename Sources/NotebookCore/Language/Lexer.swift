/// Turns the source of one cell into ``Token``s.
///
/// Positions are in the `.md` file: line `firstLine + k` for the cell's k-th
/// source line (0-based), columns counting Unicode scalars from 1. Comments
/// (`//` to the end of the line, including `//|` option lines, and nested
/// `/* … */`) are skipped. Errors are collected, never thrown: a bad token
/// becomes ``Token/Kind/invalid`` and lexing goes on.
public struct Lexer {
  let scalars: [Unicode.Scalar]
  let file: String
  var index = 0
  var line: Int
  var column = 1
  /// Inside `\( … )`: a newline ends the string, so trivia stops there.
  var singleLine = false
  /// The next token is the first of its input.
  var atStart = true
  /// Line of the last "unterminated string literal" report (one per line).
  var unterminatedStringLine: Int?
  /// How many `\(` the scanner is inside (bounded like the parser's nesting).
  var interpolationDepth = 0
  public private(set) var diagnostics: [Diagnostic] = []

  init(_ source: String, file: String, firstLine: Int) {
    scalars = Array(source.unicodeScalars)
    self.file = file
    line = firstLine
  }

  /// All tokens of `source`, ended by one `.endOfInput`, and the lexical errors.
  public static func tokenize(_ source: String, file: String, firstLine: Int) -> ([Token], [Diagnostic]) {
    var lexer = Lexer(source, file: file, firstLine: firstLine)
    var tokens: [Token] = []
    repeat { lexer.scanToken(into: &tokens) } while tokens.last?.isEndOfInput != true
    return (tokens, lexer.diagnostics)
  }

  // MARK: - Reading scalars

  var position: SourcePosition { SourcePosition(line: line, column: column) }

  func peek(_ offset: Int = 0) -> Unicode.Scalar? {
    index + offset < scalars.count ? scalars[index + offset] : nil
  }

  mutating func advance() {
    if scalars[index] == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
    index += 1
  }

  mutating func advance(while condition: (Unicode.Scalar) -> Bool) {
    while let c = peek(), condition(c) { advance() }
  }

  func text(from start: Int) -> String {
    var s = String.UnicodeScalarView()
    s.append(contentsOf: scalars[start..<index])
    return String(s)
  }

  func range(from start: SourcePosition) -> SourceRange {
    SourceRange(file: file, start: start, end: position)
  }

  mutating func error(_ message: String, from start: SourcePosition, to end: SourcePosition? = nil) {
    diagnostics.append(.error(message, at: SourceRange(file: file, start: start, end: end ?? position)))
  }

  // MARK: - Trivia

  /// Skips whitespace and comments; tells whether a newline and any space were seen.
  mutating func skipTrivia() -> (newline: Bool, space: Bool) {
    var newline = false, space = false
    while let c = peek() {
      switch c {
      case "\n":
        if singleLine { return (newline, space) }
        newline = true
        advance()
      case " ", "\t", "\r", "\u{0B}", "\u{0C}":
        advance()
      case "/" where peek(1) == "/":
        advance(while: { $0 != "\n" })
      case "/" where peek(1) == "*":
        if skipBlockComment() { newline = true }
      default:
        return (newline, space)
      }
      space = true
    }
    return (newline, space)
  }

  /// Skips a (nested) block comment; tells whether it spans lines.
  mutating func skipBlockComment() -> Bool {
    let start = position
    let startLine = line
    var depth = 0
    repeat {
      guard let c = peek() else {
        error("unterminated '/*' comment", from: start, to: SourcePosition(line: start.line, column: start.column + 2))
        return line != startLine
      }
      if c == "/" && peek(1) == "*" {
        depth += 1
        advance()
      } else if c == "*" && peek(1) == "/" {
        depth -= 1
        advance()
      }
      advance()
    } while depth > 0
    return line != startLine
  }

  // MARK: - Tokens

  /// Appends the next token (an operator run may give several) to `tokens`.
  mutating func scanToken(into tokens: inout [Token]) {
    let trivia = skipTrivia()
    let newlineBefore = trivia.newline || atStart
    let spaceBefore = trivia.space || atStart
    atStart = false
    let start = position, startIndex = index
    func make(_ kind: Token.Kind) -> Token {
      Token(kind, range(from: start), text: text(from: startIndex), newlineBefore: newlineBefore, spaceBefore: spaceBefore)
    }
    guard let c = peek(), !(singleLine && c == "\n") else {
      tokens.append(make(.endOfInput))
      return
    }
    if c == "_" || c.properties.isAlphabetic {
      advance(while: Self.isIdentifierContinuation)
      let word = text(from: startIndex)
      tokens.append(make(Keyword(rawValue: word).map { .keyword($0) } ?? .identifier(word)))
    } else if c == "$", let next = peek(1), Self.isDigit(next) {
      advance()  // `$0`, `$1`: a closure's anonymous parameters
      advance(while: Self.isDigit)
      tokens.append(make(.identifier(text(from: startIndex))))
    } else if Self.isDigit(c) {
      tokens.append(make(scanNumber(start: start)))
    } else if c == "\"" {
      tokens.append(make(scanString()))
    } else if c == "." {
      tokens.append(make(scanDots(start: start)))
    } else if let symbol = Self.punctuation[c] {
      advance()
      tokens.append(make(.symbol(symbol)))
    } else if Self.operatorCharacters.contains(c) {
      scanOperators(into: &tokens, newlineBefore: newlineBefore, spaceBefore: spaceBefore)
    } else {
      advance()
      error("unexpected character '\(c)'", from: start)
      tokens.append(make(.invalid))
    }
  }

  /// `.` `..<` `...`
  mutating func scanDots(start: SourcePosition) -> Token.Kind {
    advance()
    guard peek() == "." else { return .symbol(.period) }
    advance()
    if peek() == "." || peek() == "<" {
      let symbol: Symbol = peek() == "." ? .closedRange : .halfOpenRange
      advance()
      return .symbol(symbol)
    }
    error("operator '..' is not supported in notebook cells; use '..<' or '...'", from: start)
    return .invalid
  }

  /// A run of operator characters: one known operator, or a known operator
  /// followed by prefix operators (`x=-1`, `a<-b`, `!!f`); anything else is an error.
  mutating func scanOperators(into tokens: inout [Token], newlineBefore: Bool, spaceBefore: Bool) {
    let start = position, startIndex = index
    while let c = peek(), Self.operatorCharacters.contains(c) {
      if c == "/" && (peek(1) == "/" || peek(1) == "*") && index > startIndex { break }
      advance()
    }
    let run = text(from: startIndex)
    var parts: [String]
    if let head = (1...run.count).reversed().lazy.map({ String(run.prefix($0)) })
      .first(where: { Symbol.operatorSpellings.contains($0) }),
      run.dropFirst(head.count).allSatisfy({ "-+!".contains($0) }), run != "++", run != "--"
    {
      parts = [head] + run.dropFirst(head.count).map { String($0) }
    } else {
      if run.contains("*/") {
        error("unexpected end of block comment", from: start)
      } else if run == "++" || run == "--" {
        error("operator '\(run)' is not supported in notebook cells; use '\(run.prefix(1))= 1'", from: start)
      } else {
        error("operator '\(run)' is not supported in notebook cells", from: start)
      }
      tokens.append(Token(.invalid, range(from: start), text: run, newlineBefore: newlineBefore, spaceBefore: spaceBefore))
      return
    }
    var column = start.column
    for (k, part) in parts.enumerated() {
      let end = SourcePosition(line: start.line, column: column + part.unicodeScalars.count)
      let range = SourceRange(file: file, start: SourcePosition(line: start.line, column: column), end: end)
      tokens.append(Token(.symbol(Symbol(rawValue: part)!), range, text: part,
                          newlineBefore: k == 0 && newlineBefore, spaceBefore: k == 0 && spaceBefore))
      column = end.column
    }
  }

  // MARK: - Character classes

  static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

  /// Letters, digits, `_` and combining marks (`é` written as `e` + U+0301).
  static func isIdentifierContinuation(_ c: Unicode.Scalar) -> Bool {
    if c == "_" || isDigit(c) || c.properties.isAlphabetic { return true }
    switch c.properties.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark: return true
    default: return false
    }
  }

  static let punctuation: [Unicode.Scalar: Symbol] = [
    "(": .leftParen, ")": .rightParen, "[": .leftBracket, "]": .rightBracket,
    "{": .leftBrace, "}": .rightBrace, ",": .comma, ":": .colon, ";": .semicolon,
  ]

  static let operatorCharacters: Set<Unicode.Scalar> = Set("+-*/%<>=!&|^~?".unicodeScalars)
}
