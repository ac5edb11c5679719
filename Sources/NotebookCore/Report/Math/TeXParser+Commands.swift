/// Commands: symbols, fractions, roots, fonts, text, accents, delimiters and spacing.
extension TeXParser {
  mutating func command(_ name: String, token: TeXToken) throws(TeXMath.Failure) -> Atom? {
    if let symbol = TeXSymbols.symbols[name] {
      switch symbol {
      case .identifier(let text, let normal): return Atom(node: identifier(text, upright: normal))
      case .op(let text, let texClass): return Atom(node: Self.symbol(text, texClass))
      case .largeOperator(let text, let limits):
        return Atom(node: .op(MathOperator(text: text, texClass: .largeOperator)), limits: limits ? .inDisplay : .never)
      }
    }
    if let function = TeXSymbols.functions[name] {
      return Atom(
        node: .identifier(function.text, normal: false), limits: function.limits ? .inDisplay : .never, isFunction: true
      )
    }
    if let width = TeXSymbols.spaces[name] { return Atom(node: .space(width: width)) }
    if let accent = TeXSymbols.accents[name] {
      let base = try parseArgument(for: token, name: "\\" + name)
      let mark = MathOperator(text: accent.mark, texClass: .ordinary, stretchy: accent.stretchy)
      let isBrace = name == "overbrace" || name == "underbrace"
      return Atom(node: .accent(base, mark: mark, above: accent.above), limits: isBrace ? .always : .never)
    }
    if let big = TeXSymbols.bigDelimiter(name) {
      var op = try delimiter(after: token, name: name) ?? MathOperator(text: "", texClass: big.texClass)
      op.texClass = big.texClass
      op.stretchy = true
      op.size = big.size
      return Atom(node: .op(op))
    }
    if let font = MathFont(command: name) {
      if name.hasPrefix("text") { return Atom(node: .text(try text(after: token, name: name, font: font))) }
      let nodes = try parseArgumentNodes(for: token, name: "\\" + name, font: font)
      return Atom(node: .row(font == .roman ? Self.joinedLetters(nodes) : nodes))
    }
    switch name {
    case "text", "mbox", "hbox":
      return Atom(node: .text(try text(after: token, name: name, font: nil)))
    case "operatorname", "operatornamewithlimits":
      var limits = name == "operatornamewithlimits"
      skipSpaces()
      if case .character("*") = current.kind {
        position += 1
        limits = true
      }
      let nodes = Self.joinedLetters(try parseArgumentNodes(for: token, name: "\\" + name, font: .roman))
      let node: MathNode = nodes.count == 1 ? nodes[0] : .row(nodes)
      return Atom(node: node, limits: limits ? .inDisplay : .never, isFunction: true)
    case "mathop":
      let node = try parseArgument(for: token, name: "\\mathop")
      return Atom(node: node, limits: .inDisplay, isFunction: true)
    case "frac", "dfrac", "tfrac", "cfrac", "binom", "dbinom", "tbinom":
      return Atom(node: try fraction(name, token: token))
    case "sqrt":
      return Atom(node: try squareRoot(token))
    case "left":
      return Atom(node: try leftRight(token))
    case "not":
      return Atom(node: .op(try negated(token)))
    case "overset", "underset", "stackrel":
      let mark = try scriptArgument(for: token, name: "\\" + name)
      let base = try parseArgument(for: token, name: "\\" + name)
      let over = name != "underset"
      return Atom(node: .scripts(base: base, sub: over ? nil : mark, sup: over ? mark : nil, limits: true))
    case "phantom":
      return Atom(node: .phantom(try parseArgument(for: token, name: "\\phantom")))
    case "hphantom", "vphantom":
      let inner = MathNode.phantom(try parseArgument(for: token, name: "\\" + name))
      return Atom(node: .padded(inner, zeroWidth: name == "vphantom", zeroHeight: name == "hphantom"))
    case "begin":
      return Atom(node: try environment(token))
    case "bmod", "mod":
      return Atom(node: .op(MathOperator(text: "mod", texClass: .binary)))
    case "pmod":
      let argument = try parseArgument(for: token, name: "\\pmod")
      return Atom(
        node: .row([
          .space(width: "1em"), .op(Self.parenthesis("(")), .identifier("mod", normal: false),
          .space(width: "0.3333em"), argument, .op(Self.parenthesis(")")),
        ]))
    case "xrightarrow", "xleftarrow":
      let label = try scriptArgument(for: token, name: "\\" + name)
      let arrow = MathOperator(text: name == "xrightarrow" ? "→" : "←", texClass: .relation, stretchy: true)
      return Atom(node: .scripts(base: .op(arrow), sub: nil, sup: label, limits: true))
    case "substack":
      return Atom(node: try substack(token))
    case "nonumber", "notag", "hline", "hdashline", "mathstrut", "strut", "relax", "allowbreak":
      return nil
    case "label":
      _ = try text(after: token, name: name, font: nil)
      return nil
    case "tag":
      throw failure("\\tag is not supported in inline or block math", at: token)
    case "limits", "nolimits", "displaylimits":
      throw failure("\\\(name) must follow an operator", at: token)
    default:
      throw failure("unknown command \\\(name)", at: token)
    }
  }

