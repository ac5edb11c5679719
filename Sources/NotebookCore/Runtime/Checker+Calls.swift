/// Calls: builtins (bound to their registry entries, arguments matched once, here), methods,
/// cell functions and closures.
extension Checker {
  mutating func inferCall(
    _ callee: Expression, _ arguments: [Argument], _ range: SourceRange, expected: ValueType?
  ) -> Typed? {
    switch callee.kind {
    case .identifier(let name):
      if let b = lookup(name) {
        guard case .function = b.type else {
          if b.type == .any { return dynamicCall(Typed(type: .any, code: location(of: b).load()), arguments, range) }
          report("cannot call value of non-function type '\(b.type)'", at: callee.range)
          return nil
        }
        let place = location(of: b)
        return compileFunctionCall(Typed(type: b.type, code: place.load(), source: .location(place)), name: name,
                                   signature: b.signature, arguments, range)
      }
      if let anonymous = anonymousParameter(name, callee.range) {
        return compileFunctionCall(anonymous, name: name, signature: nil, arguments, range)
      }
      guard let b = registry.function(name, firstLabel: arguments.first?.label?.name) else {
        if let type = namedType(name) {
          report("'\(type)' cannot be constructed with '\(name)(…)'", at: callee.range)
          return nil
        }
        let suggestion = Suggestions.closest(name, among: registry.functions.keys.filter { !$0.contains(".") && !$0.contains("(") })
        report(
          "cannot find function '\(name)' in scope", at: callee.range,
          notes: suggestion.map { ["did you mean '\($0)'?"] } ?? [])
        inferLoosely(arguments)
        return nil
      }
      return compileBuiltinCall(b, arguments, callRange: range, receiver: nil)
    case .member(let base, let name):
      guard let receiver = infer(base) else { return nil }
      switch receiver.type {
      case .namespace(let ns):
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
        return compileBuiltinCall(b, arguments, callRange: range, receiver: nil)
      case .metatype(let type):
        return inferImplicitMember(name, arguments, range, expected: type)
      case .any:
        return dynamicMethodCall(receiver, name, arguments, range)
      default:
        guard let b = registry.method(name.name, on: receiver.type, firstLabel: arguments.first?.label?.name) else {
          if case .tuple(let types, let labels) = receiver.type, let i = Self.tupleIndex(name.name, labels), case .function = types[i] {
            let code = receiver.code
            let element = Typed(type: types[i], code: { f in
              guard case .tuple(let t) = try code(f) else { throw Diagnostic.error("not a tuple", at: range) }
              return t.values[i]
            })
            return compileFunctionCall(element, name: name.name, signature: nil, arguments, range)
          }
          let suggestion = Suggestions.closest(name.name, among: registry.memberNames(of: receiver.type))
          report("value of type '\(receiver.type)' has no method '\(name.name)'", at: name.range,
                 notes: suggestion.map { ["did you mean '\($0)'?"] } ?? [])
          return nil
        }
        if b.mutating {
          return compileMutatingCall(b, base, receiver, name, arguments, range)
        }
        return compileBuiltinCall(b, arguments, callRange: range, receiver: receiver)
      }
    case .implicitMember(let name, nil):
      return inferImplicitMember(name, arguments, range, expected: expected)
    case .array(let items) where items.count == 1 && arguments.isEmpty:
      // `[Int]()`, `[Activation]()`: an empty array of that element type.
      if case .identifier(let name) = items[0].kind, lookup(name) == nil, let element = namedType(name) {
        return .constant(.array(element), .array([]))
      }
      report("this expression cannot be called", at: callee.range)
      return nil
    default:
      guard let f = infer(callee) else { return nil }
      if case .function = f.type { return compileFunctionCall(f, name: "function", signature: nil, arguments, range) }
      if f.type == .any { return dynamicCall(f, arguments, range) }
      report("this expression cannot be called", at: callee.range)
      return nil
    }
  }

  /// Checks the arguments of a call whose parameters are unknown, skipping
  /// implicit members (their type cannot be known, so no second error).
  mutating func inferLoosely(_ arguments: [Argument]) {
    for a in arguments {
      if case .implicitMember = a.value.kind { continue }
      if case .closure = a.value.kind { continue }
      _ = infer(a.value)
    }
  }

  /// Binds and type-checks the arguments of a builtin; returns the call's type and code.
  mutating func compileBuiltinCall(_ builtin: Builtin, _ arguments: [Argument], callRange: SourceRange, receiver: Typed?) -> Typed? {
    guard let (type, makeArguments, _) = compileArguments(builtin, arguments, callRange: callRange, receiverType: receiver?.type) else {
      return nil
    }
    let receiverCode = receiver?.code
    let implementation = builtin.implementation
    // `zip` and `enumerated` of `Any` elements nest a level deeper each time: their results are
    // checked where the type leaves room for that (see ``nestingChecked(_:into:at:)``).
    let checksNesting = type.nestingDepth.map { $0 > Value.maximumNesting } ?? true
    return Typed(type: type, code: { f in
      var args = try makeArguments(f)
      args.receiver = try receiverCode?(f)
      let context = f.machine.context
      let result = try invoke(callRange, ranges: args.ranges) { try implementation(args, context) }
      if checksNesting { try result.checkNesting(at: callRange) }
      return result
    })
  }

