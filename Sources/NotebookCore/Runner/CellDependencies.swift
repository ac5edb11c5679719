/// What a cell reads and writes, found statically in its syntax tree: the
/// cell cache keys a cell by the cells that last wrote the names it reads and
/// by the resources its calls declare (``Builtin/reads``), restores the names
/// it writes, and checks the resources it writes (``Builtin/writes``).
struct CellDependencies: Equatable {
  /// Top-level names the cell reads (identifiers used as values, including
  /// the targets of compound assignments and mutating calls).
  var reads: Set<String> = []
  /// Top-level names the cell binds, assigns or mutates.
  var writes: Set<String> = []
  /// The resources its calls read and write, in call order.
  var effects: [CellEffect] = []

  init(_ program: CellProgram, registry: Registry) {
    var local: [Set<String>] = [[]]  // names bound inside blocks (not top level)
    func visit(_ s: Statement, depth: Int) {
      switch s.kind {
      case .binding(_, let pattern, _, let value):
        visit(value)
        for name in pattern.names {
          if depth == 0 { writes.insert(name.name) } else { local[local.count - 1].insert(name.name) }
        }
      case .assignment(let target, let op, let value):
        visit(value)
        if op != .assign { visit(target) }
        if case .subscripted(let base, let args) = target.kind {
          visit(base)
          args.forEach { visit($0.value) }
        }
        if let root = rootName(target), !isLocal(root) { writes.insert(root) }
      case .ifElse(let c, let then, let otherwise):
        visit(c)
        block(then, depth)
        if let otherwise { block(otherwise, depth) }
      case .forIn(let pattern, let sequence, let body):
        visit(sequence)
        local.append(Set(pattern.names.map(\.name)))
        body.forEach { visit($0, depth: depth + 1) }
        local.removeLast()
      case .whileLoop(let c, let body), .repeatWhile(let body, let c):
        visit(c)
        block(body, depth)
      case .guardElse(let c, let otherwise):
        visit(c)
        block(otherwise, depth)
      case .ifLet(let name, let value, let then, let otherwise):
        visit(value)
        local.append([name.name])
        then.forEach { visit($0, depth: depth + 1) }
        local.removeLast()
        if let otherwise { block(otherwise, depth) }
      case .guardLet(let name, let value, let otherwise):
        visit(value)
        block(otherwise, depth)
        if depth == 0 { writes.insert(name.name) } else { local[local.count - 1].insert(name.name) }
      case .switchCases(let subject, let cases):
        visit(subject)
        for c in cases {
          local.append([])
          switch c.label {
          case .values(let values): values.forEach(visit)
          case .binding(let pattern, let condition):
            local[local.count - 1].formUnion(pattern.names.map(\.name))
            condition.map(visit)
          case .default: break
          }
          c.body.forEach { visit($0, depth: depth + 1) }
          local.removeLast()
        }
      case .returnValue(let value): value.map(visit)
      case .breakLoop, .continueLoop: break
      case .function(let f):
        // The function's body reads what it reads when it is called; the declaring cell stands
        // for it (a cell calling it depends on this cell, whose key covers those reads).
        if depth == 0 { writes.insert(f.name.name) } else { local[local.count - 1].insert(f.name.name) }
        local.append(Set(f.parameters.map(\.name.name)))
        f.parameters.compactMap(\.defaultValue).forEach(visit)
        f.body.forEach { visit($0, depth: depth + 1) }
        local.removeLast()
      case .expression(let e):
        visit(e)
      }
    }
    func isLocal(_ name: String) -> Bool { local.contains { $0.contains(name) } }
    func block(_ body: [Statement], _ depth: Int) {
      local.append([])
      body.forEach { visit($0, depth: depth + 1) }
      local.removeLast()
    }
    func visit(_ e: Expression) {
      switch e.kind {
      case .identifier(let name):
        if !isLocal(name) && !name.hasPrefix("$") { reads.insert(name) }
      case .call(let callee, let args):
        visit(callee)
        args.forEach { visit($0.value) }
        if case .member(let base, let method) = callee.kind, let root = rootName(base), !isLocal(root),
          registry.methods.values.contains(where: { $0[method.name]?.mutating == true })
        {
          writes.insert(root)
        }
        if let builtin = registry.function(calleeName(callee), firstLabel: args.first?.label?.name) {
          effects += CellEffect.effects(of: builtin, arguments: args, callRange: e.range)
        }
      case .closure(let c):
        local.append(Set(c.parameters?.map(\.name.name) ?? []))
        c.body.forEach { visit($0, depth: 1) }
        local.removeLast()
      default:
        e.children.forEach(visit)
      }
    }
    program.statements.forEach { visit($0, depth: 0) }
  }

