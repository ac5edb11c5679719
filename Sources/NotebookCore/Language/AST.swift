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
    /// `c ? a : b`
    case ternary(Expression, Expression, Expression)
    /// `(1, "a")`, `(fvu: 0.1, l0: 8)`: two or more elements, labels optional.
    case tuple([TupleElement])
    /// `["a": 1.0, "b": 2.0]`, `[:]`
    case dictionary([DictionaryEntry])
    /// `nil`
    case nilLiteral
    /// `{ x in x * 2 }`, `{ $0 + $1 }`, `{ (a, b) in … }`
    case closure(ClosureLiteral)
  }

  public var kind: Kind
  public var range: SourceRange

  public init(_ kind: Kind, _ range: SourceRange) {
    self.kind = kind
    self.range = range
  }

  /// `3`, `-3`, `(3)`: a literal whose type the context may choose (Int or Double).
  public var isIntegerLiteral: Bool {
    switch kind {
    case .integer: true
    case .unary(.negate, let e), .unary(.plus, let e), .parenthesized(let e): e.isIntegerLiteral
    default: false
    }
  }
}

/// An element of a tuple expression: `label: value` or `value`.
public struct TupleElement: Hashable, Sendable {
  public var label: Identifier?
  public var value: Expression
  public init(label: Identifier?, value: Expression) {
    self.label = label
    self.value = value
  }
}

/// `key: value` in a dictionary literal.
public struct DictionaryEntry: Hashable, Sendable {
  public var key: Expression
  public var value: Expression
  public init(key: Expression, value: Expression) {
    self.key = key
    self.value = value
  }
}

/// A closure: named parameters (`x, y in`) or none (then `$0`, `$1` … name them), and a body.
/// A body of one expression is that expression's value (Swift's implicit return).
public struct ClosureLiteral: Hashable, Sendable {
  /// Declared parameter names with their optional type annotations; nil when the closure
  /// has no `in` (it uses `$0` … or takes no arguments).
  public var parameters: [(name: Identifier, type: TypeSyntax?)]?
  public var returnType: TypeSyntax?
  public var body: [Statement]

  public init(parameters: [(name: Identifier, type: TypeSyntax?)]?, returnType: TypeSyntax?, body: [Statement]) {
    self.parameters = parameters
    self.returnType = returnType
    self.body = body
  }

  public static func == (a: ClosureLiteral, b: ClosureLiteral) -> Bool {
    a.parameters?.map(\.name) == b.parameters?.map(\.name) && a.parameters?.map(\.type) == b.parameters?.map(\.type)
      && a.returnType == b.returnType && a.body == b.body
  }

  public func hash(into h: inout Hasher) {
    h.combine(parameters?.map(\.name))
    h.combine(body)
  }
}

/// A type as written in an annotation: `Int`, `[Double]`, `[String: Int]`, `Int?`,
/// `(Int, label: String)`, `(Int) -> Bool`.
public struct TypeSyntax: Hashable, Sendable {
  public indirect enum Kind: Hashable, Sendable {
    case named(String)
    case array(TypeSyntax)
    case dictionary(TypeSyntax, TypeSyntax)
    case optional(TypeSyntax)
    case tuple([TypeSyntax], labels: [String?])
    case function([TypeSyntax], TypeSyntax)
  }
  public var kind: Kind
  public var range: SourceRange
  public init(_ kind: Kind, _ range: SourceRange) {
    self.kind = kind
    self.range = range
  }
}

/// What `let`, `var`, `for` and `case let` bind: a name, `_`, or a tuple of patterns.
public indirect enum Pattern: Hashable, Sendable {
  case name(Identifier)
  case wildcard(SourceRange)
  case tuple([Pattern], SourceRange)

  public var range: SourceRange {
    switch self {
    case .name(let n): return n.range
    case .wildcard(let r), .tuple(_, let r): return r
    }
  }

  /// The names bound, in order.
  public var names: [Identifier] {
    switch self {
    case .name(let n): return [n]
    case .wildcard: return []
    case .tuple(let items, _): return items.flatMap(\.names)
    }
  }
}

