import SAEKit
/// A JSON value, written by ``encoded()`` with sorted keys and stable layout.
///
/// Numbers are written by Swift's shortest round-trip formatting (`"\(x)"`),
/// so `Double(text) == x` for every finite double: the record keeps full
/// precision. JSON has no NaN or infinity; they are written as the strings
/// `"nan"`, `"inf"` and `"-inf"`.
public indirect enum ReportJSON: Hashable, Sendable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([ReportJSON])
  /// Keys are written sorted, whatever the dictionary order.
  case object([String: ReportJSON])

  /// An array of doubles.
  public static func numbers(_ values: [Double]) -> ReportJSON { .array(values.map(ReportJSON.double)) }

  /// A string, or null when nil.
  public static func optional(_ text: String?) -> ReportJSON { text.map(ReportJSON.string) ?? .null }

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
      // Sorted by UTF-8 bytes, independent of locale and dictionary order.
      let keys = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
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

  /// Shortest text that reads back as exactly `value` (`0.1`, `1e-05`, `3.0`).
  static func number(_ value: Double) -> String {
    if value.isNaN { return "\"nan\"" }
    if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
    return "\(value)"
  }

  /// A JSON string literal (SAEKit's ``JSONText/quoted(_:)``).
  static func writeString(_ text: String, to out: inout String) {
    out += JSONText.quoted(text)
  }
}
