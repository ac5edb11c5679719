/// `\begin{…}…\end{…}`: matrices, cases and alignments as `<mtable>`.
extension TeXParser {
  /// Fences around the table and whether cells are set in display style.
  static let environments: [String: (open: String?, close: String?, displayCells: Bool)] = [
    "matrix": (nil, nil, false), "smallmatrix": (nil, nil, false), "array": (nil, nil, false),
    "subarray": (nil, nil, false), "pmatrix": ("(", ")", false), "bmatrix": ("[", "]", false),
    "Bmatrix": ("{", "}", false), "vmatrix": ("|", "|", false), "Vmatrix": ("‖", "‖", false),
    "cases": ("{", nil, false), "dcases": ("{", nil, true), "rcases": (nil, "}", false),
    "aligned": (nil, nil, true), "align": (nil, nil, true), "align*": (nil, nil, true),
    "alignedat": (nil, nil, true), "gathered": (nil, nil, true), "gather": (nil, nil, true),
    "gather*": (nil, nil, true), "split": (nil, nil, true), "multline": (nil, nil, true),
    "multline*": (nil, nil, true), "equation": (nil, nil, true), "equation*": (nil, nil, true),
  ]

  /// The `{name}` after `\begin` or `\end`, where the name starts and where the `}` ends.
  private mutating func environmentName(
    after command: TeXToken
  ) throws(TeXMath.Failure) -> (name: String, start: Int, end: Int) {
    let open = next()
    guard open.kind == .openBrace else {
      throw failure(
        "missing '{' after \\\(command.length == 6 ? "begin" : "end")", at: open.kind == .end ? command : open)
    }
    var name = ""
    while true {
      let token = tokens[position]
      position += 1
      switch token.kind {
      case .closeBrace where !name.isEmpty: return (name, open.offset + 1, token.offset + 1)
      case .character(let c) where (c.properties.isAlphabetic || c == "*") && name.unicodeScalars.count < 40:
        name.unicodeScalars.append(c)
      case .end: throw failure("missing '}' for '{' at \(open.offset)", at: open)
      default: throw failure("bad environment name", at: token)
      }
    }
  }

  /// Skips a braced argument without reading it (the column spec of `array`).
  private mutating func skipBracedArgument(after command: TeXToken) throws(TeXMath.Failure) {
    let open = next()
    guard open.kind == .openBrace else {
      throw failure("missing column specification", at: open.kind == .end ? command : open)
    }
    var level = 1
    while level > 0 {
      let token = tokens[position]
      position += 1
      switch token.kind {
      case .openBrace: level += 1
      case .closeBrace: level -= 1
      case .end: throw failure("missing '}' for '{' at \(open.offset)", at: open)
      default: break
      }
    }
  }

  /// Skips `[2pt]` after `\\`.
  private mutating func skipRowSpacing() {
    skipSpaces()
    guard case .character("[") = current.kind else { return }
    var index = position + 1
    while index < tokens.count - 1 {
      if case .character("]") = tokens[index].kind {
        position = index + 1
        return
      }
      if case .ampersand = tokens[index].kind { return }
      if case .command = tokens[index].kind { return }
      index += 1
      if index - position > 20 { return }
    }
  }

  mutating func environment(_ begin: TeXToken) throws(TeXMath.Failure) -> MathNode {
    let (name, nameStart, nameEnd) = try environmentName(after: begin)
    guard let kind = Self.environments[name] else {
      throw TeXMath.Failure(
        message: "unknown environment '\(name)'", offset: nameStart, length: nameEnd - 1 - nameStart)
    }
    if name == "array" || name == "subarray" { try skipBracedArgument(after: begin) }
    if name == "alignedat" { try skipBracedArgument(after: begin) }
    try enter(begin)
    defer { depth -= 1 }
    openers.append(Opener(kind: .environment(name), token: begin))
    let saved = displayStyle
    displayStyle = kind.displayCells
    defer { displayStyle = saved }
    var rows: [[MathNode]] = []
    var cells: [MathNode] = []
    while true {
      let (nodes, stop) = try parseRow(until: [.ampersand, .rowBreak, .end])
      cells.append(.row(nodes))
      let token = current
      position += 1
      switch stop {
      case .ampersand: continue
      case .rowBreak:
        rows.append(cells)
        cells = []
        skipRowSpacing()
      default:
        let (endName, _, endEnd) = try environmentName(after: token)
        guard endName == name else {
          throw TeXMath.Failure(
            message: "\\end{\(endName)} does not match \\begin{\(name)} at \(begin.offset)", offset: token.offset,
            length: endEnd - token.offset)
        }
        openers.removeLast()
        if !(cells.count == 1 && cells[0] == .row([])) || rows.isEmpty { rows.append(cells) }
        var nodes: [MathNode] = []
        if let open = kind.open { nodes.append(.op(MathOperator(text: open, texClass: .open, stretchy: true))) }
        nodes.append(.table(rows, displayCells: kind.displayCells))
        if let close = kind.close { nodes.append(.op(MathOperator(text: close, texClass: .close, stretchy: true))) }
        return nodes.count == 1 ? nodes[0] : .row(nodes)
      }
    }
  }
}
