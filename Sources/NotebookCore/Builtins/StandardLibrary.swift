import Foundation

/// `print`, math, conversions, formatting and array basics.
enum StandardLibrary {
  static func register(_ r: inout Registry) {
    r.add(Builtin("print", [.positional("items", .any, "values to print, separated by spaces")], returns: .void,
                  doc: "Prints values on one line of the cell's output, separated by spaces.", variadic: true) { args, context in
      context.emit(.text(args.variadic.map(\.text).joined(separator: " ")))
      return .void
    })
    let math: [(String, String, @Sendable (Double) -> Double)] = [
      ("sqrt", "Square root.", { $0.squareRoot() }),
      ("log", "Natural logarithm.", { Foundation.log($0) }),
      ("log10", "Base-10 logarithm.", { Foundation.log10($0) }),
      ("exp", "e raised to the power x.", { Foundation.exp($0) }),
      ("abs", "Absolute value.", { Swift.abs($0) }),
    ]
    for (name, doc, f) in math {
      r.add(Builtin(name, [.positional("x", .double, "the argument")], returns: .double, doc: doc) { args, _ in
        .double(f(try args.double("x")))
      })
    }
    r.add(Builtin("pow", [.positional("base", .double, "the base"), .positional("exponent", .double, "the exponent")],
                  returns: .double, doc: "base raised to the power exponent.") { args, _ in
      .double(Foundation.pow(try args.double("base"), try args.double("exponent")))
    })
    for (name, pick) in [("min", true), ("max", false)] {
      r.add(Builtin(name, [.positional("a", .double, "first value"), .positional("b", .double, "second value")],
                    returns: .double, doc: "The \(pick ? "smaller" : "larger") of two numbers (Int when both are Int).",
                    returnType: { types in types.allSatisfy { $0 == .int } ? .int : .double }) { args, _ in
        if case .int(let a)? = args.values["a"], case .int(let b)? = args.values["b"] { return .int(pick ? Swift.min(a, b) : Swift.max(a, b)) }
        let a = try args.double("a"), b = try args.double("b")
        return .double(pick ? Swift.min(a, b) : Swift.max(a, b))
      })
    }
    let reductions: [(String, String, @Sendable ([Double]) -> Double)] = [
      ("sum", "Sum of the numbers (0 for an empty array).", { $0.reduce(0, +) }),
      ("mean", "Arithmetic mean of the numbers.", { $0.reduce(0, +) / Double($0.count) }),
      ("minimum", "The smallest of the numbers.", { $0.min()! }),
      ("maximum", "The largest of the numbers.", { $0.max()! }),
    ]
    for (name, doc, f) in reductions {
      r.add(Builtin(name, [.positional("values", .array(.double), "numbers")], returns: .double, doc: doc) { args, _ in
        let xs = try args.doubles("values")
        if xs.isEmpty && name != "sum" { throw RuntimeError("'\(name)' of an empty array", argument: "values") }
        return .double(f(xs))
      })
    }
    r.add(Builtin("log10s", [.positional("values", .array(.double), "numbers"),
                             .labeled("offset", .double, default: .value(.double(0)), "added before the logarithm (e.g. 1e-10)")],
                  returns: .array(.double), doc: "Element-wise log10(x + offset) of an array.") { args, _ in
      let offset = try args.double("offset")
      return .array(try args.doubles("values").map { .double(Foundation.log10($0 + offset)) })
    })
    r.add(Builtin("Double", [.positional("value", .double, "a number")], returns: .double, doc: "Converts a number to Double.") { args, _ in
      .double(try args.double("value"))
    })
    r.add(Builtin("Int", [.positional("value", .double, "a number")], returns: .int,
                  doc: "Converts a number to Int, rounding toward zero; an error when it does not fit.") { args, _ in
      let d = try args.double("value")
      guard let i = Int(exactly: d.rounded(.towardZero)) else { throw RuntimeError("\(d) does not fit in an Int", argument: "value") }
      return .int(i)
    })
    NumberStyle.register(&r)
    r.add(Builtin("format", [.positional("value", .double, "a number"),
                             .labeled("digits", .int, default: .value(.int(4)), "digits after the decimal point (.fixed, .scientific) or significant digits (.automatic)"),
                             .labeled("style", .record(NumberStyle.typeName), default: .expression(".fixed"),
                                      "how to write it: .fixed (0.1235), .scientific (1.235e-12) or .automatic (fixed for 0.001 ≤ |x| < 10⁶, else scientific)")],
                  returns: .string,
                  doc: "Formats a number, e.g. format(0.12345, digits: 2) is \"0.12\", format(1e-12, style: .scientific) is \"1.0000e-12\"; in a string, \"\\(x, digits: 2)\" is the same.") { args, _ in
      let digits = try args.int("digits")
      guard (0...17).contains(digits) else { throw RuntimeError("digits must be between 0 and 17, got \(digits)", argument: "digits") }
      return .string(try NumberStyle(args.values["style"]).format(try args.double("value"), digits: digits))
    })
    r.add(Builtin("measured", [.positional("value", .any, "a number, or text already formatted (e.g. from stats.summary)"),
                               .labeled("digits", .int, default: .value(.int(2)), "digits after the decimal point, for a number")],
                  returns: .string,
                  doc: "A wall-clock measurement as text, formatted like format(…): the report underlines it, and notebook diff shows it but does not compare it, since it changes from render to render while the results do not.") { args, _ in
      switch args.values["value"] {
      case .string(let text)?: return .string(MeasuredText.wrap(text))
      case .int, .double:
        let digits = try args.int("digits")
        guard (0...17).contains(digits) else { throw RuntimeError("digits must be between 0 and 17, got \(digits)", argument: "digits") }
        return .string(MeasuredText.wrap(String(format: "%.\(digits)f", try args.double("value"))))
      default: throw RuntimeError("measured needs a number or a String", argument: "value")
      }
    })
    r.addMethod(Builtin("append", [.positional("element", .any, "the element to add at the end")], returns: .void,
                  doc: "Adds an element at the end of a 'var' array.") { args, _ in
      guard case .array(let items)? = args.receiver, let element = args.values["element"] else { throw RuntimeError("append needs an array") }
      return .array(items + [element])
    }.mutatingMethod(), on: .array(.any))
    let count = Property(receiver: .array(.any), name: "count", type: .int, doc: "Number of elements.") { v in
      .int(v.elementCount ?? 0)
    }
    r.addProperty(count)
    r.addProperty(Property(receiver: .range, name: "count", type: .int, doc: "Number of integers in the range.") { v in
      .int(v.elementCount ?? 0)
    })
    r.addProperty(Property(receiver: .string, name: "count", type: .int, doc: "Number of characters.") { v in
      guard case .string(let s) = v else { return .int(0) }
      return .int(s.count)
    })
  }
}

