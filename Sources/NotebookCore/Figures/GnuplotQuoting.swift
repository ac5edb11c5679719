/// How notebook text reaches gnuplot: only as single-quoted string literals.
///
/// gnuplot has no safe mode: backquotes, `system()`, `!`, `"<cmd"` data sources and
/// `set output '|cmd'` all run shell commands. Inside a *single-quoted* gnuplot
/// string none of that is evaluated: there is no backslash or backquote processing
/// and no macro (`@name`) expansion. gnuplot's own escape for a quote inside such a
/// string (`''`) is unreliable: gnuplot 5.4 reads `'''x'` as an empty string followed
/// by `'x'` (a syntax error), so a text starting with a quote would break the script.
/// We therefore never put an ASCII `'` inside a literal: it becomes `’` (U+2019), and
/// a user string `s` is written as `'` + sanitize(s) + `'`, a literal that ends exactly
/// at our closing quote.
///
/// `sanitize` also removes what could end the command line or upset the SVG: line breaks
/// (LF, CR, NEL, U+2028/9) and tabs become one space; other C0/C1 control characters,
/// DEL and Unicode noncharacters (not allowed in XML) are dropped. Every command that
/// takes such a string also says `noenhanced` (and the terminal runs `noenhanced`), so
/// enhanced-text markup like `{/font …}` — whose font name gnuplot would copy
/// unescaped into the SVG — is printed literally. gnuplot itself escapes `<` and `&`
/// in SVG text (checked by `GnuplotInjectionTests`).
public enum GnuplotQuoting {
  /// `text` without control characters (line breaks and tabs become single spaces) and
  /// with `'` replaced by `’`: exactly what the figure will show. With `maxLength`,
  /// longer results keep their first `maxLength − 1` characters and end in `…`.
  public static func sanitize(_ text: String, maxLength: Int? = nil) -> String {
    var scalars = String.UnicodeScalarView()
    var pendingSpace = false
    for scalar in text.unicodeScalars {
      switch classify(scalar) {
      case .keep:
        if pendingSpace { scalars.append(" ") }
        pendingSpace = false
        scalars.append(scalar == "'" ? "\u{2019}" : scalar)
      case .space:
        pendingSpace = true
      case .drop:
        continue
      }
    }
    if pendingSpace { scalars.append(" ") }
    let clean = String(scalars)
    guard let maxLength, clean.count > maxLength else { return clean }
    return String(clean.prefix(max(0, maxLength - 1))) + "…"
  }

  /// `text` as a gnuplot single-quoted string literal, e.g. `it's` → `'it’s'`.
  public static func quote(_ text: String, maxLength: Int? = nil) -> String {
    "'" + sanitize(text, maxLength: maxLength) + "'"
  }

  private enum ScalarClass { case keep, space, drop }

  private static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
    switch scalar.value {
    case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: return .space
    case 0x00...0x1F, 0x7F...0x9F: return .drop
    case 0xFDD0...0xFDEF: return .drop
    case let v where v & 0xFFFE == 0xFFFE: return .drop  // U+xFFFE, U+xFFFF in every plane
    default: return .keep
    }
  }
}
