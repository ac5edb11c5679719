import Foundation
import SAEKit

/// Values to and from the cell cache: a JSON tree plus named matrices (stored
/// in one safetensors file). Doubles are kept as their bit patterns, so a value
/// read back is bit-identical to the one written. A loaded model, activations and
/// an SAE as `loadSAE` read it are stored by reference (the model files, the activation cache,
/// the SAE folder)
/// and taken again when read back, through ``ValueReferences``.
/// Why a value cannot go into the cell cache: the cell is then run every time.
enum ArchiveError: Error, CustomStringConvertible {
  case notStorable(String)
  var description: String {
    switch self {
    case .notStorable(let what): return "\(what) cannot be stored in the cell cache"
    }
  }
}

struct ValueArchive {
  private(set) var tensors: [String: Matrix] = [:]

  mutating func encode(_ v: Value) throws -> Any {
    switch v {
    case .int(let i): return ["t": "int", "v": i]
    case .double(let d): return ["t": "double", "v": bits(d)]
    case .bool(let b): return ["t": "bool", "v": b]
    case .string(let s): return ["t": "string", "v": s]
    case .array(let items):
      // Long arrays of one number type (a token stream's provenance: hundreds of thousands of
      // Ints) as one base64 string of their 64-bit patterns, not one JSON object per element.
      if items.count >= Self.packedArrayMinimum, let words = Self.words(items) {
        return ["t": words.type, "v": words.packed]
      }
      return ["t": "array", "v": try items.map { try encode($0) }]
    case .range(let lo, let hi, let closed): return ["t": "range", "lo": lo, "hi": hi, "closed": closed]
    case .matrix(let m): return ["t": "matrix", "ref": store(m)]
    case .record(let r):
      return ["t": "record", "name": r.typeName, "fields": try r.fields.map { [$0.name, try encode($0.value)] }]
    case .table(let t):
      return ["t": "table", "headers": t.headers, "rows": try t.rows.map { try $0.map { try encode($0) } }]
    case .activation(let a): return ["t": "activationKind", "v": try Self.json(a)]
    case .sae(let s):
      if let file = s.file {
        return ["t": "saeFile", "path": file.path, "scale": file.scale.map { bits(Double($0)) } ?? "", "weights": file.weights.rawValue]
      }
      return try encode(s)
    case .model(let m): return ["t": "model"].merging(Self.source(m.source)) { a, _ in a }
    case .activations(let a):
      return [
        "t": "activations", "layer": a.layer, "corpus": a.request.corpusPath, "tokens": a.request.tokens,
        "maxLength": a.request.maxLength,
      ].merging(Self.source(a.model.source)) { a, _ in a }
    case .figure(let f): return ["t": "figure", "name": f.name, "spec": try Self.json(f.spec)]
    case .namespace(let n): return ["t": "namespace", "v": n]
    case .void: return ["t": "void"]
    case .nilValue: return ["t": "nil"]
    case .tuple(let t): return ["t": "tuple", "v": try t.values.map { try encode($0) }, "labels": t.labels.map { $0 ?? "" }]
    case .dictionary(let d):
      return ["t": "dictionary", "keys": try d.keys.map { try encode($0.value) }, "values": try d.values.map { try encode($0) }]
    case .function(let f):
      throw ArchiveError.notStorable("the function value '\(f.name)' (a closure kept in a variable)")
    case .metatype(let t): throw ArchiveError.notStorable("the type \(t)")
    }
  }

  private mutating func store(_ m: Matrix) -> String {
    let ref = "m\(tensors.count)"
    tensors[ref] = m
    return ref
  }

  private func bits(_ d: Double) -> String { String(d.bitPattern, radix: 16) }

  /// Arrays from this length on are packed when all their elements are Ints or all Doubles.
  static let packedArrayMinimum = 64

  /// `items` as `ints` or `doubles` and their 64-bit patterns, little-endian, in base64; nil
  /// unless every element is an Int, or every one a Double.
  static func words(_ items: [Value]) -> (type: String, packed: String)? {
    var words = [UInt64](), type = ""
    words.reserveCapacity(items.count)
    for item in items {
      switch item {
      case .int(let i) where type != "doubles": type = "ints"; words.append(UInt64(bitPattern: Int64(i)).littleEndian)
      case .double(let d) where type != "ints": type = "doubles"; words.append(d.bitPattern.littleEndian)
      default: return nil
      }
    }
    return (type, words.withUnsafeBytes { Data($0) }.base64EncodedString())
  }

