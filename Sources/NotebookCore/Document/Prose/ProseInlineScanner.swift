/// The inline constructs of prose that the report renders itself, around Ink: math, citations,
/// cross-references, footnote references, images and escaped `$`/`@`. Everything else is left to Ink.
///
/// The rules follow Pandoc's Markdown, which Quarto uses:
/// - `$…$` is inline math when the opening `$` is followed by a non-space and the closing `$` is
///   preceded by a non-space and not followed by a digit (so "costs $5 and $10" is text);
///   `$$…$$` is display math and may span lines (not a blank one); `{#eq-label}` after it numbers it.
/// - `@key` (after a space, an opening bracket or quote, or at the start) is a citation or, for
///   `fig-`, `tbl-`, `eq-` labels, a cross-reference; `[@a; see @b, p. 3]` is a bracketed citation.
/// - `[^id]` is a footnote reference; `![alt](path)` an image, `{#fig-label}` after it numbers it.
/// - `\$` and `\@` are the characters themselves. Nothing inside a code span is touched.
enum ProseInline: Hashable, Sendable {
  case inlineMath(String)
  case displayMath(String, label: String?)
  /// A bracketed citation (`narrative == false`) or a bare `@key` (`true`).
  case citation([CitationItem], narrative: Bool)
  case crossReference(String)
  case footnoteReference(String)
  case image(alt: String, path: String, label: String?)
  /// A character written escaped (`\$`, `\@`).
  case literal(String)
}

/// One key of a citation with the text around it: `[see @gao2024, p. 3]`.
struct CitationItem: Hashable, Sendable {
  var key: String
  var prefix: String = ""
  var locator: String = ""
  /// `[-@key]`: the year only.
  var suppressAuthor = false
  /// Scalar offset of the `@` in the scanned text (for diagnostics).
  var offset: Int
}

/// A construct found in a text, with the scalars it covers.
struct ProseInlineToken: Hashable, Sendable {
  var inline: ProseInline
  /// Scalar offsets `[lower, upper)` in the scanned text.
  var range: Range<Int>
  /// Where the math's TeX starts (for placing a math error), the range's start otherwise.
  var contentStart: Int
}

enum ProseInlineScanner {
  /// Labels with these prefixes are cross-references, not citation keys.
  static let crossReferencePrefixes = ["fig-", "tbl-", "eq-"]

  static func isCrossReference(_ key: String) -> Bool { crossReferencePrefixes.contains { key.hasPrefix($0) } }

  /// Every construct of `text`, in order, never overlapping. Linear in the length of `text`.
  static func scan(_ text: String) -> [ProseInlineToken] {
    let s = Array(text.unicodeScalars)
    let next = ScanTables(s)
    var tokens: [ProseInlineToken] = []
    var i = 0
    // Where the next run of n backticks starts, for code spans (computed lazily per length).
    var nextRun: [Int: [Int]] = [:]
    func backtickRuns(of length: Int) -> [Int] {
      if let runs = nextRun[length] { return runs }
      var runs: [Int] = []
      var k = 0
      while k < s.count {
        guard s[k] == "`" else { k += 1; continue }
        var e = k
        while e < s.count && s[e] == "`" { e += 1 }
        if e - k == length { runs.append(k) }
        k = e
      }
      nextRun[length] = runs
      return runs
    }
    var runCursor: [Int: Int] = [:]
    while i < s.count {
      let c = s[i]
      switch c {
      case "`":
        var e = i
        while e < s.count && s[e] == "`" { e += 1 }
        let length = e - i
        let runs = backtickRuns(of: length)
        var cursor = runCursor[length] ?? 0
        while cursor < runs.count && runs[cursor] < e { cursor += 1 }
        runCursor[length] = cursor
        if cursor < runs.count, next.blankLine(from: e) > runs[cursor] {
          i = runs[cursor] + length  // the whole code span
        } else {
          i = e
        }
      case "\\":
        if i + 1 < s.count, s[i + 1] == "$" || s[i + 1] == "@" {
          tokens.append(.init(inline: .literal(String(s[i + 1])), range: i..<(i + 2), contentStart: i))
        }
        i += 2
      case "$":
        if let token = math(s, at: i, next) {
          tokens.append(token)
          i = token.range.upperBound
        } else {
          i += 1
          while i < s.count && s[i] == "$" { i += 1 }
        }
      case "!":
        if i + 1 < s.count, s[i + 1] == "[", let token = image(s, at: i, next) {
          tokens.append(token)
          i = token.range.upperBound
        } else {
          i += 1
        }
      case "[":
        if let token = footnoteReference(s, at: i) ?? bracketedCitation(s, at: i, next) {
          tokens.append(token)
          i = token.range.upperBound
        } else if let end = linkDestinationEnd(s, at: i, next) {
          i = end  // `[text](url)`: nothing in the URL is a citation
        } else {
          i += 1
        }
      case "<":
        // An autolink `<https://…>`: nothing in it is a citation.
        var e = i + 1
        while e < s.count && s[e] != ">" && s[e] != "<" && s[e] != " " && s[e] != "\n" { e += 1 }
        i = (e < s.count && s[e] == ">") ? e + 1 : i + 1
      case "@":
        if (i == 0 || startsCitation(after: s[i - 1])), let (key, end) = citationKey(s, from: i + 1) {
          let inline: ProseInline = isCrossReference(key)
            ? .crossReference(key) : .citation([CitationItem(key: key, offset: i)], narrative: true)
          tokens.append(.init(inline: inline, range: i..<end, contentStart: i))
          i = end
        } else {
          i += 1
        }
      default:
        i += 1
      }
    }
    return tokens
  }

