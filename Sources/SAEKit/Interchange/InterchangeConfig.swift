import Foundation

/// A parsed `cfg.json` of an SAE folder (SAELens or sparsify), with typed
/// look-ups whose errors name the file and the key.
///
/// Integers are accepted as `3` or `3.0`; numbers as any JSON number; booleans
/// only as `true`/`false`. A key holding `null` reads as absent.
struct InterchangeConfig {
  typealias Value = SafeTensors.JSONValue

  /// The path of the `cfg.json` file (used in error messages).
  let path: String
  let entries: [String: Value]

  /// Reads and parses `path`.
  /// - Throws: ``SAEKitError/file(path:reason:)`` when the file is missing, unreadable or not a JSON object.
  init(path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else {
      throw SAEKitError.file(path: path, reason: "no such file: an SAE folder needs a cfg.json next to its weights")
    }
    let data = try FileContents.read(path)
    let value: Value
    do {
      value = try JSONDecoder().decode(Value.self, from: data)
    } catch {
      throw SAEKitError.file(path: path, reason: "not valid JSON")
    }
    guard case .object(let entries) = value else {
      throw SAEKitError.file(path: path, reason: "the top level is not a JSON object")
    }
    self.init(path: path, entries: entries)
  }

  init(path: String, entries: [String: Value]) {
    self.path = path
    self.entries = entries
  }

  func fail(_ reason: String) -> SAEKitError { .file(path: path, reason: reason) }

  /// The value at `key`, `nil` when absent or `null`.
  func value(_ key: String) -> Value? {
    guard let v = entries[key], v != .null else { return nil }
    return v
  }

  /// The nested object at `key` as its own config (same path), or `nil`.
  func object(_ key: String) throws -> InterchangeConfig? {
    guard let v = value(key) else { return nil }
    guard case .object(let inner) = v else { throw fail("key \"\(key)\" is not a JSON object") }
    return InterchangeConfig(path: path, entries: inner)
  }

  func string(_ key: String) throws -> String? {
    guard let v = value(key) else { return nil }
    guard case .string(let s) = v else { throw fail("key \"\(key)\" is not a string") }
    return s
  }

  func bool(_ key: String) throws -> Bool? {
    guard let v = value(key) else { return nil }
    guard case .bool(let b) = v else { throw fail("key \"\(key)\" is not true or false") }
    return b
  }

  func int(_ key: String) throws -> Int? {
    guard let v = value(key) else { return nil }
    switch v {
    case .int(let n): return n
    case .number(let x) where x.rounded() == x && abs(x) < 0x1p53: return Int(x)
    default: throw fail("key \"\(key)\" is not an integer")
    }
  }

  func number(_ key: String) throws -> Double? {
    guard let v = value(key) else { return nil }
    switch v {
    case .int(let n): return Double(n)
    case .number(let x): return x
    default: throw fail("key \"\(key)\" is not a number")
    }
  }

  /// The integer at `key`, which must be present.
  func requiredInt(_ key: String) throws -> Int {
    guard let n = try int(key) else { throw fail("missing key \"\(key)\"") }
    return n
  }
}

extension JSONValue {
  /// The text of a `cfg.json` written by the interchange savers (keys sorted byte-wise at every
  /// level, two-space indentation, Floats in their shortest round-trip form, so the same SAE
  /// always gives the same bytes), ending in a newline.
  /// - Throws: ``SAEKitError/nonFinite(_:)`` for a NaN or infinity, which Python's readers reject.
  func configText() throws -> String {
    if let bad = firstNonFiniteNumber { throw SAEKitError.nonFinite("cannot write \(Float(bad)) to cfg.json") }
    return encoded()
  }
}
