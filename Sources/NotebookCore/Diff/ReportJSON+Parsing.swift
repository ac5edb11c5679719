import Foundation
import SAEKit

extension ReportJSON {
  /// Parses JSON text with Foundation's `JSONSerialization`.
  ///
  /// `true`/`false` become ``bool(_:)``, integers ``int(_:)``, numbers with a
  /// fraction or exponent ``double(_:)`` read from their decimal text (so the
  /// shortest round-trip text ``encoded()`` wrote reads back as exactly the
  /// same double). The strings `"nan"`, `"inf"` and `"-inf"` stay strings;
  /// ``number`` interprets them.
  /// - Throws: ``DiffError`` for text that is not JSON.
  public static func parse(_ data: Data) throws -> ReportJSON {
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
      throw DiffError("not valid JSON (\(Self.reason(error)))")
    }
    return try convert(object)
  }

  private static func reason(_ error: Error) -> String {
    let nsError = error as NSError
    if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
    return nsError.localizedDescription
  }

  private static func convert(_ object: Any) throws -> ReportJSON {
    switch object {
    case is NSNull:
      return .null
    case let number as NSNumber:
      return number.json
    case let text as String:
      return .string(text)
    case let items as [Any]:
      return .array(try items.map(convert))
    case let members as [String: Any]:
      var out: [String: ReportJSON] = [:]
      for (key, value) in members { out[key] = try convert(value) }
      return .object(out)
    default:
      throw DiffError("unexpected JSON value of type \(type(of: object))")
    }
  }

  /// One-line JSON text: `1.5`, `"a"`, `[1, 2]`, `{"k": 8}` (keys sorted), and
  /// for numbers ``DiffNumberFormat/value(_:)``.
  public var compact: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return "\(i)"
    case .double(let d): return DiffNumberFormat.value(d)
    case .float(let f): return DiffNumberFormat.value(Double(f))
    case .string(let s): return JSONText.quoted(s)
    case .array(let items): return "[" + items.map(\.compact).joined(separator: ", ") + "]"
    case .object(let members):
      return "{" + ReportJSON.sortedKeys(members).map { JSONText.quoted($0) + ": " + members[$0]!.compact }.joined(separator: ", ") + "}"
    }
  }
}

extension NSNumber {
  /// Booleans (`objCType` `c`) as bools, integral types as ints, the rest as
  /// doubles parsed from the decimal text (an `NSDecimalNumber`'s
  /// `doubleValue` may be one ulp off).
  fileprivate var json: ReportJSON {
    let type = String(cString: objCType)
    if type == "c" || type == "B" { return .bool(boolValue) }
    if !(self is NSDecimalNumber), ["s", "i", "l", "q", "S", "I", "L"].contains(type) { return .int(intValue) }
    if !(self is NSDecimalNumber), type == "Q" {
      let value = uint64Value
      return value <= UInt64(Int.max) ? .int(Int(value)) : .double(Double(value))
    }
    return .double(Double(description) ?? doubleValue)
  }
}