  // MARK: - Math

  private static func math(_ s: [Unicode.Scalar], at i: Int, _ next: ScanTables) -> ProseInlineToken? {
    let blank = next.blankLine(from: i)
    if i + 1 < s.count && s[i + 1] == "$" {
      guard let k = next.doubleDollar(from: i + 2), k < blank else { return nil }
      let tex = string(s, (i + 2)..<k)
      guard !tex.allSatisfy(\.isWhitespace) else { return nil }
      var end = k + 2
      var label: String?
      var j = end
      while j < s.count && (s[j] == " " || s[j] == "\t") { j += 1 }
      if let (found, after) = attributeLabel(s, at: j) {
        label = found
        end = after
      }
      return .init(inline: .displayMath(tex, label: label), range: i..<end, contentStart: i + 2)
    }
    guard i + 1 < s.count, !s[i + 1].properties.isWhitespace, let k = next.closingDollar(from: i + 2), k < blank
    else { return nil }
    return .init(inline: .inlineMath(string(s, (i + 1)..<k)), range: i..<(k + 1), contentStart: i + 1)
  }

  /// `{#label}` at `i`: the label and the index after `}`.
  static func attributeLabel(_ s: [Unicode.Scalar], at i: Int) -> (String, Int)? {
    guard i + 2 < s.count, s[i] == "{", s[i + 1] == "#" else { return nil }
    var k = i + 2
    while k < s.count && isLabelScalar(s[k]) { k += 1 }
    guard k > i + 2, k < s.count, s[k] == "}" else { return nil }
    return (string(s, (i + 2)..<k), k + 1)
  }

  // MARK: - Citations and references

  /// Whether `@` after this scalar may start a citation (not in `user@example.org`).
  private static func startsCitation(after c: Unicode.Scalar) -> Bool {
    c.properties.isWhitespace || "([{\"'“‘—–;".unicodeScalars.contains(c)
  }

  /// A key starting at `i`: a letter, digit or `_`, then those and internal `:.#$%&-+?<>~/`;
  /// trailing punctuation is not part of it.
  static func citationKey(_ s: [Unicode.Scalar], from i: Int) -> (String, Int)? {
    guard i < s.count, isKeyStart(s[i]) else { return nil }
    var k = i + 1
    while k < s.count && (isKeyStart(s[k]) || ":.#$%&-+?<>~/".unicodeScalars.contains(s[k])) { k += 1 }
    while k > i + 1 && !isKeyStart(s[k - 1]) { k -= 1 }
    return (string(s, i..<k), k)
  }

