/// The HTML of what the prose renders itself: math, citations, cross-references, footnotes,
/// images; and the footnotes and references sections at the end of the report.
extension ProseRenderer {
  func fragment(_ token: ProseInlineToken) -> ProseFragment {
    switch token.inline {
    case .inlineMath(let tex):
      return ProseFragment(html: Self.math(tex, display: false), plain: tex)
    case .displayMath(let tex, let label):
      let math = Self.math(tex, display: true)
      guard let label, let number = context.equations[label] else {
        return ProseFragment(html: math, block: "<div class=\"equation\">\(math)</div>\n", plain: tex)
      }
      let inner = math + "<span class=\"equation-number\">(\(number))</span>"
      let id = HTMLText.escape(label)
      return ProseFragment(
        html: "<span class=\"equation\" id=\"\(id)\">\(inner)</span>",
        block: "<div class=\"equation\" id=\"\(id)\">\(inner)</div>\n", plain: tex)
    case .citation(let items, let narrative):
      return citation(items, narrative: narrative)
    case .crossReference(let label):
      return crossReference(label, prefix: "")
    case .footnoteReference(let id):
      guard let number = context.footnoteNumbers[id] else {
        return ProseFragment(html: HTMLText.escape("[^\(id)]"), plain: "[^\(id)]")
      }
      let first = footnotesReferenced.insert(number).inserted
      let anchor = first ? " id=\"fnref-\(number)\"" : ""
      return ProseFragment(
        html: "<sup class=\"footnote-ref\"><a href=\"#fn-\(number)\"\(anchor) aria-label=\"Footnote \(number)\">\(number)</a></sup>",
        plain: "")
    case .image(let alt, let path, let label):
      return image(alt: alt, path: path, label: label)
    case .literal(let text):
      return ProseFragment(html: HTMLText.escape(text), plain: text)
    }
  }

  /// MathML, or the TeX as code when it does not convert (the checker has reported it).
  static func math(_ tex: String, display: Bool) -> String {
    switch TeXMath.mathML(tex, display: display) {
    case .success(let mathML): return mathML
    case .failure: return "<code class=\"math-error\">" + HTMLText.escape(display ? "$$\(tex)$$" : "$\(tex)$") + "</code>"
    }
  }

  private func crossReference(_ label: String, prefix: String) -> ProseFragment {
    let lead = prefix.isEmpty ? "" : HTMLText.escape(prefix) + " "
    guard let text = context.referenceText(label) else {
      return ProseFragment(html: lead + "<strong class=\"xref-missing\">?@\(HTMLText.escape(label))</strong>", plain: "?@" + label)
    }
    return ProseFragment(
      html: lead + "<a class=\"xref\" href=\"#\(HTMLText.escape(context.anchor(of: label)))\">\(text)</a>", plain: text)
  }

