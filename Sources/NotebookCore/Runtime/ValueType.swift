/// Static types of the cell language, used by the checker and the registry.
public indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
  case int, double, bool, string
  case array(ValueType)
  /// `0..<n` or `a...b` over Int.
  case range
  case matrix
  /// A named record type with fields (see ``RecordType``): datasets, metrics, histories.
  case record(String)
  /// A trained sparse autoencoder.
  case sae
  /// An SAE activation choice such as `.topK(k: 32)`.
  case activation
  /// A loaded transformer (MiniLM).
  case model
  /// Activations of a model on a corpus, with token provenance.
  case activations
  case table
  case figure
  /// A namespace of builtins such as `plot` or `synthetic`.
  case namespace(String)
  /// `(Int, label: String)`: two or more elements, each with an optional label.
  case tuple([ValueType], labels: [String?])
  /// `[String: Double]`, iterated in insertion order.
  case dictionary(ValueType, ValueType)
  /// `Int?`: a value or `nil` (what `first`, `min()` and dictionary lookups return).
  case optional(ValueType)
  /// `(Int, Double) -> Bool`: a `func` or a closure.
  case function([ValueType], ValueType)
  /// The name of a type used as a value: `Activation` in `Activation.topK(k: 2)`.
  case metatype(ValueType)
  /// No value (statements, `print`).
  case void
  /// Anything: checked at run time (e.g. the elements of `[]`).
  case any

  public var description: String {
    switch self {
    case .int: return "Int"
    case .double: return "Double"
    case .bool: return "Bool"
    case .string: return "String"
    case .array(let e): return "[\(e)]"
    case .range: return "Range"
    case .matrix: return "Matrix"
    case .record(let name): return name
    case .sae: return "SAE"
    case .activation: return "Activation"
    case .model: return "Model"
    case .activations: return "Activations"
    case .table: return "Table"
    case .figure: return "Figure"
    case .namespace(let name): return "namespace '\(name)'"
    case .tuple(let items, let labels):
      return "(" + zip(items, labels).map { ($1.map { "\($0): " } ?? "") + $0.description }.joined(separator: ", ") + ")"
    case .dictionary(let k, let v): return "[\(k): \(v)]"
    case .optional(let t):
      if case .function = t { return "(\(t))?" }
      return "\(t)?"
    case .function(let parameters, let result): return "(" + parameters.map(\.description).joined(separator: ", ") + ") -> \(result)"
    case .metatype(let t): return "\(t).Type"
    case .void: return "Void"
    case .any: return "Any"
    }
  }

  /// Whether a value of type `self` may be passed where `target` is expected:
  /// equal types, anything to/from `Any`, Int where Double is expected, and
  /// arrays element-wise.
  public func isAssignable(to target: ValueType) -> Bool {
    if self == target || target == .any || self == .any { return true }
    switch (self, target) {
    case (.int, .double): return true
    case (.array(let a), .array(let b)): return a.isAssignable(to: b)
    case (.range, .array(let b)): return ValueType.int.isAssignable(to: b)
    case (.dictionary(let k, let v), .dictionary(let k2, let v2)): return k.isAssignable(to: k2) && v.isAssignable(to: v2)
    case (.optional(let a), .optional(let b)): return a.isAssignable(to: b)
    case (_, .optional(let b)): return isAssignable(to: b)
    case (.tuple(let a, let la), .tuple(let b, let lb)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.isAssignable(to: $1) }
        && zip(la, lb).allSatisfy { $0 == nil || $1 == nil || $0 == $1 }
    case (.function(let pa, let ra), .function(let pb, let rb)):
      return pa.count == pb.count && zip(pb, pa).allSatisfy { $0.isAssignable(to: $1) } && ra.isAssignable(to: rb)
    default: return false
    }
  }

  /// How deep values of this type nest (0 for a scalar, 1 for `[Int]`, 2 for `[[Int]]`), or nil
  /// where an `Any` inside lets a value nest deeper than its type says (`[Any]` holding `[[Any]]`).
  var nestingDepth: Int? {
    switch self {
    case .any: return nil
    case .array(let t), .dictionary(_, let t): return t.nestingDepth.map { $0 + 1 }
    case .optional(let t): return t.nestingDepth
    case .tuple(let items, _):
      var deepest = 0
      for item in items {
        guard let d = item.nestingDepth else { return nil }
        deepest = max(deepest, d)
      }
      return deepest + 1
    case .record, .table: return nil  // (fields and cells are checked as they are filled)
    default: return 0
    }
  }

  /// The element type when iterating with `for … in`, or nil.
  public var elementType: ValueType? {
    switch self {
    case .array(let e): return e
    case .range: return .int
    case .dictionary(let k, let v): return .tuple([k, v], labels: ["key", "value"])
    case .any: return .any
    default: return nil
    }
  }

  /// The common type of two branches or array elements, if any.
  public static func join(_ a: ValueType, _ b: ValueType) -> ValueType? {
    if a == b { return a }
    if a == .any || b == .any { return .any }
    if (a == .int && b == .double) || (a == .double && b == .int) { return .double }
    if case .array(let x) = a, case .array(let y) = b, let e = join(x, y) { return .array(e) }
    if case .optional(let x) = a {
      if case .optional(let y) = b { return join(x, y).map { .optional($0) } }
      return join(x, b).map { .optional($0) }
    }
    if case .optional(let y) = b { return join(a, y).map { .optional($0) } }
    if case .dictionary(let k, let v) = a, case .dictionary(let k2, let v2) = b, let k3 = join(k, k2), let v3 = join(v, v2) {
      return .dictionary(k3, v3)
    }
    if case .tuple(let x, let lx) = a, case .tuple(let y, let ly) = b, x.count == y.count, lx == ly {
      let items = zip(x, y).map { join($0, $1) }
      if items.allSatisfy({ $0 != nil }) { return .tuple(items.map { $0! }, labels: lx) }
    }
    return nil
  }
}
