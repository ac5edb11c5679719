/// `String(_:)` and the String methods analyses use to handle labels and token text, with
/// Swift's spelling and behaviour: the standard library's, not Foundation's (with Foundation,
/// `"abc".contains("")` is false, while the standard library says true, as for `hasPrefix("")`).
enum StringBuiltins {
  static func register(_ r: inout Registry) {
    r.add(Builtin("String", [.positional("value", .any, "any value")], returns: .string,
                  doc: "The text a value prints with: String(3) is \"3\", String([1, 2]) is \"[1, 2]\".") { args, _ in
      guard let v = args.values["value"] else { throw RuntimeError("missing argument 'value'") }
      return .string(v.text)
    })
    r.add(Builtin("String", [.labeled("describing", .any, "any value")], returns: .string,
                  doc: "The text a value prints with, as String(_:): String(describing: 0.5) is \"0.5\".") { args, _ in
      guard let v = args.values["describing"] else { throw RuntimeError("missing argument 'describing'") }
      return .string(v.text)
    })
    r.addMethod(Builtin("split", [.labeled("separator", .string, "the text between the pieces (not empty)")],
                        returns: .array(.string),
                        doc: "The pieces between occurrences of the separator, as Swift's split: empty pieces are left out, so \"a,,b\".split(separator: \",\") is [\"a\", \"b\"].") { args, _ in
      let s = try receiver(args), separator = try args.string("separator")
      guard !separator.isEmpty else { throw RuntimeError("'separator' is empty", argument: "separator") }
      return .array(s.split(separator: separator).map { .string(String($0)) })
    }, on: .string)
    let transforms: [(String, String, @Sendable (String) -> String)] = [
      ("uppercased", "The text in upper case.", { $0.uppercased() }),
      ("lowercased", "The text in lower case.", { $0.lowercased() }),
    ]
    for (name, doc, transform) in transforms {
      r.addMethod(Builtin(name, [], returns: .string, doc: doc) { args, _ in .string(transform(try receiver(args))) }, on: .string)
    }
    // `firstRange(of:)` is the standard library's `contains`, whatever else the module imports.
    let tests: [(String, String, String, @Sendable (String, String) -> Bool)] = [
      ("contains", "other", "Whether the text contains other (an empty other is always contained).", { $0.firstRange(of: $1) != nil }),
      ("hasPrefix", "prefix", "Whether the text starts with prefix.", { $0.hasPrefix($1) }),
      ("hasSuffix", "suffix", "Whether the text ends with suffix.", { $0.hasSuffix($1) }),
    ]
    for (name, parameter, doc, test) in tests {
      r.addMethod(Builtin(name, [.positional(parameter, .string, "the text to look for")], returns: .bool, doc: doc) { args, _ in
        .bool(test(try receiver(args), try args.string(parameter)))
      }, on: .string)
    }
  }

  static func receiver(_ args: CallArguments) throws -> String {
    guard case .string(let s)? = args.receiver else { throw RuntimeError("not a String") }
    return s
  }
}