  private mutating func encode(_ s: TrainedSAE) throws -> Any {
    let m = s.model
    if let mapped = m.mappedWeights {  // (loadSAE's SAEs are stored by reference; one derived from them runs again)
      throw ArchiveError.notStorable("an SAE whose weights stay in \(mapped.path)")
    }
    let h = s.history
    return [
      "t": "sae", "activation": try Self.json(s.activation), "inputScale": bits(Double(m.inputScale)),
      "W_enc": store(m.encoderWeights), "W_dec": store(m.decoderWeights),
      "b_enc": store(try Matrix(rows: 1, cols: m.encoderBias.count, storage: m.encoderBias)),
      "b_dec": store(try Matrix(rows: 1, cols: m.decoderBias.count, storage: m.decoderBias)),
      "parameters": m.activation.parameters.map { bits(Double($0)) },
      "state": m.activation.state.map { bits(Double($0)) },
      "history": ["step": h.step, "tokens": h.tokens, "loss": h.loss.map(bits), "fvu": h.fvu.map(bits),
                  "l0": h.l0.map(bits), "dead": h.deadFraction.map(bits)],
      "config": [
        "steps": s.config.steps, "batch": s.config.batchSize,
        "lr": s.config.learningRate.map { bits(Double($0)) } ?? "", "deadWindow": s.config.deadWindowTokens,
      ],
      "seconds": bits(s.seconds),
      "provenance": try Self.json(m.provenance),
    ] as [String: Any]
  }

  /// Which model: nothing for MiniLM (as archives before TinyLM wrote it), seed and folder for TinyLM.
  static func source(_ s: ModelValue.Source) -> [String: Any] {
    switch s {
    case .miniLM: [:]
    case .tinyLM(let seed, let folder): ["model": "tinylm", "seed": seed, "folder": folder]
    }
  }

  /// Codable values (activation kinds, figure specs) as JSON text with sorted keys.
  static func json<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self)
  }
}

/// How the archive takes again the values it stores by reference: the builtins
/// that load the model and take activations provide it (`ValueReferences.builtins`),
/// so the archive does not call up into them.
struct ValueReferences: Sendable {
  /// Loads the model.
  var model: @Sendable (_ source: ModelValue.Source, _ context: RuntimeContext) throws -> ModelValue
  /// Takes (or reads back from the activation cache) activations of `model`.
  var activations: @Sendable (
      _ model: ModelValue, _ layer: Int, _ request: (corpusPath: String, tokens: Int, maxLength: Int),
      _ context: RuntimeContext
  ) throws -> ActivationsValue
  /// Loads an SAE again from the folder it was loaded from.
  var sae: @Sendable (_ file: SAEFileReference, _ context: RuntimeContext) throws -> TrainedSAE
}

/// Reads values written by ``ValueArchive``.
struct ValueUnarchiver {
  let tensors: SafeTensorsFile?
  let context: RuntimeContext
  let references: ValueReferences

  /// The value `any` stores. A value nested deeper than any the interpreter builds
  /// (``Value/maximumNesting``) is corrupt: a forged entry must not drive the recursion.
  func decode(_ any: Any) throws -> Value { try decode(any, depth: 0) }

  private func decode(_ any: Any, depth: Int) throws -> Value {
    guard depth <= Value.maximumNesting else { throw corrupt("values nested more than \(Value.maximumNesting) deep") }
    let decode = { (inner: Any) throws -> Value in try self.decode(inner, depth: depth + 1) }
    guard let o = any as? [String: Any], let t = o["t"] as? String else { throw corrupt("value without a type") }
    switch t {
    case "int": return .int(try field(o, "v"))
    case "double": return .double(try double(o["v"]))
    case "bool": return .bool(try field(o, "v"))
    case "string": return .string(try field(o, "v"))
    case "array": return .array(try (try field(o, "v") as [Any]).map(decode))
    case "ints": return .array(try words(o).map { .int(Int(Int64(bitPattern: $0))) })
    case "doubles": return .array(try words(o).map { .double(Double(bitPattern: $0)) })
    case "range": return .range(lower: try field(o, "lo"), upper: try field(o, "hi"), closed: try field(o, "closed"))
    case "matrix": return .matrix(try matrix(try field(o, "ref")))
    case "record":
      let fields = try (try field(o, "fields") as [[Any]]).map { pair -> (name: String, value: Value) in
        guard pair.count == 2, let name = pair[0] as? String else { throw corrupt("bad record field") }
        return (name, try decode(pair[1]))
      }
      return .record(Record(try field(o, "name"), fields))
    case "table":
      let rows = try (try field(o, "rows") as [[Any]]).map { try $0.map(decode) }
      return .table(Table(headers: try field(o, "headers"), rows: rows))
    case "activationKind": return .activation(try decoded(try field(o, "v")))
    case "sae": return .sae(try sae(o))
    case "saeFile":
      let scale = try field(o, "scale") as String
      let residence = try (o["weights"] as? String).map { name in
        guard let r = SAEWeightResidence(rawValue: name) else { throw corrupt("unknown weights '\(name)'") }
        return r
      } ?? .auto  // (older entries have none)
      let file = SAEFileReference(path: try field(o, "path"), scale: scale.isEmpty ? nil : Float(try double(scale)), weights: residence)
      return .sae(try references.sae(file, context))
    case "model": return .model(try references.model(try source(o), context))
    case "activations":
      let request = (corpusPath: try field(o, "corpus") as String, tokens: try field(o, "tokens") as Int,
                     maxLength: try field(o, "maxLength") as Int)
      let model = try references.model(try source(o), context)
      return .activations(try references.activations(model, try field(o, "layer"), request, context))
    case "figure":
      return .figure(FigureValue(name: try field(o, "name"), spec: try decoded(try field(o, "spec"))))
    case "namespace": return .namespace(try field(o, "v"))
    case "void": return .void
    case "nil": return .nilValue
    case "tuple":
      let labels = (try field(o, "labels") as [String]).map { $0.isEmpty ? nil : $0 }
      return .tuple(TupleValue(try (try field(o, "v") as [Any]).map(decode), labels: labels))
    case "dictionary":
      var d = DictionaryValue()
      let keys = try (try field(o, "keys") as [Any]).map(decode), values = try (try field(o, "values") as [Any]).map(decode)
      guard keys.count == values.count else { throw corrupt("dictionary with \(keys.count) keys and \(values.count) values") }
      for (k, v) in zip(keys, values) {
        guard let key = DictionaryKey(k) else { throw corrupt("dictionary key of type \(k.type)") }
        d.set(key, v)
      }
      return .dictionary(d)
    default: throw corrupt("unknown value type '\(t)'")
    }
  }

