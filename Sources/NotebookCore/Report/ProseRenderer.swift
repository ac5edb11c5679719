import Foundation
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
  let context: ProseContext
  /// Fenced divs opened and not yet closed (a callout may hold cells: it closes in a later block).
  private var openDivs = 0
  /// Footnotes whose first reference has been written (it carries the back-link's anchor).
  var footnotesReferenced: Set<Int> = []
  /// The fragments of the Markdown being rendered, by placeholder number.
  private var fragments: [ProseFragment] = []
  /// After this moment (uptime, ns) prose is shown as plain text (the render's time budget).
  var deadline: UInt64?
  /// Whether some prose was shown as plain text because the deadline passed.
  private(set) var cutShort = false

  init(slugger: AnchorSlugger, context: ProseContext = ProseContext()) {
    self.slugger = slugger
    self.context = context
  }

  /// A prose block as HTML: its Markdown in `<div class="prose">` blocks, between the fenced
  /// divs it opens or closes (a callout opened here may close in a later block, after cells),
  /// its alerts and its table captions.
  func render(_ markdown: String) -> String {
    var html = ""
    func prose(_ inner: String) -> String {
      var inner = inner
      while inner.hasSuffix("\n") { inner.removeLast() }
      return "<div class=\"prose\">\n" + inner + "\n</div>\n"
    }
    if pastDeadline() { return plainText(markdown) }
    for segment in ProseStructure.split(markdown, firstLine: 1) {
      switch segment {
      case .markdown(let text):
        html += pastDeadline() ? plainText(text.text) : prose(markdownHTML(text.text))
      case .divOpen(let div, _):
        openDivs += 1
        html += div.callout.map { calloutOpening($0, title: div.title) } ?? "<div class=\"fenced-div\">\n"
      case .divClose:
        guard openDivs > 0 else { continue }
        openDivs -= 1
        html += "</div>\n"
      case .alert(let kind?, _, let title, let text, _):
        html += calloutOpening(kind, title: title) + prose(markdownHTML(text.text)) + "</div>\n"
      case .alert(nil, let type, let title, let text, _):
        let quoted = markdownHTML("[!\(type)]" + (title.map { " " + $0 } ?? "") + "\n\n" + text.text)
        html += prose("<blockquote>\n" + quoted + "</blockquote>")
      case .footnoteDefinition:
        continue
      case .tableCaption(let caption, let label, _):
        html += prose(Self.tableCaptionHTML(label.flatMap { context.tables[$0] }, id: label, captionHTML: inlineHTML(caption)))
      }
    }
    return html
  }

  /// Whether the render's time budget is spent (prose is then shown as plain text).
  private func pastDeadline() -> Bool {
    guard let deadline, DispatchTime.now().uptimeNanoseconds > deadline else { return false }
    cutShort = true
    return true
  }

  private func plainText(_ markdown: String) -> String {
    "<pre class=\"prose-text\">" + HTMLText.escape(markdown.trimmingCharacters(in: .newlines)) + "</pre>\n"
  }

  /// The `</div>`s of fenced divs the document never closed.
  func closingOpenDivs() -> String {
    defer { openDivs = 0 }
    return String(repeating: "</div>\n", count: openDivs)
  }

  /// Inline Markdown (a caption) as HTML, without a paragraph around it.
  func inlineHTML(_ markdown: String) -> String {
    var html = markdownHTML(markdown)
    while html.hasSuffix("\n") { html.removeLast() }
    if html.hasPrefix("<p>") && html.hasSuffix("</p>") && html.components(separatedBy: "<p>").count == 2 {
      html = String(html.dropFirst(3).dropLast(4))
    }
    return html
  }

  /// `<p class="table-caption">Table 2: …</p>` (the number when the table has one).
  static func tableCaptionHTML(_ number: Int?, id: String?, captionHTML: String) -> String {
    var out = "<p class=\"table-caption\"" + (number != nil ? id.map { " id=\"\(HTMLText.escape($0))\"" } ?? "" : "") + ">"
    if let number { out += "<span class=\"table-number\">Table \(number)</span>" + (captionHTML.isEmpty ? "" : ": ") }
    return out + captionHTML + "</p>\n"
  }

  private func calloutOpening(_ kind: CalloutKind, title: String?) -> String {
    "<div class=\"callout callout-\(kind.rawValue)\" role=\"note\">\n<p class=\"callout-title\">"
      + (title.map { inlineHTML($0) } ?? kind.title) + "</p>\n"
  }

  /// Markdown → HTML with Ink, safely: the constructs Ink does not know (math, citations,
  /// cross-references, footnotes, images) become placeholders first and their HTML is put back
  /// after the sanitiser.
  func markdownHTML(_ markdown: String) -> String {
    // The placeholders' characters cannot come from the notebook.
    let s = markdown.unicodeScalars.map { $0 == "\u{E000}" || $0 == "\u{E001}" ? "\u{FFFD}" : $0 }
    let markdown = String(String.UnicodeScalarView(s))
    var text = ""
    let saved = fragments
    fragments = []
    defer { fragments = saved }
    var cursor = 0
    for token in ProseInlineScanner.scan(markdown) {
      for scalar in s[cursor..<token.range.lowerBound] { text.unicodeScalars.append(scalar) }
      text += ProseFragment.placeholder(fragments.count)
      fragments.append(fragment(token))
      cursor = token.range.upperBound
    }
    for scalar in s[cursor...] { text.unicodeScalars.append(scalar) }
    var parser = MarkdownParser()
    parser.addModifier(Modifier(target: .html) { input in HTMLText.escape(String(input.markdown)) })
    parser.addModifier(Modifier(target: .headings) { [self] input in anchoredHeading(input.html) })
    let html = HTMLSanitizer.sanitize(
      parser.html(from: LinkBracketGuard.escaping(Self.neutralizingRawHTML(Self.cappingIndentation(Self.joiningCodeSpanLines(text))))))
    return ProseFragment.substitute(in: Self.withTaskBoxes(html), fragments)
  }

  /// `<li>[ ] …` and `<li>[x] …` as disabled check boxes.
  static func withTaskBoxes(_ html: String) -> String {
    guard html.contains("<li>[") else { return html }
    return html
      .replacingOccurrences(of: "<li>[ ] ", with: "<li class=\"task\"><input type=\"checkbox\" disabled> ")
      .replacingOccurrences(of: "<li>[x] ", with: "<li class=\"task\"><input type=\"checkbox\" checked disabled> ")
      .replacingOccurrences(of: "<li>[X] ", with: "<li class=\"task\"><input type=\"checkbox\" checked disabled> ")
  }

  /// Records a heading the renderer writes itself (for the table of contents).
  func addHeading(level: Int, text: String, id: String) {
    headings.append(Heading(level: level, text: text, id: id))
  }

  /// `<hN>body</hN>` → `<hN id="slug">body</hN>`, recording the heading.
  private func anchoredHeading(_ html: String) -> String {
    let scalars = Array(html.unicodeScalars)
    guard scalars.count >= 9, scalars[0] == "<", scalars[1] == "h", let level = Int(String(scalars[2])),
      scalars[3] == ">"
    else { return html }
    let body = String(String.UnicodeScalarView(scalars[4..<(scalars.count - 5)]))
    let text = HTMLText.trimmed(ProseFragment.plainText(HTMLText.decodeEntities(HTMLText.strippingTags(body)), fragments))
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
    var fences = MarkdownFences()
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if fences.take(line) {
        out.append(line)
        continue
      }
      let trimmed = HTMLText.trimmed(line)
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

  /// The deepest indentation Ink is shown, in columns (a tab counts 4).
  static let maximumIndentation = 64

  /// Lines outside fenced blocks indented past ``maximumIndentation`` are indented by exactly
  /// that much. Ink reads each deeper indentation as a nested list, recursively: 3,000 nested
  /// items overflowed the stack. No list is shown more than 64 levels deep.
  static func cappingIndentation(_ markdown: String) -> String {
    guard markdown.contains(String(repeating: " ", count: 16)) || markdown.contains("\t") else { return markdown }
    var fences = MarkdownFences()
    return markdown.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
      // Lines in a block stay as they are; its opening fence is capped like prose.
      let inBlock = fences.isOpen
      if fences.take(line) && inBlock { return String(line) }
      var columns = 0
      var body = line[...]
      while let c = body.first, c == " " || c == "\t" {
        columns += c == "\t" ? 4 : 1
        body = body.dropFirst()
      }
      guard columns > maximumIndentation else { return String(line) }
      return String(repeating: " ", count: maximumIndentation) + body
    }.joined(separator: "\n")
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
      let scalars = Array(line.unicodeScalars)
      let inCode = LinkBracketGuard.codeSpanMask(scalars)
      var out = ""
      out.reserveCapacity(line.utf8.count)
      for (offset, scalar) in scalars.enumerated() {
        if scalar == "<" && !inCode[offset] { out += "&lt;" } else { out.unicodeScalars.append(scalar) }
      }
      return out
    }.joined(separator: "\n")
  }
}
