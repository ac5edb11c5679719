import Testing
@testable import NotebookCore

/// Int expressions passed unboxed (``Typed/int``: arithmetic, `? :`, calls of functions whose
/// body is one Int expression) give the same values and the same errors, at the same places,
/// as the boxed code they stand beside.
@Suite struct IntChannelTests {
  @Test(arguments: [
    // recursion through `? :` and `+` of two calls, and of a call and a constant
    ("func fib(_ n: Int) -> Int { n < 2 ? n : fib(n - 1) + fib(n - 2) }\nprint(fib(0), fib(1), fib(15))", ["0 1 610"]),
    ("func up(_ n: Int) -> Int { n == 0 ? 0 : 1 + up(n - 1) }\nup(390)", ["390"]),
    // bodies of several statements, a parameter copied into a var that is reassigned
    ("func h(_ n: Int) -> Int { var m = n; m = m * 2; return m + n }\nprint(h(4) + h(1))", ["15"]),
    ("func g(_ n: Int) -> Int {\n  var m = n\n  m += 1\n  return m < 3 ? g(m) : m * 10\n}\ng(0) - 1", ["29"]),
    // Int results where Doubles are expected, and mixed branches of `? :`
    ("func d(_ n: Int) -> Double { n + 1 }\nprint(d(2), d(2) / 2)", ["3.0 1.5"]),
    ("func m(_ n: Int) -> Double { n < 2 ? n : 2.5 }\nprint(m(1), m(5))", ["1.0 2.5"]),
    ("func twice(_ x: Int) -> Int { x * 2 }\nlet y: Double = Double(twice(3)) + 0.5\ny", ["6.5"]),
    // closures capturing a variable that changes, and a parameter of the function that made them
    ("var base = 10\nlet addBase = { (x: Int) in x + base }\nprint(addBase(1) + addBase(2))\nbase = 20\nprint(addBase(1) * 2)", ["23", "42"]),
    ("func adder(_ k: Int) -> (Int) -> Int { return { (x: Int) in x + k } }\nlet a5 = adder(5)\nprint(a5(1) + a5(2), adder(1)(1))", ["13 2"]),
    // a variable holding a closure of one expression, then one of several statements
    ("var g = { (x: Int) in x * 2 }\nprint(g(3) + 1)\ng = { (x: Int) in\n  let y = x + 1\n  return y * 10\n}\nprint(g(3) + 1)", ["7", "41"]),
    // closures of one expression called as `$0`, one that returns nothing, Ints passed where Doubles are
    ("[{ (x: Int) in x + 1 }, { (x: Int) in x * 10 }].map { $0(4) + 1 }", ["[6, 41]"]),
    ("let p = { (x: Int) in print(x * 2) }\np(3)", ["6"]),
    ("func half(_ x: Double) -> Double { x / 2 }\nfunc three() -> Int { 3 }\nprint(half(three()), half(three() + 1))", ["1.5 2.0"]),
    // a variable plus or minus a constant, computed in place (``IntOperand/offset``): as an
    // argument, an operand, a branch of `? :`, at the top level and for a negative constant
    ("func o(_ n: Int) -> Int { (n + 3) * (2 + n) - (n - 1) * 3 + (n - 0) }\nprint(o(4), o(-9))", ["37 63"]),
    ("func id(_ n: Int) -> Int { n }\nfunc w(_ n: Int) -> Int { n > 3 ? n - 3 : id(n + 10) }\nprint(w(2), w(7))", ["12 4"]),
    ("var i = 5\nprint(i + 1, i - -2, i - 1 < 4)\ni = i + 1\ni", ["6 7 false", "6"]),
    // a function declared again in a later statement: calls through its name find the new one
    ("func f() -> Int { 1 }\nfunc g() -> Int { f() + 1 }\nprint(g())", ["2"]),
    // functions of no arguments, one calling another
    ("func k() -> Int { 1 }\nprint(k() + 1)\nfunc k2() -> Int { k() * 3 }\nk2() + k()", ["2", "4"]),
  ] as [(String, [String])])
  func runs(_ source: String, _ expected: [String]) throws {
    #expect(try LanguageRunTests.run(source) == expected, "\(source)")
  }

  @Test(arguments: [
    // overflow inside recursion: the error is at the `+` that overflows, with its operands
    ("func f(_ n: Int) -> Int { n == 0 ? 9223372036854775806 : f(n - 1) + 1 }\nf(2)",
     "1:58: arithmetic overflow: 9223372036854775807 + 1 does not fit in an Int"),
    ("func sq(_ x: Int) -> Int { x * x }\nsq(sq(sq(sq(sq(10)))))", "1:28: arithmetic overflow: 10000000000000000 * 10000000000000000 does not fit in an Int"),
    ("func neg(_ n: Int) -> Int { n < 0 ? n : neg(n - 1) - 9223372036854775807 }\nneg(1)",
     "1:41: arithmetic overflow: -9223372036854775808 - 9223372036854775807 does not fit in an Int"),
    // overflow of a variable plus a constant computed in place: the error is at that `+`/`-`
    ("func id(_ n: Int) -> Int { n }\nfunc up1(_ n: Int) -> Int { id(n + 1) }\nup1(9223372036854775807)",
     "2:32: arithmetic overflow: 9223372036854775807 + 1 does not fit in an Int"),
    ("func down(_ n: Int) -> Int { n < -9223372036854775806 ? n - 2 : down(n - 1) }\ndown(-9223372036854775805)",
     "1:57: arithmetic overflow: -9223372036854775807 - 2 does not fit in an Int"),
    // the depth limit, through `+` of a call
    ("func deep(_ n: Int) -> Int { n < 0 ? 0 : 1 + deep(n + 1) }\ndeep(0)",
     "1:46: too many nested calls (more than 400) in 'deep': is the recursion missing a base case?"),
    ("let same = { (x: Int) in x }\nfunc deep2(_ n: Int) -> Int { deep2(n) + same(n) }\ndeep2(1)",
     "2:31: too many nested calls (more than 400) in 'deep2': is the recursion missing a base case?"),
  ] as [(String, String)])
  func fails(_ source: String, _ expected: String) {
    #expect(LanguageRunTests.error(source) == expected, "\(source)")
  }

  /// Calls through a declared function's name read it without reference counting only where
  /// the enum layout allows (``FunctionSlot/payloadIsFirstWord``); on this platform it does,
  /// so the tests above run that path.
  @Test func declaredFunctionsAreCalledInPlace() {
    #expect(FunctionSlot.payloadIsFirstWord)
  }

  /// A notebook declares a function again in a later cell: calls through the name, from a
  /// function of an earlier cell too, reach the new declaration, as they did before.
  @Test func laterDeclarationsReplaceEarlierOnes() throws {
    let text = """
      # t

      ```swift
      func f() -> Int { 1 }
      func g() -> Int { f() + 1 }
      print(g())
      ```

      ```swift
      func f() -> Int { 10 }
      print(g(), f())
      ```
      """
    let result = try TestNotebook.run(text, path: "redeclared.md")
    #expect(TestNotebook.printed(result) == ["2", "11 10"])
  }
}
