/// The byte classes of BibTeX's syntax.
extension BibTeXParser {
  /// ASCII white space (BibTeX knows no other).
  static func isSpace(_ c: UInt8) -> Bool {
    c == ascii(" ") || c == ascii("\n") || c == ascii("\t") || c == ascii("\r") || c == 0x0B || c == 0x0C
  }

  static func isDigit(_ c: UInt8) -> Bool { c >= ascii("0") && c <= ascii("9") }

  /// Bytes of entry types, field and macro names: BibTeX's, all printable
  /// characters but `"#%'(),={}@` (any non-ASCII byte is part of a name).
  static func isNameByte(_ c: UInt8) -> Bool {
    switch c {
    case ascii("\""), ascii("#"), ascii("%"), ascii("'"), ascii("("), ascii(")"), ascii(","), ascii("="), ascii("{"),
      ascii("}"), ascii("@"):
      false
    default: c > 0x20 && c != 0x7F
    }
  }

  /// Bytes of keys: anything but spaces, `,`, braces, parentheses, `"`, `#`, `%`, `=`, `@`.
  static func isKeyByte(_ c: UInt8) -> Bool {
    switch c {
    case ascii("\""), ascii("#"), ascii("%"), ascii("("), ascii(")"), ascii(","), ascii("="), ascii("{"), ascii("}"),
      ascii("@"):
      false
    default: c > 0x20 && c != 0x7F
    }
  }

  /// UTF-8 bytes as text (invalid sequences repaired, which cannot happen
  /// for bytes cut at ASCII delimiters of a valid String).
  static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

  /// One byte for a message: the character when ASCII, else its value.
  static func text(_ c: UInt8) -> String { c < 0x80 ? String(UnicodeScalar(c)) : "\\x\(String(c, radix: 16))" }
}

/// The byte of an ASCII character.
@inline(__always) private func ascii(_ c: Unicode.Scalar) -> UInt8 { UInt8(ascii: c) }
