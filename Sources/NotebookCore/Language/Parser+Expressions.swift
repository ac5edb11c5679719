/// Expressions, by precedence climbing over ``BinaryOperator/precedence``:
/// binary operators are left-associative except comparisons and ranges,
/// which are non-associative (`a < b < c` is an error). Prefix operators bind
/// tighter than binary ones and looser than postfix calls, subscripts and
/// members (`-a.b` is `-(a.b)`).
extension Parser {
  /// An expression; `missing` is the error when none starts here.
  mutating func parseExpression(missing: String) throws -> Expression {
    try requireExpressionStart(missing)
    let condition = try parseBinary(minPrecedence: 0)
    guard at(.question) else { return condition }
    if !current.spaceBefore {
      throw fail("optional chaining ('?.', '?[') is not supported in notebook cells", at: current.range,
                 notes: ["unwrap with a default instead: (x ?? fallback).member; the ternary operator needs a space before '?'"])
    }
    // `c ? a : b`, right-associative, below every binary operator (Swift's TernaryPrecedence).
    let question = advance()
    let saved = braceEndsExpression
    braceEndsExpression = false
    let then = try deeper("ternary expressions are", at: question.range) {
      try $0.parseExpression(missing: "expected expression after '?'")
    }
    braceEndsExpression = saved
    guard let colon = consume(.colon) else {
      throw fail("expected ':' after '? …' in ternary expression", at: expectedRange,
                 notes: ["the ternary operator is written 'condition ? a : b' (opened at \(question.range.start.line):\(question.range.start.column))"])
    }
    let otherwise = try deeper("ternary expressions are", at: colon.range) {
      try $0.parseExpression(missing: "expected expression after ':' in ternary expression")
    }
    return Expression(.ternary(condition, then, otherwise), condition.range.union(otherwise.range))
  }

  /// Whether `token` can begin an expression.
  func canStartExpression(_ token: Token) -> Bool {
    switch token.kind {
    case .identifier, .integer, .double, .string, .invalid: return true
    case .keyword(let keyword):
      return keyword == .true || keyword == .false || keyword == .nil || !keyword.isSupported
    case .symbol(let symbol):
      switch symbol {
      case .leftParen, .leftBracket, .period, .minus, .plus, .not: return true
      case .leftBrace: return !braceEndsExpression
      default: return false
      }
    case .endOfInput: return false
    }
  }

  mutating func requireExpressionStart(_ missing: String) throws {
    if case .invalid = current.kind { throw Abort() }
    guard canStartExpression(current) else { throw fail(missing, at: expectedRange) }
  }

  /// The binary operator at the current token, if it continues the expression.
  /// A `-x` or `+x` beginning a line starts a new statement instead (Swift's
  /// rule: space before and none after makes a prefix operator).
  func binaryOperatorAhead() -> BinaryOperator? {
    guard let symbol = current.symbol, let op = symbol.binaryOperator else { return nil }
    if current.newlineBefore && (symbol == .minus || symbol == .plus) && !peek(1).spaceBefore { return nil }
    return op
  }

  static func nonAssociativeGroup(_ op: BinaryOperator) -> String? {
    switch op.precedence {
    case 2: return "ComparisonPrecedence"
    case 4: return "RangeFormationPrecedence"
    default: return nil
    }
  }

  mutating func parseBinary(minPrecedence: Int) throws -> Expression {
    var lhs = try parseUnary()
    var lastNonAssociative: Int?
    var reported = false
    // Every operator chained here deepens the tree the checker and the interpreter walk
    // recursively (`1 + 1 + …` nests to the left): it counts as a level of nesting, so no
    // expression is deeper than `maximumNesting`, however it is built.
    let outerNesting = nesting
    defer { nesting = outerNesting }
    while let op = binaryOperatorAhead(), op.precedence >= minPrecedence {
      let opToken = advance()
      nesting += 1
      if nesting > Parser.maximumNesting {
        throw fail(
          "expression is nested too deeply (more than \(Parser.maximumNesting) levels of operators and brackets)",
          at: opToken.range, notes: ["split it into several 'let's"])
      }
      if lastNonAssociative == op.precedence, !reported, let group = Self.nonAssociativeGroup(op) {
        report("adjacent operators are in non-associative precedence group '\(group)'", at: opToken.range)
        reported = true
      }
      try requireExpressionStart("expected expression after operator")
      let rhs = try parseBinary(minPrecedence: op.precedence + 1)
      lhs = Expression(.binary(op, lhs, rhs), lhs.range.union(rhs.range))
      lastNonAssociative = Self.nonAssociativeGroup(op) == nil ? nil : op.precedence
    }
    return lhs
  }