  private static func isKeyStart(_ c: Unicode.Scalar) -> Bool {
    c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) || c == "_"
  }

  /// `[see @a, p. 3; -@b]` at `i` (not followed by `(` or `[`, which would make it a link).
  private static func bracketedCitation(_ s: [Unicode.Scalar], at i: Int, _ next: ScanTables) -> ProseInlineToken? {
    let k = next.bracketStop(from: i + 1)
    guard k < s.count, s[k] == "]", !(k + 1 < s.count && (s[k + 1] == "(" || s[k + 1] == "[")) else { return nil }
    var items: [CitationItem] = []
    var partStart = i + 1
    for j in (i + 1)...k where j == k || s[j] == ";" {
      guard let item = citationItem(s, partStart..<j) else { return nil }
      items.append(item)
      partStart = j + 1
    }
    guard !items.isEmpty else { return nil }
    return .init(inline: .citation(items, narrative: false), range: i..<(k + 1), contentStart: i)
  }

  /// `prefix @key, locator` or `-@key`.
  private static func citationItem(_ s: [Unicode.Scalar], _ range: Range<Int>) -> CitationItem? {
    guard let at = range.first(where: { s[$0] == "@" && ($0 == range.lowerBound || s[$0 - 1].properties.isWhitespace || s[$0 - 1] == "-") }),
      let (key, end) = citationKey(s, from: at + 1), end <= range.upperBound
    else { return nil }
    let suppress = at > range.lowerBound && s[at - 1] == "-"
    let prefix = trimmed(string(s, range.lowerBound..<(suppress ? at - 1 : at)))
    var locator = trimmed(string(s, end..<range.upperBound))
    if locator.hasPrefix(",") { locator = trimmed(String(locator.dropFirst())) }
    return CitationItem(key: key, prefix: prefix, locator: locator, suppressAuthor: suppress, offset: at)
  }

  /// `[^id]` not followed by `:` (that is a definition).
  private static func footnoteReference(_ s: [Unicode.Scalar], at i: Int) -> ProseInlineToken? {
    guard i + 2 < s.count, s[i + 1] == "^" else { return nil }
    var k = i + 2
    while k < s.count && s[k] != "]" && !s[k].properties.isWhitespace && s[k] != "[" { k += 1 }
    guard k > i + 2, k < s.count, s[k] == "]" else { return nil }
    if k + 1 < s.count && s[k + 1] == ":" { return nil }
    return .init(inline: .footnoteReference(string(s, (i + 2)..<k)), range: i..<(k + 1), contentStart: i)
  }

  // MARK: - Images and links

  /// `![alt](path)` with an optional `{#fig-label}` right after.
  private static func image(_ s: [Unicode.Scalar], at i: Int, _ next: ScanTables) -> ProseInlineToken? {
    let k = next.bracketStop(from: i + 2)
    guard k + 1 < s.count, s[k] == "]", s[k + 1] == "(" else { return nil }
    let e = next.parenthesisStop(from: k + 2)
    guard e < s.count, s[e] == ")", e > k + 2, !s[(k + 2)..<e].contains(" ") else { return nil }
    var end = e + 1
    var label: String?
    if let (found, after) = attributeLabel(s, at: end) {
      label = found
      end = after
    }
    return .init(
      inline: .image(alt: string(s, (i + 2)..<k), path: string(s, (k + 2)..<e), label: label), range: i..<end,
      contentStart: i)
  }

  /// For `[text](url)` at `i`, the index after `)`.
  private static func linkDestinationEnd(_ s: [Unicode.Scalar], at i: Int, _ next: ScanTables) -> Int? {
    let k = next.bracketStop(from: i + 1)
    guard k + 1 < s.count, s[k] == "]", s[k + 1] == "(" else { return nil }
    let e = next.parenthesisStop(from: k + 2)
    return e < s.count && s[e] == ")" ? e + 1 : nil
  }

  // MARK: - Helpers

  static func isLabelScalar(_ c: Unicode.Scalar) -> Bool {
    c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) || c == "-" || c == "_"
  }

  static func string(_ s: [Unicode.Scalar], _ range: Range<Int>) -> String {
    String(String.UnicodeScalarView(s[range]))
  }

  private static func trimmed(_ text: String) -> String { HTMLText.trimmed(text) }
}

/// For each position of a text, where the next character of a kind is: built once per scan in
/// linear time, so that no construct is searched for twice (prose rendering stays linear even
/// for a megabyte of unmatched `$`, `[` or `(`).
private struct ScanTables {
  private let count: Int
  private let blank: [Int32]
  private let closer: [Int32]
  private let double: [Int32]
  private let bracket: [Int32]
  private let parenthesis: [Int32]

  init(_ s: [Unicode.Scalar]) {
    count = s.count
    var escaped = [Bool](repeating: false, count: s.count)
    var k = 0
    while k < s.count {
      if s[k] == "\\" && k + 1 < s.count {
        escaped[k + 1] = true
        k += 2
      } else {
        k += 1
      }
    }
    func table(_ isStop: (Int) -> Bool) -> [Int32] {
      var out = [Int32](repeating: Int32(s.count), count: s.count + 1)
      var j = s.count - 1
      while j >= 0 {
        out[j] = isStop(j) ? Int32(j) : out[j + 1]
        j -= 1
      }
      return out
    }
    func isDollar(_ j: Int) -> Bool { s[j] == "$" && !escaped[j] }
    blank = table { j in
      guard s[j] == "\n" else { return false }
      var e = j + 1
      while e < s.count && (s[e] == " " || s[e] == "\t") { e += 1 }
      return e >= s.count || s[e] == "\n"
    }
    closer = table { j in
      isDollar(j) && j > 0 && !s[j - 1].properties.isWhitespace && !(j + 1 < s.count && ("0"..."9").contains(s[j + 1]))
    }
    double = table { j in isDollar(j) && j + 1 < s.count && s[j + 1] == "$" }
    bracket = table { j in s[j] == "]" || s[j] == "[" || s[j] == "\n" }
    parenthesis = table { j in s[j] == ")" || s[j] == "\n" }
  }

  private func at(_ table: [Int32], _ k: Int) -> Int { k >= count ? count : Int(table[k]) }
  /// The `\n` that starts the next blank line at or after `k` (the end when none).
  func blankLine(from k: Int) -> Int { at(blank, k) }
  /// The next `$` that may close inline math.
  func closingDollar(from k: Int) -> Int? { let j = at(closer, k); return j < count ? j : nil }
  /// The next unescaped `$$`.
  func doubleDollar(from k: Int) -> Int? { let j = at(double, k); return j < count ? j : nil }
  /// The next `]`, `[` or newline.
  func bracketStop(from k: Int) -> Int { at(bracket, k) }
  /// The next `)` or newline.
  func parenthesisStop(from k: Int) -> Int { at(parenthesis, k) }
}
