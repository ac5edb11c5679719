import Testing
@testable import NotebookCore

@Suite struct LexerTests {
  func lex(_ source: String, firstLine: Int = 1) -> ([Token], [Diagnostic]) {
    Lexer.tokenize(source, file: "t.md", firstLine: firstLine)
  }

  /// `text@line:col-line:col` for each token (the end of input as `<end>`).
  func spans(_ tokens: [Token]) -> [String] {
    tokens.map { ($0.isEndOfInput ? "<end>" : $0.text) + "@\($0.range.start)-\($0.range.end)" }
  }

  func messages(_ diagnostics: [Diagnostic]) -> [String] {
    diagnostics.map { "\($0.range.start)-\($0.range.end): \($0.message)" }
  }

  @Test func tokensCarryPositionsInTheMarkdownFile() {
    let (tokens, diagnostics) = lex("let width = f(x, k: 24)\n  y += 1", firstLine: 41)
    #expect(diagnostics.isEmpty)
    #expect(spans(tokens) == [
      "let@41:1-41:4", "width@41:5-41:10", "=@41:11-41:12", "f@41:13-41:14", "(@41:14-41:15",
      "x@41:15-41:16", ",@41:16-41:17", "k@41:18-41:19", ":@41:19-41:20", "24@41:21-41:23", ")@41:23-41:24",
      "y@42:3-42:4", "+=@42:5-42:7", "1@42:8-42:9", "<end>@42:9-42:9",
    ])
    #expect(tokens[0].kind == .keyword(.let) && tokens[1].kind == .identifier("width"))
    #expect(tokens[9].kind == .integer(24) && tokens[12].kind == .symbol(.addAssign))
  }

  @Test func newlineAndSpaceFlags() {
    let (tokens, _) = lex("a\n-b - c(d)")
    let flags = tokens.map { "\($0.text):\($0.newlineBefore ? "n" : "")\($0.spaceBefore ? "s" : "")" }
    #expect(flags == ["a:ns", "-:ns", "b:", "-:s", "c:s", "(:", "d:", "):", ":"])
  }

  @Test func commentsAndOptionLinesAreSkipped() {
    let (tokens, diagnostics) = lex("//| echo: false\nx /* a /* b */ c */ y // z\n/* multi\nline */ w //| not an option")
    #expect(diagnostics.isEmpty)
    #expect(spans(tokens) == ["x@2:1-2:2", "y@2:21-2:22", "w@4:9-4:10", "<end>@4:28-4:28"])
    #expect(tokens.map(\.newlineBefore) == [true, false, true, false])
  }

  @Test(arguments: [
    ("100_000", Token.Kind.integer(100_000)), ("0", .integer(0)), ("007", .integer(7)),
    ("9223372036854775807", .integer(Int.max)), ("0.5", .double(0.5)), ("1e-3", .double(0.001)),
    ("2.5E+4", .double(25_000)), ("1E3", .double(1000)), ("12_3.4_5e-1_0", .double(123.45e-10)),
  ])
  func numberLiterals(spelling: String, value: Token.Kind) {
    let (tokens, diagnostics) = lex(spelling)
    #expect(diagnostics.isEmpty)
    #expect(tokens.count == 2 && tokens[0].kind == value && tokens[0].text == spelling)
  }

  @Test(arguments: ["1__0", "1_", "12ab", "0x1F", "1.5e", "1e_3", "3_.5", "1.0_"])
  func invalidNumberLiterals(spelling: String) {
    let (tokens, diagnostics) = lex("x = \(spelling) + 1")
    let end = 5 + spelling.count
    #expect(messages(diagnostics) == ["1:5-1:\(end): invalid number literal '\(spelling)'"])
    #expect(tokens[2].kind == .invalid && tokens[3].text == "+")
  }

  @Test func integerOverflowIsReported() {
    let (_, diagnostics) = lex("9223372036854775808")
    #expect(messages(diagnostics) == ["1:1-1:20: integer literal '9223372036854775808' overflows when stored into 'Int'"])
  }

  @Test func dotsAfterDigitsFormRangesAndMembers() {
    let (tokens, _) = lex("0..<n 1...2 3.x 4.5")
    #expect(tokens.map(\.kind) == [
      .integer(0), .symbol(.halfOpenRange), .identifier("n"), .integer(1), .symbol(.closedRange), .integer(2),
      .integer(3), .symbol(.period), .identifier("x"), .double(4.5), .endOfInput,
    ])
  }

  @Test func keywordsAndIdentifiers() {
    let (tokens, _) = lex("let var if else for in true false while nil _ _x café e\u{301}t\u{e9} λ2")
    #expect(tokens.map(\.kind) == [
      .keyword(.let), .keyword(.var), .keyword(.if), .keyword(.else), .keyword(.for), .keyword(.in),
      .keyword(.true), .keyword(.false), .keyword(.while), .keyword(.nil), .identifier("_"), .identifier("_x"),
      .identifier("café"), .identifier("e\u{301}t\u{e9}"), .identifier("λ2"), .endOfInput,
    ])
  }

  @Test func stringEscapes() {
    let (tokens, diagnostics) = lex(#""a\tb\n\"q\" \\ \0\'\r \u{1F600}\u{41}""#)
    #expect(diagnostics.isEmpty)
    #expect(tokens[0].kind == .string([.text("a\tb\n\"q\" \\ \0'\r 😀A")]))
    #expect(tokens[0].range.end == SourcePosition(line: 1, column: 40))
  }

  @Test func interpolationsHoldTheirTokens() throws {
    let source = #"s = "x = \(f(a, (b))) \("in \(c)")!""#
    let (tokens, diagnostics) = lex(source, firstLine: 7)
    #expect(diagnostics.isEmpty)
    guard case .string(let pieces) = tokens[2].kind, pieces.count == 5 else {
      Issue.record("not a 5-piece string: \(tokens[2].kind)")
      return
    }
    #expect(pieces[0] == .text("x = ") && pieces[2] == .text(" ") && pieces[4] == .text("!"))
    guard case .interpolation(let first, let open) = pieces[1],
      case .interpolation(let second, _) = pieces[3]
    else {
      Issue.record("pieces 1 and 3 are not interpolations")
      return
    }
    #expect(open == SourceRange(file: "t.md", start: .init(line: 7, column: 10), end: .init(line: 7, column: 12)))
    #expect(spans(first) == [
      "f@7:12-7:13", "(@7:13-7:14", "a@7:14-7:15", ",@7:15-7:16", "(@7:17-7:18", "b@7:18-7:19", ")@7:19-7:20",
      ")@7:20-7:21", "<end>@7:21-7:22",
    ])
    #expect(second.count == 2 && second[1].isEndOfInput)
    guard case .string(let inner) = second[0].kind, inner.count == 2, case .interpolation(let c, _) = inner[1] else {
      Issue.record("nested string not lexed: \(second)")
      return
    }
    #expect(inner[0] == .text("in ") && c.map(\.text) == ["c", ")"] && c[1].isEndOfInput)
    #expect(tokens[2].range.end == SourcePosition(line: 7, column: 37))
  }

  @Test func columnsCountUnicodeScalars() {
    // "😀👍🏽" is 3 scalars, "e\u{301}" 2, the tab 1.
    let (tokens, diagnostics) = lex("\"😀👍🏽\" e\u{301} @\n\tb")
    #expect(messages(diagnostics) == ["1:10-1:11: unexpected character '@'"])
    #expect(spans(tokens).dropFirst() == ["e\u{301}@1:7-1:9", "@@1:10-1:11", "b@2:2-2:3", "<end>@2:3-2:3"])
  }

  @Test func crlfLineEndings() {
    let (tokens, diagnostics) = lex("let a = 1\r\nlet b = 2\r\n")
    #expect(diagnostics.isEmpty)
    #expect(tokens[4].text == "let" && tokens[4].range.start == SourcePosition(line: 2, column: 1) && tokens[4].newlineBefore)
  }

  @Test func operatorRunsSplitIntoKnownOperators() {
    let (tokens, diagnostics) = lex("x=-1 a<-b !!c d==!e f->g")
    #expect(diagnostics.isEmpty)
    #expect(tokens.map(\.text).dropLast() == [
      "x", "=", "-", "1", "a", "<", "-", "b", "!", "!", "c", "d", "==", "!", "e", "f", "->", "g",
    ])
    #expect(spans([tokens[1], tokens[2]]) == ["=@1:2-1:3", "-@1:3-1:4"])
    #expect(!tokens[2].spaceBefore && !tokens[13].spaceBefore)
  }

  @Test(arguments: [
    ("a ** b", "1:3-1:5: operator '**' is not supported in notebook cells"),
    ("a & b", "1:3-1:4: operator '&' is not supported in notebook cells"),
    ("i++", "1:2-1:4: operator '++' is not supported in notebook cells; use '+= 1'"),
    ("i--", "1:2-1:4: operator '--' is not supported in notebook cells; use '-= 1'"),
    ("a ?= b", "1:3-1:5: operator '?=' is not supported in notebook cells"),
    ("a..b", "1:2-1:4: operator '..' is not supported in notebook cells; use '..<' or '...'"),
    ("a */ b", "1:3-1:5: unexpected end of block comment"),
    ("#x", "1:1-1:2: unexpected character '#'"),
  ])
  func unsupportedOperatorsAndCharacters(source: String, message: String) {
    let (tokens, diagnostics) = lex(source)
    #expect(messages(diagnostics) == [message])
    #expect(tokens.contains { $0.kind == .invalid })
  }

  @Test func unterminatedLiteralsAndComments() {
    #expect(messages(lex("x = \"abc\ny").1) == ["1:5-1:6: unterminated string literal"])
    #expect(messages(lex("x = \"a \\(\"b\")").1) == ["1:5-1:6: unterminated string literal"])
    // The inner string is unterminated; the enclosing one is not reported again.
    #expect(messages(lex("x = \"a \\(\"b").1) == ["1:10-1:11: unterminated string literal"])
    #expect(messages(lex("a /* x /* y */\nb").1) == ["1:3-1:5: unterminated '/*' comment"])
    #expect(messages(lex("s = \"\"\"\nabc\n\"\"\" + 1").1) == ["1:5-1:8: multi-line string literals are not supported in notebook cells"])
  }

  @Test func escapeErrors() {
    #expect(messages(lex(#""a\qb""#).1) == ["1:3-1:5: invalid escape sequence in literal"])
    #expect(messages(lex(#""\u{D800}""#).1) == ["1:2-1:10: invalid unicode scalar"])
    #expect(messages(lex(#""\u{123456789}""#).1) == ["1:2-1:15: \\u{...} escape sequence expects between 1 and 8 hex digits"])
    #expect(messages(lex(#""\u{12""#).1) == ["1:2-1:7: expected '}' in \\u{...} escape sequence"])
  }
}
