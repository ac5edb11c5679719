import Yams

extension CellOptions {
  /// Reads the option lines at the top of a cell (already split by
  /// ``OptionLine``). Bad lines produce diagnostics and are otherwise ignored.
  static func parse(_ lines: [OptionLine], diagnostics: inout [Diagnostic]) -> CellOptions {
    var options = CellOptions()
    var seen: [String: SourceRange] = [:]
    for line in lines {
      if let first = seen[line.key] {
        diagnostics.append(.error(
          "duplicate cell option '\(line.key)'", at: line.keyRange,
          notes: ["first set at line \(first.start.line)"]))
        continue
      }
      guard CellOptions.knownKeys.contains(line.key) else {
        var notes: [String] = []
        if let near = Suggestions.closest(line.key, among: CellOptions.knownKeys) { notes.append("did you mean '\(near)'?") }
        notes.append("known options: " + CellOptions.knownKeys.joined(separator: ", "))
        diagnostics.append(.error("unknown cell option '\(line.key)'", at: line.keyRange, notes: notes))
        continue
      }
      seen[line.key] = line.keyRange
      if line.valueRange.start == line.valueRange.end {
        diagnostics.append(.error("missing value for cell option '\(line.key)'", at: line.valueRange))
        continue
      }
      if let problem = options.apply(key: line.key, value: line.value) {
        diagnostics.append(.error(problem, at: line.valueRange))
        continue
      }
      options.valueRanges[line.key] = line.valueRange
    }
    return options
  }

  /// Sets one known option; returns a message when the value is not valid.
  private mutating func apply(key: String, value: String) -> String? {
    func boolean() -> Bool? { value == "true" ? true : value == "false" ? false : nil }
    switch key {
    case "label":
      guard CellOptions.isValidLabel(value) else {
        return "invalid label '\(value)': use letters, digits, '_' and '-', starting with a letter or '_'"
      }
      guard !CellOptions.isReservedLabel(value) else {
        return "label '\(value)' is reserved: unlabelled cells are named 'cell-<n>'"
      }
      label = value
    case "caption":
      caption = value
    case "tbl-cap":
      tableCaption = value
    case "fig-cap":
      guard let captions = Self.captionList(value) else {
        return "invalid value '\(value)' for 'fig-cap': expected a list of texts such as [\"Loss\", \"L0\"] or one text"
      }
      figureCaptions = captions
    case "fig-width", "fig-height":
      guard let pixels = Int(value), FigureSpec.Size.allowedSides.contains(pixels) else {
        let sides = FigureSpec.Size.allowedSides
        return "invalid value '\(value)' for '\(key)': expected a whole number of pixels from \(sides.lowerBound) to \(sides.upperBound)"
      }
      if key == "fig-width" { figureWidth = pixels } else { figureHeight = pixels }
    case "timeout":
      guard let seconds = Double(value), seconds.isFinite, seconds > 0 else {
        return "invalid value '\(value)' for 'timeout': expected a positive number of seconds"
      }
      timeout = seconds
    default:
      guard let flag = boolean() else { return "invalid value '\(value)' for '\(key)': expected true or false" }
      switch key {
      case "echo": echo = flag
      case "code-fold": codeFold = flag
      case "eval": eval = flag
      case "output": output = flag
      case "error": expectError = flag
      default: cache = flag
      }
    }
    return nil
  }
}

extension CellOptions {
  /// `["a", "b"]` (a YAML flow list of texts, quotes optional) or one text; nil when the
  /// brackets hold something else.
  static func captionList(_ value: String) -> [String]? {
    guard value.hasPrefix("[") else { return [value] }
    guard let parsed = try? Yams.load(yaml: value), let items = parsed as? [Any] else { return nil }
    let texts = items.compactMap { item -> String? in
      switch item {
      case let text as String: text
      case let number as Int: String(number)
      case let number as Double: String(number)
      default: nil
      }
    }
    return texts.count == items.count ? texts : nil
  }
}
