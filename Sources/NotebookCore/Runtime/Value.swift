import SAEKit

/// A runtime value of the cell language.
/// Large payloads (matrices, records, tables, figures, tuples, dictionaries, ranges) are boxed
/// (`indirect`) so that a `Value` stays two words: the interpreter copies values all the time.
public enum Value: Sendable {
  case int(Int)
  case double(Double)
  case bool(Bool)
  case string(String)
  case array([Value])
  /// `lower..<upper` (closed: false) or `lower...upper` (closed: true).
  indirect case range(lower: Int, upper: Int, closed: Bool)
  indirect case matrix(Matrix)
  indirect case record(Record)
  case sae(TrainedSAE)
  indirect case activation(ActivationKind)
  indirect case model(ModelValue)
  case activations(ActivationsValue)
  indirect case table(Table)
  indirect case figure(FigureValue)
  case namespace(String)
  case void
  /// `(1, "a")`, `(fvu: 0.1, l0: 8)`.
  indirect case tuple(TupleValue)
  /// `["a": 1.0]`: entries in insertion order.
  indirect case dictionary(DictionaryValue)
  /// `nil`.
  case nilValue
  /// A `func` or a closure.
  case function(FunctionValue)
  /// A type named as a value (`Activation`).
  indirect case metatype(ValueType)

  /// The value's static type (arrays take the join of their elements).
  public var type: ValueType {
    switch self {
    case .int: return .int
    case .double: return .double
    case .bool: return .bool
    case .string: return .string
    case .array(let items):
      guard let first = items.first?.type else { return .array(.any) }
      return .array(items.dropFirst().reduce(first) { ValueType.join($0, $1.type) ?? .any })
    case .range: return .range
    case .matrix: return .matrix
    case .record(let r): return .record(r.typeName)
    case .sae: return .sae
    case .activation: return .activation
    case .model: return .model
    case .activations: return .activations
    case .table: return .table
    case .figure: return .figure
    case .namespace(let n): return .namespace(n)
    case .void: return .void
    case .tuple(let t): return .tuple(t.values.map(\.type), labels: t.labels)
    case .dictionary(let d):
      let keys = d.keys.first.map { first in d.keys.dropFirst().reduce(first.value.type) { ValueType.join($0, $1.value.type) ?? .any } } ?? .any
      let values = d.values.first.map { first in d.values.dropFirst().reduce(first.type) { ValueType.join($0, $1.type) ?? .any } } ?? .any
      return .dictionary(keys, values)
    case .nilValue: return .optional(.any)
    case .function(let f): return f.type
    case .metatype(let t): return .metatype(t)
    }
  }

  /// `v` where a `target` is expected: Ints become Doubles where Doubles are (also inside
  /// an array); anything else is left as it is.
  static func converted(_ v: Value, to target: ValueType) -> Value {
    switch (v, target) {
    case (.int(let i), .double): return .double(Double(i))
    case (.array(let items), .array(.double)):
      return .array(items.map { if case .int(let i) = $0 { return .double(Double(i)) }; return $0 })
    default: return v
    }
  }

  /// An Int, Double, Bool, `()` or `nil`: a value that keeps nothing alive, so memory holding
  /// it may be overwritten without releasing it first.
  var ownsNothing: Bool {
    switch self {
    case .int, .double, .bool, .void, .nilValue: return true
    default: return false
    }
  }

  static func isNumber(_ v: Value) -> Bool {
    switch v {
    case .int, .double: return true
    default: return false
    }
  }

  /// The largest range turned into an array of values (`for` loops over
  /// ranges never build one, so they may be longer).
  static let maximumMaterializedRange = 10_000_000

  /// The elements of an array or range (nil for other values and for ranges
  /// longer than ``maximumMaterializedRange``).
  var elements: [Value]? {
    switch self {
    case .array(let items): return items
    case .range:
      guard let r = integerRange, r.count <= Value.maximumMaterializedRange else { return nil }
      return r.map { .int($0) }
    default: return nil
    }
  }

  /// The deepest values may nest (`[[[0]]]` is 3 deep): every walk over a value (display, the
  /// record's JSON, the cell cache, equality, even freeing it) recurses once per level, so a
  /// value built deeper in a loop (`a = [a]` with `a: [Any]`) would overflow the stack.
  static let maximumNesting = 100

