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
      case .binding(_, let name, let value):
        visit(value)
        if depth == 0 { writes.insert(name.name) } else { local[local.count - 1].insert(name.name) }
      case .assignment(let target, let op, let value):
        visit(value)
        if op != .assign { visit(target) }
        if case .subscripted(let base, let args) = target.kind {
          visit(base)
          args.forEach { visit($0.value) }
        }
        if let root = rootName(target) { writes.insert(root) }
      case .ifElse(let c, let then, let otherwise):
        visit(c)
        block(then, depth)
        if let otherwise { block(otherwise, depth) }
      case .forIn(let name, let sequence, let body):
        visit(sequence)
        local.append([name.name])
        body.forEach { visit($0, depth: depth + 1) }
        local.removeLast()
      case .expression(let e):
        visit(e)
      }
    }
    func block(_ body: [Statement], _ depth: Int) {
      local.append([])
      body.forEach { visit($0, depth: depth + 1) }
      local.removeLast()
    }
    func visit(_ e: Expression) {
      switch e.kind {
      case .identifier(let name):
        if !local.contains(where: { $0.contains(name) }) { reads.insert(name) }
      case .string(let parts):
        for case .interpolation(let inner) in parts { visit(inner) }
      case .array(let items): items.forEach(visit)
      case .unary(_, let x): visit(x)
      case .binary(_, let a, let b):
        visit(a)
        visit(b)
      case .call(let callee, let args):
        visit(callee)
        args.forEach { visit($0.value) }
        if case .member(let base, let method) = callee.kind, let root = rootName(base),
          registry.methods.values.contains(where: { $0[method.name]?.mutating == true })
        {
          writes.insert(root)
        }
        if let builtin = registry.functions[calleeName(callee)] {
          effects += CellEffect.effects(of: builtin, arguments: args, callRange: e.range)
        }
      case .member(let base, _): visit(base)
      case .implicitMember(_, let args): args?.forEach { visit($0.value) }
      case .subscripted(let base, let args):
        visit(base)
        args.forEach { visit($0.value) }
      case .parenthesized(let inner): visit(inner)
      default: break
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
