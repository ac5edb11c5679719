/// Statements: bindings, assignments, `if`, loops, `guard`, `switch`, `break`, `continue`,
/// `return` and `func`.
extension Checker {
  mutating func compile(_ statement: Statement) -> Execution? {
    let range = statement.range
    switch statement.kind {
    case .binding(let mutable, let pattern, let annotation, let value):
      let declared = annotation.flatMap { resolveType($0) }
      guard var typed = infer(value, expected: declared) else {
        for name in pattern.names { define(name, declared ?? .any, mutable: mutable) }  // keep going without cascades
        return nil
      }
      if typed.type == .void {
        report("'\(pattern.names.first?.name ?? "_")' would have no value: the expression returns nothing", at: value.range)
      }
      if let declared {
        if !typed.type.isAssignable(to: declared) {
          report("cannot convert value of type '\(typed.type)' to specified type '\(declared)'", at: value.range)
        } else {
          typed = converted(typed, to: declared)
        }
      }
      guard let bind = bindPattern(pattern, typed.type, mutable: mutable) else { return nil }
      let code = typed.code
      return { f in
        try bind(f, try code(f))
        return .normal
      }
    case .assignment(let target, let op, let value):
      return compileAssignment(target, op, value, range)
    case .ifElse(let condition, let then, let otherwise):
      let test = compileCondition(condition, what: "'if' condition")
      let thenCode = inScope { c in c.compileBlock(then) }
      var elseCode: Execution? = { _ in .normal }
      if let otherwise { elseCode = inScope { c in c.compileBlock(otherwise) } }
      guard let test, let thenCode, let elseCode else { return nil }
      return { f in try test(f) ? try thenCode(f) : try elseCode(f) }
    case .forIn(let pattern, let sequence, let body):
      return compileFor(pattern, sequence, body, range)
    case .whileLoop(let condition, let body):
      let test = compileCondition(condition, what: "'while' condition")
      let code = loopBody(body)
      guard let test, let code else { return nil }
      return { f in
        while try test(f) {
          try f.machine.tick(range)
          switch try code(f) {
          case .breakLoop: return .normal
          case .returned: return .returned
          case .normal, .continueLoop: continue
          }
        }
        return .normal
      }
    case .repeatWhile(let body, let condition):
      let code = loopBody(body)
      let test = compileCondition(condition, what: "'repeat … while' condition")
      guard let test, let code else { return nil }
      return { f in
        repeat {
          try f.machine.tick(range)
          switch try code(f) {
          case .breakLoop: return .normal
          case .returned: return .returned
          case .normal, .continueLoop: break
          }
        } while try test(f)
        return .normal
      }
    case .ifLet(let name, let value, let then, let otherwise):
      let wrapped = optionalBindingType(value)
      var store: ((Frame, Value) -> Void)?
      let thenCode: Execution? = inScope { c in
        store = c.define(name, wrapped?.type ?? .any, mutable: false)?.store()
        return c.compileBlock(then)
      }
      var elseCode: Execution? = { _ in .normal }
      if let otherwise { elseCode = inScope { c in c.compileBlock(otherwise) } }
      guard let wrapped, let store, let thenCode, let elseCode else { return nil }
      let code = wrapped.code
      return { f in
        let v = try code(f)
        if case .nilValue = v { return try elseCode(f) }
        store(f, v)
        return try thenCode(f)
      }
    case .guardLet(let name, let value, let otherwise):
      let wrapped = optionalBindingType(value)
      let elseCode = inScope { c in c.compileBlock(otherwise) }
      if !Self.leavesScope(otherwise) {
        report("'guard' body must not fall through; end it with 'return', 'break' or 'continue'", at: range)
      }
      let store = define(name, wrapped?.type ?? .any, mutable: false)?.store()
      guard let wrapped, let store, let elseCode else { return nil }
      let code = wrapped.code
      return { f in
        let v = try code(f)
        if case .nilValue = v { return try elseCode(f) }
        store(f, v)
        return .normal
      }
    case .guardElse(let condition, let otherwise):
      let test = compileCondition(condition, what: "'guard' condition")
      let elseCode = inScope { c in c.compileBlock(otherwise) }
      if !Self.leavesScope(otherwise) {
        report("'guard' body must not fall through; end it with 'return', 'break' or 'continue'", at: range)
      }
      guard let test, let elseCode else { return nil }
      return { f in try test(f) ? .normal : try elseCode(f) }
    case .switchCases(let subject, let cases):
      return compileSwitch(subject, cases, range)
    case .breakLoop:
      return leavingLoop("'break' is only allowed inside a loop or a switch", range, .breakLoop)
    case .continueLoop:
      return leavingLoop("'continue' is only allowed inside a loop", range, .continueLoop)
    case .returnValue(let value):
      return compileReturn(value, range)
    case .function(let declaration):
      return compileFunction(declaration, range)
    case .expression(let e):
      guard let typed = infer(e) else { return nil }
      if typed.type != .void && typed.type != .any { warnUnused(e, typed.type) }
      let code = typed.code
      return { f in
        _ = try code(f)
        return .normal
      }
    }
  }

