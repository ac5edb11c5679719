/// Splits a BibTeX name list (`author`, `editor`) into names, as BibTeX does.
///
/// Names are separated by the word `and` outside braces; `and others` at the
/// end means "et al.". Each name is one of
/// - `First von Last`: the von part starts at the first word that begins with
///   a lowercase letter (the last word is always Last);
/// - `von Last, First`;
/// - `von Last, Jr, First` (Jr follows the last name: `Davis Jr`).
/// A word in braces is never split nor lowercase: `{Google DeepMind}` is one
/// corporate family name.
///
/// - Complexity: O(n) in the length of the list.
enum NameListParser {
  /// A word of a name, or a comma between parts.
  private enum Token: Equatable {
    case word(String)
    case comma
  }

  static func parse(_ raw: String) -> (names: [PersonName], truncated: Bool) {
    var names: [PersonName] = []
    var truncated = false
    let groups = split(tokens(raw))
    for (index, group) in groups.enumerated() {
      if group == [.word("others")] && index == groups.count - 1 && index > 0 {
        truncated = true
      } else if let name = name(group) {
        names.append(name)
      }
    }
    return (names, truncated)
  }

  /// Words split at white space and commas outside braces.
  private static func tokens(_ raw: String) -> [Token] {
    var tokens: [Token] = []
    var word = String.UnicodeScalarView()
    var depth = 0
    func flush() {
      if !word.isEmpty { tokens.append(.word(String(word))) }
      word = String.UnicodeScalarView()
    }
    for c in raw.unicodeScalars {
      if depth == 0 && TeXDecoder.isSpace(c) {
        flush()
      } else if depth == 0 && c == "," {
        flush()
        tokens.append(.comma)
      } else {
        if c == "{" { depth += 1 } else if c == "}" { depth = max(0, depth - 1) }
        word.append(c)
      }
    }
    flush()
    return tokens
  }

  /// The tokens of each name: split at the word `and` (any case).
  private static func split(_ tokens: [Token]) -> [[Token]] {
    var groups: [[Token]] = [[]]
    for token in tokens {
      if case .word(let w) = token, w.lowercased() == "and" {
        groups.append([])
      } else {
        groups[groups.count - 1].append(token)
      }
    }
    return groups.filter { group in group.contains { $0 != .comma } }
  }

  private static func name(_ tokens: [Token]) -> PersonName? {
    var parts: [[String]] = [[]]
    for token in tokens {
      switch token {
      case .comma: parts.append([])
      case .word(let w): parts[parts.count - 1].append(w)
      }
    }
    let first = parts[0]
    switch parts.count {
    case 1:
      guard !first.isEmpty else { return nil }
      let last = first.count - 1
      if let von = first[..<last].firstIndex(where: isLowercase) {
        return PersonName(given: text(first[..<von]), family: text(first[von...]))
      }
      return PersonName(given: text(first[..<last]), family: text(first[last...]))
    case 2:
      return PersonName(given: text(parts[1][...]), family: text(first[...]))
    default:
      let jr = text(parts[1][...])
      let family = text(first[...]) + (jr.isEmpty ? "" : " " + jr)
      let given = parts[2...].map { text($0[...]) }.filter { !$0.isEmpty }.joined(separator: ", ")
      return PersonName(given: given, family: family)
    }
  }

  /// Words joined by spaces, TeX decoded.
  private static func text(_ words: ArraySlice<String>) -> String {
    TeXDecoder.decode(words.joined(separator: " "))
  }

  /// Whether a word starts a von part: its first letter outside braces is
  /// lowercase. A word that starts with a brace group is protected (not
  /// lowercase), unless the group is a special character like `{\"o}`.
  private static func isLowercase(_ word: String) -> Bool {
    let scalars = Array(word.unicodeScalars)
    if scalars.first == "{" && (scalars.count < 2 || scalars[1] != "\\") { return false }
    guard let letter = TeXDecoder.decode(word).first(where: { $0.isLetter }) else { return false }
    return letter.isLowercase
  }
}
