/// A Python literal as written in a `.npy` header (`repr` of a dict).
///
/// Grammar (whitespace allowed between tokens):
///
///     value := string | int | True | False | None
///            | "(" items ")" | "[" items "]" | "{" entries "}"
///     items := [value ("," value)* [","]]        // "(x)" alone is x, as in Python
///     entries := [value ":" value ("," value ":" value)* [","]]
///
/// Strings take single or double quotes with the common backslash escapes;
/// ints take an optional sign and Python 2's `L` suffix.
indirect enum PythonLiteral: Equatable {
  case string(String)
  case int(Int)
  case bool(Bool)
  case none
  case tuple([PythonLiteral])
  case list([PythonLiteral])
  case dict([(key: PythonLiteral, value: PythonLiteral)])

  static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
    switch (a, b) {
    case (.string(let x), .string(let y)): return x == y
    case (.int(let x), .int(let y)): return x == y
    case (.bool(let x), .bool(let y)): return x == y
    case (.none, .none): return true
    case (.tuple(let x), .tuple(let y)), (.list(let x), .list(let y)): return x == y
    case (.dict(let x), .dict(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: return false
    }
  }

  /// Parses `text`, which must hold exactly one literal.
  /// - Throws: `PythonLiteral.ParseError` with a message and a character offset.
  static func parse(_ text: String) throws -> PythonLiteral {
    var parser = Parser(Array(text.unicodeScalars))
    let value = try parser.value()
    parser.skipSpace()
    guard parser.atEnd else { throw parser.error("unexpected text after the literal") }
    return value
  }

  struct ParseError: Error {
    let message: String
    let offset: Int
  }

  /// Python's `repr` of the literal, for error messages.
  var pythonDescription: String {
    switch self {
    case .string(let s): return "'\(s)'"
    case .int(let n): return String(n)
    case .bool(let b): return b ? "True" : "False"
    case .none: return "None"
    case .tuple(let items):
      let inner = items.map(\.pythonDescription).joined(separator: ", ")
      return items.count == 1 ? "(\(inner),)" : "(\(inner))"
    case .list(let items): return "[" + items.map(\.pythonDescription).joined(separator: ", ") + "]"
    case .dict(let entries):
      return "{" + entries.map { "\($0.key.pythonDescription): \($0.value.pythonDescription)" }
        .joined(separator: ", ") + "}"
    }
  }
}

private struct Parser {
  let text: [Unicode.Scalar]
  var i = 0

  init(_ text: [Unicode.Scalar]) { self.text = text }

  var atEnd: Bool { i >= text.count }
  var peek: Unicode.Scalar? { atEnd ? nil : text[i] }

  func error(_ message: String) -> PythonLiteral.ParseError {
    PythonLiteral.ParseError(message: message, offset: i)
  }

  mutating func skipSpace() {
    while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1 }
  }

  mutating func value() throws -> PythonLiteral {
    skipSpace()
    guard let c = peek else { throw error("unexpected end of header") }
    switch c {
    case "'", "\"": return .string(try string())
    case "(":
      i += 1
      let (items, sawComma) = try sequence(closing: ")")
      return items.count == 1 && !sawComma ? items[0] : .tuple(items)
    case "[":
      i += 1
      return .list(try sequence(closing: "]").items)
    case "{":
      i += 1
      return .dict(try entries())
    case "-", "+", "0"..."9": return .int(try integer())
    default:
      let word = identifier()
      switch word {
      case "True": return .bool(true)
      case "False": return .bool(false)
      case "None": return .none
      case "": throw error("unexpected character '\(c)'")
      default: throw error("unsupported name '\(word)'")
      }
    }
  }

  /// Items up to `closing`, which is consumed; reports whether any comma was seen.
  mutating func sequence(closing: Unicode.Scalar) throws -> (items: [PythonLiteral], sawComma: Bool) {
    var items = [PythonLiteral]()
    var sawComma = false
    while true {
      skipSpace()
      if peek == closing {
        i += 1
        return (items, sawComma)
      }
      items.append(try value())
      skipSpace()
      if peek == "," {
        i += 1
        sawComma = true
      } else if peek != closing {
        throw error("expected ',' or '\(closing)'")
      }
    }
  }

  mutating func entries() throws -> [(key: PythonLiteral, value: PythonLiteral)] {
    var out = [(key: PythonLiteral, value: PythonLiteral)]()
    while true {
      skipSpace()
      if peek == "}" {
        i += 1
        return out
      }
      let key = try value()
      skipSpace()
      guard peek == ":" else { throw error("expected ':' after a dict key") }
      i += 1
      out.append((key, try value()))
      skipSpace()
      if peek == "," {
        i += 1
      } else if peek != "}" {
        throw error("expected ',' or '}'")
      }
    }
  }

  mutating func string() throws -> String {
    let quote = text[i]
    i += 1
    var out = String.UnicodeScalarView()
    while true {
      guard let c = peek else { throw error("unterminated string") }
      i += 1
      if c == quote { return String(out) }
      if c == "\n" { throw error("newline in a string") }
      guard c == "\\" else {
        out.append(c)
        continue
      }
      guard let e = peek else { throw error("unterminated string") }
      i += 1
      switch e {
      case "n": out.append("\n")
      case "t": out.append("\t")
      case "r": out.append("\r")
      case "0": out.append("\0")
      case "x": out.append(try hexScalar(digits: 2))
      case "u": out.append(try hexScalar(digits: 4))
      case "U": out.append(try hexScalar(digits: 8))
      default: out.append(e)  // \\, \', \" and unknown escapes keep the character
      }
    }
  }

  mutating func hexScalar(digits: Int) throws -> Unicode.Scalar {
    guard i + digits <= text.count,
          let code = UInt32(String(String.UnicodeScalarView(text[i..<(i + digits)])), radix: 16),
          let scalar = Unicode.Scalar(code)
    else { throw error("bad escape in a string") }
    i += digits
    return scalar
  }

  mutating func integer() throws -> Int {
    let start = i
    if peek == "-" || peek == "+" { i += 1 }
    while let c = peek, ("0"..."9").contains(c) { i += 1 }
    let digits = String(String.UnicodeScalarView(text[start..<i]))
    if peek == "L" || peek == "l" { i += 1 }
    guard let n = Int(digits) else { throw PythonLiteral.ParseError(message: "bad integer '\(digits)'", offset: start) }
    return n
  }

  mutating func identifier() -> String {
    let start = i
    while let c = peek, c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) { i += 1 }
    return String(String.UnicodeScalarView(text[start..<i]))
  }
}
