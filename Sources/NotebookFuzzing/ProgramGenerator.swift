import Foundation
import NotebookCore
import SAEKit

/// Random cells of the cell language, from its grammar and from the registry's own signatures:
/// every builtin, method and property whose required parameters have a type we can write is
/// called with values that probe the edges (0, −1, Int.max, 1e308, 5e-324, empty and hostile
/// strings, deep nesting). Values without a literal (SAEs, models, tokens, dictionaries…) are
/// bound first by `let`s at the top of the cell, from ``RecordRecipes``.
public struct ProgramGenerator {
  var rng: RandomSource
  let recipes: [ValueType: [String]]
  let callable: [Builtin]
  let methods: [(receiver: ValueType, method: Builtin)]
  let properties: [(receiver: ValueType, name: String)]
  let implicitMembers: [ValueType: [Builtin]]
  /// The `let`s the current cell needs, in order, and the names bound per type.
  var prelude: [String] = []
  var bound: [ValueType: [String]] = [:]
  var bindings = 0

  /// - Parameters:
  ///   - models: whether programs may load a model (TinyLM, MiniLM) at all.
  ///   - miniLM: whether they may load MiniLM (90 MB of weights from the cache).
  public init(seed: UInt64, registry: Registry = .standard, models: Bool = true, miniLM: Bool = true) {
    rng = RandomSource(seed: seed)
    let recipes = RecordRecipes.recipes(models: models, miniLM: miniLM)
    self.recipes = recipes
    let writable = { (type: ValueType) in Self.canWrite(type, recipes: recipes) }
    let takesWritable = { (b: Builtin) in b.parameters.allSatisfy { $0.defaultValue != nil || writable($0.type) } }
    callable = registry.functions.values
      .filter { takesWritable($0) && (miniLM || $0.name != "minilm") && (models || !["minilm", "tinylm"].contains($0.name)) }
      .sorted { $0.name < $1.name }
    let receivers = Array(recipes.keys) + [.matrix, .string]
    methods = receivers.flatMap { type in
      (registry.methods[type.description] ?? [:]).values.filter { !$0.mutating && takesWritable($0) }.map { (type, $0) }
    }.sorted { "\($0.receiver).\($0.method.name)" < "\($1.receiver).\($1.method.name)" }
    properties = receivers.flatMap { type in (registry.properties[type.description] ?? [:]).keys.map { (type, $0) } }
      .sorted { "\($0.receiver).\($0.name)" < "\($1.receiver).\($1.name)" }
    implicitMembers = Dictionary(grouping: registry.implicitMembers.values.flatMap(\.values), by: \.returns)
      .mapValues { $0.sorted { $0.name < $1.name } }
  }

  /// Whether the generator can write a value of `type`: a literal or a recipe.
  static func canWrite(_ type: ValueType, recipes: [ValueType: [String]]) -> Bool {
    switch type {
    case .int, .double, .bool, .string, .matrix, .any: true
    case .array(let element): canWrite(element, recipes: recipes)
    case .optional(let wrapped): canWrite(wrapped, recipes: recipes)
    default: recipes[type] != nil
    }
  }

  func canWrite(_ type: ValueType) -> Bool { Self.canWrite(type, recipes: recipes) }

  mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
  mutating func chance(_ p: Double) -> Bool { Double(rng.next() % 1_000) < p * 1_000 }

  /// A cell of 1–4 statements, after the `let`s of the values they use.
  public mutating func cell() -> String {
    prelude = []
    bound = [:]
    let statements = (0..<(1 + Int(rng.next() % 4))).map { _ in statement() }
    return (prelude + statements).joined(separator: "\n")
  }

  mutating func statement() -> String {
    switch rng.next() % 10 {
    case 0, 1, 2: return call()
    case 3: return "let v\(rng.next() % 100) = \(expression(.int, depth: 0))"
    case 4: return "print(\(expression(pick([.int, .double, .string, .array(.int)]), depth: 0)))"
    case 5: return "var a = []\nfor _ in 0..<\(pick(["3", "200", "5000"])) { a = [a] }\nprint(a.count)"
    case 6, 7: return methodCall()
    case 8: return propertyRead()
    default: return "let r = \(expression(.int, depth: 1))..<\(expression(.int, depth: 1))\nprint(r.count)"
    }
  }

  /// A call of a random builtin with random arguments (optional ones sometimes left out).
  mutating func call() -> String {
    let b = pick(callable)
    return "\(b.name)(\(arguments(for: b)))"
  }

  /// A method of a value we can build (`sae.encode(…)`, `m.rows(…)`), printed.
  mutating func methodCall() -> String {
    let (receiver, method) = pick(methods)
    return "print(\(expression(receiver, depth: 0)).\(method.name)(\(arguments(for: method))))"
  }

  /// A property of a value we can build (`sae.decoder`, `tokens.source`), printed.
  mutating func propertyRead() -> String {
    let (receiver, name) = pick(properties)
    return "print(\(expression(receiver, depth: 0)).\(name))"
  }

  mutating func arguments(for b: Builtin) -> String {
    var args: [String] = []
    for p in b.parameters {
      if p.defaultValue != nil && (!canWrite(p.type) || chance(0.5)) { continue }
      let value = expression(p.type, depth: 0)
      args.append(p.label.map { "\($0): \(value)" } ?? value)
    }
    return args.joined(separator: ", ")
  }

  mutating func expression(_ type: ValueType, depth: Int) -> String {
    switch type {
    case .int:
      if depth < 3 && chance(0.2) {
        return "(\(expression(.int, depth: depth + 1)) \(pick(["+", "-", "*", "/", "%"])) \(expression(.int, depth: depth + 1)))"
      }
      return pick(["0", "1", "2", "-1", "3", "16", "1000", "9223372036854775807", "(-9223372036854775807 - 1)"])
    case .double:
      return pick(["0.0", "0.5", "-2.0", "1e300", "1e-300", "5e-324", "1.7e308", "-1.7e308", "(0.0 / 0.0)", "1e11"])
    case .bool:
      return pick(["true", "false"])
    case .string:
      return pick(["\"\"", "\"x\"", "\"a.npy\"", "\"../up.npy\"", "\"nb.md\"", "\"/dev/null\"", "\"dir/\"",
                   "\"]]> <script>\"", "\"\\u{0}\"", "\"ab\" + \"ab\"", "\"\(RecordRecipes.corpusFile)\""])
    case .matrix:
      switch rng.next() % 5 {
      case 0: return "\(value(of: .record("Dataset"))).x"
      case 1 where recipes[.record("Tokens")] != nil: return "\(value(of: .record("Tokens"))).x"
      default:
        return pick(["Matrix([[1.0, 2.0], [3.0, 4.0]])", "Matrix([[0.0]])",
                     "synthetic.superposition(features: 8, dim: 4, sparsity: 0.3, samples: 64).x"])
      }
    case .array(let element):
      if depth > 2 { return "[]" }
      let count = pick([0, 1, 2, 3])
      return "[" + (0..<count).map { _ in expression(element, depth: depth + 1) }.joined(separator: ", ") + "]"
    case .optional(let wrapped):
      return chance(0.3) ? "nil" : expression(wrapped, depth: depth)
    default:
      if recipes[type] != nil { return value(of: type, edges: true) }
      return expression(pick([.int, .double, .string]), depth: depth + 1)
    }
  }
}
