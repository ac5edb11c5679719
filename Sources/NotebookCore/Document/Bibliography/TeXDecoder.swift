import Foundation

/// Turns the TeX of a BibTeX value into plain Unicode text.
///
/// - braces are dropped (in BibTeX they only protect case);
/// - accents `\"o`, `\"{o}`, `{\"o}`, `\'e`, `` \`a ``, `\^o`, `\~n`, `\=a`, `\.z`,
///   `\c{c}`, `\v{s}`, `\u{a}`, `\H{o}`, `\k{a}`, `\r{a}`, `\d{a}` become precomposed letters;
/// - `\ss` `\o` `\O` `\aa` `\AA` `\ae` `\oe` `\l` `\L` `\i` and a few symbols become their letter;
/// - `\&` `\%` `\$` `\_` `\#` `\{` `\}` are the character;
/// - `--` is an en dash, `---` an em dash, `~` a no-break space;
/// - `\textit{x}`, `\emph{x}`, `\textbf{x}`, `\url{x}` and any other command keep
///   only their arguments' text (`\url`'s argument verbatim; `\href{url}{text}` keeps `text`);
/// - math `$…$` keeps its text, without the dollars;
/// - runs of white space become one space, trimmed at both ends.
///
/// - Complexity: O(n); nothing recurses on the nesting of braces.
enum TeXDecoder {
  /// Fields whose values are not TeX: only braces and `\` escapes are removed.
  static let verbatimFields: Set<String> = ["url", "doi", "eprint", "file", "pdf", "isbn", "issn"]

  /// White space, with a fast path for ASCII.
  @inline(__always) static func isSpace(_ c: Unicode.Scalar) -> Bool {
    c.value < 0x80
      ? c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{0B}" || c == "\u{0C}" : c.properties.isWhitespace
  }

  /// Precomposed letters of `base + mark` for ASCII letters and every accent
  /// (Foundation's normalisation is slow, so it runs once per pair).
  static let composed: [UInt64: String] = {
    var table: [UInt64: String] = [:]
    for base in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars {
      for mark in Set(accents.values) {
        table[compositionKey(base, mark)] =
          String(String.UnicodeScalarView([base, mark])).precomposedStringWithCanonicalMapping
      }
    }
    return table
  }()

  static func compositionKey(_ base: Unicode.Scalar, _ mark: Unicode.Scalar) -> UInt64 {
    UInt64(base.value) << 32 | UInt64(mark.value)
  }

  /// `base` with `mark`, precomposed where Unicode has the letter.
  static func compose(_ base: Unicode.Scalar, _ mark: Unicode.Scalar) -> String {
    composed[compositionKey(base, mark)]
      ?? String(String.UnicodeScalarView([base, mark])).precomposedStringWithCanonicalMapping
  }

  static func decode(_ raw: String) -> String {
    if isPlain(raw) { return raw }
    var decoder = Run(Array(raw.unicodeScalars))
    decoder.run()
    return String(decoder.out)
  }

  /// Whether `raw` has nothing to decode: no TeX characters (`{}\\~-$`), no
  /// white space but single spaces between words.
  static func isPlain(_ raw: String) -> Bool {
    var previousSpace = true
    for byte in raw.utf8 {
      switch byte {
      case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\\"), UInt8(ascii: "~"), UInt8(ascii: "-"),
        UInt8(ascii: "$"), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C, 0xC2, 0xE2, 0xE3:
        return false  // 0xC2, 0xE2, 0xE3 may start non-ASCII white space
      case UInt8(ascii: " "):
        if previousSpace { return false }
        previousSpace = true
      default:
        previousSpace = false
      }
    }
    return !previousSpace || raw.isEmpty
  }

  /// A URL, DOI or identifier: braces and `\url{…}` dropped, `\_` `\%` `\#` `\&` `\~`
  /// unescaped, white space removed at both ends.
  static func decodeVerbatim(_ raw: String) -> String {
    var scalars = Substring(raw).unicodeScalars
    while let first = scalars.first, isSpace(first) { scalars.removeFirst() }
    while let last = scalars.last, isSpace(last) { scalars.removeLast() }
    if !scalars.contains(where: { $0 == "{" || $0 == "}" || $0 == "\\" }) { return String(scalars) }
    var text = String(scalars)
    if text.hasPrefix("\\url{") && text.hasSuffix("}") { text = String(text.dropFirst(5).dropLast()) }
    var out = String.UnicodeScalarView()
    var escaped = false
    for c in text.unicodeScalars {
      if escaped {
        out.append(c)
        escaped = false
      } else if c == "\\" {
        escaped = true
      } else if c != "{" && c != "}" {
        out.append(c)
      }
    }
    return String(out)
  }

  /// Combining marks of the accent commands.
  static let accents: [String: Unicode.Scalar] = [
    "\"": "\u{308}", "'": "\u{301}", "`": "\u{300}", "^": "\u{302}", "~": "\u{303}", "=": "\u{304}", ".": "\u{307}",
    "c": "\u{327}", "v": "\u{30C}", "u": "\u{306}", "H": "\u{30B}", "k": "\u{328}", "r": "\u{30A}", "d": "\u{323}",
    "b": "\u{331}",
  ]