extension Builtin {
  func mutatingMethod() -> Builtin {
    var copy = self
    copy.mutating = true
    return copy
  }
}

/// How `format` writes a number: the `NumberStyle` values `.fixed`, `.scientific`, `.automatic`.
enum NumberStyle: String, CaseIterable {
  case fixed, scientific, automatic
  static let typeName = "NumberStyle"

  var value: Value { .record(Record(Self.typeName, [(name: "name", value: .string(rawValue))])) }

  init(_ value: Value?) throws {
    guard let value else { self = .fixed; return }  // the default
    guard case .record(let r) = value, case .string(let name)? = r["name"], let style = NumberStyle(rawValue: name) else {
      throw RuntimeError("style must be .fixed, .scientific or .automatic", argument: "style")
    }
    self = style
  }

  func format(_ x: Double, digits: Int) -> String {
    switch self {
    case .fixed: return String(format: "%.\(digits)f", x)
    case .scientific: return String(format: "%.\(digits)e", x)
    case .automatic:
      let magnitude = abs(x)
      if magnitude == 0 || (magnitude >= 1e-3 && magnitude < 1e6) { return String(format: "%.\(digits)g", x) }
      return String(format: "%.\(max(digits - 1, 0))e", x)
    }
  }

  static func register(_ r: inout Registry) {
    r.addRecord(RecordType(typeName, doc: "How format writes a number: .fixed, .scientific or .automatic.",
                           fields: [(name: "name", type: .string, doc: "the style's name")]))
    for style in allCases {
      r.addImplicitMember(Builtin(style.rawValue, [], returns: .record(typeName), doc: {
        switch style {
        case .fixed: return "A fixed number of digits after the decimal point: 0.1235."
        case .scientific: return "Scientific notation with the given digits after the point: 1.2346e-12."
        case .automatic: return "Fixed (with significant digits) for 0.001 ≤ |x| < 10⁶, scientific otherwise."
        }
      }()) { _, _ in style.value }, producing: .record(typeName))
    }
  }
}
