/// Options written as `//| key: value` lines at the top of a cell; ``CellOptions/catalog``
/// lists each with its value and default (the README's table is checked against it).
public struct CellOptions: Hashable, Sendable {
  public var label: String?
  public var caption: String?
  public var echo: Bool
  /// `code-fold: true`: the source is shown folded (a `<details>` block, no JavaScript).
  public var codeFold: Bool
  public var eval: Bool
  public var output: Bool
  /// `error: true`: the cell is expected to fail; success is then a problem.
  public var expectError: Bool
  public var timeout: Double?
  public var cache: Bool?
  /// `tbl-cap`: the caption above the cell's first table (numbered when the label is `tbl-…`).
  public var tableCaption: String?
  /// `fig-cap`: one caption per figure, in the order the cell draws them.
  public var figureCaptions: [String]?
  /// `fig-width` / `fig-height`: the size of the cell's figures in SVG pixels.
  public var figureWidth: Int?
  public var figureHeight: Int?
  /// The range of each option's value in the `.md` file, by key (`"timeout"`,
  /// `"label"`, ...), for diagnostics raised later about an option.
  public var valueRanges: [String: SourceRange]

  public init(
    label: String? = nil, caption: String? = nil, echo: Bool = true, codeFold: Bool = false, eval: Bool = true,
    output: Bool = true, expectError: Bool = false, timeout: Double? = nil, cache: Bool? = nil,
    valueRanges: [String: SourceRange] = [:]
  ) {
    self.label = label
    self.caption = caption
    self.echo = echo
    self.codeFold = codeFold
    self.eval = eval
    self.output = output
    self.expectError = expectError
    self.timeout = timeout
    self.cache = cache
    self.valueRanges = valueRanges
  }

  /// One cell option as the README documents it.
  public struct Documentation: Sendable {
    public let key: String
    public let value: String
    public let defaultValue: String
    public let meaning: String
  }

  /// Every cell option, in the order the README lists them.
  public static let catalog: [Documentation] = [
    .init(key: "label", value: "letters, digits, `_`, `-`; unique", defaultValue: "`cell-<n>`",
          meaning: "the cell's name in the report, the record, `notebook diff` and figure file names; `fig-…` numbers the cell's figures and `tbl-…` its table, for `@fig-…`/`@tbl-…` references in prose"),
    .init(key: "caption", value: "text (quotes optional)", defaultValue: "none",
          meaning: "shown once, under the cell's first figure (or after its outputs when it draws none)"),
    .init(key: "fig-cap", value: "a list `[\"first\", \"second\"]` or one text", defaultValue: "none",
          meaning: "one caption per figure, in the order the cell draws them (the first replaces `caption` there)"),
    .init(key: "tbl-cap", value: "text (quotes optional)", defaultValue: "none",
          meaning: "the caption above the cell's first table; a cell labelled `tbl-…` numbers it (\"Table 2: …\") for `@tbl-…` references"),
    .init(key: "fig-width", value: "pixels, \(FigureSpec.Size.allowedSides.lowerBound)–\(FigureSpec.Size.allowedSides.upperBound)", defaultValue: "\(FigureSpec.Size.standard.width)",
          meaning: "the width of the cell's figures"),
    .init(key: "fig-height", value: "pixels, \(FigureSpec.Size.allowedSides.lowerBound)–\(FigureSpec.Size.allowedSides.upperBound)", defaultValue: "\(FigureSpec.Size.standard.height)",
          meaning: "the height of the cell's figures"),
    .init(key: "echo", value: "`true` / `false`", defaultValue: "`true`", meaning: "show the cell's source in the report"),
    .init(key: "code-fold", value: "`true` / `false`", defaultValue: "`false`",
          meaning: "show the source folded under a \"Code\" summary that opens on a click (no JavaScript)"),
    .init(key: "eval", value: "`true` / `false`", defaultValue: "`true`",
          meaning: "run the cell (`false`: shown and checked, never run; its errors fail `check` and `render` alike)"),
    .init(key: "output", value: "`true` / `false`", defaultValue: "`true`", meaning: "show what the cell printed and displayed"),
    .init(key: "error", value: "`true` / `false`", defaultValue: "`false`",
          meaning: "the cell must fail (for teaching an error); success is then a problem"),
    .init(key: "timeout", value: "seconds, a positive number", defaultValue: "\(Int(NotebookRenderer.Options.standardCellTimeout)) s",
          meaning: "the cell stops at its next safe point after this long and is reported as a timeout"),
    .init(key: "cache", value: "`true` / `false`", defaultValue: "`true`",
          meaning: "`false`: never take the cell's result from the cell cache nor store it"),
  ]

