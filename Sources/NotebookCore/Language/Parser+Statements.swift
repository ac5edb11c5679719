/// Statements: bindings, assignments, `if`, `for … in`, expressions.
extension Parser {
  mutating func parseStatement() throws -> Statement {
    nesting += 1
    defer { nesting -= 1 }
    if nesting > Parser.maximumNesting {
      throw fail("blocks are nested too deeply (more than \(Parser.maximumNesting) levels)", at: current.range)
    }
    switch current.kind {
    case .keyword(.let), .keyword(.var):
      return try parseBinding()
    case .keyword(.if):
      return try parseIf()
    case .keyword(.for):
      return try parseFor()
    case .keyword(.while):
      return try parseWhile()
    case .keyword(.repeat):
      return try parseRepeat()
    case .keyword(.guard):
      return try parseGuard()
    case .keyword(.switch):
      return try parseSwitch()
    case .keyword(.func):
      return try parseFunction()
    case .keyword(.break):
      return Statement(.breakLoop, advance().range)
    case .keyword(.continue):
      return Statement(.continueLoop, advance().range)
    case .keyword(.return):
      let token = advance()
      guard !current.newlineBefore, !current.isEndOfInput, !at(.rightBrace), !at(.semicolon) else {
        return Statement(.returnValue(nil), token.range)
      }
      let value = try parseExpression(missing: "expected expression after 'return'")
      return Statement(.returnValue(value), token.range.union(value.range))
    case .keyword(.case), .keyword(.default):
      throw fail("'\(current.text)' is only allowed inside a 'switch'", at: current.range)
    case .keyword(.else):
      throw fail("'else' must follow the closing '}' of an 'if' statement", at: current.range)
    case .keyword(.in):
      throw fail("unexpected 'in'", at: current.range)
    case .symbol where !canStartExpression(current):
      throw fail("unexpected '\(current.text)'", at: current.range)
    case .keyword(let keyword) where !keyword.isSupported:
      throw fail(keyword.unsupportedMessage, at: current.range)
    default:
      return try parseExpressionOrAssignment()
    }
  }

  /// `let name = value`, `var name: Type = value`, `let (a, b) = pair`.
  mutating func parseBinding() throws -> Statement {
    let introducer = advance()
    let pattern = try parsePattern(after: introducer.text)
    var type: TypeSyntax?
    if consume(.colon) != nil { type = try parseType() }
    guard consume(.assign) != nil else {
      let name = pattern.names.first?.name ?? "_"
      throw fail("expected '=' and a value after '\(introducer.text) \(name)'", at: expectedRange)
    }
    let value = try parseExpression(missing: "expected initial value after '='")
    return Statement(.binding(mutable: introducer.keyword == .var, pattern: pattern, type: type, value: value),
                     introducer.range.union(value.range))
  }

  /// A name, `_`, or a parenthesised tuple of patterns: what `let`, `var` and `for` bind.
  mutating func parsePattern(after introducer: String) throws -> Pattern {
    if let open = consume(.leftParen) {
      var items: [Pattern] = []
      while !at(.rightParen) {
        if current.isEndOfInput || at(.rightBrace) || at(.semicolon) { throw unclosed(open) }
        items.append(try deeper("patterns are", at: current.range) { try $0.parsePattern(after: introducer) })
        if consume(.comma) == nil { break }
      }
      let close = try expectClosing(of: open)
      if items.count < 2 { throw fail("a tuple pattern needs at least two elements", at: open.range.union(close)) }
      return .tuple(items, open.range.union(close))
    }
    if case .identifier("_") = current.kind { return .wildcard(advance().range) }
    return .name(try parseBindingName(after: introducer))
  }

  /// The name after `let`, `var` or `for`.
  mutating func parseBindingName(after introducer: String) throws -> Identifier {
    switch current.kind {
    case .identifier(let name):
      return Identifier(name, advance().range)
    case .keyword(let keyword) where !current.newlineBefore:
      throw fail("keyword '\(keyword.rawValue)' cannot be used as an identifier here", at: current.range)
    case .invalid:
      throw Abort()
    default:
      throw fail("expected a name after '\(introducer)'", at: expectedRange)
    }
  }

  /// `if c { … }`, `if c { … } else { … }`, `if c { … } else if d { … } …`
  mutating func parseIf() throws -> Statement {
    let ifToken = advance()
    if at(.leftBrace) { throw fail("missing condition in 'if' statement", at: ifToken.range) }
    var binding: (Identifier, Expression)?
    if current.keyword == .let {
      binding = try parseOptionalBinding(after: "if let")
    } else if current.keyword == .var {
      throw fail("'if var' is not supported in notebook cells; use 'if let'", at: ifToken.range.union(current.range))
    }
    let condition = try binding?.1 ?? parseCondition(missing: "expected condition after 'if'")
    try expectBody(after: "'if' condition")
    let (then, thenEnd) = try parseBlock()
    var otherwise: [Statement]?
    var end = thenEnd
    if current.keyword == .else {
      advance()
      if current.keyword == .if && !current.newlineBefore {
        let nested = try deeper("'else if' chains are", at: current.range) { try $0.parseIf() }
        otherwise = [nested]
        end = nested.range
      } else if at(.leftBrace) {
        let (block, blockEnd) = try parseBlock()
        otherwise = block
        end = blockEnd
      } else {
        throw fail("expected '{' or 'if' after 'else'", at: expectedRange)
      }
    }
    if let (name, value) = binding {
      return Statement(.ifLet(name: name, value: value, then: then, otherwise: otherwise), ifToken.range.union(end))
    }
    return Statement(.ifElse(condition: condition, then: then, otherwise: otherwise), ifToken.range.union(end))
  }

