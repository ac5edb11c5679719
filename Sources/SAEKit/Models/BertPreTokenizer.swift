import Foundation

/// BERT's "basic tokenizer" for uncased models: text normalisation, then the split into words.
///
/// Follows Hugging Face `tokenizers` (`BertNormalizer` with `clean_text`, `handle_chinese_chars`,
/// `lowercase` and accent stripping, then `BertPreTokenizer`), in this order:
/// 1. drop U+0000, U+FFFD and control characters (Unicode category C*, except tab, LF, CR);
///    turn every whitespace character into a space;
/// 2. put spaces around every CJK ideograph (so each becomes its own word);
/// 3. strip accents: canonical decomposition (NFD), then drop nonspacing marks (category Mn);
/// 4. lowercase (full Unicode lowercase mapping of each scalar);
/// 5. split on whitespace (removed) and on punctuation (kept, each character its own word):
///    ASCII punctuation (`$`, `+`, `<`, `=`, `^`, `` ` ``, `|`, `~` included) and categories P*.
public enum BertPreTokenizer {
  /// The words of `text`, each a non-empty string of Unicode scalars.
  public static func words(_ text: String) -> [String] {
    split(strippedAndLowercased(cleaned(text)))
  }

  /// Steps 1 and 2: control characters dropped, whitespace → space, CJK ideographs spaced out.
  static func cleaned(_ text: String) -> String.UnicodeScalarView {
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
      if isWhitespace(scalar) {
        out.append(" ")
      } else if isCJK(scalar) {
        out.append(" "); out.append(scalar); out.append(" ")
      } else {
        out.append(scalar)
      }
    }
    return out
  }

  /// Steps 3 and 4: NFD without nonspacing marks, then lowercase.
  static func strippedAndLowercased(_ scalars: String.UnicodeScalarView) -> String.UnicodeScalarView {
    let decomposed = String(scalars).decomposedStringWithCanonicalMapping
    var out = String.UnicodeScalarView()
    for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
      if scalar.isASCII {
        out.append(scalar.properties.isUppercase ? Unicode.Scalar(scalar.value + 32)! : scalar)
      } else {
        out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
      }
    }
    return out
  }

  /// Step 5: whitespace-separated words, with every punctuation character on its own.
  static func split(_ scalars: String.UnicodeScalarView) -> [String] {
    var words = [String]()
    var current = String.UnicodeScalarView()
    func flush() {
      if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
    }
    for scalar in scalars {
      if scalar.properties.isWhitespace {
        flush()
      } else if isPunctuation(scalar) {
        flush()
        words.append(String(scalar))
      } else {
        current.append(scalar)
      }
    }
    flush()
    return words
  }

  /// Tab, LF and CR, and every scalar with the Unicode `White_Space` property.
  static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
    s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
  }

  /// Categories Cc, Cf, Cs, Co, Cn, except tab, LF and CR (which count as whitespace).
  static func isControl(_ s: Unicode.Scalar) -> Bool {
    if s == "\t" || s == "\n" || s == "\r" { return false }
    switch s.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned: return true
    default: return false
    }
  }

  /// ASCII punctuation (`!`…`/`, `:`…`@`, `[`…`` ` ``, `{`…`~`) or a P* category.
  static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
      return true
    }
    switch s.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation:
      return true
    default:
      return false
    }
  }

  /// CJK Unified Ideographs (and extensions A–F) and CJK Compatibility Ideographs, the blocks
  /// Hugging Face's `tokenizers` treats as Chinese characters.
  static func isCJK(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
      0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
      return true
    default:
      return false
    }
  }
}
