/// The parameters of a `func` declared in a cell, for binding the labels of its calls with
/// the builtins' rules (``ArgumentBinding``).
struct UserFunctionSignature {
  /// A registry-shaped description of the parameters (defaults marked `.absent`).
  var descriptor: Builtin
  var parameterTypes: [ValueType]
}

/// `func` declarations, closures, `return` and calls of function values.
extension Checker {
  mutating func compileFunction(_ declaration: FunctionDeclaration, _ range: SourceRange) -> Execution? {
    let name = declaration.name
    if contexts.count > 1 || scopes.count > 1 {
      report("functions are declared at the top level of a cell", at: name.range,
             notes: ["use a closure for a function inside a block: let \(name.name) = { (x: Int) in … }"])
      return nil
    }
    var parameterTypes: [ValueType] = []
    var failed = false
    for p in declaration.parameters {
      if let t = resolveType(p.type) { parameterTypes.append(t) } else { parameterTypes.append(.any); failed = true }
    }
    var seen = Set<String>()
    for p in declaration.parameters where !seen.insert(p.name.name).inserted {
      report("invalid redeclaration of parameter '\(p.name.name)'", at: p.name.range)
      failed = true
    }
    let result = declaration.returnType.map { resolveType($0) ?? .any } ?? .void
    let type = ValueType.function(parameterTypes, result)
    let parameters = zip(declaration.parameters, parameterTypes).map { p, t in
      Parameter(label: p.label, name: p.name.name, type: t, defaultValue: p.defaultValue.map { .expression(Self.shortText($0)) }, doc: "")
    }
    let descriptor = Builtin(name.name, parameters, returns: result, doc: "") { _, _ in .void }
    // Defaults are evaluated where the function is declared, when a call leaves them out.
    var defaults: [Evaluation?] = []
    for (p, t) in zip(declaration.parameters, parameterTypes) {
      guard let d = p.defaultValue else { defaults.append(nil); continue }
      guard let typed = infer(d, expected: t) else { failed = true; defaults.append(nil); continue }
      if !typed.type.isAssignable(to: t) {
        report("default value of type '\(typed.type)' does not match the parameter type '\(t)'", at: d.range)
        failed = true
      }
      defaults.append(converted(typed, to: t).code)
    }
    guard let location = define(name, type, mutable: false,
                                signature: UserFunctionSignature(descriptor: descriptor, parameterTypes: parameterTypes)) else {
      return nil
    }
    var context = FunctionContext()
    context.returnType = result
    context.name = name.name
    // `func f(_ n: Int) -> Int { n * 2 }`: a body of one expression returns it (as in Swift).
    var statements = declaration.body
    if result != .void, statements.count == 1, case .expression(let e) = statements[0].kind {
      statements = [Statement(.returnValue(e), statements[0].range)]
    }
    let (body, slotCount) = compileBody(context, parameters: zip(declaration.parameters.map(\.name), parameterTypes).map { ($0, $1) }) {
      c -> FunctionBody? in
      // A body of one `return e`: calls take `e`'s value directly (unboxed, for an Int).
      if statements.count == 1, case .returnValue(let e?) = statements[0].kind {
        guard let value = c.returnedValue(e) else { return nil }
        return FunctionBody.returning(value)
      }
      guard let code = c.compileBlock(statements) else { return nil }
      return .statements(code)
    }
    if result != .void && !Self.leavesScope(statements) {
      report("missing return in function '\(name.name)' expected to return '\(result)'", at: range)
      failed = true
    }
    guard let body, !failed else { return nil }
    let store = location.store()
    let count = declaration.parameters.count
    let returnsValue = result != .void
    let functionName = name.name
    return { f in
      let function = Self.makeFunction(functionName, type, environment: f, slotCount: slotCount, parameterCount: count,
                                       defaults: defaults, returnsValue: returnsValue, body: body)
      store(f, .function(function))
      return .normal
    }
  }

