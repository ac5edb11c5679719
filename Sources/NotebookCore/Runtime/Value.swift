import SAEKit

/// A runtime value of the cell language.
public enum Value: Sendable {
  case int(Int)
  case double(Double)
  case bool(Bool)
  case string(String)
  case array([Value])
  /// `lower..<upper` (closed: false) or `lower...upper` (closed: true).
  case range(lower: Int, upper: Int, closed: Bool)
  case matrix(Matrix)
  case record(Record)
  case sae(TrainedSAE)
  case activation(ActivationKind)
  case model(ModelValue)
  case activations(ActivationsValue)
  case table(Table)
  case figure(FigureValue)
  case namespace(String)
  case void

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
  public init(model: SparseAutoencoder, activation: ActivationKind, history: TrainingHistory, config: TrainingConfig, seconds: Double) {
    self.model = model
    self.activation = activation
    self.history = history
    self.config = config
    self.seconds = seconds
  }
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