  mutating func parseUnary() throws -> Expression {
    nesting += 1
    defer { nesting -= 1 }
    if nesting > Parser.maximumNesting {
      throw fail("expression is nested too deeply (more than \(Parser.maximumNesting) levels)", at: current.range)
    }
    guard let op = current.symbol?.unaryOperator else { return try parsePostfix(parsePrimary()) }
    let opToken = advance()
    try requireExpressionStart("expected expression after unary operator '\(op.rawValue)'")
    let operand = try parseUnary()
    return Expression(.unary(op, operand), opToken.range.union(operand.range))
  }

  /// Calls `f(…)` and subscripts `x[…]` (their bracket on the same line) and
  /// members `.name` (also continuing on a new line).
  mutating func parsePostfix(_ base: Expression) throws -> Expression {
    var expression = base
    // Each call, subscript and member wraps the expression before it: like a chain of operators,
    // a chain of them counts towards the nesting limit (`x.reversed().reversed()…` 20,000 times
    // crashed the checker).
    let outerNesting = nesting
    defer { nesting = outerNesting }
    while true {
      if at(.leftParen) || at(.leftBracket) || at(.period) || at(.leftBrace) {
        nesting += 1
        if nesting > Parser.maximumNesting {
          throw fail(
            "expression is nested too deeply (more than \(Parser.maximumNesting) levels of calls, members and subscripts)",
            at: current.range, notes: ["split it into several 'let's"])
        }
      }
      if (at(.leftParen) || at(.leftBracket)) && !current.newlineBefore {
        let isCall = at(.leftParen)
        let (arguments, close) = try parseArguments()
        let kind: Expression.Kind = isCall
          ? .call(callee: expression, arguments: arguments)
          : .subscripted(base: expression, arguments: arguments)
        expression = Expression(kind, expression.range.union(close))
      } else if at(.period) {
        advance()
        let name = try parseMemberName()
        expression = Expression(.member(base: expression, name: name), expression.range.union(name.range))
      } else if at(.leftBrace) && !current.newlineBefore && !braceEndsExpression && Self.takesTrailingClosure(expression) {
        // A trailing closure: the last argument of the call (`xs.map { $0 * 2 }`, `f(x) { … }`).
        let closure = try parseClosure()
        let argument = Argument(label: nil, value: closure, trailing: true)
        if case .call(let callee, let arguments) = expression.kind {
          expression = Expression(.call(callee: callee, arguments: arguments + [argument]), expression.range.union(closure.range))
        } else {
          expression = Expression(.call(callee: expression, arguments: [argument]), expression.range.union(closure.range))
        }
      } else {
        return expression
      }
    }
  }

  /// Whether `{` after this expression opens a trailing closure: after a name, a member or a call.
  static func takesTrailingClosure(_ e: Expression) -> Bool {
    switch e.kind {
    case .identifier, .member, .call: return true
    default: return false
    }
  }

  /// The name after a `.` (keywords are allowed, as in Swift's `.default`).
  mutating func parseMemberName() throws -> Identifier {
    switch current.kind {
    case .identifier(let name) where !current.spaceBefore:
      return Identifier(name, advance().range)
    case .keyword(let keyword) where !current.spaceBefore:
      return Identifier(keyword.rawValue, advance().range)
    case .integer(let index) where !current.spaceBefore:
      return Identifier(String(index), advance().range)  // a tuple element: `pair.0`
    case .invalid:
      throw Abort()
    default:
      throw fail("expected member name following '.'", at: expectedRange)
    }
  }

  /// `( … )` or `[ … ]` at the current token: `label: value` or `value`,
  /// comma-separated, a trailing comma allowed.
  mutating func parseArguments() throws -> ([Argument], SourceRange) {
    let open = advance()
    // Inside a call's parentheses a `{` opens a closure again, even in an `if` condition.
    let saved = braceEndsExpression
    if open.symbol == .leftParen { braceEndsExpression = false }
    defer { braceEndsExpression = saved }
    let closer = open.symbol!.closing!
    var arguments: [Argument] = []
    while !at(closer) {
      if current.isEndOfInput || at(.rightBrace) || at(.rightParen) || at(.rightBracket) || at(.semicolon) {
        throw unclosed(open)
      }
      var label: Identifier?
      if peek(1).symbol == .colon, isNameLike(current) {
        label = Identifier(current.text, advance().range)
        advance()
      }
      let value = try operatorAsFunction() ?? parseExpression(missing: label.map { "expected expression after '\($0.name):'" }
                                                               ?? "expected expression in list of arguments")
      arguments.append(Argument(label: label, value: value))
      if consume(.comma) == nil { break }
    }
    return (arguments, try expectClosing(of: open))
  }

  /// An operator passed as a function, as Swift allows (`xs.reduce(0, +)`, `sorted(by: >)`):
  /// a binary operator alone as an argument is the closure `{ $0 op $1 }`, written at the
  /// operator's range. (Not the range operators, which Swift does not pass this way.)
  mutating func operatorAsFunction() throws -> Expression? {
    guard let op = current.symbol?.binaryOperator, op != .halfOpenRange, op != .closedRange,
          peek(1).symbol == .comma || peek(1).symbol == .rightParen else { return nil }
    let range = advance().range
    let body = Expression(.binary(op, Expression(.identifier("$0"), range), Expression(.identifier("$1"), range)), range)
    return Expression(.closure(ClosureLiteral(parameters: nil, returnType: nil, body: [Statement(.expression(body), range)])), range)
  }