  /// Every key a cell option may have.
  public static let knownKeys = catalog.map(\.key)

  /// Whether `text` may be a label: a letter or `_`, then letters, digits, `_`
  /// or `-` (labels become anchors and figure file names).
  public static func isValidLabel(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, isASCIILetter(first) || first == "_" else { return false }
    return text.unicodeScalars.allSatisfy { isASCIILetter($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
  }

  /// `cell-<digits>`: the names of unlabelled cells, so not allowed as labels.
  static func isReservedLabel(_ text: String) -> Bool {
    guard text.hasPrefix("cell-") else { return false }
    let rest = text.dropFirst(5)
    return !rest.isEmpty && rest.allSatisfy { $0.isASCII && $0.isNumber }
  }

  private static func isASCIILetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
}

/// One `//| key: value` line, split with exact columns.
struct OptionLine {
  var key: String
  var keyRange: SourceRange
  /// The value with surrounding spaces (and one pair of matching quotes) removed.
  var value: String
  var valueRange: SourceRange

  /// Whether `line` is an option line: optional spaces, then `//|`.
  static func isOptionLine(_ line: Substring) -> Bool {
    line.drop { $0 == " " || $0 == "\t" }.hasPrefix("//|")
  }

  /// Splits an option line; on malformed text returns the diagnostic to report.
  static func parse(_ line: Substring, lineNumber: Int, file: String) -> Result<OptionLine, Diagnostic> {
    let scalars = Array(line.unicodeScalars)
    func range(_ from: Int, _ to: Int) -> SourceRange {
      SourceRange(file: file, start: .init(line: lineNumber, column: from + 1), end: .init(line: lineNumber, column: to + 1))
    }
    func isSpace(_ i: Int) -> Bool { scalars[i] == " " || scalars[i] == "\t" }
    var i = 0
    while i < scalars.count && isSpace(i) { i += 1 }
    i += 3  // "//|"
    while i < scalars.count && isSpace(i) { i += 1 }
    let keyStart = i
    while i < scalars.count && scalars[i] != ":" && !isSpace(i) { i += 1 }
    let keyEnd = i
    while i < scalars.count && isSpace(i) { i += 1 }
    guard keyEnd > keyStart else {
      return .failure(.error("expected 'key: value' after '//|'", at: range(keyStart, max(keyStart, scalars.count))))
    }
    let key = String(String.UnicodeScalarView(scalars[keyStart..<keyEnd]))
    guard i < scalars.count, scalars[i] == ":" else {
      return .failure(.error("expected ':' after cell option '\(key)'", at: range(i, i + 1)))
    }
    i += 1
    while i < scalars.count && isSpace(i) { i += 1 }
    var valueStart = i
    var valueEnd = scalars.count
    while valueEnd > valueStart && isSpace(valueEnd - 1) { valueEnd -= 1 }
    let valueRange = range(valueStart, valueEnd)
    if valueEnd - valueStart >= 2, scalars[valueStart] == scalars[valueEnd - 1],
      scalars[valueStart] == "\"" || scalars[valueStart] == "'"
    {
      valueStart += 1
      valueEnd -= 1
    }
    let value = String(String.UnicodeScalarView(scalars[valueStart..<valueEnd]))
    return .success(OptionLine(key: key, keyRange: range(keyStart, keyEnd), value: value, valueRange: valueRange))
  }
}
