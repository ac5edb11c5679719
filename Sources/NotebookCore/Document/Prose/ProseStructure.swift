/// Text of a prose block with, for each of its lines, where that line is in the `.md` file, so a
/// construct found at a scalar offset of `text` has its exact line:column.
struct ProseText: Hashable, Sendable {
  var text: String
  /// For each line of `text`: its 1-based line in the file and how many scalars were removed
  /// before it (a `> ` prefix).
  var lines: [Line]

  struct Line: Hashable, Sendable {
    var fileLine: Int
    var columnShift: Int
  }

  /// The scalar offset in `text` where each line starts.
  private var lineStarts: [Int]

  init(lines: [(text: Substring, fileLine: Int, columnShift: Int)]) {
    text = lines.map(\.text).joined(separator: "\n")
    self.lines = lines.map { Line(fileLine: $0.fileLine, columnShift: $0.columnShift) }
    var starts: [Int] = []
    var offset = 0
    for line in lines {
      starts.append(offset)
      offset += line.text.unicodeScalars.count + 1
    }
    lineStarts = starts
  }

  /// The file position of a scalar offset of `text` (offsets past the end go to the last line).
  func position(ofScalar offset: Int) -> SourcePosition {
    guard !lines.isEmpty else { return SourcePosition(line: 1, column: 1) }
    var low = 0
    var high = lineStarts.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
    }
    return SourcePosition(line: lines[low].fileLine, column: offset - lineStarts[low] + 1 + lines[low].columnShift)
  }

  /// The file range of scalar offsets `[lower, upper)`.
  func range(_ offsets: Range<Int>, file: String) -> SourceRange {
    SourceRange(file: file, start: position(ofScalar: offsets.lowerBound), end: position(ofScalar: offsets.upperBound))
  }
}

/// The callout kinds of Quarto (`::: {.callout-note}`) and GitHub (`> [!NOTE]`).
enum CalloutKind: String, CaseIterable, Hashable, Sendable {
  case note, tip, important, warning, caution

  var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}

/// A `::: {…}` fenced div's attributes.
struct ProseDiv: Hashable, Sendable {
  /// The callout it makes, if one of its classes is `callout-<kind>`.
  var callout: CalloutKind?
  var title: String?
  /// Classes that are not a known callout (the div is then shown plainly).
  var otherClasses: [String]
}

/// A prose block cut at the constructs that are blocks of their own: fenced divs (`:::`),
/// GitHub alerts (`> [!NOTE]`), footnote definitions (`[^id]: …`) and table captions
/// (`: Caption {#tbl-label}` next to a pipe table, moved before the table).
enum ProseSegment: Hashable, Sendable {
  case markdown(ProseText)
  case divOpen(ProseDiv, line: Int)
  case divClose(line: Int)
  /// `kind` is nil for an unknown `[!TYPE]` (then shown as a plain quote, with a warning).
  case alert(kind: CalloutKind?, type: String, title: String?, ProseText, line: Int)
  case footnoteDefinition(id: String, ProseText, line: Int)
  case tableCaption(String, label: String?, line: Int)
}

