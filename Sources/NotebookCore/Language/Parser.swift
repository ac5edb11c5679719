/// Parses the source of one notebook cell into a ``CellProgram``.
public enum CellParser {
  /// Parses the source of one cell.
  ///
  /// - Parameters:
  ///   - source: the cell's code, without its fences.
  ///   - file: the `.md` path that ranges and diagnostics refer to.
  ///   - firstLine: the `.md` line number (1-based) of the cell's first
  ///     source line; every source line starts at column 1 of the `.md`.
  /// - Returns: the program and every lexical and syntax error, sorted by
  ///   position. After an error the parser skips to the next statement
  ///   boundary (a new line, `;` or `}` outside brackets), so several errors
  ///   in one cell are all reported, each once. A statement with an error is
  ///   left out of the program, except where the error leaves its shape
  ///   clear (a type annotation, a bad escape in a string, `a < b < c`
  ///   parsed as `(a < b) < c`). Run nothing when the list is not empty.
  public static func parse(_ source: String, file: String, firstLine: Int) -> (CellProgram, [Diagnostic]) {
    let (tokens, lexical) = Lexer.tokenize(source, file: file, firstLine: firstLine)
    var parser = Parser(tokens: tokens)
    let statements = parser.parseStatements(inBlock: false)
    let sorted = (lexical + parser.diagnostics).enumerated()
      .sorted { ($0.element.range.start, $0.offset) < ($1.element.range.start, $1.offset) }
      .map(\.element)
    return (CellProgram(statements: statements), sorted)
  }
}

/// A recursive-descent parser over the tokens of one cell (or of one string
/// interpolation). Errors are appended to `diagnostics`; a statement that
/// cannot be parsed throws ``Abort`` up to the statement loop, which skips
/// to the next statement boundary.
struct Parser {
  var tokens: [Token]
  var index = 0
  var diagnostics: [Diagnostic] = []
  /// Depth of nested expressions and blocks; bounded so that hostile input
  /// (thousands of `(`) is an error instead of a stack overflow.
  var nesting = 0
  static let maximumNesting = 256
  /// In an `if` condition or a `for` sequence, `{` starts the body, not a closure.
  var braceEndsExpression = false

  /// Thrown after the error has been recorded (or the lexer recorded it).
  struct Abort: Error {}

  init(tokens: [Token]) { self.tokens = tokens }

  /// `body` one level deeper: past ``maximumNesting``, an error about `what` at `range`. For the
  /// constructs that recurse without going through a statement or an operand (types, `else if`,
  /// the ternary's branches), so that none is deeper than the limit however it is built.
  mutating func deeper<T>(_ what: String, at range: SourceRange, _ body: (inout Parser) throws -> T) throws -> T {
    nesting += 1
    defer { nesting -= 1 }
    if nesting > Parser.maximumNesting {
      throw fail("\(what) nested too deeply (more than \(Parser.maximumNesting) levels)", at: range)
    }
    return try body(&self)
  }

  // MARK: - Token access

  var current: Token { tokens[index] }

  func peek(_ offset: Int) -> Token { tokens[min(index + offset, tokens.count - 1)] }

  func at(_ symbol: Symbol) -> Bool { current.symbol == symbol }

  @discardableResult
  mutating func advance() -> Token {
    let token = current
    if !token.isEndOfInput { index += 1 }
    return token
  }

  mutating func consume(_ symbol: Symbol) -> Token? { at(symbol) ? advance() : nil }

  // MARK: - Errors

  /// Where an "expected …" error points: the current token when it is on
  /// the same line, otherwise just after the previous token.
  var expectedRange: SourceRange {
    if index > 0 && (current.isEndOfInput || current.newlineBefore) {
      let end = tokens[index - 1].range.end
      return SourceRange(file: current.range.file, start: end, end: end)
    }
    return current.range
  }

  mutating func report(_ message: String, at range: SourceRange, notes: [String] = []) {
    diagnostics.append(.error(message, at: range, notes: notes))
  }

  /// Records an error and returns the ``Abort`` to throw.
  mutating func fail(_ message: String, at range: SourceRange, notes: [String] = []) -> Abort {
    report(message, at: range, notes: notes)
    return Abort()
  }

  /// "expected ')' to close '(' opened at 12:5" at the point where it is missing.
  mutating func unclosed(_ opener: Token) -> Abort {
    let closer = opener.symbol?.closing?.rawValue ?? "?"
    let at = "\(opener.range.start.line):\(opener.range.start.column)"
    return fail("expected '\(closer)' to close '\(opener.text)' opened at \(at)", at: expectedRange,
                notes: ["to match this opening '\(opener.text)' at \(at)"])
  }

  /// The closing bracket of a list opened by `opener`, or an error: "expected
  /// ',' separator" when another element follows on the same line, else an
  /// unclosed-bracket error.
  mutating func expectClosing(of opener: Token) throws -> SourceRange {
    let closer = opener.symbol!.closing!
    if let close = consume(closer) { return close.range }
    if case .invalid = current.kind { throw Abort() }
    if !current.newlineBefore && canStartExpression(current) {
      throw fail("expected ',' separator", at: current.range)
    }
    throw unclosed(opener)
  }

  // MARK: - Recovery

  /// Skips to the next statement boundary: a token starting a new line, a
  /// `;` or a `}` outside the brackets opened while skipping, or the end.
  /// Stray `)` and `]` are skipped (they cannot start a statement).
  mutating func synchronize() {
    var depth = 0
    while !current.isEndOfInput {
      let symbol = current.symbol
      if depth == 0 {
        if symbol == .semicolon || symbol == .rightBrace { return }
        if current.newlineBefore && symbol != .rightParen && symbol != .rightBracket { return }
      }
      switch symbol {
      case .leftParen?, .leftBracket?, .leftBrace?: depth += 1
      case .rightParen?, .rightBracket?, .rightBrace?: depth = max(0, depth - 1)
      default: break
      }
      advance()
    }
  }

  // MARK: - Statement lists

  /// Statements up to the end of input, or up to (not including) the `}`
  /// closing a block when `inBlock`.
  mutating func parseStatements(inBlock: Bool, stopAtCase: Bool = false) -> [Statement] {
    var statements: [Statement] = []
    while true {
      while consume(.semicolon) != nil {}
      if current.isEndOfInput { break }
      if stopAtCase && (current.keyword == .case || current.keyword == .default) { break }
      if at(.rightBrace) {
        if inBlock { break }
        report("unexpected '}'", at: current.range, notes: ["no '{' is open here"])
        advance()
        continue
      }
      let start = index
      do {
        let statement = try parseStatement()
        try expectStatementEnd()
        statements.append(statement)
      } catch {
        if index == start { advance() }
        synchronize()
      }
    }
    return statements
  }

  /// After a statement: a new line, `;`, `}` or the end must follow.
  mutating func expectStatementEnd() throws {
    if current.isEndOfInput || current.newlineBefore || at(.semicolon) || at(.rightBrace) { return }
    if case .invalid = current.kind { throw Abort() }
    if current.symbol != nil && !canStartExpression(current) {
      throw fail("unexpected '\(current.text)'", at: current.range)
    }
    let end = tokens[index - 1].range.end
    report("consecutive statements on a line must be separated by ';'",
           at: SourceRange(file: current.range.file, start: end, end: end))
  }
}
