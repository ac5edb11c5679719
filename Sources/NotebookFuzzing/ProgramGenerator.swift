import NotebookCore
import SAEKit

/// Random cells of the cell language, from its grammar and from the registry's own signatures:
/// every builtin whose required parameters have a type we can write is called with values that
/// probe the edges (0, −1, Int.max, 1e308, 5e-324, empty and hostile strings, deep nesting).
public struct ProgramGenerator {
  var rng: RandomSource
  let callable: [Builtin]

  public init(seed: UInt64, registry: Registry = .standard) {
    rng = RandomSource(seed: seed)
    callable = registry.functions.values
      .filter { b in b.parameters.allSatisfy { $0.defaultValue != nil || Self.canWrite($0.type) } }
      .sorted { $0.name < $1.name }
  }

  static func canWrite(_ type: ValueType) -> Bool {
    switch type {
    case .int, .double, .bool, .string, .matrix, .any: true
    case .array(let element): canWrite(element)
    case .optional(let wrapped): canWrite(wrapped)
    default: false
    }
  }

  mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
  mutating func chance(_ p: Double) -> Bool { Double(rng.next() % 1_000) < p * 1_000 }

  /// A cell of 1–4 statements.
  public mutating func cell() -> String {
    (0..<(1 + Int(rng.next() % 4))).map { _ in statement() }.joined(separator: "\n")
  }

  mutating func statement() -> String {
    switch rng.next() % 6 {
    case 0, 1: return call()
    case 2: return "let v\(rng.next() % 100) = \(expression(.int, depth: 0))"
    case 3: return "print(\(expression(pick([.int, .double, .string, .array(.int)]), depth: 0)))"
    case 4: return "var a = []\nfor _ in 0..<\(pick(["3", "200", "5000"])) { a = [a] }\nprint(a.count)"
    default: return "let r = \(expression(.int, depth: 1))..<\(expression(.int, depth: 1))\nprint(r.count)"
    }
  }

  /// A call of a random builtin with random arguments (optional ones sometimes left out).
  mutating func call() -> String {
    let b = pick(callable)
    var args: [String] = []
    for p in b.parameters {
      if p.defaultValue != nil && (!Self.canWrite(p.type) || chance(0.5)) { continue }
      let value = expression(p.type, depth: 0)
      args.append(p.label.map { "\($0): \(value)" } ?? value)
    }
    return "\(b.name)(\(args.joined(separator: ", ")))"
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
                   "\"]]> <script>\"", "\"\\u{0}\"", "String(repeating: \"ab\", count: 3)"])
    case .matrix:
      return pick(["Matrix([[1.0, 2.0], [3.0, 4.0]])", "Matrix([[0.0]])",
                   "synthetic.superposition(features: 8, dim: 4, sparsity: 0.3, samples: 64).x"])
    case .array(let element):
      if depth > 2 { return "[]" }
      let count = pick([0, 1, 2, 3])
      return "[" + (0..<count).map { _ in expression(element, depth: depth + 1) }.joined(separator: ", ") + "]"
    case .optional(let wrapped):
      return chance(0.3) ? "nil" : expression(wrapped, depth: depth)
    default:
      return expression(pick([.int, .double, .string]), depth: depth + 1)
    }
  }
}
