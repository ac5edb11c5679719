/// One selection kernel for every allocation rule of papers-1.md §5: which
/// entries of a `(B × m)` score matrix become codes, under a per-row budget
/// (TopK, AbsTopK), a per-column budget (Feature Choice) or one budget for the
/// whole batch (BatchTopK, Mutual Choice), ranked by value or by magnitude;
/// a budget per row (Top-AFA's norm-matched `k*(x)`) is a per-row budget too.
///
/// Every path is a partial selection (a heap behind a block-maximum cut, or a
/// quickselect behind a sampled cut), never a full sort. Ties go to the lower
/// index: the lower latent within a row, the lower row within a column, and the
/// lower row-major position `r·m + j` for the batch budget. A selected entry
/// whose code would be 0 is not stored: by value the kept codes are `> 0`
/// (affinities clamped at 0), by magnitude they are `≠ 0` and keep their signs.
public enum SelectionBudget: Sendable, Equatable {
  /// At most `k` entries in every row.
  case perRow(Int)
  /// At most `counts[r]` entries in row `r` (one count per row).
  case eachRow([Int])
  /// At most `capacities[j]` entries in column `j` (one capacity per column).
  case perColumn([Int])
  /// At most this many entries in the whole matrix.
  case total(Int)
}

extension SparseCodes {
  /// The entries of `scores` that `budget` selects, ranked by `ranking`.
  ///
  /// - Parameters:
  ///   - scores: `(B × m)` pre-activations or affinities.
  ///   - budget: the allocation rule; a per-column budget needs `m` capacities.
  /// - Returns: the codes and the cut, the smallest kept key (`|value|` by
  ///   magnitude); for a per-column budget, one cut per column (0 where the
  ///   column kept nothing); for a per-row budget (one `k` or one per row), no cut.
  /// - Complexity: about `B·m` comparisons plus `O(kept · log)` heap or
  ///   quickselect work.
  public static func selecting(
    _ scores: Matrix, budget: SelectionBudget, rankedBy ranking: SelectionRanking = .value
  ) -> (codes: SparseCodes, cuts: [Float]) {
    guard !scores.storage.isEmpty else {
      let none = SparseCodes(
        unchecked: scores.rows, width: scores.cols, rowStart: [Int](repeating: 0, count: scores.rows + 1),
        indices: [], values: [])
      switch budget {
      case .perRow, .eachRow: return (none, [])
      case .perColumn: return (none, [Float](repeating: 0, count: scores.cols))
      case .total: return (none, [0])
      }
    }
    switch budget {
    case .perRow(let k):
      return (topK(of: scores, k: max(0, k), rankedBy: ranking), [])
    case .eachRow(let counts):
      precondition(counts.count == scores.rows, "a budget for each row needs one count per row")
      return (topK(of: scores, perRow: counts, k: 0, rankedBy: ranking), [])
    case .perColumn(let capacities):
      precondition(capacities.count == scores.cols, "a per-column budget needs one capacity per column")
      return columnTop(scores, capacities: capacities, ranking: ranking)
    case .total(let budget):
      let (codes, cut) = batchTop(scores, budget: max(0, budget), ranking: ranking)
      return (codes, [cut])
    }
  }

  /// Whether a selected entry is stored: `> 0` by value, `≠ 0` by magnitude.
  @inline(__always)
  static func isKept(_ v: Float, _ ranking: SelectionRanking) -> Bool {
    ranking == .value ? v > 0 : v != 0
  }

  /// The selection key of a value.
  @inline(__always)
  static func key(_ v: Float, _ ranking: SelectionRanking) -> Float {
    ranking == .value ? v : abs(v)
  }
}
