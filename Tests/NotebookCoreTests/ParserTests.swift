import Testing
@testable import NotebookCore

@Suite struct ParserTests {
  func parse(_ source: String, firstLine: Int = 1, file: String = "nb.md") -> (CellProgram, [Diagnostic]) {
    CellParser.parse(source, file: file, firstLine: firstLine)
  }

  func messages(_ diagnostics: [Diagnostic]) -> [String] {
    diagnostics.map { "\($0.range.start)-\($0.range.end): \($0.message)" }
  }

  func range(_ l1: Int, _ c1: Int, _ l2: Int, _ c2: Int, file: String = "nb.md") -> SourceRange {
    SourceRange(file: file, start: .init(line: l1, column: c1), end: .init(line: l2, column: c2))
  }

  @Test func firstLineOffsetsEveryRange() {
    let (program, diagnostics) = parse("let x = 1\nlet y = f(x", firstLine: 41)
    #expect(program.statements.count == 1)
    #expect(program.statements[0].range == range(41, 1, 41, 10))
    #expect(diagnostics.count == 1)
    #expect(diagnostics.first?.range == range(42, 12, 42, 12))
    #expect(diagnostics.first?.message == "expected ')' to close '(' opened at 42:10")
    #expect(diagnostics.first?.notes == ["to match this opening '(' at 42:10"])
  }

  @Test func movingACellShiftsOnlyLines() {
    let source = "let a = [1, 2\nif a { b = 1 }} \"\\q\"\nc = 3 +"
    let (p1, d1) = parse(source, firstLine: 1)
    let (p100, d100) = parse(source, firstLine: 100)
    #expect(d1.count == 4 && d1.count == d100.count)
    #expect(d1.first?.message == "expected ']' to close '[' opened at 1:9")
    #expect(d100.first?.message == "expected ']' to close '[' opened at 100:9")
    for (a, b) in zip(d1, d100) {
      #expect(a.message == b.message || (a.message.hasSuffix(" 1:9") && b.message.hasSuffix(" 100:9")))
      #expect(a.range.start.column == b.range.start.column && a.range.end.column == b.range.end.column)
      #expect(a.range.start.line + 99 == b.range.start.line && a.range.end.line + 99 == b.range.end.line)
    }
    #expect(p1.dump() == p100.dump() && p1.dump(ranges: true) != p100.dump(ranges: true))
  }

  @Test func columnsAfterEmojiAndTheRenderedCaret() {
    let md = "# Title\n\n```swift\nlet s = \"🙂🙂\" + )\n```\n"
    let (_, diagnostics) = parse("let s = \"🙂🙂\" + )", firstLine: 4)
    #expect(messages(diagnostics) == ["4:16-4:17: expected expression after operator"])
    let rendered = DiagnosticRenderer(sources: ["nb.md": md]).render(diagnostics)
    #expect(rendered == """
      nb.md:4:16: error: expected expression after operator
          let s = "🙂🙂" + )
                         ^

