/// The last line of defence for prose HTML: keeps only the tags Ink writes,
/// each with only its known attributes, and escapes everything else.
///
/// Notebooks are untrusted. Ink passes raw HTML through, writes link targets
/// and code-block languages into attributes unescaped, and copies any
/// `&…;` run verbatim — so its output is rewritten here:
/// - a tag not in the allow-list (`<script>`, `<div>`, `<iframe>` …) → its `<` becomes `&lt;`;
/// - an allowed tag is written anew with only its allowed attributes, values
///   entity-decoded, checked and fully escaped (`onclick`, `style` … dropped);
/// - `href`/`src` keep only relative URLs or `http:`, `https:`, `mailto:`
///   (after decoding entities and removing control characters, so
///   `java&#115;cript:` and `java\tscript:` are caught);
/// - an `&` not starting an entity becomes `&amp;`; a stray `>` becomes `&gt;`.
enum HTMLSanitizer {
  static func sanitize(_ html: String) -> String {
    let s = Array(html.unicodeScalars)
    // A String grown with += and single-scalar appends (amortised O(1)); appending a string's
    // scalars to a String.UnicodeScalarView copies the whole view each time (quadratic).
    var out = ""
    out.reserveCapacity(html.utf8.count)
    var i = 0
    while i < s.count {
      switch s[i] {
      case "<":
        if let tag = Tag(parsing: s, at: i), let text = tag.sanitized() {
          out += text
          i = tag.end
        } else {
          out += "&lt;"
          i += 1
        }
      case ">":
        out += "&gt;"
        i += 1
      case "&":
        out += isEntity(s, at: i) ? "&" : "&amp;"
        i += 1
      default:
        out.unicodeScalars.append(s[i])
        i += 1
      }
    }
    return out
  }

  /// Whether a link target is relative, a fragment, or `http:`, `https:`, `mailto:`.
  static func isSafeURL(_ url: String) -> Bool { Tag.isSafeURL(url) }

  /// `&name;`, `&#123;` or `&#x1F;` at `i`.
  private static func isEntity(_ s: [Unicode.Scalar], at i: Int) -> Bool {
    func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    func isHex(_ c: Unicode.Scalar) -> Bool { c.properties.isASCIIHexDigit }
    func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
    var j = i + 1
    guard j < s.count else { return false }
    let allowed: (Unicode.Scalar) -> Bool
    if s[j] == "#" {
      j += 1
      if j < s.count && (s[j] == "x" || s[j] == "X") {
        j += 1
        allowed = isHex
      } else {
        allowed = isDigit
      }
    } else {
      guard isLetter(s[j]) else { return false }
      allowed = { isLetter($0) || isDigit($0) }
    }
    let start = j
    while j < s.count && j - start < 32 && allowed(s[j]) { j += 1 }
    return j > start && j < s.count && s[j] == ";"
  }

  /// A parsed start or end tag.
  private struct Tag {
    var name: String
    var isEnd: Bool
    var attributes: [(name: String, value: String)]
    /// Index just past `>`.
    var end: Int

    init?(parsing s: [Unicode.Scalar], at start: Int) {
      var i = start + 1
      isEnd = i < s.count && s[i] == "/"
      if isEnd { i += 1 }
      let nameStart = i
      while i < s.count && s[i].isASCII && (s[i].properties.isAlphabetic || ("0"..."9").contains(s[i])) { i += 1 }
      guard i > nameStart, s[nameStart].properties.isAlphabetic else { return nil }
      name = String(String.UnicodeScalarView(s[nameStart..<i])).lowercased()
      attributes = []
      while i < s.count && s[i] != ">" {
        if s[i].properties.isWhitespace || s[i] == "/" || s[i] == "\"" || s[i] == "'" || s[i] == "=" {
          i += 1
          continue
        }
        let attrStart = i
        while i < s.count && !s[i].properties.isWhitespace && !"=>/\"'".unicodeScalars.contains(s[i]) { i += 1 }
        let attrName = String(String.UnicodeScalarView(s[attrStart..<i])).lowercased()
        var value = ""
        if i < s.count && s[i] == "=" {
          i += 1
          if i < s.count && (s[i] == "\"" || s[i] == "'") {
            let quote = s[i]
            let valueStart = i + 1
            i = valueStart
            while i < s.count && s[i] != quote { i += 1 }
            value = String(String.UnicodeScalarView(s[valueStart..<min(i, s.count)]))
            if i < s.count { i += 1 }
          } else {
            let valueStart = i
            while i < s.count && !s[i].properties.isWhitespace && s[i] != ">" { i += 1 }
            value = String(String.UnicodeScalarView(s[valueStart..<i]))
          }
        }
        attributes.append((attrName, HTMLText.decodeEntities(value)))
      }
      guard i < s.count else { return nil }
      end = i + 1
    }

    private static let voidElements: Set<String> = ["br", "hr", "img"]
    private static let allowed: Set<String> = [
      "p", "br", "hr", "em", "strong", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
      "a", "img", "table", "thead", "tbody", "tr", "th", "td", "h1", "h2", "h3", "h4", "h5", "h6",
    ]

    /// The tag rewritten with only allowed attributes; nil when not allowed.
    func sanitized() -> String? {
      guard Self.allowed.contains(name) else { return nil }
      if isEnd { return Self.voidElements.contains(name) ? "" : "</\(name)>" }
      var text = "<\(name)"
      for (attribute, value) in attributes where Self.isAllowed(attribute, value, on: name) {
        text += " \(attribute)=\"\(HTMLText.escape(value))\""
      }
      return text + ">"
    }

    private static func isAllowed(_ attribute: String, _ value: String, on tag: String) -> Bool {
      switch (tag, attribute) {
      case ("a", "href"), ("img", "src"): return isSafeURL(value)
      case ("img", "alt"): return true
      case ("ol", "start"): return !value.isEmpty && value.count < 10 && value.allSatisfy { $0.isASCII && $0.isNumber }
      case ("th", "align"), ("td", "align"): return ["left", "center", "right"].contains(value)
      case ("code", "class"):
        return value.hasPrefix("language-") && value.count > 9
          && value.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_+.#".unicodeScalars.contains($0)) }
      case ("h1", "id"), ("h2", "id"), ("h3", "id"), ("h4", "id"), ("h5", "id"), ("h6", "id"):
        return !value.isEmpty && value.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
      default: return false
      }
    }

    /// Relative, fragment, or `http(s):` / `mailto:` URLs only.
    static func isSafeURL(_ url: String) -> Bool {
      let compact = String(String.UnicodeScalarView(url.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }))
        .lowercased()
      guard let colon = compact.firstIndex(of: ":") else { return true }
      if compact[..<colon].contains(where: { "/?#".contains($0) }) { return true }
      return ["http", "https", "mailto"].contains(String(compact[..<colon]))
    }
  }
}
