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
      let expression = try parseExpression(missing: "expected expression in string interpolation")
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
