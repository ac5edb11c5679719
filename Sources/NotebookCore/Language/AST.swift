/// The syntax tree of a cell, produced by ``Parser`` and read by the checker
/// and the interpreter. Every node carries its range in the `.md` file.

/// An expression with its source range.
public struct Expression: Hashable, Sendable {
  public indirect enum Kind: Hashable, Sendable {
    /// `42`, `100_000`
    case integer(Int)
    /// `0.5`, `1e-3`, `2.5E+4`
    case double(Double)
    /// `true`, `false`
    case boolean(Bool)
    /// `"FVU \(m.fvu)"`: literal text and interpolated expressions, in order.
    case string([StringSegment])
    /// `data`, `sae`, `plot`
    case identifier(String)
    /// `[1, 2, 3]`, `[]`
    case array([Expression])
    /// `-x`, `!flag`
    case unary(UnaryOperator, Expression)
    /// `a + b`, `a ..< b`, `x && y`
    case binary(BinaryOperator, Expression, Expression)
    /// `f(x, width: 4)`, `plot.line(x: ..., y: ...)`: callee is any expression.
    case call(callee: Expression, arguments: [Argument])
    /// `data.x`: `name` with its own range (for "no member" diagnostics).
    case member(base: Expression, name: Identifier)
    /// `.topK(k: 24)` (arguments) or `.relu` (nil arguments).
    case implicitMember(name: Identifier, arguments: [Argument]?)
    /// `xs[3]`, `m[0, 1]`
    case subscripted(base: Expression, arguments: [Argument])
    /// `(a + b)` — kept so that displays and ranges stay faithful.
    case parenthesized(Expression)
  }

  public var kind: Kind
  public var range: SourceRange

  public init(_ kind: Kind, _ range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

/// A piece of a string literal.
public enum StringSegment: Hashable, Sendable {
  case text(String)
  case interpolation(Expression)
}

/// A name with its range.
public struct Identifier: Hashable, Sendable {
  public var name: String
  public var range: SourceRange
  public init(_ name: String, _ range: SourceRange) {
    self.name = name
    self.range = range
  }
}

/// `label: value` or a positional `value` in a call or subscript.
public struct Argument: Hashable, Sendable {
  public var label: Identifier?
  public var value: Expression
  public init(label: Identifier?, value: Expression) {
    self.label = label
    self.value = value
  }
  /// From the label (or the value when positional) to the end of the value.
  public var range: SourceRange { label.map { $0.range.union(value.range) } ?? value.range }
}

public enum UnaryOperator: String, Hashable, Sendable {
  case negate = "-", not = "!", plus = "+"
}

/// Binary operators with Swift's precedence groups (higher binds tighter):
/// multiplicative 5 (`* / %`), additive 4 (`+ -`), range 3 (`..< ...`),
/// comparison 2 (`== != < <= > >=`, non-associative), `&&` 1, `||` 0.
public enum BinaryOperator: String, Hashable, Sendable, CaseIterable {
  case multiply = "*", divide = "/", remainder = "%"
  case add = "+", subtract = "-"
  case halfOpenRange = "..<", closedRange = "..."
  case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
  case and = "&&", or = "||"

  public var precedence: Int {
    switch self {
    case .multiply, .divide, .remainder: return 5
    case .add, .subtract: return 4
    case .halfOpenRange, .closedRange: return 3
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return 2
    case .and: return 1
    case .or: return 0
    }
  }
}

/// A statement with its source range.
public struct Statement: Hashable, Sendable {
  public indirect enum Kind: Hashable, Sendable {
    /// `let name = value` (mutable: false) or `var name = value` (mutable: true).
    case binding(mutable: Bool, name: Identifier, value: Expression)
    /// `target = value`, `target += value`, `target -= value`, `*=`, `/=`;
    /// target is an identifier, member or subscript expression.
    case assignment(target: Expression, op: AssignmentOperator, value: Expression)
    /// `if c { … } else if d { … } else { … }` — an `else if` is an else
    /// branch holding a single `if` statement.
    case ifElse(condition: Expression, then: [Statement], otherwise: [Statement]?)
    /// `for name in sequence { … }`
    case forIn(name: Identifier, sequence: Expression, body: [Statement])
    /// A bare expression (the last one of a cell is displayed).
    case expression(Expression)
  }

  public var kind: Kind
  public var range: SourceRange

  public init(_ kind: Kind, _ range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

public enum AssignmentOperator: String, Hashable, Sendable {
  case assign = "=", add = "+=", subtract = "-=", multiply = "*=", divide = "/="
}

/// The statements of one cell.
public struct CellProgram: Hashable, Sendable {
  public var statements: [Statement]
  public init(statements: [Statement]) { self.statements = statements }
}