enum ProseStructure {
  /// Cuts prose that starts at `firstLine` of its file into segments, in order.
  static func split(_ markdown: String, firstLine: Int) -> [ProseSegment] {
    let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
    var segments: [ProseSegment] = []
    var buffer: [(text: Substring, fileLine: Int, columnShift: Int)] = []
    func flush() {
      if buffer.contains(where: { !$0.text.allSatisfy(\.isWhitespace) }) { segments.append(.markdown(ProseText(lines: buffer))) }
      buffer = []
    }
    var i = 0
    while i < lines.count {
      let line = lines[i]
      let fileLine = firstLine + i
      if let div = fencedDiv(line) {
        flush()
        segments.append(div.map { .divOpen($0, line: fileLine) } ?? .divClose(line: fileLine))
        i += 1
        continue
      }
      if let (type, title) = alertStart(line) {
        flush()
        var inner: [(text: Substring, fileLine: Int, columnShift: Int)] = []
        var j = i + 1
        while j < lines.count, let (text, shift) = quoteContent(lines[j]) {
          inner.append((text, firstLine + j, shift))
          j += 1
        }
        let kind = CalloutKind(rawValue: type.lowercased())
        segments.append(.alert(kind: kind, type: type, title: title, ProseText(lines: inner), line: fileLine))
        i = j
        continue
      }
      if let (id, first, shift) = footnoteDefinitionStart(line) {
        flush()
        var body: [(text: Substring, fileLine: Int, columnShift: Int)] = [(first, fileLine, shift)]
        var j = i + 1
        while j < lines.count {
          let next = lines[j]
          if next.allSatisfy(\.isWhitespace) {
            // A blank line continues the note only when an indented line follows it.
            guard j + 1 < lines.count, isIndented(lines[j + 1]) else { break }
            body.append((next, firstLine + j, 0))
          } else if footnoteDefinitionStart(next) != nil || fencedDiv(next) != nil {
            break
          } else {
            let stripped = next.drop { $0 == " " || $0 == "\t" }
            body.append((stripped, firstLine + j, next.unicodeScalars.count - stripped.unicodeScalars.count))
          }
          j += 1
        }
        segments.append(.footnoteDefinition(id: id, ProseText(lines: body), line: fileLine))
        i = j
        continue
      }
      if let (caption, label) = tableCaption(line) {
        let before = buffer.last { !$0.text.allSatisfy(\.isWhitespace) }
        let after = lines[(i + 1)...].first { !$0.allSatisfy(\.isWhitespace) }
        if let before, isTableRow(before.text) {
          // The caption follows its table: move it before the table's rows.
          var start = buffer.count
          while start > 0 && (isTableRow(buffer[start - 1].text) || buffer[start - 1].text.allSatisfy(\.isWhitespace)) {
            start -= 1
          }
          while start < buffer.count && buffer[start].text.allSatisfy(\.isWhitespace) { start += 1 }
          let table = Array(buffer[start...])
          buffer.removeSubrange(start...)
          flush()
          segments.append(.tableCaption(caption, label: label, line: fileLine))
          buffer = table
          i += 1
          continue
        }
        if let after, isTableRow(after) {
          flush()
          segments.append(.tableCaption(caption, label: label, line: fileLine))
          i += 1
          continue
        }
      }
      buffer.append((line, fileLine, 0))
      i += 1
    }
    flush()
    return segments
  }

  // MARK: - Line kinds

  /// `::: {.callout-note title="…"}` → the div; a line of colons only → nil (a closing fence);
  /// anything else → not a fence (the outer nil).
  static func fencedDiv(_ line: Substring) -> ProseDiv?? {
    let trimmed = line.drop { $0 == " " }
    guard trimmed.hasPrefix(":::"), line.count - trimmed.count < 4 else { return nil }
    var rest = trimmed.drop { $0 == ":" }
    while rest.last == ":" || rest.last == " " || rest.last == "\t" { rest = rest.dropLast() }
    rest = rest.drop { $0 == " " || $0 == "\t" }
    if rest.isEmpty { return .some(nil) }
    var classes: [String] = []
    var title: String?
    if rest.hasPrefix("{") && rest.hasSuffix("}") {
      let attributes = attributeWords(rest.dropFirst().dropLast())
      for attribute in attributes {
        if attribute.hasPrefix(".") {
          classes.append(String(attribute.dropFirst()))
        } else if attribute.lowercased().hasPrefix("title=") {
          var value = attribute.dropFirst(6)
          if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q { value = value.dropFirst().dropLast() }
          title = String(value)
        }
      }
    } else if !rest.contains(" ") {
      classes.append(String(rest))
    } else {
      return nil
    }
    let callout = classes.lazy.compactMap { $0.hasPrefix("callout-") ? CalloutKind(rawValue: String($0.dropFirst(8))) : nil }.first
    let others = classes.filter { c in !(c.hasPrefix("callout-") && CalloutKind(rawValue: String(c.dropFirst(8))) != nil) && c != "callout" }
    return .some(ProseDiv(callout: callout, title: title, otherClasses: others))
  }

