import SAEKit

/// Arithmetic, comparison and range operators on runtime values, with
/// Swift's semantics where it matters: Int arithmetic that overflows or
/// divides by zero is an error (not a trap), Int and Double mix as Double.
enum Operators {
  /// Int ∘ Int without going through ``binary``: the checker uses it when both operands are
  /// statically Int (the common case in loops). Constants and variables are fetched directly
  /// and Int operands with an unboxed code run it (``IntOperand``); arithmetic also gives its
  /// result unboxed (``Typed/int``), comparisons their test (``Typed/comparison``).
  static func integerCode(_ op: BinaryOperator, _ l: Typed, _ r: Typed, _ range: SourceRange) -> Typed? {
    let a = IntOperand(l), b = IntOperand(r)
    // The operator a literal in each closure, so that ``arithmetic`` folds to one operation. The
    // boxed code does not call the unboxed one: that would add a closure call to each `s += i`.
    switch op {
    case .add:
      return Typed(type: .int, code: { f in .int(try arithmetic(.add, a.value(f, op, range), b.value(f, op, range), range)) },
                   int: IntCode { f in try arithmetic(.add, a.value(f, op, range), b.value(f, op, range), range) },
                   offset: offset(a, b) ?? offset(b, a))
    case .subtract:
      var negated: IntOperand?
      if case .constant(let c) = b, c != .min { negated = .constant(-c) }
      return Typed(type: .int, code: { f in .int(try arithmetic(.subtract, a.value(f, op, range), b.value(f, op, range), range)) },
                   int: IntCode { f in try arithmetic(.subtract, a.value(f, op, range), b.value(f, op, range), range) },
                   offset: negated.flatMap { offset(a, $0) })
    case .multiply:
      return Typed(type: .int, code: { f in .int(try arithmetic(.multiply, a.value(f, op, range), b.value(f, op, range), range)) },
                   int: IntCode { f in try arithmetic(.multiply, a.value(f, op, range), b.value(f, op, range), range) })
    case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual:
      let comparison = IntComparison(op: op, a: a, b: b)
      return Typed(type: .bool, code: { f in .bool(try comparison.holds(f, range)) }, comparison: comparison)
    default: return nil
    }
  }

  /// `variable + constant` as an ``Typed/offset``, when `a` is a variable of the running frame
  /// and `b` a constant.
  private static func offset(_ a: IntOperand, _ b: IntOperand) -> (slot: Int, by: Int)? {
    if case .local(let s) = a, case .constant(let c) = b { return (s, c) }
    return nil
  }

  static func unary(_ op: UnaryOperator, _ v: Value, at range: SourceRange) throws -> Value {
    switch (op, v) {
    case (.not, .bool(let b)): return .bool(!b)
    case (.plus, .int), (.plus, .double): return v
    case (.negate, .double(let d)): return .double(-d)
    case (.negate, .int(let i)):
      let (r, overflow) = (0).subtractingReportingOverflow(i)
      if overflow { throw Diagnostic.error("arithmetic overflow: -(\(i)) does not fit in an Int", at: range) }
      return .int(r)
    default:
      throw Diagnostic.error("unary operator '\(op.rawValue)' cannot be applied to '\(v.type)'", at: range)
    }
  }

  /// The longest string a cell may build, in UTF-8 bytes: doubling a string in a loop passed 4 GB
  /// in seconds, under any time limit, and the process was killed with no report.
  static let maximumStringBytes = 100_000_000

  /// Refuses a string of `bytes` before it is built.
  static func checkStringLength(_ bytes: Int, at range: SourceRange) throws {
    guard bytes <= maximumStringBytes else {
      throw Diagnostic.error(
        "the string would be \(bytes / 1_000_000) MB long, more than a cell's strings may be (\(maximumStringBytes / 1_000_000) MB)",
        at: range)
    }
  }

