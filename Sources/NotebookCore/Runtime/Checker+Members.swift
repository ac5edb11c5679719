/// Members (`x.count`, `pair.0`, `Activation.relu`), implicit members (`.topK(k: 8)`) and
/// subscripts (`xs[3]`, `xs[1..<4]`, `m[i, j]`, `d["key"]`).
extension Checker {
  mutating func inferMember(_ base: Expression, _ name: Identifier, _ range: SourceRange, expected: ValueType?) -> Typed? {
    guard let b = infer(base) else { return nil }
    let baseCode = b.code
    switch b.type {
    case .namespace(let ns):
      if registry.functions["\(ns).\(name.name)"] != nil {
        report("'\(ns).\(name.name)' is a function; call it with '\(ns).\(name.name)(…)'", at: range)
      } else {
        report("'\(ns)' has no member '\(name.name)'", at: name.range)
      }
      return nil
    case .metatype(let type):
      return inferImplicitMember(name, nil, range, expected: type)
    case .any:
      let registry = self.registry
      return Typed(type: .any, code: { f in
        let value = try baseCode(f)
        if case .tuple(let t) = value, let index = Self.tupleIndex(name.name, t.labels) { return t.values[index] }
        guard let property = registry.property(name.name, on: value.type) else {
          throw Diagnostic.error("value of type '\(value.type)' has no member '\(name.name)'", at: name.range)
        }
        return try invoke(range) { try property.get(value) }
      })
    case .tuple(let types, let labels):
      guard let index = Self.tupleIndex(name.name, labels) else {
        report("value of tuple type '\(b.type)' has no member '\(name.name)'", at: name.range)
        return nil
      }
      return Typed(type: types[index], code: { f in
        guard case .tuple(let t) = try baseCode(f) else { throw Diagnostic.error("not a tuple", at: range) }
        return t.values[index]
      })
    default: break
    }
    if let p = registry.property(name.name, on: b.type) {
      let get = p.get
      return Typed(type: p.resultType?(b.type) ?? p.type, code: { f in
        let value = try baseCode(f)
        return try invoke(range) { try get(value) }
      })
    }
    if registry.method(name.name, on: b.type) != nil {
      report("'\(name.name)' is a method of '\(b.type)'; call it with '.\(name.name)(…)'", at: name.range)
      return nil
    }
    let suggestion = Suggestions.closest(name.name, among: registry.memberNames(of: b.type))
    report("value of type '\(b.type)' has no member '\(name.name)'", at: name.range,
           notes: suggestion.map { ["did you mean '\($0)'?"] } ?? [])
    return nil
  }

  /// The element of a tuple named by `label` or by its position (`0`, `1`, …).
  static func tupleIndex(_ name: String, _ labels: [String?]) -> Int? {
    if let i = labels.firstIndex(where: { $0 == name }) { return i }
    if let i = Int(name), labels.indices.contains(i) { return i }
    return nil
  }

  mutating func inferImplicitMember(
    _ name: Identifier, _ arguments: [Argument]?, _ range: SourceRange, expected: ValueType?
  ) -> Typed? {
    var target = expected
    if case .optional(let wrapped)? = expected { target = wrapped }
    guard let expected = target, expected != .any else {
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
    return compileBuiltinCall(b, arguments ?? [], callRange: range, receiver: nil)
  }

  mutating func inferSubscript(_ base: Expression, _ arguments: [Argument], _ range: SourceRange) -> Typed? {
    guard let b = infer(base) else { return nil }
    if case .dictionary(let k, let v) = b.type {
      guard arguments.count == 1, arguments[0].label == nil else {
        report("a dictionary is subscripted with one key", at: range)
        return nil
      }
      guard let key = infer(arguments[0].value, expected: k) else { return nil }
      if !key.type.isAssignable(to: k) {
        report("cannot subscript a dictionary with keys of type '\(k)' with '\(key.type)'", at: arguments[0].value.range)
        return nil
      }
      let (baseCode, keyCode) = (b.code, key.code)
      let keyRange = arguments[0].value.range
      return Typed(type: .optional(v), code: { f in
        guard case .dictionary(let d) = try baseCode(f) else { throw Diagnostic.error("not a dictionary", at: range) }
        let keyValue = try keyCode(f)
        guard let hashed = DictionaryKey(keyValue) else { throw Diagnostic.error("'\(keyValue.type)' cannot be a dictionary key", at: keyRange) }
        return d[hashed] ?? .nilValue
      })
    }
    var indices: [Typed] = []
    for a in arguments {
      if let label = a.label { report("subscripts take no argument labels", at: label.range) }
      guard let t = infer(a.value) else { continue }
      if !(t.type.isAssignable(to: .int) || t.type == .range || t.type == .array(.int)) {
        report("subscript index must be 'Int', but this is '\(t.type)'", at: a.value.range)
      }
      indices.append(t)
    }
    guard indices.count == arguments.count else { return nil }
    let slicing = indices.contains { $0.type == .range || $0.type == .array(.int) }
    let type: ValueType
    switch b.type {
    case .array(let element) where arguments.count == 1: type = slicing ? b.type : element
    case .range where arguments.count == 1: type = slicing ? .array(.int) : .int
    case .string where arguments.count == 1 && slicing: type = .string
    case .matrix where arguments.count == 2: type = slicing ? .matrix : .double
    case .matrix where arguments.count == 1: type = slicing ? .matrix : .array(.double)
    case .any: type = .any
    default:
      report("value of type '\(b.type)' cannot be subscripted with \(arguments.count) index(es)", at: range)
      return nil
    }
    let baseCode = b.code, codes = indices.map { Code(run: $0.code) }
    if codes.count == 1 {  // `xs[i]`: an element read without an index array
      let index = codes[0].run
      return Typed(type: type, code: { f in
        let base = try baseCode(f), i = try index(f)
        if case .array(let items) = base, case .int(let k) = i, k >= 0 && k < items.count { return items[k] }
        return try Subscripts.get(base, [i], arguments, range)
      })
    }
    return Typed(type: type, code: { f in
      let base = try baseCode(f)
      var values: [Value] = []
      for code in codes { values.append(try code.run(f)) }
      return try Subscripts.get(base, values, arguments, range)
    })
  }
}
