import Foundation

/// Arrays and dictionaries as Swift has them: `map`, `filter`, `sorted`, `reduce`, `first`,
/// `min()`, `enumerated()`, `zip`, `stride`, … Closures are checked against the element type
/// (``Builtin/argumentTypes``) and the results typed from it (``Builtin/resultType``).
enum CollectionBuiltins {
  static func element(_ receiver: ValueType) -> ValueType {
    if case .array(let e) = receiver { return e }
    return receiver == .range ? .int : .any
  }

  static func items(_ args: CallArguments) throws -> [Value] {
    guard let receiver = args.receiver, let items = receiver.elements else { throw RuntimeError("expected an array") }
    return items
  }

  static func function(_ args: CallArguments, _ name: String) throws -> FunctionValue {
    guard case .function(let f)? = args.values[name] else { throw RuntimeError("'\(name)' must be a function", argument: name) }
    return f
  }

  static func truth(_ v: Value) throws -> Bool {
    guard case .bool(let b) = v else { throw RuntimeError("the closure must return a Bool, not '\(v.type)'") }
    return b
  }

  /// `a < b` for numbers and strings (what `sorted()`, `min()` and `max()` compare).
  static func less(_ a: Value, _ b: Value) throws -> Bool {
    switch (a, b) {
    case (.string(let x), .string(let y)): return x < y
    case (.int(let x), .int(let y)): return x < y
    case (.int, .double), (.double, .int), (.double, .double): return Operators.number(a) < Operators.number(b)
    default: throw RuntimeError("values of type '\(a.type)' and '\(b.type)' cannot be ordered")
    }
  }

