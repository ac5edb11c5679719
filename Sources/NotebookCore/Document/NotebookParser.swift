/// Splits a notebook's text into front matter, prose, code blocks and cells.
///
/// Fences follow CommonMark: up to 3 spaces of indentation, then 3 or more
/// backticks or tildes and an info string (a backtick fence's info string has
/// no backticks). A fence closes at a line of the same character, at least as
/// long, with nothing after it but spaces, so a ```` fence may contain ```
/// lines. A fence left open runs to the end of the file (reported as an
/// error). Fences whose info string starts with the word `swift` are cells; an
/// info string that only looks like one (`{swift}`, `Swift`, `{.swift}`) is an
/// error, since such a block would silently not run.
struct NotebookParser {
  let path: String
  let text: String
  /// The lines of `text`, without their `\n` or `\r\n`.
  let lines: [Substring]
  var diagnostics: [Diagnostic] = []

  init(path: String, text: String) {
    self.path = path
    self.text = text
    // "\r\n" is one Character in Swift, so both line endings are separators.
    self.lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
  }

  mutating func parse() -> (Notebook, [Diagnostic]) {
    let (frontMatter, bodyStart) = parseFrontMatter()
    var index = bodyStart
    var blocks: [Block] = []
    var cells: [Cell] = []
    var proseStart: Int?
    while index < lines.count {
      guard let fence = Fence(opening: lines[index]) else {
        if proseStart == nil { proseStart = index }
        index += 1
        continue
      }
      if let start = proseStart { appendProse(start..<index, to: &blocks) }
      proseStart = nil
      var close = index + 1
      while close < lines.count && !fence.isClosed(by: lines[close]) { close += 1 }
      if close == lines.count {
        diagnostics.append(.error(
          "code block is never closed: expected a line of \(fence.count) '\(fence.character)'",
          at: lineRange(index, columns: fence.indent..<(fence.indent + fence.count))))
      }
      let content = Array(lines[(index + 1)..<close])
      let range = SourceRange(
        file: path, start: .init(line: index + 1, column: 1),
        end: lineEnd(min(close, lines.count - 1)))
      if fence.language == "swift" {
        cells.append(makeCell(index: cells.count, fenceLine: index, content: content, range: range))
        blocks.append(.cell(cells.count - 1))
      } else {
        if fence.looksLikeCell {
          diagnostics.append(.error(
            "code block '\(fence.language)' is not a cell and will not run",
            at: lineRange(index, columns: fence.languageColumn..<(fence.languageColumn + fence.language.unicodeScalars.count)),
            notes: ["cells are fenced with ```swift (lowercase, no braces); to show Swift code without running it, "
                      + "write ```swift with `//| eval: false`"]))
        }
        let text = content.map { String(Self.dropIndent($0, upTo: fence.indent)) }.joined(separator: "\n")
        blocks.append(.code(language: fence.language, text: text, range))
      }
      index = close + 1
    }
    if let start = proseStart { appendProse(start..<lines.count, to: &blocks) }
    checkUniqueLabels(&cells)
    let notebook = Notebook(path: path, source: text, frontMatter: frontMatter, blocks: blocks, cells: cells)
    let sorted = diagnostics.enumerated().sorted {
      ($0.element.range.start, $0.offset) < ($1.element.range.start, $1.offset)
    }.map(\.element)
    return (notebook, sorted)
  }

  /// Reads `---` … `---` (or `...`) at the very top; returns the front matter
  /// and the index of the first body line.
  private mutating func parseFrontMatter() -> (FrontMatter, Int) {
    guard let first = lines.first, Self.trimmingTrailingSpaces(first) == "---" else { return (FrontMatter(), 0) }
    guard let close = lines.indices.dropFirst().first(where: {
      let line = Self.trimmingTrailingSpaces(lines[$0])
      return line == "---" || line == "..."
    }) else {
      diagnostics.append(.error(
        "front matter is never closed: expected a line '---'", at: lineRange(0, columns: 0..<3)))
      return (FrontMatter(), 0)
    }
    let yaml = lines[1..<close].joined(separator: "\n")
    let range = SourceRange(file: path, start: .init(line: 1, column: 1), end: lineEnd(close))
    var parser = FrontMatterParser(file: path, firstLine: 2)
    let frontMatter = parser.parse(yaml, range: range)
    diagnostics += parser.diagnostics
    return (frontMatter, close + 1)
  }

