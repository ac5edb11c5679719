/// A line diff by longest common subsequence, printed in unified format.
///
/// The common prefix and suffix are matched first; the rest by the classic
/// LCS table, `L[i][j] = L[i+1][j+1] + 1` when `old[i] == new[j]`, else
/// `max(L[i+1][j], L[i][j+1])`, walked from the top (deletions before
/// insertions at a tie). Middles too large for the table (over
/// ``maximumTableCells``) are shown as all old lines removed, then all new added.
public enum LineDiff {
  /// One step of the edit script.
  public enum Edit: Hashable, Sendable {
    /// The same line: old index, new index (0-based).
    case keep(Int, Int)
    /// An old line removed.
    case delete(Int)
    /// A new line inserted.
    case insert(Int)
  }

  /// Largest LCS table (old × new lines) built; 4 M entries, 16 MB.
  public static let maximumTableCells = 4_000_000

  /// The edit script turning `old` into `new`.
  public static func edits(_ old: [String], _ new: [String]) -> [Edit] {
    edits(old.count, new.count) { old[$0] == new[$1] }
  }

  /// The edit script between `oldCount` and `newCount` lines, where `same(i, j)` says
  /// whether old line `i` and new line `j` count as the same.
  public static func edits(_ oldCount: Int, _ newCount: Int, same: (Int, Int) -> Bool) -> [Edit] {
    var prefix = 0
    while prefix < oldCount, prefix < newCount, same(prefix, prefix) { prefix += 1 }
    var suffix = 0
    while suffix < oldCount - prefix, suffix < newCount - prefix, same(oldCount - 1 - suffix, newCount - 1 - suffix) {
      suffix += 1
    }
    var out = (0..<prefix).map { Edit.keep($0, $0) }
    let n = oldCount - prefix - suffix, m = newCount - prefix - suffix
    if n * m > maximumTableCells {
      out += (0..<n).map { .delete(prefix + $0) } + (0..<m).map { .insert(prefix + $0) }
    } else {
      // table[i * (m + 1) + j] = LCS length of a[i...] and b[j...]
      var table = [Int32](repeating: 0, count: (n + 1) * (m + 1))
      for i in stride(from: n - 1, through: 0, by: -1) {
        for j in stride(from: m - 1, through: 0, by: -1) {
          table[i * (m + 1) + j] =
            same(prefix + i, prefix + j)
            ? table[(i + 1) * (m + 1) + j + 1] + 1
            : max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1])
        }
      }
      var i = 0, j = 0
      while i < n || j < m {
        if i < n, j < m, same(prefix + i, prefix + j) {
          out.append(.keep(prefix + i, prefix + j))
          i += 1
          j += 1
        } else if j == m || (i < n && table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) {
          out.append(.delete(prefix + i))
          i += 1
        } else {
          out.append(.insert(prefix + j))
          j += 1
        }
      }
    }
    let oldTail = oldCount - suffix, newTail = newCount - suffix
    out += (0..<suffix).map { .keep(oldTail + $0, newTail + $0) }
    return out
  }

  /// The lines of a text split at `\n`; none for the empty text.
  public static func lines(_ text: String) -> [String] {
    text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  /// The unified diff of two texts split at `\n` (``lines(_:)``): `--- old`, `+++ new`, then
  /// hunks `@@ -l,s +l,s @@` with `context` unchanged lines around each change
  /// (a length of 1 is left out, as GNU diff does). Empty when the texts are equal.
  public static func unified(
    _ old: String, _ new: String, oldName: String = "old", newName: String = "new", context: Int = 3
  ) -> [String] {
    unified(lines: lines(old), lines(new), oldName: oldName, newName: newName, context: context)
  }

  /// ``unified(_:_:oldName:newName:context:)`` for texts already split into lines; `same`
  /// says whether old line `i` and new line `j` count as unchanged (default: equal text).
  public static func unified(
    lines a: [String], _ b: [String], oldName: String = "old", newName: String = "new", context: Int = 3,
    same: ((Int, Int) -> Bool)? = nil
  ) -> [String] {
    let script = edits(a.count, b.count, same: same ?? { a[$0] == b[$1] })
    let changed = script.indices.filter { if case .keep = script[$0] { return false } else { return true } }
    guard let first = changed.first else { return [] }
    // Group changes whose gap of kept lines is at most 2 × context.
    var groups: [(Int, Int)] = []
    var start = first, end = first
    for k in changed.dropFirst() {
      if k - end - 1 > 2 * context {
        groups.append((start, end))
        start = k
      }
      end = k
    }
    groups.append((start, end))
    var out = ["--- \(oldName)", "+++ \(newName)"]
    for (s, e) in groups {
      let lo = max(0, s - context), hi = min(script.count - 1, e + context)
      var oldStart = 0, newStart = 0
      for edit in script[..<lo] {
        switch edit {
        case .keep: oldStart += 1; newStart += 1
        case .delete: oldStart += 1
        case .insert: newStart += 1
        }
      }
      var body: [String] = []
      var oldCount = 0, newCount = 0
      for edit in script[lo...hi] {
        switch edit {
        case .keep(let i, _): body.append(" " + a[i]); oldCount += 1; newCount += 1
        case .delete(let i): body.append("-" + a[i]); oldCount += 1
        case .insert(let j): body.append("+" + b[j]); newCount += 1
        }
      }
      out.append("@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@")
      out += body
    }
    return out
  }

  /// `start,count` (1-based start; an empty range names the line before it).
  private static func range(_ zeroBasedStart: Int, _ count: Int) -> String {
    let start = count == 0 ? zeroBasedStart : zeroBasedStart + 1
    return count == 1 ? "\(start)" : "\(start),\(count)"
  }
}
