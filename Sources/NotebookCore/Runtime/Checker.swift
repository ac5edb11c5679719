/// The static checker: runs over every cell before anything executes and
/// reports unknown names, functions and labels, wrong argument counts and
/// types, use before definition and assignments to constants — all of them,
/// each with its range in the `.md` file.
///
/// Names persist from cell to cell as in a Jupyter kernel; `definedAnywhere`
/// (every top-level name bound somewhere in the notebook) turns "cannot find
/// 'x'" into "'x' is used before its definition" when it is defined later.
public struct Checker {
  struct Binding {
    var type: ValueType
    var mutable: Bool
    /// Where it is defined; nil for names that exist before the first cell (parameters).
    var range: SourceRange?
  }

  let registry: Registry
  var scopes: [[String: Binding]] = [[:]]
  var definedAnywhere: [String: SourceRange]
  public internal(set) var diagnostics: [Diagnostic] = []

  public init(registry: Registry, notebook programs: [CellProgram]) {
    self.registry = registry
    var defined: [String: SourceRange] = [:]
    for program in programs {
      for statement in program.statements {
        if case .binding(_, let name, _) = statement.kind, defined[name.name] == nil { defined[name.name] = name.range }
      }
    }
    definedAnywhere = defined
  }

  /// Checks one cell; its top-level names stay visible to later cells.
  /// - Returns: the diagnostics of this cell.
  @discardableResult
  public mutating func check(_ program: CellProgram) -> [Diagnostic] {
    let before = diagnostics.count
    for (i, statement) in program.statements.enumerated() {
      check(statement, displayed: i == program.statements.count - 1)
    }
    return Array(diagnostics[before...])
  }

  /// The type a name has after the cells checked so far (nil if unbound).
  public func typeOf(_ name: String) -> ValueType? { lookup(name)?.type }

  /// Declares a constant that exists before the first cell: a notebook parameter.
  public mutating func predefine(_ name: String, type: ValueType) {
    scopes[0][name] = Binding(type: type, mutable: false, range: nil)
  }

  /// Declares the top-level names of a cell that could not be checked (a syntax error,
  /// an expected error) with type `Any`, so later cells get no cascade of "cannot find".
  public mutating func declareUnknown(_ program: CellProgram) {
    for statement in program.statements {
      if case .binding(let mutable, let name, _) = statement.kind {
        scopes[0][name.name] = Binding(type: .any, mutable: mutable, range: name.range)
      }
    }
  }

  /// How to make `name` changeable, for "is a 'let' constant" errors.
  func constantNote(_ name: String, _ binding: Binding) -> String {
    guard let range = binding.range else {
      return "'\(name)' is a notebook parameter: set it in the front matter or with -P \(name)=…"
    }
    return "change 'let' to 'var' where '\(name)' is defined (line \(range.start.line)) to make it mutable"
  }

  mutating func report(_ message: String, at range: SourceRange, notes: [String] = []) {
    diagnostics.append(.error(message, at: range, notes: notes))
  }

  /// A value computed and dropped: only a cell's last expression is shown, so a
  /// table or a number in the middle of a cell would vanish without a word.
  mutating func warnUnused(_ e: Expression, _ type: ValueType) {
    let what = type == .table ? "this table is never shown" : "this \(type) value is never shown or used"
    diagnostics.append(Diagnostic(
      .warning, "\(what): only a cell's last expression is displayed", at: e.range,
      notes: ["wrap it in show(…) to display it here, or bind it with 'let' to use it later"]))
  }

  func lookup(_ name: String) -> Binding? {
    for scope in scopes.reversed() { if let b = scope[name] { return b } }
    return nil
  }

  mutating func define(_ name: Identifier, _ type: ValueType, mutable: Bool) {
    if registry.namespaces[name.name] != nil || registry.functions[name.name] != nil {
      report("'\(name.name)' is a builtin and cannot be redefined", at: name.range)
      return
    }
    scopes[scopes.count - 1][name.name] = Binding(type: type, mutable: mutable, range: name.range)
  }

  mutating func inScope(_ body: (inout Checker) -> Void) {
    scopes.append([:])
    body(&self)
    scopes.removeLast()
  }

  /// - Parameter displayed: the statement is a cell's last, whose value the report shows.
  mutating func check(_ statement: Statement, displayed: Bool = false) {
    switch statement.kind {
    case .binding(let mutable, let name, let value):
      guard let type = infer(value) else {
        define(name, .any, mutable: mutable)  // keep going without cascades
        return
      }
      if type == .void {
        report("'\(name.name)' would have no value: the expression returns nothing", at: value.range)
      }
      define(name, type, mutable: mutable)
    case .assignment(let target, let op, let value):
      checkAssignment(target, op, value)
    case .ifElse(let condition, let then, let otherwise):
      expect(condition, .bool, what: "'if' condition")
      inScope { c in then.forEach { c.check($0) } }
      if let otherwise { inScope { c in otherwise.forEach { c.check($0) } } }
    case .forIn(let name, let sequence, let body):
      var element: ValueType = .any
      if let type = infer(sequence) {
        if let e = type.elementType { element = e } else {
          report("for-in loop requires an array or a range, but '\(type)' is neither", at: sequence.range)
        }
      }
      inScope { c in
        c.scopes[c.scopes.count - 1][name.name] = Binding(type: element, mutable: false, range: name.range)
        body.forEach { c.check($0) }
      }
    case .expression(let e):
      let type = infer(e)
      if !displayed, let type, type != .void, type != .any {
        warnUnused(e, type)
      }
    }
  }

  mutating func checkAssignment(_ target: Expression, _ op: AssignmentOperator, _ value: Expression) {
    let valueType = infer(value)
    switch target.kind {
    case .identifier(let name):
      guard let binding = lookup(name) else {
        _ = infer(target)  // reports the unknown name
        return
      }
      if !binding.mutable {
        report("cannot assign to value: '\(name)' is a 'let' constant", at: target.range,
               notes: [constantNote(name, binding)])
        return
      }
      guard let valueType else { return }
      if op == .assign {
        if !valueType.isAssignable(to: binding.type) {
          report("cannot assign value of type '\(valueType)' to '\(name)' of type '\(binding.type)'", at: value.range)
        }
      } else if let result = binaryType(op.binary, binding.type, valueType), result.isAssignable(to: binding.type) {
        // fine
      } else {
        report("operator '\(op.rawValue)' cannot be applied to '\(binding.type)' and '\(valueType)'", at: value.range)
      }
    case .subscripted(let base, _):
      guard case .identifier(let name) = base.kind, let binding = lookup(name) else {
        report("only elements of a 'var' array can be assigned", at: target.range)
        return
      }
      if !binding.mutable {
        report("cannot assign through subscript: '\(name)' is a 'let' constant", at: base.range)
      }
      if let element = infer(target), let valueType, !valueType.isAssignable(to: element) {
        report("cannot assign value of type '\(valueType)' to an element of type '\(element)'", at: value.range)
      }
    default:
      report("cannot assign to this expression; only variables and array elements can be assigned", at: target.range)
    }
  }

  /// Checks that `e` has a type assignable to `type`.
  mutating func expect(_ e: Expression, _ type: ValueType, what: String) {
    guard let actual = infer(e, expected: type) else { return }
    if !actual.isAssignable(to: type) {
      report("\(what) must be '\(type)', but this is '\(actual)'", at: e.range)
    }
  }
}

extension AssignmentOperator {
  var binary: BinaryOperator {
    switch self {
    case .assign, .add: return .add
    case .subtract: return .subtract
    case .multiply: return .multiply
    case .divide: return .divide
    }
  }
}
