import SAEKit

extension Interpreter {
  /// Evaluates an expression; `expected` resolves implicit members (`.topK(k: 8)`)
  /// and turns integer literals into Doubles where a Double is expected.
  func evaluate(_ e: Expression, expected: ValueType? = nil) throws -> Value {
    switch e.kind {
    case .integer(let i): return expected == .double ? .double(Double(i)) : .int(i)
    case .double(let d): return .double(d)
    case .boolean(let b): return .bool(b)
    case .string(let segments):
      var text = ""
      for segment in segments {
        switch segment {
        case .text(let t): text += t
        case .interpolation(let inner): text += try evaluate(inner).text
        }
      }
      return .string(text)
    case .identifier(let name):
      return try lookup(name, e.range)
    case .array(let items):
      let element: ValueType? = { if case .array(let t)? = expected { return t }; return nil }()
      return .array(try items.map { try evaluate($0, expected: element) })
    case .unary(let op, let operand):
      return try Operators.unary(op, try evaluate(operand), at: e.range)
    case .binary(let op, let lhs, let rhs):
      if op == .and || op == .or {  // short-circuit
        let l = try truth(lhs)
        if op == .and && !l { return .bool(false) }
        if op == .or && l { return .bool(true) }
        return .bool(try truth(rhs))
      }
      return try Operators.binary(op, try evaluate(lhs), try evaluate(rhs), at: e.range)
    case .call(let callee, let arguments):
      return try call(callee, arguments, e.range, expected: expected)
    case .member(let base, let name):
      let value = try evaluate(base)
      guard let property = registry.property(name.name, on: value.type) else {
        throw Diagnostic.error("value of type '\(value.type)' has no member '\(name.name)'", at: name.range)
      }
      return try invoke(e.range) { try property.get(value) }
    case .implicitMember(let name, let arguments):
      guard let expected, let b = registry.implicitMember(name.name, producing: expected) else {
        throw Diagnostic.error("cannot resolve '.\(name.name)' here", at: e.range)
      }
      return try apply(b, arguments ?? [], callRange: e.range, receiver: nil)
    case .subscripted(let base, let arguments):
      return try subscripted(try evaluate(base), arguments, e.range)
    case .parenthesized(let inner):
      return try evaluate(inner, expected: expected)
    }
  }

  func call(_ callee: Expression, _ arguments: [Argument], _ range: SourceRange, expected: ValueType?) throws -> Value {
    switch callee.kind {
    case .identifier(let name):
      guard let b = registry.functions[name] else { throw Diagnostic.error("cannot find function '\(name)' in scope", at: callee.range) }
      return try apply(b, arguments, callRange: range, receiver: nil)
    case .member(let base, let name):
      let receiver = try evaluate(base)
      if case .namespace(let ns) = receiver {
        guard let b = registry.functions["\(ns).\(name.name)"] else {
          throw Diagnostic.error("'\(ns)' has no function '\(name.name)'", at: name.range)
        }
        return try apply(b, arguments, callRange: range, receiver: nil)
      }
      guard let b = registry.method(name.name, on: receiver.type) else {
        throw Diagnostic.error("value of type '\(receiver.type)' has no method '\(name.name)'", at: name.range)
      }
      let result = try apply(b, arguments, callRange: range, receiver: receiver)
      if b.mutating {
        guard case .identifier(let variable) = base.kind else {
          throw Diagnostic.error("'\(name.name)' changes its receiver, which must be a variable", at: base.range)
        }
        try assign(variable, result, base.range)
        return .void
      }
      return result
    case .implicitMember:
      return try evaluate(callee, expected: expected)
    default:
      throw Diagnostic.error("this expression cannot be called", at: callee.range)
    }
  }

  /// Binds arguments (the checker's rules), fills defaults and runs the builtin.
  func apply(_ b: Builtin, _ arguments: [Argument], callRange: SourceRange, receiver: Value?) throws -> Value {
    let bound: ArgumentBinding.Bound
    switch ArgumentBinding.bind(arguments, to: b, callRange: callRange) {
    case .failure(let d): throw d
    case .success(let value): bound = value
    }
    var args = CallArguments(callRange: callRange, receiver: receiver)
    for (p, param) in b.parameters.enumerated() {
      if let index = bound.argumentIndex[p] {
        args.values[param.name] = try evaluate(arguments[index].value, expected: param.type)
        args.ranges[param.name] = arguments[index].value.range
      } else if let d = param.defaultValue {
        switch d {
        case .value(let v): args.values[param.name] = v
        case .notebookSeed: args.values[param.name] = .int(context.seed)
        case .absent: break
        }
      }
    }
    let variadicType = b.parameters.last?.type
    args.variadic = try bound.variadic.map { try evaluate(arguments[$0].value, expected: variadicType) }
    return try invoke(callRange, ranges: args.ranges) { try b.implementation(args, context) }
  }

  /// Runs a builtin body, turning its errors into diagnostics at the right range.
  func invoke(_ range: SourceRange, ranges: [String: SourceRange] = [:], _ body: () throws -> Value) throws -> Value {
    do {
      return try body()
    } catch let d as Diagnostic {
      throw d
    } catch let e as RuntimeError {
      throw Diagnostic.error(e.message, at: e.argument.flatMap { ranges[$0] } ?? range)
    } catch let e as SAEKitError {
      throw Diagnostic.error(e.description, at: range)
    } catch {
      throw Diagnostic.error("\(error)", at: range)
    }
  }

  func subscripted(_ base: Value, _ arguments: [Argument], _ range: SourceRange) throws -> Value {
    let indices = try arguments.map { try integer($0.value) }
    func check(_ i: Int, _ count: Int, _ what: String, _ argument: Argument) throws {
      guard i >= 0 && i < count else {
        throw Diagnostic.error("index \(i) out of range: \(what) has \(count)", at: argument.value.range)
      }
    }
    switch (base, indices.count) {
    case (.matrix(let m), 2):
      try check(indices[0], m.rows, "the matrix's row count", arguments[0])
      try check(indices[1], m.cols, "the matrix's column count", arguments[1])
      return .double(Double(m[indices[0], indices[1]]))
    case (.matrix(let m), 1):
      try check(indices[0], m.rows, "the matrix's row count", arguments[0])
      return .array(m.row(indices[0]).map { .double(Double($0)) })
    case (_, 1):
      if let r = base.integerRange {
        try check(indices[0], r.count, "the range's element count", arguments[0])
        return .int(r.lowerBound + indices[0])
      }
      guard let items = base.elements else { break }
      try check(indices[0], items.count, "the array's element count", arguments[0])
      return items[indices[0]]
    default: break
    }
    throw Diagnostic.error("value of type '\(base.type)' cannot be subscripted with \(indices.count) index(es)", at: range)
  }
}
