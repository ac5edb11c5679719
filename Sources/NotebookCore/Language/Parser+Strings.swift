/// String literals: text segments and interpolated expressions.
extension Parser {
  /// A string literal; each interpolation's tokens are parsed as one expression.
  mutating func parseString(_ pieces: [StringPiece], range: SourceRange) throws -> Expression {
    var segments: [StringSegment] = []
    var failed = false
    for piece in pieces {
      switch piece {
      case .text(let text):
        segments.append(.text(text))
      case .interpolation(let tokens, let open):
        var parser = Parser(tokens: tokens)
        parser.nesting = nesting  // an interpolation inside an interpolation nests like brackets
        let expression = parser.parseInterpolation(open: open)
        diagnostics += parser.diagnostics
        if let expression { segments.append(.interpolation(expression)) } else { failed = true }
      }
    }
    if failed { throw Abort() }
    return Expression(.string(segments), range)
  }

  /// The single expression of a `\( … )`.
  mutating func parseInterpolation(open: SourceRange) -> Expression? {
    if current.isEndOfInput {
      report("expected expression in string interpolation", at: open.union(current.range))
      return nil
    }
    do {
      var expression = try parseExpression(missing: "expected expression in string interpolation")
      if at(.comma) {
        // `\(x, digits: 3)`, `\(x, style: .scientific)`: the number as `format(x, digits: 3)` writes it.
        var arguments = [Argument(label: nil, value: expression)]
        while consume(.comma) != nil {
          guard peek(1).symbol == .colon, isNameLike(current) else {
            report("expected a labelled format argument such as 'digits: 3' in string interpolation", at: current.range)
            return nil
          }
          let label = Identifier(current.text, advance().range)
          advance()
          let value = try parseExpression(missing: "expected expression after '\(label.name):'")
          arguments.append(Argument(label: label, value: value))
        }
        let callee = Expression(.identifier("format"), open)
        expression = Expression(.call(callee: callee, arguments: arguments), expression.range.union(arguments.last!.value.range))
      }
      if !current.isEndOfInput {
        if case .invalid = current.kind { return nil }
        report("expected ')' to end string interpolation", at: current.range,
               notes: ["interpolation opened at \(open.start.line):\(open.start.column)"])
        return nil
      }
      return expression
    } catch {
      return nil
    }
  }
}
