/// The one declaration of everything cells can call: functions, namespaced
/// functions (`plot.line`), methods (`xs.append`), properties (`data.x`),
/// record types and implicit members (`.topK(k:)`). The checker, the
/// interpreter and `notebook functions` all read it.
public struct Registry: Sendable {
  public private(set) var functions: [String: Builtin] = [:]
  public private(set) var namespaces: [String: String] = [:]  // name → doc
  public private(set) var methods: [String: [String: Builtin]] = [:]  // receiver key → name → method
  public private(set) var properties: [String: [String: Property]] = [:]
  public private(set) var recordTypes: [String: RecordType] = [:]
  /// Implicit members by the type they produce (`.activation` → topK, relu, …).
  public private(set) var implicitMembers: [String: [String: Builtin]] = [:]

  public init() {}

  /// Declares a function; a dotted name (`plot.line`) needs its namespace declared first,
  /// and every resource it reads or writes must be named by one of its `String` parameters.
  /// A second function of the same name whose first parameter is labelled is found under
  /// `name(label:)` (`String(_:)` and `String(describing:)`), as methods are.
  public mutating func add(_ b: Builtin) {
    var b = b
    if functions[b.name] != nil, let label = b.parameters.first?.label {
      b.overloadKey = "\(b.name)(\(label):)"
    }
    let key = b.overloadKey ?? b.name
    precondition(functions[key] == nil, "builtin \(key) declared twice")
    if let dot = b.name.firstIndex(of: ".") {
      precondition(namespaces[String(b.name[..<dot])] != nil, "undeclared namespace for \(b.name)")
    }
    for resource in b.reads + b.writes {
      guard let name = resource.parameter else { continue }
      precondition(
        b.parameters.contains { $0.name == name && $0.type == .string },
        "\(b.name) declares an effect on '\(name)', which is not one of its String parameters")
    }
    functions[key] = b
  }

  /// The function a call of `name` with first argument label `firstLabel` means.
  public func function(_ name: String, firstLabel: String?) -> Builtin? {
    if let firstLabel, let b = functions["\(name)(\(firstLabel):)"] { return b }
    return functions[name]
  }

  public mutating func addNamespace(_ name: String, doc: String) { namespaces[name] = doc }

  /// Declares a method. `xs.contains(where:)` and `xs.contains(_:)` can both exist: a method
  /// whose first parameter is labelled is also found under `name(label:)`, which a call with
  /// that first label tries before the plain name (``method(_:on:firstLabel:)``).
  public mutating func addMethod(_ b: Builtin, on receiver: ValueType) {
    let key = Self.key(receiver)
    if let label = b.parameters.first?.label, methods[key]?[b.name] != nil {
      methods[key, default: [:]]["\(b.name)(\(label):)"] = b
    } else {
      methods[key, default: [:]][b.name] = b
    }
  }

  public mutating func addProperty(_ p: Property) {
    properties[Self.key(p.receiver), default: [:]][p.name] = p
  }

  /// Declares a record type; its fields become properties.
  public mutating func addRecord(_ r: RecordType) {
    recordTypes[r.name] = r
    for field in r.fields {
      let name = field.name
      addProperty(Property(receiver: .record(r.name), name: name, type: field.type, doc: field.doc) { value in
        guard case .record(let record) = value, let v = record[name] else {
          throw RuntimeError("record has no field '\(name)'")
        }
        return v
      })
    }
  }

  public mutating func addImplicitMember(_ b: Builtin, producing type: ValueType) {
    implicitMembers[Self.key(type), default: [:]][b.name] = b
  }

  public func method(_ name: String, on receiver: ValueType) -> Builtin? { methods[Self.key(receiver)]?[name] }

  /// The method a call with first argument label `firstLabel` means: `name(firstLabel:)` when
  /// declared, else `name`.
  public func method(_ name: String, on receiver: ValueType, firstLabel: String?) -> Builtin? {
    let k = Self.key(receiver)
    if let firstLabel, let b = methods[k]?["\(name)(\(firstLabel):)"] { return b }
    return methods[k]?[name]
  }

  /// The one type whose implicit members include `name` (`.topK` → Activation), or nil when
  /// none or several do.
  public func uniqueTypeWithImplicitMember(_ name: String) -> ValueType? {
    let owners = implicitMembers.filter { $0.value[name] != nil }
    guard owners.count == 1, let b = owners.first?.value[name] else { return nil }
    return b.returns
  }
  public func property(_ name: String, on receiver: ValueType) -> Property? { properties[Self.key(receiver)]?[name] }
  public func implicitMember(_ name: String, producing type: ValueType) -> Builtin? {
    implicitMembers[Self.key(type)]?[name]
  }