  /// Compiles a body in a new function context whose first slots are the parameters; returns
  /// its code and the frame size it needs.
  mutating func compileBody(_ context: FunctionContext, parameters: [(Identifier, ValueType)],
                            _ body: (inout Checker) -> FunctionBody?) -> (FunctionBody?, Int) {
    contexts.append(context)
    let savedLoops = loopDepth
    loopDepth = 0
    defer {
      contexts.removeLast()
      loopDepth = savedLoops
    }
    let result: FunctionBody? = inScope { c in
      for (name, type) in parameters {
        c.scopes[c.scopes.count - 1][name.name] = Binding(type: type, mutable: false, range: name.range,
                                                          context: c.contexts.count - 1, slot: c.newSlot(for: nil))
      }
      return body(&c)
    }
    return (result, contexts[contexts.count - 1].slotCount)
  }

  /// A default value as the signature in a diagnostic shows it: literals and names as
  /// written, anything longer as `…`.
  static func shortText(_ e: Expression) -> String {
    switch e.kind {
    case .integer(let i): return "\(i)"
    case .double(let d): return "\(d)"
    case .boolean(let b): return "\(b)"
    case .identifier(let name): return name
    case .nilLiteral: return "nil"
    case .string(let segments) where segments.count <= 1:
      if case .text(let t)? = segments.first { return Expression.quoted(t) }
      return "\"\""
    case .unary(.negate, let inner): return "-" + shortText(inner)
    case .implicitMember(let name, nil): return "." + name.name
    default: return "…"
    }
  }

  /// A function value over `environment` (the frame it was made in).
  static func makeFunction(_ name: String, _ type: ValueType, environment: Frame, slotCount: Int, parameterCount: Int,
                           defaults: [Evaluation?], returnsValue: Bool, body: FunctionBody) -> FunctionValue {
    let compiled = CompiledFunction(name: name, environment: environment, slotCount: slotCount, parameterCount: parameterCount,
                                    defaults: defaults, returnsValue: returnsValue, body: body)
    return FunctionValue(name: name, type: type, compiled: compiled) { arguments in
      try compiled.run { frame in
        for k in 0..<parameterCount {
          if k < arguments.count, let v = arguments[k] {
            frame.slots[k] = v
          } else if k < defaults.count, let d = defaults[k] {
            frame.slots[k] = try d(environment)
          } else {
            throw RuntimeError("missing argument \(k + 1) in call to '\(name)'")
          }
        }
      }
    }
  }

  /// Calls a function value; its errors point at the call.
  static func call(_ fn: FunctionValue, _ arguments: [Value?], _ range: SourceRange, _ f: Frame) throws -> Value {
    do {
      return try fn.invoke(arguments)
    } catch let e as RuntimeError {
      throw Diagnostic.error(e.message, at: range)
    }
  }