  /// An identifier or a keyword (labels may be keywords: `f(in: x)`).
  func isNameLike(_ token: Token) -> Bool {
    switch token.kind {
    case .identifier, .keyword: return true
    default: return false
    }
  }

  mutating func parsePrimary() throws -> Expression {
    let token = current
    switch token.kind {
    case .integer(let value):
      return Expression(.integer(value), advance().range)
    case .double(let value):
      return Expression(.double(value), advance().range)
    case .keyword(.true), .keyword(.false):
      return Expression(.boolean(token.keyword == .true), advance().range)
    case .keyword(.nil):
      return Expression(.nilLiteral, advance().range)
    case .keyword(let keyword) where !keyword.isSupported:
      throw fail(keyword.unsupportedMessage, at: token.range)
    case .identifier(let name):
      return Expression(.identifier(name), advance().range)
    case .string(let pieces):
      advance()
      return try parseString(pieces, range: token.range)
    case .symbol(.leftParen):
      return try parseParenthesized()
    case .symbol(.leftBracket):
      return try parseArray()
    case .symbol(.period):
      return try parseImplicitMember()
    case .symbol(.leftBrace):
      return try parseClosure()
    case .invalid:
      throw Abort()
    default:
      throw fail("expected expression", at: expectedRange)
    }
  }

  /// `(e)`, or a tuple `(a, b)`, `(x: 1, y: 2)`; `()` is an error.
  mutating func parseParenthesized() throws -> Expression {
    let open = advance()
    if at(.rightParen) {
      throw fail("empty parentheses are not an expression", at: open.range.union(current.range))
    }
    var elements: [TupleElement] = []
    while !at(.rightParen) {
      if current.isEndOfInput || at(.rightBrace) || at(.rightBracket) || at(.semicolon) { throw unclosed(open) }
      var label: Identifier?
      if peek(1).symbol == .colon, case .identifier(let name) = current.kind {
        label = Identifier(name, advance().range)
        advance()
      }
      let value = try parseExpression(missing: elements.isEmpty ? "expected expression after '('" : "expected expression in tuple")
      elements.append(TupleElement(label: label, value: value))
      if consume(.comma) == nil { break }
    }
    let close = try expectClosing(of: open)
    if elements.count == 1 {
      if let label = elements[0].label {
        throw fail("a tuple needs at least two elements; remove the label '\(label.name):'", at: label.range)
      }
      return Expression(.parenthesized(elements[0].value), open.range.union(close))
    }
    return Expression(.tuple(elements), open.range.union(close))
  }

  /// `[a, b, c]`, `[]`, `[k: v, …]`, `[:]`.
  mutating func parseArray() throws -> Expression {
    let open = advance()
    if at(.colon), peek(1).symbol == .rightBracket {
      advance()
      let close = advance()
      return Expression(.dictionary([]), open.range.union(close.range))
    }
    var elements: [Expression] = []
    var entries: [DictionaryEntry] = []
    while !at(.rightBracket) {
      if current.isEndOfInput || at(.rightBrace) || at(.rightParen) || at(.semicolon) { throw unclosed(open) }
      let element = try parseExpression(missing: "expected expression in array literal")
      if let colon = consume(.colon) {
        if !elements.isEmpty { throw fail("expected ',' separator: an array literal cannot hold 'key: value' entries", at: colon.range) }
        let value = try parseExpression(missing: "expected a value after ':' in dictionary literal")
        entries.append(DictionaryEntry(key: element, value: value))
      } else {
        if !entries.isEmpty { throw fail("expected ':' and a value in dictionary literal", at: expectedRange) }
        elements.append(element)
      }
      if consume(.comma) == nil { break }
    }
    let close = try expectClosing(of: open)
    if !entries.isEmpty { return Expression(.dictionary(entries), open.range.union(close)) }
    return Expression(.array(elements), open.range.union(close))
  }

  /// `.relu` or `.topK(k: 24)`.
  mutating func parseImplicitMember() throws -> Expression {
    let dot = advance()
    if !current.spaceBefore, case .integer = current.kind {
      throw fail("'.\(current.text)' is not a valid floating point literal; it must be written '0.\(current.text)'",
                 at: dot.range.union(current.range))
    }
    let name = try parseMemberName()
    guard at(.leftParen) && !current.newlineBefore else {
      return Expression(.implicitMember(name: name, arguments: nil), dot.range.union(name.range))
    }
    let (arguments, close) = try parseArguments()
    return Expression(.implicitMember(name: name, arguments: arguments), dot.range.union(close))
  }
}
