/// One token of a cell's source, produced by ``Lexer`` and read by the parser.
///
/// Tokens keep the whitespace facts the grammar needs: whether a newline (or
/// the start of the cell) comes before the token, which ends a statement, and
/// whether any whitespace does, which tells a prefix `-x` on a new line from a
/// binary `- x` continuing the previous one.
public struct Token: Hashable, Sendable {
  public enum Kind: Hashable, Sendable {
    case identifier(String)
    case keyword(Keyword)
    case integer(Int)
    case double(Double)
    /// A string literal: text and interpolations in order.
    case string([StringPiece])
    case symbol(Symbol)
    /// Something the lexer already reported as an error (an invalid number,
    /// an unterminated string, an unsupported operator…); the parser skips
    /// the statement holding it without reporting anything more.
    case invalid
    /// The end of the cell (or of an interpolation's tokens).
    case endOfInput
  }

  public var kind: Kind
  /// Where the token lies in the `.md` file.
  public var range: SourceRange
  /// The token exactly as written.
  public var text: String
  /// A newline, a comment spanning lines, or the start of the input precedes it.
  public var newlineBefore: Bool
  /// Any whitespace or comment (or the start of the input) precedes it.
  public var spaceBefore: Bool

  public init(_ kind: Kind, _ range: SourceRange, text: String, newlineBefore: Bool, spaceBefore: Bool) {
    self.kind = kind
    self.range = range
    self.text = text
    self.newlineBefore = newlineBefore
    self.spaceBefore = spaceBefore
  }

  public var symbol: Symbol? {
    if case .symbol(let s) = kind { return s }
    return nil
  }

  public var keyword: Keyword? {
    if case .keyword(let k) = kind { return k }
    return nil
  }

  public var isEndOfInput: Bool { kind == .endOfInput }
}

/// A piece of a string literal token.
public enum StringPiece: Hashable, Sendable {
  /// Literal text with escapes already resolved.
  case text(String)
  /// `\( … )`: the tokens between the parentheses, ended by `.endOfInput`
  /// placed at the closing `)`; `open` is the range of `\(`.
  case interpolation(tokens: [Token], open: SourceRange)
}

/// Reserved words. The first group is the language; the others are Swift
/// keywords that get a clear "not supported in notebook cells" error.
public enum Keyword: String, Hashable, Sendable, CaseIterable {
  case `let`, `var`, `if`, `else`, `for`, `in`, `true`, `false`
  case `while`, `repeat`, `func`, `return`, `struct`, `class`, `enum`, `protocol`, `extension`
  case `switch`, `case`, `default`, `guard`, `break`, `continue`, `import`, `defer`, `do`
  case `try`, `throw`, `where`, `nil`, `self`

  /// Whether the keyword belongs to the cell language.
  public var isSupported: Bool {
    switch self {
    case .struct, .class, .enum, .protocol, .extension, .import, .defer, .do, .try, .throw, .self: return false
    default: return true
    }
  }

  /// The error for a keyword outside the language, with a hint at what to write instead.
  public var unsupportedMessage: String {
    let head = "'\(rawValue)' is not supported in notebook cells"
    switch self {
    case .struct, .class, .enum, .protocol, .extension:
      return head + "; cells cannot declare types (use tuples, dictionaries and functions)"
    case .import: return head + "; builtins are always available"
    case .try, .throw, .do: return head + "; a builtin's error stops the cell with a diagnostic"
    default: return head
    }
  }
}

/// Punctuation and operators.
public enum Symbol: String, Hashable, Sendable, CaseIterable {
  case leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]"
  case leftBrace = "{", rightBrace = "}"
  case comma = ",", colon = ":", semicolon = ";", period = "."
  case assign = "=", addAssign = "+=", subtractAssign = "-=", multiplyAssign = "*=", divideAssign = "/="
  case plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
  case halfOpenRange = "..<", closedRange = "..."
  case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
  case and = "&&", or = "||", not = "!"
  /// `c ? a : b` (the ternary operator; there is no optional chaining).
  case question = "?"
  case nilCoalescing = "??"
  /// `->`: not in the language; lexed whole so that skipping a `func` after
  /// its error does not report a second, lexical one.
  case arrow = "->"

  /// The binary operator spelled by this symbol, if any.
  public var binaryOperator: BinaryOperator? { BinaryOperator(rawValue: rawValue) }

  /// The assignment operator spelled by this symbol, if any.
  public var assignmentOperator: AssignmentOperator? { AssignmentOperator(rawValue: rawValue) }

  /// The prefix operator spelled by this symbol, if any.
  public var unaryOperator: UnaryOperator? { UnaryOperator(rawValue: rawValue) }

  /// The closing bracket matching an opening one.
  public var closing: Symbol? {
    switch self {
    case .leftParen: return .rightParen
    case .leftBracket: return .rightBracket
    case .leftBrace: return .rightBrace
    default: return nil
    }
  }

  /// Operator symbols made of the characters `+-*/%<>=!&|` (the lexer splits runs of these).
  static let operatorSpellings: Set<String> = Set(
    allCases.map(\.rawValue).filter { $0.first.map { "+-*/%<>=!&|?".contains($0) } ?? false })
}
