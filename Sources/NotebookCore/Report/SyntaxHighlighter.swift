/// Light syntax highlighting for cell source: keywords, string literals,
/// numbers and comments become `<span class="kw|str|num|com">`; all text is
/// HTML-escaped. A lexical scan only — it never fails, whatever the input.
enum SyntaxHighlighter {
  static let keywords: Set<String> = [
    "let", "var", "for", "in", "if", "else", "while", "repeat", "return", "func", "guard", "break", "continue",
    "true", "false", "nil", "import", "struct", "enum", "switch", "case", "default", "do", "try", "catch",
    "throw", "as", "is", "self",
  ]

  static func highlight(_ source: String) -> String {
    let s = Array(source.unicodeScalars)
    var out = ""
    var plainStart = 0
    var i = 0

    func flushPlain(upTo end: Int) {
      if end > plainStart { out += HTMLText.escape(text(s, plainStart..<end)) }
    }
    func emit(_ cls: String, _ range: Range<Int>) {
      flushPlain(upTo: range.lowerBound)
      out += "<span class=\"\(cls)\">" + HTMLText.escape(text(s, range)) + "</span>"
      plainStart = range.upperBound
    }
    func at(_ k: Int, _ c: Unicode.Scalar) -> Bool { k < s.count && s[k] == c }

    while i < s.count {
      let c = s[i]
      if c == "/" && at(i + 1, "/") {
        var j = i
        while j < s.count && s[j] != "\n" { j += 1 }
        emit("com", i..<j)
        i = j
      } else if c == "/" && at(i + 1, "*") {
        var j = i + 2
        while j < s.count && !(s[j] == "*" && at(j + 1, "/")) { j += 1 }
        j = min(s.count, j + 2)
        emit("com", i..<j)
        i = j
      } else if c == "\"" {
        let j = stringEnd(s, from: i)
        emit("str", i..<j)
        i = j
      } else if isDigit(c) && (i == 0 || !isIdentifierPart(s[i - 1])) {
        let j = numberEnd(s, from: i)
        emit("num", i..<j)
        i = j
      } else if isIdentifierStart(c) {
        var j = i
        while j < s.count && isIdentifierPart(s[j]) { j += 1 }
        if keywords.contains(text(s, i..<j)) && !(i > 0 && s[i - 1] == ".") { emit("kw", i..<j) }
        i = j
      } else {
        i += 1
      }
    }
    flushPlain(upTo: s.count)
    return out
  }

  /// Index past a string literal starting at `start` (`"…"` or `"""…"""`).
  /// Backslash escapes are skipped; quotes inside `\( … )` do not end it.
  private static func stringEnd(_ s: [Unicode.Scalar], from start: Int) -> Int {
    let triple = start + 2 < s.count && s[start + 1] == "\"" && s[start + 2] == "\""
    var j = start + (triple ? 3 : 1)
    var depth = 0
    while j < s.count {
      let c = s[j]
      if c == "\\" {
        if j + 1 < s.count && s[j + 1] == "(" { depth += 1 }
        j += 2
        continue
      }
      if depth > 0 {
        if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
        j += 1
        continue
      }
      if c == "\n" && !triple { return j }
      if c == "\"" {
        if !triple { return j + 1 }
        if j + 2 < s.count && s[j + 1] == "\"" && s[j + 2] == "\"" { return j + 3 }
      }
      j += 1
    }
    return s.count
  }

  /// Index past a number: digits and `_`, an optional `.digits` (not `..`),
  /// an optional exponent; or a `0x` hexadecimal literal.
  private static func numberEnd(_ s: [Unicode.Scalar], from start: Int) -> Int {
    var j = start
    if s[j] == "0" && j + 1 < s.count && (s[j + 1] == "x" || s[j + 1] == "X") {
      j += 2
      while j < s.count && (s[j].properties.isASCIIHexDigit || s[j] == "_") { j += 1 }
      return j
    }
    while j < s.count && (isDigit(s[j]) || s[j] == "_") { j += 1 }
    if j + 1 < s.count && s[j] == "." && isDigit(s[j + 1]) {
      j += 1
      while j < s.count && (isDigit(s[j]) || s[j] == "_") { j += 1 }
    }
    if j < s.count && (s[j] == "e" || s[j] == "E") {
      var k = j + 1
      if k < s.count && (s[k] == "+" || s[k] == "-") { k += 1 }
      if k < s.count && isDigit(s[k]) {
        while k < s.count && isDigit(s[k]) { k += 1 }
        j = k
      }
    }
    return j
  }

  private static func text(_ s: [Unicode.Scalar], _ range: Range<Int>) -> String {
    String(String.UnicodeScalarView(s[range]))
  }
  private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
  private static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
  private static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || isDigit(c) }
}
