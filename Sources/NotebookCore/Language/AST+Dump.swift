/// A deterministic S-expression dump of the syntax tree, for golden tests.
///
/// Expressions (one line each):
///
/// | source            | dump                              |
/// |-------------------|-----------------------------------|
/// | `42`, `0.5`, `true` | `42`, `0.5`, `true` (doubles as Swift prints them: `1e-3` → `0.001`) |
/// | `x`               | `x`                               |
/// | `"a\n"`           | `"a\n"` (escaped like Swift)      |
/// | `"n = \(n)!"`     | `(string "n = " (interp n) "!")`  |
/// | `[1, 2]`          | `(array 1 2)`                     |
/// | `-x`, `a + b`     | `(- x)`, `(+ a b)`                |
/// | `f(x, width: 4)`  | `(call f x width: 4)`             |
/// | `a.b`             | `(. a b)`                         |
/// | `.relu`, `.topK(k: 2)` | `.relu`, `(.topK k: 2)`      |
/// | `xs[3]`           | `(subscript xs 3)`                |
/// | `(a)`             | `(paren a)`                       |
///
/// Statements: `(let x e)`, `(var x e)`, `(= target e)` / `(+= target e)` …,
/// a bare expression as itself, and over several lines, indented by two
/// spaces per level:
///
/// ```
/// (if c
///   (then
///     (let x 1))
///   (else
///     x))
/// (for i (..< 0 n)
///   (+= total i))
/// ```
/// With `ranges: true` every expression and statement is followed by
/// `@line:column-line:column` (its half-open range in the `.md` file).
extension CellProgram {
  /// One statement per line (blocks over several lines), each line ended by `\n`.
  public func dump(ranges: Bool = false) -> String {
    statements.flatMap { $0.dumpLines(ranges: ranges) }.map { $0 + "\n" }.joined()
  }
}

extension Statement {
  /// The statement's dump lines (see ``CellProgram/dump(ranges:)``).
  public func dumpLines(ranges: Bool = false) -> [String] {
    let at = ranges ? range.dumpSuffix : ""
    switch kind {
    case .binding(let mutable, let pattern, let type, let value):
      let annotation = type.map { " : \($0.dump)" } ?? ""
      return ["(\(mutable ? "var" : "let") \(pattern.dump)\(annotation) \(value.dump(ranges: ranges)))\(at)"]
    case .assignment(let target, let op, let value):
      return ["(\(op.rawValue) \(target.dump(ranges: ranges)) \(value.dump(ranges: ranges)))\(at)"]
    case .expression(let expression):
      return [expression.dump(ranges: ranges) + at]
    case .forIn(let pattern, let sequence, let body):
      let head = "(for \(pattern.dump) \(sequence.dump(ranges: ranges))"
      return Self.closing([head] + Self.block(body, ranges: ranges), at)
    case .whileLoop(let condition, let body):
      return Self.closing(["(while \(condition.dump(ranges: ranges))"] + Self.block(body, ranges: ranges), at)
    case .repeatWhile(let body, let condition):
      return Self.closing(["(repeat"] + Self.block(body, ranges: ranges) + ["  (while \(condition.dump(ranges: ranges)))"], at)
    case .ifLet(let name, let value, let then, let otherwise):
      var lines = ["(if-let \(name.name) \(value.dump(ranges: ranges))"]
      lines += Self.closing(["(then"] + Self.block(then, ranges: ranges), "").map { "  " + $0 }
      if let otherwise {
        lines += Self.closing(["(else"] + Self.block(otherwise, ranges: ranges), "").map { "  " + $0 }
      }
      return Self.closing(lines, at)
    case .guardLet(let name, let value, let otherwise):
      return Self.closing(["(guard-let \(name.name) \(value.dump(ranges: ranges))"] + Self.block(otherwise, ranges: ranges), at)
    case .guardElse(let condition, let otherwise):
      return Self.closing(["(guard \(condition.dump(ranges: ranges))"] + Self.block(otherwise, ranges: ranges), at)
    case .switchCases(let subject, let cases):
      var lines = ["(switch \(subject.dump(ranges: ranges))"]
      for c in cases {
        let head: String
        switch c.label {
        case .values(let values): head = "(case" + values.map { " " + $0.dump(ranges: ranges) }.joined()
        case .binding(let pattern, let condition):
          head = "(case-let \(pattern.dump)" + (condition.map { " where \($0.dump(ranges: ranges))" } ?? "")
        case .default: head = "(default"
        }
        lines += Self.closing([head] + Self.block(c.body, ranges: ranges), "").map { "  " + $0 }
      }
      return Self.closing(lines, at)
    case .breakLoop: return ["(break)" + at]
    case .continueLoop: return ["(continue)" + at]
    case .returnValue(let value): return ["(return" + (value.map { " " + $0.dump(ranges: ranges) } ?? "") + ")" + at]
    case .function(let f):
      let parameters = f.parameters.map { p in
        "(\(p.label ?? "_") \(p.name.name) \(p.type.dump)" + (p.defaultValue.map { " = \($0.dump(ranges: ranges))" } ?? "") + ")"
      }.joined(separator: " ")
      let head = "(func \(f.name.name) (\(parameters))" + (f.returnType.map { " -> \($0.dump)" } ?? "")
      return Self.closing([head] + Self.block(f.body, ranges: ranges), at)
    case .ifElse(let condition, let then, let otherwise):
      var lines = ["(if \(condition.dump(ranges: ranges))"]
      lines += Self.closing(["(then"] + Self.block(then, ranges: ranges), "").map { "  " + $0 }
      if let otherwise {
        lines += Self.closing(["(else"] + Self.block(otherwise, ranges: ranges), "").map { "  " + $0 }
      }
      return Self.closing(lines, at)
    }
  }

