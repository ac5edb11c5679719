/// `Codable` values to and from ``JSONValue`` trees, without JSON text in between:
/// a type's coding keys are its layout, and ``JSONValue/encoded()`` writes it.
///
/// Numbers keep their kind: `Int` becomes ``JSONValue/int(_:)``, `Double`
/// ``JSONValue/double(_:)``, `Float` ``JSONValue/float(_:)`` (shortest round-trip text
/// each). Reading, a `Double` or `Float` accepts an int and the strings `"nan"`,
/// `"inf"`, `"-inf"` (how ``JSONValue/encoded()`` writes non-finite numbers), and an
/// `Int` accepts an integral double. Optionals left `nil` are left out, and a missing
/// or `null` key reads back as `nil`. A `JSONValue` inside a value is kept as is.
public struct JSONValueEncoder {
  public init() {}

  /// The tree `value` encodes to.
  public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
    let encoder = TreeEncoder(codingPath: [])
    try encoder.encodeValue(value)
    return encoder.node.value
  }
}

/// Decodes `Decodable` values from ``JSONValue`` trees (see ``JSONValueEncoder``).
public struct JSONValueDecoder {
  public init() {}

  /// The value `json` holds.
  /// - Throws: `DecodingError` naming the coding path at fault.
  public func decode<T: Decodable>(_ type: T.Type, from json: JSONValue) throws -> T {
    try TreeDecoder(json, codingPath: []).decodeValue(type)
  }
}

// MARK: - Encoding

/// A node of the tree being built; containers hold their children by reference
/// until the whole value is encoded.
private final class Node {
  enum Kind { case empty, value, object, array }

  var kind = Kind.empty
  var scalar = JSONValue.null
  var members: [String: Node] = [:]
  var items: [Node] = []

  init() {}

  init(_ scalar: JSONValue) {
    kind = .value
    self.scalar = scalar
  }

  var value: JSONValue {
    switch kind {
    case .empty: return .object([:])
    case .value: return scalar
    case .object: return .object(members.mapValues(\.value))
    case .array: return .array(items.map(\.value))
    }
  }
}

private struct AnyKey: CodingKey {
  var stringValue: String
  var intValue: Int?
  init(stringValue: String) { self.stringValue = stringValue }
  init(intValue: Int) {
    stringValue = "\(intValue)"
    self.intValue = intValue
  }
}

private final class TreeEncoder: Encoder {
  let codingPath: [CodingKey]
  let node = Node()
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  init(codingPath: [CodingKey]) { self.codingPath = codingPath }

  func encodeValue<T: Encodable>(_ value: T) throws {
    if let json = Self.scalar(value) {
      node.kind = .value
      node.scalar = json
    } else {
      try value.encode(to: self)
    }
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    node.kind = .object
    return KeyedEncodingContainer(KeyedEncoder<Key>(encoder: self))
  }

  func unkeyedContainer() -> UnkeyedEncodingContainer {
    node.kind = .array
    return UnkeyedEncoder(encoder: self)
  }

  func singleValueContainer() -> SingleValueEncodingContainer { SingleEncoder(encoder: self) }

  /// The JSON of a scalar (or of a JSON value, or an array of doubles, taken whole),
  /// or nil for values that need an encoder of their own. Types are matched exactly:
  /// an `Int` never becomes a double, nor a double an `Int`.
  static func scalar<T: Encodable>(_ value: T) -> JSONValue? {
    switch T.self {
    case is JSONValue.Type: return (value as! JSONValue)
    case is Bool.Type: return .bool(value as! Bool)
    case is String.Type: return .string(value as! String)
    case is Double.Type: return .double(value as! Double)
    case is Float.Type: return .float(value as! Float)
    case is Int.Type: return .int(value as! Int)
    case is [Double].Type: return .numbers(value as! [Double])
    default: return nil
    }
  }

  /// A child node for `value` at `key`.
  func child<T: Encodable>(_ value: T, at key: CodingKey) throws -> Node {
    if let json = Self.scalar(value) { return Node(json) }
    let encoder = TreeEncoder(codingPath: codingPath + [key])
    try encoder.encodeValue(value)
    return encoder.node
  }
}

private struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let encoder: TreeEncoder
  var codingPath: [CodingKey] { encoder.codingPath }

  private func set(_ key: Key, _ child: Node) { encoder.node.members[key.stringValue] = child }

  mutating func encodeNil(forKey key: Key) throws { set(key, Node(.null)) }

  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    set(key, try encoder.child(value, at: key))
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type, forKey key: Key
  ) -> KeyedEncodingContainer<NestedKey> {
    let nested = TreeEncoder(codingPath: codingPath + [key])
    set(key, nested.node)
    return nested.container(keyedBy: keyType)
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
    let nested = TreeEncoder(codingPath: codingPath + [key])
    set(key, nested.node)
    return nested.unkeyedContainer()
  }

  mutating func superEncoder() -> Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

  mutating func superEncoder(forKey key: Key) -> Encoder {
    let nested = TreeEncoder(codingPath: codingPath + [key])
    set(key, nested.node)
    return nested
  }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
  let encoder: TreeEncoder
  var codingPath: [CodingKey] { encoder.codingPath }
  var count: Int { encoder.node.items.count }

  private func append(_ child: Node) { encoder.node.items.append(child) }

  mutating func encodeNil() throws { append(Node(.null)) }

  mutating func encode<T: Encodable>(_ value: T) throws {
    append(try encoder.child(value, at: AnyKey(intValue: count)))
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type
  ) -> KeyedEncodingContainer<NestedKey> {
    let nested = TreeEncoder(codingPath: codingPath + [AnyKey(intValue: count)])
    append(nested.node)
    return nested.container(keyedBy: keyType)
  }

  mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
    let nested = TreeEncoder(codingPath: codingPath + [AnyKey(intValue: count)])
    append(nested.node)
    return nested.unkeyedContainer()
  }

  mutating func superEncoder() -> Encoder {
    let nested = TreeEncoder(codingPath: codingPath + [AnyKey(intValue: count)])
    append(nested.node)
    return nested
  }
}

private struct SingleEncoder: SingleValueEncodingContainer {
  let encoder: TreeEncoder
  var codingPath: [CodingKey] { encoder.codingPath }

  mutating func encodeNil() throws {
    encoder.node.kind = .value
    encoder.node.scalar = .null
  }

  mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value) }
}

// MARK: - Decoding

private struct TreeDecoder: Decoder {
  let json: JSONValue
  let codingPath: [CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  init(_ json: JSONValue, codingPath: [CodingKey]) {
    self.json = json
    self.codingPath = codingPath
  }

  func mismatch<T>(_ type: T.Type, _ what: String) -> DecodingError {
    .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(what), found \(json.compactKind)"))
  }

  func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
    if type == JSONValue.self { return json as! T }
    if let scalar = try decodeScalar(type) { return scalar }
    return try T(from: self)
  }

  /// Scalars by their JSON kind (and arrays of doubles whole); nil for types that decode themselves.
  func decodeScalar<T>(_ type: T.Type) throws -> T? {
    switch type {
    case is [Double].Type:
      guard case .array(let items) = json else { throw mismatch(type, "an array of numbers") }
      return try items.enumerated().map { i, item in
        guard let d = item.doubleValue else {
          throw TreeDecoder(item, codingPath: codingPath + [AnyKey(intValue: i)]).mismatch(Double.self, "a number")
        }
        return d
      } as? T
    case is Bool.Type:
      guard case .bool(let b) = json else { throw mismatch(type, "a bool") }
      return b as? T
    case is String.Type:
      guard case .string(let s) = json else { throw mismatch(type, "a string") }
      return s as? T
    case is Double.Type:
      guard let d = json.doubleValue else { throw mismatch(type, "a number") }
      return d as? T
    case is Float.Type:
      if case .float(let f) = json { return f as? T }
      guard let d = json.doubleValue else { throw mismatch(type, "a number") }
      return Float(d) as? T
    case is Int.Type:
      guard let i = json.intValue else { throw mismatch(type, "an integer") }
      return i as? T
    default:
      return nil
    }
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    guard case .object(let members) = json else { throw mismatch([String: JSONValue].self, "an object") }
    return KeyedDecodingContainer(KeyedDecoder<Key>(members: members, codingPath: codingPath))
  }

  func unkeyedContainer() throws -> UnkeyedDecodingContainer {
    guard case .array(let items) = json else { throw mismatch([JSONValue].self, "an array") }
    return UnkeyedDecoder(items: items, codingPath: codingPath)
  }

  func singleValueContainer() throws -> SingleValueDecodingContainer { SingleDecoder(decoder: self) }
}

private struct KeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let members: [String: JSONValue]
  let codingPath: [CodingKey]
  var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

  func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

  func child(_ key: Key) throws -> TreeDecoder {
    guard let value = members[key.stringValue] else {
      throw DecodingError.keyNotFound(
        key, .init(codingPath: codingPath, debugDescription: "no \"\(key.stringValue)\" field"))
    }
    return TreeDecoder(value, codingPath: codingPath + [key])
  }

  func decodeNil(forKey key: Key) throws -> Bool { (members[key.stringValue] ?? .null) == .null }

  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try child(key).decodeValue(type)
  }

  func nestedContainer<NestedKey: CodingKey>(
    keyedBy type: NestedKey.Type, forKey key: Key
  ) throws -> KeyedDecodingContainer<NestedKey> {
    try child(key).container(keyedBy: type)
  }

  func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
    try child(key).unkeyedContainer()
  }

  func superDecoder() throws -> Decoder { try child(Key(stringValue: "super")!) }
  func superDecoder(forKey key: Key) throws -> Decoder { try child(key) }
}