  /// `break` or `continue`: the flow it leaves with, or an error outside a loop.
  mutating func leavingLoop(_ error: String, _ range: SourceRange, _ flow: Flow) -> Execution? {
    if loopDepth == 0 {
      report(error, at: range)
      return nil
    }
    return { _ in flow }
  }

  /// The statements of a block, in their own scope, as one execution (stops at the first
  /// `break`, `continue` or `return`).
  mutating func compileBlock(_ statements: [Statement]) -> Execution? {
    var codes: [Step] = []
    var failed = false
    for s in statements {
      if let code = compile(s) { codes.append(Step(run: code)) } else { failed = true }
    }
    if failed { return nil }
    switch codes.count {
    case 0: return { _ in .normal }
    case 1: return codes[0].run
    case 2:
      let (a, b) = (codes[0].run, codes[1].run)
      return { f in
        let flow = try a(f)
        if case .normal = flow { return try b(f) }
        return flow
      }
    default:
      return { f in
        for code in codes {
          let flow = try code.run(f)
          if case .normal = flow { continue }
          return flow
        }
        return .normal
      }
    }
  }

  /// A loop's body: its own scope, with `break` and `continue` allowed.
  mutating func loopBody(_ body: [Statement]) -> Execution? {
    loopDepth += 1
    defer { loopDepth -= 1 }
    return inScope { c in c.compileBlock(body) }
  }

  /// A condition: a `Bool`.
  mutating func compileCondition(_ e: Expression, what: String) -> ((Frame) throws -> Bool)? {
    // (not `.map`: a closure returned through generic code is called through thunks)
    guard let condition = inferCondition(e, what: what) else { return nil }
    return Self.test(condition, at: e.range)
  }

  /// A condition's typed code, checked to be a `Bool`.
  mutating func inferCondition(_ e: Expression, what: String) -> Typed? {
    guard let typed = infer(e, expected: .bool) else { return nil }
    if !typed.type.isAssignable(to: .bool) {
      report("\(what) must be 'Bool', but this is '\(typed.type)'", at: e.range)
      return nil
    }
    return typed
  }

  /// The test of a condition (`range`: where it is written).
  static func test(_ condition: Typed, at range: SourceRange) -> (Frame) throws -> Bool {
    if let comparison = condition.comparison {
      return { f in try comparison.holds(f, range) }
    }
    let code = condition.code
    return { f in
      guard case .bool(let b) = try code(f) else { throw Diagnostic.error("condition must be a Bool", at: range) }
      return b
    }
  }

  /// The value of `if let` / `guard let`, typed as what it holds when it is not nil.
  mutating func optionalBindingType(_ value: Expression) -> Typed? {
    guard let typed = infer(value) else { return nil }
    switch typed.type {
    case .optional(let wrapped): return Typed(type: wrapped, code: typed.code)
    case .any: return typed
    default:
      report("initializer for conditional binding must have Optional type, not '\(typed.type)'", at: value.range)
      return nil
    }
  }

