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

  /// `let name = value`, `var name = value`. A type annotation (`let x: Int = 1`)
  /// is reported as unsupported and skipped; the binding is kept.
  mutating func parseBinding() throws -> Statement {
    let introducer = advance()
    let name = try parseBindingName(after: introducer.text)
    if at(.colon) { skipTypeAnnotation(of: name.name, introducer: introducer.text) }
    guard consume(.assign) != nil else {
      throw fail("expected '=' and a value after '\(introducer.text) \(name.name)'", at: expectedRange)
    }
    let value = try parseExpression(missing: "expected initial value after '='")
    return Statement(.binding(mutable: introducer.keyword == .var, name: name, value: value),
                     introducer.range.union(value.range))
  }

  /// The name after `let`, `var` or `for`.
  mutating func parseBindingName(after introducer: String) throws -> Identifier {
    switch current.kind {
    case .identifier(let name):
      return Identifier(name, advance().range)
    case .keyword(let keyword) where !current.newlineBefore:
      throw fail("keyword '\(keyword.rawValue)' cannot be used as an identifier here", at: current.range)
    case .symbol(.leftParen) where !current.newlineBefore:
      throw fail("tuple patterns are not supported in notebook cells", at: current.range)
    case .invalid:
      throw Abort()
    default:
      throw fail("expected a name after '\(introducer)'", at: expectedRange)
    }
  }

  /// Reports `: Type` (up to `=` or the end of the line) and skips it.
  mutating func skipTypeAnnotation(of name: String, introducer: String) {
    let colon = advance()
    var range = colon.range
    var spelling = ":"
    var depth = 0
    while !current.isEndOfInput && !current.newlineBefore {
      if depth == 0 && (at(.assign) || at(.semicolon) || at(.rightBrace)) { break }
      if at(.leftParen) || at(.leftBracket) { depth += 1 }
      if at(.rightParen) || at(.rightBracket) { depth -= 1 }
      spelling += (current.spaceBefore || spelling == ":" ? " " : "") + current.text
      range = range.union(current.range)
      advance()
    }
    report("type annotations are not supported in notebook cells; remove '\(spelling)' (types are inferred)",
           at: range, notes: ["write '\(introducer) \(name) = …'"])
  }

  /// `if c { … }`, `if c { … } else { … }`, `if c { … } else if d { … } …`
  mutating func parseIf() throws -> Statement {
    let ifToken = advance()
    if at(.leftBrace) { throw fail("missing condition in 'if' statement", at: ifToken.range) }
    if let keyword = current.keyword, keyword == .let || keyword == .var {
      throw fail("'if \(keyword.rawValue)' is not supported in notebook cells", at: ifToken.range.union(current.range))
    }
    let condition = try parseCondition(missing: "expected condition after 'if'")
    try expectBody(after: "'if' condition")
    let (then, thenEnd) = try parseBlock()
    var otherwise: [Statement]?
    var end = thenEnd
    if current.keyword == .else {
      advance()
      if current.keyword == .if && !current.newlineBefore {
        let nested = try parseIf()
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
    return Statement(.ifElse(condition: condition, then: then, otherwise: otherwise), ifToken.range.union(end))
  }

  /// `for name in sequence { … }`
  mutating func parseFor() throws -> Statement {
    let forToken = advance()
    let name = try parseBindingName(after: "for")
    guard current.keyword == .in else {
      throw fail("expected 'in' after the loop variable '\(name.name)'", at: expectedRange)
    }
    advance()
    let sequence = try parseCondition(missing: "expected a sequence after 'in'")
    try expectBody(after: "'for' sequence")
    let (body, end) = try parseBlock()
    return Statement(.forIn(name: name, sequence: sequence, body: body), forToken.range.union(end))
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