  /// A call of a cell function (labels from its signature) or of a closure (positional).
  mutating func compileFunctionCall(_ callee: Typed, name: String, signature: UserFunctionSignature?,
                                    _ arguments: [Argument], _ range: SourceRange) -> Typed? {
    guard case .function(let parameterTypes, let result) = callee.type else { return nil }
    var typed = [Typed?](repeating: nil, count: parameterTypes.count)
    if let signature {
      switch ArgumentBinding.bind(arguments, to: signature.descriptor, callRange: range) {
      case .failure(let d):
        diagnostics.append(d)
        inferLoosely(arguments)
        return nil
      case .success(let bound):
        for (p, index) in bound.argumentIndex.enumerated() {
          guard let index else { continue }
          guard let t = argument(arguments[index].value, parameterTypes[p], name: signature.descriptor.parameters[p].name,
                                 signature: signature.descriptor.signature) else { return nil }
          typed[p] = t
        }
      }
    } else {
      if let labelled = arguments.first(where: { $0.label != nil }), let label = labelled.label {
        report("extraneous argument label '\(label.name):' in call: closures take no argument labels", at: label.range)
        return nil
      }
      guard arguments.count == parameterTypes.count else {
        report("'\(name)' takes \(parameterTypes.count) argument\(parameterTypes.count == 1 ? "" : "s"), but \(arguments.count) \(arguments.count == 1 ? "was" : "were") given",
               at: range, notes: ["its type: \(callee.type)"])
        inferLoosely(arguments)
        return nil
      }
      for (k, a) in arguments.enumerated() {
        guard let t = argument(a.value, parameterTypes[k], name: "\(k + 1)", signature: "\(callee.type)") else { return nil }
        typed[k] = t
      }
    }
    let calleeCode = callee.code
    if case .location(let place)? = callee.source, let slot = FunctionSlot(place, declared: signature != nil), typed.count <= 2,
       typed.allSatisfy({ $0 != nil }) {
      return Self.callByName(slot, name, typed.map { $0! }, result, range)
    }
    let arguments = typed.map { $0.map { Code(run: $0.code) } }
    return Typed(type: result, code: { f in
      guard case .function(let fn) = try calleeCode(f) else { throw Self.notAFunction(name, range) }
      // `fn` is held to the end (its `compiled` is read unowned), as in ``callByName``.
      return try withExtendedLifetime(fn) {
        if let reference = fn.compiled {
          // A cell's function: its arguments go straight into the new frame's slots.
          do {
            return try reference._withUnsafeGuaranteedRef { compiled in
              try compiled.run { frame in
                for k in 0..<arguments.count {
                  if let code = arguments[k] {
                    frame.slots[k] = try code.run(f)
                  } else if let d = compiled.defaults[k] {
                    frame.slots[k] = try d(compiled.environment)
                  }
                }
              }
            }
          } catch let e as RuntimeError {
            throw Diagnostic.error(e.message, at: range)
          }
        }
        var values = [Value?](repeating: nil, count: arguments.count)
        for (k, code) in arguments.enumerated() { if let code { values[k] = try code.run(f) } }
        return try Self.call(fn, values, range, f)
      }
    })
  }

  /// A call of a cell's function or closure by the name of a top-level variable or one of the
  /// running frame, with all of its 0, 1 or 2 arguments given (the common case, recursion
  /// included): the arguments go straight into the new frame's slots, with no array in
  /// between, Ints from unboxed code where they have it (``ArgumentCode``). A call whose type
  /// is Int also gets code that gives the Int unboxed (``Typed/int``).
  static func callByName(_ place: FunctionSlot, _ name: String, _ arguments: [Typed], _ result: ValueType, _ range: SourceRange) -> Typed {
    let given = arguments.map { ArgumentCode($0) }
    let code: Evaluation = callByName(place, name, given, range)
    guard result == .int else { return Typed(type: result, code: code) }
    return Typed(type: result, code: code, int: IntCode(run: callByName(place, name, given, range)))
  }

  /// The code of ``callByName(_:_:_:_:_:)`` giving a ``Value``.
  static func callByName(_ place: FunctionSlot, _ name: String, _ given: [ArgumentCode], _ range: SourceRange) -> Evaluation {
    // Written out per arity on purpose: a shared helper taking the argument stores as a
    // closure measured 1.4–1.5× slower on calls and recursion (`saekit-bench --language`).
    switch given.count {
    case 0: return { f in try callInPlace(place, f, given, name, range) { _ in } }
    case 1:
      let a0 = given[0]
      return { f in try callInPlace(place, f, given, name, range) { frame in frame.setParameter(0, try a0.value(f, name, range)) } }
    default:
      let (a0, a1) = (given[0], given[1])
      return { f in
        try callInPlace(place, f, given, name, range) { frame in
          frame.setParameter(0, try a0.value(f, name, range))
          frame.setParameter(1, try a1.value(f, name, range))
        }
      }
    }
  }

