/// What the code of a call gives back (``Checker/callByName(_:_:_:_:_:)``): a ``Value``, or the
/// Int itself for a call whose type is Int (``Typed/int``), written once for both.
protocol CallResult {
  /// Runs the body of `compiled` in the call's `frame`, which holds its arguments.
  static func finish(_ compiled: CompiledFunction, _ frame: Frame) throws -> Self
  /// The value a call of the function `name` returned, as this result.
  static func taking(_ value: Value, from name: String) throws -> Self
}

extension Value: CallResult {
  @inline(__always) static func finish(_ compiled: CompiledFunction, _ frame: Frame) throws -> Value {
    try compiled.finish(frame)
  }

  static func taking(_ value: Value, from name: String) -> Value { value }
}

extension Int: CallResult {
  @inline(__always) static func finish(_ compiled: CompiledFunction, _ frame: Frame) throws -> Int {
    try compiled.finishInt(frame)
  }

  static func taking(_ value: Value, from name: String) throws -> Int {
    guard case .int(let i) = value else { throw RuntimeError("'\(name)' returned a '\(value.type)' where an 'Int' was expected") }
    return i
  }
}

/// An argument of a call's fast path (``Checker/callByName(_:_:_:_:_:)``): its code, or for an
/// Int argument with unboxed code, that code (an enum, not an array of closures: a closure
/// taken out of an array is called through a reabstraction thunk).
enum ArgumentCode {
  case value(Evaluation)
  case int(IntOperand)

  init(_ t: Typed) {
    self = t.type == .int && t.int != nil ? .int(IntOperand(t)) : .value(t.code)
  }

  /// The value of an argument of the call of `name` at `range`.
  @inline(__always) func value(_ f: Frame, _ name: String, _ range: SourceRange) throws -> Value {
    switch self {
    case .value(let code): return try code(f)
    case .int(let operand): return .int(try operand.value(f, or: Checker.notInt("an argument of '\(name)'", range)))
    }
  }
}
