/// Keeps Ink's link parsing linear: brackets that cannot open a link become the entities
/// `&#91;`/`&#93;` before Ink sees them (they read the same in the page).
///
/// Ink (0.6) tries a link at every `[`: it reads the link text up to a `]`, trying every `[`
/// inside it as a link of its own, and rewinds when the attempt fails. An attempt that fails is
/// repeated by every enclosing attempt, so brackets nested d deep cost 2^d (18 deep took 3 s,
/// 30 deep would take hours), a paragraph of n `[` that never close costs n² (6,000 took 100 s),
/// and n `](` whose `(` never closes on its line cost n² too. This pass escapes, outside code spans
/// and fenced blocks:
/// - a `[` with no `]` after it in its paragraph;
/// - a bracket pair nested more than ``maximumDepth`` deep (both brackets);
/// - a pair followed by `(` that has no matching `)` on its line (both brackets).
/// Real links are never touched; a bracket that could not have opened a link renders the same.
enum LinkBracketGuard {
  /// Links inside links deeper than this are shown as text (Markdown links rarely nest at all).
  static let maximumDepth = 4

  static func escaping(_ markdown: String) -> String {
    guard markdown.contains("[") else { return markdown }
    let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
    var escaped: [[Int]] = Array(repeating: [], count: lines.count)  // scalar offsets per line
    var paragraph: [(line: Int, scalars: [Unicode.Scalar])] = []
    var fences = MarkdownFences()

    func closeParagraph() {
      for (line, offsets) in escapes(in: paragraph) { escaped[line] += offsets }
      paragraph = []
    }
    for (index, line) in lines.enumerated() {
      // A fence ends the paragraph (closing it again inside the block finds nothing to close).
      if fences.take(line) || HTMLText.trimmed(String(line)).isEmpty {
        closeParagraph()
        continue
      }
      paragraph.append((index, Array(line.unicodeScalars)))
    }
    closeParagraph()
    guard escaped.contains(where: { !$0.isEmpty }) else { return markdown }
    return lines.enumerated().map { index, line -> String in
      guard !escaped[index].isEmpty else { return String(line) }
      let marks = Set(escaped[index])
      var out = ""
      out.reserveCapacity(line.utf8.count + 5 * marks.count)
      for (offset, scalar) in line.unicodeScalars.enumerated() {
        if marks.contains(offset) {
          out += scalar == "[" ? "&#91;" : "&#93;"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
      return out
    }.joined(separator: "\n")
  }

  private struct Position: Hashable {
    var line: Int
    var offset: Int
  }

  /// The brackets of one paragraph to escape, as (line, offsets) pairs.
  private static func escapes(in paragraph: [(line: Int, scalars: [Unicode.Scalar])]) -> [Int: [Int]] {
    var open: [(position: Position, escaped: Bool)] = []
    var result: [Int: [Int]] = [:]
    func mark(_ p: Position) { result[p.line, default: []].append(p.offset) }
    for (line, scalars) in paragraph {
      let closingParen = matchingParentheses(scalars)
      let inCode = codeSpanMask(scalars)
      for (offset, scalar) in scalars.enumerated() where !inCode[offset] {
        let here = Position(line: line, offset: offset)
        if scalar == "[" {
          let tooDeep = open.count >= maximumDepth
          if tooDeep { mark(here) }
          open.append((here, tooDeep))
        } else if scalar == "]", let opener = open.popLast() {
          let next = offset + 1
          let unclosedParen = next < scalars.count && scalars[next] == "(" && closingParen[next] == nil
          if opener.escaped {
            mark(here)
          } else if unclosedParen {
            mark(opener.position)
            mark(here)
          }
        }
      }
    }
    for opener in open where !opener.escaped { mark(opener.position) }
    return result
  }

  /// For each `(` of a line, whether a `)` closes it on the line (balanced as Ink reads a URL).
  private static func matchingParentheses(_ scalars: [Unicode.Scalar]) -> [Int: Int] {
    var stack: [Int] = []
    var matches: [Int: Int] = [:]
    for (offset, scalar) in scalars.enumerated() {
      if scalar == "(" {
        stack.append(offset)
      } else if scalar == ")", let opener = stack.popLast() {
        matches[opener] = offset
      }
    }
    return matches
  }

  /// Which scalars of a line lie in an inline code span: a backtick opens one only when another
  /// follows on the line (as Ink reads them), and the span runs to that backtick. Linear in the line.
  static func codeSpanMask(_ scalars: [Unicode.Scalar]) -> [Bool] {
    var inside = Array(repeating: false, count: scalars.count)
    let backticks = scalars.reduce(0) { $0 + ($1 == "`" ? 1 : 0) }
    var seen = 0
    var inCode = false
    for (offset, scalar) in scalars.enumerated() {
      if scalar == "`" {
        seen += 1
        inCode = inCode ? false : seen < backticks
        inside[offset] = true
      } else {
        inside[offset] = inCode
      }
    }
    return inside
  }
}