  /// Runs of single upright letters as one `<mi>` (`\mathrm{ReLU}`, `\operatorname{TopK}`).
  static func joinedLetters(_ nodes: [MathNode]) -> [MathNode] {
    var result: [MathNode] = []
    var word = ""
    func flush() {
      guard !word.isEmpty else { return }
      result.append(.identifier(word, normal: word.unicodeScalars.count == 1))
      word = ""
    }
    for node in nodes {
      if case .identifier(let text, let normal) = node, normal || text.unicodeScalars.count > 1 {
        word += text
      } else {
        flush()
        result.append(node)
      }
    }
    flush()
    return result
  }

  /// An argument set out of display style: scripts, `\overset{a}`, fraction parts.
  mutating func scriptArgument(for token: TeXToken, name: String) throws(TeXMath.Failure) -> MathNode {
    let saved = displayStyle
    displayStyle = false
    defer { displayStyle = saved }
    return try parseArgument(for: token, name: name)
  }

  private mutating func fraction(_ name: String, token: TeXToken) throws(TeXMath.Failure) -> MathNode {
    let numerator = try scriptArgument(for: token, name: "\\" + name)
    let denominator = try scriptArgument(for: token, name: "\\" + name)
    let isBinom = name.hasSuffix("binom")
    var node = MathNode.fraction(numerator, denominator, thickness: isBinom ? "0" : nil)
    if isBinom {
      node = .row([
        .op(MathOperator(text: "(", texClass: .open, stretchy: true)), node,
        .op(MathOperator(text: ")", texClass: .close, stretchy: true)),
      ])
    }
    switch name.first {
    case "d", "c": return .style(node, display: true, scriptLevel: 0)
    case "t": return .style(node, display: false, scriptLevel: 0)
    default: return node
    }
  }

  static func parenthesis(_ text: String) -> MathOperator {
    MathOperator(text: text, texClass: text == "(" ? .open : .close, stretchy: false)
  }

  /// `\substack{i < n \\ j < m}`: lines under a large operator.
  private mutating func substack(_ token: TeXToken) throws(TeXMath.Failure) -> MathNode {
    let open = next()
    guard open.kind == .openBrace else {
      throw failure("missing argument for \\substack", at: open.kind == .end ? token : open)
    }
    try enter(open)
    defer { depth -= 1 }
    openers.append(Opener(kind: .brace, token: open))
    var rows: [[MathNode]] = []
    while true {
      let (nodes, stop) = try parseRow(until: [.rowBreak, .closeBrace])
      rows.append([.row(nodes)])
      position += 1
      if stop == .closeBrace { break }
    }
    openers.removeLast()
    return .table(rows, displayCells: false)
  }

  /// `\sqrt{x}` or `\sqrt[n]{x}`.
  private mutating func squareRoot(_ token: TeXToken) throws(TeXMath.Failure) -> MathNode {
    skipSpaces()
    var index: MathNode? = nil
    if case .character("[") = current.kind {
      let open = current
      position += 1
      try enter(open)
      defer { depth -= 1 }
      openers.append(Opener(kind: .bracket, token: open))
      let saved = displayStyle
      displayStyle = false
      index = .row(try parseRow(until: [.closeBracket]).nodes)
      displayStyle = saved
      openers.removeLast()
      position += 1
    }
    let radicand = try parseArgument(for: token, name: "\\sqrt")
    return index.map { .root(radicand, index: $0) } ?? .squareRoot(radicand)
  }

