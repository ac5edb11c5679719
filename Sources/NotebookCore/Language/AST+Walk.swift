extension Expression {
  /// The expressions directly inside this one (a closure's body is not walked: it is a scope of its own).
  public var children: [Expression] {
    switch kind {
    case .integer, .double, .boolean, .identifier, .nilLiteral, .closure: return []
    case .string(let segments): return segments.compactMap { if case .interpolation(let e) = $0 { return e }; return nil }
    case .array(let items): return items
    case .unary(_, let x), .parenthesized(let x): return [x]
    case .binary(_, let a, let b): return [a, b]
    case .call(let callee, let arguments): return [callee] + arguments.map(\.value)
    case .member(let base, _): return [base]
    case .implicitMember(_, let arguments): return arguments?.map(\.value) ?? []
    case .subscripted(let base, let arguments): return [base] + arguments.map(\.value)
    case .ternary(let a, let b, let c): return [a, b, c]
    case .tuple(let elements): return elements.map(\.value)
    case .dictionary(let entries): return entries.flatMap { [$0.key, $0.value] }
    }
  }
}

extension Statement {
  /// Every expression of the statement and of the blocks inside it (not inside `func` bodies).
  public var expressions: [Expression] {
    func block(_ statements: [Statement]) -> [Expression] { statements.flatMap(\.expressions) }
    switch kind {
    case .binding(_, _, _, let value): return [value]
    case .assignment(let target, _, let value): return [target, value]
    case .ifElse(let c, let then, let otherwise): return [c] + block(then) + block(otherwise ?? [])
    case .forIn(_, let sequence, let body): return [sequence] + block(body)
    case .whileLoop(let c, let body), .repeatWhile(let body, let c): return [c] + block(body)
    case .guardElse(let c, let otherwise): return [c] + block(otherwise)
    case .ifLet(_, let value, let then, let otherwise): return [value] + block(then) + block(otherwise ?? [])
    case .guardLet(_, let value, let otherwise): return [value] + block(otherwise)
    case .switchCases(let subject, let cases):
      return [subject] + cases.flatMap { c -> [Expression] in
        var labels: [Expression] = []
        switch c.label {
        case .values(let values): labels = values
        case .binding(_, let condition): labels = condition.map { [$0] } ?? []
        case .default: break
        }
        return labels + block(c.body)
      }
    case .returnValue(let value): return value.map { [$0] } ?? []
    case .expression(let e): return [e]
    case .breakLoop, .continueLoop, .function: return []
    }
  }
}
