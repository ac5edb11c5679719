import Testing
@testable import NotebookCore

/// The cell language run end to end (check, compile, run): each program's printed lines and
/// displayed value, and the errors of programs that must fail, with their positions.
@Suite struct LanguageRunTests {
  /// Runs `source` as one cell; returns its printed lines plus the displayed value's text.
  static func run(_ source: String) throws -> [String] {
    let context = RuntimeContext(seed: 1, baseDirectory: "")
    let interpreter = Interpreter(registry: .standard, context: context)
    let (program, syntax) = CellParser.parse(source, file: "t.md", firstLine: 1)
    if let error = syntax.first { throw error }
    context.beginCell(name: "t", timeLimit: 20)
    let displayed = try interpreter.run(program)
    return context.outputs.compactMap { if case .text(let t) = $0 { return t }; return nil } + (displayed.map { [$0.text] } ?? [])
  }

  static func error(_ source: String) -> String {
    do {
      _ = try run(source)
      return "no error"
    } catch let d as Diagnostic {
      return "\(d.range.start.line):\(d.range.start.column): \(d.message)"
    } catch {
      return "\(error)"
    }
  }

  @Test(arguments: [
    // functions: labels, defaults, recursion, visible to later statements
    ("func fib(_ n: Int) -> Int { n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(20)", ["6765"]),
    ("func scale(_ x: Double, by factor: Double = 2) -> Double { return x * factor }\nprint(scale(3), scale(3, by: 0.5))", ["6.0 1.5"]),
    ("func greet(name: String) { print(\"hi \\(name)\") }\ngreet(name: \"ada\")", ["hi ada"]),
    // a closure that replaces itself while it runs keeps running (its code is held by the call)
    ("var g = { (x: Int) in x }\ng = { (x: Int) in\n  g = { (y: Int) in y * 100 }\n  let big = [x, x, x]\n  return big.count + x\n}\nprint(g(1), g(1))", ["4 100"]),
    // … also from a variable of a function, and when it replaces itself deep in its own recursion
    ("func outer() -> Int {\n  var g = { (x: Int) in x }\n  g = { (x: Int) in\n    g = { (y: Int) in y * 100 }\n    let big = [x, x, x]\n    return big.count + x\n  }\n  return g(1) + g(1)\n}\nouter()", ["104"]),
    ("var f = { (n: Int) -> Int in 0 }\nf = { (n: Int) -> Int in\n  if n == 0 {\n    f = { (m: Int) -> Int in -1 }\n    return 0\n  }\n  return f(n - 1) + 1\n}\nprint(f(3), f(3))", ["3 -1"]),
    // calls by a top-level name with 0–4 arguments (the fast paths and the general one), a
    // closure held in a variable, Int operands that are constants, locals and globals
    ("let g = 5\nfunc z() -> Int { g }\nfunc one(_ a: Int) -> Int { a - g }\nfunc two(_ a: Int, _ b: Int) -> Int { a * b }\nfunc three(_ a: Int, _ b: Int, _ c: Int) -> Int { a + b - c }\nfunc four(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Int { a + b + c + d }\nlet sq = { (x: Int) in x * x }\nprint(z(), one(2), two(3, g), three(1, 2, 3), four(1, 2, 3, 4), sq(g), g < 6, 7 <= g)", ["5 -3 15 0 10 25 true false"]),
    // closures and collection methods
    ("[3, 1, 2].map { $0 * 10 }", ["[30, 10, 20]"]),
    ("let xs = [5.0, -1.0, 3.0]\nxs.filter { x in x > 0 }.sorted()", ["[3.0, 5.0]"]),
    ("[\"b\", \"a\", \"c\"].sorted(by: { $0 > $1 })", ["[\"c\", \"b\", \"a\"]"]),
    ("[1, 2, 3, 4].reduce(0) { $0 + $1 }", ["10"]),
    // an operator passed as a function, as in Swift
    ("print([1, 2, 3, 4].reduce(0, +), [1.5, 2.0].reduce(1.0, *), [3, 1, 2].sorted(by: >), [\"b\", \"a\"].sorted(by: <))",
     ["10 3.0 [3, 2, 1] [\"a\", \"b\"]"]),
    // an integer literal as the initial value of a reduction over Doubles is a Double, as in Swift
    ("let xs = [1.5, 2.0]\nprint(xs.reduce(1, *), xs.reduce(-1) { $0 + $1 }, xs.reduce((2), *), xs.reduce(\"\") { $0 + String($1) })",
     ["3.0 2.5 6.0 1.52.0"]),
    ("let xs = [4, 8, 15]\nprint(xs.contains(8), xs.contains(where: { $0 > 10 }), xs.first(where: { $0 > 5 }) ?? -1)", ["true true 8"]),
    ("let xs: [Int] = []\nprint(xs.first == nil, xs.max() ?? 0, [2, 9, 4].max() ?? 0, [2, 9, 4].firstIndex(of: 9) ?? -1)", ["true 0 9 1"]),
    ("var total = 0\nlet add = { (x: Int) in total += x }\nadd(3); add(4)\ntotal", ["7"]),
    ("func makeCounter() -> () -> Int { var n = 0; return { n += 1; return n } }\nlet c = makeCounter()\nc(); c()\nc()", ["3"]),
    // frames of finished calls are reused only when no closure kept them
    ("func make(_ k: Int) -> () -> Int { return { k * 10 } }\nlet fs = [make(1), make(2), make(3)]\nfs.map { $0() }", ["[10, 20, 30]"]),
    ("func depth(_ n: Int) -> Int { n == 0 ? 0 : 1 + depth(n - 1) }\ndepth(390)", ["390"]),
    // a reused frame: locals that own memory (arrays, strings) are emptied between calls, Ints
    // may stay; returned arrays and strings survive the frame's reuse; an error after a
    // return-less path leaves the next call a clean frame
    ("func tag(_ n: Int, _ s: String) -> [String] { let xs = [s, s + \"!\"]; var k = n; k += 1; return n < 1 ? xs : tag(n - 1, s + \"\\(k)\") }\nprint(tag(2, \"a\"), tag(0, \"b\"), tag(1, \"c\"))", ["[\"a32\", \"a32!\"] [\"b\", \"b!\"] [\"c2\", \"c2!\"]"]),
    // tuples, destructuring, enumerated, zip, stride
    ("for (i, x) in [\"a\", \"b\"].enumerated() { print(i, x) }", ["0 a", "1 b"]),
    ("let (a, b) = (1, \"x\")\nlet p = (fvu: 0.1, l0: 8)\nprint(a, b, p.fvu, p.1)", ["1 x 0.1 8"]),
    ("for (x, y) in zip([1, 2, 3], [10, 20]) { print(x + y) }", ["11", "22"]),
    ("stride(from: 0, to: 1, by: 0.25)", ["[0.0, 0.25, 0.5, 0.75]"]),
    ("stride(from: 10, to: 0, by: -4)", ["[10, 6, 2]"]),
    // dictionaries keep insertion order
    ("var d: [String: Double] = [:]\nd[\"b\"] = 2; d[\"a\"] = 1; d[\"b\"] += 0.5\nfor (k, v) in d { print(k, v) }\nprint(d.keys, d[\"z\"] ?? 0)", ["b 2.5", "a 1.0", "[\"b\", \"a\"] 0.0"]),
    // loops and control flow
    ("var i = 0\nwhile true { i += 1; if i == 5 { break } }\ni", ["5"]),
    ("var n = 0\nrepeat { n += 2 } while n < 7\nn", ["8"]),
    ("var s = 0\nfor i in 0..<10 { if i % 2 == 0 { continue }; s += i }\ns", ["25"]),
    ("func sign(_ x: Int) -> String {\n  guard x != 0 else { return \"zero\" }\n  return x > 0 ? \"+\" : \"-\"\n}\nprint(sign(0), sign(-3), sign(2))", ["zero - +"]),
    ("func size(_ n: Int) -> String {\n  switch n {\n  case 0: return \"none\"\n  case 1, 2: return \"few\"\n  case 3..<10: return \"some\"\n  case let k where k < 100: return \"many \\(k)\"\n  default: return \"lots\"\n  }\n}\nprint(size(0), size(2), size(5), size(42), size(500))", ["none few some many 42 lots"]),
    ("switch \"b\" { case \"a\": print(1)\ncase \"b\": print(2)\ndefault: break }", ["2"]),
    // named types and implicit members from an array literal
    ("let acts: [Activation] = [.topK(k: 2), .relu(l1: 0.1)]\nlet b = Activation.topK(k: 3)\nprint(acts.count, b == .topK(k: 3))", ["2 true"]),
    ("for a in [.topK(k: 2), .relu(l1: 0.5)] { print(a) }", [".topK(k: 2)", ".relu(l1: 0.5)"]),
    // if let and guard let unwrap optionals
    ("let xs = [3, 8]\nif let big = xs.first(where: { $0 > 5 }) { print(\"found\", big) } else { print(\"none\") }\nif let x = [Int]().first { print(x) } else { print(\"empty\") }", ["found 8", "empty"]),
    ("func half(_ d: [String: Int], _ k: String) -> Int {\n  guard let v = d[k] else { return -1 }\n  return v / 2\n}\nprint(half([\"a\": 10], \"a\"), half([\"a\": 10], \"b\"))", ["5 -1"]),
    // strings and number formats
    ("let x = 0.000012345\n\"\\(x, digits: 2) | \\(x, style: .scientific) | \\(x, digits: 3, style: .automatic) | \\(1234.56, style: .automatic)\"", ["0.00 | 1.2345e-05 | 1.23e-05 | 1235"]),
    ("print(String(3), String(describing: [1, 2]), format(2.5, digits: 1))", ["3 [1, 2] 2.5"]),
    ("var xs: [Double] = []\nxs.append(1)\nxs.append(2.5)\nxs", ["[1.0, 2.5]"]),
    // slicing
    ("let xs = [10, 20, 30, 40]\nprint(xs[1..<3], xs[[0, 3]], (0..<10)[2...4])", ["[20, 30] [10, 40] [2, 3, 4]"]),
  ] as [(String, [String])])
  func runs(_ source: String, _ expected: [String]) throws {
    let actual = try Self.run(source)
    #expect(actual == expected, "\(source)")
  }

