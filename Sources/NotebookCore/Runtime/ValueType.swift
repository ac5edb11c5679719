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
    default: return false
    }
  }

  /// The element type when iterating with `for … in`, or nil.
  public var elementType: ValueType? {
    switch self {
    case .array(let e): return e
    case .range: return .int
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
    return nil
  }
}
