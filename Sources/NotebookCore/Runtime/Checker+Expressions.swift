/// A checked expression: its static type and its code.
struct Typed {
  var type: ValueType
  var code: Evaluation
  /// Where the value is when it is a constant or a variable: fast paths fetch it directly
  /// instead of calling `code`.
  var source: ValueSource? = nil
  /// For a Bool comparison of Ints: the comparison itself, so a condition need not box its result.
  var comparison: IntComparison? = nil
  /// For some Int expressions (arithmetic, `? :`, calls of functions that return an Int): the
  /// value unboxed, so that Int code built from Int code passes Ints, not ``Value``s.
  var int: IntCode? = nil
  /// For `n + c`, `n - c` (`n` an Int variable of the running frame, `c` a constant): the
  /// slot and what is added, so that an Int operand computes it in place (``IntOperand/offset``).
  var offset: (slot: Int, by: Int)? = nil

  static func constant(_ type: ValueType, _ value: Value) -> Typed {
    Typed(type: type, code: { _ in value }, source: .constant(value))
  }
}

/// A value known at compile time, or the slot a variable lives in.
enum ValueSource {
  case constant(Value)
  case location(Location)
}

/// Type inference and compilation of expressions. Returns nil after reporting an error, so
/// that one mistake produces one diagnostic, not a cascade.
extension Checker {
  mutating func infer(_ e: Expression, expected: ValueType? = nil) -> Typed? {
    switch e.kind {
    case .integer(let i):
      if expected == .double || expected == .optional(.double) { return .constant(.double, .double(Double(i))) }
      return .constant(.int, .int(i))
    case .double(let d): return .constant(.double, .double(d))
    case .boolean(let b): return .constant(.bool, .bool(b))
    case .string(let segments): return inferString(segments, range: e.range)
    case .identifier(let name):
      return inferIdentifier(name, e.range)
    case .array(let items):
      return inferArray(items, expected: expected)
    case .unary(let op, let operand):
      guard let t = infer(operand, expected: expected == .double ? .double : nil) else { return nil }
      switch op {
      case .not where t.type == .bool || t.type == .any, .negate where Self.isNumeric(t.type), .plus where Self.isNumeric(t.type):
        let code = t.code, range = e.range
        if op == .plus { return t }
        return Typed(type: t.type, code: { f in try Operators.unary(op, try code(f), at: range) })
      case .negate where t.type == .matrix:
        let code = t.code, range = e.range
        return Typed(type: .matrix, code: { f in try Operators.binary(.multiply, .double(-1), try code(f), at: range) })
      default:
        report("unary operator '\(op.rawValue)' cannot be applied to an operand of type '\(t.type)'", at: e.range)
        return nil
      }
    case .binary(let op, let lhs, let rhs):
      return inferBinary(op, lhs, rhs, e.range, expected: expected)
    case .call(let callee, let arguments):
      return inferCall(callee, arguments, e.range, expected: expected)
    case .member(let base, let name):
      return inferMember(base, name, e.range, expected: expected)
    case .implicitMember(let name, let arguments):
      return inferImplicitMember(name, arguments, e.range, expected: expected)
    case .subscripted(let base, let arguments):
      return inferSubscript(base, arguments, e.range)
    case .parenthesized(let inner):
      return infer(inner, expected: expected)
    case .ternary(let c, let a, let b):
      let condition = inferCondition(c, what: "ternary condition")
      guard let x = infer(a, expected: expected), let y = infer(b, expected: expected ?? x.type), let condition else { return nil }
      let test = Self.test(condition, at: c.range)
      guard let type = ValueType.join(x.type, y.type) else {
        report("result values in '? :' expression have mismatching types '\(x.type)' and '\(y.type)'", at: e.range)
        return nil
      }
      let (l, r) = (converted(x, to: type).code, converted(y, to: type).code)
      var typed = Typed(type: type, code: { f in try test(f) ? try l(f) : try r(f) })
      if type == .int && x.type == .int && y.type == .int {
        let (p, q) = (IntOperand(x), IntOperand(y))
        let range = e.range
        if let comparison = condition.comparison {  // (`n < 2 ? n : …`: no closure for the test)
          typed.int = IntCode { f in
            try comparison.holds(f, range) ? try p.value(f, or: Self.notInt("'? :'", range)) : try q.value(f, or: Self.notInt("'? :'", range))
          }
        } else {
          typed.int = IntCode { f in try test(f) ? try p.value(f, or: Self.notInt("'? :'", range)) : try q.value(f, or: Self.notInt("'? :'", range)) }
        }
      }
      return typed
    case .tuple(let elements):
      var expectedItems: [ValueType]?
      if case .tuple(let types, _)? = expected, types.count == elements.count { expectedItems = types }
      var typed: [Typed] = []
      for (k, element) in elements.enumerated() {
        guard let t = infer(element.value, expected: expectedItems?[k]) else { return nil }
        typed.append(t)
      }
      let labels = elements.map { $0.label?.name }
      let codes = zip(typed, elements).map { Code(run: nestingChecked($0.code, into: $0.type, at: $1.value.range)) }
      return Typed(type: .tuple(typed.map(\.type), labels: labels),
                   code: { f in .tuple(TupleValue(try codes.map { try $0.run(f) }, labels: labels)) })
    case .dictionary(let entries):
      return inferDictionary(entries, e.range, expected: expected)
    case .nilLiteral:
      if case .optional? = expected { return .constant(expected!, .nilValue) }
      if expected == .any { return .constant(.any, .nilValue) }
      return .constant(.optional(.any), .nilValue)
    case .closure(let literal):
      return inferClosure(literal, e.range, expected: expected)
    }
  }

