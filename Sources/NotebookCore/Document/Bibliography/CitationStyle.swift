import Foundation

/// Author–date citations in the text and the list of references, in the
/// manner of the Chicago author–date style (Pandoc's default):
///
/// - in the text: `(Gao et al. 2024; Lindsey et al. 2025, p. 3)`, or narrative
///   `Gao et al. (2024)`; 1 author "Family", 2 "A and B", 3 or more "A et al.";
/// - the year is `year` (or the first 4 digits of `date`), "n.d." when none;
///   two cited entries with the same author label and year get `2024a`, `2024b`,
///   in the order of the list;
/// - the list (``references(cited:)``) is sorted by first author's family name,
///   year and title, each entry as escaped HTML.
public struct CitationStyle: Sendable {
  public let bibliography: Bibliography
  /// The year suffix of each key that shares its author label and year with another.
  let suffixes: [String: String]

  /// - Parameter cited: the keys the document cites, used to tell entries with
  ///   the same label and year apart; nil: every entry of the bibliography.
  public init(bibliography: Bibliography, cited: [String]? = nil) {
    self.bibliography = bibliography
    let keys =
      cited.map { Self.unique($0).filter { bibliography.entries[$0] != nil } }
      ?? Array(bibliography.entries.keys)
    var groups: [String: [BibEntry]] = [:]
    for key in keys {
      guard let entry = bibliography.entries[key] else { continue }
      groups["\(Self.authorLabel(entry))\u{0}\(Self.year(entry))", default: []].append(entry)
    }
    var suffixes: [String: String] = [:]
    for group in groups.values where group.count > 1 {
      for (index, entry) in Self.inListOrder(group).enumerated() {
        suffixes[entry.key] = Self.letters(index)
      }
    }
    self.suffixes = suffixes
  }

  /// A citation of one or more entries, as plain text (not escaped).
  ///
  /// Parenthetical: `(Gao et al. 2024, p. 3; Lindsey et al. 2025)`; narrative:
  /// `Gao et al. (2024, p. 3) and Lindsey et al. (2025)`. Consecutive entries of
  /// the same authors share the name: `(Gao et al. 2024a, 2024b)`. A key the
  /// bibliography lacks is shown as `key?`. A locator that is a number is a
  /// page (`p. 3`), a range of numbers pages (`pp. 3–5`); any other is shown as written.
  public func inText(_ items: [(key: String, locator: String?)], narrative: Bool) -> String {
    var groups: [(author: String, years: [String])] = []
    for item in items {
      guard let entry = bibliography.entries[item.key] else {
        groups.append((author: "\(item.key)?", years: []))
        continue
      }
      var year = Self.year(entry) + (suffixes[entry.key] ?? "")
      if let locator = Self.locator(item.locator) { year += ", " + locator }
      let author = Self.authorLabel(entry)
      if let last = groups.last, last.author == author, !last.years.isEmpty {
        groups[groups.count - 1].years.append(year)
      } else {
        groups.append((author: author, years: [year]))
      }
    }
    if narrative {
      let parts = groups.map { $0.years.isEmpty ? $0.author : "\($0.author) (\($0.years.joined(separator: ", ")))" }
      return Self.series(parts)
    }
    let parts = groups.map {
      ([$0.author] + [$0.years.joined(separator: ", ")].filter { !$0.isEmpty }).joined(separator: " ")
    }
    return "(" + parts.joined(separator: "; ") + ")"
  }

  /// The two parts of one key's label, `Gao et al.` and `2024a`; nil when the key is unknown.
  public func labelParts(for key: String) -> (author: String, year: String)? {
    guard let entry = bibliography.entries[key] else { return nil }
    return (Self.authorLabel(entry), Self.year(entry) + (suffixes[key] ?? ""))
  }

  /// The label of one key in the text: `Gao et al. 2024a` (`key?` when unknown).
  public func label(for key: String) -> String {
    guard let entry = bibliography.entries[key] else { return "\(key)?" }
    return "\(Self.authorLabel(entry)) \(Self.year(entry))\(suffixes[key] ?? "")"
  }

  // MARK: Labels

  /// "Family", "A and B" or "A et al."; the title when there are no names.
  static func authorLabel(_ entry: BibEntry) -> String {
    let names = entry.authors.map(\.family)
    switch (names.count, entry.authorsTruncated) {
    case (0, false): return entry.field("title") ?? entry.key
    case (1, false): return names[0]
    case (2, false): return "\(names[0]) and \(names[1])"
    case (0, true): return "Anonymous et al."
    default: return "\(names[0]) et al."
    }
  }

  /// `year`, else the first 4 digits of `date`, else "n.d.".
  static func year(_ entry: BibEntry) -> String {
    if let year = entry.field("year") { return year }
    if let date = entry.field("date") {
      let digits = date.prefix(4)
      if digits.count == 4 && digits.allSatisfy({ $0.isASCII && $0.isNumber }) { return String(digits) }
    }
    return "n.d."
  }

  /// `p. 3`, `pp. 3–5` or the locator as written; nil when empty.
  static func locator(_ locator: String?) -> String? {
    guard let text = locator?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
    let isNumber: (Substring) -> Bool = { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    if isNumber(Substring(text)) { return "p. \(text)" }
    let range = text.split(whereSeparator: { $0 == "-" || $0 == "–" }).map { $0.trimmingCharacters(in: .whitespaces) }
    if range.count == 2, range.allSatisfy({ isNumber(Substring($0)) }) { return "pp. \(range[0])–\(range[1])" }
    return text
  }

  /// "a", "b", … "z", "aa", "ab", …
  static func letters(_ index: Int) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz")
    var n = index
    var out = ""
    repeat {
      out = String(alphabet[n % 26]) + out
      n = n / 26 - 1
    } while n >= 0
    return out
  }

  /// "A", "A and B", "A, B, and C".
  static func series(_ parts: [String]) -> String {
    switch parts.count {
    case 0: return ""
    case 1: return parts[0]
    case 2: return "\(parts[0]) and \(parts[1])"
    default: return parts.dropLast().joined(separator: ", ") + ", and " + parts[parts.count - 1]
    }
  }

  static func unique(_ keys: [String]) -> [String] {
    var seen: Set<String> = []
    return keys.filter { seen.insert($0).inserted }
  }
}
