/// Type inference for expressions. Returns nil after reporting an error, so
/// that one mistake produces one diagnostic, not a cascade.
extension Checker {
  mutating func infer(_ e: Expression, expected: ValueType? = nil) -> ValueType? {
    switch e.kind {
    case .integer: return expected == .double ? .double : .int
    case .double: return .double
    case .boolean: return .bool
    case .string(let segments):
      for case .interpolation(let inner) in segments {
        if infer(inner) == .void { report("cannot interpolate an expression that returns nothing", at: inner.range) }
      }
      return .string
    case .identifier(let name):
      return inferIdentifier(name, e.range)
    case .array(let items):
      let expectedElement: ValueType? = {
        if case .array(let t)? = expected { return t }
        return expected == .any ? .any : nil  // anything goes where Any is expected
      }()
      var element: ValueType?
      for item in items {
        guard let t = infer(item, expected: expectedElement) else { return nil }
        guard let current = element else { element = t; continue }
        guard let joined = ValueType.join(current, t) else {
          if expectedElement == .any { element = .any; continue }
          report("array elements must have one type; found '\(current)' and '\(t)'", at: item.range)
          return nil
        }
        element = joined
      }
      return .array(element ?? expectedElement ?? .any)
    case .unary(let op, let operand):
      guard let t = infer(operand) else { return nil }
      switch op {
      case .not where t == .bool || t == .any: return .bool
      case .negate where t == .int || t == .double || t == .any, .plus where t == .int || t == .double || t == .any:
        return t
      default:
        report("unary operator '\(op.rawValue)' cannot be applied to an operand of type '\(t)'", at: e.range)
        return nil
      }
    case .binary(let op, let lhs, let rhs):
      guard let l = infer(lhs), let r = infer(rhs) else { return nil }
      if let t = binaryType(op, l, r) { return t }
      report("binary operator '\(op.rawValue)' cannot be applied to operands of type '\(l)' and '\(r)'", at: e.range)
      return nil
    case .call(let callee, let arguments):
      return inferCall(callee, arguments, e.range, expected: expected)
    case .member(let base, let name):
      return inferMember(base, name, e.range)
    case .implicitMember(let name, let arguments):
      return inferImplicitMember(name, arguments, e.range, expected: expected)
    case .subscripted(let base, let arguments):
      return inferSubscript(base, arguments, e.range)
    case .parenthesized(let inner):
      return infer(inner, expected: expected)
    }
  }

  mutating func inferIdentifier(_ name: String, _ range: SourceRange) -> ValueType? {
    if let b = lookup(name) { return b.type }
    if registry.namespaces[name] != nil { return .namespace(name) }
    if registry.functions[name] != nil {
      report("'\(name)' is a function; call it with '\(name)(…)'", at: range)
      return nil
    }
    if let later = definedAnywhere[name], later.start > range.start {
      report(
        "'\(name)' is used before its definition", at: range,
        notes: ["'\(name)' is defined at line \(later.start.line)"])
      return nil
    }
    let candidates =
      scopes.flatMap(\.keys) + Array(registry.functions.keys.filter { !$0.contains(".") })
      + Array(registry.namespaces.keys)
    let suggestion = Suggestions.closest(name, among: candidates)
    report("cannot find '\(name)' in scope", at: range, notes: suggestion.map { ["did you mean '\($0)'?"] } ?? [])
    return nil
  }

