/// Title case for raw BibTeX titles, the way CSL styles change case.
///
/// Words written all in lowercase get a capital first letter, except the
/// stop words (`a`, `and`, `of`, `the`, …) that are neither the first nor the
/// last word nor follow a colon. A word with TeX in it (`na\"ive`) is kept. Words with a capital anywhere (`arXiv`,
/// `MiniLM`), anything inside braces, TeX commands and math `$…$` are kept as
/// they are. Each part of a hyphenated word counts as a word (`Task-Agnostic`).
///
/// - Complexity: O(n).
enum TitleCase {
  static let stopWords: Set<String> = [
    "a", "an", "and", "as", "at", "but", "by", "down", "for", "from", "in", "into", "nor", "of", "on", "onto", "or",
    "over", "so", "the", "till", "to", "up", "via", "vs", "with", "yet",
  ]

  static func apply(_ raw: String) -> String {
    let t = Array(raw.unicodeScalars)
    let words = wordRanges(t)
    // The last word is the one after which no letter or digit follows, braced or not.
    let lastLetter = t.lastIndex { $0.properties.isAlphabetic || $0.properties.numericType != nil } ?? 0
    var out = String.UnicodeScalarView()
    var next = 0
    for (index, word) in words.enumerated() {
      out.append(contentsOf: t[next..<word.lowerBound])
      let letters = String(String.UnicodeScalarView(t[word]))
      let afterColon =
        t[..<word.lowerBound].last { !TeXDecoder.isSpace($0) }.map { ":?!—".unicodeScalars.contains($0) } ?? false
      let isLast = word.upperBound > lastLetter
      let mayCapitalize = index == 0 || isLast || afterColon || !stopWords.contains(letters)
      if mayCapitalize && letters == letters.lowercased() {
        out.append(contentsOf: String(letters.prefix(1)).uppercased().unicodeScalars)
        out.append(contentsOf: letters.dropFirst().unicodeScalars)
      } else {
        out.append(contentsOf: t[word])
      }
      next = word.upperBound
    }
    out.append(contentsOf: t[next...])
    return String(out)
  }

  /// The ranges of the words outside braces, commands and math: runs of
  /// letters (and apostrophes), ending at anything else. A word that runs
  /// into a brace or a command is left out.
  private static func wordRanges(_ t: [Unicode.Scalar]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var depth = 0
    var inMath = false
    var i = 0
    while i < t.count {
      let c = t[i]
      if c == "{" {
        depth += 1
      } else if c == "}" {
        depth = max(0, depth - 1)
      } else if c == "$" && depth == 0 {
        inMath.toggle()
      } else if c == "\\" {
        // A command word, or a control symbol with the letter it accents.
        i += 1
        if i < t.count, t[i].properties.isAlphabetic {
          while i < t.count, t[i].properties.isAlphabetic { i += 1 }
        } else {
          i += 1
          if i < t.count, t[i].properties.isAlphabetic { i += 1 }
        }
        continue
      } else if depth == 0 && !inMath && c.properties.isAlphabetic {
        let start = i
        while i < t.count, t[i].properties.isAlphabetic || t[i] == "'" || t[i] == "’" { i += 1 }
        let before = start > 0 ? t[start - 1] : " "
        let after = i < t.count ? t[i] : " "
        let joined =
          before == "}" || before == "\\" || before.properties.isAlphabetic || before.properties.numericType != nil
        if !joined && after != "{" && after != "\\" && after.properties.numericType == nil {
          ranges.append(start..<i)
        }
        continue
      }
      i += 1
    }
    return ranges
  }
}