  static func register(_ r: inout Registry) {
    let array = ValueType.array(.any)
    func method(_ name: String, _ parameters: [Parameter], returns: ValueType, doc: String,
                argumentTypes: (@Sendable (ValueType, [ValueType?]) -> [ValueType?])? = nil,
                resultType: (@Sendable (ValueType, [ValueType?]) -> ValueType)? = nil,
                literalTypes: (@Sendable (ValueType) -> [ValueType?])? = nil,
                _ body: @escaping Builtin.Implementation) {
      var b = Builtin(name, parameters, returns: returns, doc: doc, body)
      b.argumentTypes = argumentTypes
      b.resultType = resultType
      b.literalTypes = literalTypes
      r.addMethod(b, on: array)
    }
    let predicate = ValueType.function([.any], .bool)
    method("map", [.positional("transform", .function([.any], .any), "called with each element; returns the new element")],
           returns: array, doc: "The results of calling a closure on each element, in order: xs.map { $0 * 2 }.",
           argumentTypes: { receiver, _ in [.function([element(receiver)], .any)] },
           resultType: { _, types in
             if case .function(_, let result)? = types.first ?? nil { return .array(result) }
             return .array(.any)
           }) { args, _ in
      let f = try function(args, "transform")
      return .array(try items(args).map { try f.call([$0]) })
    }
    method("filter", [.positional("isIncluded", predicate, "true for the elements to keep")], returns: array,
           doc: "The elements for which a closure returns true, in order: xs.filter { $0 > 0 }.",
           argumentTypes: { receiver, _ in [.function([element(receiver)], .bool)] },
           resultType: { receiver, _ in receiver == .range ? .array(.int) : receiver }) { args, _ in
      let f = try function(args, "isIncluded")
      return .array(try items(args).filter { try truth(try f.call([$0])) })
    }
    method("sorted", [], returns: array, doc: "The elements in ascending order (numbers or strings); the sort is stable.",
           resultType: { receiver, _ in receiver == .range ? .array(.int) : receiver }) { args, _ in
      let xs = try items(args)
      return .array(try stableSorted(xs) { try less($0, $1) })
    }
    method("sorted", [.labeled("by", .function([.any, .any], .bool), "true when the first argument goes before the second")],
           returns: array, doc: "The elements ordered by a closure: xs.sorted(by: { $0 > $1 }); the sort is stable.",
           argumentTypes: { receiver, _ in [.function([element(receiver), element(receiver)], .bool)] },
           resultType: { receiver, _ in receiver == .range ? .array(.int) : receiver }) { args, _ in
      let f = try function(args, "by")
      return .array(try stableSorted(try items(args)) { try truth(try f.call([$0, $1])) })
    }
    method("reduce", [.positional("initial", .any, "the starting value"),
                      .positional("next", .function([.any, .any], .any), "combines the value so far with the next element")],
           returns: .any, doc: "Combines the elements into one value: xs.reduce(0) { $0 + $1 }.",
           argumentTypes: { receiver, earlier in
             let accumulator = (earlier.first ?? nil) ?? .any
             return [nil, .function([accumulator, element(receiver)], accumulator)]
           },
           resultType: { _, types in (types.first ?? nil) ?? .any },
           literalTypes: { receiver in [element(receiver) == .double ? .double : nil] }) { args, _ in
      let f = try function(args, "next")
      var value = args.values["initial"] ?? .void
      for x in try items(args) { value = try f.call([value, x]) }
      return value
    }
    method("contains", [.positional("element", .any, "the value to look for")], returns: .bool,
           doc: "Whether the array holds an element equal to the value.",
           argumentTypes: { receiver, _ in [element(receiver)] }) { args, context in
      let target = args.values["element"] ?? .void
      return .bool(try items(args).contains { try equal($0, target, args.callRange) })
    }
    method("contains", [.labeled("where", predicate, "true for a matching element")], returns: .bool,
           doc: "Whether a closure returns true for some element.",
           argumentTypes: { receiver, _ in [.function([element(receiver)], .bool)] }) { args, _ in
      let f = try function(args, "where")
      return .bool(try items(args).contains { try truth(try f.call([$0])) })
    }
    method("first", [.labeled("where", predicate, "true for the element wanted")], returns: .optional(.any),
           doc: "The first element for which a closure returns true, or nil.",
           argumentTypes: { receiver, _ in [.function([element(receiver)], .bool)] },
           resultType: { receiver, _ in .optional(element(receiver)) }) { args, _ in
      let f = try function(args, "where")
      return try items(args).first { try truth(try f.call([$0])) } ?? .nilValue
    }
    method("firstIndex", [.labeled("of", .any, "the value to look for")], returns: .optional(.int),
           doc: "The index of the first element equal to the value, or nil.",
           argumentTypes: { receiver, _ in [element(receiver)] }) { args, _ in
      let target = args.values["of"] ?? .void
      return try items(args).firstIndex { try equal($0, target, args.callRange) }.map { .int($0) } ?? .nilValue
    }
    for (name, pick) in [("min", true), ("max", false)] {
      method(name, [], returns: .optional(.any), doc: "The \(pick ? "smallest" : "largest") element (numbers or strings), or nil when empty.",
             resultType: { receiver, _ in .optional(element(receiver)) }) { args, _ in
        var best: Value?
        for x in try items(args) {
          guard let b = best else { best = x; continue }
          if pick ? try less(x, b) : try less(b, x) { best = x }
        }
        return best ?? .nilValue
      }
    }
    method("enumerated", [], returns: .array(.tuple([.int, .any], labels: ["offset", "element"])),
           doc: "(offset, element) pairs: for (i, x) in xs.enumerated() { … }.",
           resultType: { receiver, _ in .array(.tuple([.int, element(receiver)], labels: ["offset", "element"])) }) { args, _ in
      .array(try items(args).enumerated().map { .tuple(TupleValue([.int($0.offset), $0.element], labels: ["offset", "element"])) })
    }
    method("reversed", [], returns: array, doc: "The elements in reverse order.",
           resultType: { receiver, _ in receiver == .range ? .array(.int) : receiver }) { args, _ in
      .array(try items(args).reversed())
    }
    for (name, doc, pickFirst) in [("first", "The first element, or nil when empty.", true), ("last", "The last element, or nil when empty.", false)] {
      r.addProperty(Property(receiver: array, name: name, type: .optional(.any), doc: doc,
                             resultType: { .optional(element($0)) }) { v in
        guard let xs = v.elements else { return .nilValue }
        return (pickFirst ? xs.first : xs.last) ?? .nilValue
      })
    }
    r.addProperty(Property(receiver: array, name: "isEmpty", type: .bool, doc: "Whether the array has no elements.") { v in
      .bool((v.elementCount ?? 0) == 0)
    })
    registerDictionaries(&r)
    registerSequences(&r)
  }

  static func equal(_ a: Value, _ b: Value, _ range: SourceRange) throws -> Bool {
    if case .bool(let e) = try Operators.binary(.equal, a, b, at: range) { return e }
    return false
  }

