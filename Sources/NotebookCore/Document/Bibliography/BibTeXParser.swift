/// Reads BibTeX text into entries, one pass over its UTF-8 bytes (BibTeX's
/// syntax is all ASCII; other characters only occur inside names and values).
///
/// Values are kept raw (macros expanded, TeX and braces kept) while reading;
/// ``finishEntry(_:fields:checked:)`` decodes them. Nothing recurses on the input's nesting,
/// so depth costs nothing but a counter; the only growth beyond the input is
/// `@string` expansion, capped by ``expansionBudget``.
struct BibTeXParser {
  /// Braces nested deeper than this in one value are an error (the value is still read).
  static let maxDepth = 100
  /// After this many errors the rest of the file is skipped.
  static let maxErrors = 100

  let path: String
  private let s: [UInt8]
  private var i = 0
  /// Turns byte offsets into lines and columns.
  private var locator: ByteLocator
  private(set) var diagnostics: [Diagnostic] = []
  private(set) var entries: [String: BibEntry] = [:]
  /// `@string` macros by lowercased name, their values raw.
  private var macros: [String: String] = BibTeXParser.monthMacros
  /// Bytes macro expansion may still add (4 × the input, at least 1 MB).
  private var expansionBudget: Int
  private var expansionStopped = false
  /// Errors so far (an entry with errors is not also warned about missing fields).
  private var errorCount = 0
  /// Whether a `@comment{` ran to the end of the text: later ones are not
  /// searched for their end again (which would take quadratic time).
  private var unclosedComment = false

  static let monthMacros: [String: String] = [
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May", "jun": "June",
    "jul": "July", "aug": "August", "sep": "September", "oct": "October", "nov": "November", "dec": "December",
  ]

  init(path: String, text: String) {
    self.path = path
    s = Array(text.utf8)
    locator = ByteLocator(path: path, bytes: s)
    expansionBudget = max(1 << 20, 4 * s.count)
  }

  /// A field as read: its lowercased name, raw value and the name's range.
  struct Field {
    var name: String
    var value: String
    var range: SourceRange
  }

  mutating func parse() {
    while i < s.count && errorCount < Self.maxErrors {
      if s[i] == ascii("@") {
        i += 1
        command(at: i - 1)
      } else {
        i += 1
      }
    }
  }

  // MARK: Commands

  /// After an `@` at `at`: an entry, `@string`, `@preamble` or `@comment`.
  private mutating func command(at: Int) {
    skipWhitespace()
    let typeStart = i
    while i < s.count, Self.isNameByte(s[i]) { i += 1 }
    guard i > typeStart else {
      error("expected an entry type after '@'", at: at, at + 1)
      return
    }
    let type = Self.string(s[typeStart..<i]).lowercased()
    skipWhitespace()
    guard i < s.count, s[i] == ascii("{") || s[i] == ascii("(") else {
      // `@comment` without a block is just a word BibTeX skips.
      if type != "comment" { error("expected '{' after '@\(type)'", at: i, i + 1) }
      return
    }
    let open = i
    let close = s[i] == ascii("{") ? ascii("}") : ascii(")")
    i += 1
    switch type {
    case "comment": skipComment(open: open, close: close)
    case "preamble": preamble(open: open, close: close)
    case "string": _ = fields(open: open, close: close, type: type, definingMacros: true)
    default: entry(type: type, open: open, close: close)
    }
  }

  /// Skips `@comment{…}` up to its balanced end; when there is none, only
  /// `@comment{` is skipped (the rest is text outside entries).
  private mutating func skipComment(open: Int, close: UInt8) {
    guard !unclosedComment else { return }
    var depth = 1
    var j = i
    while j < s.count {
      if close == ascii("}") {
        if s[j] == ascii("{") { depth += 1 } else if s[j] == ascii("}") { depth -= 1 }
        if depth == 0 { break }
      } else if s[j] == ascii(")") {
        break
      }
      j += 1
    }
    if j < s.count { i = j + 1 } else { unclosedComment = true }
  }

  private mutating func preamble(open: Int, close: UInt8) {
    guard value(field: "preamble", close: close) != nil else { return }
    skipWhitespace()
    if i < s.count, s[i] == close {
      i += 1
    } else if i >= s.count {
      error("'@preamble' is never closed: expected '\(Self.text(close))'", at: open, open + 1)
    } else {
      error("expected '\(Self.text(close))' to end '@preamble'", at: i, i + 1)
    }
  }