  /// Members (properties and methods) a value of `type` offers, for suggestions.
  public func memberNames(of type: ValueType) -> [String] {
    let k = Self.key(type)
    return Array((properties[k]?.keys).map(Array.init) ?? []) + Array((methods[k]?.keys).map(Array.init) ?? [])
  }

  /// Methods and properties are keyed by the receiver's outer type: all
  /// arrays share `append` and `count`, records by their name.
  static func key(_ t: ValueType) -> String {
    switch t {
    case .array: return "Array"
    case .dictionary: return "Dictionary"
    case .tuple: return "Tuple"
    case .optional: return "Optional"
    case .function: return "Function"
    default: return t.description
    }
  }
}

/// A function, method or implicit member.
public struct Builtin: Sendable {
  public typealias Implementation = @Sendable (_ args: CallArguments, _ context: RuntimeContext) throws -> Value
  public var name: String
  public var parameters: [Parameter]
  public var returns: ValueType
  public var doc: String
  /// The last parameter takes any number of positional arguments (`print`).
  public var variadic: Bool
  /// Where a second function of the same name is registered (`String(describing:)`).
  public var overloadKey: String?
  /// A method that changes its receiver (`xs.append(v)`): the implementation
  /// returns the new receiver, the call itself has no value, and the receiver
  /// must be a `var`.
  public var mutating = false
  /// Refines the return type from the argument types at check time (e.g. `max` of Ints is Int).
  public var returnType: (@Sendable ([ValueType?]) -> ValueType)?
  /// For generic methods (`map`, `sorted`, `first`): the return type from the receiver's type
  /// and the argument types (a closure argument's type is its inferred function type).
  public var resultType: (@Sendable (_ receiver: ValueType, _ arguments: [ValueType?]) -> ValueType)?
  /// For methods taking closures: the parameter types expected from the receiver's type and
  /// the types of the arguments before them (`reduce`'s closure takes the initial value's type
  /// and the element type), so closure parameters need no annotations.
  public var argumentTypes: (@Sendable (_ receiver: ValueType, _ earlier: [ValueType?]) -> [ValueType?])?
  /// By parameter position, the type an integer literal argument takes where the parameter
  /// itself accepts any type: `0` in `xs.reduce(0, +)` is a Double when `xs` holds Doubles,
  /// as Swift infers it from the closure.
  public var literalTypes: (@Sendable (_ receiver: ValueType) -> [ValueType?])?
  /// What the call reads from outside the notebook (files, folders, a corpus, the model):
  /// the cell cache keys a cell by their contents (``reading(_:)``).
  public private(set) var reads: [Resource] = []
  /// What the call writes outside the notebook: a cell served from the cache is run
  /// again when these are missing or changed (``writing(_:)``).
  public private(set) var writes: [Resource] = []
  public var implementation: Implementation

  public init(
    _ name: String, _ parameters: [Parameter] = [], returns: ValueType, doc: String, variadic: Bool = false,
    returnType: (@Sendable ([ValueType?]) -> ValueType)? = nil, _ implementation: @escaping Implementation
  ) {
    self.name = name
    self.parameters = parameters
    self.returns = returns
    self.doc = doc
    self.variadic = variadic
    self.returnType = returnType
    self.implementation = implementation
  }

  /// This builtin, declared to read `resources` (e.g. `.file("path")`).
  public func reading(_ resources: Resource...) -> Builtin {
    var b = self
    b.reads += resources
    return b
  }

  /// This builtin, declared to write `resources` (e.g. `.folder("to")`) and to replace only
  /// `replacing` where a path already exists: before it runs, each path it would write is checked
  /// (``RuntimeContext/requireWritable(_:argument:replacing:)``), so no builtin can overwrite the
  /// notebook, write outside its project, or replace a file it did not write.
  public func writing(_ resources: Resource..., replacing: Replaceable) -> Builtin {
    var b = self
    b.writes += resources
    let run = b.implementation
    let parameters = resources.compactMap(\.parameter)
    b.implementation = { args, context in
      for name in parameters where args.has(name) {
        if case .string(let path) = try args.value(name) {
          try context.requireWritable(path, argument: name, replacing: replacing)
        }
      }
      return try run(args, context)
    }
    return b
  }

  /// Swift-style signature, e.g. `train(_ x: Matrix, width: Int, steps: Int = 1000) -> SAE`.
  public var signature: String {
    let params = parameters.map { p -> String in
      var s = (p.label ?? "_") + (p.label == p.name ? "" : " \(p.name)") + ": \(p.type)"
      if variadic && p.name == parameters.last?.name { s += "..." }
      if let d = p.defaultValue { s += " = \(d)" }
      return s
    }
    return "\(name)(\(params.joined(separator: ", ")))" + (returns == .void ? "" : " -> \(returns)")
  }
}

