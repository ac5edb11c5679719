/// Prints ``MathNode``s as MathML Core. Every text node and attribute value is escaped,
/// and the output depends only on the tree.
struct MathMLWriter {
  private(set) var output = ""

  /// The whole `<math>` element, with the TeX source as an annotation.
  static func document(_ nodes: [MathNode], tex: String, display: Bool) -> String {
    var writer = MathMLWriter()
    writer.output += "<math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"\(display ? "block" : "inline")\">"
    writer.output += "<semantics><mrow>"
    writer.children(nodes)
    writer.output += "</mrow><annotation encoding=\"application/x-tex\">"
    writer.output += escape(tex)
    writer.output += "</annotation></semantics></math>"
    return writer.output
  }

  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// The nodes of a row, one after another (no `<mrow>` around them).
  private mutating func children(_ nodes: [MathNode]) {
    for (index, node) in nodes.enumerated() {
      if case .applyFunction = node {
        let next = nodes[(index + 1)...].first
        output +=
          Self.thinSpaceAfterFunction(before: next) ? "<mo rspace=\"0.1667em\">\u{2061}</mo>" : "<mo>\u{2061}</mo>"
      } else {
        element(node)
      }
    }
  }

  /// TeX puts a thin space between a function name and an ordinary atom (`\log x`),
  /// none before a bracket, an operator or the end.
  private static func thinSpaceAfterFunction(before next: MathNode?) -> Bool {
    switch next {
    case nil, .op?, .space?, .applyFunction?: false
    case .row(let nodes)?: if case .op(let op)? = nodes.first, op.texClass == .open { false } else { true }
    default: true
    }
  }

  private mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
    output += "<" + name
    for (key, value) in attributes { output += " \(key)=\"\(Self.escape(value))\"" }
    output += ">"
  }

  private mutating func leaf(_ name: String, _ text: String, _ attributes: [(String, String)] = []) {
    open(name, attributes)
    output += Self.escape(text)
    output += "</\(name)>"
  }

  /// Exactly one element: a row of several nodes (or none) inside `<mrow>`.
  private mutating func element(_ node: MathNode) {
    switch node {
    case .identifier(let text, let normal):
      leaf("mi", text, normal ? [("mathvariant", "normal")] : [])
    case .number(let text):
      leaf("mn", text)
    case .op(let op):
      var attributes: [(String, String)] = []
      if let form = op.form { attributes.append(("form", form)) }
      if let stretchy = op.stretchy { attributes.append(("stretchy", stretchy ? "true" : "false")) }
      if let lspace = op.lspace { attributes.append(("lspace", lspace)) }
      if let rspace = op.rspace { attributes.append(("rspace", rspace)) }
      if let size = op.size { attributes += [("minsize", size), ("maxsize", size)] }
      leaf("mo", op.text, attributes)
    case .text(let text):
      leaf("mtext", text)
    case .space(let width):
      output += "<mspace width=\"\(Self.escape(width))\"></mspace>"
    case .row(let nodes):
      if nodes.count == 1, case .applyFunction = nodes[0] {
        output += "<mo>\u{2061}</mo>"
      } else if nodes.count == 1 {
        element(nodes[0])
      } else {
        open("mrow")
        children(nodes)
        output += "</mrow>"
      }
    case .scripts(let base, let sub, let sup, let limits):
      let name: String
      switch (sub, sup) {
      case (_?, _?): name = limits ? "munderover" : "msubsup"
      case (_?, nil): name = limits ? "munder" : "msub"
      default: name = limits ? "mover" : "msup"
      }
      open(name)
      element(base)
      if let sub { element(sub) }
      if let sup { element(sup) }
      output += "</\(name)>"
    case .fraction(let numerator, let denominator, let thickness):
      open("mfrac", thickness.map { [("linethickness", $0)] } ?? [])
      element(numerator)
      element(denominator)
      output += "</mfrac>"
    case .squareRoot(let radicand):
      open("msqrt")
      element(radicand)
      output += "</msqrt>"
    case .root(let radicand, let index):
      open("mroot")
      element(radicand)
      element(index)
      output += "</mroot>"
    case .accent(let base, let mark, let above):
      let name = above ? "mover" : "munder"
      open(name, [(above ? "accent" : "accentunder", "true")])
      element(base)
      element(.op(mark))
      output += "</\(name)>"
    case .table(let rows, let displayCells):
      open("mtable")
      for row in rows {
        open("mtr")
        for cell in row {
          open("mtd", displayCells ? [("displaystyle", "true")] : [])
          if case .row(let nodes) = cell { children(nodes) } else { element(cell) }
          output += "</mtd>"
        }
        output += "</mtr>"
      }
      output += "</mtable>"
    case .style(let inner, let display, let scriptLevel):
      var attributes = [("displaystyle", display ? "true" : "false")]
      if let scriptLevel { attributes.append(("scriptlevel", String(scriptLevel))) }
      open("mstyle", attributes)
      if case .row(let nodes) = inner { children(nodes) } else { element(inner) }
      output += "</mstyle>"
    case .phantom(let inner):
      open("mphantom")
      element(inner)
      output += "</mphantom>"
    case .padded(let inner, let zeroWidth, let zeroHeight):
      open("mpadded", zeroWidth ? [("width", "0")] : zeroHeight ? [("height", "0"), ("depth", "0")] : [])
      element(inner)
      output += "</mpadded>"
    case .applyFunction:
      output += "<mo>\u{2061}</mo>"
    }
  }
}