  /// The code of ``callByName(_:_:_:_:_:)`` giving the Int unboxed. (Its own closures, not
  /// the generic ``callInPlace`` returned as a closure: a closure made generic over its result is
  /// called through a reabstraction thunk, measured at 4% of `fib`.)
  static func callByName(_ place: FunctionSlot, _ name: String, _ given: [ArgumentCode], _ range: SourceRange) -> IntEvaluation {
    switch given.count {
    case 0: return { f in try callInPlace(place, f, given, name, range) { _ in } }
    case 1:
      let a0 = given[0]
      return { f in try callInPlace(place, f, given, name, range) { frame in frame.setParameter(0, try a0.value(f, name, range)) } }
    default:
      let (a0, a1) = (given[0], given[1])
      return { f in
        try callInPlace(place, f, given, name, range) { frame in
          frame.setParameter(0, try a0.value(f, name, range))
          frame.setParameter(1, try a1.value(f, name, range))
        }
      }
    }
  }

  /// One call: the function in the slot (held, so that its code stays alive even if the call
  /// assigns the slot; see ``FunctionSlot/withFunction(in:_:)``), a frame, the arguments into
  /// it (`setup`), the body; errors point at the call.
  @inline(__always) static func callInPlace<R: CallResult>(_ place: FunctionSlot, _ f: Frame, _ given: [ArgumentCode], _ name: String,
                                                      _ range: SourceRange, _ setup: (Frame) throws -> Void) throws -> R {
    let result: R? = try place.withFunction(in: f) { fn in
      guard let reference = fn.compiled else { return try fallback(fn, f, given, name, range) }
      do {
        return try reference._withUnsafeGuaranteedRef { compiled in
          let frame = try compiled.enter()
          defer { compiled.leave(frame) }
          try setup(frame)
          return try R.finish(compiled, frame)
        }
      } catch let e as RuntimeError { throw Diagnostic.error(e.message, at: range) }
    }
    guard let result else { throw Self.notAFunction(name, range) }
    return result
  }

  /// A call by name of a function value that is not a cell's (a builtin passed as a value).
  @inline(never) static func fallback<R: CallResult>(_ fn: FunctionValue, _ f: Frame, _ given: [ArgumentCode], _ name: String,
                                                     _ range: SourceRange) throws -> R {
    let value = try Self.call(fn, try given.map { try $0.value(f, name, range) }, range, f)
    do { return try R.taking(value, from: name) } catch let e as RuntimeError { throw Diagnostic.error(e.message, at: range) }
  }

  @inline(never) static func notAFunction(_ name: String, _ range: SourceRange) -> Diagnostic {
    .error("'\(name)' is not a function", at: range)
  }

  mutating func argument(_ e: Expression, _ type: ValueType, name: String, signature: String) -> Typed? {
    guard let t = infer(e, expected: type) else { return nil }
    if !t.type.isAssignable(to: type) {
      report("cannot convert value of type '\(t.type)' to expected argument type '\(type)'", at: e.range,
             notes: ["parameter '\(name)' of \(signature)"])
      return nil
    }
    return converted(t, to: type)
  }