  /// The error for a value the checker typed as an Int that is not one (a checker mistake).
  @inline(never) static func notInt(_ what: String, _ range: SourceRange) -> Diagnostic {
    .error("\(what) needs an Int here", at: range)
  }

  static func isNumeric(_ t: ValueType) -> Bool { t == .int || t == .double || t == .any }

  /// `typed` as a value of `target`: Int values become Doubles where Doubles are expected
  /// (literals are converted when checked; this covers variables and array elements).
  func converted(_ typed: Typed, to target: ValueType) -> Typed {
    let code = typed.code
    switch (typed.type, target) {
    case (.int, .double), (.array(.int), .array(.double)):
      return Typed(type: target, code: { f in Value.converted(try code(f), to: target) })
    default:
      let type = target == .any || typed.type.isAssignable(to: target) && Self.isOpen(typed.type) ? target : typed.type
      return Typed(type: type, code: code, int: type == .int ? typed.int : nil, offset: type == .int ? typed.offset : nil)
    }
  }

  /// A type that says less than what it is assigned to (`[Any]` to `[Int]`, `nil` to `Int?`).
  static func isOpen(_ t: ValueType) -> Bool {
    switch t {
    case .any, .optional(.any), .array(.any), .dictionary(.any, .any): return true
    default: return false
    }
  }

  mutating func inferString(_ segments: [StringSegment], range: SourceRange) -> Typed? {
    var parts: [Code] = []
    var failed = false
    for segment in segments {
      switch segment {
      case .text(let t): parts.append(Code(run: { _ in .string(t) }))
      case .interpolation(let inner):
        guard let typed = infer(inner) else { failed = true; continue }
        if typed.type == .void { report("cannot interpolate an expression that returns nothing", at: inner.range) }
        parts.append(Code(run: typed.code))
      }
    }
    if failed { return nil }
    return Typed(type: .string, code: { f in
      var text = ""
      for part in parts {
        let piece = try part.run(f).text
        try Operators.checkStringLength(text.utf8.count + piece.utf8.count, at: range)
        text += piece
      }
      return .string(text)
    })
  }

