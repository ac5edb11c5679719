import SAEKit

/// Runs compiled cells (``CompiledCell``, made by the ``Checker``). Names persist from cell to
/// cell (a notebook kernel) in the slots of the top-level frame; every failure becomes a
/// ``Diagnostic`` with the range of the expression at fault, never a crash: integer overflow,
/// division by zero, an index out of range, recursion without end, a builtin's error (a
/// missing file, a shape mismatch, NaN in training) and running past the cell's time limit.
public final class Interpreter {
  public let registry: Registry
  public let context: RuntimeContext
  let machine: Machine
  let globals: GlobalLayout
  /// Compiles programs handed to ``run(_:)-(CellProgram)`` (tests and single cells).
  private var checker: Checker

  public init(registry: Registry, context: RuntimeContext, globals: GlobalLayout = GlobalLayout()) {
    self.registry = registry
    self.context = context
    self.globals = globals
    machine = Machine(context: context)
    checker = Checker(registry: registry, notebook: [], globals: globals)
  }

  /// Checks, compiles and runs one program; the first error is thrown.
  /// - Throws: ``Diagnostic``.
  public func run(_ program: CellProgram) throws -> Value? {
    for (name, slot) in globals.slots where checker.typeOf(name) == nil {
      let value = slot < machine.globals.count ? machine.globals.slots[slot] : .void
      checker.predefine(name, type: value.type)
    }
    let (code, diagnostics) = checker.compile(program)
    if let error = diagnostics.first(where: { $0.severity != .warning }) { throw error }
    guard let code else { return nil }
    return try run(code)
  }

  /// Runs one compiled cell. Returns the value of its last statement when that is a bare
  /// expression with a value (what the report displays).
  /// - Throws: ``Diagnostic``.
  public func run(_ cell: CompiledCell) throws -> Value? {
    machine.reserveGlobals(globals.count)
    machine.depth = 0
    let frame = machine.globals!
    for statement in cell.statements {
      try machine.checkTime(statement.range)
      switch try statement.code(frame) {
      case .normal: continue
      default: return nil  // `break`/`continue` outside a loop are rejected by the checker
      }
    }
    guard let displayed = cell.displayed else { return nil }
    let value = try displayed(frame)
    if case .void = value { return nil }
    return value
  }

  /// The value of a top-level name (for tests and the report).
  public func value(of name: String) -> Value? {
    guard let slot = globals.slots[name], slot < machine.globals.count else { return nil }
    return machine.globals.slots[slot]
  }

  /// Binds a top-level name outside any cell: a notebook parameter before the first
  /// cell, or a name a cached cell wrote.
  public func define(_ name: String, _ value: Value) {
    let slot = globals.slot(for: name)
    machine.reserveGlobals(globals.count)
    machine.globals.slots[slot] = value
  }

  /// The values of the top-level names among `names` that are bound.
  public func values(of names: Set<String>) -> [String: Value] {
    var out: [String: Value] = [:]
    for name in names {
      if let v = value(of: name) {
        if case .void = v { continue }
        out[name] = v
      }
    }
    return out
  }
}
