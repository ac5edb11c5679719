import SAEKit

/// The arguments of one builtin call, bound to parameter names, with the
/// defaults filled in. Accessors convert and check types; a mismatch is a
/// ``RuntimeError`` that names the parameter (so the diagnostic points at it).
public struct CallArguments: Sendable {
  public var values: [String: Value]
  public var variadic: [Value]
  public var ranges: [String: SourceRange]
  public var callRange: SourceRange
  /// The value a method was called on.
  public var receiver: Value?

  public init(values: [String: Value] = [:], variadic: [Value] = [], ranges: [String: SourceRange] = [:],
              callRange: SourceRange, receiver: Value? = nil) {
    self.values = values
    self.variadic = variadic
    self.ranges = ranges
    self.callRange = callRange
    self.receiver = receiver
  }

  public func has(_ name: String) -> Bool { values[name] != nil }

  func value(_ name: String) throws -> Value {
    guard let v = values[name] else { throw RuntimeError("missing argument '\(name)'", argument: name) }
    return v
  }

  public func int(_ name: String) throws -> Int {
    guard case .int(let i) = try value(name) else { throw mismatch(name, "Int") }
    return i
  }

  public func positiveInt(_ name: String) throws -> Int {
    let i = try int(name)
    guard i > 0 else { throw RuntimeError("'\(name)' must be positive, got \(i)", argument: name) }
    return i
  }

  public func double(_ name: String) throws -> Double {
    switch try value(name) {
    case .double(let d): return d
    case .int(let i): return Double(i)
    default: throw mismatch(name, "Double")
    }
  }

  public func optionalDouble(_ name: String) throws -> Double? { has(name) ? try double(name) : nil }
  public func optionalInt(_ name: String) throws -> Int? { has(name) ? try int(name) : nil }
  public func optionalString(_ name: String) throws -> String? { has(name) ? try string(name) : nil }

  public func bool(_ name: String) throws -> Bool {
    guard case .bool(let b) = try value(name) else { throw mismatch(name, "Bool") }
    return b
  }

  public func string(_ name: String) throws -> String {
    guard case .string(let s) = try value(name) else { throw mismatch(name, "String") }
    return s
  }

  public func matrix(_ name: String) throws -> Matrix {
    guard case .matrix(let m) = try value(name) else { throw mismatch(name, "Matrix") }
    return m
  }

  public func sae(_ name: String) throws -> TrainedSAE {
    guard case .sae(let s) = try value(name) else { throw mismatch(name, "SAE") }
    return s
  }

  public func activation(_ name: String) throws -> ActivationKind {
    guard case .activation(let a) = try value(name) else { throw mismatch(name, "Activation") }
    return a
  }

  public func array(_ name: String) throws -> [Value] {
    let v = try value(name)
    if let n = v.integerRange?.count, n > Value.maximumMaterializedRange {
      throw RuntimeError("a range of \(n) integers is too large to pass as an array (at most \(Value.maximumMaterializedRange))", argument: name)
    }
    guard let items = v.elements else { throw mismatch(name, "an array") }
    return items
  }

  /// An array (or range) of numbers as Doubles.
  public func doubles(_ name: String) throws -> [Double] {
    try array(name).map { item in
      switch item {
      case .double(let d): return d
      case .int(let i): return Double(i)
      default: throw RuntimeError("'\(name)' must contain numbers, found \(item.type)", argument: name)
      }
    }
  }

  /// An array (or range) of Ints, as they are (no round trip through Double, which would
  /// round ids near Int.max past it).
  public func ints(_ name: String) throws -> [Int] {
    try array(name).map { item in
      guard case .int(let i) = item else { throw RuntimeError("'\(name)' must contain Ints, found \(item.type)", argument: name) }
      return i
    }
  }

  public func strings(_ name: String) throws -> [String] {
    try array(name).map { item in
      guard case .string(let s) = item else { throw RuntimeError("'\(name)' must contain strings, found \(item.type)", argument: name) }
      return s
    }
  }

  func mismatch(_ name: String, _ expected: String) -> RuntimeError {
    RuntimeError("'\(name)' must be \(expected), got \(values[name]?.type.description ?? "nothing")", argument: name)
  }
}