private struct UnkeyedDecoder: UnkeyedDecodingContainer {
  let items: [JSONValue]
  let codingPath: [CodingKey]
  var currentIndex = 0
  var count: Int? { items.count }
  var isAtEnd: Bool { currentIndex >= items.count }

  init(items: [JSONValue], codingPath: [CodingKey]) {
    self.items = items
    self.codingPath = codingPath
  }

  mutating func next() throws -> TreeDecoder {
    guard !isAtEnd else {
      throw DecodingError.valueNotFound(
        JSONValue.self, .init(codingPath: codingPath, debugDescription: "the array has only \(items.count) elements"))
    }
    defer { currentIndex += 1 }
    return TreeDecoder(items[currentIndex], codingPath: codingPath + [AnyKey(intValue: currentIndex)])
  }

  mutating func decodeNil() throws -> Bool {
    guard !isAtEnd, items[currentIndex] == .null else { return false }
    currentIndex += 1
    return true
  }

  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy type: NestedKey.Type
  ) throws -> KeyedDecodingContainer<NestedKey> {
    try next().container(keyedBy: type)
  }

  mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }
  mutating func superDecoder() throws -> Decoder { try next() }
}

private struct SingleDecoder: SingleValueDecodingContainer {
  let decoder: TreeDecoder
  var codingPath: [CodingKey] { decoder.codingPath }
  func decodeNil() -> Bool { decoder.json == .null }
  func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
}

// MARK: - JSONValue itself

extension JSONValue: Codable {
  /// Any JSON: through ``JSONValueDecoder`` it is taken as is; other decoders give
  /// bools, integers, doubles, strings, arrays and objects.
  public init(from decoder: Decoder) throws {
    if let tree = decoder as? TreeDecoder {
      self = tree.json
      return
    }
    if var items = try? decoder.unkeyedContainer() {
      var out: [JSONValue] = []
      while !items.isAtEnd { out.append(try items.decode(JSONValue.self)) }
      self = .array(out)
    } else if let members = try? decoder.container(keyedBy: AnyKey.self) {
      var out: [String: JSONValue] = [:]
      for key in members.allKeys { out[key.stringValue] = try members.decode(JSONValue.self, forKey: key) }
      self = .object(out)
    } else {
      let single = try decoder.singleValueContainer()
      if single.decodeNil() {
        self = .null
      } else if let b = try? single.decode(Bool.self) {
        self = .bool(b)
      } else if let i = try? single.decode(Int.self) {
        self = .int(i)
      } else if let d = try? single.decode(Double.self) {
        self = .double(d)
      } else {
        self = .string(try single.decode(String.self))
      }
    }
  }

  public func encode(to encoder: Encoder) throws {
    switch self {
    case .null:
      var single = encoder.singleValueContainer()
      try single.encodeNil()
    case .bool(let v): try v.encode(to: encoder)
    case .int(let v): try v.encode(to: encoder)
    case .double(let v): try v.encode(to: encoder)
    case .float(let v): try v.encode(to: encoder)
    case .string(let v): try v.encode(to: encoder)
    case .array(let items):
      var container = encoder.unkeyedContainer()
      for item in items { try container.encode(item) }
    case .object(let members):
      var container = encoder.container(keyedBy: AnyKey.self)
      for key in Self.sortedKeys(members) { try container.encode(members[key]!, forKey: AnyKey(stringValue: key)) }
    }
  }

  /// The number this value stands for: ints, doubles, floats, and the strings `"nan"`,
  /// `"inf"`, `"-inf"` that ``encoded()`` writes for non-finite numbers.
  public var doubleValue: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .double(let d): return d
    case .float(let f): return Double(f)
    case .string("nan"): return .nan
    case .string("inf"): return .infinity
    case .string("-inf"): return -.infinity
    default: return nil
    }
  }

  /// An int, or a double with an integral value that fits.
  public var intValue: Int? {
    switch self {
    case .int(let i): return i
    case .double(let d) where d == d.rounded() && abs(d) < 9.0e15: return Int(d)
    default: return nil
    }
  }

  /// `a number`, `an object`, … for error messages.
  var compactKind: String {
    switch self {
    case .null: "null"
    case .bool: "a bool"
    case .int, .double, .float: "a number"
    case .string(let s): "the string \"\(s.prefix(20))\""
    case .array: "an array"
    case .object: "an object"
    }
  }
}