  /// The delimiter after `\left`, `\right`, `\middle` or `\big`; nil for `.`.
  mutating func delimiter(after command: TeXToken, name: String) throws(TeXMath.Failure) -> MathOperator? {
    let token = next()
    switch token.kind {
    case .character("."): return nil
    case .character(let c) where TeXSymbols.delimiterCharacters.contains(c):
      let text = c == "<" ? "⟨" : c == ">" ? "⟩" : String(c)
      return MathOperator(text: text, texClass: TeXSymbols.operatorCharacter(c).1, stretchy: true)
    case .command(let delimiterName):
      if let text = TeXSymbols.delimiters[delimiterName] {
        return MathOperator(text: text, texClass: .ordinary, stretchy: true)
      }
      let arrows = ["uparrow": "↑", "downarrow": "↓", "Uparrow": "⇑", "Downarrow": "⇓", "backslash": "\\"]
      if let text = arrows[delimiterName] { return MathOperator(text: text, texClass: .ordinary, stretchy: true) }
    default: break
    }
    throw failure("missing delimiter after \\\(name)", at: token.kind == .end ? command : token)
  }

  /// `\left( … \middle| … \right)`: a row whose fences stretch over its content.
  private mutating func leftRight(_ token: TeXToken) throws(TeXMath.Failure) -> MathNode {
    var nodes: [MathNode] = []
    if var open = try delimiter(after: token, name: "left") {
      open.texClass = .open
      nodes.append(.op(open))
    }
    try enter(token)
    defer { depth -= 1 }
    openers.append(Opener(kind: .left, token: token))
    while true {
      let (body, stop) = try parseRow(until: [.right, .middle])
      nodes += body
      let command = current
      position += 1
      if stop == .right {
        openers.removeLast()
        if var close = try delimiter(after: command, name: "right") {
          close.texClass = .close
          nodes.append(.op(close))
        }
        return .row(nodes)
      }
      if var middle = try delimiter(after: command, name: "middle") {
        middle.texClass = .relation
        nodes.append(.op(middle))
      }
    }
  }

  /// `\not=`, `\not\in`: the negated relation.
  private mutating func negated(_ token: TeXToken) throws(TeXMath.Failure) -> MathOperator {
    let target = next()
    var text: String? = nil
    switch target.kind {
    case .character(let c): text = TeXSymbols.operatorCharacter(c).0
    case .command(let name):
      if case .op(let symbol, _)? = TeXSymbols.symbols[name] { text = symbol }
    default: break
    }
    guard let text, !text.isEmpty else { throw failure("\\not must come before a relation", at: token) }
    let negations = [
      "=": "≠", "<": "≮", ">": "≯", "∈": "∉", "≤": "≰", "≥": "≱", "⊂": "⊄", "⊆": "⊈", "⊃": "⊅", "⊇": "⊉",
      "≡": "≢", "∼": "≁", "≈": "≉", "∣": "∤", "|": "∤", "∥": "∦", "≃": "≄", "≅": "≇", "∋": "∌",
    ]
    return MathOperator(text: negations[text] ?? text + "\u{338}", texClass: .relation)
  }

  /// The braced text of `\text{…}`, `\textbf{…}` or `\label{…}`, spaces kept (as no-break
  /// spaces, which MathML does not trim) and escapes such as `\%` resolved.
  private mutating func text(after command: TeXToken, name: String, font: MathFont?) throws(TeXMath.Failure) -> String {
    let open = next()
    guard open.kind == .openBrace else {
      throw failure("missing argument for \\\(name)", at: open.kind == .end ? command : open)
    }
    var out = ""
    var level = 1
    func append(_ scalar: Unicode.Scalar) {
      out.unicodeScalars.append(font.map { $0 == .roman ? scalar : $0.apply(scalar) } ?? scalar)
    }
    while true {
      let token = tokens[position]
      position += 1
      switch token.kind {
      case .end: throw failure("missing '}' for '{' at \(open.offset)", at: open)
      case .openBrace: level += 1
      case .closeBrace:
        level -= 1
        if level == 0 { return out }
      case .space: out += "\u{A0}"
      case .command(let escaped) where ["%", "&", "_", "#", "$", "{", "}", " "].contains(escaped):
        out += escaped == " " ? "\u{A0}" : escaped
      case .command("textbackslash"): out += "\\"
      case .command(let other): throw failure("\\\(other) is not supported in \\\(name)", at: token)
      default:
        for offset in token.offset..<(token.offset + token.length) { append(scalars[offset]) }
      }
    }
  }
}