  private mutating func entry(type: String, open: Int, close: UInt8) {
    let errorsBefore = errorCount
    skipWhitespace()
    let keyStart = i
    while i < s.count, Self.isKeyByte(s[i]) { i += 1 }
    var key = Self.string(s[keyStart..<i])
    let keyRange = locator.range(keyStart, i)
    skipWhitespace()
    if key.isEmpty || (i < s.count && s[i] == ascii("=")) {
      error("missing citation key after '@\(type){'", at: open + 1, open + 1)
      if !key.isEmpty { i = keyStart }  // that was a field name: read it again
      key = ""
    } else if i < s.count, s[i] == ascii(",") {
      i += 1
    } else if i < s.count, s[i] != close {
      error("expected ',' after the key '\(key)'", at: i, i + 1)
    }
    let read = fields(open: open, close: close, type: type, definingMacros: false)
    guard !key.isEmpty else { return }
    finishEntry(BibEntry(key: key, type: type, range: keyRange), fields: read, checked: errorCount == errorsBefore)
  }

  /// `name = value` pairs up to `close`. With `definingMacros`, each pair
  /// defines an `@string` macro as soon as it is read.
  private mutating func fields(open: Int, close: UInt8, type: String, definingMacros: Bool) -> [Field] {
    var read: [Field] = []
    while true {
      skipWhitespace()
      guard i < s.count, s[i] != ascii("@") else {
        error("'@\(type)' is never closed: expected '\(Self.text(close))'", at: open, open + 1)
        return read
      }
      if s[i] == close {
        i += 1
        return read
      }
      if s[i] == ascii(",") {
        i += 1
        continue
      }
      let nameStart = i
      while i < s.count, Self.isNameByte(s[i]) { i += 1 }
      guard i > nameStart else {
        error("expected a field name, found '\(Self.text(s[i]))'", at: i, i + 1)
        skipToFieldEnd(close: close)
        continue
      }
      let name = Self.string(s[nameStart..<i]).lowercased()
      let nameRange = locator.range(nameStart, i)
      skipWhitespace()
      guard i < s.count, s[i] == ascii("=") else {
        error("expected '=' after the field name '\(name)'", at: i, i + 1)
        skipToFieldEnd(close: close)
        continue
      }
      i += 1
      guard let value = value(field: name, close: close) else { return read }
      if definingMacros {
        macros[name] = value
      } else if read.contains(where: { $0.name == name }) {
        diagnostics.append(Diagnostic(.warning, "duplicate field '\(name)': the first value is kept", at: nameRange))
      } else {
        read.append(Field(name: name, value: value, range: nameRange))
      }
      skipWhitespace()
      if i < s.count, s[i] == ascii(",") {
        i += 1
      } else if i < s.count, s[i] != close, s[i] != ascii("@") {
        error("expected ',' or '\(Self.text(close))' after the value of '\(name)'", at: i, i + 1)
      }
    }
  }

  /// After a malformed field: on to the next `,`, the entry's end or an `@`
  /// (at least one byte is skipped, so that the caller always advances).
  private mutating func skipToFieldEnd(close: UInt8) {
    i += 1
    while i < s.count, s[i] != ascii(","), s[i] != close, s[i] != ascii("@") { i += 1 }
  }

  // MARK: Values

  /// A value: parts (braced, quoted, a number, a macro) joined by `#`.
  /// Returns nil when the input ended inside a part (that part is diagnosed).
  private mutating func value(field: String, close: UInt8) -> String? {
    var out = ""
    while true {
      skipWhitespace()
      guard i < s.count else {
        error("expected a value for '\(field)'", at: i, i)
        return nil
      }
      let c = s[i]
      if c == ascii("{") {
        guard let part = delimited(closing: ascii("}")) else { return nil }
        out += part
      } else if c == ascii("\"") {
        guard let part = delimited(closing: ascii("\"")) else { return nil }
        out += part
      } else if Self.isDigit(c) {
        let start = i
        while i < s.count, Self.isDigit(s[i]) { i += 1 }
        out += Self.string(s[start..<i])
      } else if Self.isNameByte(c) {
        let start = i
        while i < s.count, Self.isNameByte(s[i]) { i += 1 }
        let name = Self.string(s[start..<i]).lowercased()
        if let expansion = macros[name] {
          out += expand(expansion, at: start)
        } else {
          error("undefined @string macro '\(name)'", at: start, i)
        }
      } else {
        error("expected a value for '\(field)'", at: i, i + 1)
        return out
      }
      skipWhitespace()
      guard i < s.count, s[i] == ascii("#") else { return out }
      i += 1
    }
  }

