/// Recursive-descent parser from TeX tokens to ``MathNode``s. Nesting is capped at
/// ``TeXParser/maximumDepth`` levels and every token is read once, so hostile input
/// fails fast instead of exhausting the stack.
struct TeXParser {
  static let maximumDepth = 64

  /// What ends a row; which ones a row accepts depends on what opened it.
  enum Stop: Hashable { case endOfInput, closeBrace, closeBracket, right, middle, end, ampersand, rowBreak }

  /// An open construct, for "missing …" messages.
  struct Opener {
    enum Kind: Equatable { case brace, bracket, left, environment(String) }
    var kind: Kind
    var token: TeXToken
  }

  /// A parsed atom before its scripts are attached.
  struct Atom {
    var node: MathNode
    enum Limits { case never, inDisplay, always }
    var limits: Limits = .never
    /// A named function (`\log`): U+2061 follows the atom and its scripts.
    var isFunction = false
  }

  let scalars: [Unicode.Scalar]
  let tokens: [TeXToken]
  var position = 0
  var depth = 0
  var openers: [Opener] = []
  /// Whether the current row is set in display style (limits under and over).
  var displayStyle: Bool
  /// The font of `\mathbf{…}` and friends while their argument is parsed.
  var font: MathFont? = nil

  init(scalars: [Unicode.Scalar], tokens: [TeXToken], display: Bool) {
    self.scalars = scalars
    self.tokens = tokens
    self.displayStyle = display
  }

  mutating func parseFormula() throws(TeXMath.Failure) -> [MathNode] {
    try parseRow(until: [.endOfInput]).nodes
  }

  // MARK: - Tokens

  var current: TeXToken { tokens[position] }

  mutating func skipSpaces() {
    while case .space = tokens[position].kind { position += 1 }
  }

  /// The next non-space token, consumed.
  mutating func next() -> TeXToken {
    skipSpaces()
    let token = tokens[position]
    if token.kind != .end { position += 1 }
    return token
  }

  func failure(_ message: String, at token: TeXToken) -> TeXMath.Failure {
    TeXMath.Failure(message: message, offset: token.offset, length: max(1, token.length))
  }

  /// One level deeper (`defer { depth -= 1 }` after it), or a failure at `token` past the maximum.
  mutating func enter(_ token: TeXToken) throws(TeXMath.Failure) {
    guard depth < Self.maximumDepth else {
      throw failure("nesting deeper than \(Self.maximumDepth) levels", at: token)
    }
    depth += 1
  }

  // MARK: - Rows

  private func stop(of token: TeXToken, accepting stops: Set<Stop>) -> Stop? {
    switch token.kind {
    case .end: .endOfInput
    case .closeBrace: .closeBrace
    case .ampersand: .ampersand
    case .command("\\"), .command("cr"), .command("newline"): .rowBreak
    case .command("right"): .right
    case .command("middle"): .middle
    case .command("end"): .end
    case .character("]") where stops.contains(.closeBracket): .closeBracket
    default: nil
    }
  }

  /// Atoms up to one of `stops`, which is left unconsumed. Style switches (`\displaystyle`)
  /// and old font switches (`\rm`) apply to the rest of the row.
  mutating func parseRow(until stops: Set<Stop>) throws(TeXMath.Failure) -> (nodes: [MathNode], stop: Stop) {
    let (savedDisplay, savedFont, savedDepth) = (displayStyle, font, depth)
    defer { (displayStyle, font, depth) = (savedDisplay, savedFont, savedDepth) }
    var nodes: [MathNode] = []
    var styleSwitches: [(index: Int, display: Bool, scriptLevel: Int?)] = []
    while true {
      skipSpaces()
      let token = current
      if let stop = stop(of: token, accepting: stops) {
        guard stops.contains(stop) else { throw misplaced(stop, at: token) }
        for change in styleSwitches.reversed() {
          let wrapped = MathNode.style(
            .row(Self.spaced(Array(nodes[change.index...]))), display: change.display, scriptLevel: change.scriptLevel)
          nodes.replaceSubrange(change.index..., with: [wrapped])
        }
        return (Self.spaced(nodes), stop)
      }
      if case .command(let name) = token.kind, let style = Self.styles[name] {
        position += 1
        try enter(token)  // the row's end restores the depth
        displayStyle = style.display
        styleSwitches.append((nodes.count, style.display, style.scriptLevel))
        continue
      }
      if case .command(let name) = token.kind, ["rm", "bf", "it", "sf", "tt", "cal"].contains(name) {
        position += 1
        font = MathFont(command: name)
        continue
      }
      try parseAtom(into: &nodes)
    }
  }