  mutating func inferIdentifier(_ name: String, _ range: SourceRange) -> Typed? {
    if let b = lookup(name) {
      let place = location(of: b)
      return Typed(type: b.type, code: place.load(), source: .location(place))
    }
    if let anonymous = anonymousParameter(name, range) { return anonymous }
    if registry.namespaces[name] != nil { return .constant(.namespace(name), .namespace(name)) }
    if let type = namedType(name) { return .constant(.metatype(type), .metatype(type)) }
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
      scopes.flatMap(\.keys) + Array(registry.functions.keys.filter { !$0.contains(".") && !$0.contains("(") })
      + Array(registry.namespaces.keys)
    let suggestion = Suggestions.closest(name, among: candidates)
    report("cannot find '\(name)' in scope", at: range, notes: suggestion.map { ["did you mean '\($0)'?"] } ?? [])
    return nil
  }

  mutating func inferArray(_ items: [Expression], expected: ValueType?) -> Typed? {
    var expectedElement: ValueType? = {
      if case .array(let t)? = expected { return t }
      return expected == .any ? .any : nil  // anything goes where Any is expected
    }()
    // `[.topK(k: 2), .relu(l1: 0.1)]` with nothing expected: the one type that has these members.
    if expectedElement == nil, let first = items.first, case .implicitMember(let name, _) = first.kind {
      expectedElement = registry.uniqueTypeWithImplicitMember(name.name)
    }
    var element: ValueType?
    var typed: [Typed] = []
    for item in items {
      guard let t = infer(item, expected: expectedElement ?? element) else { return nil }
      typed.append(t)
      guard let current = element else { element = t.type; continue }
      guard let joined = ValueType.join(current, t.type) else {
        if expectedElement == .any { element = .any; continue }
        report("array elements must have one type; found '\(current)' and '\(t.type)'", at: item.range)
        return nil
      }
      element = joined
    }
    let type = element ?? expectedElement ?? .any
    let codes = zip(typed, items).map { Code(run: nestingChecked(converted($0, to: type).code, into: type, at: $1.range)) }
    return Typed(type: .array(type), code: { f in
      var values: [Value] = []
      values.reserveCapacity(codes.count)
      for code in codes { values.append(try code.run(f)) }
      return .array(values)
    })
  }

  mutating func inferDictionary(_ entries: [DictionaryEntry], _ range: SourceRange, expected: ValueType?) -> Typed? {
    var keyType: ValueType?, valueType: ValueType?
    if case .dictionary(let k, let v)? = expected { (keyType, valueType) = (k, v) }
    if entries.isEmpty {
      guard let keyType, let valueType else {
        report("empty dictionary literal requires an explicit type", at: range,
               notes: ["write 'var d: [String: Double] = [:]'"])
        return nil
      }
      return .constant(.dictionary(keyType, valueType), .dictionary(DictionaryValue()))
    }
    var codes: [(Evaluation, Evaluation, SourceRange, SourceRange)] = []
    var k: ValueType?, v: ValueType?
    for entry in entries {
      guard let key = infer(entry.key, expected: keyType ?? k), let value = infer(entry.value, expected: valueType ?? v) else { return nil }
      if !Self.hashableTypes.contains(key.type) {
        report("dictionary keys must be Int, Double, Bool or String, but this is '\(key.type)'", at: entry.key.range)
        return nil
      }
      guard let jk = k.map({ ValueType.join($0, key.type) }) ?? key.type,
            let jv = v.map({ ValueType.join($0, value.type) }) ?? value.type else {
        report("dictionary entries must have one key type and one value type", at: entry.key.range.union(entry.value.range))
        return nil
      }
      (k, v) = (jk, jv)
      codes.append((key.code, value.code, entry.key.range, entry.value.range))
    }
    let type = ValueType.dictionary(keyType ?? k!, valueType ?? v!)
    let checked = codes.map { key, value, keyRange, valueRange in
      (key, nestingChecked(value, into: valueType ?? v!, at: valueRange), keyRange)
    }
    return Typed(type: type, code: { f in
      var d = DictionaryValue()
      for (key, value, keyRange) in checked {
        let keyValue = try key(f)
        guard let hashed = DictionaryKey(keyValue) else { throw Diagnostic.error("'\(keyValue.type)' cannot be a dictionary key", at: keyRange) }
        if d[hashed] != nil { throw Diagnostic.error("dictionary literal has the key \(keyValue.literalDescription) twice", at: keyRange) }
        d.set(hashed, try value(f))
      }
      return .dictionary(d)
    })
  }