  /// Words of `{…}` attributes, keeping quoted values (with their spaces) whole.
  private static func attributeWords(_ text: Substring) -> [String] {
    var words: [String] = []
    var current = ""
    var quote: Character?
    for c in text {
      if let q = quote {
        current.append(c)
        if c == q { quote = nil }
      } else if c == "\"" || c == "'" {
        quote = c
        current.append(c)
      } else if c == " " || c == "\t" {
        if !current.isEmpty { words.append(current) }
        current = ""
      } else {
        current.append(c)
      }
    }
    if !current.isEmpty { words.append(current) }
    return words
  }

  /// `> [!NOTE]` (with an optional title after it): the type and the title.
  static func alertStart(_ line: Substring) -> (String, String?)? {
    guard let (content, _) = quoteContent(line), content.hasPrefix("[!"), let close = content.firstIndex(of: "]") else { return nil }
    let type = content[content.index(content.startIndex, offsetBy: 2)..<close]
    guard !type.isEmpty, type.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
    let title = HTMLText.trimmed(String(content[content.index(after: close)...]))
    return (String(type), title.isEmpty ? nil : title)
  }

  /// A quote line's text after `>` and one optional space, and how many scalars that removed.
  static func quoteContent(_ line: Substring) -> (Substring, Int)? {
    let indent = line.prefix { $0 == " " }.count
    guard indent < 4 else { return nil }
    var rest = line.dropFirst(indent)
    guard rest.first == ">" else { return nil }
    rest = rest.dropFirst()
    if rest.first == " " { rest = rest.dropFirst() }
    return (rest, line.unicodeScalars.count - rest.unicodeScalars.count)
  }

  /// `[^id]: text` at the start of a line: the id, the text and the scalars before the text.
  static func footnoteDefinitionStart(_ line: Substring) -> (String, Substring, Int)? {
    let indent = line.prefix { $0 == " " }.count
    guard indent < 4 else { return nil }
    let rest = line.dropFirst(indent)
    guard rest.hasPrefix("[^"), let close = rest.firstIndex(of: "]") else { return nil }
    let id = rest[rest.index(rest.startIndex, offsetBy: 2)..<close]
    let afterClose = rest[rest.index(after: close)...]
    guard !id.isEmpty, !id.contains(where: \.isWhitespace), afterClose.first == ":" else { return nil }
    let text = afterClose.dropFirst().drop { $0 == " " || $0 == "\t" }
    return (String(id), text, line.unicodeScalars.count - text.unicodeScalars.count)
  }

  /// `: Caption {#tbl-label}`: the caption and label.
  static func tableCaption(_ line: Substring) -> (String, String?)? {
    guard line.hasPrefix(": ") else { return nil }
    var text = HTMLText.trimmed(String(line.dropFirst(2)))
    var label: String?
    if text.hasSuffix("}"), let open = text.range(of: "{#", options: .backwards) {
      let candidate = String(text[open.upperBound..<text.index(before: text.endIndex)])
      if !candidate.isEmpty && candidate.unicodeScalars.allSatisfy(ProseInlineScanner.isLabelScalar) {
        label = candidate
        text = HTMLText.trimmed(String(text[..<open.lowerBound]))
      }
    }
    return text.isEmpty && label == nil ? nil : (text, label)
  }

  static func isTableRow(_ line: Substring) -> Bool { line.drop { $0 == " " }.hasPrefix("|") }

  private static func isIndented(_ line: Substring) -> Bool { line.hasPrefix("    ") || line.hasPrefix("\t") }
}