  static let styles: [String: (display: Bool, scriptLevel: Int?)] = [
    "displaystyle": (true, 0), "textstyle": (false, 0), "scriptstyle": (false, 1), "scriptscriptstyle": (false, 2),
  ]

  /// The failure for a row end that the row does not accept.
  private func misplaced(_ stop: Stop, at token: TeXToken) -> TeXMath.Failure {
    let innermost = openers.last
    let inEnvironment = openers.contains { if case .environment = $0.kind { true } else { false } }
    let inLeft = openers.contains { $0.kind == .left }
    func unclosed(_ opener: Opener) -> TeXMath.Failure {
      switch opener.kind {
      case .brace: failure("missing '}' for '{' at \(opener.token.offset)", at: opener.token)
      case .bracket: failure("missing ']' for '[' at \(opener.token.offset)", at: opener.token)
      case .left: failure("\\left without \\right", at: opener.token)
      case .environment(let name): failure("missing \\end{\(name)} for \\begin{\(name)}", at: opener.token)
      }
    }
    switch stop {
    case .endOfInput, .closeBracket:
      return innermost.map(unclosed) ?? failure("unexpected end", at: token)
    case .closeBrace:
      return innermost.map(unclosed) ?? failure("unmatched '}'", at: token)
    case .ampersand, .rowBreak:
      let what = stop == .ampersand ? "'&'" : "'\\\\'"
      return inEnvironment
        ? failure("misplaced \(what) (inside a group or \\left…\\right)", at: token)
        : failure("\(what) outside an environment", at: token)
    case .right:
      return inLeft ? innermost.map(unclosed)! : failure("\\right without \\left", at: token)
    case .middle:
      return inLeft ? innermost.map(unclosed)! : failure("\\middle outside \\left…\\right", at: token)
    case .end:
      return inEnvironment ? innermost.map(unclosed)! : failure("\\end without \\begin", at: token)
    }
  }

  /// TeX's rule that a binary operator with nothing to combine (`-x`, `(+1)`, `= -b`)
  /// is an ordinary symbol: such operators get no space on either side.
  static func spaced(_ nodes: [MathNode]) -> [MathNode] {
    var result = nodes
    var previous: (index: Int, texClass: MathOperator.TeXClass)? = nil
    for (index, node) in result.enumerated() {
      if case .space = node { continue }
      var texClass = Self.texClass(of: node)
      if texClass == .binary {
        switch previous?.texClass {
        case nil, .binary, .largeOperator, .relation, .open, .punctuation: texClass = .ordinary
        default: break
        }
      }
      if let previous, previous.texClass == .binary, [.relation, .close, .punctuation].contains(texClass) {
        result[previous.index] = unspaced(result[previous.index])
      }
      if texClass == .ordinary, Self.texClass(of: node) == .binary { result[index] = unspaced(node) }
      previous = (index, texClass)
    }
    if let previous, previous.texClass == .binary { result[previous.index] = unspaced(result[previous.index]) }
    return result
  }

  private static func unspaced(_ node: MathNode) -> MathNode {
    guard case .op(var op) = node else { return node }
    op.lspace = "0"
    op.rspace = "0"
    return .op(op)
  }

  static func texClass(of node: MathNode) -> MathOperator.TeXClass {
    switch node {
    case .op(let op): op.texClass
    case .scripts(let base, _, _, _): texClass(of: base)
    case .applyFunction: .largeOperator
    default: .ordinary
    }
  }