  /// A macro's value, unless expansion has used up its budget.
  private mutating func expand(_ expansion: String, at offset: Int) -> String {
    let count = expansion.utf8.count
    guard !expansionStopped, count <= expansionBudget else {
      if !expansionStopped {
        error("@string macros expand to too much text; later uses are left empty", at: offset, offset + 1)
        expansionStopped = true
      }
      return ""
    }
    expansionBudget -= count
    return expansion
  }

  /// `{…}` or `"…"` starting at `i`: its inside, braces kept. Braces count
  /// everywhere (as in BibTeX, `\{` too); a `"` inside braces does not end
  /// a quoted value. Returns nil at the end of the input, with a diagnostic
  /// at the opening brace or quote.
  private mutating func delimited(closing: UInt8) -> String? {
    let open = i
    var depth = closing == ascii("}") ? 1 : 0
    var tooDeepReported = false
    i += 1
    var start = i
    var out = ""
    while i < s.count {
      let c = s[i]
      if c == ascii("{") {
        depth += 1
        if depth > Self.maxDepth && !tooDeepReported {
          error("braces nested deeper than \(Self.maxDepth) levels", at: i, i + 1)
          tooDeepReported = true
        }
      } else if c == ascii("}") {
        if depth == 0 {
          // Only in a quoted value: the stray brace is left out.
          error("unbalanced braces: '}' without a matching '{'", at: i, i + 1)
          out += Self.string(s[start..<i])
          i += 1
          start = i
          continue
        }
        depth -= 1
        if depth == 0 && closing == ascii("}") {
          out += Self.string(s[start..<i])
          i += 1
          return out
        }
      } else if c == ascii("\"") && closing == ascii("\"") && depth == 0 {
        out += Self.string(s[start..<i])
        i += 1
        return out
      }
      i += 1
    }
    if closing == ascii("}") {
      error("unbalanced braces: this '{' is never closed", at: open, open + 1)
    } else {
      error("unbalanced quotes: this '\"' is never closed", at: open, open + 1)
    }
    return nil
  }

  // MARK: Entries

  /// Decodes the fields, finds the names, checks the key is new and (when
  /// `checked`: the entry was read without errors) that the entry has a title
  /// and an author or editor.
  private mutating func finishEntry(_ entry: BibEntry, fields read: [Field], checked: Bool) {
    var entry = entry
    for field in read {
      entry.rawFields[field.name] = field.value
      entry.fields[field.name] =
        TeXDecoder.verbatimFields.contains(field.name)
        ? TeXDecoder.decodeVerbatim(field.value) : TeXDecoder.decode(field.value)
    }
    if let names = entry.rawFields["author"] ?? entry.rawFields["editor"] {
      (entry.authors, entry.authorsTruncated) = NameListParser.parse(names)
    }
    if let first = entries[entry.key] {
      diagnostics.append(
        Diagnostic(
          .warning, "duplicate key '\(entry.key)': the first entry with this key is kept", at: entry.range,
          notes: ["the first is at \(first.range.file):\(first.range.start)"]))
      return
    }
    if checked && entry.field("title") == nil {
      diagnostics.append(Diagnostic(.warning, "entry '\(entry.key)' has no title", at: entry.range))
    }
    if checked && entry.authors.isEmpty && !entry.authorsTruncated {
      diagnostics.append(Diagnostic(.warning, "entry '\(entry.key)' has no author or editor", at: entry.range))
    }
    entries[entry.key] = entry
  }

  // MARK: Scanning

  private mutating func skipWhitespace() {
    while i < s.count, Self.isSpace(s[i]) { i += 1 }
  }

  private mutating func error(_ message: String, at start: Int, _ end: Int) {
    errorCount += 1
    if errorCount < Self.maxErrors {
      diagnostics.append(.error(message, at: locator.range(start, end)))
    } else if errorCount == Self.maxErrors {
      diagnostics.append(.error("too many errors: the rest of the file is skipped", at: locator.range(start, end)))
      i = s.count
    }
  }
}

/// The byte of an ASCII character.
@inline(__always) private func ascii(_ c: Unicode.Scalar) -> UInt8 { UInt8(ascii: c) }