  /// `{ x in … }`, `{ $0 * 2 }`: parameter types from the annotations or the expected function
  /// type; the result from the expected type, or the body (one expression: its type).
  mutating func inferClosure(_ literal: ClosureLiteral, _ range: SourceRange, expected: ValueType?) -> Typed? {
    var expectedParameters: [ValueType]?
    var expectedResult: ValueType?
    if case .function(let p, let r)? = expected { (expectedParameters, expectedResult) = (p, r) }
    var parameterTypes: [ValueType] = []
    var names: [Identifier] = []
    if let declared = literal.parameters {
      if let expectedParameters, expectedParameters.count != declared.count {
        report("contextual type '\(expected!)' expects \(expectedParameters.count) closure parameter\(expectedParameters.count == 1 ? "" : "s"), but \(declared.count) \(declared.count == 1 ? "was" : "were") written",
               at: range)
        return nil
      }
      for (k, p) in declared.enumerated() {
        if let annotation = p.type {
          guard let t = resolveType(annotation) else { return nil }
          parameterTypes.append(t)
        } else if let e = expectedParameters?[k], e != .any {
          parameterTypes.append(e)
        } else {
          report("cannot infer the type of closure parameter '\(p.name.name)'; annotate it: { (\(p.name.name): Double) in … }", at: p.name.range)
          return nil
        }
        names.append(p.name)
      }
    } else {
      let used = Self.anonymousParameterCount(literal.body)
      let count = expectedParameters?.count ?? used
      if used > count {
        report("closure uses '$\(used - 1)' but its contextual type '\(expected!)' has \(count) parameter\(count == 1 ? "" : "s")", at: range)
        return nil
      }
      guard let types = expectedParameters ?? (count == 0 ? [] : nil), !types.contains(.any) || count == 0 else {
        report("cannot infer the types of '$0' … here; write the parameters: { (x: Double) in … }", at: range)
        return nil
      }
      parameterTypes = types
    }
    var context = FunctionContext()
    context.isClosure = true
    context.returnType = literal.returnType.flatMap { resolveType($0) } ?? (expectedResult == .any ? nil : expectedResult)
    context.name = "closure"
    if literal.parameters == nil { context.anonymousParameters = parameterTypes.enumerated().map { ($0.offset, $0.element) } }
    // One expression: its value is the result (Swift's implicit return).
    let single: Expression? = {
      if literal.body.count == 1, case .expression(let e) = literal.body[0].kind { return e }
      return nil
    }()
    var resultType: ValueType = .void
    let (body, slotCount): (FunctionBody?, Int) = compileBody(context, parameters: zip(names, parameterTypes).map { ($0, $1) }) { c in
      if literal.parameters == nil {
        for _ in parameterTypes { _ = c.newSlot(for: nil) }  // $0, $1 … are the first slots
      }
      if let single {
        guard let typed = c.infer(single, expected: c.contexts.last!.returnType) else { return nil }
        resultType = c.contexts.last!.returnType.map { typed.type.isAssignable(to: $0) ? $0 : typed.type } ?? typed.type
        if let declared = c.contexts.last!.returnType, !typed.type.isAssignable(to: declared), declared != .void {
          c.report("cannot convert value of type '\(typed.type)' to closure result type '\(declared)'", at: single.range)
          return nil
        }
        return FunctionBody.returning(c.converted(typed, to: resultType))
      }
      let block = c.compileBlock(literal.body)
      let context = c.contexts.last!
      if let declared = context.returnType {
        resultType = declared
      } else {
        resultType = context.returnTypes.dropFirst().reduce(context.returnTypes.first ?? .void) { ValueType.join($0, $1) ?? .any }
      }
      guard let block else { return nil }
      return .statements(block)
    }
    guard let body else { return nil }
    let type = ValueType.function(parameterTypes, resultType)
    let count = parameterTypes.count
    let returnsValue = resultType != .void
    return Typed(type: type, code: { f in
      .function(Self.makeFunction("closure", type, environment: f, slotCount: max(slotCount, count), parameterCount: count,
                                  defaults: [], returnsValue: returnsValue, body: body))
    })
  }

  /// The number of anonymous parameters a closure body uses: one more than its highest `$n`
  /// (closures nested inside it have their own).
  static func anonymousParameterCount(_ body: [Statement]) -> Int {
    var highest = -1
    func visit(_ e: Expression) {
      switch e.kind {
      case .identifier(let name) where name.hasPrefix("$"):
        if let n = Int(name.dropFirst()) { highest = max(highest, n) }
      case .closure: break
      default: e.children.forEach(visit)
      }
    }
    for s in body { s.expressions.forEach(visit) }
    return highest + 1
  }

  /// `$0`, `$1` … inside a closure without named parameters.
  mutating func anonymousParameter(_ name: String, _ range: SourceRange) -> Typed? {
    guard name.hasPrefix("$"), let n = Int(name.dropFirst()) else { return nil }
    guard let c = contexts.lastIndex(where: { $0.anonymousParameters != nil }), let parameters = contexts[c].anonymousParameters,
          n < parameters.count else {
      report("anonymous closure argument '\(name)' is only allowed inside a closure that takes it", at: range)
      return Typed(type: .any, code: { _ in .void })
    }
    let depth = contexts.count - 1 - c
    return Typed(type: parameters[n].type, code: Location.local(depth: depth, slot: parameters[n].slot).load())
  }

