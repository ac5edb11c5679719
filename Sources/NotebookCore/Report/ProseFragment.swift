/// HTML the prose renderer writes itself (math, a citation, an image …), standing in the
/// Markdown as a placeholder while Ink and the sanitiser run, then put back.
struct ProseFragment {
  /// The HTML in running text.
  var html: String
  /// The HTML when the fragment is a paragraph of its own (display math, a numbered image);
  /// nil when it is the same as `html` inside the paragraph.
  var block: String?
  /// Plain text for headings and the table of contents.
  var plain: String

  private static let open: Unicode.Scalar = "\u{E000}"
  private static let close: Unicode.Scalar = "\u{E001}"

  /// Characters from the private use area that neither Markdown nor the sanitiser touch.
  static func placeholder(_ index: Int) -> String { "\(open)\(index)\(close)" }

  /// `html` with every placeholder replaced by its fragment's HTML (a `<p>` holding only a
  /// block fragment becomes the block). One pass, linear in the length of `html`.
  static func substitute(in html: String, _ fragments: [ProseFragment]) -> String {
    guard !fragments.isEmpty, html.unicodeScalars.contains(open) else { return html }
    let s = Array(html.unicodeScalars)
    let paragraphOpen = Array("<p>".unicodeScalars), paragraphClose = Array("</p>".unicodeScalars)
    // A String grown with += (amortised); see HTMLSanitizer.
    var out = ""
    var i = 0
    while i < s.count {
      guard s[i] == open, let (index, end) = placeholder(in: s, at: i), fragments.indices.contains(index) else {
        out.unicodeScalars.append(s[i])
        i += 1
        continue
      }
      let fragment = fragments[index]
      if let block = fragment.block, i >= 3, Array(s[(i - 3)..<i]) == paragraphOpen, end + 4 <= s.count,
        Array(s[end..<(end + 4)]) == paragraphClose
      {
        out.unicodeScalars.removeLast(3)
        out += block
        i = end + 4
      } else {
        out += fragment.html
        i = end
      }
    }
    return out
  }

  /// `text` with placeholders replaced by the fragments' plain text.
  static func plainText(_ text: String, _ fragments: [ProseFragment]) -> String {
    guard text.unicodeScalars.contains(open) else { return text }
    let s = Array(text.unicodeScalars)
    var out = ""
    var i = 0
    while i < s.count {
      if s[i] == open, let (index, end) = placeholder(in: s, at: i), fragments.indices.contains(index) {
        out += fragments[index].plain
        i = end
      } else {
        out.unicodeScalars.append(s[i])
        i += 1
      }
    }
    return out
  }

  /// The index of the placeholder at `i` and the position after it.
  private static func placeholder(in s: [Unicode.Scalar], at i: Int) -> (Int, Int)? {
    var k = i + 1
    var value = 0
    while k < s.count, k - i <= 9, let digit = Int(String(s[k])), s[k].isASCII {
      value = value * 10 + digit
      k += 1
    }
    guard k > i + 1, k < s.count, s[k] == close else { return nil }
    return (value, k + 1)
  }
}
