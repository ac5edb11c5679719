/// Escaping and small text helpers for the HTML report.
enum HTMLText {
  /// `&`, `<`, `>`, `"` and `'` as entities: safe in element content and in
  /// quoted attribute values. Measured-span markers (``MeasuredText``) are dropped.
  static func escape(_ text: String) -> String {
    escape(text, measured: nil)
  }

  /// Element content: like ``escape(_:)``, with each measured span
  /// (``MeasuredText``) as a `<span class="measured">`.
  static func escapeContent(_ text: String) -> String {
    escape(text, measured: ("<span class=\"measured\" title=\"\(measuredTitle)\">", "</span>"))
  }

  static let measuredTitle = "measured on the rendering machine; notebook diff does not compare it"

  private static func escape(_ text: String, measured: (open: String, close: String)?) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    var inSpan = false
    for scalar in text.unicodeScalars {
      switch scalar {
      case MeasuredText.open:
        if let measured, !inSpan { out += measured.open; inSpan = true }
      case MeasuredText.close:
        if let measured, inSpan { out += measured.close; inSpan = false }
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.unicodeScalars.append(scalar)
      }
    }
    if let measured, inSpan { out += measured.close }
    return out
  }

  /// Decodes numeric references (`&#58;`, `&#x3a;`) and the named ones Ink and
  /// ``escape(_:)`` produce (`amp lt gt quot apos`); other text is kept as is.
  static func decodeEntities(_ text: String) -> String {
    guard text.contains("&") else { return text }
    let scalars = Array(text.unicodeScalars)
    var out = String.UnicodeScalarView()
    var i = 0
    while i < scalars.count {
      if scalars[i] == "&", let (decoded, length) = entity(in: scalars, at: i) {
        out.append(decoded)
        i += length
      } else {
        out.append(scalars[i])
        i += 1
      }
    }
    return String(out)
  }

  /// The entity starting at `start` (an `&`): its character and length.
  private static func entity(in s: [Unicode.Scalar], at start: Int) -> (Unicode.Scalar, Int)? {
    guard let semicolon = s[start...].prefix(12).firstIndex(of: ";") else { return nil }
    let body = String(String.UnicodeScalarView(s[(start + 1)..<semicolon]))
    let named: [String: Unicode.Scalar] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]
    if let scalar = named[body] { return (scalar, semicolon - start + 1) }
    guard body.hasPrefix("#") else { return nil }
    let digits = body.dropFirst()
    let value: UInt32?
    if digits.first == "x" || digits.first == "X" {
      value = UInt32(digits.dropFirst(), radix: 16)
    } else {
      value = UInt32(digits, radix: 10)
    }
    guard let value, let scalar = Unicode.Scalar(value), value != 0 else { return nil }
    return (scalar, semicolon - start + 1)
  }

  /// Without leading and trailing whitespace.
  static func trimmed(_ text: String) -> String {
    var s = Substring(text)
    while let f = s.first, f.isWhitespace { s = s.dropFirst() }
    while let l = s.last, l.isWhitespace { s = s.dropLast() }
    return String(s)
  }

  /// `s` with every tag (`<…>`) removed: the text of a fragment of Ink output.
  static func strippingTags(_ html: String) -> String {
    var out = ""
    var inTag = false
    for c in html {
      if c == "<" { inTag = true } else if c == ">" && inTag { inTag = false } else if !inTag { out.append(c) }
    }
    return out
  }
}

/// Gives headings and cells stable, unique anchor ids.
///
/// A slug is the text lowercased, ASCII letters and digits kept, every run of
/// other characters turned into one `-` (trimmed at both ends); an empty slug
/// becomes `section`. A slug already taken gets `-2`, `-3`, … in order.
final class AnchorSlugger {
  private var taken: Set<String> = []
  /// Per slug, the first `-n` suffix not yet tried.
  private var nextSuffix: [String: Int] = [:]

  /// Marks `id` as used (cell anchors are reserved before headings).
  func reserve(_ id: String) { taken.insert(id) }

  func slug(for text: String) -> String {
    var slug = ""
    var pendingDash = false
    for scalar in text.lowercased().unicodeScalars {
      if scalar.isASCII && (("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)) {
        if pendingDash && !slug.isEmpty { slug += "-" }
        pendingDash = false
        slug.unicodeScalars.append(scalar)
      } else {
        pendingDash = true
      }
    }
    if slug.isEmpty { slug = "section" }
    var candidate = slug
    // The suffixes of a slug are taken in order and never freed, so the search for the next one
    // starts where the last ended (20,000 headings of one title took minutes, one probe each now).
    var n = nextSuffix[slug] ?? 2
    while taken.contains(candidate) {
      candidate = "\(slug)-\(n)"
      n += 1
    }
    nextSuffix[slug] = n
    taken.insert(candidate)
    return candidate
  }
}
