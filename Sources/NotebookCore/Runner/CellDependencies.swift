/// What a cell reads and writes, found statically in its syntax tree: the
/// cell cache keys a cell by the cells that last wrote the names it reads,
/// and restores the names it writes.
struct CellDependencies: Equatable {
  /// Top-level names the cell reads (identifiers used as values, including
  /// the targets of compound assignments and mutating calls).
  var reads: Set<String> = []
  /// Top-level names the cell binds, assigns or mutates.
  var writes: Set<String> = []
  /// String literals passed to parameters that name files (`loadMatrix("a.npy")`).
  var files: [String] = []
  /// Builtins the cell calls (some read resources implicitly: the model, the corpus).
  var calls: Set<String> = []

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
        if case .subscripted(let base, let args) = target.kind { visit(base); args.forEach { visit($0.value) } }
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
      case .binary(_, let a, let b): visit(a); visit(b)
      case .call(let callee, let args):
        visit(callee)
        args.forEach { visit($0.value) }
        let name = calleeName(callee)
        calls.insert(name)
        if case .member(let base, let method) = callee.kind, let root = rootName(base),
           registry.methods.values.contains(where: { $0[method.name]?.mutating == true }) {
          writes.insert(root)
        }
        if let b = registry.functions[name] {
          for (param, arg) in zip(b.parameters, args) where CellDependencies.pathParameters.contains("\(name).\(param.name)") {
            if case .string(let parts) = arg.value.kind, parts.count <= 1 {
              if case .text(let t)? = parts.first { files.append(t) } else { files.append("") }
            } else {
              files.append("?")  // a computed path: the cell cannot be cached safely
            }
          }
        }
      case .member(let base, _): visit(base)
      case .implicitMember(_, let args): args?.forEach { visit($0.value) }
      case .subscripted(let base, let args): visit(base); args.forEach { visit($0.value) }
      case .parenthesized(let inner): visit(inner)
      default: break
      }
    }
    program.statements.forEach { visit($0, depth: 0) }
  }

  /// Parameters whose string argument is a file or folder the call reads.
  static let pathParameters: Set<String> = ["loadMatrix.path", "loadSAE.path", "activations.corpus", "fidelity.corpus"]

  /// Whether the cell's inputs can all be named (no computed file paths).
  var isCacheable: Bool { !files.contains("?") }
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