  /// Whether every resource can be named before the cell runs (no computed paths):
  /// otherwise the cell is never cached.
  var isCacheable: Bool { !effects.contains { $0.target == .computed } }

  /// The resources the cell reads, except paths it writes itself (its own outputs).
  var readTargets: [CellEffect.Target] {
    let written = Set(writtenTargets)
    var seen = Set<CellEffect.Target>()
    return effects.filter { $0.access == .read && !written.contains($0.target) && seen.insert($0.target).inserted }
      .map(\.target)
  }

  /// The resources the cell writes, each once.
  var writtenTargets: [CellEffect.Target] {
    var seen = Set<CellEffect.Target>()
    return effects.filter { $0.access == .write && seen.insert($0.target).inserted }.map(\.target)
  }
}

/// One resource a call reads or writes, resolved to the argument of the call.
struct CellEffect: Hashable {
  enum Access: Hashable { case read, write }

  /// What the argument names, as far as it is known before running.
  enum Target: Hashable {
    /// A file or folder at a path as written in the cell (relative to the notebook's folder).
    case path(String)
    /// A corpus at a path; `""` is the default corpus.
    case corpus(String)
    /// The model's weights and forward kernels.
    case model
    /// A folder of TinyLM seeds; `""` is the committed models.
    case languageModels(String)
    /// A path computed at run time: the cell cannot be cached.
    case computed
  }

  var access: Access
  var target: Target

  /// The effects `builtin` declares, each bound to the argument of this call
  /// (or to the parameter's default when the argument is left out).
  static func effects(of builtin: Builtin, arguments: [Argument], callRange: SourceRange) -> [CellEffect] {
    guard !builtin.reads.isEmpty || !builtin.writes.isEmpty else { return [] }
    let bound = try? ArgumentBinding.bind(arguments, to: builtin, callRange: callRange).get()
    func target(_ resource: Resource) -> Target {
      guard let name = resource.parameter else { return .model }
      guard let bound, let p = builtin.parameters.firstIndex(where: { $0.name == name }) else { return .computed }
      let text: String?
      if let index = bound.argumentIndex[p] {
        text = literalText(arguments[index].value)
      } else if case .value(.string(let fallback))? = builtin.parameters[p].defaultValue {
        text = fallback
      } else {
        text = nil
      }
      guard let text else { return .computed }
      if case .corpus = resource { return .corpus(text) }
      if case .languageModels = resource { return .languageModels(text) }
      return .path(text)
    }
    return builtin.reads.map { CellEffect(access: .read, target: target($0)) }
      + builtin.writes.map { CellEffect(access: .write, target: target($0)) }
  }

  /// The text of a string literal without interpolation.
  private static func literalText(_ e: Expression) -> String? {
    guard case .string(let parts) = e.kind else { return nil }
    var text = ""
    for part in parts {
      guard case .text(let t) = part else { return nil }
      text += t
    }
    return text
  }
}

private func rootName(_ e: Expression) -> String? {
  switch e.kind {
  case .identifier(let n): return n
  case .member(let base, _), .subscripted(let base, _): return rootName(base)
  case .parenthesized(let inner): return rootName(inner)
  default: return nil
  }
}

private func calleeName(_ e: Expression) -> String {
  switch e.kind {
  case .identifier(let n): return n
  case .member(let base, let name):
    if case .identifier(let ns) = base.kind { return "\(ns).\(name.name)" }
    return name.name
  default: return ""
  }
}
