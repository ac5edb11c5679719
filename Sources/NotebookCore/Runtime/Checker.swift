/// The static checker, which is also the compiler: it runs over every cell before anything
/// executes, reports unknown names, functions and labels, wrong argument counts and types,
/// use before definition and assignments to constants — all of them, each with its range in
/// the `.md` file — and turns each cell without errors into a ``CompiledCell``: names bound
/// to slots, calls bound to registry entries with their arguments matched, types known.
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
    /// The function context (0: the top level) whose frame holds it, and its slot there.
    var context: Int
    var slot: Int
    /// A `func`'s parameters (labels, types, which have defaults), for binding its calls.
    var signature: UserFunctionSignature?
  }

  /// The innermost function or closure being compiled (index 0: the notebook's top level).
  struct FunctionContext {
    var slotCount = 0
    /// The declared result type; nil while a closure's result is being inferred.
    var returnType: ValueType?
    /// Types of the `return` statements seen, for a closure without a declared result.
    var returnTypes: [ValueType] = []
    /// `$0`, `$1` … of a closure without named parameters: their slots and types.
    var anonymousParameters: [(slot: Int, type: ValueType)]?
    var isClosure = false
    var name = ""
  }

  let registry: Registry
  var scopes: [[String: Binding]] = [[:]]
  /// The function context each scope belongs to.
  var scopeContexts: [Int] = [0]
  var contexts: [FunctionContext] = [FunctionContext()]
  /// Loops enclosing the statement being checked in the current function (for `break`).
  var loopDepth = 0
  public let globals: GlobalLayout
  var definedAnywhere: [String: SourceRange]
  public internal(set) var diagnostics: [Diagnostic] = []

  public init(registry: Registry, notebook programs: [CellProgram], globals: GlobalLayout = GlobalLayout()) {
    self.registry = registry
    self.globals = globals
    var defined: [String: SourceRange] = [:]
    for program in programs {
      for statement in program.statements {
        switch statement.kind {
        case .binding(_, let pattern, _, _):
          for name in pattern.names where defined[name.name] == nil { defined[name.name] = name.range }
        case .function(let f):
          if defined[f.name.name] == nil { defined[f.name.name] = f.name.range }
        case .guardLet(let name, _, _):
          if defined[name.name] == nil { defined[name.name] = name.range }
        default: break
        }
      }
    }
    definedAnywhere = defined
  }

  /// Checks one cell; its top-level names stay visible to later cells.
  /// - Returns: the diagnostics of this cell.
  @discardableResult
  public mutating func check(_ program: CellProgram) -> [Diagnostic] { compile(program).diagnostics }

  /// Checks one cell and compiles it; the code is nil when the cell has errors.
  public mutating func compile(_ program: CellProgram) -> (code: CompiledCell?, diagnostics: [Diagnostic]) {
    let before = diagnostics.count
    var statements: [(code: Execution, range: SourceRange)] = []
    var displayed: Evaluation?
    for (i, statement) in program.statements.enumerated() {
      let last = i == program.statements.count - 1
      if last, case .expression(let e) = statement.kind {
        if let typed = infer(e) { displayed = typed.code }
        continue
      }
      if let code = compile(statement) { statements.append((code, statement.range)) }
    }
    let found = Array(diagnostics[before...])
    let failed = found.contains { $0.severity != .warning }
    return (failed ? nil : CompiledCell(statements: statements, displayed: displayed), found)
  }

  /// The type a name has after the cells checked so far (nil if unbound).
  public func typeOf(_ name: String) -> ValueType? { lookup(name)?.type }

  /// Declares a constant that exists before the first cell: a notebook parameter.
  public mutating func predefine(_ name: String, type: ValueType) {
    scopes[0][name] = Binding(type: type, mutable: false, range: nil, context: 0, slot: globals.slot(for: name))
  }

  /// Declares the top-level names of a cell that could not be checked (a syntax error,
  /// an expected error) with type `Any`, so later cells get no cascade of "cannot find".
  public mutating func declareUnknown(_ program: CellProgram) {
    for statement in program.statements {
      switch statement.kind {
      case .binding(let mutable, let pattern, _, _):
        for name in pattern.names {
          scopes[0][name.name] = Binding(type: .any, mutable: mutable, range: name.range, context: 0,
                                         slot: globals.slot(for: name.name))
        }
      case .function(let f):
        scopes[0][f.name.name] = Binding(type: .any, mutable: false, range: f.name.range, context: 0,
                                         slot: globals.slot(for: f.name.name))
      default: break
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

  /// Where a binding lives, seen from the code being compiled now.
  func location(of b: Binding) -> Location {
    let current = contexts.count - 1
    if b.context == 0 && current != 0 { return .global(b.slot) }
    return .local(depth: current - b.context, slot: b.slot)
  }

  /// A new slot in the current function's frame (at the top level: a global slot, named for
  /// names bound in a cell's outermost scope).
  mutating func newSlot(for name: String?) -> Int {
    let c = contexts.count - 1
    if c == 0 {
      if let name, scopes.count == 1 { return globals.slot(for: name) }
      return globals.anonymous()
    }
    contexts[c].slotCount += 1
    return contexts[c].slotCount - 1
  }

  /// Binds `name` in the innermost scope; returns its slot (nil after an error).
  @discardableResult
  mutating func define(_ name: Identifier, _ type: ValueType, mutable: Bool, signature: UserFunctionSignature? = nil) -> Location? {
    if registry.namespaces[name.name] != nil || registry.functions[name.name] != nil {
      report("'\(name.name)' is a builtin and cannot be redefined", at: name.range)
      return nil
    }
    if Self.typeNames[name.name] != nil || registry.recordTypes[name.name] != nil {
      report("'\(name.name)' is a type name and cannot be used as a variable", at: name.range)
      return nil
    }
    let slot = newSlot(for: name.name)
    let binding = Binding(type: type, mutable: mutable, range: name.range, context: contexts.count - 1, slot: slot,
                          signature: signature)
    scopes[scopes.count - 1][name.name] = binding
    return location(of: binding)
  }

  /// `body` in a new scope. (A non-generic overload for code: a closure returned through a
  /// generic `T` would be called through a reabstraction thunk on every run.)
  mutating func inScope(_ body: (inout Checker) -> Execution?) -> Execution? {
    pushScope()
    defer { popScope() }
    return body(&self)
  }

  mutating func inScope<T>(_ body: (inout Checker) -> T) -> T {
    pushScope()
    defer { popScope() }
    return body(&self)
  }

  mutating func pushScope() {
    scopes.append([:])
    scopeContexts.append(contexts.count - 1)
  }

  mutating func popScope() {
    scopes.removeLast()
    scopeContexts.removeLast()
  }
}

/// A variable's place: a slot of a frame `depth` levels out from the running one, or of the
/// notebook's top level.
enum Location {
  case global(Int)
  case local(depth: Int, slot: Int)

  func load() -> Evaluation {
    switch self {
    case .global(let s): return { f in f.machine.globalSlots[s] }
    case .local(0, let s): return { f in f.slots[s] }
    case .local(let d, let s): return { f in f.outer(d).slots[s] }
    }
  }

  func store() -> (Frame, Value) -> Void {
    switch self {
    case .global(let s): return { f, v in f.machine.globalSlots[s] = v }
    case .local(0, let s): return { f, v in f.slots[s] = v }
    case .local(let d, let s): return { f, v in f.outer(d).slots[s] = v }
    }
  }

  /// Changes the value in place: the slot is emptied while `change` runs, so an array held
  /// there is uniquely referenced and `append` does not copy it.
  func update() -> (Frame, (inout Value) throws -> Void) throws -> Void {
    func run(_ frame: Frame, _ s: Int, _ change: (inout Value) throws -> Void) throws {
      var value = frame.slots[s]
      frame.slots[s] = .void
      defer { frame.slots[s] = value }
      try change(&value)
    }
    switch self {
    case .global(let s): return { f, change in try run(f.machine.globals, s, change) }
    case .local(let d, let s): return { f, change in try run(f.outer(d), s, change) }
    }
  }
}