  @Test(arguments: [
    ("func f(_ n: Int) -> Int { f(n + 1) }\nf(0)", "1:27: too many nested calls (more than 400) in 'f': is the recursion missing a base case?"),
    ("break", "1:1: 'break' is only allowed inside a loop or a switch"),
    ("let r = (-9223372036854775807 - 1)..<9223372036854775807\nprint(r.count)", "1:9: the range -9223372036854775808..<9223372036854775807 has more elements than an Int can count"),
    ("let r = 0...9223372036854775807", "1:9: the range 0...9223372036854775807 has more elements than an Int can count"),
    ("func f(_ x: Int) -> Int { if x > 0 { return 1 } }", "1:1: missing return in function 'f' expected to return 'Int'"),
    ("let f = { $0 * 2 }", "1:9: cannot infer the types of '$0' … here; write the parameters: { (x: Double) in … }"),
    ("let x: Int = 2.5", "1:14: cannot convert value of type 'Double' to specified type 'Int'"),
    ("let d = [:]", "1:9: empty dictionary literal requires an explicit type"),
    ("switch 3 { case 1: print(1) }", "1:1: switch must be exhaustive"),
    ("return 1", "1:1: 'return' is only allowed inside a function or a closure"),
    ("if let x = 3 { print(x) }", "1:12: initializer for conditional binding must have Optional type, not 'Int'"),
    ("[1, 2].map { $0 + \"a\" }", "1:14: binary operator '+' cannot be applied to operands of type 'Int' and 'String'"),
    ("let xs = [1, 2]\nxs[1..<5]", "2:4: range 1..<5 out of bounds: the array's element count has 2"),
    ("func g(x: Int) -> Int { x }\ng(3)", "2:3: missing argument label 'x:' in call to 'g'"),
    ("func h(_ x: Int) -> Int { let y = x }", "1:1: missing return in function 'h' expected to return 'Int'"),
    ("let t: (Int, Int) = (1, 2)\nlet (a, b, c) = t", "2:5: cannot destructure a value of type '(Int, Int)' into 3 names"),
    // an operator passed as a function: errors at the operator
    ("[\"a\"].reduce(0, +)", "1:17: binary operator '+' cannot be applied to operands of type 'Int' and 'String'"),
    ("let i = 1\n[1.5].reduce(i, *)", "2:17: cannot convert value of type 'Double' to closure result type 'Int'"),
    ("[1, 2].map(-)", "1:12: closure uses '$1' but its contextual type '(Int) -> Any' has 1 parameter"),
    ("[1].reduce(0, ..<)", "1:15: expected expression in list of arguments"),
  ] as [(String, String)])
  func fails(_ source: String, _ expected: String) {
    #expect(Self.error(source) == expected, "\(source)")
  }

