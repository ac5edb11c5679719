/// The initialisation of an ITDA dictionary (papers-2.md §2a; the reference
/// `ITDATrainer.update`): while the dictionary holds fewer than `d` atoms, the
/// distinct rows of the current batch (exact equality, as `torch.unique(dim=0)`)
/// are added, most frequent first, until it holds `d`; each is labelled by its
/// first occurrence in the batch.
extension ITDABuilder {
  /// How rows that occur equally often are ordered when the initialisation
  /// takes only some of them (almost always: real activations rarely repeat).
  public enum InitialAtomOrder: String, Sendable, CaseIterable {
    /// Count descending, then first occurrence in the batch. Depends only on
    /// the token order, so the dictionary of `Q·x` (orthogonal `Q`) gets the
    /// same labels as that of `x` — the rotation invariance ITDA's similarity
    /// relies on (papers-2.md §2f). SAEKit's default.
    case firstOccurrence
    /// Count descending, then the ascending lexicographic order of the row
    /// values: what the reference code does in effect (`torch.unique` sorts
    /// rows, `torch.sort` of the counts is stable on CPU). Not rotation
    /// invariant: with more than `d` distinct rows in the first batch, which
    /// ones become atoms depends on the coordinates.
    case referenceLexicographic
  }

  /// The distinct rows of `x` in initialisation order: `(first row, count)`.
  static func initialCandidates(_ x: Matrix, order: InitialAtomOrder) -> [(row: Int, count: Int)] {
    let n = x.rows, d = x.cols
    guard n > 0 else { return [] }
    let sorted: [Int] = x.storage.withUnsafeBufferPointer { xb in
      let p = xb.baseAddress!
      // Lexicographic order of the values (−0 == +0, as torch compares), then row index.
      return (0..<n).sorted { a, b in
        let ra = p + a * d, rb = p + b * d
        for j in 0..<d where ra[j] != rb[j] { return ra[j] < rb[j] }
        return a < b
      }
    }
    var groups = [(row: Int, count: Int)]()
    x.storage.withUnsafeBufferPointer { xb in
      let p = xb.baseAddress!
      var start = 0
      while start < n {
        var end = start + 1
        let first = p + sorted[start] * d
        while end < n {
          let other = p + sorted[end] * d
          if (0..<d).contains(where: { first[$0] != other[$0] }) { break }
          end += 1
        }
        groups.append((sorted[start], end - start))
        start = end
      }
    }
    switch order {
    case .firstOccurrence:
      groups.sort { ($0.count, -$0.row) > ($1.count, -$1.row) }
    case .referenceLexicographic:
      // Stable sort by count, descending, keeps the lexicographic order on ties.
      let indexed = groups.enumerated().sorted { ($0.element.count, -$0.offset) > ($1.element.count, -$1.offset) }
      groups = indexed.map(\.element)
    }
    return groups
  }
}
