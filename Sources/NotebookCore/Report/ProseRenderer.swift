import Ink

/// Renders the notebook's Markdown prose to HTML with Ink, safely, and
/// collects the headings (with their anchor ids) for the table of contents.
///
/// Raw HTML in prose is shown as text, never interpreted: notebooks are
/// untrusted input. Three layers make sure of it:
/// 1. before Ink, every `<` outside an inline code span becomes `&lt;`, so Ink
///    sees no HTML at all;
/// 2. an Ink modifier escapes any HTML fragment Ink still finds;
/// 3. the output goes through ``HTMLSanitizer`` (allow-listed tags and attributes only).
final class ProseRenderer {
  struct Heading: Hashable {
    var level: Int
    /// Plain text (not escaped).
    var text: String
    var id: String
  }

  private(set) var headings: [Heading] = []
  private let slugger: AnchorSlugger

  init(slugger: AnchorSlugger) { self.slugger = slugger }

  func render(_ markdown: String) -> String {
    var parser = MarkdownParser()
    parser.addModifier(Modifier(target: .html) { input in HTMLText.escape(String(input.markdown)) })
    parser.addModifier(Modifier(target: .headings) { [self] input in anchoredHeading(input.html) })
    return HTMLSanitizer.sanitize(parser.html(from: Self.neutralizingRawHTML(Self.joiningCodeSpanLines(markdown))))
  }

  /// `<hN>body</hN>` → `<hN id="slug">body</hN>`, recording the heading.
  private func anchoredHeading(_ html: String) -> String {
    let scalars = Array(html.unicodeScalars)
    guard scalars.count >= 9, scalars[0] == "<", scalars[1] == "h", let level = Int(String(scalars[2])),
      scalars[3] == ">"
    else { return html }
    let body = String(String.UnicodeScalarView(scalars[4..<(scalars.count - 5)]))
    let text = HTMLText.trimmed(HTMLText.decodeEntities(HTMLText.strippingTags(body)))
    let id = slugger.slug(for: text)
    headings.append(Heading(level: level, text: text, id: id))
    return "<h\(level) id=\"\(id)\">\(body)</h\(level)>"
  }

  /// Joins a paragraph line that starts with an inline code span to the line before it.
  ///
  /// Ink (0.6) starts a new paragraph at every line that begins with a backtick, so
  /// "the map\n`a*` is linear" would render as two paragraphs. In Markdown a single line break
  /// inside a paragraph is a space, so the line is appended to the previous one with a space,
  /// unless the previous line is blank, a heading, a table row or a fence, or the lines are
  /// inside a fenced block (``` or ~~~), where nothing changes.
  static func joiningCodeSpanLines(_ markdown: String) -> String {
    var out: [String] = []
    var fence: String?
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      let trimmed = HTMLText.trimmed(line)
      let marker = trimmed.hasPrefix("```") ? "```" : (trimmed.hasPrefix("~~~") ? "~~~" : nil)
      if let open = fence {
        if marker == open { fence = nil }
        out.append(line)
        continue
      }
      if let marker {
        fence = marker
        out.append(line)
        continue
      }
      if trimmed.hasPrefix("`"), let previous = out.last {
        let before = HTMLText.trimmed(previous)
        let joinable = !before.isEmpty && !before.hasPrefix("#") && !before.hasPrefix("|")
          && !before.hasPrefix("```") && !before.hasPrefix("~~~")
        if joinable {
          out[out.count - 1] = previous + " " + trimmed
          continue
        }
      }
      out.append(line)
    }
    return out.joined(separator: "\n")
  }

  /// Replaces `<` with `&lt;` outside inline code spans (a backtick up to the
  /// next backtick on the same line, as Ink reads them). A first line of only
  /// dashes becomes `***` (also a rule) so that Ink does not take the block
  /// for metadata.
  static func neutralizingRawHTML(_ markdown: String) -> String {
    var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if let first = lines.firstIndex(where: { !$0.allSatisfy(\.isWhitespace) }) {
      let trimmed = HTMLText.trimmed(lines[first])
      if trimmed.count >= 3 && trimmed.allSatisfy({ $0 == "-" }) { lines[first] = "***" }
    }
    return lines.map { line -> String in
      guard line.contains("<") else { return line }
      let ticks = line.indices.filter { line[$0] == "`" }
      var codeRanges: [Range<String.Index>] = []
      var k = 0
      while k + 1 < ticks.count {
        codeRanges.append(ticks[k]..<ticks[k + 1])
        k += 2
      }
      var out = ""
      for index in line.indices {
        let c = line[index]
        if c == "<" && !codeRanges.contains(where: { $0.contains(index) }) { out += "&lt;" } else { out.append(c) }
      }
      return out
    }.joined(separator: "\n")
  }
}