  mutating func inferCall(
    _ callee: Expression, _ arguments: [Argument], _ range: SourceRange, expected: ValueType?
  ) -> ValueType? {
    let builtin: Builtin
    var receiverExpression: Expression?
    switch callee.kind {
    case .identifier(let name):
      if let b = lookup(name) {
        report("cannot call value of non-function type '\(b.type)'", at: callee.range)
        return nil
      }
      guard let b = registry.functions[name] else {
        let suggestion = Suggestions.closest(name, among: registry.functions.keys.filter { !$0.contains(".") })
        report(
          "cannot find function '\(name)' in scope", at: callee.range,
          notes: suggestion.map { ["did you mean '\($0)'?"] } ?? [])
        inferLoosely(arguments)
        return nil
      }
      builtin = b
    case .member(let base, let name):
      guard let baseType = infer(base) else { return nil }
      if case .namespace(let ns) = baseType {
        guard let b = registry.functions["\(ns).\(name.name)"] else {
          let names = registry.functions.keys.filter { $0.hasPrefix(ns + ".") }.map {
            String($0.dropFirst(ns.count + 1))
          }
          let suggestion = Suggestions.closest(name.name, among: names)
          report("'\(ns)' has no function '\(name.name)'", at: name.range,
            notes: suggestion.map { ["did you mean '\(ns).\($0)'?"] } ?? [
              "available: " + names.sorted().joined(separator: ", ")
            ])
          return nil
        }
        builtin = b
      } else if baseType == .any {
        inferLoosely(arguments)
        return .any
      } else {
        guard let b = registry.method(name.name, on: baseType) else {
          let suggestion = Suggestions.closest(name.name, among: registry.memberNames(of: baseType))
          report("value of type '\(baseType)' has no method '\(name.name)'", at: name.range,
                 notes: suggestion.map { ["did you mean '\($0)'?"] } ?? [])
          return nil
        }
        if b.mutating { checkMutableReceiver(base, method: name.name) }
        builtin = b
        receiverExpression = base
      }
    case .implicitMember(let name, nil):
      return inferImplicitMember(name, arguments, range, expected: expected)
    default:
      report("this expression cannot be called", at: callee.range)
      return nil
    }
    _ = receiverExpression
    return checkArguments(arguments, of: builtin, callRange: range)
  }

  /// Checks the arguments of a call whose parameters are unknown, skipping
  /// implicit members (their type cannot be known, so no second error).
  mutating func inferLoosely(_ arguments: [Argument]) {
    for a in arguments {
      if case .implicitMember = a.value.kind { continue }
      _ = infer(a.value)
    }
  }

  /// Binds and type-checks arguments; returns the call's type.
  mutating func checkArguments(_ arguments: [Argument], of builtin: Builtin, callRange: SourceRange) -> ValueType? {
    switch ArgumentBinding.bind(arguments, to: builtin, callRange: callRange) {
    case .failure(let d):
      diagnostics.append(d)
      // Still check the arguments, with the type of the parameter their label names.
      for a in arguments {
        let param = builtin.parameters.first { $0.label != nil && $0.label == a.label?.name }
        if param == nil, case .implicitMember = a.value.kind { continue }
        _ = infer(a.value, expected: param?.type)
      }
      return nil
    case .success(let bound):
      var types = [ValueType?](repeating: nil, count: builtin.parameters.count)
      for (p, index) in bound.argumentIndex.enumerated() {
        guard let index else { continue }
        let param = builtin.parameters[p]
        let arg = arguments[index].value
        guard let t = infer(arg, expected: param.type) else { continue }
        types[p] = t
        if !t.isAssignable(to: param.type) {
          report("cannot convert value of type '\(t)' to expected argument type '\(param.type)'", at: arg.range,
                 notes: ["parameter '\(param.label ?? param.name)' of \(builtin.signature)"])
        }
      }
      if let last = builtin.parameters.last {
        for index in bound.variadic {
          if let t = infer(arguments[index].value), !t.isAssignable(to: last.type) {
            report(
              "cannot convert value of type '\(t)' to expected argument type '\(last.type)'",
              at: arguments[index].value.range)
          }
        }
      }
      if builtin.mutating { return .void }
      return builtin.returnType?(types) ?? builtin.returns
    }
  }

  mutating func checkMutableReceiver(_ base: Expression, method: String) {
    guard case .identifier(let name) = base.kind else {
      report("'\(method)' changes its receiver, which must be a 'var' variable", at: base.range)
      return
    }
    if let b = lookup(name), !b.mutable {
      report("cannot use mutating method '\(method)' on '\(name)': it is a 'let' constant", at: base.range,
             notes: [constantNote(name, b)])
    }
  }

