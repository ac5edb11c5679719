/// Type names in annotations and as values (`Activation.topK(k: 2)`), assignment and `switch`.
extension Checker {
  /// The types cells can name: the value kinds of the registry, and its record types.
  static let typeNames: [String: ValueType] = [
    "Int": .int, "Double": .double, "Bool": .bool, "String": .string, "Range": .range, "Matrix": .matrix,
    "SAE": .sae, "Activation": .activation, "Model": .model, "Activations": .activations, "Table": .table,
    "Figure": .figure, "Any": .any, "Void": .void,
  ]

  func namedType(_ name: String) -> ValueType? {
    if let t = Self.typeNames[name] { return t }
    if registry.recordTypes[name] != nil { return .record(name) }
    return nil
  }

  /// The type an annotation names (nil after reporting an unknown name).
  mutating func resolveType(_ syntax: TypeSyntax) -> ValueType? {
    switch syntax.kind {
    case .named(let name):
      if let t = namedType(name) { return t }
      let candidates = Array(Self.typeNames.keys) + Array(registry.recordTypes.keys)
      let suggestion = Suggestions.closest(name, among: candidates)
      report("cannot find type '\(name)' in scope", at: syntax.range, notes: suggestion.map { ["did you mean '\($0)'?"] } ?? [])
      return nil
    case .array(let e): return resolveType(e).map { .array($0) }
    case .optional(let t): return resolveType(t).map { .optional($0) }
    case .dictionary(let k, let v):
      guard let key = resolveType(k), let value = resolveType(v) else { return nil }
      if !Self.hashableTypes.contains(key) {
        report("dictionary keys must be Int, Double, Bool or String, not '\(key)'", at: k.range)
        return nil
      }
      return .dictionary(key, value)
    case .tuple(let items, let labels):
      let types = items.compactMap { resolveType($0) }
      return types.count == items.count ? .tuple(types, labels: labels) : nil
    case .function(let parameters, let result):
      let types = parameters.compactMap { resolveType($0) }
      guard types.count == parameters.count, let r = resolveType(result) else { return nil }
      return .function(types, r)
    }
  }

  mutating func compileAssignment(_ target: Expression, _ op: AssignmentOperator, _ value: Expression, _ range: SourceRange) -> Execution? {
    switch target.kind {
    case .identifier(let name):
      guard let binding = lookup(name) else {
        _ = infer(value)
        _ = infer(target)  // reports the unknown name
        return nil
      }
      let valueTyped = infer(value, expected: op == .assign ? binding.type : (binding.type == .double ? .double : nil))
      if !binding.mutable {
        report("cannot assign to value: '\(name)' is a 'let' constant", at: target.range,
               notes: [constantNote(name, binding)])
        return nil
      }
      guard let valueTyped else { return nil }
      let location = self.location(of: binding)
      if op == .assign {
        if !valueTyped.type.isAssignable(to: binding.type) {
          report("cannot assign value of type '\(valueTyped.type)' to '\(name)' of type '\(binding.type)'", at: value.range)
          return nil
        }
        let code = converted(valueTyped, to: binding.type).code, store = location.store()
        return { f in
          store(f, try code(f))
          return .normal
        }
      }
      guard let result = binaryType(op.binary, binding.type, valueTyped.type), result.isAssignable(to: binding.type) else {
        report("operator '\(op.rawValue)' cannot be applied to '\(binding.type)' and '\(valueTyped.type)'", at: value.range)
        return nil
      }
      let load = location.load(), store = location.store(), code = valueTyped.code, binary = op.binary
      if binding.type == .int && valueTyped.type == .int,
         let fast = Operators.integerCode(binary, Typed(type: .int, code: load, source: .location(location)), valueTyped, range)?.code {
        return { f in
          store(f, try fast(f))
          return .normal
        }
      }
      if binary == .add, case .array = binding.type {
        let update = location.update()
        return { f in
          let extra = try code(f)
          try update(f) { v in
            guard case .array(var items) = v, case .array(let more) = extra else { v = try Operators.binary(.add, v, extra, at: range); return }
            v = .void
            items.append(contentsOf: more)
            v = .array(items)
          }
          return .normal
        }
      }
      return { f in
        store(f, try Operators.binary(binary, load(f), try code(f), at: range))
        return .normal
      }
    case .subscripted(let base, let arguments):
      guard case .identifier(let name) = base.kind, let binding = lookup(name) else {
        report("only elements of a 'var' array or dictionary can be assigned", at: target.range)
        return nil
      }
      if !binding.mutable {
        report("cannot assign through subscript: '\(name)' is a 'let' constant", at: base.range)
      }
      guard let element = infer(target) else { _ = infer(value); return nil }
      var elementType = element.type
      if case .dictionary(_, let v) = binding.type { elementType = v }
      guard let valueTyped = infer(value, expected: elementType) else { return nil }
      if !valueTyped.type.isAssignable(to: elementType) && !(op == .assign && valueTyped.type == .optional(.any)) {
        report("cannot assign value of type '\(valueTyped.type)' to an element of type '\(elementType)'", at: value.range)
        return nil
      }
      guard binding.mutable, arguments.count == 1, let index = infer(arguments[0].value) else { return nil }
      let update = location(of: binding).update(), indexCode = index.code
      let code = nestingChecked(converted(valueTyped, to: elementType).code, into: elementType, at: value.range)
      let indexRange = arguments[0].value.range
      return { f in
        let i = try indexCode(f), newValue = try code(f)
        try update(f) { container in
          switch container {
          case .array(var items):
            guard case .int(let k) = i else { throw Diagnostic.error("index must be an Int", at: indexRange) }
            guard items.indices.contains(k) else {
              throw Diagnostic.error("index \(k) out of range for an array of \(items.count) elements", at: indexRange)
            }
            container = .void
            items[k] = op == .assign ? newValue : try Operators.binary(op.binary, items[k], newValue, at: range)
            container = .array(items)
          case .dictionary(var d):
            guard let key = DictionaryKey(i) else { throw Diagnostic.error("'\(i.type)' cannot be a dictionary key", at: indexRange) }
            container = .void
            if op == .assign {
              if case .nilValue = newValue { d.set(key, nil) } else { d.set(key, newValue) }
            } else {
              guard let old = d[key] else { throw Diagnostic.error("the dictionary has no key \(i.literalDescription)", at: indexRange) }
              d.set(key, try Operators.binary(op.binary, old, newValue, at: range))
            }
            container = .dictionary(d)
          default:
            throw Diagnostic.error("'\(name)' cannot be assigned through a subscript", at: base.range)
          }
        }
        return .normal
      }
    default:
      report("cannot assign to this expression; only variables and array elements can be assigned", at: target.range)
      return nil
    }
  }