  // MARK: - Atoms and scripts

  /// One atom with its sub- and superscripts and primes (`x_i^2`, `f''`, `\sum_{i=1}^n`).
  mutating func parseAtom(into nodes: inout [MathNode]) throws(TeXMath.Failure) {
    let token = current
    var atom: Atom
    switch token.kind {
    case .superscript, .subscript, .prime: atom = Atom(node: .row([]))
    default:
      guard let parsed = try parsePrimary() else { return }
      atom = parsed
    }
    var sub: MathNode? = nil
    var sup: [MathNode]? = nil
    var primesOnly = false
    while true {
      skipSpaces()
      let token = current
      switch token.kind {
      case .prime:
        if sup != nil && !primesOnly { throw failure("double superscript", at: token) }
        var count = 0
        while case .prime = current.kind {
          count += 1
          position += 1
        }
        let mark = ["′", "″", "‴", "⁗"][min(count, 4) - 1] + String(repeating: "′", count: max(0, count - 4))
        sup = (sup ?? []) + [.op(MathOperator(text: mark, texClass: .ordinary))]
        primesOnly = true
      case .superscript:
        if sup != nil && !primesOnly { throw failure("double superscript", at: token) }
        position += 1
        let argument = try scriptArgument(for: token, name: "'^'")
        sup = (sup ?? []) + [argument]
        primesOnly = false
      case .subscript:
        if sub != nil { throw failure("double subscript", at: token) }
        position += 1
        sub = try scriptArgument(for: token, name: "'_'")
      case .command(let name) where ["limits", "nolimits", "displaylimits"].contains(name):
        guard atom.limits != .never || Self.texClass(of: atom.node) == .largeOperator else {
          throw failure("\\\(name) must follow an operator", at: token)
        }
        position += 1
        atom.limits = name == "limits" ? .always : name == "nolimits" ? .never : .inDisplay
      default:
        if sub == nil && sup == nil {
          nodes.append(atom.node)
        } else {
          let limits = atom.limits == .always || (atom.limits == .inDisplay && displayStyle)
          let supNode = sup.map { $0.count == 1 ? $0[0] : MathNode.row($0) }
          nodes.append(.scripts(base: atom.node, sub: sub, sup: supNode, limits: limits))
        }
        if atom.isFunction { nodes.append(.applyFunction) }
        return
      }
    }
  }

  /// The argument of a command or script: a braced group or a single token
  /// (`\frac12` is ½, `x^23` is x² 3).
  mutating func parseArgument(for command: TeXToken, name: String) throws(TeXMath.Failure) -> MathNode {
    skipSpaces()
    let token = current
    switch token.kind {
    case .end, .closeBrace, .ampersand, .superscript, .subscript, .prime:
      throw failure("missing argument for \(name)", at: command)
    case .command(let commandName) where ["\\", "right", "middle", "end", "cr", "newline"].contains(commandName):
      throw failure("missing argument for \(name)", at: command)
    default:
      break
    }
    if case .openBrace = token.kind { return try parseGroup() }
    try enter(token)
    defer { depth -= 1 }
    return try parsePrimary(single: true)?.node ?? .row([])
  }

  /// `{…}` at the current token: a row.
  mutating func parseGroup() throws(TeXMath.Failure) -> MathNode {
    let open = next()
    try enter(open)
    defer { depth -= 1 }
    openers.append(Opener(kind: .brace, token: open))
    let row = try parseRow(until: [.closeBrace]).nodes
    openers.removeLast()
    position += 1
    return .row(row)
  }

  /// A braced argument as a list of nodes (no row wrapper), with `font` applied.
  mutating func parseArgumentNodes(
    for command: TeXToken, name: String, font: MathFont?
  ) throws(TeXMath.Failure) -> [MathNode] {
    let savedFont = self.font
    self.font = font ?? self.font
    defer { self.font = savedFont }
    let node = try parseArgument(for: command, name: name)
    if case .row(let nodes) = node { return nodes }
    return [node]
  }

