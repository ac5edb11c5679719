import Foundation

/// Makes gnuplot's SVG deterministic, embeddable inline in HTML, and checks it is inert.
///
/// - drops the `<?xml …?>` prolog (meaningless inside HTML; the SVG stays well-formed XML);
/// - drops `<desc>Produced by GNUPLOT <version></desc>` (the version goes in the report);
/// - replaces `<title>Gnuplot</title>` by the XML-escaped figure title (or removes it);
/// - with an `idPrefix`, prefixes every `id` and every `#id` reference, so several
///   figures can share one HTML page;
/// - escapes `]]>` in text (gnuplot leaves `>` raw, and that sequence is not well-formed XML);
/// - refuses output that contains active content (`<script`, `<foreignObject`, `<iframe`,
///   `<handler`) — impossible for our scripts, since gnuplot escapes `<` in text.
public enum SVGPostProcessor {
  /// The processed SVG, or `FigureError.unusableOutput`.
  public static func process(_ raw: String, title: String, idPrefix: String? = nil) throws -> String {
    guard let start = raw.range(of: "<svg") else {
      throw FigureError.unusableOutput("no <svg> element")
    }
    if let problem = activeContent(raw) { throw FigureError.unusableOutput(problem) }
    var lines: [Substring] = []
    var titleDone = false
    for line in raw[start.lowerBound...].split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("<desc>Produced by GNUPLOT") { continue }
      if !titleDone && line == "<title>Gnuplot</title>" {
        titleDone = true
        let clean = GnuplotQuoting.sanitize(title)
        if !clean.isEmpty { lines.append(Substring("<title>\(xmlEscape(clean))</title>")) }
        continue
      }
      lines.append(line)
    }
    while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
    var svg = lines.joined(separator: "\n") + "\n"
    // gnuplot writes '>' in text unescaped, so a title with "]]>" made the SVG ill-formed XML
    // (the sequence may not appear in content); it holds no CDATA section whose end this would be.
    if !svg.contains("<![CDATA[") { svg = svg.replacingOccurrences(of: "]]>", with: "]]&gt;") }
    if let idPrefix {
      guard isValidIdPrefix(idPrefix) else {
        throw FigureError.invalidSpec("id prefix '\(GnuplotQuoting.sanitize(idPrefix))' may only hold ASCII letters, digits, '-' and '_', and must start with a letter")
      }
      svg = prefixIds(svg, with: idPrefix)
    }
    return svg
  }

  /// What is wrong with SVG text that is truncated or holds active content (`<script`,
  /// `<foreignObject`, `<iframe`, `<handler`), nil when it is inert: what gnuplot never writes,
  /// checked again for every SVG read back (cell cache, figure files).
  public static func activeContent(_ svg: String) -> String? {
    guard svg.range(of: "</svg>", options: .backwards) != nil else { return "the SVG is truncated (no </svg>)" }
    let lowered = svg.lowercased()
    for tag in ["<script", "<foreignobject", "<iframe", "<handler"] where lowered.contains(tag) {
      return "the SVG contains active content (\(tag))"
    }
    return nil
  }

  /// `&`, `<`, `>`, `"`, `'` as XML entities.
  public static func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for ch in text {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default: out.append(ch)
      }
    }
    return out
  }

  /// ASCII letter first, then letters, digits, `-`, `_`.
  public static func isValidIdPrefix(_ prefix: String) -> Bool {
    guard let first = prefix.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
    return prefix.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
  }

  /// Prefixes `id='x'`/`id="x"` and references `href='#x'`, `href="#x"`, `url(#x)` inside
  /// tags only (text content, which may hold notebook text, is left alone).
  static func prefixIds(_ svg: String, with prefix: String) -> String {
    let rewrites = [
      (" id='", " id='\(prefix)"), (" id=\"", " id=\"\(prefix)"),
      ("href='#", "href='#\(prefix)"), ("href=\"#", "href=\"#\(prefix)"), ("url(#", "url(#\(prefix)"),
    ]
    var chunks = svg.components(separatedBy: "<")
    for i in chunks.indices.dropFirst() {
      guard let close = chunks[i].firstIndex(of: ">") else { continue }
      var tag = String(chunks[i][..<close])
      for (from, to) in rewrites { tag = tag.replacingOccurrences(of: from, with: to) }
      chunks[i] = tag + chunks[i][close...]
    }
    return chunks.joined(separator: "<")
  }
}
