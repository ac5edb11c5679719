/// Wall-clock measurements inside printed text and table cells.
///
/// A measurement (how long a build took on the rendering machine) changes
/// from one render to the next while the results do not. `measured(…)` wraps its
/// text between two private-use characters; the record keeps them, the report
/// shows the span with a dotted underline and a tooltip, and `notebook diff`
/// compares everything around it but never the span itself.
public enum MeasuredText {
  /// Starts a measured span (U+E000, private use).
  public static let open: Unicode.Scalar = "\u{E000}"
  /// Ends a measured span (U+E001, private use).
  public static let close: Unicode.Scalar = "\u{E001}"

  /// `text` marked as a measurement.
  public static func wrap(_ text: String) -> String {
    String(open) + strip(text) + String(close)
  }

  /// `text` without the markers (what a reader sees).
  public static func strip(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { $0 == open || $0 == close }) else { return text }
    var out = String.UnicodeScalarView()
    out.append(contentsOf: text.unicodeScalars.lazy.filter { $0 != open && $0 != close })
    return String(out)
  }

  /// Whether `text` holds a measured span.
  public static func contains(_ text: String) -> Bool {
    text.unicodeScalars.contains(open)
  }
}