  /// Commands that stand for a letter or symbol.
  static let symbols: [String: String] = [
    "ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
    "dj": "đ", "DJ": "Đ", "copyright": "©", "textregistered": "®", "texttrademark": "™", "dag": "†", "ddag": "‡",
    "S": "§", "P": "¶", "pounds": "£", "euro": "€", "textendash": "–", "textemdash": "—", "textquoteleft": "‘",
    "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”", "ldots": "…", "dots": "…",
    "textellipsis": "…", "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX", "textasciitilde": "~",
    "textbackslash": "\\", "textunderscore": "_", "textbar": "|", "textless": "<", "textgreater": ">",
    "guillemotleft": "«", "guillemotright": "»", "textdegree": "°", "ell": "ℓ", "alpha": "α", "beta": "β",
    "gamma": "γ", "delta": "δ", "epsilon": "ε", "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ",
    "theta": "θ", "phi": "φ", "infty": "∞", "times": "×", "cdot": "·", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
  ]

  /// One decoding pass.
  private struct Run {
    let t: [Unicode.Scalar]
    var i = 0
    var out = String.UnicodeScalarView()
    var pendingSpace = false

    init(_ t: [Unicode.Scalar]) { self.t = t }

    mutating func run() {
      while i < t.count {
        let c = t[i]
        switch c {
        case "{", "}":
          i += 1
        case "~":
          emit("\u{A0}")
          i += 1
        case "-":
          dashes()
        case "$":
          math()
        case "\\":
          command()
        default:
          emit(c)
          i += 1
        }
      }
    }

    /// Appends a scalar, folding white space into single spaces (none at the start).
    mutating func emit(_ c: Unicode.Scalar) {
      if c == " " || c == "\n" || c == "\t" || c == "\r" {
        pendingSpace = !out.isEmpty
        return
      }
      if pendingSpace { out.append(" ") }
      pendingSpace = false
      out.append(c)
    }

    mutating func emit(_ text: String) { for c in text.unicodeScalars { emit(c) } }

    mutating func dashes() {
      if i + 2 < t.count, t[i + 1] == "-", t[i + 2] == "-" {
        emit("—")
        i += 3
      } else if i + 1 < t.count, t[i + 1] == "-" {
        emit("–")
        i += 2
      } else {
        emit("-")
        i += 1
      }
    }

    /// `$…$`: the text inside, with symbol commands as their symbol.
    mutating func math() {
      guard let end = t[(i + 1)...].firstIndex(of: "$") else {
        emit("$")
        i += 1
        return
      }
      var j = i + 1
      while j < end {
        if t[j] == "\\", j + 1 < end, isLetter(t[j + 1]) {
          var k = j + 1
          while k < end, isLetter(t[k]) { k += 1 }
          let name = String(String.UnicodeScalarView(t[(j + 1)..<k]))
          emit(symbols[name] ?? "\\" + name)
          j = k
        } else {
          if t[j] != "{" && t[j] != "}" { emit(t[j]) }
          j += 1
        }
      }
      i = end + 1
    }

    mutating func command() {
      i += 1
      guard i < t.count else { return }
      let c = t[i]
      guard isLetter(c) else {
        i += 1
        if let mark = accents[String(c)] {
          accent(mark)
        } else if c == "\\" || c == " " || c == "," || c == ";" || c == ":" {
          emit(" ")
        } else if c == "-" || c == "/" || c == "@" {
          // hyphenation hint, italic correction, spacing hint: nothing
        } else {
          emit(c)
        }
        return
      }
      let start = i
      while i < t.count, isLetter(t[i]) { i += 1 }
      let name = String(String.UnicodeScalarView(t[start..<i]))
      while i < t.count, t[i] == " " || t[i] == "\n" || t[i] == "\t" { i += 1 }
      if let mark = accents[name], name.count == 1 {
        accent(mark)
      } else if let symbol = symbols[name] {
        emit(symbol)
      } else if name == "url", let argument = braced() {
        emit(String(String.UnicodeScalarView(argument)))
      } else if name == "href" {
        _ = braced()  // the address; the text argument follows
      }
      // Any other command: its name is dropped and its arguments read as text.
    }

    /// The scalars inside a `{…}` group at `i` (nested braces kept); nil
    /// when there is no group there.
    mutating func braced() -> ArraySlice<Unicode.Scalar>? {
      guard i < t.count, t[i] == "{" else { return nil }
      var depth = 0
      var j = i
      while j < t.count {
        if t[j] == "{" { depth += 1 } else if t[j] == "}" { depth -= 1 }
        if depth == 0 { break }
        j += 1
      }
      let inside = t[(i + 1)..<min(j, t.count)]
      i = min(j + 1, t.count)
      return inside
    }

    /// An accent on the next letter: `x`, `{x}`, `\i`, `{\i}`.
    mutating func accent(_ mark: Unicode.Scalar) {
      while i < t.count, t[i] == " " { i += 1 }
      var base: Unicode.Scalar?
      var rest: [Unicode.Scalar] = []
      if i < t.count, t[i] == "{", let close = t[i...].prefix(6).firstIndex(of: "}") {
        let inside = Array(t[(i + 1)..<close])
        i = close + 1
        if inside.count >= 2, inside[0] == "\\", inside[1] == "i" || inside[1] == "j" {
          base = inside[1]
          rest = Array(inside.dropFirst(2))
        } else if let first = inside.first {
          base = first
          rest = Array(inside.dropFirst())
        }
      } else if i + 1 < t.count, t[i] == "\\", t[i + 1] == "i" || t[i + 1] == "j" {
        base = t[i + 1]
        i += 2
      } else if i < t.count, t[i] != "}", t[i] != "\\" {
        base = t[i]
        i += 1
      }
      guard let base else {
        if mark == "\u{303}" { emit("~") } else if mark == "\u{302}" { emit("^") }
        return
      }
      for c in TeXDecoder.compose(base, mark).unicodeScalars { emit(c) }
      for c in rest where c != " " { emit(c) }
    }

    func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
  }
}