  /// Values nested deeper than 100 (only `Any` elements let a loop build them) are an error where
  /// the level past 100 is added: every walk over a value, freeing it included, recurses per level.
  @Test(arguments: [
    ("var a = []\nfor _ in 0..<3000 { a = [a] }\nprint(a)", "2:26"),
    ("var a = []\nfor _ in 0..<1000000 { a.append(a) }", "2:33"),
    ("var a = []\na.append(0)\nfor _ in 0..<3000 { a[0] = a }", "3:28"),
    ("var d: [String: Any] = [\"a\": 0]\nfor _ in 0..<3000 { d[\"a\"] = d }", "2:30"),
    ("var a = []\nfor _ in 0..<3000 { a = [(a, 1)] }", "2:26"),
    ("var a = []\na.append(1)\nfor _ in 0..<3000 { a = zip(a, a).map { $0 } }", "3:25"),
    ("var a = []\nfor _ in 0..<99 { a = [a] }\nlet b = [\"x\": a]", "3:15"),
  ] as [(String, String)])
  func valuesNestedTooDeepAreErrors(_ source: String, _ position: String) {
    let message = "values nested more than 100 deep (arrays, dictionaries or tuples inside each other) are not supported: they could not be shown, stored or compared"
    #expect(Self.error(source) == "\(position): \(message)", "\(source)")
  }

  @Test func valuesNested100DeepAreShown() throws {
    let shown = try Self.run("var a = []\nfor _ in 0..<99 { a = [a] }\nprint(a)\na.count")
    #expect(shown == [String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "1"])
  }

  /// A cell time limit too large for a deadline in nanoseconds is no limit, not a trap.
  @Test func hugeTimeLimitsMeanNoDeadline() throws {
    #expect(RuntimeContext.deadline(after: 1e11) == nil && RuntimeContext.deadline(after: .infinity) == nil)
    #expect(RuntimeContext.deadline(after: 2) != nil)
    let context = RuntimeContext(seed: 1, baseDirectory: "")
    context.beginCell(name: "t", timeLimit: 1e300)
    try context.checkDeadline()
  }

  @Test func aMillionAdditionsRunWithinTheTimeLimit() throws {
    #expect(try Self.run("var s = 0\nfor i in 0..<1_000_000 { s += i }\ns") == ["499999500000"])
  }
}

/// The interpreter copies values on every step: they must stay small (large payloads boxed).
@Test func valuesStayTwoWordsAndATag() {
  #expect(MemoryLayout<Value>.size <= 17, "\(MemoryLayout<Value>.size)")
}