  /// The call's type and the code that builds its ``CallArguments`` (defaults filled in, no
  /// receiver): what a call and a mutating call share.
  mutating func compileArguments(_ builtin: Builtin, _ arguments: [Argument], callRange: SourceRange, receiverType: ValueType?)
    -> (type: ValueType, make: (Frame) throws -> CallArguments, codes: [Code?])?
  {
    guard let (types, codes, variadic) = checkArguments(arguments, of: builtin, callRange: callRange, receiver: receiverType) else {
      return nil
    }
    let type: ValueType
    if builtin.mutating {
      type = .void
    } else if let resultType = builtin.resultType, let receiverType {
      type = resultType(receiverType, types)
    } else {
      type = builtin.returnType?(types) ?? builtin.returns
    }
    var constants: [String: Value] = [:]
    var ranges: [String: SourceRange] = [:]
    var evaluated: [(String, Code)] = []
    for (p, param) in builtin.parameters.enumerated() {
      if let code = codes[p] {
        evaluated.append((param.name, Code(run: code.code)))
        ranges[param.name] = code.range
      } else if let d = param.defaultValue {
        switch d {
        case .value(let v): constants[param.name] = v
        case .notebookSeed: evaluated.append((param.name, Code(run: { f in .int(f.machine.context.seed) })))
        case .absent, .expression: break
        }
      }
    }
    let variadicCodes = variadic.map { Code(run: $0) }
    let parameterCodes = codes.map { $0.map { Code(run: $0.code) } }
    return (type, { f in
      var args = CallArguments(values: constants, ranges: ranges, callRange: callRange)
      for (name, code) in evaluated { args.values[name] = try code.run(f) }
      if !variadicCodes.isEmpty { args.variadic = try variadicCodes.map { try $0.run(f) } }
      return args
    }, parameterCodes)
  }

  /// Matches and checks arguments: the argument types in parameter order, each argument's code
  /// and range (nil: the default is used), and the variadic arguments' codes.
  mutating func checkArguments(_ arguments: [Argument], of builtin: Builtin, callRange: SourceRange, receiver: ValueType?)
    -> (types: [ValueType?], codes: [(code: Evaluation, range: SourceRange)?], variadic: [Evaluation])?
  {
    switch ArgumentBinding.bind(arguments, to: builtin, callRange: callRange) {
    case .failure(let d):
      diagnostics.append(d)
      // Still check the arguments, with the type of the parameter their label names.
      for a in arguments {
        let param = builtin.parameters.first { $0.label != nil && $0.label == a.label?.name }
        if param == nil, case .implicitMember = a.value.kind { continue }
        if case .closure = a.value.kind, param == nil { continue }
        _ = infer(a.value, expected: param?.type)
      }
      return nil
    case .success(let bound):
      var types = [ValueType?](repeating: nil, count: builtin.parameters.count)
      var codes = [(code: Evaluation, range: SourceRange)?](repeating: nil, count: builtin.parameters.count)
      var failed = false
      for (p, index) in bound.argumentIndex.enumerated() {
        guard let index else { continue }
        var param = builtin.parameters[p]
        if let refine = builtin.argumentTypes, let receiver, let refined = refine(receiver, types)[safe: p] ?? nil {
          param.type = refined
        }
        let arg = arguments[index].value
        var expected = param.type
        if arg.isIntegerLiteral, let receiver, let literal = builtin.literalTypes?(receiver)[safe: p] ?? nil { expected = literal }
        guard let t = infer(arg, expected: expected) else { failed = true; continue }
        types[p] = t.type
        if !t.type.isAssignable(to: param.type) {
          report("cannot convert value of type '\(t.type)' to expected argument type '\(param.type)'", at: arg.range,
                 notes: ["parameter '\(param.label ?? param.name)' of \(builtin.signature)"])
          failed = true
        }
        codes[p] = (converted(t, to: param.type).code, arg.range)
      }
      var variadic: [Evaluation] = []
      if let last = builtin.parameters.last {
        for index in bound.variadic {
          guard let t = infer(arguments[index].value, expected: last.type == .any ? nil : last.type) else { failed = true; continue }
          if !t.type.isAssignable(to: last.type) {
            report(
              "cannot convert value of type '\(t.type)' to expected argument type '\(last.type)'",
              at: arguments[index].value.range)
            failed = true
          }
          variadic.append(t.code)
        }
      }
      return failed ? nil : (types, codes, variadic)
    }
  }