  /// `(Gao et al. 2024; see Engels et al. 2024, p. 3)` or, narrative, `Gao et al. (2024)`;
  /// a bracket of cross-references only is their text without parentheses.
  private func citation(_ items: [CitationItem], narrative: Bool) -> ProseFragment {
    if items.allSatisfy({ ProseInlineScanner.isCrossReference($0.key) }) {
      let parts = items.map { crossReference($0.key, prefix: $0.prefix) }
      return ProseFragment(html: parts.map(\.html).joined(separator: "; "), plain: parts.map(\.plain).joined(separator: "; "))
    }
    if narrative, let item = items.first {
      guard let label = context.citations[item.key] else {
        return ProseFragment(html: HTMLText.escape("@" + item.key), plain: "@" + item.key)
      }
      let year = label.year + (CitationStyle.locator(item.locator).map { ", " + $0 } ?? "")
      return ProseFragment(
        html: "<span class=\"citation\"><a href=\"#\(label.anchor)\">\(HTMLText.escape(label.author))</a> (\(HTMLText.escape(year)))</span>",
        plain: "\(label.author) (\(year))")
    }
    var html: [String] = []
    var plain: [String] = []
    for item in items {
      if ProseInlineScanner.isCrossReference(item.key) {
        let part = crossReference(item.key, prefix: item.prefix)
        html.append(part.html)
        plain.append(part.plain)
        continue
      }
      let lead = item.prefix.isEmpty ? "" : item.prefix + " "
      let tail = CitationStyle.locator(item.locator).map { ", " + $0 } ?? ""
      guard let label = context.citations[item.key] else {
        html.append(HTMLText.escape(lead) + "<strong class=\"citation-missing\">?@\(HTMLText.escape(item.key))</strong>" + HTMLText.escape(tail))
        plain.append(lead + "?@" + item.key + tail)
        continue
      }
      let name = item.suppressAuthor ? label.year : label.author + " " + label.year
      html.append(HTMLText.escape(lead) + "<a href=\"#\(label.anchor)\">\(HTMLText.escape(name))</a>" + HTMLText.escape(tail))
      plain.append(lead + name + tail)
    }
    return ProseFragment(
      html: "<span class=\"citation\">(" + html.joined(separator: "; ") + ")</span>",
      plain: "(" + plain.joined(separator: "; ") + ")")
  }

  /// A local image inlined as a `data:` URL (numbered with a caption when labelled `fig-…`);
  /// a remote one as a link, since the report makes no network requests.
  private func image(alt: String, path: String, label: String?) -> ProseFragment {
    guard let url = context.images[path] else {
      if HTMLSanitizer.isSafeURL(path), path.lowercased().hasPrefix("http") {
        return ProseFragment(
          html: "<a class=\"remote-image\" href=\"\(HTMLText.escape(path))\">\(HTMLText.escape(alt.isEmpty ? path : alt))</a>",
          plain: alt)
      }
      return ProseFragment(html: "<span class=\"missing-image\">[image not found: \(HTMLText.escape(path))]</span>", plain: alt)
    }
    let img = "<img src=\"\(url)\" alt=\"\(HTMLText.escape(alt))\">"
    guard let label, let number = context.figures[label] else {
      return ProseFragment(html: img, plain: alt)
    }
    let caption = "<span class=\"figure-number\">Figure \(number)</span>" + (alt.isEmpty ? "" : ": " + inlineHTML(alt))
    let figure = "<figure class=\"prose-figure\" id=\"\(HTMLText.escape(label))\">\(img)<figcaption>\(caption)</figcaption></figure>\n"
    return ProseFragment(html: figure, block: figure, plain: alt)
  }

  // MARK: - End of the report

  /// The footnotes, numbered in the order of their first reference, each with a link back.
  func footnotesHTML() -> String {
    guard !context.footnotes.isEmpty else { return "" }
    var out = "<section class=\"footnotes\" id=\"footnotes\" aria-label=\"Footnotes\">\n<hr>\n<ol>\n"
    for note in context.footnotes {
      var body = markdownHTML(note.markdown)
      while body.hasSuffix("\n") { body.removeLast() }
      let back = " <a class=\"footnote-back\" href=\"#fnref-\(note.number)\" aria-label=\"Back to the text\">↩</a>"
      if body.hasSuffix("</p>") { body = String(body.dropLast(4)) + back + "</p>" } else { body += back }
      out += "<li id=\"fn-\(note.number)\">\(body)</li>\n"
    }
    return out + "</ol>\n</section>\n"
  }

  /// The references list of the cited entries, after a `References` heading.
  func referencesHTML() -> String {
    guard !context.references.isEmpty else { return "" }
    addHeading(level: 2, text: "References", id: "references")
    var out = "<section class=\"references\" aria-labelledby=\"references\">\n<h2 id=\"references\">References</h2>\n"
    for reference in context.references {
      out += "<p class=\"reference\" id=\"\(HTMLText.escape(reference.anchor))\">\(reference.html)</p>\n"
    }
    return out + "</section>\n"
  }
}