  /// `for name in sequence { … }`
  mutating func parseFor() throws -> Statement {
    let forToken = advance()
    let pattern = try parsePattern(after: "for")
    guard current.keyword == .in else {
      let name = pattern.names.map(\.name).joined(separator: ", ")
      throw fail("expected 'in' after the loop variable '\(name)'", at: expectedRange)
    }
    advance()
    let sequence = try parseCondition(missing: "expected a sequence after 'in'")
    if current.keyword == .where && !current.newlineBefore {
      throw fail("'where' is not supported in notebook cells", at: current.range)
    }
    try expectBody(after: "'for' sequence")
    let (body, end) = try parseBlock()
    return Statement(.forIn(pattern: pattern, sequence: sequence, body: body), forToken.range.union(end))
  }

  /// `while c { … }`
  mutating func parseWhile() throws -> Statement {
    let token = advance()
    if at(.leftBrace) { throw fail("missing condition in 'while' statement", at: token.range) }
    let condition = try parseCondition(missing: "expected condition after 'while'")
    try expectBody(after: "'while' condition")
    let (body, end) = try parseBlock()
    return Statement(.whileLoop(condition: condition, body: body), token.range.union(end))
  }

  /// `repeat { … } while c`
  mutating func parseRepeat() throws -> Statement {
    let token = advance()
    try expectBody(after: "'repeat'")
    let (body, _) = try parseBlock()
    guard current.keyword == .while else { throw fail("expected 'while' after the body of 'repeat'", at: expectedRange) }
    advance()
    let condition = try parseExpression(missing: "expected condition after 'while'")
    return Statement(.repeatWhile(body: body, condition: condition), token.range.union(condition.range))
  }

  /// `let name = value` after `if` or `guard` (the value an optional).
  mutating func parseOptionalBinding(after introducer: String) throws -> (Identifier, Expression) {
    advance()
    let name = try parseBindingName(after: introducer)
    guard consume(.assign) != nil else {
      throw fail("expected '=' and an optional value after '\(introducer) \(name.name)'", at: expectedRange)
    }
    return (name, try parseCondition(missing: "expected an optional value after '='"))
  }

  /// `guard c else { … }`, `guard let x = optional else { … }`
  mutating func parseGuard() throws -> Statement {
    let token = advance()
    if current.keyword == .let {
      let (name, value) = try parseOptionalBinding(after: "guard let")
      guard current.keyword == .else else { throw fail("expected 'else' after 'guard' condition", at: expectedRange) }
      advance()
      try expectBody(after: "'else'")
      let (body, end) = try parseBlock()
      return Statement(.guardLet(name: name, value: value, otherwise: body), token.range.union(end))
    }
    let condition = try parseCondition(missing: "expected condition after 'guard'")
    guard current.keyword == .else else { throw fail("expected 'else' after 'guard' condition", at: expectedRange) }
    advance()
    try expectBody(after: "'else'")
    let (body, end) = try parseBlock()
    return Statement(.guardElse(condition: condition, otherwise: body), token.range.union(end))
  }

  /// An expression after which `{` opens a body rather than a closure.
  mutating func parseCondition(missing: String) throws -> Expression {
    let saved = braceEndsExpression
    braceEndsExpression = true
    defer { braceEndsExpression = saved }
    return try parseExpression(missing: missing)
  }

  /// The `{` of a body must come next.
  mutating func expectBody(after what: String) throws {
    if at(.leftBrace) { return }
    if at(.assign) {
      throw fail("use '==' to compare values; '=' assigns", at: current.range)
    }
    if let keyword = current.keyword, !keyword.isSupported, !current.newlineBefore {
      throw fail(keyword.unsupportedMessage, at: current.range)
    }
    throw fail("expected '{' after \(what)", at: expectedRange)
  }

  /// `{ statements }` starting at the current `{`; returns the statements and
  /// the range of the closing `}`.
  mutating func parseBlock() throws -> ([Statement], SourceRange) {
    let open = advance()
    let saved = braceEndsExpression
    braceEndsExpression = false
    defer { braceEndsExpression = saved }
    let body = parseStatements(inBlock: true)
    guard let close = consume(.rightBrace) else { throw unclosed(open) }
    return (body, close.range)
  }

  /// Statements of a `case` up to the next `case`, `default` or the switch's `}`.
  mutating func parseCaseBody() -> [Statement] {
    let saved = braceEndsExpression
    braceEndsExpression = false
    defer { braceEndsExpression = saved }
    return parseStatements(inBlock: true, stopAtCase: true)
  }

  /// An expression statement, or an assignment when `=`, `+=`, `-=`, `*=` or
  /// `/=` follows a name, member or subscript.
  mutating func parseExpressionOrAssignment() throws -> Statement {
    let target = try parseExpression(missing: "expected expression")
    guard let op = current.symbol?.assignmentOperator else {
      return Statement(.expression(target), target.range)
    }
    switch target.kind {
    case .identifier, .member, .subscripted: break
    default:
      throw fail("cannot assign to this expression; only names, members and subscripts can be assigned",
                 at: target.range)
    }
    advance()
    let value = try parseExpression(missing: "expected expression after '\(op.rawValue)'")
    if current.symbol?.assignmentOperator != nil {
      throw fail("assignments cannot be chained in notebook cells", at: current.range)
    }
    return Statement(.assignment(target: target, op: op, value: value), target.range.union(value.range))
  }
}