  /// Whether the value nests more than `limit` deep (a walk that goes no deeper than `limit`).
  /// Arrays a value holds more than once (`a.append(a)` again and again) are walked once, so
  /// the walk is not exponential in the depth.
  func nests(deeperThan limit: Int) -> Bool {
    var cleared: [UnsafeRawPointer: Int] = [:]  // element buffers known to nest no deeper than the value
    return nests(deeperThan: limit, cleared: &cleared)
  }

  private func nests(deeperThan limit: Int, cleared: inout [UnsafeRawPointer: Int]) -> Bool {
    func deeper(_ children: [Value]) -> Bool {
      if limit <= 0 { return true }
      let buffer = children.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) }
      if let buffer, let known = cleared[buffer], known <= limit { return false }
      for child in children where child.nests(deeperThan: limit - 1, cleared: &cleared) { return true }
      if let buffer { cleared[buffer] = min(limit, cleared[buffer] ?? limit) }
      return false
    }
    switch self {
    case .array(let items): return deeper(items)
    case .tuple(let t): return deeper(t.values)
    case .dictionary(let d): return deeper(d.values)
    case .record(let r): return deeper(r.fields.map(\.value))
    case .table(let t): return limit <= 0 || t.rows.contains { Value.array($0).nests(deeperThan: limit - 1, cleared: &cleared) }
    default: return false
    }
  }

  /// Refuses a value that nests more than ``maximumNesting`` deep, or, as an element about to
  /// go into an array, dictionary or tuple, one that would make its container do so.
  func checkNesting(asElement: Bool = false, at range: SourceRange) throws {
    if nests(deeperThan: Value.maximumNesting - (asElement ? 1 : 0)) {
      throw Diagnostic.error(
        "values nested more than \(Value.maximumNesting) deep (arrays, dictionaries or tuples inside each other) are not supported: they could not be shown, stored or compared",
        at: range)
    }
  }

  /// A range's integers as a Swift range (empty when the bounds are reversed).
  var integerRange: Range<Int>? {
    guard case .range(let lo, let hi, let closed) = self else { return nil }
    let (upper, overflow) = closed ? hi.addingReportingOverflow(1) : (hi, false)
    let end = overflow ? Int.max : upper
    return lo < end ? lo..<end : lo..<lo
  }

  /// Number of elements of an array or range, without building the range.
  var elementCount: Int? {
    if let r = integerRange { return r.count }
    if case .array(let items) = self { return items.count }
    return nil
  }
}

/// A record: a named type with ordered fields (datasets, metrics, histories).
public struct Record: Sendable {
  public var typeName: String
  public var fields: [(name: String, value: Value)]
  public init(_ typeName: String, _ fields: [(name: String, value: Value)]) {
    self.typeName = typeName
    self.fields = fields
  }
  public subscript(name: String) -> Value? { fields.first { $0.name == name }?.value }
}

/// A table of values with column headers.
public struct Table: Sendable {
  public var headers: [String]
  public var rows: [[Value]]
  public init(headers: [String], rows: [[Value]]) {
    self.headers = headers
    self.rows = rows
  }
}

/// A trained SAE with its training record.
public final class TrainedSAE: @unchecked Sendable {
  public let model: SparseAutoencoder
  public let activation: ActivationKind
  public let history: TrainingHistory
  public let config: TrainingConfig
  public let seconds: Double
  /// The folder `loadSAE` read it from, unchanged since: the cell cache stores this reference
  /// instead of the weights (the cell's key already holds the folder's content hash).
  public let file: SAEFileReference?
  public init(model: SparseAutoencoder, activation: ActivationKind, history: TrainingHistory, config: TrainingConfig, seconds: Double,
              file: SAEFileReference? = nil) {
    self.model = model
    self.activation = activation
    self.history = history
    self.config = config
    self.seconds = seconds
    self.file = file
  }
}

/// Where a loaded SAE came from: the folder as the cell named it, and the scale and weight
/// residence it was loaded with.
public struct SAEFileReference: Sendable, Equatable {
  public var path: String
  public var scale: Float?
  public var weights: SAEWeightResidence = .auto
}