  /// One atom without scripts, or nil where the token produced nothing (`\label{…}`).
  /// `single` reads one digit rather than a whole number (arguments such as `\frac12`).
  mutating func parsePrimary(single: Bool = false) throws(TeXMath.Failure) -> Atom? {
    skipSpaces()
    let token = current
    switch token.kind {
    case .openBrace:
      return Atom(node: try parseGroup())
    case .character(let c):
      position += 1
      return character(c, token: token, single: single)
    case .command(let name):
      position += 1
      return try command(name, token: token)
    default:
      throw failure("unexpected token", at: token)
    }
  }

  // MARK: - Characters

  private mutating func character(_ c: Unicode.Scalar, token: TeXToken, single: Bool) -> Atom {
    if ("0"..."9").contains(c) {
      var text = String(c)
      if !single {
        var sawPoint = false
        while case .character(let d) = current.kind {
          if ("0"..."9").contains(d) {
            text.unicodeScalars.append(d)
          } else if d == ".", !sawPoint, case .character(let after) = tokens[position + 1].kind,
            ("0"..."9").contains(after)
          {
            sawPoint = true
            text.unicodeScalars.append(d)
          } else {
            break
          }
          position += 1
        }
      }
      return Atom(node: .number(styled(text)))
    }
    if c == "~" { return Atom(node: .space(width: "0.3333em")) }
    if let limits = TeXSymbols.largeOperatorCharacter(c) {
      return Atom(
        node: .op(MathOperator(text: String(c), texClass: .largeOperator)), limits: limits ? .inDisplay : .never)
    }
    if c.properties.isAlphabetic {
      return Atom(node: identifier(String(c), upright: (0x391...0x3A9).contains(c.value)))
    }
    let (text, texClass) = TeXSymbols.operatorCharacter(c)
    return Atom(node: Self.symbol(text, texClass))
  }

  /// A symbol as `<mo>`: brackets typed bare do not stretch, `|` and `‖` have no space,
  /// `:` is spaced as TeX's relation. Ordinary symbols that MathML's operator dictionary
  /// does not know (`/`, `#`, `%`) are `<mi>`, which has no operator spacing.
  static func symbol(_ text: String, _ texClass: MathOperator.TeXClass) -> MathNode {
    if texClass == .ordinary && !ordinaryOperators.contains(text) { return .identifier(text, normal: false) }
    var op = MathOperator(text: text, texClass: texClass)
    if ["(", ")", "[", "]", "{", "}", "|", "‖", "⟨", "⟩", "⌊", "⌋", "⌈", "⌉", "⟮", "⟯"].contains(text) {
      op.stretchy = false
      if text == "|" || text == "‖" {
        op.lspace = "0"
        op.rspace = "0"
      }
    }
    if text == ":" {
      op.lspace = texClass == .relation ? "0.2778em" : "0"
      op.rspace = texClass == .relation ? "0.2778em" : "0.1667em"
    }
    return .op(op)
  }

  /// Ordinary symbols kept as `<mo>`: fences and symbols the operator dictionary spaces as TeX does.
  static let ordinaryOperators: Set<String> = [
    "|", "‖", "∀", "∃", "∄", "¬", "…", "⋯", "⋮", "⋱", "∴", "∵", "↑", "↓", "⇑", "⇓",
  ]

  /// Letters and digits in the current font.
  func styled(_ text: String) -> String {
    guard let font else { return text }
    var out = ""
    for scalar in text.unicodeScalars { out.unicodeScalars.append(font.apply(scalar)) }
    return out
  }

  /// `<mi>` for a letter in the current font; `upright` for letters TeX sets upright (Γ).
  func identifier(_ text: String, upright: Bool) -> MathNode {
    switch font {
    case nil: .identifier(text, normal: upright && text.unicodeScalars.count == 1)
    case .roman: .identifier(text, normal: text.unicodeScalars.count == 1)
    default: .identifier(styled(text), normal: false)
    }
  }
}