  static func binary(_ op: BinaryOperator, _ l: Value, _ r: Value, at range: SourceRange) throws -> Value {
    switch (l, r) {
    case (.int(let a), .int(let b)): return try integers(op, a, b, range)
    case (.int, .double), (.double, .int), (.double, .double):
      return try doubles(op, number(l), number(r), range)
    case (.string(let a), .string(let b)):
      if op == .add {
        try checkStringLength(a.utf8.count + b.utf8.count, at: range)
        return .string(a + b)
      }
      if let result = comparison(op, a, b) { return result }
    case (.bool(let a), .bool(let b)):
      switch op {
      case .equal: return .bool(a == b)
      case .notEqual: return .bool(a != b)
      case .and: return .bool(a && b)
      case .or: return .bool(a || b)
      default: break
      }
    case (.array(let a), .array(let b)) where op == .add:
      return .array(a + b)
    case (.matrix(let a), .matrix(let b)):
      do {
        switch op {
        case .add: return .matrix(try a.adding(b))
        case .subtract: return .matrix(try a.subtracting(b))
        case .multiply: return .matrix(try a.hadamard(b))
        default: break
        }
      } catch let e as SAEKitError {
        throw Diagnostic.error("\(e.description) (\(a.rows) × \(a.cols) and \(b.rows) × \(b.cols))", at: range)
      }
    case (.matrix(let m), .int), (.matrix(let m), .double):
      if op == .multiply { return .matrix(m.scaled(by: Float(number(r)))) }
      if op == .divide { return .matrix(m.scaled(by: Float(1 / number(r)))) }
    case (.int, .matrix(let m)), (.double, .matrix(let m)):
      if op == .multiply { return .matrix(m.scaled(by: Float(number(l)))) }
    case (.activation(let a), .activation(let b)):
      if op == .equal { return .bool(a == b) }
      if op == .notEqual { return .bool(a != b) }
    case (.nilValue, _), (_, .nilValue):
      let bothNil: Bool = { if case .nilValue = l, case .nilValue = r { return true }; return false }()
      if op == .equal { return .bool(bothNil) }
      if op == .notEqual { return .bool(!bothNil) }
    case (.tuple(let a), .tuple(let b)) where op == .equal || op == .notEqual:
      guard a.values.count == b.values.count else { return .bool(op == .notEqual) }
      var same = true
      for (x, y) in zip(a.values, b.values) {
        guard case .bool(let e) = try binary(.equal, x, y, at: range) else { same = false; break }
        if !e { same = false; break }
      }
      return .bool(op == .equal ? same : !same)
    default: break
    }
    throw Diagnostic.error("binary operator '\(op.rawValue)' cannot be applied to '\(l.type)' and '\(r.type)'", at: range)
  }

  static func number(_ v: Value) -> Double {
    switch v {
    case .int(let i): return Double(i)
    case .double(let d): return d
    default: return .nan
    }
  }

  /// `a + b`, `a - b` or `a * b` (`op`), or the error that it does not fit in an Int.
  @inline(__always) static func arithmetic(_ op: BinaryOperator, _ a: Int, _ b: Int, _ range: SourceRange) throws -> Int {
    let (result, overflow): (Int, Bool)
    switch op {
    case .add: (result, overflow) = a.addingReportingOverflow(b)
    case .subtract: (result, overflow) = a.subtractingReportingOverflow(b)
    default: (result, overflow) = a.multipliedReportingOverflow(by: b)
    }
    if overflow { throw overflowError(a, op, b, range) }
    return result
  }

  @inline(never) static func notInts(_ op: BinaryOperator, _ range: SourceRange) -> Diagnostic {
    .error("'\(op.rawValue)' needs Int operands", at: range)
  }

  @inline(never) static func overflowError(_ a: Int, _ op: BinaryOperator, _ b: Int, _ range: SourceRange) -> Diagnostic {
    .error("arithmetic overflow: \(a) \(op.rawValue) \(b) does not fit in an Int", at: range)
  }

  static func integers(_ op: BinaryOperator, _ a: Int, _ b: Int, _ range: SourceRange) throws -> Value {
    func checked(_ result: (partialValue: Int, overflow: Bool)) throws -> Value {
      if result.overflow { throw overflowError(a, op, b, range) }
      return .int(result.partialValue)
    }
    switch op {
    case .add, .subtract, .multiply: return .int(try arithmetic(op, a, b, range))
    case .divide, .remainder:
      if b == 0 { throw Diagnostic.error("division by zero", at: range) }
      return try op == .divide ? checked(a.dividedReportingOverflow(by: b)) : checked(a.remainderReportingOverflow(dividingBy: b))
    case .halfOpenRange:
      if b < a { throw Diagnostic.error("range requires lower bound <= upper bound, got \(a)..<\(b)", at: range) }
      // Every range's count fits in an Int (Swift's own count would trap), so no later use can overflow.
      if b.subtractingReportingOverflow(a).overflow {
        throw Diagnostic.error("the range \(a)..<\(b) has more elements than an Int can count", at: range)
      }
      return .range(lower: a, upper: b, closed: false)
    case .closedRange:
      if b < a { throw Diagnostic.error("range requires lower bound <= upper bound, got \(a)...\(b)", at: range) }
      let (span, overflow) = b.subtractingReportingOverflow(a)
      if overflow || span == .max {
        throw Diagnostic.error("the range \(a)...\(b) has more elements than an Int can count", at: range)
      }
      return .range(lower: a, upper: b, closed: true)
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return comparison(op, a, b)!
    case .and, .or: throw Diagnostic.error("'\(op.rawValue)' needs Bool operands", at: range)
    case .nilCoalescing: throw Diagnostic.error("'??' needs an optional on its left", at: range)
    }
  }