/// A figure made by a cell: its stable name (file stem) and its spec.
public struct FigureValue: Sendable {
  public var name: String
  public var spec: FigureSpec
  public init(name: String, spec: FigureSpec) {
    self.name = name
    self.spec = spec
  }
}

/// Activations taken from a model, with what is needed to show their tokens in context.
public final class ActivationsValue: @unchecked Sendable {
  public let set: ActivationSet
  public let layer: Int
  public let corpus: TextCorpus
  /// The model they were taken from (its vocabulary shows their tokens; the cell cache takes them again from it).
  public let model: ModelValue
  public var vocabulary: any TokenVocabulary { model.vocabulary }
  /// Whether they were read from the activation cache.
  public let cached: Bool
  /// How they were asked for (corpus path, "" for the default; tokens; maxLength), to take them again.
  public let request: (corpusPath: String, tokens: Int, maxLength: Int)
  public init(set: ActivationSet, layer: Int, corpus: TextCorpus, model: ModelValue, cached: Bool,
              request: (corpusPath: String, tokens: Int, maxLength: Int)) {
    self.set = set
    self.layer = layer
    self.corpus = corpus
    self.model = model
    self.cached = cached
    self.request = request
  }
}

/// A tuple's elements and their labels (nil: unlabelled).
public struct TupleValue: Sendable {
  public var values: [Value]
  public var labels: [String?]
  public init(_ values: [Value], labels: [String?]? = nil) {
    self.values = values
    self.labels = labels ?? Array(repeating: nil, count: values.count)
  }
}

/// A dictionary key: the hashable values (Int, Double, Bool, String).
public enum DictionaryKey: Hashable, Sendable {
  case int(Int), double(Double), bool(Bool), string(String)

  public init?(_ v: Value) {
    switch v {
    case .int(let i): self = .int(i)
    case .double(let d): self = .double(d)
    case .bool(let b): self = .bool(b)
    case .string(let s): self = .string(s)
    default: return nil
    }
  }

  public var value: Value {
    switch self {
    case .int(let i): return .int(i)
    case .double(let d): return .double(d)
    case .bool(let b): return .bool(b)
    case .string(let s): return .string(s)
    }
  }
}

/// A dictionary whose entries keep their insertion order (as Python's; Swift's own order is
/// unspecified, which would make reports differ from run to run).
public struct DictionaryValue: Sendable {
  public private(set) var keys: [DictionaryKey] = []
  public private(set) var values: [Value] = []
  private var index: [DictionaryKey: Int] = [:]

  public init() {}

  public subscript(key: DictionaryKey) -> Value? { index[key].map { values[$0] } }

  /// Sets `key` to `value` (nil removes it), keeping the position of an existing key.
  public mutating func set(_ key: DictionaryKey, _ value: Value?) {
    if let i = index[key] {
      if let value { values[i] = value; return }
      keys.remove(at: i)
      values.remove(at: i)
      index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
    } else if let value {
      index[key] = keys.count
      keys.append(key)
      values.append(value)
    }
  }

  public var count: Int { keys.count }
}

/// A function value: a `func` declared in a cell or a closure, with what it captured.
public final class FunctionValue: @unchecked Sendable {
  public let name: String
  public let type: ValueType
  /// Calls it with its arguments in parameter order (nil: use the parameter's default),
  /// already checked against ``type``.
  public let invoke: ([Value?]) throws -> Value
  /// For functions and closures of cells: what a compiled call site needs to run the body
  /// directly, without building an argument array (nil for other function values). Read
  /// without reference counting (`_withUnsafeGuaranteedRef`); `owner` keeps it alive as long
  /// as this value.
  let compiled: Unmanaged<CompiledFunction>?
  private let owner: CompiledFunction?

  public init(name: String, type: ValueType, invoke: @escaping ([Value?]) throws -> Value) {
    self.name = name
    self.type = type
    self.invoke = invoke
    compiled = nil
    owner = nil
  }

  init(name: String, type: ValueType, compiled: CompiledFunction, invoke: @escaping ([Value?]) throws -> Value) {
    self.name = name
    self.type = type
    self.invoke = invoke
    self.compiled = Unmanaged.passUnretained(compiled)
    owner = compiled
  }

  /// Calls it with every argument given (what builtins such as `map` do).
  public func call(_ arguments: [Value]) throws -> Value { try invoke(arguments) }
}
