/// Functions, closures, types and `switch`.
extension Parser {
  /// `func name(label param: Type = default, …) -> Result { body }`
  mutating func parseFunction() throws -> Statement {
    let funcToken = advance()
    guard case .identifier(let nameText) = current.kind, nameText != "_" else {
      throw fail("expected a function name after 'func'", at: expectedRange)
    }
    let name = Identifier(nameText, advance().range)
    guard let open = consume(.leftParen) else {
      throw fail("expected '(' and the parameter list after 'func \(name.name)'", at: expectedRange)
    }
    var parameters: [FunctionDeclaration.Parameter] = []
    while !at(.rightParen) {
      if current.isEndOfInput || at(.rightBrace) || at(.leftBrace) { throw unclosed(open) }
      parameters.append(try parseFunctionParameter())
      if consume(.comma) == nil { break }
    }
    _ = try expectClosing(of: open)
    var returnType: TypeSyntax?
    if consume(.arrow) != nil { returnType = try parseType() }
    try expectBody(after: "the signature of '\(name.name)'")
    let (body, end) = try parseBlock()
    let declaration = FunctionDeclaration(name: name, parameters: parameters, returnType: returnType, body: body)
    return Statement(.function(declaration), funcToken.range.union(end))
  }

  /// `label name: Type = default`, `_ name: Type`, `name: Type`.
  mutating func parseFunctionParameter() throws -> FunctionDeclaration.Parameter {
    guard isNameLike(current) else { throw fail("expected a parameter name", at: expectedRange) }
    let first = advance()
    var label: String? = first.text == "_" ? nil : first.text
    var name = Identifier(first.text, first.range)
    if case .identifier(let second) = current.kind {
      name = Identifier(second, advance().range)
    } else if first.text == "_" {
      throw fail("expected a parameter name after '_'", at: expectedRange)
    }
    if case .keyword = first.kind, name.range == first.range {
      throw fail("keyword '\(first.text)' cannot be used as a parameter name", at: first.range)
    }
    if label == nil, name.name == "_" { label = nil }
    guard consume(.colon) != nil else {
      throw fail("parameter '\(name.name)' needs a type: write '\(name.name): Int' (or another type)", at: expectedRange)
    }
    let type = try parseType()
    var defaultValue: Expression?
    if consume(.assign) != nil { defaultValue = try parseExpression(missing: "expected a default value after '='") }
    return FunctionDeclaration.Parameter(label: label, name: name, type: type, defaultValue: defaultValue)
  }

  /// `Int`, `[T]`, `[K: V]`, `T?`, `(A, b: B)`, `(A) -> B`.
  mutating func parseType() throws -> TypeSyntax {
    try deeper("types are", at: current.range) { try $0.parseTypeAtThisLevel() }
  }

  private mutating func parseTypeAtThisLevel() throws -> TypeSyntax {
    var type: TypeSyntax
    let start = current.range
    if let open = consume(.leftBracket) {
      let element = try parseType()
      if consume(.colon) != nil {
        let value = try parseType()
        type = TypeSyntax(.dictionary(element, value), open.range.union(try expectClosing(of: open)))
      } else {
        type = TypeSyntax(.array(element), open.range.union(try expectClosing(of: open)))
      }
    } else if let open = consume(.leftParen) {
      var items: [TypeSyntax] = [], labels: [String?] = []
      while !at(.rightParen) {
        if current.isEndOfInput || at(.rightBrace) || at(.leftBrace) || at(.assign) { throw unclosed(open) }
        var label: String?
        if peek(1).symbol == .colon, case .identifier(let l) = current.kind {
          label = l
          advance(); advance()
        }
        labels.append(label)
        items.append(try parseType())
        if consume(.comma) == nil { break }
      }
      let close = try expectClosing(of: open)
      if consume(.arrow) != nil {
        let result = try parseType()
        type = TypeSyntax(.function(items, result), open.range.union(result.range))
      } else if items.count == 1, labels[0] == nil {
        type = items[0]
      } else if items.isEmpty {
        type = TypeSyntax(.named("Void"), open.range.union(close))
      } else {
        type = TypeSyntax(.tuple(items, labels: labels), open.range.union(close))
      }
    } else if case .identifier(let name) = current.kind {
      type = TypeSyntax(.named(name), advance().range)
    } else {
      throw fail("expected a type", at: start == current.range ? expectedRange : current.range)
    }
    while at(.question) && !current.spaceBefore {
      type = TypeSyntax(.optional(type), type.range.union(advance().range))
    }
    return type
  }