  /// The model an archived model or activations value refers to (``ValueArchive/source(_:)``).
  func source(_ o: [String: Any]) throws -> ModelValue.Source {
    switch o["model"] as? String {
    case nil: return .miniLM
    case "tinylm": return .tinyLM(seed: try field(o, "seed"), folder: try field(o, "folder"))
    case let other?: throw corrupt("unknown model '\(other)'")
    }
  }

  func field<T>(_ o: [String: Any], _ key: String) throws -> T {
    guard let v = o[key] as? T else { throw corrupt("missing or mistyped '\(key)'") }
    return v
  }

  func double(_ any: Any?) throws -> Double {
    guard let s = any as? String, let b = UInt64(s, radix: 16) else { throw corrupt("bad number") }
    return Double(bitPattern: b)
  }

  /// The 64-bit words of a packed array (``ValueArchive/words(_:)``).
  func words(_ o: [String: Any]) throws -> [UInt64] {
    guard let data = Data(base64Encoded: try field(o, "v") as String), data.count % 8 == 0 else {
      throw corrupt("bad packed array")
    }
    return data.withUnsafeBytes { raw in
      (0..<(data.count / 8)).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)) }
    }
  }

  func matrix(_ ref: String) throws -> Matrix {
    guard let tensors else { throw corrupt("matrix without a tensor file") }
    return try tensors.matrix(ref)
  }

  /// A Codable value from the JSON text ``ValueArchive/json(_:)`` wrote.
  func decoded<T: Decodable>(_ text: String) throws -> T {
    do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch { throw corrupt("bad \(T.self)") }
  }

  func sae(_ o: [String: Any]) throws -> TrainedSAE {
    let kind: ActivationKind = try decoded(try field(o, "activation"))
    var activation = kind.make(width: try matrix(try field(o, "W_dec")).rows)
    activation.parameters = try (try field(o, "parameters") as [String]).map { Float(try double($0)) }
    activation.state = try (try field(o, "state") as [String]).map { Float(try double($0)) }
    var model = try SparseAutoencoder(
      encoderWeights: try matrix(try field(o, "W_enc")), encoderBias: try matrix(try field(o, "b_enc")).storage,
      decoderWeights: try matrix(try field(o, "W_dec")), decoderBias: try matrix(try field(o, "b_dec")).storage,
      activation: activation, inputScale: Float(try double(o["inputScale"])))
    if let provenance = o["provenance"] as? String { model.provenance = try decoded(provenance) }  // (older entries have none)
    let h: [String: Any] = try field(o, "history")
    var history = TrainingHistory()
    history.step = try field(h, "step")
    history.tokens = try field(h, "tokens")
    history.loss = try (try field(h, "loss") as [String]).map(double)
    history.fvu = try (try field(h, "fvu") as [String]).map(double)
    history.l0 = try (try field(h, "l0") as [String]).map(double)
    history.deadFraction = try (try field(h, "dead") as [String]).map(double)
    let c: [String: Any] = try field(o, "config")
    var config = TrainingConfig()
    config.steps = try field(c, "steps")
    config.batchSize = try field(c, "batch")
    config.deadWindowTokens = try field(c, "deadWindow")
    if let lr = c["lr"] as? String, !lr.isEmpty { config.learningRate = Float(try double(lr)) }
    return TrainedSAE(
      model: model, activation: kind, history: history, config: config, seconds: try double(o["seconds"]))
  }

  func corrupt(_ what: String) -> Error { SAEKitError.file(path: "cell cache", reason: "corrupt entry: \(what)") }
}

extension JSONEncoder {
  /// Sorted keys: the same value always gives the same bytes.
  static var sorted: JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys]
    return e
  }
}