  /// `code` for a value that becomes an element of type `elementType`, refusing one that would
  /// nest too deep (``Value/maximumNesting``): checked at run time only where the type leaves
  /// room for that (an `Any` inside, or a type already that deep).
  func nestingChecked(_ code: @escaping Evaluation, into elementType: ValueType, at range: SourceRange) -> Evaluation {
    if let depth = elementType.nestingDepth, depth < Value.maximumNesting { return code }
    return { f in
      let value = try code(f)
      try value.checkNesting(asElement: true, at: range)
      return value
    }
  }

  static let hashableTypes: Set<ValueType> = [.int, .double, .bool, .string, .any]

  mutating func inferBinary(_ op: BinaryOperator, _ lhs: Expression, _ rhs: Expression, _ range: SourceRange,
                            expected: ValueType?) -> Typed? {
    let numericHint: ValueType? = expected == .double ? .double : nil
    if op == .nilCoalescing {
      guard let l = infer(lhs) else { return nil }
      guard case .optional(let wrapped) = l.type else {
        report("left side of '??' must be optional, but this is '\(l.type)'", at: lhs.range)
        return nil
      }
      guard let r = infer(rhs, expected: wrapped), let type = ValueType.join(wrapped == .any ? r.type : wrapped, r.type) else {
        report("'??' needs a default of type '\(wrapped)'", at: rhs.range)
        return nil
      }
      let (a, b) = (l.code, r.code)
      return Typed(type: type, code: { f in
        let v = try a(f)
        if case .nilValue = v { return try b(f) }
        return v
      })
    }
    guard let l = infer(lhs, expected: numericHint),
          let r = infer(rhs, expected: numericHint ?? (l.type == .double ? .double : (Self.isNumeric(l.type) ? nil : l.type))) else {
      return nil
    }
    guard let type = binaryType(op, l.type, r.type) else {
      report("binary operator '\(op.rawValue)' cannot be applied to operands of type '\(l.type)' and '\(r.type)'", at: range)
      return nil
    }
    let (a, b) = (l.code, r.code)
    if op == .and || op == .or {  // short-circuit
      let isAnd = op == .and
      return Typed(type: .bool, code: { f in
        guard case .bool(let x) = try a(f) else { throw Diagnostic.error("'\(op.rawValue)' needs Bool operands", at: range) }
        if isAnd != x { return .bool(x) }
        guard case .bool(let y) = try b(f) else { throw Diagnostic.error("'\(op.rawValue)' needs Bool operands", at: range) }
        return .bool(y)
      })
    }
    if l.type == .int && r.type == .int, let fast = Operators.integerCode(op, l, r, range) { return fast }
    return Typed(type: type, code: { f in try Operators.binary(op, try a(f), try b(f), at: range) })
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
      if l == .matrix || r == .matrix {
        if op == .remainder { return nil }
        if l == .matrix && r == .matrix { return op == .divide ? nil : .matrix }
        let scalar = l == .matrix ? r : l
        guard scalar == .int || scalar == .double else { return nil }
        return (op == .multiply || (op == .divide && l == .matrix)) ? .matrix : nil
      }
      guard numeric.contains(l) && numeric.contains(r) else { return nil }
      if l == .any || r == .any { return .any }
      if op == .remainder && (l == .double || r == .double) { return nil }
      return l == .int && r == .int ? .int : .double
    case .halfOpenRange, .closedRange:
      return (l == .int || l == .any) && (r == .int || r == .any) ? .range : nil
    case .equal, .notEqual:
      if case .optional = l { return .bool }
      if case .optional = r { return .bool }
      return ValueType.join(l, r) != nil ? .bool : nil
    case .less, .lessOrEqual, .greater, .greaterOrEqual:
      if numeric.contains(l) && numeric.contains(r) { return .bool }
      return (l == .string && r == .string) ? .bool : nil
    case .and, .or:
      return (l == .bool || l == .any) && (r == .bool || r == .any) ? .bool : nil
    case .nilCoalescing:
      return nil
    }
  }
}