  mutating func compileSwitch(_ subject: Expression, _ cases: [SwitchCase], _ range: SourceRange) -> Execution? {
    guard let s = infer(subject) else { return nil }
    var compiled: [(matches: (Frame, Value) throws -> Bool, body: Execution)] = []
    var failed = false
    var exhaustive = false
    for c in cases {
      let result: ((Frame, Value) throws -> Bool, Execution)? = inScope { checker in
        var matches: ((Frame, Value) throws -> Bool)?
        switch c.label {
        case .default:
          matches = { _, _ in true }
          exhaustive = true
        case .values(let values):
          var tests: [(Frame, Value) throws -> Bool] = []
          for v in values {
            guard let t = checker.infer(v, expected: s.type) else { return nil }
            let code = t.code, valueRange = v.range
            if t.type == .range && (s.type == .int || s.type == .any) {
              tests.append { f, x in
                guard case .int(let i) = x, let r = try code(f).integerRange else { return false }
                return r.contains(i)
              }
            } else if ValueType.join(t.type, s.type) != nil {
              tests.append { f, x in
                if case .bool(let b) = try Operators.binary(.equal, x, try code(f), at: valueRange) { return b }
                return false
              }
            } else {
              checker.report("expression pattern of type '\(t.type)' cannot match values of type '\(s.type)'", at: v.range)
              return nil
            }
          }
          matches = { f, x in try tests.contains { try $0(f, x) } }
        case .binding(let pattern, let condition):
          guard let bind = checker.bindPattern(pattern, s.type, mutable: false) else { return nil }
          if let condition {
            guard let test = checker.compileCondition(condition, what: "'where' clause") else { return nil }
            matches = { f, x in
              try bind(f, x)
              return try test(f)
            }
          } else {
            exhaustive = true
            matches = { f, x in
              try bind(f, x)
              return true
            }
          }
        }
        checker.loopDepth += 1  // `break` leaves the switch
        defer { checker.loopDepth -= 1 }
        guard let matches, let body = checker.compileBlock(c.body) else { return nil }
        return (matches, body)
      }
      if let result { compiled.append(result) } else { failed = true }
    }
    if !exhaustive {
      report("switch must be exhaustive", at: range, notes: ["add a 'default:' case"])
      return nil
    }
    if failed { return nil }
    let code = s.code
    return { f in
      let x = try code(f)
      for (matches, body) in compiled where try matches(f, x) {
        let flow = try body(f)
        if case .breakLoop = flow { return .normal }
        return flow
      }
      return .normal
    }
  }
}

extension AssignmentOperator {
  var binary: BinaryOperator {
    switch self {
    case .assign, .add: return .add
    case .subtract: return .subtract
    case .multiply: return .multiply
    case .divide: return .divide
    }
  }
}
