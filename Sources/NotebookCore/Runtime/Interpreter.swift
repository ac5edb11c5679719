import SAEKit

/// Runs checked cells. Names persist from cell to cell (a notebook kernel);
/// every failure becomes a ``Diagnostic`` with the range of the expression
/// at fault, never a crash: integer overflow, division by zero, an index out
/// of range, a builtin's error (a missing file, a shape mismatch, NaN in
/// training) and running past the cell's time limit.
public final class Interpreter {
  public let registry: Registry
  public let context: RuntimeContext
  /// Name bindings, innermost last; only this type and its extensions touch them.
  var scopes: [[String: Value]] = [[:]]

  public init(registry: Registry, context: RuntimeContext) {
    self.registry = registry
    self.context = context
  }

  /// Runs one cell. Returns the value of its last statement when that is a
  /// bare expression with a value (what the report displays).
  /// - Throws: ``Diagnostic``.
  public func run(_ program: CellProgram) throws -> Value? {
    var displayed: Value?
    for (i, statement) in program.statements.enumerated() {
      try checkTime(statement.range)
      if i == program.statements.count - 1, case .expression(let e) = statement.kind {
        let v = try evaluate(e)
        if case .void = v {} else { displayed = v }
      } else {
        try execute(statement)
      }
    }
    return displayed
  }

  /// The value of a top-level name (for tests and the report).
  public func value(of name: String) -> Value? { scopes.first?[name] }

  /// Binds a top-level name outside any cell: a notebook parameter before the first
  /// cell, or a name a cached cell wrote.
  public func define(_ name: String, _ value: Value) { scopes[0][name] = value }

  /// The values of the top-level names among `names` that are bound.
  public func values(of names: Set<String>) -> [String: Value] {
    scopes[0].filter { names.contains($0.key) }
  }

  func checkTime(_ range: SourceRange) throws {
    do { try context.checkDeadline() } catch let e as RuntimeError { throw Diagnostic.error(e.message, at: range) }
  }

  func lookup(_ name: String, _ range: SourceRange) throws -> Value {
    for scope in scopes.reversed() { if let v = scope[name] { return v } }
    if registry.namespaces[name] != nil { return .namespace(name) }
    throw Diagnostic.error("cannot find '\(name)' in scope", at: range)
  }

  func assign(_ name: String, _ value: Value, _ range: SourceRange) throws {
    for i in scopes.indices.reversed() where scopes[i][name] != nil {
      scopes[i][name] = value
      return
    }
    throw Diagnostic.error("cannot find '\(name)' in scope", at: range)
  }

  func inScope<T>(_ body: () throws -> T) rethrows -> T {
    scopes.append([:])
    defer { scopes.removeLast() }
    return try body()
  }

  func execute(_ statement: Statement) throws {
    switch statement.kind {
    case .binding(_, let name, let value):
      scopes[scopes.count - 1][name.name] = try evaluate(value)
    case .assignment(let target, let op, let valueExpression):
      let value = try evaluate(valueExpression)
      try assign(to: target, op, value, statement.range)
    case .ifElse(let condition, let then, let otherwise):
      if try truth(condition) {
        try inScope { for s in then { try checkTime(s.range); try execute(s) } }
      } else if let otherwise {
        try inScope { for s in otherwise { try checkTime(s.range); try execute(s) } }
      }
    case .forIn(let name, let sequence, let body):
      let seq = try evaluate(sequence)
      // Ranges are walked lazily: `for i in 0..<1_000_000_000 {}` is stopped by the time limit, not by memory.
      let items: AnySequence<Value>
      if let r = seq.integerRange {
        items = AnySequence(r.lazy.map { Value.int($0) })
      } else if case .array(let array) = seq {
        items = AnySequence(array)
      } else {
        throw Diagnostic.error("for-in loop requires an array or a range, got '\(seq.type)'", at: sequence.range)
      }
      for item in items {
        try checkTime(statement.range)
        try inScope {
          scopes[scopes.count - 1][name.name] = item
          for s in body { try execute(s) }
        }
      }
    case .expression(let e):
      _ = try evaluate(e)
    }
  }

  func assign(to target: Expression, _ op: AssignmentOperator, _ value: Value, _ range: SourceRange) throws {
    switch target.kind {
    case .identifier(let name):
      let newValue =
        op == .assign ? value : try Operators.binary(op.binary, try lookup(name, target.range), value, at: range)
      try assign(name, newValue, target.range)
    case .subscripted(let base, let arguments):
      guard case .identifier(let name) = base.kind, arguments.count == 1 else {
        throw Diagnostic.error("only elements of a 'var' array can be assigned", at: target.range)
      }
      guard case .array(var items) = try lookup(name, base.range) else {
        throw Diagnostic.error("'\(name)' is not an array", at: base.range)
      }
      let index = try integer(arguments[0].value)
      guard items.indices.contains(index) else {
        throw Diagnostic.error(
          "index \(index) out of range for an array of \(items.count) elements", at: arguments[0].value.range)
      }
      items[index] = op == .assign ? value : try Operators.binary(op.binary, items[index], value, at: range)
      try assign(name, .array(items), target.range)
    default:
      throw Diagnostic.error("cannot assign to this expression", at: target.range)
    }
  }

  func truth(_ e: Expression) throws -> Bool {
    guard case .bool(let b) = try evaluate(e) else { throw Diagnostic.error("condition must be a Bool", at: e.range) }
    return b
  }

  func integer(_ e: Expression) throws -> Int {
    guard case .int(let i) = try evaluate(e) else { throw Diagnostic.error("index must be an Int", at: e.range) }
    return i
  }
}