/// `func name(label param: Type = default, …) -> Result { body }`.
public struct FunctionDeclaration: Hashable, Sendable {
  public struct Parameter: Hashable, Sendable {
    /// The argument label: nil for `_`, else the label (the name itself when only one is written).
    public var label: String?
    public var name: Identifier
    public var type: TypeSyntax
    public var defaultValue: Expression?
    public init(label: String?, name: Identifier, type: TypeSyntax, defaultValue: Expression?) {
      self.label = label
      self.name = name
      self.type = type
      self.defaultValue = defaultValue
    }
  }
  public var name: Identifier
  public var parameters: [Parameter]
  public var returnType: TypeSyntax?
  public var body: [Statement]
  public init(name: Identifier, parameters: [Parameter], returnType: TypeSyntax?, body: [Statement]) {
    self.name = name
    self.parameters = parameters
    self.returnType = returnType
    self.body = body
  }
}

/// One `case a, b:` (or `default:`) of a `switch`, with its statements.
public struct SwitchCase: Hashable, Sendable {
  public enum Label: Hashable, Sendable {
    /// `case 1, 2:`, `case "a":`, `case .topK:` — values compared with `==`; `case 0..<10:` matches a range.
    case values([Expression])
    /// `case let x:`, `case let (a, b):` — binds and always matches (optionally `where` a condition).
    case binding(Pattern, whereClause: Expression?)
    case `default`
  }
  public var label: Label
  public var body: [Statement]
  public var range: SourceRange
  public init(label: Label, body: [Statement], range: SourceRange) {
    self.label = label
    self.body = body
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
  /// A trailing closure (`xs.map { … }`): it takes the next parameter of function type, whatever its label.
  public var trailing: Bool
  public init(label: Identifier?, value: Expression, trailing: Bool = false) {
    self.label = label
    self.value = value
    self.trailing = trailing
  }
  /// From the label (or the value when positional) to the end of the value.
  public var range: SourceRange { label.map { $0.range.union(value.range) } ?? value.range }
}

public enum UnaryOperator: String, Hashable, Sendable {
  case negate = "-", not = "!", plus = "+"
}

/// Binary operators with Swift's precedence groups (higher binds tighter):
/// multiplicative 6 (`* / %`), additive 5 (`+ -`), range 4 (`..< ...`), nil-coalescing 3 (`??`),
/// comparison 2 (`== != < <= > >=`, non-associative), `&&` 1, `||` 0. The ternary `? :`
/// binds loosest of all.
public enum BinaryOperator: String, Hashable, Sendable, CaseIterable {
  case multiply = "*", divide = "/", remainder = "%"
  case add = "+", subtract = "-"
  case halfOpenRange = "..<", closedRange = "..."
  case nilCoalescing = "??"
  case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
  case and = "&&", or = "||"

  public var precedence: Int {
    switch self {
    case .multiply, .divide, .remainder: return 6
    case .add, .subtract: return 5
    case .halfOpenRange, .closedRange: return 4
    case .nilCoalescing: return 3
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return 2
    case .and: return 1
    case .or: return 0
    }
  }
}

/// A statement with its source range.
public struct Statement: Hashable, Sendable {
  public indirect enum Kind: Hashable, Sendable {
    /// `let name = value` (mutable: false) or `var name: Type = value` (mutable: true);
    /// the pattern may destructure a tuple: `let (a, b) = pair`.
    case binding(mutable: Bool, pattern: Pattern, type: TypeSyntax?, value: Expression)
    /// `target = value`, `target += value`, `target -= value`, `*=`, `/=`;
    /// target is an identifier, member or subscript expression.
    case assignment(target: Expression, op: AssignmentOperator, value: Expression)
    /// `if c { … } else if d { … } else { … }` — an `else if` is an else
    /// branch holding a single `if` statement.
    case ifElse(condition: Expression, then: [Statement], otherwise: [Statement]?)
    /// `for name in sequence { … }`, `for (i, x) in xs.enumerated() { … }`
    case forIn(pattern: Pattern, sequence: Expression, body: [Statement])
    /// `while c { … }`
    case whileLoop(condition: Expression, body: [Statement])
    /// `repeat { … } while c`
    case repeatWhile(body: [Statement], condition: Expression)
    /// `if let name = optional { … } else { … }`
    case ifLet(name: Identifier, value: Expression, then: [Statement], otherwise: [Statement]?)
    /// `guard let name = optional else { … }`: `name` is bound after the statement.
    case guardLet(name: Identifier, value: Expression, otherwise: [Statement])
    /// `guard c else { … }` (the else block must leave the scope).
    case guardElse(condition: Expression, otherwise: [Statement])
    /// `switch subject { case …: … }`
    case switchCases(subject: Expression, cases: [SwitchCase])
    case breakLoop
    case continueLoop
    /// `return` or `return value`
    case returnValue(Expression?)
    /// `func f(…) -> T { … }`
    case function(FunctionDeclaration)
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