  /// `{ x in … }`, `{ (x: Int, y) -> Bool in … }`, `{ $0 * 2 }` at the current `{`.
  mutating func parseClosure() throws -> Expression {
    let open = advance()
    var parameters: [(name: Identifier, type: TypeSyntax?)]?
    var returnType: TypeSyntax?
    if closureHeaderAhead() {
      var list: [(name: Identifier, type: TypeSyntax?)] = []
      let parenthesized = consume(.leftParen)
      while case .identifier(let name) = current.kind {
        let id = Identifier(name, advance().range)
        var type: TypeSyntax?
        if parenthesized != nil, consume(.colon) != nil { type = try parseType() }
        list.append((id, type))
        if consume(.comma) == nil { break }
      }
      if let parenthesized { _ = try expectClosing(of: parenthesized) }
      if consume(.arrow) != nil { returnType = try parseType() }
      guard current.keyword == .in else { throw fail("expected 'in' after the closure's parameters", at: expectedRange) }
      advance()
      parameters = list
    }
    let saved = braceEndsExpression
    braceEndsExpression = false
    defer { braceEndsExpression = saved }
    let body = parseStatements(inBlock: true)
    guard let close = consume(.rightBrace) else { throw unclosed(open) }
    return Expression(.closure(ClosureLiteral(parameters: parameters, returnType: returnType, body: body)),
                      open.range.union(close.range))
  }

  /// Whether the tokens after a closure's `{` are a parameter list ended by `in`:
  /// `a, b in` or `(a: T, b) -> R in`.
  func closureHeaderAhead() -> Bool {
    var k = 0
    var depth = 0
    while true {
      let t = peek(k)
      if t.isEndOfInput { return false }
      if depth == 0 && t.keyword == .in { return k > 0 }
      switch t.kind {
      case .identifier: break
      case .symbol(.comma), .symbol(.colon), .symbol(.arrow), .symbol(.question): break
      case .symbol(.leftParen), .symbol(.leftBracket): depth += 1
      case .symbol(.rightParen), .symbol(.rightBracket): depth -= 1
      default: return false
      }
      if depth < 0 { return false }
      k += 1
    }
  }

  /// `switch subject { case 1, 2: … case let x where x > 3: … default: … }`
  mutating func parseSwitch() throws -> Statement {
    let token = advance()
    let subject = try parseCondition(missing: "expected an expression after 'switch'")
    try expectBody(after: "'switch' subject")
    let open = advance()
    var cases: [SwitchCase] = []
    while !at(.rightBrace) {
      if current.isEndOfInput { throw unclosed(open) }
      let start = current.range
      let label: SwitchCase.Label
      if current.keyword == .default {
        advance()
        label = .default
      } else if current.keyword == .case {
        advance()
        if current.keyword == .let || current.keyword == .var {
          let introducer = advance()
          let pattern = try parsePattern(after: introducer.text)
          var condition: Expression?
          if current.keyword == .where {
            advance()
            condition = try parseExpression(missing: "expected a condition after 'where'")
          }
          label = .binding(pattern, whereClause: condition)
        } else {
          var values: [Expression] = []
          repeat { values.append(try parseExpression(missing: "expected a value after 'case'")) } while consume(.comma) != nil
          label = .values(values)
        }
      } else {
        throw fail("expected 'case' or 'default' in the body of 'switch'", at: current.range)
      }
      guard consume(.colon) != nil else { throw fail("expected ':' after the case label", at: expectedRange) }
      let body = parseCaseBody()
      let end = body.last?.range ?? start
      if body.isEmpty {
        report("'case' label in a 'switch' must have at least one statement (write 'break' to do nothing)", at: start)
      }
      cases.append(SwitchCase(label: label, body: body, range: start.union(end)))
    }
    let close = advance()
    return Statement(.switchCases(subject: subject, cases: cases), token.range.union(close.range))
  }
}