  static func block(_ statements: [Statement], ranges: Bool) -> [String] {
    statements.flatMap { $0.dumpLines(ranges: ranges) }.map { "  " + $0 }
  }

  /// Closes the parenthesis opened on the first line at the end of the last.
  static func closing(_ lines: [String], _ suffix: String) -> [String] {
    var lines = lines
    lines[lines.count - 1] += ")" + suffix
    return lines
  }
}

extension Expression {
  /// The expression's one-line dump (see ``CellProgram/dump(ranges:)``).
  public func dump(ranges: Bool = false) -> String {
    func d(_ e: Expression) -> String { e.dump(ranges: ranges) }
    func list(_ arguments: [Argument]) -> String {
      arguments.map { " " + ($0.label.map { "\($0.name): " } ?? "") + d($0.value) }.joined()
    }
    let text: String
    switch kind {
    case .integer(let value): text = "\(value)"
    case .double(let value): text = "\(value)"
    case .boolean(let value): text = "\(value)"
    case .identifier(let name): text = name
    case .string(let segments):
      if segments.isEmpty {
        text = "\"\""
      } else if segments.count == 1, case .text(let s) = segments[0] {
        text = Self.quoted(s)
      } else {
        text = "(string" + segments.map {
          switch $0 {
          case .text(let s): return " " + Self.quoted(s)
          case .interpolation(let e): return " (interp \(d(e)))"
          }
        }.joined() + ")"
      }
    case .array(let elements): text = "(array" + elements.map { " " + d($0) }.joined() + ")"
    case .unary(let op, let operand): text = "(\(op.rawValue) \(d(operand)))"
    case .binary(let op, let lhs, let rhs): text = "(\(op.rawValue) \(d(lhs)) \(d(rhs)))"
    case .call(let callee, let arguments): text = "(call \(d(callee))\(list(arguments)))"
    case .member(let base, let name): text = "(. \(d(base)) \(name.name))"
    case .implicitMember(let name, nil): text = "." + name.name
    case .implicitMember(let name, let arguments?): text = "(.\(name.name)\(list(arguments)))"
    case .subscripted(let base, let arguments): text = "(subscript \(d(base))\(list(arguments)))"
    case .parenthesized(let inner): text = "(paren \(d(inner)))"
    case .ternary(let c, let a, let b): text = "(? \(d(c)) \(d(a)) \(d(b)))"
    case .tuple(let elements):
      text = "(tuple" + elements.map { " " + ($0.label.map { "\($0.name): " } ?? "") + d($0.value) }.joined() + ")"
    case .dictionary(let entries): text = "(dict" + entries.map { " \(d($0.key)): \(d($0.value))" }.joined() + ")"
    case .nilLiteral: text = "nil"
    case .closure(let c):
      let parameters = c.parameters.map { list in
        " (" + list.map { $0.name.name + ($0.type.map { ": \($0.dump)" } ?? "") }.joined(separator: " ") + ")"
      } ?? ""
      let result = c.returnType.map { " -> \($0.dump)" } ?? ""
      text = "(closure\(parameters)\(result)" + c.body.flatMap { $0.dumpLines(ranges: ranges) }.map { " " + $0 }.joined() + ")"
    }
    return ranges ? text + range.dumpSuffix : text
  }

  /// `s` in double quotes with `\\ \" \n \t \r \0` and other control
  /// characters (`\u{7F}`) escaped as Swift writes them.
  static func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      case "\0": out += "\\0"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

extension SourceRange {
  /// `@line:column-line:column`
  var dumpSuffix: String { "@\(start.line):\(start.column)-\(end.line):\(end.column)" }
}

extension Pattern {
  /// `x`, `_`, `(a b)`.
  public var dump: String {
    switch self {
    case .name(let n): return n.name
    case .wildcard: return "_"
    case .tuple(let items, _): return "(" + items.map(\.dump).joined(separator: " ") + ")"
    }
  }
}

extension TypeSyntax {
  /// The type as Swift spells it: `[Int]`, `[String: Double]`, `Int?`, `(Int, b: String)`, `(Int) -> Bool`.
  public var dump: String {
    switch kind {
    case .named(let name): return name
    case .array(let e): return "[\(e.dump)]"
    case .dictionary(let k, let v): return "[\(k.dump): \(v.dump)]"
    case .optional(let t): return t.dump + "?"
    case .tuple(let items, let labels):
      return "(" + zip(items, labels).map { ($1.map { "\($0): " } ?? "") + $0.dump }.joined(separator: ", ") + ")"
    case .function(let parameters, let result):
      return "(" + parameters.map(\.dump).joined(separator: ", ") + ") -> " + result.dump
    }
  }
}