  /// `xs.append(v)` and other methods that change their receiver, a `var` variable: the new
  /// value is stored back; arrays are changed in place (no copy per `append`).
  mutating func compileMutatingCall(_ b: Builtin, _ base: Expression, _ receiver: Typed, _ name: Identifier,
                                    _ arguments: [Argument], _ range: SourceRange) -> Typed? {
    guard case .identifier(let variable) = base.kind, let binding = lookup(variable) else {
      report("'\(name.name)' changes its receiver, which must be a 'var' variable", at: base.range)
      inferLoosely(arguments)
      return nil
    }
    if !binding.mutable {
      report("cannot use mutating method '\(name.name)' on '\(variable)': it is a 'let' constant", at: base.range,
             notes: [constantNote(variable, binding)])
    }
    guard let (_, makeArguments, codes) = compileArguments(b, arguments, callRange: range, receiverType: receiver.type),
          binding.mutable else { return nil }
    let update = location(of: binding).update()
    if b.name == "append", case .array(let elementType) = receiver.type, let elementCode = codes.first ?? nil {
      // Appending in place: the array is uniquely referenced while it is out of its slot.
      let elementRun = nestingChecked(elementCode.run, into: elementType, at: arguments[0].value.range)
      return Typed(type: .void, code: { f in
        let element = Value.converted(try elementRun(f), to: elementType)
        try update(f) { v in
          guard case .array(var items) = v else { throw Diagnostic.error("'\(variable)' is not an array", at: base.range) }
          v = .void
          items.append(element)
          v = .array(items)
        }
        return .void
      })
    }
    // Other mutating methods: the implementation returns the new receiver.
    let implementation = b.implementation
    return Typed(type: .void, code: { f in
      var args = try makeArguments(f)
      try update(f) { v in
        args.receiver = v
        let context = f.machine.context
        v = try invoke(range, ranges: args.ranges) { try implementation(args, context) }
      }
      return .void
    })
  }

  /// A method call on a value whose type is only known at run time (`Any`).
  mutating func dynamicMethodCall(_ receiver: Typed, _ name: Identifier, _ arguments: [Argument], _ range: SourceRange) -> Typed? {
    var codes: [Evaluation?] = []
    for a in arguments {
      if case .implicitMember = a.value.kind { codes.append(nil); continue }
      codes.append(infer(a.value)?.code)
    }
    let registry = self.registry, receiverCode = receiver.code
    return Typed(type: .any, code: { f in
      let value = try receiverCode(f)
      guard let b = registry.method(name.name, on: value.type, firstLabel: arguments.first?.label?.name), !b.mutating else {
        throw Diagnostic.error("value of type '\(value.type)' has no method '\(name.name)'", at: name.range)
      }
      return try Self.applyDynamically(b, arguments, codes, receiver: value, f, range)
    })
  }

  /// Calls a function value whose type is only known at run time.
  mutating func dynamicCall(_ callee: Typed, _ arguments: [Argument], _ range: SourceRange) -> Typed? {
    let codes = arguments.compactMap { infer($0.value)?.code }
    guard codes.count == arguments.count else { return nil }
    let code = callee.code
    return Typed(type: .any, code: { f in
      guard case .function(let fn) = try code(f) else { throw Diagnostic.error("this value cannot be called", at: range) }
      return try Self.call(fn, try codes.map { try $0(f) }, range, f)
    })
  }

  /// Binds arguments at run time (only for receivers of type `Any`).
  static func applyDynamically(_ b: Builtin, _ arguments: [Argument], _ codes: [Evaluation?], receiver: Value?,
                               _ f: Frame, _ range: SourceRange) throws -> Value {
    let bound: ArgumentBinding.Bound
    switch ArgumentBinding.bind(arguments, to: b, callRange: range) {
    case .failure(let d): throw d
    case .success(let value): bound = value
    }
    var args = CallArguments(callRange: range, receiver: receiver)
    for (p, param) in b.parameters.enumerated() {
      if let index = bound.argumentIndex[p] {
        guard let code = codes[index] else { throw Diagnostic.error("cannot resolve this argument here", at: arguments[index].value.range) }
        args.values[param.name] = try code(f)
        args.ranges[param.name] = arguments[index].value.range
      } else if let d = param.defaultValue {
        switch d {
        case .value(let v): args.values[param.name] = v
        case .notebookSeed: args.values[param.name] = .int(f.machine.context.seed)
        case .absent, .expression: break
        }
      }
    }
    args.variadic = try bound.variadic.map { index in
      guard let code = codes[index] else { throw Diagnostic.error("cannot resolve this argument here", at: arguments[index].value.range) }
      return try code(f)
    }
    let context = f.machine.context
    let result = try invoke(range, ranges: args.ranges) { try b.implementation(args, context) }
    try result.checkNesting(at: range)  // (its type is only known now)
    return result
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