      """)
  }

  /// `a op1 b op2 c` for every pair of binary operators, against a reference
  /// built from `BinaryOperator.precedence` alone.
  @Test func everyOperatorPairFollowsThePrecedenceTable() {
    let nonAssociative: Set<Int> = [2, 4]
    for op1 in BinaryOperator.allCases {
      for op2 in BinaryOperator.allCases {
        let (program, diagnostics) = parse("a \(op1.rawValue) b \(op2.rawValue) c")
        let left = "(\(op2.rawValue) (\(op1.rawValue) a b) c)\n"
        let right = "(\(op1.rawValue) a (\(op2.rawValue) b c))\n"
        if op1.precedence < op2.precedence {
          #expect(program.dump() == right && diagnostics.isEmpty, "\(op1) \(op2)")
        } else {
          #expect(program.dump() == left, "\(op1) \(op2)")
          let rejected = op1.precedence == op2.precedence && nonAssociative.contains(op1.precedence)
          #expect(diagnostics.count == (rejected ? 1 : 0), "\(op1) \(op2): \(messages(diagnostics))")
        }
      }
    }
  }

  @Test func memberArgumentAndLabelRanges() throws {
    let (program, diagnostics) = parse("  a.bc.d(e: 1, f)", firstLine: 5)
    #expect(diagnostics.isEmpty)
    guard case .expression(let call) = program.statements.first?.kind,
      case .call(let callee, let arguments) = call.kind,
      case .member(let base, let name) = callee.kind,
      case .member(_, let inner) = base.kind
    else {
      Issue.record("unexpected shape: \(program.dump())")
      return
    }
    #expect(call.range == range(5, 3, 5, 18))
    #expect(name == Identifier("d", range(5, 8, 5, 9)) && inner == Identifier("bc", range(5, 5, 5, 7)))
    #expect(arguments.map(\.label?.name) == ["e", nil])
    #expect(arguments[0].label?.range == range(5, 10, 5, 11) && arguments[0].range == range(5, 10, 5, 14))
    #expect(arguments[1].range == range(5, 16, 5, 17))
  }

  @Test func implicitMembersWithAndWithoutArguments() {
    let (program, _) = parse("let a = .relu; let b = .topK()\nlet c = .topK(k: 2)")
    let counts = program.statements.map { s -> Int?? in
      if case .binding(_, _, _, let e) = s.kind, case .implicitMember(_, let arguments) = e.kind { return .some(arguments?.count) }
      return .none
    }
    #expect(counts == [.some(nil), .some(0), .some(1)])
  }

  @Test func elseIfIsAnElseBranchHoldingOneIf() {
    let (program, diagnostics) = parse("if a { x } else if b { y } else { z }")
    #expect(diagnostics.isEmpty)
    guard case .ifElse(_, let then, let otherwise?) = program.statements.first?.kind,
      otherwise.count == 1, case .ifElse(let c, _, let last?) = otherwise[0].kind
    else {
      Issue.record("unexpected shape: \(program.dump())")
      return
    }
    #expect(then.count == 1 && c.kind == .identifier("b") && last.count == 1)
    #expect(otherwise[0].range == range(1, 17, 1, 38))
  }

  @Test func stringSegmentsAndTheirRanges() {
    let (program, diagnostics) = parse(#"let s = "a\(x + 1)b\("")""#)
    #expect(diagnostics.isEmpty)
    guard case .binding(false, .name(let name), nil, let value) = program.statements.first?.kind,
      case .string(let segments) = value.kind, segments.count == 4,
      case .interpolation(let sum) = segments[1], case .interpolation(let empty) = segments[3]
    else {
      Issue.record("unexpected shape: \(program.dump())")
      return
    }
    #expect(name.range == range(1, 5, 1, 6) && value.range == range(1, 9, 1, 26))
    #expect(segments[0] == .text("a") && segments[2] == .text("b"))
    #expect(sum.range == range(1, 13, 1, 18) && empty.kind == .string([]) && empty.range == range(1, 22, 1, 24))
  }

  @Test func severalErrorsAreEachReportedOnceInOrder() {
    let source = """
      let a = (1 +
      let b = 1__0
      if a { let c = ] }
      for x in y {
        z(1 2)
      }
      let ok = "fine"
      """
    let (program, diagnostics) = parse(source)
    #expect(messages(diagnostics) == [
      "1:13-1:13: expected expression after operator",
      "2:9-2:13: invalid number literal '1__0'",
      "3:16-3:17: expected initial value after '='",
      "5:7-5:8: expected ',' separator",
    ])
    #expect(program.dump() == "(if a\n  (then))\n(for x y)\n(let ok \"fine\")\n")
  }

  @Test func emptyAndCommentOnlyCells() {
    for source in ["", "\n\n", "// note\n/* block\n */\n//| echo: false", ";;"] {
      let (program, diagnostics) = parse(source)
      #expect(program.statements.isEmpty && diagnostics.isEmpty, "\(source)")
    }
  }

  @Test func parsingIsDeterministic() {
    let source = "let x = f(.topK(k: 24), \"\\(y)\")\nfor i in 0..<3 { x += i }\nwhile x { }"
    let first = parse(source)
    let second = parse(source)
    #expect(first.0 == second.0 && first.1 == second.1)
  }

  /// The dump of a tree built by hand (independent of the parser).
  @Test func dumpFormat() {
    let r = range(1, 1, 1, 2, file: "f")
    func e(_ kind: Expression.Kind) -> Expression { Expression(kind, r) }
    let cond = e(.binary(.less, e(.identifier("i")), e(.integer(3))))
    let call = e(.call(callee: e(.member(base: e(.identifier("plot")), name: Identifier("line", r))),
                       arguments: [Argument(label: nil, value: e(.double(0.5))),
                                    Argument(label: Identifier("y", r), value: e(.implicitMember(name: Identifier("relu", r), arguments: nil)))]))
    let program = CellProgram(statements: [
      Statement(.binding(mutable: true, pattern: .name(Identifier("s", r)), type: nil, value: e(.string([.text("a\"\n"), .interpolation(e(.unary(.negate, e(.boolean(true)))))]))), r),
      Statement(.forIn(pattern: .name(Identifier("i", r)), sequence: e(.array([])), body: [
        Statement(.ifElse(condition: cond, then: [Statement(.expression(call), r)], otherwise: []), r),
      ]), r),
      Statement(.assignment(target: e(.subscripted(base: e(.identifier("xs")), arguments: [Argument(label: nil, value: e(.integer(0)))])),
                            op: .divide, value: e(.parenthesized(e(.implicitMember(name: Identifier("k", r), arguments: []))))), r),
    ])
    #expect(program.dump() == """
      (var s (string "a\\"\\n" (interp (- true))))
      (for i (array)
        (if (< i 3)
          (then
            (call (. plot line) 0.5 y: .relu))
          (else)))
      (/= (subscript xs 0) (paren (.k)))

      """)
    #expect(program.statements[2].dumpLines(ranges: true) == ["(/= (subscript xs@1:1-1:2 0@1:1-1:2)@1:1-1:2 (paren (.k)@1:1-1:2)@1:1-1:2)@1:1-1:2"])
  }

  @Test func typeAnnotationsAreParsed() {
    let (program, diagnostics) = parse("let x: [Int] = [1]; var d: [String: Double?] = [:]; let f: (Int, b: Bool) -> Int? = g")
    #expect(diagnostics.isEmpty)
    #expect(program.dump() == "(let x : [Int] (array 1))\n(var d : [String: Double?] (dict))\n(let f : (Int, Bool) -> Int? g)\n")
  }
}

/// Random token soup (seeded, deterministic): the parser always finishes,
/// and every diagnostic points into the cell with a well-formed range.
@Suite struct ParserRobustnessTests {
  static let fragments = [
    "let", "var", "x", "=", "+=", "if", "else", "for", "in", "{", "}", "(", ")", "[", "]", ",", ":", ";", ".",
    "..<", "...", "-", "!", "*", "<", "&&", "1", "2.5", "1__0", "\"s\"", "\"a \\(", "\"", "\\", "\n", " ",
    "//", "/*", "*/", "while", "f", "😀", "\t", "é", "@", "?", "->",
  ]

  @Test func randomInputAlwaysParses() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Int((state >> 33) % UInt64(bound))
    }
    for _ in 0..<1500 {
      let source = (0..<(1 + next(40))).map { _ in Self.fragments[next(Self.fragments.count)] }.joined(separator: next(2) == 0 ? " " : "")
      let lines = source.split(separator: "\n", omittingEmptySubsequences: false).count
      let (program, diagnostics) = CellParser.parse(source, file: "fuzz.md", firstLine: 10)
      for d in diagnostics {
        #expect(d.range.start <= d.range.end && (10..<10 + lines).contains(d.range.start.line), "\(source.debugDescription): \(d)")
        #expect(d.range.start.column >= 1, "\(source.debugDescription): \(d)")
      }
      _ = program.dump(ranges: true)
    }
  }
}