  static func doubles(_ op: BinaryOperator, _ a: Double, _ b: Double, _ range: SourceRange) throws -> Value {
    switch op {
    case .add: return .double(a + b)
    case .subtract: return .double(a - b)
    case .multiply: return .double(a * b)
    case .divide: return .double(a / b)
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return comparison(op, a, b)!
    default: throw Diagnostic.error("binary operator '\(op.rawValue)' cannot be applied to Double operands", at: range)
    }
  }

  /// `a op b` for the six comparison operators (Int, Double and String share it); nil for any
  /// other operator.
  static func comparison<T: Comparable>(_ op: BinaryOperator, _ a: T, _ b: T) -> Value? {
    switch op {
    case .equal: return .bool(a == b)
    case .notEqual: return .bool(a != b)
    case .less: return .bool(a < b)
    case .lessOrEqual: return .bool(a <= b)
    case .greater: return .bool(a > b)
    case .greaterOrEqual: return .bool(a >= b)
    default: return nil
    }
  }
}

/// An Int operand of a fast path: a constant and a variable of the current frame or of the
/// top level are read in place, an expression with an unboxed code (``Typed/int``) runs that;
/// anything else runs its code.
enum IntOperand {
  case constant(Int)
  case local(Int)
  case global(Int)
  case unboxed(IntEvaluation)
  case code(Evaluation)
  /// An Int variable of the running frame plus a constant (``Typed/offset``), computed in
  /// place; `checked`, the expression's own code, runs instead when it would overflow (and
  /// throws its error) or when the slot holds no Int.
  case offset(slot: Int, by: Int, checked: IntEvaluation)

  init(_ t: Typed) {
    if let (slot, by) = t.offset, let int = t.int {
      self = .offset(slot: slot, by: by, checked: int.run)
      return
    }
    switch t.source {
    case .constant(.int(let i))?: self = .constant(i)
    case .location(.local(0, let s))?: self = .local(s)
    case .location(.global(let s))?: self = .global(s)
    default:
      // (not `t.int.map`: a closure passed through generic code is called through thunks)
      if let int = t.int { self = .unboxed(int.run) } else { self = .code(t.code) }
    }
  }

  /// The operand's Int; `failure` when it is not one (only a checker mistake could cause that).
  /// (The error is made only then: code that captured a ready `Diagnostic` copied it per call.)
  @inline(__always) func value(_ f: Frame, or failure: @autoclosure () -> Diagnostic) throws -> Int {
    switch self {
    case .constant(let i): return i
    case .local(let s): if case .int(let i) = f.slots[s] { return i }
    case .global(let s): if case .int(let i) = f.machine.globalSlots[s] { return i }
    case .unboxed(let int): return try int(f)
    case .code(let code): if case .int(let i) = try code(f) { return i }
    case .offset(let s, let by, let checked):
      if case .int(let i) = f.slots[s] {
        let (result, overflow) = i.addingReportingOverflow(by)
        if !overflow { return result }
      }
      return try checked(f)
    }
    throw failure()
  }

  /// The Int operand of `op` at `range`.
  @inline(__always) func value(_ f: Frame, _ op: BinaryOperator, _ range: SourceRange) throws -> Int {
    try value(f, or: Operators.notInts(op, range))
  }
}

/// An Int comparison (`a < b`, `a == b` …) whose operands are read as ``IntOperand``s: a
/// condition or a `? :` tests it in place, with no closure call or `Bool` value between.
/// (It holds no source range: code that captured one inside it copied it on every test.)
struct IntComparison {
  let op: BinaryOperator
  let a: IntOperand, b: IntOperand

  /// Whether it holds; an error at `range` if an operand is not an Int.
  @inline(__always) func holds(_ f: Frame, _ range: SourceRange) throws -> Bool {
    let x = try a.value(f, op, range), y = try b.value(f, op, range)
    switch op {
    case .less: return x < y
    case .lessOrEqual: return x <= y
    case .greater: return x > y
    case .greaterOrEqual: return x >= y
    case .equal: return x == y
    default: return x != y
    }
  }
}