  /// Merge sort: stable, and the comparison may throw (a closure's error stops the sort).
  static func stableSorted(_ xs: [Value], by less: (Value, Value) throws -> Bool) throws -> [Value] {
    if xs.count < 2 { return xs }
    let middle = xs.count / 2
    let a = try stableSorted(Array(xs[..<middle]), by: less), b = try stableSorted(Array(xs[middle...]), by: less)
    var out: [Value] = []
    out.reserveCapacity(xs.count)
    var i = 0, j = 0
    while i < a.count && j < b.count {
      if try less(b[j], a[i]) { out.append(b[j]); j += 1 } else { out.append(a[i]); i += 1 }
    }
    out += a[i...]
    out += b[j...]
    return out
  }

  static func registerDictionaries(_ r: inout Registry) {
    let dictionary = ValueType.dictionary(.any, .any)
    @Sendable func keyType(_ t: ValueType) -> ValueType { if case .dictionary(let k, _) = t { return k }; return .any }
    @Sendable func valueType(_ t: ValueType) -> ValueType { if case .dictionary(_, let v) = t { return v }; return .any }
    r.addProperty(Property(receiver: dictionary, name: "keys", type: .array(.any), doc: "The keys, in insertion order.",
                           resultType: { .array(keyType($0)) }) { v in
      guard case .dictionary(let d) = v else { return .array([]) }
      return .array(d.keys.map(\.value))
    })
    r.addProperty(Property(receiver: dictionary, name: "values", type: .array(.any), doc: "The values, in insertion order.",
                           resultType: { .array(valueType($0)) }) { v in
      guard case .dictionary(let d) = v else { return .array([]) }
      return .array(d.values)
    })
    r.addProperty(Property(receiver: dictionary, name: "count", type: .int, doc: "Number of entries.") { v in
      guard case .dictionary(let d) = v else { return .int(0) }
      return .int(d.count)
    })
    r.addProperty(Property(receiver: dictionary, name: "isEmpty", type: .bool, doc: "Whether the dictionary has no entries.") { v in
      guard case .dictionary(let d) = v else { return .bool(true) }
      return .bool(d.count == 0)
    })
  }

  static func registerSequences(_ r: inout Registry) {
    var zip = Builtin("zip", [.positional("a", .array(.any), "first sequence"), .positional("b", .array(.any), "second sequence")],
                      returns: .array(.tuple([.any, .any], labels: [nil, nil])),
                      doc: "Pairs of elements at the same position, as many as the shorter sequence has: for (x, y) in zip(xs, ys) { … }.") { args, _ in
      guard let a = args.values["a"]?.elements, let b = args.values["b"]?.elements else { throw RuntimeError("zip needs two arrays") }
      return .array(Swift.zip(a, b).map { .tuple(TupleValue([$0, $1])) })
    }
    zip.returnType = { types in
      .array(.tuple([element((types.first ?? nil) ?? .any), element((types.last ?? nil) ?? .any)], labels: [nil, nil]))
    }
    r.add(zip)
    r.add(Builtin("stride", [.labeled("from", .any, "the first value (Int or Double)"), .labeled("to", .any, "the end, not included"),
                             .labeled("by", .any, "the step (negative to count down)")],
                  returns: .array(.double), doc: "from, from + by, … up to (not including) to: stride(from: 0, to: 1, by: 0.25). Ints when all three are Ints.",
                  returnType: { types in types.allSatisfy { $0 == .int } ? .array(.int) : .array(.double) }) { args, _ in
      if case .int(let a)? = args.values["from"], case .int(let b)? = args.values["to"], case .int(let s)? = args.values["by"] {
        guard s != 0 else { throw RuntimeError("stride needs a step other than 0", argument: "by") }
        let count = s > 0 ? max(0, (b - a + s - 1) / s) : max(0, (a - b - s - 1) / -s)
        guard count <= Value.maximumMaterializedRange else { throw RuntimeError("stride of \(count) values is too long", argument: "by") }
        return .array(Array(Swift.stride(from: a, to: b, by: s)).map { .int($0) })
      }
      for name in ["from", "to", "by"] where !(args.values[name].map { Value.isNumber($0) } ?? false) {
        throw RuntimeError("'\(name)' must be an Int or a Double", argument: name)
      }
      let a = try args.double("from"), b = try args.double("to"), s = try args.double("by")
      guard s != 0, s.isFinite else { throw RuntimeError("stride needs a finite step other than 0", argument: "by") }
      guard abs((b - a) / s) <= Double(Value.maximumMaterializedRange) else { throw RuntimeError("stride is too long", argument: "by") }
      return .array(Array(Swift.stride(from: a, to: b, by: s)).map { .double($0) })
    })
  }
}