/// Something outside the notebook that a builtin reads or writes, named (except the
/// model) by one of its `String` parameters; relative paths resolve against the
/// notebook's folder.
/// What a writing builtin may replace where the path it is given already exists: what it writes
/// itself, never another kind of file.
public enum Replaceable: Hashable, Sendable {
  /// A file with one of these extensions (lowercase, without the dot).
  case file(extensions: [String])
  /// A folder that is empty or holds this file (which the builtin writes into every folder).
  case folder(holding: String)
}

public enum Resource: Hashable, Sendable {
  /// A file named by the parameter.
  case file(String)
  /// A folder named by the parameter, read or written as a whole.
  case folder(String)
  /// A text corpus (a file or a folder) named by the parameter; an empty string
  /// stands for the default corpus.
  case corpus(String)
  /// The MiniLM weights and the forward kernels that run them.
  case model
  /// A folder of trained TinyLM seeds (`seed-N/`) named by the parameter; an empty string
  /// stands for the committed models (`assets/tinylm`).
  case languageModels(String)

  /// The parameter that names the resource (nil for the model).
  public var parameter: String? {
    switch self {
    case .file(let p), .folder(let p), .corpus(let p), .languageModels(let p): p
    case .model: nil
    }
  }

  /// `file named by 'path'`, for the reference.
  public var description: String {
    switch self {
    case .file(let p): "the file named by `\(p)`"
    case .folder(let p): "the folder named by `\(p)`"
    case .corpus(let p): "the corpus named by `\(p)` (empty: the default corpus)"
    case .model: "the MiniLM weights"
    case .languageModels(let p): "the TinyLM seeds in the folder named by `\(p)` (empty: the committed models)"
    }
  }
}

/// A parameter: its argument label (nil for positional), type, default and doc.
public struct Parameter: Sendable {
  public var label: String?
  public var name: String
  public var type: ValueType
  public var defaultValue: DefaultValue?
  public var doc: String

  /// A labelled parameter (`width: Int`).
  public static func labeled(
    _ name: String, _ type: ValueType, default d: DefaultValue? = nil, _ doc: String
  ) -> Parameter {
    Parameter(label: name, name: name, type: type, defaultValue: d, doc: doc)
  }

  /// A positional parameter (`_ x: Matrix`).
  public static func positional(
    _ name: String, _ type: ValueType, default d: DefaultValue? = nil, _ doc: String
  ) -> Parameter {
    Parameter(label: nil, name: name, type: type, defaultValue: d, doc: doc)
  }
}

/// A parameter's default.
public enum DefaultValue: Sendable, CustomStringConvertible {
  case value(Value)
  /// The notebook's `seed` from the front matter (0 when absent).
  case notebookSeed
  /// No value: the implementation decides (shown as `nil`).
  case absent
  /// A default shown as written (`.fixed`, a cell function's `2`) and computed by the
  /// implementation (builtins) or when a call leaves it out (cell functions).
  case expression(String)

  public var description: String {
    switch self {
    case .value(let v): return v.literalDescription
    case .notebookSeed: return "seed"
    case .absent: return "nil"
    case .expression(let source): return source
    }
  }
}

/// A read-only property of a type.
public struct Property: Sendable {
  public var receiver: ValueType
  public var name: String
  public var type: ValueType
  public var doc: String
  /// The type from the receiver's type, for generic properties (`first` of `[T]` is `T?`).
  public var resultType: (@Sendable (ValueType) -> ValueType)?
  public var get: @Sendable (Value) throws -> Value

  public init(
    receiver: ValueType, name: String, type: ValueType, doc: String, resultType: (@Sendable (ValueType) -> ValueType)? = nil,
    get: @escaping @Sendable (Value) throws -> Value
  ) {
    self.receiver = receiver
    self.name = name
    self.type = type
    self.doc = doc
    self.resultType = resultType
    self.get = get
  }
}

/// A record type: its fields in display order.
public struct RecordType: Sendable {
  public var name: String
  public var doc: String
  public var fields: [(name: String, type: ValueType, doc: String)]
  public init(_ name: String, doc: String, fields: [(name: String, type: ValueType, doc: String)]) {
    self.name = name
    self.doc = doc
    self.fields = fields
  }
}

/// An error raised by a builtin at run time; the interpreter attaches the
/// range of the call (or of the argument named by `argument`).
public struct RuntimeError: Error, Sendable {
  public var message: String
  /// The parameter whose argument is at fault, if any (its range is used).
  public var argument: String?
  public init(_ message: String, argument: String? = nil) {
    self.message = message
    self.argument = argument
  }
}