  mutating func inferMember(_ base: Expression, _ name: Identifier, _ range: SourceRange) -> ValueType? {
    guard let baseType = infer(base) else { return nil }
    if case .namespace(let ns) = baseType {
      if registry.functions["\(ns).\(name.name)"] != nil {
        report("'\(ns).\(name.name)' is a function; call it with '\(ns).\(name.name)(…)'", at: range)
      } else {
        report("'\(ns)' has no member '\(name.name)'", at: name.range)
      }
      return nil
    }
    if baseType == .any { return .any }
    if let p = registry.property(name.name, on: baseType) { return p.type }
    if registry.method(name.name, on: baseType) != nil {
      report("'\(name.name)' is a method of '\(baseType)'; call it with '.\(name.name)(…)'", at: name.range)
      return nil
    }
    let suggestion = Suggestions.closest(name.name, among: registry.memberNames(of: baseType))
    report("value of type '\(baseType)' has no member '\(name.name)'", at: name.range,
           notes: suggestion.map { ["did you mean '\($0)'?"] } ?? [])
    return nil
  }

  mutating func inferImplicitMember(
    _ name: Identifier, _ arguments: [Argument]?, _ range: SourceRange, expected: ValueType?
  ) -> ValueType? {
    guard let expected, expected != .any else {
      report(
        "cannot infer the type of '.\(name.name)' here; it is only allowed where a specific type is expected", at: range
      )
      return nil
    }
    guard let b = registry.implicitMember(name.name, producing: expected) else {
      let names = Array((registry.implicitMembers[Registry.key(expected)]?.keys).map(Array.init) ?? [])
      let suggestion = Suggestions.closest(name.name, among: names)
      report("type '\(expected)' has no member '\(name.name)'", at: name.range,
        notes: suggestion.map { ["did you mean '.\($0)'?"] }
          ?? (names.isEmpty ? [] : ["available: " + names.sorted().map { "." + $0 }.joined(separator: ", ")]))
      return nil
    }
    return checkArguments(arguments ?? [], of: b, callRange: range)
  }

  mutating func inferSubscript(_ base: Expression, _ arguments: [Argument], _ range: SourceRange) -> ValueType? {
    guard let baseType = infer(base) else { return nil }
    for a in arguments {
      if let label = a.label { report("subscripts take no argument labels", at: label.range) }
      if let t = infer(a.value), !t.isAssignable(to: .int) {
        report("subscript index must be 'Int', but this is '\(t)'", at: a.value.range)
      }
    }
    switch baseType {
    case .array(let element) where arguments.count == 1: return element
    case .range where arguments.count == 1: return .int
    case .matrix where arguments.count == 2: return .double
    case .matrix where arguments.count == 1: return .array(.double)
    case .any: return .any
    default:
      report("value of type '\(baseType)' cannot be subscripted with \(arguments.count) index(es)", at: range)
      return nil
    }
  }

  /// The result type of a binary operator, or nil if it does not apply.
  func binaryType(_ op: BinaryOperator, _ l: ValueType, _ r: ValueType) -> ValueType? {
    let numeric: Set<ValueType> = [.int, .double, .any]
    switch op {
    case .add:
      if l == .string && r == .string { return .string }
      if case .array = l, case .array = r { return ValueType.join(l, r) }
      fallthrough
    case .subtract, .multiply, .divide, .remainder:
      guard numeric.contains(l) && numeric.contains(r) else { return nil }
      if l == .any || r == .any { return .any }
      if op == .remainder && (l == .double || r == .double) { return nil }
      return l == .int && r == .int ? .int : .double
    case .halfOpenRange, .closedRange:
      return (l == .int || l == .any) && (r == .int || r == .any) ? .range : nil
    case .equal, .notEqual:
      return ValueType.join(l, r) != nil ? .bool : nil
    case .less, .lessOrEqual, .greater, .greaterOrEqual:
      if numeric.contains(l) && numeric.contains(r) { return .bool }
      return (l == .string && r == .string) ? .bool : nil
    case .and, .or:
      return (l == .bool || l == .any) && (r == .bool || r == .any) ? .bool : nil
    }
  }
}
