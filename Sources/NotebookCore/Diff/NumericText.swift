/// Printed text as words and numbers, so that `notebook diff` compares the numbers
/// inside `print("fvu", x)` output with the tolerance and the rest exactly.
///
/// A number is an optional sign (only where it cannot be a hyphen: not after a
/// letter, digit or `_`), digits with an optional fraction, or a fraction alone,
/// and an optional exponent (`-3`, `0.25`, `.5`, `1e-05`, `2.5E+4`); `nan`, `inf`
/// and `-inf` standing alone count as numbers too. Everything between numbers is
/// text. `cell-1` is the text `cell-` and the number 1; `x2` is text; `0.1.0` is the number
/// 0.1 and the text `.0`. A measured span (``MeasuredText``) is one token that
/// equals any other measured span: wall-clock times are shown, not compared.
enum NumericText {
  enum Token: Hashable {
    case text(String)
    case number(Double)
    case measured(String)
  }

  /// The tokens of one line.
  static func tokens(_ line: String) -> [Token] {
    let chars = Array(line.unicodeScalars)
    var out: [Token] = []
    var text = ""
    var i = 0
    while i < chars.count {
      if chars[i] == MeasuredText.open {
        if !text.isEmpty { out.append(.text(text)) }
        text = ""
        var end = i + 1
        while end < chars.count, chars[end] != MeasuredText.close { end += 1 }
        var span = ""
        span.unicodeScalars.append(contentsOf: chars[(i + 1)..<end])
        out.append(.measured(span))
        i = min(end + 1, chars.count)
      } else if let (value, end) = number(chars, at: i) {
        if !text.isEmpty { out.append(.text(text)) }
        text = ""
        out.append(.number(value))
        i = end
      } else {
        text.unicodeScalars.append(chars[i])
        i += 1
      }
    }
    if !text.isEmpty { out.append(.text(text)) }
    return out
  }

  /// Whether two token lists are the same: equal text, numbers within `tolerance`.
  static func same(_ a: [Token], _ b: [Token], _ tolerance: DiffTolerance) -> Bool {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
      switch (x, y) {
      case (.number(let p), .number(let q)): if !tolerance.equal(p, q) { return false }
      case (.measured, .measured): continue
      default: if x != y { return false }
      }
    }
    return true
  }

  /// The number starting at `start` and the index after it, if one starts there.
  private static func number(_ c: [Unicode.Scalar], at start: Int) -> (Double, Int)? {
    let before = start > 0 ? c[start - 1] : nil
    if let before, isWordCharacter(before) || before == "." { return nil }  // inside a word or a number
    var i = start
    if c[i] == "-" || c[i] == "+" { i += 1 }
    if let word = ["nan", "inf"].first(where: { matches($0, c, at: i) }) {
      let end = i + word.count
      guard end == c.count || !isWordCharacter(c[end]) else { return nil }
      let value = word == "nan" ? Double.nan : (c[start] == "-" ? -Double.infinity : .infinity)
      return (value, end)
    }
    let digitsStart = i
    while i < c.count, isDigit(c[i]) { i += 1 }
    var digits = i - digitsStart
    if i < c.count, c[i] == ".", i + 1 < c.count, isDigit(c[i + 1]) {
      i += 1
      while i < c.count, isDigit(c[i]) { i += 1 }
      digits += 1
    }
    guard digits > 0 else { return nil }
    if i + 1 < c.count, c[i] == "e" || c[i] == "E" {
      var j = i + 1
      if c[j] == "-" || c[j] == "+" { j += 1 }
      if j < c.count, isDigit(c[j]) {
        while j < c.count, isDigit(c[j]) { j += 1 }
        i = j
      }
    }
    var text = ""
    text.unicodeScalars.append(contentsOf: c[start..<i])
    guard let value = Double(text) else { return nil }
    return (value, i)
  }

  private static func matches(_ word: String, _ c: [Unicode.Scalar], at i: Int) -> Bool {
    let w = Array(word.unicodeScalars)
    return i + w.count <= c.count && Array(c[i..<(i + w.count)]) == w
  }

  private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

  private static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
    isDigit(c) || c == "_" || c.properties.isAlphabetic
  }
}