  mutating func compileReturn(_ value: Expression?, _ range: SourceRange) -> Execution? {
    guard contexts.count > 1 else {
      report("'return' is only allowed inside a function or a closure", at: range,
             notes: ["the last expression of a cell is displayed"])
      return nil
    }
    let c = contexts.count - 1
    let declared = contexts[c].returnType
    guard let value else {
      if let declared, declared != .void {
        report("non-void function should return a value of type '\(declared)'", at: range)
        return nil
      }
      contexts[c].returnTypes.append(.void)
      return { f in
        f.setReturned(.void)
        return .returned
      }
    }
    guard let typed = returnedValue(value) else { return nil }
    return Self.returning(typed.code)
  }

  /// `return` of the value of `code`, as a statement.
  static func returning(_ code: @escaping Evaluation) -> Execution {
    { f in
      f.setReturned(try code(f))
      return .returned
    }
  }

  /// The value of `return value` in the current function or closure, checked against its
  /// return type and converted to it (or, with none declared, its type recorded).
  mutating func returnedValue(_ value: Expression) -> Typed? {
    let c = contexts.count - 1
    let declared = contexts[c].returnType
    guard let typed = infer(value, expected: declared) else { return nil }
    guard let declared else {
      contexts[c].returnTypes.append(typed.type)
      return typed
    }
    if declared == .void {
      report("unexpected non-void return value in a function that returns nothing", at: value.range)
      return nil
    }
    if !typed.type.isAssignable(to: declared) {
      report("cannot convert return expression of type '\(typed.type)' to return type '\(declared)'", at: value.range)
      return nil
    }
    return converted(typed, to: declared)
  }
}

/// Where a called function value is: a top-level slot, or a slot of the running frame.
enum FunctionSlot {
  case global(Int)
  case local(Int)
  /// The top-level slot of a `func` declared in a cell. Only a cell's top-level statement
  /// (a declaration, or a later cell binding the name again) writes such a slot, never code
  /// running inside a call, so the slot itself keeps the function alive for as long as any
  /// call through it runs: a call reads it without reference counting.
  case declared(Int)

  /// The slot of a variable at `location`, if a call can read it directly (not from an outer
  /// frame); `declared`: the variable is a `func` declared in a cell.
  init?(_ location: Location, declared: Bool) {
    switch location {
    case .global(let s): self = declared && Self.payloadIsFirstWord ? .declared(s) : .global(s)
    case .local(0, let s): self = .local(s)
    case .local: return nil
    }
  }

  /// Runs `body` with the function value in the slot (nil when the slot holds no function),
  /// held for the call: retained from a variable (a call may assign the variable), read in
  /// place from a declared function's slot.
  @inline(__always) func withFunction<R>(in f: Frame, _ body: (FunctionValue) throws -> R) rethrows -> R? {
    switch self {
    case .declared(let s):
      let slot = f.machine.globalSlots + s
      guard case .function = slot.pointee else { return nil }
      return try Unmanaged<FunctionValue>.fromOpaque(UnsafeRawPointer(slot).load(as: UnsafeRawPointer.self))
        ._withUnsafeGuaranteedRef(body)
    case .global(let s):
      if case .function(let fn) = f.machine.globalSlots[s] { return try withExtendedLifetime(fn) { try body(fn) } }
    case .local(let s):
      if case .function(let fn) = f.slots[s] { return try withExtendedLifetime(fn) { try body(fn) } }
    }
    return nil
  }

  /// Whether a ``Value/function(_:)`` keeps its reference in its first word, as the Swift ABI
  /// lays out an enum's payload (checked once here; without it, ``declared(_:)`` is not used).
  static let payloadIsFirstWord: Bool = {
    let fn = FunctionValue(name: "", type: .void) { _ in .void }
    var value = Value.function(fn)
    let first = withUnsafeBytes(of: &value) { $0.load(as: UInt.self) }
    return withExtendedLifetime(value) { first == UInt(bitPattern: Unmanaged.passUnretained(fn).toOpaque()) }
  }()
}