  private mutating func makeCell(index: Int, fenceLine: Int, content: [Substring], range: SourceRange) -> Cell {
    let optionCount = content.prefix { OptionLine.isOptionLine($0) }.count
    var optionLines: [OptionLine] = []
    for (offset, line) in content.prefix(optionCount).enumerated() {
      switch OptionLine.parse(line, lineNumber: fenceLine + 2 + offset, file: path) {
      case .success(let option): optionLines.append(option)
      case .failure(let diagnostic): diagnostics.append(diagnostic)
      }
    }
    let options = CellOptions.parse(optionLines, diagnostics: &diagnostics)
    return Cell(
      index: index, options: options,
      source: content.dropFirst(optionCount).joined(separator: "\n"),
      sourceFirstLine: fenceLine + 2 + optionCount,
      fullSource: content.joined(separator: "\n"), range: range)
  }

  /// A label used twice is an error at the second use, whose label is dropped
  /// (so that stable names stay unique).
  private mutating func checkUniqueLabels(_ cells: inout [Cell]) {
    var firstUse: [String: Cell] = [:]
    for i in cells.indices {
      guard let label = cells[i].label else { continue }
      if let first = firstUse[label] {
        let at = cells[i].options.valueRanges["label"] ?? cells[i].range
        let line = first.options.valueRanges["label"]?.start.line ?? first.range.start.line
        diagnostics.append(.error("duplicate label '\(label)'", at: at, notes: ["first used at line \(line)"]))
        cells[i].options.label = nil
      } else {
        firstUse[label] = cells[i]
      }
    }
  }

  private func appendProse(_ indices: Range<Int>, to blocks: inout [Block]) {
    guard lines[indices].contains(where: { !$0.allSatisfy(\.isWhitespace) }) else { return }
    let text = lines[indices].joined(separator: "\n")
    let range = SourceRange(file: path, start: .init(line: indices.lowerBound + 1, column: 1), end: lineEnd(indices.upperBound - 1))
    blocks.append(.prose(text, range))
  }

  /// The position just past the last character of line `index` (0-based).
  private func lineEnd(_ index: Int) -> SourcePosition {
    SourcePosition(line: index + 1, column: lines[index].unicodeScalars.count + 1)
  }

  private func lineRange(_ index: Int, columns: Range<Int>) -> SourceRange {
    SourceRange(
      file: path, start: .init(line: index + 1, column: columns.lowerBound + 1),
      end: .init(line: index + 1, column: columns.upperBound + 1))
  }

  static func trimmingTrailingSpaces(_ line: Substring) -> Substring {
    var line = line
    while let last = line.last, last == " " || last == "\t" { line = line.dropLast() }
    return line
  }

  /// Removes up to `count` leading spaces (CommonMark, for indented fences).
  static func dropIndent(_ line: Substring, upTo count: Int) -> Substring {
    var line = line
    var n = 0
    while n < count, line.first == " " {
      line = line.dropFirst()
      n += 1
    }
    return line
  }
}

/// An opening code fence: indentation, fence character and length, info string.
struct Fence {
  var indent: Int
  var character: Character
  var count: Int
  /// The first word of the info string ("" when none).
  var language: String
  /// The 0-based column where `language` starts.
  var languageColumn: Int

  init?(opening line: Substring) {
    let indent = line.prefix { $0 == " " }.count
    guard indent <= 3 else { return nil }
    let rest = line.dropFirst(indent)
    guard let character = rest.first, character == "`" || character == "~" else { return nil }
    let count = rest.prefix { $0 == character }.count
    guard count >= 3 else { return nil }
    let info = rest.dropFirst(count)
    if character == "`" && info.contains("`") { return nil }
    self.indent = indent
    self.character = character
    self.count = count
    let blanks = info.prefix { $0 == " " || $0 == "\t" }.count
    self.languageColumn = indent + count + blanks
    self.language = info.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
  }

  /// Whether the info string names Swift in a form that is not a cell: another
  /// case (`Swift`), Quarto's or Pandoc's braces (`{swift}`, `{.swift}`).
  var looksLikeCell: Bool {
    language != "swift" && language.filter { !"{}.".contains($0) }.lowercased() == "swift"
  }

  /// Whether `line` closes this fence.
  func isClosed(by line: Substring) -> Bool {
    let indent = line.prefix { $0 == " " }.count
    guard indent <= 3 else { return false }
    let rest = NotebookParser.trimmingTrailingSpaces(line.dropFirst(indent))
    return rest.count >= count && rest.allSatisfy { $0 == character }
  }
}
