/// A JSON value, written by ``encoded()`` with sorted keys and stable layout: the one JSON
/// writer of the project (notebook records, SAELens/sparsify `cfg.json`).
///
/// Numbers are written by Swift's shortest round-trip formatting (`"\(x)"`),
/// so `Double(text) == x` for every finite double: the record keeps full
/// precision. JSON has no NaN or infinity; they are written as the strings
/// `"nan"`, `"inf"` and `"-inf"`.
public indirect enum JSONValue: Hashable, Sendable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  /// A Float, written in Float's own shortest round-trip form (`0.001`, not `0.0010000000474974513`).
  case float(Float)
  case string(String)
  case array([JSONValue])
  /// Keys are written sorted, whatever the dictionary order.
  case object([String: JSONValue])

  /// An array of doubles.
  public static func numbers(_ values: [Double]) -> JSONValue { .array(values.map(JSONValue.double)) }

  /// A string, or null when nil.
  public static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

  /// The value as UTF-8 JSON text, ending with a newline.
  ///
  /// Layout: objects one key per line, indented by 2 spaces; arrays holding
  /// only scalars on one line (`[1, 2.5, "a"]`), other arrays one element per
  /// line; `": "` after keys. Identical values give identical bytes.
  public func encoded() -> String {
    var out = ""
    write(to: &out, indent: 0)
    out += "\n"
    return out
  }

  private var isScalar: Bool {
    switch self {
    case .array, .object: false
    default: true
    }
  }

  private func write(to out: inout String, indent: Int) {
    switch self {
    case .null: out += "null"
    case .bool(let v): out += v ? "true" : "false"
    case .int(let v): out += "\(v)"
    case .double(let v): out += Self.number(v)
    case .float(let v): out += v.isFinite ? "\(v)" : Self.number(Double(v))
    case .string(let v): Self.writeString(v, to: &out)
    case .array(let items):
      if items.isEmpty {
        out += "[]"
      } else if items.allSatisfy(\.isScalar) {
        out += "["
        for (i, item) in items.enumerated() {
          if i > 0 { out += ", " }
          item.write(to: &out, indent: indent)
        }
        out += "]"
      } else {
        let pad = String(repeating: " ", count: indent + 2)
        out += "[\n"
        for (i, item) in items.enumerated() {
          out += pad
          item.write(to: &out, indent: indent + 2)
          out += i + 1 < items.count ? ",\n" : "\n"
        }
        out += String(repeating: " ", count: indent) + "]"
      }
    case .object(let members):
      if members.isEmpty {
        out += "{}"
        return
      }
      let pad = String(repeating: " ", count: indent + 2)
      out += "{\n"
      let keys = Self.sortedKeys(members)
      for (i, key) in keys.enumerated() {
        out += pad
        Self.writeString(key, to: &out)
        out += ": "
        members[key]!.write(to: &out, indent: indent + 2)
        out += i + 1 < keys.count ? ",\n" : "\n"
      }
      out += String(repeating: " ", count: indent) + "}"
    }
  }

  /// The first NaN or infinity in the value (depth first, keys in written order), if any:
  /// for writers whose readers reject the `"nan"`/`"inf"` strings.
  public var firstNonFiniteNumber: Double? {
    switch self {
    case .double(let v): return v.isFinite ? nil : v
    case .float(let v): return v.isFinite ? nil : Double(v)
    case .array(let items): return items.lazy.compactMap(\.firstNonFiniteNumber).first
    case .object(let members):
      return Self.sortedKeys(members).lazy.compactMap { members[$0]!.firstNonFiniteNumber }.first
    default: return nil
    }
  }

  /// The keys of an object in written order: sorted by UTF-8 bytes, independent of locale and
  /// dictionary order.
  public static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
    members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  /// Shortest text that reads back as exactly `value` (`0.1`, `1e-05`, `3.0`).
  public static func number(_ value: Double) -> String {
    if value.isNaN { return "\"nan\"" }
    if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
    return "\(value)"
  }

  /// A JSON string literal (``JSONText/quoted(_:)``).
  static func writeString(_ text: String, to out: inout String) {
    out += JSONText.quoted(text)
  }
}