  /// Whether a block always leaves its scope (its last statement returns, breaks or continues).
  static func leavesScope(_ statements: [Statement]) -> Bool {
    guard let last = statements.last else { return false }
    switch last.kind {
    case .returnValue, .breakLoop, .continueLoop: return true
    case .ifElse(_, let then, let otherwise?): return leavesScope(then) && leavesScope(otherwise)
    case .switchCases(_, let cases):
      return cases.contains { if case .default = $0.label { return true }; return false } && cases.allSatisfy { leavesScope($0.body) }
    default: return false
    }
  }

  mutating func compileFor(_ pattern: Pattern, _ sequence: Expression, _ body: [Statement], _ range: SourceRange) -> Execution? {
    var element: ValueType = .any
    let typed = infer(sequence)
    if let type = typed?.type {
      if let e = type.elementType { element = e } else {
        report("for-in loop requires an array or a range, but '\(type)' is neither", at: sequence.range)
      }
    }
    var bindCode: ((Frame, Value) throws -> Void)?
    let bodyCode: Execution? = inScope { c in
      bindCode = c.bindPattern(pattern, element, mutable: false)
      return c.loopBody(body)
    }
    guard let typed, let bindCode, let bodyCode else { return nil }
    let sequenceCode = typed.code
    let sequenceRange = sequence.range
    return { f in
      let seq = try sequenceCode(f)
      // Ranges are walked lazily: `for i in 0..<1_000_000_000 {}` is stopped by the time limit, not by memory.
      if let r = seq.integerRange {
        for i in r {
          try f.machine.tick(range)
          try bindCode(f, .int(i))
          switch try bodyCode(f) {
          case .breakLoop: return .normal
          case .returned: return .returned
          case .normal, .continueLoop: continue
          }
        }
        return .normal
      }
      let items: [Value]
      switch seq {
      case .array(let array): items = array
      case .dictionary(let d): items = zip(d.keys, d.values).map { .tuple(TupleValue([$0.value, $1], labels: ["key", "value"])) }
      default: throw Diagnostic.error("for-in loop requires an array or a range, got '\(seq.type)'", at: sequenceRange)
      }
      for item in items {
        try f.machine.tick(range)
        try bindCode(f, item)
        switch try bodyCode(f) {
        case .breakLoop: return .normal
        case .returned: return .returned
        case .normal, .continueLoop: continue
        }
      }
      return .normal
    }
  }

  /// Binds the names of `pattern` to the parts of a value of type `type`; returns the code
  /// that stores them (nil after an error).
  mutating func bindPattern(_ pattern: Pattern, _ type: ValueType, mutable: Bool) -> ((Frame, Value) throws -> Void)? {
    switch pattern {
    case .name(let name):
      guard let location = define(name, type, mutable: mutable) else { return nil }
      let store = location.store()
      return { f, v in store(f, v) }
    case .wildcard:
      return { _, _ in }
    case .tuple(let items, let range):
      var elementTypes = [ValueType](repeating: .any, count: items.count)
      switch type {
      case .tuple(let types, _) where types.count == items.count: elementTypes = types
      case .any: break
      default:
        report("cannot destructure a value of type '\(type)' into \(items.count) names", at: range)
        for name in pattern.names { define(name, .any, mutable: mutable) }
        return nil
      }
      var parts: [(Frame, Value) throws -> Void] = []
      for (item, t) in zip(items, elementTypes) {
        guard let part = bindPattern(item, t, mutable: mutable) else { return nil }
        parts.append(part)
      }
      let count = items.count
      return { f, v in
        guard case .tuple(let t) = v, t.values.count == count else {
          throw Diagnostic.error("cannot destructure '\(v.type)' into \(count) names", at: range)
        }
        for (part, value) in zip(parts, t.values) { try part(f, value) }
      }
    }
  }
}
